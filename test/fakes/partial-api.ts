/**
 * A base for fakes that implement only part of FramescopeApi: every call a fake does not
 * override fails loudly, so a test can never pass by calling something the fake only pretends.
 */
import type {
  DiffResult, ExportedFile, FramescopeApi, HostInfo, ScanRecord, ScanRecordInfo, ScanStarted, SearchStarted,
} from '../../app/api';

function notInThisFake(method: string): Promise<never> {
  return Promise.reject(new Error(`${method} is not part of this fake`));
}

export abstract class PartialApi implements Omit<FramescopeApi, 'hostInfo' | 'listDomains' | 'startScan' | 'stopScan' | 'readFrame' | 'onEvent'> {
  pageIn(): Promise<ScanStarted> { return notInThisFake('pageIn'); }
  listScans(): Promise<ScanRecordInfo[]> { return notInThisFake('listScans'); }
  scanRecord(_scanId?: string): Promise<ScanRecord> { return notInThisFake('scanRecord'); }
  exportScan(): Promise<ExportedFile> { return notInThisFake('exportScan'); }
  importSnapshot(): Promise<ScanRecordInfo> { return notInThisFake('importSnapshot'); }
  diffScans(): Promise<DiffResult> { return notInThisFake('diffScans'); }
  startSearch(_request?: unknown): Promise<SearchStarted> { return notInThisFake('startSearch'); }
  stopSearch(_searchId?: string): Promise<void> { return notInThisFake('stopSearch'); }
  openSource(): Promise<HostInfo> { return notInThisFake('openSource'); }
}
