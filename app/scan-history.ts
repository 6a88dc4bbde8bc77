/**
 * The scans of this session (and the snapshots opened in it), kept with their frame codes so
 * that the timeline can show any of them again, and snapshots and diffs can be made from them.
 * Memory is bounded: past the budget the oldest records go.
 */
import type { ScanRecord, ScanRecordInfo } from './api';

export const HISTORY_BUDGET_BYTES = 256 * 1024 * 1024;

export class UnknownScanError extends Error {
  constructor(scanId: string) {
    super(`no scan ${scanId} in this session (finished scans are kept while memory allows; the oldest go first)`);
    this.name = 'UnknownScanError';
  }
}

export class ScanHistory {
  private readonly records = new Map<string, ScanRecord>();
  private bytes = 0;

  constructor(private readonly budgetBytes = HISTORY_BUDGET_BYTES) {}

  add(record: ScanRecord): void {
    this.records.set(record.scanId, record);
    this.bytes += record.codes.byteLength;
    // keep at least the newest record, whatever its size
    for (const [id, r] of this.records) {
      if (this.bytes <= this.budgetBytes || this.records.size <= 1) break;
      this.records.delete(id);
      this.bytes -= r.codes.byteLength;
    }
  }

  get(scanId: string): ScanRecord {
    const r = this.records.get(scanId);
    if (!r) throw new UnknownScanError(scanId);
    return r;
  }

  infos(): ScanRecordInfo[] {
    return [...this.records.values()].map(({ codes: _codes, ...info }) => info);
  }

  get size(): number {
    return this.records.size;
  }
}
