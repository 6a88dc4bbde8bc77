/**
 * The contract of framescope's inspector service. The Electron IPC channel, the headless
 * server's WebSocket and the CLI all serve or consume this one interface; the renderer sees
 * only these types and never knows which transport carries them.
 *
 * Frame codes (one byte per frame): 0 = mapped, 2 (ENOENT) = paged out, 255 = not scanned,
 * anything else = invalid, the byte being the errno (HostInfo.codeNames names each one).
 */

export type Backend = 'xen' | 'sim' | 'dump';
export type PrivcmdAbiName = 'v2' | 'v1';
export type ScanMode = 'observe' | 'retry';

export interface HostInfo {
  backend: Backend;
  /** True on the emulator: the UI must say so. */
  simulated: boolean;
  /** One line: what is being inspected ("simulated host (privcmd emulator)", "/dev/xen/privcmd"). */
  description: string;
  hostname: string;
  /** The batch ioctl in use, once a batch has run. */
  abi: PrivcmdAbiName | null;
  version: string;
  pageSize: number;
  /** Name of every frame code: "OK", "ENOENT", "EINVAL", "UNSCANNED", ... */
  codeNames: Record<number, string>;
}

export interface DomainInfo {
  id: number;
  name: string;
  /** memory/target in KiB, when known. */
  memoryKiB: number | null;
  /** memory/static-max in KiB, when known. */
  maxMemoryKiB: number | null;
  /** Highest gfn + 1 (XENMEM_maximum_gpfn), null when the hypervisor would not say. */
  frames: number | null;
}

export interface ScanRequest {
  domain: number;
  /** First and last gfn, inclusive; default the whole domain. */
  first?: number;
  last?: number;
  mode?: ScanMode;
  /** Frames per ioctl. */
  batch?: number;
  /** Retry mode: how long one batch may keep retrying its paged frames. */
  retryTimeoutMs?: number;
}

export interface ScanStarted {
  scanId: string;
  domain: number;
  first: number;
  last: number;
  frames: number;
  mode: ScanMode;
  batch: number;
}

export interface StatusCounts {
  mapped: number;
  paged: number;
  invalid: number;
}

export interface ScanSummary {
  domain: number;
  first: number;
  last: number;
  /** Frames in the range. */
  frames: number;
  /** Frames with a result (less than `frames` when stopped or failed). */
  scanned: number;
  counts: StatusCounts;
  /** Frames per error name ("ENOENT", "EINVAL", ...). */
  errnos: Record<string, number>;
  abi: PrivcmdAbiName | null;
  durationMs: number;
  mode: ScanMode;
  batch: number;
  /** Retry mode: paged frames retried, how many came back, batches that ran out of time. */
  retry: { retried: number; recovered: number; timedOutBatches: number } | null;
  cancelled: boolean;
  /** Why the scan stopped early, in one line. */
  error: string | null;
}

/** Frame codes for [first, first + codes.length). */
export interface ScanChunk {
  type: 'chunk';
  scanId: string;
  first: number;
  codes: Uint8Array;
  scanned: number;
  elapsedMs: number;
}

export interface ScanEnd {
  type: 'end';
  scanId: string;
  summary: ScanSummary;
}

export type ScanEvent = ScanChunk | ScanEnd;

export interface FrameReadRequest {
  domain: number;
  gfn: number;
  mode?: ScanMode;
}

export interface FrameRead {
  domain: number;
  gfn: number;
  code: number;
  /** "OK", "ENOENT", ... */
  codeName: string;
  /** The frame's bytes; null when it did not map (touching it would be SIGBUS). */
  bytes: Uint8Array | null;
  abi: PrivcmdAbiName | null;
}

export interface FramescopeApi {
  hostInfo(): Promise<HostInfo>;
  listDomains(): Promise<DomainInfo[]>;
  startScan(request: ScanRequest): Promise<ScanStarted>;
  stopScan(scanId: string): Promise<void>;
  readFrame(request: FrameReadRequest): Promise<FrameRead>;
  /** Scan chunks and ends, for every scan; returns the unsubscribe function. */
  onScanEvent(listener: (event: ScanEvent) => void): () => void;
}

/**
 * The headless server's WebSocket protocol: every message is one binary frame holding a
 * MessagePack value (Uint8Array stays binary), one of these.
 */
export type WireToServer = { t: 'call'; id: number; method: string; args: unknown[] };

export type WireToClient =
  | { t: 'result'; id: number; value: unknown }
  | { t: 'error'; id: number; error: { name: string; message: string; code?: string } }
  | { t: 'event'; event: ScanEvent };
