/**
 * Which frames changed status since the previous scan of the same range (live), or between
 * the two sides of a diff: one byte per frame, kept beside the codes in the FrameBuffer and
 * out of React. The byte is the code the frame had before (the "from" of its transition), or
 * NO_MARK. A frame never changes *from* "not scanned" (that is its first result, not a
 * change), so 255 is free to mean "not marked".
 *
 * The bytes live in pages of MARK_PAGE_FRAMES frames, made when a frame of theirs is first
 * marked: changes are few next to frames, and a 2^30-frame guest must not pay a byte a frame
 * for marks it mostly does not have.
 *
 * Counts by transition are kept exact as marks come and go, from a sparse map of (from, to)
 * code pairs: a chunk touches only the pairs it marks.
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

export const MARK_PAGE_SHIFT = 16;
export const MARK_PAGE_FRAMES = 1 << MARK_PAGE_SHIFT;
const PAGE_MASK = MARK_PAGE_FRAMES - 1;

export class ChangeMarks {
  /** Pages of "from" codes; null where no frame of the page was ever marked. */
  private pages: (Uint8Array | null)[];
  /** Marked frames per (from << 8 | to) code pair. */
  private readonly pairs = new Map<number, number>();
  private marked = 0;

  constructor(private frames: number) {
    this.pages = new Array<Uint8Array | null>(Math.ceil(frames / MARK_PAGE_FRAMES)).fill(null);
  }

  get count(): number {
    return this.marked;
  }

  get length(): number {
    return this.frames;
  }

  /** The code frame gfn changed from, or NO_MARK. */
  at(gfn: number): number {
    const page = this.pages[gfn >>> MARK_PAGE_SHIFT];
    return page ? page[gfn & PAGE_MASK] : NO_MARK;
  }

  isMarked(gfn: number): boolean {
    return gfn >= 0 && gfn < this.frames && this.at(gfn) !== NO_MARK;
  }

  /** Sets frame gfn's "from" code (NO_MARK unmarks); counts are the caller's (bump). */
  set(gfn: number, from: number): void {
    const p = gfn >>> MARK_PAGE_SHIFT;
    let page = this.pages[p];
    if (!page) {
      if (from === NO_MARK) return;
      page = this.pages[p] = new Uint8Array(MARK_PAGE_FRAMES).fill(NO_MARK);
    }
    page[gfn & PAGE_MASK] = from;
  }

  /** The page holding frame gfn, if any frame of it was ever marked (for loops over a chunk). */
  pageOf(gfn: number): Uint8Array | null {
    return this.pages[gfn >>> MARK_PAGE_SHIFT] ?? null;
  }

  /** Whether any page over [first, last] exists: false means no frame there is marked. */
  anyInRange(first: number, last: number): boolean {
    if (this.marked === 0 || last < first) return false;
    for (let p = first >>> MARK_PAGE_SHIFT; p <= last >>> MARK_PAGE_SHIFT; p++) if (this.pages[p]) return true;
    return false;
  }

  /** The first marked gfn >= from, or null. */
  nextMarked(from: number): number | null {
    if (this.marked === 0) return null;
    for (let p = Math.max(0, from) >>> MARK_PAGE_SHIFT; p < this.pages.length; p++) {
      const page = this.pages[p];
      if (!page) continue;
      const base = p * MARK_PAGE_FRAMES;
      for (let i = Math.max(0, from - base); i < MARK_PAGE_FRAMES && base + i < this.frames; i++) {
        if (page[i] !== NO_MARK) return base + i;
      }
    }
    return null;
  }

  /** Bytes the marks hold (pages made), for the memory benchmark. */
  get bytes(): number {
    return this.pages.reduce((n, p) => n + (p ? p.byteLength : 0), 0);
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
    if (frames <= this.frames) return;
    this.frames = frames;
    while (this.pages.length < Math.ceil(frames / MARK_PAGE_FRAMES)) this.pages.push(null);
  }

  clear(): void {
    this.pages.fill(null);
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
