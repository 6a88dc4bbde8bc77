/**
 * A FramescopeApi over made-up domains whose frame codes a test chooses, for the renderer's
 * store. startScan (and pageIn) answer at once and send nothing; the test then plays the scan
 * out with run() (chunks, then the end), in pieces with chunks() and end(), or sends any event
 * with emit(). Summaries are computed from the codes sent, as the real scanner does. A scan
 * that ends with frames is kept as a record (listScans, scanRecord, exportScan, diffScans), as
 * the service keeps them; snapshots are this fake's own JSON (importSnapshot). Searches start
 * at once and report what the test emits.
 *
 * PartialApi declares the methods below without parameters, so they take optional ones here.
 */
import type {
  DiffRequest,
  DiffResult,
  DomainInfo,
  ExportedFile,
  ExportRequest,
  FrameRead,
  FrameReadRequest,
  FramescopeApi,
  HostInfo,
  ImportSnapshotRequest,
  InspectorEvent,
  PageInRequest,
  ScanRecord,
  ScanRecordInfo,
  ScanRequest,
  ScanStarted,
  ScanSummary,
  SearchRequest,
  SearchStarted,
} from '../../app/api';
import { diffScans } from '../../app/diff';
import { encodeCodes } from '../../app/chunk-codec';
import { PartialApi } from '../fakes/partial-api';

/** What the fake's "snapshot files" hold (JSON): enough to make a record of. */
export interface FakeSnapshotFile {
  domain: number;
  domainName: string;
  first: number;
  codes: number[];
}

/** Bytes of a fake snapshot file. */
export function fakeSnapshotBytes(file: FakeSnapshotFile): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(file));
}

function required<T>(value: T | undefined, method: string): T {
  if (value === undefined) throw new TypeError(`${method}: missing argument`);
  return value;
}

export const CODE_NAMES: Record<number, string> = { 0: 'OK', 1: 'EPERM', 2: 'ENOENT', 16: 'EBUSY', 22: 'EINVAL', 255: 'UNSCANNED' };

interface FakeScan {
  kind: 'scan' | 'page-in';
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
  /** Finished scans and opened snapshots, as the service keeps them. */
  readonly records = new Map<string, ScanRecord>();
  readonly searches = new Map<string, { request: SearchRequest; stopped: boolean }>();
  private readonly listeners = new Set<(event: InspectorEvent) => void>();
  private nextScan = 1;
  private nextSearch = 1;
  private nextSnapshot = 1;

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
    return this.begin('scan', request);
  }

  override async pageIn(request?: PageInRequest): Promise<ScanStarted> {
    const r = required(request, 'pageIn');
    this.check('pageIn', [r]);
    return this.begin('page-in', { domain: r.domain, first: r.first, last: r.last, mode: 'retry' });
  }

  private begin(kind: FakeScan['kind'], request: ScanRequest): ScanStarted {
    const frames = this.truth.get(request.domain)?.length;
    if (frames === undefined) throw new Error(`no domain ${request.domain}`);
    const first = request.first ?? 0;
    const last = request.last ?? frames - 1;
    if (last >= frames || first > last) throw new RangeError(`bad range ${first}-${last}`);
    const started: ScanStarted = {
      scanId: `scan-${this.nextScan++}`, domain: request.domain, first, last, frames: last - first + 1,
      mode: request.mode ?? 'observe', batch: request.batch ?? 1024,
    };
    this.scans.set(started.scanId, { kind, started, next: first, sent: [], stopped: false, ended: false, startedAt: 0 });
    return started;
  }

  override async listScans(): Promise<ScanRecordInfo[]> {
    this.check('listScans', []);
    return [...this.records.values()].map(({ codes: _codes, ...info }) => info);
  }

  override async scanRecord(scanId?: string): Promise<ScanRecord> {
    const id = required(scanId, 'scanRecord');
    this.check('scanRecord', [id]);
    const r = this.records.get(id);
    if (!r) throw new Error(`no scan ${id} in this session`);
    return { ...r, codes: r.codes.slice() };
  }

  override async exportScan(request?: ExportRequest): Promise<ExportedFile> {
    const r = required(request, 'exportScan');
    this.check('exportScan', [r]);
    const record = await this.scanRecord(r.scanId);
    this.calls.pop(); // the scanRecord above is this call's own
    const file: FakeSnapshotFile = { domain: record.domain, domainName: record.domainName, first: record.summary.first, codes: [...record.codes] };
    const ext = r.format === 'snapshot' ? 'fsnap' : r.format;
    return { fileName: `${record.domainName}-${r.scanId}.${ext}`, bytes: fakeSnapshotBytes(file) };
  }

  override async importSnapshot(request?: ImportSnapshotRequest): Promise<ScanRecordInfo> {
    const r = required(request, 'importSnapshot');
    this.check('importSnapshot', [r]);
    let file: FakeSnapshotFile;
    try {
      file = JSON.parse(new TextDecoder().decode(r.bytes)) as FakeSnapshotFile;
    } catch {
      throw new Error(`${r.fileName}: not a snapshot (bad magic)`);
    }
    const codes = Uint8Array.from(file.codes);
    const summary = this.summaryOf(file.domain, file.first, codes);
    const record: ScanRecord = {
      scanId: `snapshot-${this.nextSnapshot++}`, kind: 'snapshot', domain: file.domain, domainName: file.domainName,
      takenAt: new Date(0).toISOString(), summary, fileName: r.fileName, codes,
      origin: { backend: 'sim', description: 'fake scan api', hostname: 'elsewhere' },
    };
    this.records.set(record.scanId, record);
    const { codes: _codes, ...info } = record;
    return info;
  }

  override async diffScans(request?: DiffRequest): Promise<DiffResult> {
    const r = required(request, 'diffScans');
    this.check('diffScans', [r]);
    const a = this.records.get(r.a);
    const b = this.records.get(r.b);
    if (!a || !b) throw new Error(`no scan ${a ? r.b : r.a} in this session`);
    const d = diffScans({ first: a.summary.first, codes: a.codes }, { first: b.summary.first, codes: b.codes });
    const info = ({ codes: _codes, ...rest }: ScanRecord): ScanRecordInfo => rest;
    return { a: info(a), b: info(b), ...d };
  }

  override async startSearch(request?: SearchRequest): Promise<SearchStarted> {
    const r = required(request, 'startSearch');
    this.check('startSearch', [r]);
    const frames = this.truth.get(r.domain)?.length ?? 0;
    const searchId = `search-${this.nextSearch++}`;
    this.searches.set(searchId, { request: r, stopped: false });
    const pattern = r.hex ?? Buffer.from(r.text ?? '', r.encoding === 'utf16le' ? 'utf16le' : 'latin1').toString('hex');
    return { searchId, domain: r.domain, first: r.first ?? 0, last: r.last ?? frames - 1, pattern };
  }

  override async stopSearch(searchId?: string): Promise<void> {
    const id = required(searchId, 'stopSearch');
    this.check('stopSearch', [id]);
    const search = this.searches.get(id);
    if (search) search.stopped = true;
  }

  /** The latest search started. */
  get lastSearchId(): string {
    return [...this.searches.keys()].at(-1)!;
  }

  private summaryOf(domain: number, first: number, codes: Uint8Array): ScanSummary {
    const counts = { mapped: 0, paged: 0, invalid: 0 };
    for (const code of codes) {
      if (code === 0) counts.mapped++;
      else if (code === 2) counts.paged++;
      else if (code !== 255) counts.invalid++;
    }
    return {
      domain, first, last: first + codes.length - 1, frames: codes.length, scanned: codes.length, counts, errnos: {}, abi: 'v2',
      durationMs: 0, mode: 'observe', batch: 0, retry: null, cancelled: false, error: null,
    };
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
      // encoded as the inspector does: runs where they are shorter, so the page's decoder runs too
      this.emit({ type: 'chunk', scanId, first: scan.next, ...encodeCodes(chunk), scanned: end - scan.started.first, elapsedMs: 10 * scan.sent.length });
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
    if (summary.scanned > 0) {
      // The range's codes as the chunks left them (later chunks win), as the service records them.
      const s = scan.started;
      const codes = new Uint8Array(s.frames).fill(255);
      let at = s.first;
      for (const chunk of scan.sent) {
        codes.set(chunk.subarray(0, Math.max(0, s.last + 1 - at)), at - s.first);
        at += chunk.length;
      }
      const name = this.domains.find((d) => d.id === s.domain)?.name ?? `domain ${s.domain}`;
      this.records.set(scanId, {
        scanId, kind: scan.kind, domain: s.domain, domainName: name, takenAt: new Date(0).toISOString(), summary, codes,
        origin: { backend: 'sim', description: 'fake scan api', hostname: 'fake' },
      });
    }
    this.emit({ type: 'end', scanId, summary });
    return summary;
  }

  /** Sends a chunk of a page-in (or any scan) at `first`, with the truth's current codes. */
  resend(scanId: string, first: number, count: number, elapsedMs = 1): void {
    const scan = this.scans.get(scanId)!;
    const chunk = this.truth.get(scan.started.domain)!.slice(first, first + count);
    this.emit({ type: 'chunk', scanId, first, ...encodeCodes(chunk), scanned: scan.started.frames, elapsedMs });
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
