/**
 * A FramescopeApi over made-up domains whose frame codes a test chooses, for the renderer's
 * store. startScan answers at once and sends nothing; the test then plays the scan out with
 * run() (chunks, then the end), in pieces with chunks() and end(), or sends any event with
 * emit(). Summaries are computed from the codes sent, as the real scanner does.
 */
import type {
  DomainInfo,
  FrameRead,
  FrameReadRequest,
  FramescopeApi,
  HostInfo,
  InspectorEvent,
  ScanRequest,
  ScanStarted,
  ScanSummary,
} from '../../app/api';
import { PartialApi } from '../fakes/partial-api';

export const CODE_NAMES: Record<number, string> = { 0: 'OK', 1: 'EPERM', 2: 'ENOENT', 16: 'EBUSY', 22: 'EINVAL', 255: 'UNSCANNED' };

interface FakeScan {
  started: ScanStarted;
  /** Next gfn to send. */
  next: number;
  sent: Uint8Array[];
  stopped: boolean;
  ended: boolean;
  startedAt: number;
}

export class FakeScanApi extends PartialApi implements FramescopeApi {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  readonly scans = new Map<string, FakeScan>();
  /** The truth: each domain's frame codes. */
  readonly truth = new Map<number, Uint8Array>();
  /** Makes the named method throw this error once. */
  failNext: { method: keyof FramescopeApi; error: Error } | null = null;
  /** Held startScan answers: set to a promise to keep startScan pending until it resolves. */
  startGate: Promise<void> | null = null;
  private readonly listeners = new Set<(event: InspectorEvent) => void>();
  private nextScan = 1;

  constructor(readonly domains: DomainInfo[]) {
    super();
    for (const d of domains) this.truth.set(d.id, new Uint8Array(d.frames ?? 0));
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  private check(method: keyof FramescopeApi, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failNext?.method === method) {
      const { error } = this.failNext;
      this.failNext = null;
      throw error;
    }
  }

  async hostInfo(): Promise<HostInfo> {
    this.check('hostInfo', []);
    return {
      backend: 'sim', simulated: true, description: 'fake scan api', hostname: 'fake', abi: 'v2',
      version: '0.0.0', pageSize: 4096, codeNames: CODE_NAMES,
    };
  }

  async listDomains(): Promise<DomainInfo[]> {
    this.check('listDomains', []);
    return this.domains.map((d) => ({ ...d }));
  }

  async startScan(request: ScanRequest): Promise<ScanStarted> {
    this.check('startScan', [request]);
    if (this.startGate) await this.startGate;
    const frames = this.truth.get(request.domain)?.length;
    if (frames === undefined) throw new Error(`no domain ${request.domain}`);
    const first = request.first ?? 0;
    const last = request.last ?? frames - 1;
    if (last >= frames || first > last) throw new RangeError(`bad range ${first}-${last}`);
    const started: ScanStarted = {
      scanId: `scan-${this.nextScan++}`, domain: request.domain, first, last, frames: last - first + 1,
      mode: request.mode ?? 'observe', batch: request.batch ?? 1024,
    };
    this.scans.set(started.scanId, { started, next: first, sent: [], stopped: false, ended: false, startedAt: 0 });
    return started;
  }

  async stopScan(scanId: string): Promise<void> {
    this.check('stopScan', [scanId]);
    const scan = this.scans.get(scanId);
    if (scan) scan.stopped = true;
  }

  async readFrame(request: FrameReadRequest): Promise<FrameRead> {
    this.check('readFrame', [request]);
    const code = this.truth.get(request.domain)?.[request.gfn] ?? 22;
    return {
      domain: request.domain, gfn: request.gfn, code, codeName: CODE_NAMES[code] ?? `E${code}`,
      bytes: code === 0 ? new Uint8Array(4096).fill(request.gfn & 0xff) : null, abi: 'v2',
    };
  }

  onEvent(listener: (event: InspectorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: InspectorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Sends up to `count` chunks of `size` frames of the scan (all that remain by default). */
  chunks(scanId: string, size = 1000, count = Infinity): void {
    const scan = this.scans.get(scanId)!;
    const codes = this.truth.get(scan.started.domain)!;
    for (let i = 0; i < count && scan.next <= scan.started.last && !scan.stopped; i++) {
      const end = Math.min(scan.started.last + 1, scan.next + size);
      const chunk = codes.slice(scan.next, end);
      scan.sent.push(chunk);
      this.emit({ type: 'chunk', scanId, first: scan.next, codes: chunk, scanned: end - scan.started.first, elapsedMs: 10 * scan.sent.length });
      scan.next = end;
    }
  }

  /** The summary of what the scan sent so far. */
  summary(scanId: string, patch: Partial<ScanSummary> = {}): ScanSummary {
    const scan = this.scans.get(scanId)!;
    const counts = { mapped: 0, paged: 0, invalid: 0 };
    const errnos: Record<string, number> = {};
    let scanned = 0;
    for (const chunk of scan.sent) {
      for (const code of chunk) {
        scanned++;
        if (code === 0) counts.mapped++;
        else if (code === 2) counts.paged++;
        else counts.invalid++;
        if (code !== 0) errnos[CODE_NAMES[code] ?? `E${code}`] = (errnos[CODE_NAMES[code] ?? `E${code}`] ?? 0) + 1;
      }
    }
    const s = scan.started;
    return {
      domain: s.domain, first: s.first, last: s.last, frames: s.frames, scanned, counts, errnos, abi: 'v2',
      durationMs: 10 * scan.sent.length, mode: s.mode, batch: s.batch, retry: null,
      cancelled: scan.stopped && scanned < s.frames, error: null, ...patch,
    };
  }

  end(scanId: string, patch: Partial<ScanSummary> = {}): ScanSummary {
    const scan = this.scans.get(scanId)!;
    scan.ended = true;
    const summary = this.summary(scanId, patch);
    this.emit({ type: 'end', scanId, summary });
    return summary;
  }

  /** Plays the whole scan out: every chunk, then the end. */
  run(scanId: string, size = 1000): ScanSummary {
    this.chunks(scanId, size);
    return this.end(scanId);
  }

  /** The id of the latest scan started. */
  get lastScanId(): string {
    return [...this.scans.keys()].at(-1)!;
  }
}

/** Codes with every status, deterministic: mostly mapped, runs of paged, holes and errors. */
export function sampleCodes(frames: number, seed = 1): Uint8Array {
  const codes = new Uint8Array(frames);
  let x = seed >>> 0 || 1;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
  for (let i = 0; i < frames; i++) {
    const r = rnd();
    codes[i] = r < 0.8 ? 0 : r < 0.9 ? 2 : r < 0.95 ? 22 : r < 0.98 ? 1 : 16;
  }
  return codes;
}
