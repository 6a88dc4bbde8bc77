/**
 * The scans of this session (and the snapshots opened in it), kept with their frame codes so
 * that the timeline can show any of them again, and snapshots and diffs can be made from them.
 * Memory is bounded: past the budget the oldest records go, and a record larger than the whole
 * budget is refused (a snapshot before it is inflated: see assertFits).
 */
import type { ScanRecord, ScanRecordInfo } from './api';

/** One byte a frame: 2^28 frames, a 1 TiB guest's scan. */
export const HISTORY_BUDGET_BYTES = 256 * 1024 * 1024;
/** Ids of refused records remembered, so that asking for one says why it is not there. */
const REFUSED_REMEMBERED = 64;

export class UnknownScanError extends Error {
  constructor(scanId: string) {
    super(`no scan ${scanId} in this session (finished scans are kept while memory allows; the oldest go first)`);
    this.name = 'UnknownScanError';
  }
}

/** A scan or snapshot of more frames than the history keeps at all. */
export class ScanTooLargeError extends Error {
  readonly code = 'E2BIG';

  constructor(what: string, frames: number, budgetBytes: number) {
    super(`${what}: ${frames} frames is more than this session keeps (at most ${budgetBytes} frames, ${formatMiB(budgetBytes)} of frame codes)`);
    this.name = 'ScanTooLargeError';
  }
}

function formatMiB(bytes: number): string {
  return `${Math.floor(bytes / 2 ** 20)} MiB`;
}

export class ScanHistory {
  private readonly records = new Map<string, ScanRecord>();
  /** Refused scans by id: their frame counts. */
  private readonly refused = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly budgetBytes = HISTORY_BUDGET_BYTES) {}

  /** Whether a record of `frames` frames (one byte each) can be kept. */
  fits(frames: number): boolean {
    return frames <= this.budgetBytes;
  }

  /** Throws ScanTooLargeError unless a record of `frames` frames can be kept. */
  assertFits(frames: number, what: string): void {
    if (!this.fits(frames)) throw new ScanTooLargeError(what, frames, this.budgetBytes);
  }

  /** Notes that a scan was too large to keep, so that asking for it says so. */
  refuse(scanId: string, frames: number): void {
    this.refused.set(scanId, frames);
    for (const id of this.refused.keys()) {
      if (this.refused.size <= REFUSED_REMEMBERED) break;
      this.refused.delete(id);
    }
  }

  /** Keeps the record, dropping the oldest ones past the budget; one larger than the budget is refused. */
  add(record: ScanRecord): void {
    if (!this.fits(record.codes.byteLength)) {
      this.refuse(record.scanId, record.codes.byteLength);
      throw new ScanTooLargeError(`scan ${record.scanId}`, record.codes.byteLength, this.budgetBytes);
    }
    this.records.set(record.scanId, record);
    this.bytes += record.codes.byteLength;
    for (const [id, r] of this.records) {
      if (this.bytes <= this.budgetBytes) break;
      this.records.delete(id);
      this.bytes -= r.codes.byteLength;
    }
  }

  get(scanId: string): ScanRecord {
    const r = this.records.get(scanId);
    if (r) return r;
    const refused = this.refused.get(scanId);
    throw refused !== undefined ? new ScanTooLargeError(`scan ${scanId} was not kept`, refused, this.budgetBytes) : new UnknownScanError(scanId);
  }

  infos(): ScanRecordInfo[] {
    return [...this.records.values()].map(({ codes: _codes, ...info }) => info);
  }

  get size(): number {
    return this.records.size;
  }

  /** Bytes of frame codes held. */
  get heldBytes(): number {
    return this.bytes;
  }
}
