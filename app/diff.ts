/**
 * The difference between two scans of the same domain (two snapshots, or a snapshot and the
 * live grid): which frames changed, counted by transition ("mapped→paged", ...) and by
 * exact code ("ENOENT→OK"), over the gfns both cover; and where: the runs of changed frames.
 *
 * The API's DiffResult carries the changed frames as a bit mask (an eighth of a byte a
 * frame, whatever the pattern), not the runs: a renderer that has the mask and both scans
 * finds the runs itself, and scattered paging makes runs far bigger on the wire than the mask.
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

/** The gfns two scans both cover: their first, how many, and each side's codes of them. */
function overlap(a: CodesRange, b: CodesRange): { first: number; compared: number; ca: Uint8Array; cb: Uint8Array } {
  const first = Math.max(a.first, b.first);
  const last = Math.min(a.first + a.codes.length, b.first + b.codes.length) - 1;
  const compared = Math.max(0, last - first + 1);
  return {
    first,
    compared,
    ca: compared ? a.codes.subarray(first - a.first, first - a.first + compared) : new Uint8Array(0),
    cb: compared ? b.codes.subarray(first - b.first, first - b.first + compared) : new Uint8Array(0),
  };
}

export function diffScans(a: CodesRange, b: CodesRange): ScanDiff {
  const { first, compared, ca, cb } = overlap(a, b);
  const result: ScanDiff = {
    first: compared ? first : null,
    last: compared ? first + compared - 1 : null,
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

/** A run of changed frames: consecutive gfns that all went from the same code to the same code. */
export interface ChangedRun {
  first: number;
  last: number;
  frames: number;
  fromCode: number;
  toCode: number;
  /** "ENOENT", "OK", ... */
  fromName: string;
  toName: string;
}

export interface ChangedRuns {
  /** The first runs, in gfn order, at most the limit asked for. */
  runs: ChangedRun[];
  /** Runs of changed frames in all, listed or not. */
  runsTotal: number;
  runsTruncated: boolean;
}

/**
 * Runs listed by default: a scattered paging diff of a 16 M-frame guest has hundreds of
 * thousands, more than anyone reads as JSON; the total says how many there are.
 */
export const DIFF_MAX_RUNS = 10_000;

/**
 * The changed frames of a diff as maximal runs of the same (from, to) code pair, over the
 * gfns both scans cover; at most `maxRuns` of them are listed (the rest are counted).
 */
export function changedRuns(a: CodesRange, b: CodesRange, maxRuns = DIFF_MAX_RUNS): ChangedRuns {
  if (!Number.isSafeInteger(maxRuns) || maxRuns < 0) throw new RangeError(`changedRuns: ${maxRuns} is not a count of runs`);
  const { first, compared, ca, cb } = overlap(a, b);
  const runs: ChangedRun[] = [];
  let total = 0;
  let i = 0;
  while (i < compared) {
    const x = ca[i];
    const y = cb[i];
    if (x === y) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < compared && ca[j] === x && cb[j] === y) j++;
    total++;
    if (runs.length < maxRuns) {
      runs.push({ first: first + i, last: first + j - 1, frames: j - i, fromCode: x, toCode: y, fromName: codeName(x), toName: codeName(y) });
    }
    i = j;
  }
  return { runs, runsTotal: total, runsTruncated: total > runs.length };
}

/** Whether frame i (counted from diff.first) changed. */
export function isChanged(diff: ScanDiff, i: number): boolean {
  return (diff.changedMask[i >> 3] & (1 << (i & 7))) !== 0;
}
