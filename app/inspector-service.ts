/**
 * The inspector service: FramescopeApi on top of one FrameSource. It runs in the mapper
 * worker (see inspector-worker.ts), so that no batch ever blocks the thread that serves the
 * UI; the CLI, the Electron main process and the headless server all reach it from there.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';

import type {
  DomainInfo,
  FrameRead,
  FrameReadRequest,
  FramescopeApi,
  HostInfo,
  ScanEvent,
  ScanRequest,
  ScanStarted,
} from './api';
import type { FrameSource } from './frame-source';
import { codeName, codeNameTable, CODE_MAPPED } from './frame-status';
import { planScan, runScan } from './scanner';
import { FRAMESCOPE_VERSION } from './version';

const PAGE_SIZE = 4096;

export class InspectorService implements FramescopeApi {
  private readonly listeners = new Set<(event: ScanEvent) => void>();
  private readonly scans = new Map<string, AbortController>();

  constructor(private readonly source: FrameSource) {}

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
      codeNames: codeNameTable(),
    };
  }

  listDomains(): Promise<DomainInfo[]> {
    return this.source.listDomains();
  }

  async startScan(request: ScanRequest): Promise<ScanStarted> {
    const plan = await planScan(this.source, request);
    const scanId = randomUUID();
    const controller = new AbortController();
    this.scans.set(scanId, controller);
    const emit = (event: ScanEvent) => {
      for (const listener of this.listeners) listener(event);
    };
    // Started on the next turn so that the caller holds the id before the first chunk.
    setImmediate(() => {
      runScan(this.source, plan, (c) => emit({ type: 'chunk', scanId, ...c }), controller.signal)
        .then((summary) => emit({ type: 'end', scanId, summary }))
        .finally(() => this.scans.delete(scanId));
    });
    return { scanId, domain: plan.domain, first: plan.first, last: plan.last, frames: plan.last - plan.first + 1, mode: plan.mode, batch: plan.batch };
  }

  /** Stopping a scan that already ended is not an error: the two may cross. */
  async stopScan(scanId: string): Promise<void> {
    this.scans.get(scanId)?.abort();
  }

  async readFrame(request: FrameReadRequest): Promise<FrameRead> {
    const r = await this.source.mapFrames(request.domain, request.gfn, 1, { mode: request.mode ?? 'observe', copy: true });
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

  onScanEvent(listener: (event: ScanEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const c of this.scans.values()) c.abort();
    await this.source.close();
  }
}
