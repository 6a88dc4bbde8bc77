/**
 * Which frames changed status since the previous scan of the same range (live), or between
 * the two sides of a diff: one byte per frame, kept beside the codes in the FrameBuffer and
 * out of React. The byte is the code the frame had before (the "from" of its transition), or
 * NO_MARK. A frame never changes *from* "not scanned" (that is its first result, not a
 * change), so 255 is free to mean "not marked".
 *
 * Counts by transition are kept exact as marks come and go, from a sparse map of (from, to)
 * code pairs: marks are few next to frames, and a chunk touches only the pairs it marks.
 */
import { CODE_UNSCANNED, statusOf } from '../frame-codes';

export const NO_MARK = CODE_UNSCANNED;

/** "mapped→paged": the key of a transition, as app/diff.ts writes it. */
export function transitionKey(from: string, to: string): string {
  return `${from}→${to}`;
}

export interface ChangeCounts {
  /** Frames marked. */
  total: number;
  /** Frames per status transition ("mapped→paged"), most frequent first. */
  transitions: Array<{ key: string; count: number }>;
}

export const NO_CHANGES: ChangeCounts = { total: 0, transitions: [] };

export class ChangeMarks {
  /** Per frame: the code before the change, or NO_MARK. */
  from: Uint8Array;
  /** Marked frames per (from << 8 | to) code pair. */
  private readonly pairs = new Map<number, number>();
  private marked = 0;

  constructor(frames: number) {
    this.from = new Uint8Array(frames).fill(NO_MARK);
  }

  get count(): number {
    return this.marked;
  }

  isMarked(gfn: number): boolean {
    return gfn >= 0 && gfn < this.from.length && this.from[gfn] !== NO_MARK;
  }

  /** Adds (+1) or takes out (-1) one frame of the (from, to) pair. */
  bump(from: number, to: number, delta: 1 | -1): void {
    const key = (from << 8) | to;
    const n = (this.pairs.get(key) ?? 0) + delta;
    if (n > 0) this.pairs.set(key, n);
    else this.pairs.delete(key);
    this.marked += delta;
  }

  /** Grows with its buffer; the new frames are not marked. */
  grow(frames: number): void {
    if (frames <= this.from.length) return;
    const grown = new Uint8Array(frames).fill(NO_MARK);
    grown.set(this.from);
    this.from = grown;
  }

  clear(): void {
    this.from.fill(NO_MARK);
    this.pairs.clear();
    this.marked = 0;
  }

  /** Counts by status transition ("mapped→paged"). */
  counts(): ChangeCounts {
    const byKey = new Map<string, number>();
    for (const [pair, n] of this.pairs) {
      const key = transitionKey(statusOf(pair >> 8), statusOf(pair & 0xff));
      byKey.set(key, (byKey.get(key) ?? 0) + n);
    }
    return { total: this.marked, transitions: sortedCounts(byKey) };
  }

  /** Counts by exact code transition, named by `name` ("ENOENT→OK"). */
  codeCounts(name: (code: number) => string): Array<{ key: string; count: number }> {
    const byKey = new Map<string, number>();
    for (const [pair, n] of this.pairs) {
      const key = transitionKey(name(pair >> 8), name(pair & 0xff));
      byKey.set(key, (byKey.get(key) ?? 0) + n);
    }
    return sortedCounts(byKey);
  }
}

function sortedCounts(byKey: Map<string, number>): Array<{ key: string; count: number }> {
  return [...byKey].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

/**
 * Calls fn(i) for every set bit of a diff's changedMask (bit i of byte i >> 3, least
 * significant first), i < `count`. Whole zero bytes are skipped: most frames did not change.
 */
export function forEachChanged(mask: Uint8Array, count: number, fn: (i: number) => void): void {
  const bytes = Math.min(mask.length, Math.ceil(count / 8));
  for (let b = 0; b < bytes; b++) {
    let byte = mask[b];
    while (byte !== 0) {
      const bit = 31 - Math.clz32(byte & -byte);
      const i = (b << 3) + bit;
      if (i < count) fn(i);
      byte &= byte - 1;
    }
  }
}
