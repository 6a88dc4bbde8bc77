/**
 * A FramescopeApi with no worker and no host behind it: fixed answers, calls recorded, and
 * scan events sent only when a test calls emit(). For testing transports (server, clients).
 */
import type {
  DomainInfo, FrameRead, FrameReadRequest, FramescopeApi, HostInfo, InspectorEvent, ScanRecord, ScanRequest, ScanStarted,
  SearchRequest, SearchStarted,
} from '../../app/api';
import { PartialApi } from './partial-api';

export const FAKE_PAGE_SIZE = 4096;
export const FAKE_RECORD_FRAMES = 0x10000;
/** readFrame of this gfn fails, with FAKE_FRAME_ERROR's name and code. */
export const FAKE_BAD_GFN = 0xdead;
export const FAKE_FRAME_ERROR = { name: 'FrameError', code: 'EFAULT', message: 'frame 0xdead is cursed' };

export const FAKE_DOMAINS: DomainInfo[] = [
  { id: 0, name: 'Domain-0', memoryKiB: 1048576, maxMemoryKiB: 1048576, frames: 0x40000 },
  { id: 3, name: 'fake-guest', memoryKiB: 65536, maxMemoryKiB: null, frames: 0x10000 },
];

/** The bytes readFrame returns for `gfn`: recognisable and different per frame. */
export function fakeFrameBytes(gfn: number): Uint8Array {
  const bytes = new Uint8Array(FAKE_PAGE_SIZE);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (gfn + i) & 0xff;
  return bytes;
}

export class FakeApi extends PartialApi implements FramescopeApi {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  private readonly listeners = new Set<(event: InspectorEvent) => void>();
  private scans = 0;
  private searches = 0;
  /** Calls held until release(): lets a test keep calls in flight. */
  private gate: Promise<void> | null = null;
  private openGate: () => void = () => {};

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(event: InspectorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** From now on, calls wait until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate();
    this.gate = null;
  }

  private async record(method: string, args: unknown[]): Promise<void> {
    this.calls.push({ method, args });
    if (this.gate) await this.gate;
  }

  async hostInfo(): Promise<HostInfo> {
    await this.record('hostInfo', []);
    return {
      backend: 'sim', simulated: true, description: 'fake api', hostname: 'fake', abi: null,
      version: '0.0.0-fake', pageSize: FAKE_PAGE_SIZE, codeNames: { 0: 'OK', 2: 'ENOENT', 255: 'UNSCANNED' },
    };
  }

  async listDomains(): Promise<DomainInfo[]> {
    await this.record('listDomains', []);
    return FAKE_DOMAINS.map((d) => ({ ...d }));
  }

  async startScan(request: ScanRequest): Promise<ScanStarted> {
    await this.record('startScan', [request]);
    const first = request.first ?? 0;
    const last = request.last ?? 0xffff;
    return {
      scanId: `fake-scan-${++this.scans}`, domain: request.domain, first, last, frames: last - first + 1,
      mode: request.mode ?? 'observe', batch: request.batch ?? 1024,
    };
  }

  async stopScan(scanId: string): Promise<void> {
    await this.record('stopScan', [scanId]);
  }

  /** A record of FAKE_RECORD_FRAMES frames, whatever the id: only its size matters to a transport. */
  override async scanRecord(scanId: string): Promise<ScanRecord> {
    await this.record('scanRecord', [scanId]);
    return { scanId, codes: new Uint8Array(FAKE_RECORD_FRAMES) } as unknown as ScanRecord;
  }

  override async startSearch(request: SearchRequest): Promise<SearchStarted> {
    await this.record('startSearch', [request]);
    return { searchId: `fake-search-${++this.searches}`, domain: request.domain, first: request.first ?? 0, last: request.last ?? 0xffff, pattern: '00' };
  }

  override async stopSearch(searchId: string): Promise<void> {
    await this.record('stopSearch', [searchId]);
  }

  async readFrame(request: FrameReadRequest): Promise<FrameRead> {
    await this.record('readFrame', [request]);
    if (request.gfn === FAKE_BAD_GFN) {
      throw Object.assign(new Error(FAKE_FRAME_ERROR.message), { name: FAKE_FRAME_ERROR.name, code: FAKE_FRAME_ERROR.code });
    }
    return { domain: request.domain, gfn: request.gfn, code: 0, codeName: 'OK', bytes: fakeFrameBytes(request.gfn), abi: 'v2' };
  }

  onEvent(listener: (event: InspectorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
