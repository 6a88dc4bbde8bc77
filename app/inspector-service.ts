/**
 * The inspector service: FramescopeApi on top of one FrameSource. It runs in the mapper
 * worker (see inspector-worker.ts), so that no batch ever blocks the thread that serves the
 * UI; the CLI, the Electron main process and the headless server all reach it from there.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

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
  SourceRequest,
} from './api';
import { encodeCodes } from './chunk-codec';
import { diffScans } from './diff';
import { exportScan } from './export-files';
import type { FrameSource } from './frame-source';
import { codeName, codeNameTable, CODE_MAPPED } from './frame-status';
import { collectGarbage, RECLAIM_AFTER_BYTES } from './memory';
import { DEFAULT_PAGE_IN_TIMEOUT_MS, runPageIn } from './page-in';
import { ScanHistory } from './scan-history';
import { ChunkOut, planScan, runScan, unscannedCodes } from './scanner';
import { parsePattern, searchFrames } from './search';
import { decodeSnapshot, SNAPSHOT_EXTENSION } from './snapshot';
import { FRAMESCOPE_VERSION } from './version';

const PAGE_SIZE = 4096;
/** Every code's name: the same for the life of the process, so worked out once. */
const CODE_NAMES = codeNameTable();

export interface InspectorServiceOptions {
  /** Opens another source on request (a dump, or the host again); absent where that is not allowed. */
  openSource?: (request: SourceRequest) => Promise<FrameSource>;
  /** Frame codes the scan history keeps (default HISTORY_BUDGET_BYTES). */
  historyBudgetBytes?: number;
}

/** A file name safe on every file system: the domain's name and the time. */
function fileStem(domainName: string, takenAt: string): string {
  return `${domainName.replace(/[^\w.-]+/g, '_')}-${takenAt.replace(/[:.]/g, '-').replace(/Z$/, '')}`;
}

export class InspectorService implements FramescopeApi {
  private readonly listeners = new Set<(event: InspectorEvent) => void>();
  /** Running scans, page-ins and searches, by id. */
  private readonly running = new Map<string, AbortController>();
  private readonly history: ScanHistory;
  /** Domain names as the last listing gave them: every scan's record is named, auto-rescans many times a second. */
  private readonly domainNames = new Map<number, string>();

  constructor(private source: FrameSource, private readonly options: InspectorServiceOptions = {}) {
    this.history = new ScanHistory(options.historyBudgetBytes);
  }

  async hostInfo(): Promise<HostInfo> {
    const d = this.source.describe();
    return {
      backend: d.backend,
      simulated: d.simulated,
      description: d.description,
      hostname: os.hostname(),
      abi: this.source.abi,
      version: FRAMESCOPE_VERSION,
      pageSize: PAGE_SIZE,
      codeNames: CODE_NAMES,
    };
  }

  async listDomains(): Promise<DomainInfo[]> {
    const domains = await this.source.listDomains();
    this.domainNames.clear();
    for (const d of domains) this.domainNames.set(d.id, d.name);
    return domains;
  }

  async startScan(request: ScanRequest): Promise<ScanStarted> {
    const plan = await planScan(this.source, request);
    return this.run('scan', plan, (emit, signal) => runScan(this.source, plan, emit, signal));
  }

  async pageIn(request: PageInRequest): Promise<ScanStarted> {
    const plan = await planScan(this.source, { domain: request.domain, first: request.first, last: request.last, mode: 'retry', abi: request.abi });
    const timeoutMs = request.timeoutMs ?? DEFAULT_PAGE_IN_TIMEOUT_MS;
    return this.run('page-in', plan, (emit, signal) => runPageIn(this.source, { ...plan, timeoutMs }, emit, signal));
  }

  /** Stopping a scan that already ended is not an error: the two may cross. */
  async stopScan(scanId: string): Promise<void> {
    this.running.get(scanId)?.abort();
  }

  async readFrame(request: FrameReadRequest): Promise<FrameRead> {
    const r = await this.source.mapFrames(request.domain, request.gfn, 1, { mode: request.mode ?? 'observe', copy: true, abi: request.abi });
    const code = r.codes[0];
    return {
      domain: request.domain,
      gfn: request.gfn,
      code,
      codeName: codeName(code),
      bytes: code === CODE_MAPPED && r.contents ? Uint8Array.from(r.contents.subarray(0, PAGE_SIZE)) : null,
      abi: r.abi,
    };
  }

  async listScans(): Promise<ScanRecordInfo[]> {
    return this.history.infos();
  }

  async scanRecord(scanId: string): Promise<ScanRecord> {
    return this.history.get(scanId);
  }

  async exportScan(request: ExportRequest): Promise<ExportedFile> {
    const r = this.history.get(request.scanId);
    const bytes = exportScan(request.format, r.summary, r.codes, r.domainName, r.origin);
    const extension = request.format === 'snapshot' ? SNAPSHOT_EXTENSION : `.${request.format}`;
    return { fileName: fileStem(r.domainName, r.takenAt) + extension, bytes };
  }

  async importSnapshot(request: ImportSnapshotRequest): Promise<ScanRecordInfo> {
    const name = path.basename(request.fileName);
    // The file's bytes, copied here, are garbage once decoded: a large one is collected at
    // once rather than whenever this thread next needs memory (an idle one may never).
    if (request.bytes.byteLength >= RECLAIM_AFTER_BYTES) setTimeout(collectGarbage, 100);
    // refused before its codes are inflated: a small file may claim 2^30 frames
    const { header, codes } = decodeSnapshot(request.bytes, name, (h) => this.history.assertFits(h.frames, name));
    const summary: ScanSummary = {
      domain: header.domain.id, first: header.first, last: header.last, frames: header.frames, scanned: header.frames,
      counts: header.counts, errnos: header.errnos, abi: header.abi, durationMs: 0, mode: header.mode,
      batch: 0, retry: null, cancelled: false, error: null,
    };
    const record: ScanRecord = {
      scanId: randomUUID(), kind: 'snapshot', domain: header.domain.id, domainName: header.domain.name,
      takenAt: header.takenAt, summary, fileName: path.basename(request.fileName), codes,
      origin: { backend: header.backend, description: header.description, hostname: header.hostname },
    };
    this.history.add(record);
    const { codes: _codes, ...info } = record;
    return info;
  }

  async diffScans(request: DiffRequest): Promise<DiffResult> {
    const a = this.history.get(request.a);
    const b = this.history.get(request.b);
    const d = diffScans({ first: a.summary.first, codes: a.codes }, { first: b.summary.first, codes: b.codes });
    const info = ({ codes: _codes, ...rest }: ScanRecord): ScanRecordInfo => rest;
    return { a: info(a), b: info(b), ...d };
  }

  async startSearch(request: SearchRequest): Promise<SearchStarted> {
    const pattern = parsePattern(request);
    const plan = await planScan(this.source, { domain: request.domain, first: request.first, last: request.last });
    const searchId = randomUUID();
    const controller = new AbortController();
    this.running.set(searchId, controller);
    const frames = plan.last - plan.first + 1;
    let scanned = 0;
    setImmediate(() => {
      searchFrames(this.source, {
        domain: plan.domain, first: plan.first, last: plan.last, pattern, maxHits: request.maxHits, signal: controller.signal, abi: request.abi,
        onHits: (hits) => this.emit({ type: 'search-hits', searchId, hits, scanned, frames }),
        onProgress: (p) => {
          scanned = p.scanned;
          this.emit({ type: 'search-hits', searchId, hits: [], scanned, frames });
        },
      })
        .then((summary) => this.emit({ type: 'search-end', searchId, summary }))
        .finally(() => this.running.delete(searchId));
    });
    return { searchId, domain: plan.domain, first: plan.first, last: plan.last, pattern: Buffer.from(pattern).toString('hex') };
  }

  async stopSearch(searchId: string): Promise<void> {
    this.running.get(searchId)?.abort();
  }

  async openSource(request: SourceRequest): Promise<HostInfo> {
    if (!this.options.openSource) {
      throw Object.assign(new Error('this framescope may not open other sources (files are opened only by the desktop app)'), { code: 'EPERM' });
    }
    const next = await this.options.openSource(request);
    for (const c of this.running.values()) c.abort();
    const previous = this.source;
    this.source = next;
    this.domainNames.clear();
    await previous.close();
    const host = await this.hostInfo();
    this.emit({ type: 'source-changed', host });
    return host;
  }

  onEvent(listener: (event: InspectorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const c of this.running.values()) c.abort();
    await this.source.close();
  }

  private emit(event: InspectorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Runs a scan-like job in the background: chunk events, then the end event and a record. */
  private async run(kind: 'scan' | 'page-in', plan: { domain: number; first: number; last: number; mode: ScanStarted['mode']; batch: number },
    job: (emit: (c: ChunkOut) => void, signal: AbortSignal) => Promise<ScanSummary>): Promise<ScanStarted> {
    const scanId = randomUUID();
    const controller = new AbortController();
    this.running.set(scanId, controller);
    const source = this.source;
    const domainName = await this.domainName(plan.domain);
    const { backend, description } = source.describe();
    const hostname = os.hostname();
    const frames = plan.last - plan.first + 1;
    // A scan the history cannot keep keeps no codes either (a 4 TiB guest's would be 1 GiB).
    const codes = this.history.fits(frames) ? unscannedCodes(frames) : null;
    // Started on the next turn so that the caller holds the id before the first chunk.
    setImmediate(() => {
      job((c) => {
        codes?.set(c.codes, c.first - plan.first);
        this.emit({ type: 'chunk', scanId, first: c.first, ...(c.encoded ?? encodeCodes(c.codes)), scanned: c.scanned, elapsedMs: c.elapsedMs });
      }, controller.signal)
        .then((summary) => {
          if (summary.scanned > 0 && source === this.source) {
            if (codes) {
              this.history.add({ scanId, kind, domain: plan.domain, domainName, takenAt: new Date().toISOString(), summary, codes,
                origin: { backend, description, hostname } });
            } else {
              this.history.refuse(scanId, frames);
            }
          }
          this.emit({ type: 'end', scanId, summary });
        })
        .finally(() => this.running.delete(scanId));
    });
    return { scanId, domain: plan.domain, first: plan.first, last: plan.last, frames, mode: plan.mode, batch: plan.batch };
  }

  private async domainName(domain: number): Promise<string> {
    if (!this.domainNames.has(domain)) await this.listDomains().catch(() => undefined);
    return this.domainNames.get(domain) ?? `domain ${domain}`;
  }
}
