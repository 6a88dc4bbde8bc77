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

/** How a guest is virtualised: its frames reach privcmd as machine frames (PV) or as gfns. */
export type GuestType = 'pv' | 'pvh' | 'hvm';

export interface DomainInfo {
  id: number;
  name: string;
  /** memory/target in KiB, when known. */
  memoryKiB: number | null;
  /** memory/static-max in KiB, when known. */
  maxMemoryKiB: number | null;
  /** Highest gfn + 1 (XENMEM_maximum_gpfn), null when the hypervisor would not say. */
  frames: number | null;
  /** Pages the domain holds now (XENMEM_current_reservation), null when the hypervisor would not say. */
  currentPages?: number | null;
  /** Pages it may hold (XENMEM_maximum_reservation), null when the hypervisor would not say. */
  maxPages?: number | null;
  /** PV, PVH or HVM (XEN_DOMCTL_getdomaininfo), null when the hypervisor would not say. */
  type?: GuestType | null;
  /** Why `type` is null, when framescope knows (no domctl interface version matched). */
  typeError?: string;
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
  /** The privcmd ioctl to use; unset: V2, or V1 where the kernel lacks V2. */
  abi?: PrivcmdAbiName;
  /** Time each stage of the scan loop (ScanSummary.profile). */
  profile?: boolean;
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
  /** When the request asked for it: where the scan's time went. */
  profile?: ScanProfile;
}

/**
 * Milliseconds each stage of a scan took, summed over its batches. The device's four are the
 * privcmd calls and turning their errors into codes; `chunks` is the scanner's part (codes into
 * chunks, tallies, chunks encoded and posted); what durationMs holds beyond these is the glue.
 */
export interface ScanProfile {
  batches: number;
  mmapMs: number;
  ioctlMs: number;
  munmapMs: number;
  decodeMs: number;
  chunksMs: number;
}

/** How a chunk's codes travel: one byte a frame, or runs (code, LEB128 length), whichever is smaller. */
export type CodesEncoding = 'raw' | 'rle';

/** Frame codes for gfns [first, first + count), as `encoding` says (app/chunk-codec.ts). */
export interface ScanChunk {
  type: 'chunk';
  scanId: string;
  first: number;
  count: number;
  encoding: CodesEncoding;
  data: Uint8Array;
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
  abi?: PrivcmdAbiName;
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

/** Maps the paged-out frames of a range with the retry policy, round after round, until Xen
 * has paged them back in or the time is up; chunks show frames turning mapped as they do. */
export interface PageInRequest {
  domain: number;
  first: number;
  last: number;
  /** Overall bound, default 10 s. */
  timeoutMs?: number;
  abi?: PrivcmdAbiName;
}

/** A finished scan (or an opened snapshot) the service keeps for the session. */
export interface ScanRecordInfo {
  scanId: string;
  kind: 'scan' | 'page-in' | 'snapshot';
  domain: number;
  domainName: string;
  /** ISO 8601: when the scan ended (or the snapshot was taken). */
  takenAt: string;
  summary: ScanSummary;
  /** Where the frames were read. */
  origin: { backend: Backend; description: string; hostname: string };
  /** For snapshots: the file it came from. */
  fileName?: string;
}

export interface ScanRecord extends ScanRecordInfo {
  /** One code per frame of [summary.first, summary.first + codes.length). */
  codes: Uint8Array;
}

export type ExportFormat = 'snapshot' | 'csv' | 'json';

export interface ExportRequest {
  scanId: string;
  format: ExportFormat;
}

export interface ExportedFile {
  /** A suggested file name ("web-01-2026-11-26T12-00-00.fsnap"). */
  fileName: string;
  bytes: Uint8Array;
}

export interface ImportSnapshotRequest {
  fileName: string;
  bytes: Uint8Array;
}

export interface DiffRequest {
  /** Two scan ids (scans or opened snapshots); `a` is the earlier. */
  a: string;
  b: string;
}

export interface DiffResult {
  a: ScanRecordInfo;
  b: ScanRecordInfo;
  /** gfns both cover, inclusive; null when they do not overlap. */
  first: number | null;
  last: number | null;
  compared: number;
  changed: number;
  /** "mapped→paged": frames. */
  transitions: Record<string, number>;
  /** "ENOENT→OK": frames (errno changes within invalid show here). */
  codeTransitions: Record<string, number>;
  /** One bit per compared frame (bit i of byte i >> 3, least significant first): 1 = changed. */
  changedMask: Uint8Array;
  onlyInA: number;
  onlyInB: number;
}

export interface SearchRequest {
  domain: number;
  first?: number;
  last?: number;
  /** Exactly one of hex ("de ad be ef") and text. */
  hex?: string;
  text?: string;
  encoding?: 'ascii' | 'utf16le';
  maxHits?: number;
  abi?: PrivcmdAbiName;
}

export interface SearchStarted {
  searchId: string;
  domain: number;
  first: number;
  last: number;
  /** The bytes searched for, as hex. */
  pattern: string;
}

export interface SearchHit {
  gfn: number;
  offset: number;
  /** Bytes around the hit, and where the match starts in them. */
  context: Uint8Array;
  contextOffset: number;
}

export interface SearchSummary {
  pattern: string;
  frames: number;
  scanned: number;
  mappedFrames: number;
  bytesSearched: number;
  hits: number;
  truncated: boolean;
  cancelled: boolean;
  durationMs: number;
  error: string | null;
}

export interface SearchHitsEvent {
  type: 'search-hits';
  searchId: string;
  hits: SearchHit[];
  scanned: number;
  frames: number;
}

export interface SearchEndEvent {
  type: 'search-end';
  searchId: string;
  summary: SearchSummary;
}

/** What the inspector looks at changed (a dump was opened, or back to the host). */
export interface SourceChangedEvent {
  type: 'source-changed';
  host: HostInfo;
}

export type InspectorEvent = ScanEvent | SearchHitsEvent | SearchEndEvent | SourceChangedEvent;

export type SourceRequest = { kind: 'host' } | { kind: 'dump'; path: string };

export interface FramescopeApi {
  hostInfo(): Promise<HostInfo>;
  listDomains(): Promise<DomainInfo[]>;
  startScan(request: ScanRequest): Promise<ScanStarted>;
  stopScan(scanId: string): Promise<void>;
  readFrame(request: FrameReadRequest): Promise<FrameRead>;
  /** A page-in runs as a scan: stopScan stops it, its chunks and end come as scan events. */
  pageIn(request: PageInRequest): Promise<ScanStarted>;
  /** The session's finished scans and opened snapshots, oldest first (memory-bounded). */
  listScans(): Promise<ScanRecordInfo[]>;
  scanRecord(scanId: string): Promise<ScanRecord>;
  exportScan(request: ExportRequest): Promise<ExportedFile>;
  importSnapshot(request: ImportSnapshotRequest): Promise<ScanRecordInfo>;
  diffScans(request: DiffRequest): Promise<DiffResult>;
  startSearch(request: SearchRequest): Promise<SearchStarted>;
  stopSearch(searchId: string): Promise<void>;
  /** Inspect a dump file, or the host again. Refused where the service may not open files. */
  openSource(request: SourceRequest): Promise<HostInfo>;
  /** Every event (scans, page-ins, searches, source changes); returns the unsubscribe function. */
  onEvent(listener: (event: InspectorEvent) => void): () => void;
}

/**
 * The headless server's WebSocket protocol: every message is one binary frame holding a
 * MessagePack value (Uint8Array stays binary), one of these.
 */
export type WireToServer = { t: 'call'; id: number; method: string; args: unknown[] };

export type WireToClient =
  | { t: 'result'; id: number; value: unknown }
  | { t: 'error'; id: number; error: { name: string; message: string; code?: string } }
  | { t: 'event'; event: InspectorEvent };
