/**
 * Exports of a scan's statuses. A 16 M-frame guest has 16 M frames but usually a few thousand
 * runs of equal codes, so CSV and JSON list runs: first gfn, last gfn, status, errno name.
 */
import type { ScanSummary } from './api';
import { codeName, statusOf } from './frame-status';

export interface CodeRun {
  first: number;
  last: number;
  status: string;
  /** "OK", "ENOENT", "EINVAL", ... */
  code: string;
}

export function* codeRuns(first: number, codes: Uint8Array): Generator<CodeRun> {
  let start = 0;
  for (let i = 1; i <= codes.length; i++) {
    if (i < codes.length && codes[i] === codes[start]) continue;
    yield { first: first + start, last: first + i - 1, status: statusOf(codes[start]), code: codeName(codes[start]) };
    start = i;
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;

export function runsToCsv(first: number, codes: Uint8Array): string {
  const lines = ['first_gfn,last_gfn,frames,status,errno'];
  for (const r of codeRuns(first, codes)) lines.push(`${hex(r.first)},${hex(r.last)},${r.last - r.first + 1},${r.status},${r.code}`);
  return lines.join('\n') + '\n';
}

/** The scan's summary, keyed exactly as `framescope scan --json` prints it, plus the runs. */
export function scanToJson(summary: ScanSummary, codes: Uint8Array): string {
  return JSON.stringify({ ...summary, runs: [...codeRuns(summary.first, codes)] }, null, 2) + '\n';
}
