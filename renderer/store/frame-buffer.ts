/**
 * The frame codes of one domain, kept out of React and out of the store: 16.8 M frames are
 * 16.8 MB that change 65536 at a time. The store holds only `version`; the grid redraws
 * through a transient subscription and reads the codes from here. Beside the codes, one byte
 * per frame marks the frames whose status changed (ChangeMarks), kept in step by every write.
 */
import { CODE_UNSCANNED, statusOf } from '../frame-codes';
import { ChangeMarks, MARK_PAGE_FRAMES, NO_MARK } from './change-marks';

export interface LegendCounts {
  mapped: number;
  paged: number;
  invalid: number;
  unscanned: number;
  /** Every frame of the buffer: the four above add up to it. */
  total: number;
}

export interface CodeCount {
  code: number;
  count: number;
}

/** A 256-bin histogram of frame codes. Float64 bins: no overflow at 2^32 frames. */
export class CodeHistogram {
  readonly bins = new Float64Array(256);

  add(codes: Uint8Array): void {
    const h = this.bins;
    for (let i = 0; i < codes.length; i++) h[codes[i]]++;
  }

  clear(): void {
    this.bins.fill(0);
  }

  counts(): LegendCounts {
    const c: LegendCounts = { mapped: 0, paged: 0, invalid: 0, unscanned: 0, total: 0 };
    for (let code = 0; code < 256; code++) {
      const n = this.bins[code];
      if (n === 0) continue;
      c[statusOf(code)] += n;
      c.total += n;
    }
    return c;
  }

  /** The invalid codes present, most frequent first. */
  invalidCodes(): CodeCount[] {
    const out: CodeCount[] = [];
    for (let code = 0; code < 256; code++) {
      if (this.bins[code] > 0 && statusOf(code) === 'invalid') out.push({ code, count: this.bins[code] });
    }
    return out.sort((a, b) => b.count - a.count || a.code - b.code);
  }
}

/** Called with the inclusive gfn range whose codes (or marks) changed. */
export type FrameChangeListener = (first: number, last: number) => void;

/**
 * How a scan's write marks changes. A frame is marked when its new code differs from the
 * code it had before: just before this write (a scan writes each frame once), or, with a
 * `baseline` (the codes of [baseFirst, baseFirst + baseline.length) when the run began), the
 * code it had then: a page-in that sees a frame twice marks it against the scan before, not
 * against its own first pass. A frame that was not scanned before is never marked.
 */
export interface ChangeTracking {
  baseline?: Uint8Array;
  baseFirst?: number;
  /** Every write of a code different from a scanned one: the frame's history. */
  onTransition?(gfn: number, from: number, to: number): void;
}

export class FrameBuffer {
  /** Code of frame gfn at [gfn]; CODE_UNSCANNED until a scan reports it. */
  codes: Uint8Array;
  /** Histogram of `codes`, kept exact by every write. */
  readonly histogram = new CodeHistogram();
  /** Frames whose status changed: see ChangeMarks and ChangeTracking. */
  readonly marks: ChangeMarks;
  /** Bumped by every change; the store mirrors it. */
  version = 0;
  private readonly listeners = new Set<FrameChangeListener>();

  constructor(readonly domain: number, frames: number) {
    this.codes = new Uint8Array(frames).fill(CODE_UNSCANNED);
    this.histogram.bins[CODE_UNSCANNED] = frames;
    this.marks = new ChangeMarks(frames);
  }

  get frames(): number {
    return this.codes.length;
  }

  codeAt(gfn: number): number | undefined {
    return gfn >= 0 && gfn < this.codes.length ? this.codes[gfn] : undefined;
  }

  /**
   * Writes the codes of frames [first, first + codes.length), clipped to the buffer, and
   * keeps the histogram exact: each old code is taken out before its new one goes in, so a
   * rescan of part of the domain never counts a frame twice. The frames' change marks are
   * replaced as `tracking` says; without it they are cleared (a write nobody compares).
   * Returns the range written.
   */
  apply(first: number, codes: Uint8Array, tracking?: ChangeTracking): { first: number; last: number } | null {
    const start = Math.max(0, first);
    const end = Math.min(this.codes.length, first + codes.length);
    if (end <= start) return null;
    const src = codes.subarray(start - first, end - first);
    const dst = this.codes.subarray(start, end);
    const h = this.histogram.bins;
    const marks = this.marks;
    const baseline = tracking?.baseline;
    const baseFirst = tracking?.baseFirst ?? 0;
    const onTransition = tracking?.onTransition;
    // Page by page of the marks: where a page was never made and the code stays, nothing moves.
    for (let segStart = start; segStart < end;) {
      const segEnd = Math.min(end, (Math.floor(segStart / MARK_PAGE_FRAMES) + 1) * MARK_PAGE_FRAMES);
      let page = marks.pageOf(segStart);
      const pageBase = Math.floor(segStart / MARK_PAGE_FRAMES) * MARK_PAGE_FRAMES;
      for (let gfn = segStart; gfn < segEnd; gfn++) {
        const i = gfn - start;
        const old = dst[i];
        const code = src[i];
        if (old !== code) {
          h[old]--;
          h[code]++;
          if (onTransition && old !== CODE_UNSCANNED) onTransition(gfn, old, code);
        }
        const was = page ? page[gfn - pageBase] : NO_MARK;
        let mark = NO_MARK;
        if (tracking) {
          const b = gfn - baseFirst;
          const base = baseline && b >= 0 && b < baseline.length ? baseline[b] : old;
          if (base !== CODE_UNSCANNED && base !== code) mark = base;
        }
        if (was === mark && (mark === NO_MARK || old === code)) continue;
        if (was !== NO_MARK) marks.bump(was, old, -1);
        if (mark !== NO_MARK) {
          if (!page) {
            marks.set(gfn, mark);
            page = marks.pageOf(gfn);
          }
          marks.bump(mark, code, 1);
        }
        if (page) page[gfn - pageBase] = mark;
      }
      segStart = segEnd;
    }
    dst.set(src);
    this.changed(start, end - 1);
    return { first: start, last: end - 1 };
  }

  /**
   * Marks frame gfn as changed from `from` (its current code is the "to"); a diff's marks.
   * Call notifyChanged afterwards for the range marked.
   */
  markChanged(gfn: number, from: number): void {
    if (gfn < 0 || gfn >= this.codes.length || from === NO_MARK) return;
    const was = this.marks.at(gfn);
    if (was !== NO_MARK) this.marks.bump(was, this.codes[gfn], -1);
    this.marks.set(gfn, from);
    this.marks.bump(from, this.codes[gfn], 1);
  }

  /** Tells the listeners (the grid's pyramid) that frames [first, last] changed. */
  notifyChanged(first: number, last: number): void {
    if (last >= first) this.changed(Math.max(0, first), Math.min(this.codes.length - 1, last));
  }

  /** Grows the buffer (a domain whose size was unknown until a scan said); new frames are unscanned. */
  ensureFrames(frames: number): void {
    if (frames <= this.codes.length) return;
    const grown = new Uint8Array(frames).fill(CODE_UNSCANNED);
    grown.set(this.codes);
    this.histogram.bins[CODE_UNSCANNED] += frames - this.codes.length;
    const oldFrames = this.codes.length;
    this.codes = grown;
    this.marks.grow(frames);
    this.changed(oldFrames, frames - 1);
  }

  /** Forgets every result. */
  clear(): void {
    this.codes.fill(CODE_UNSCANNED);
    this.marks.clear();
    this.histogram.clear();
    this.histogram.bins[CODE_UNSCANNED] = this.codes.length;
    if (this.codes.length > 0) this.changed(0, this.codes.length - 1);
  }

  counts(): LegendCounts {
    return this.histogram.counts();
  }

  onChange(listener: FrameChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(first: number, last: number): void {
    this.version++;
    for (const listener of this.listeners) listener(first, last);
  }
}

/** One buffer per domain, so that switching domains keeps what was scanned. */
export class FrameBuffers {
  private readonly byDomain = new Map<number, FrameBuffer>();

  get(domain: number): FrameBuffer | undefined {
    return this.byDomain.get(domain);
  }

  /** The domain's buffer, created (all unscanned) or grown to hold `frames`. */
  ensure(domain: number, frames: number): FrameBuffer {
    let buffer = this.byDomain.get(domain);
    if (!buffer) {
      buffer = new FrameBuffer(domain, frames);
      this.byDomain.set(domain, buffer);
    } else {
      buffer.ensureFrames(frames);
    }
    return buffer;
  }

  /** Forgets every buffer (what is inspected changed: none of it describes the new source). */
  reset(): void {
    this.byDomain.clear();
  }

  /** Drops buffers of domains that no longer exist. */
  retain(domains: Iterable<number>): void {
    const keep = new Set(domains);
    for (const id of [...this.byDomain.keys()]) if (!keep.has(id)) this.byDomain.delete(id);
  }
}
