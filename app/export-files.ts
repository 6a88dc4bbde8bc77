/** Writing scans to files (snapshots, CSV, JSON) and reading snapshots back, for the CLI and the app. */
import fs from 'node:fs';
import path from 'node:path';

import type { HostInfo, ScanSummary } from './api';
import { runsToCsv, scanToJson } from './runs-export';
import { decodeSnapshot, encodeSnapshot, Snapshot, snapshotHeaderFor, SNAPSHOT_EXTENSION } from './snapshot';

export type ExportFormat = 'snapshot' | 'csv' | 'json';

export function exportFormatOf(file: string): ExportFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === SNAPSHOT_EXTENSION) return 'snapshot';
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  throw Object.assign(new Error(`--out: '${file}' must end in ${SNAPSHOT_EXTENSION} (snapshot), .csv or .json`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}

/** The file's bytes. A snapshot holds only the frames scanned (a stopped scan's prefix). */
export function exportScan(format: ExportFormat, summary: ScanSummary, codes: Uint8Array, domainName: string,
  host: Pick<HostInfo, 'backend' | 'description' | 'hostname'>): Uint8Array {
  if (format === 'csv') return Buffer.from(runsToCsv(summary.first, codes));
  if (format === 'json') return Buffer.from(scanToJson(summary, codes));
  const scanned = summary.scanned;
  const partial: ScanSummary = { ...summary, last: summary.first + scanned - 1, frames: scanned };
  return encodeSnapshot({ header: snapshotHeaderFor(partial, domainName, host), codes: codes.subarray(0, scanned) });
}

/** Written beside the target and renamed over it: a failed write never leaves half a file. */
export function writeFileAtomic(file: string, data: Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readSnapshotFile(file: string): Snapshot {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
  return decodeSnapshot(data, file);
}
