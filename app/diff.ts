/**
 * The difference between two scans of the same domain (two snapshots, or a snapshot and the
 * live grid): which frames changed, counted by transition ("mapped→paged", ...) and by
 * exact code ("ENOENT→OK"), over the gfns both cover.
 */
import type { DiffResult } from './api';
import type { FrameStatus } from './frame-status';
import { codeName, statusOf } from './frame-status';

export interface CodesRange {
  /** gfn of codes[0]. */
  first: number;
  codes: Uint8Array;
}

/** A diff's frames; the API's DiffResult adds which two scans it compares. */
export type ScanDiff = Omit<DiffResult, 'a' | 'b'>;

export function transitionKey(from: FrameStatus | string, to: FrameStatus | string): string {
  return `${from}→${to}`;
}

export function diffScans(a: CodesRange, b: CodesRange): ScanDiff {
  const first = Math.max(a.first, b.first);
  const last = Math.min(a.first + a.codes.length, b.first + b.codes.length) - 1;
  const compared = Math.max(0, last - first + 1);
  const result: ScanDiff = {
    first: compared ? first : null,
    last: compared ? last : null,
    compared,
    changed: 0,
    transitions: {},
    codeTransitions: {},
    changedMask: new Uint8Array(Math.ceil(compared / 8)),
    onlyInA: a.codes.length - compared,
    onlyInB: b.codes.length - compared,
  };
  if (!compared) return result;
  // A 256x256 histogram of (from, to) code pairs: one pass, no allocation per frame.
  const pairs = new Float64Array(65536);
  const ca = a.codes.subarray(first - a.first, first - a.first + compared);
  const cb = b.codes.subarray(first - b.first, first - b.first + compared);
  const mask = result.changedMask;
  for (let i = 0; i < compared; i++) {
    const x = ca[i];
    const y = cb[i];
    if (x !== y) {
      pairs[(x << 8) | y]++;
      mask[i >> 3] |= 1 << (i & 7);
    }
  }
  for (let p = 0; p < 65536; p++) {
    const n = pairs[p];
    if (!n) continue;
    result.changed += n;
    const from = p >> 8;
    const to = p & 0xff;
    const key = transitionKey(statusOf(from), statusOf(to));
    result.transitions[key] = (result.transitions[key] ?? 0) + n;
    const codeKey = transitionKey(codeName(from), codeName(to));
    result.codeTransitions[codeKey] = n;
  }
  return result;
}

/** Whether frame i (counted from diff.first) changed. */
export function isChanged(diff: ScanDiff, i: number): boolean {
  return (diff.changedMask[i >> 3] & (1 << (i & 7))) !== 0;
}
