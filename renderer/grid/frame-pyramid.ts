/**
 * Aggregated levels of the frame grid, for views where one pixel covers many frames. Level k
 * holds one entry per block of 2^k x 2^k cells:
 *  - rows layout: the block at (bx, by) covers cells [bx 2^k, (bx + 1) 2^k) of rows
 *    [by 2^k, (by + 1) 2^k), entries row-major;
 *  - Hilbert layout: every aligned block of a square holds 4^k consecutive frames, so the
 *    block of frame gfn is entry gfn >> 2k, whatever the arrangement of the squares.
 *
 * Each entry keeps, over the frames of its block:
 *  - mix: the sRGB mix of their colours weighted by count (proportional shading), a pixel word;
 *  - notable: the code of highest priority (frame-codes.ts codePriority), so that a single
 *    rare frame stays visible at any zoom ("most notable" shading);
 *  - marks: 0 when any frame of the block is marked as changed, else NO_MARK (255);
 *  - highlight: the most notable code among the frames the user highlights (the legend's
 *    filter), else NO_MARK, and the share of the block's frames highlighted; built when a
 *    highlight is set.
 *
 * Levels 0 and 1 are not stored: level 0 is the codes themselves, and a level-1 block is four
 * frames, which a renderer reads directly. Storing only from level 2 up keeps the pyramid at
 * about 0.5 bytes a frame (a 4-byte mix and three 1-byte fields per 16 frames, and a third of
 * that again above), so that a 2^30-frame guest fits a page beside its codes.
 *
 * A chunk updates only the block rows (rows) or block ranges (Hilbert) it touches, and every
 * level remembers what changed since a renderer last uploaded it.
 */
import { CODE_RANK, CODE_UNSCANNED } from '../frame-codes';
import { NO_MARK } from '../store/change-marks';
import type { FrameBuffer } from '../store/frame-buffer';
import { type GridLayout, HilbertLayout, type LayoutSpec, sameSpec } from './layout';
import { paletteWords } from './palette';
import { pyramidLevels } from './view-math';

export type Shading = 'proportional' | 'notable';

export const SHADINGS: readonly Shading[] = ['proportional', 'notable'];

/** Levels below this are read from the codes by the renderers. */
export const FIRST_STORED_LEVEL = 2;

/** What a renderer uploads of a level. */
export type Layer = 'mix' | 'notable' | 'marks' | 'highlight';

const LAYERS: readonly Layer[] = ['mix', 'notable', 'marks', 'highlight'];

/** The value of a marked block. */
export const BLOCK_MARKED = 0;

export interface StoredLevel {
  /** Blocks per row and rows of blocks, in cells of this level. */
  cols: number;
  rows: number;
  /** Entries: cols * rows for rows layouts, the blocks that hold frames for Hilbert ones. */
  length: number;
  mix: Uint32Array;
  notable: Uint8Array;
  marks: Uint8Array;
  /**
   * Two bytes a block: the most notable highlighted code (NO_MARK: none), then the share of the
   * block's frames highlighted, 0-255 (at least 1 when any is).
   */
  highlight: Uint8Array | null;
}

/** Half-open range of entry indices of one level. */
export interface DirtySpan {
  start: number;
  end: number;
}

/** Per code: 1 when the user highlights it. */
export type HighlightSet = Uint8Array;

export class FramePyramid {
  /** Index k holds level k; null below FIRST_STORED_LEVEL. */
  readonly levels: (StoredLevel | null)[] = [null, null];
  readonly maxLevel: number;
  readonly spec: LayoutSpec;
  /** Palette as pixel words, split into channels for the mixing loops. */
  private readonly red = new Uint8Array(256);
  private readonly green = new Uint8Array(256);
  private readonly blue = new Uint8Array(256);
  private highlightSet: HighlightSet | null = null;
  private readonly dirty: Record<Layer, (DirtySpan | null)[]> = { mix: [], notable: [], marks: [], highlight: [] };
  private readonly hilbert: boolean;
  /** Frames in the last grid row (rows layouts). */
  private readonly lastRowFrames: number;

  constructor(readonly buffer: FrameBuffer, readonly layout: GridLayout) {
    this.spec = layout.spec;
    this.hilbert = layout instanceof HilbertLayout;
    this.lastRowFrames = layout.frames - (layout.rows - 1) * layout.cols;
    const words = paletteWords();
    for (let code = 0; code < 256; code++) {
      this.red[code] = words[code] & 0xff;
      this.green[code] = (words[code] >>> 8) & 0xff;
      this.blue[code] = (words[code] >>> 16) & 0xff;
    }
    this.maxLevel = Math.max(FIRST_STORED_LEVEL, pyramidLevels(layout));
    for (let k = FIRST_STORED_LEVEL; k <= this.maxLevel; k++) {
      const { cols, rows } = this.levelGrid(k);
      const length = this.hilbert ? Math.max(1, Math.ceil(layout.frames / 4 ** k)) : cols * rows;
      this.levels.push({
        cols,
        rows,
        length,
        mix: new Uint32Array(length),
        notable: new Uint8Array(length).fill(CODE_UNSCANNED),
        marks: new Uint8Array(length).fill(NO_MARK),
        highlight: null,
      });
    }
    if (layout.frames > 0) this.update(0, layout.frames - 1);
  }

  /** True while the pyramid still describes the buffer (a buffer that grew needs a new one). */
  matches(buffer: FrameBuffer, spec: LayoutSpec): boolean {
    return buffer === this.buffer && buffer.codes === this.codes && buffer.frames === this.layout.frames && sameSpec(spec, this.spec);
  }

  get codes(): Uint8Array {
    return this.buffer.codes;
  }

  get highlight(): HighlightSet | null {
    return this.highlightSet;
  }

  /**
   * Sets (or clears) the highlighted codes and builds the levels' highlight entries: one pass
   * over the codes for level 2, then four children per entry, no other field recomputed.
   */
  setHighlight(set: HighlightSet | null): void {
    if (set === this.highlightSet) return;
    this.highlightSet = set;
    for (let k = FIRST_STORED_LEVEL; k <= this.maxLevel; k++) {
      const lvl = this.levels[k]!;
      lvl.highlight = set ? new Uint8Array(2 * lvl.length) : null;
    }
    if (!set || this.layout.frames === 0) return;
    for (let k = FIRST_STORED_LEVEL; k <= this.maxLevel; k++) {
      const lvl = this.levels[k]!;
      this.reduceHighlight(k, 0, this.hilbert ? lvl.length : lvl.rows);
      this.markDirty(k, 0, lvl.length, ['highlight']);
    }
  }

  /**
   * The highlight entries of level k over entries [start, end) (Hilbert) or block rows
   * [start, end) (rows): the most notable highlighted code of each block, and the share of its
   * frames highlighted (0-255, at least 1 when any is).
   */
  private reduceHighlight(k: number, start: number, end: number): void {
    const set = this.highlightSet!;
    const lvl = this.levels[k]!;
    const out = lvl.highlight!;
    const codes = this.codes;
    const frames = this.layout.frames;
    const { cols, rows } = this.layout;
    let best = NO_MARK;
    let hits = 0;
    let n = 0;
    const take = (code: number, weight: number, share: number) => {
      n += weight;
      if (code === NO_MARK) return;
      hits += share * weight;
      if (best === NO_MARK || CODE_RANK[code] > CODE_RANK[best]) best = code;
    };
    const put = (i: number) => {
      out[2 * i] = best;
      out[2 * i + 1] = hits === 0 || n === 0 ? 0 : Math.max(1, Math.round((255 * hits) / n));
      best = NO_MARK;
      hits = 0;
      n = 0;
    };
    if (k === FIRST_STORED_LEVEL) {
      // from the codes: 16 frames a block, a block of one code in four equal words
      const words = codes.byteOffset % 4 === 0 ? new Uint32Array(codes.buffer, codes.byteOffset, codes.length >>> 2) : null;
      const uniform = (w: number, stride: number) => {
        const word = words![w];
        return (word & 0xff) * 0x01010101 === word && words![w + stride] === word && words![w + 2 * stride] === word &&
          words![w + 3 * stride] === word ? word & 0xff : -1;
      };
      const putUniform = (i: number, code: number) => {
        out[2 * i] = set[code] ? code : NO_MARK;
        out[2 * i + 1] = set[code] ? 255 : 0;
      };
      if (this.hilbert) {
        for (let i = start; i < end; i++) {
          const one = words && i * 16 + 16 <= frames ? uniform(4 * i, 1) : -1;
          if (one >= 0) {
            putUniform(i, one);
            continue;
          }
          for (let gfn = i * 16; gfn < Math.min(frames, i * 16 + 16); gfn++) take(set[codes[gfn]] ? codes[gfn] : NO_MARK, 1, 1);
          put(i);
        }
        return;
      }
      const wordsPerRow = cols % 4 === 0 ? cols >>> 2 : 0;
      for (let by = start; by < end; by++) {
        const whole = words !== null && wordsPerRow > 0 && by * 4 + 4 <= rows && (by * 4 + 4) * cols <= frames;
        for (let bx = 0; bx < lvl.cols; bx++) {
          const one = whole && bx * 4 + 4 <= cols ? uniform(by * 4 * wordsPerRow + bx, wordsPerRow) : -1;
          if (one >= 0) {
            putUniform(by * lvl.cols + bx, one);
            continue;
          }
          for (let row = by * 4; row < Math.min(rows, by * 4 + 4); row++) {
            const stop = Math.min(frames, row * cols + Math.min(cols, bx * 4 + 4));
            for (let gfn = row * cols + bx * 4; gfn < stop; gfn++) take(set[codes[gfn]] ? codes[gfn] : NO_MARK, 1, 1);
          }
          put(by * lvl.cols + bx);
        }
      }
      return;
    }
    // from the level below: four children, weighted by their frames
    const below = this.levels[k - 1]!;
    const child = below.highlight!;
    if (this.hilbert) {
      const childFrames = 4 ** (k - 1);
      for (let i = start; i < end; i++) {
        for (let c = 4 * i; c < Math.min(below.length, 4 * i + 4); c++) {
          const w = Math.min(childFrames, frames - c * childFrames);
          if (w > 0) take(child[2 * c], w, child[2 * c + 1] / 255);
        }
        put(i);
      }
      return;
    }
    for (let by = start; by < end; by++) {
      for (let bx = 0; bx < lvl.cols; bx++) {
        for (let q = 0; q < 4; q++) {
          const cx = 2 * bx + (q & 1);
          const cy = 2 * by + (q >> 1);
          if (cx >= below.cols || cy >= below.rows) continue;
          const w = this.blockFrames(k - 1, cx, cy);
          const c = cy * below.cols + cx;
          if (w > 0) take(child[2 * c], w, child[2 * c + 1] / 255);
        }
        put(by * lvl.cols + bx);
      }
    }
  }

  /** Recomputes every level over the frames [first, last], whose codes or marks changed. */
  update(first: number, last: number): void {
    if (last < first) return;
    this.markDirty(0, first, last + 1);
    if (this.hilbert) {
      let start = first;
      let end = last + 1;
      for (let k = FIRST_STORED_LEVEL; k <= this.maxLevel; k++) {
        const span = k === FIRST_STORED_LEVEL ? 16 : 4;
        start = Math.floor(start / span);
        end = Math.ceil(end / span);
        const lvl = this.levels[k]!;
        end = Math.min(end, lvl.length);
        if (k === FIRST_STORED_LEVEL) this.reduceRunsFromCodes(lvl, start, end);
        else this.reduceRuns(this.levels[k - 1]!, lvl, start, end, k);
        if (this.highlightSet) this.reduceHighlight(k, start, end);
        this.markDirty(k, start, end);
      }
      return;
    }
    const cols = this.layout.cols;
    let rowStart = Math.floor(first / cols);
    let rowEnd = Math.floor(last / cols) + 1;
    for (let k = FIRST_STORED_LEVEL; k <= this.maxLevel; k++) {
      const span = k === FIRST_STORED_LEVEL ? 4 : 2;
      rowStart = Math.floor(rowStart / span);
      rowEnd = Math.ceil(rowEnd / span);
      const lvl = this.levels[k]!;
      const end = Math.min(rowEnd, lvl.rows);
      if (k === FIRST_STORED_LEVEL) this.reduceRowsFromCodes(lvl, rowStart, end);
      else this.reduceRows(this.levels[k - 1]!, lvl, rowStart, end, k);
      if (this.highlightSet) this.reduceHighlight(k, rowStart, end);
      this.markDirty(k, rowStart * lvl.cols, end * lvl.cols);
    }
  }

  /**
   * What changed in a level's layer since the last call, and forgets it. Level 0 is the codes
   * ('notable') and their marks ('marks'), in frames.
   */
  takeDirty(level: number, layer: Layer): DirtySpan | null {
    const spans = this.dirty[layer];
    const span = spans[level] ?? null;
    spans[level] = null;
    return span;
  }

  /** Blocks across and down at level k (cells of that level). */
  levelGrid(k: number): { cols: number; rows: number } {
    const size = 2 ** k;
    return { cols: Math.ceil(this.layout.cols / size), rows: Math.ceil(this.layout.rows / size) };
  }

  private markDirty(level: number, start: number, end: number, layers: readonly Layer[] = LAYERS): void {
    if (end <= start) return;
    for (const a of layers) {
      const d = this.dirty[a][level];
      this.dirty[a][level] = d ? { start: Math.min(d.start, start), end: Math.max(d.end, end) } : { start, end };
    }
  }

  /** Frames in block (bx, by) of level k of a rows layout. */
  private blockFrames(k: number, bx: number, by: number): number {
    const size = 2 ** k;
    const { cols, rows } = this.layout;
    const x0 = bx * size;
    const x1 = Math.min(cols, x0 + size);
    const y0 = by * size;
    const y1 = Math.min(rows, y0 + size);
    if (x1 <= x0 || y1 <= y0) return 0;
    let n = (x1 - x0) * (y1 - y0);
    // only the last grid row may be short
    if (y1 === rows) n -= (x1 - x0) - Math.max(0, Math.min(x1, this.lastRowFrames) - x0);
    return n;
  }

  /** Level-2 block rows [byStart, byEnd) of a rows layout, from the codes (4 x 4 frames a block). */
  private reduceRowsFromCodes(dst: StoredLevel, byStart: number, byEnd: number): void {
    const codes = this.codes;
    const marks = this.buffer.marks;
    const frames = this.layout.frames;
    const { cols, rows } = this.layout;
    const { red, green, blue } = this;
    // Four codes a word: a block of one code (most blocks: runs of RAM, holes, not scanned)
    // is four equal words, checked without looking at its frames one by one.
    const words = cols % 4 === 0 && codes.byteOffset % 4 === 0 ? new Uint32Array(codes.buffer, codes.byteOffset, codes.length >>> 2) : null;
    const wordsPerRow = cols >>> 2;
    for (let by = byStart; by < byEnd; by++) {
      const r0 = by * 4;
      const r1 = Math.min(rows, r0 + 4);
      const marked = marks.anyInRange(r0 * cols, Math.min(frames, r1 * cols) - 1);
      const whole = words !== null && !marked && r1 - r0 === 4 && r1 * cols <= frames;
      for (let bx = 0; bx < dst.cols; bx++) {
        const c0 = bx * 4;
        const c1 = Math.min(cols, c0 + 4);
        if (whole && c1 - c0 === 4) {
          const w = (r0 * wordsPerRow) + bx;
          const word = words[w];
          if ((word & 0xff) * 0x01010101 === word && words[w + wordsPerRow] === word && words[w + 2 * wordsPerRow] === word &&
            words[w + 3 * wordsPerRow] === word) {
            this.storeUniform(dst, by * dst.cols + bx, word & 0xff);
            continue;
          }
        }
        let n = 0;
        let r = 0;
        let g = 0;
        let b = 0;
        let best = CODE_UNSCANNED;
        let mark = NO_MARK;
        for (let row = r0; row < r1; row++) {
          const base = row * cols;
          const end = Math.min(base + c1, frames);
          for (let gfn = base + c0; gfn < end; gfn++) {
            const code = codes[gfn];
            r += red[code];
            g += green[code];
            b += blue[code];
            n++;
            if (CODE_RANK[code] > CODE_RANK[best]) best = code;
            if (marked && mark === NO_MARK && marks.at(gfn) !== NO_MARK) mark = BLOCK_MARKED;
          }
        }
        this.store(dst, by * dst.cols + bx, n, r, g, b, best, mark);
      }
    }
  }

  /** Block rows [byStart, byEnd) of level k from level k - 1's 2 x 2 children. */
  private reduceRows(src: StoredLevel, dst: StoredLevel, byStart: number, byEnd: number, k: number): void {
    const sCols = src.cols;
    const sRows = src.rows;
    for (let by = byStart; by < byEnd; by++) {
      for (let bx = 0; bx < dst.cols; bx++) {
        let n = 0;
        let r = 0;
        let g = 0;
        let b = 0;
        let best = CODE_UNSCANNED;
        let mark = NO_MARK;
        for (let q = 0; q < 4; q++) {
          const cx = 2 * bx + (q & 1);
          const cy = 2 * by + (q >> 1);
          if (cx >= sCols || cy >= sRows) continue;
          const w = this.blockFrames(k - 1, cx, cy);
          if (w === 0) continue;
          const i = cy * sCols + cx;
          const word = src.mix[i];
          r += (word & 0xff) * w;
          g += ((word >>> 8) & 0xff) * w;
          b += ((word >>> 16) & 0xff) * w;
          n += w;
          const code = src.notable[i];
          if (CODE_RANK[code] > CODE_RANK[best]) best = code;
          if (src.marks[i] !== NO_MARK) mark = BLOCK_MARKED;
        }
        this.store(dst, by * dst.cols + bx, n, r, g, b, best, mark);
      }
    }
  }

  /** Level-2 entries [start, end) of a Hilbert layout: 16 consecutive frames each. */
  private reduceRunsFromCodes(dst: StoredLevel, start: number, end: number): void {
    const codes = this.codes;
    const marks = this.buffer.marks;
    const frames = this.layout.frames;
    const { red, green, blue } = this;
    const marked = marks.anyInRange(start * 16, Math.min(frames, end * 16) - 1);
    // as in reduceRowsFromCodes: a block of one code is four equal words
    const words = !marked && codes.byteOffset % 4 === 0 ? new Uint32Array(codes.buffer, codes.byteOffset, codes.length >>> 2) : null;
    for (let i = start; i < end; i++) {
      const g0 = i * 16;
      const g1 = Math.min(frames, g0 + 16);
      if (words !== null && g1 - g0 === 16) {
        const word = words[4 * i];
        if ((word & 0xff) * 0x01010101 === word && words[4 * i + 1] === word && words[4 * i + 2] === word && words[4 * i + 3] === word) {
          this.storeUniform(dst, i, word & 0xff);
          continue;
        }
      }
      let r = 0;
      let g = 0;
      let b = 0;
      let best = CODE_UNSCANNED;
      let mark = NO_MARK;
      for (let gfn = g0; gfn < g1; gfn++) {
        const code = codes[gfn];
        r += red[code];
        g += green[code];
        b += blue[code];
        if (CODE_RANK[code] > CODE_RANK[best]) best = code;
        if (marked && mark === NO_MARK && marks.at(gfn) !== NO_MARK) mark = BLOCK_MARKED;
      }
      this.store(dst, i, g1 - g0, r, g, b, best, mark);
    }
  }

  /** Entries [start, end) of Hilbert level k from level k - 1's four consecutive children. */
  private reduceRuns(src: StoredLevel, dst: StoredLevel, start: number, end: number, k: number): void {
    const frames = this.layout.frames;
    const childFrames = 4 ** (k - 1);
    for (let i = start; i < end; i++) {
      let n = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      let best = CODE_UNSCANNED;
      let mark = NO_MARK;
      for (let c = 4 * i; c < 4 * i + 4 && c < src.length; c++) {
        const w = Math.min(childFrames, frames - c * childFrames);
        if (w <= 0) break;
        const word = src.mix[c];
        r += (word & 0xff) * w;
        g += ((word >>> 8) & 0xff) * w;
        b += ((word >>> 16) & 0xff) * w;
        n += w;
        const code = src.notable[c];
        if (CODE_RANK[code] > CODE_RANK[best]) best = code;
        if (src.marks[c] !== NO_MARK) mark = BLOCK_MARKED;
      }
      this.store(dst, i, n, r, g, b, best, mark);
    }
  }

  /** Writes the entry of a block whose frames all have one code and none is marked. */
  private storeUniform(dst: StoredLevel, i: number, code: number): void {
    dst.notable[i] = code;
    dst.marks[i] = NO_MARK;
    dst.mix[i] = ((255 << 24) | (this.blue[code] << 16) | (this.green[code] << 8) | this.red[code]) >>> 0;
  }

  /** Writes one entry: the mix is the weighted mean, rounded half to even so no level drifts. */
  private store(dst: StoredLevel, i: number, n: number, r: number, g: number, b: number, best: number, mark: number): void {
    dst.notable[i] = best;
    dst.marks[i] = mark;
    if (n === 0) {
      dst.mix[i] = 0;
      return;
    }
    dst.mix[i] = ((255 << 24) | (meanRounded(b, n) << 16) | (meanRounded(g, n) << 8) | meanRounded(r, n)) >>> 0;
  }
}

/** sum / n rounded to the nearest integer, ties to even. */
function meanRounded(sum: number, n: number): number {
  const q = Math.floor(sum / n);
  const rest = sum - q * n;
  return 2 * rest > n || (2 * rest === n && (q & 1) === 1) ? q + 1 : q;
}
