/**
 * Aggregated levels of the frame grid for zoomed-out views. Level 0 is the frame codes
 * themselves; level k >= 1 holds one code per block of 2^k x 2^k cells of the grid, in two
 * flavours:
 *  - notable: the code of the block's highest-priority status (paged > invalid > mapped >
 *    unscanned, see STATUS_PRIORITY). Drawing at the level whose blocks are at least a pixel
 *    wide shows every block, so a single paged frame among millions of mapped ones never
 *    vanishes at any zoom. (It also means that a status spread thinly everywhere colours
 *    everything.)
 *  - common: the status most of the block has (each level takes the most common of its four
 *    children, ties going to the higher priority): proportions, at the cost of rare statuses.
 *
 * Beside them, each level holds the change marks (the buffer's ChangeMarks at level 0; above,
 * a block is marked when any of its four children is, so a single changed frame stays visible
 * at any zoom, like a single paged one): NO_MARK (255) means not marked, anything else marked.
 *
 * Each level is laid out row-major, `cols` blocks per row. Chunks update only the block rows
 * they touch (a 65536-frame chunk costs about 170000 lookups over all levels and both
 * flavours), and every level remembers which part changed since a renderer last uploaded it.
 */
import { CODE_MAPPED, CODE_PAGED, CODE_PRIORITY, CODE_UNSCANNED } from '../frame-codes';
import { NO_MARK } from '../store/change-marks';
import type { FrameBuffer } from '../store/frame-buffer';
import { type GridGeometry, pyramidLevels } from './view-math';

export type Aggregation = 'notable' | 'common';

export const AGGREGATIONS: readonly Aggregation[] = ['notable', 'common'];

/** What a level holds: codes in either aggregation, or change marks. */
export type Layer = Aggregation | 'marks';

const LAYERS: readonly Layer[] = ['notable', 'common', 'marks'];

/** The value of a marked block above level 0 (level 0 holds the code the frame changed from). */
export const BLOCK_MARKED = 0;

export interface PyramidLevel {
  /** Blocks per row. */
  cols: number;
  rows: number;
  /** One code per block (level 0: the buffer's codes, `frames` long, for both flavours). */
  data: Record<Aggregation, Uint8Array>;
  /** Change marks per block (level 0: the buffer's ChangeMarks.from). */
  marks: Uint8Array;
  /** Entries that hold frames or blocks: the frames for level 0, cols * rows above. */
  length: number;
}

/** Half-open range of entry indices of one level. */
export interface DirtySpan {
  start: number;
  end: number;
}

export class StatusPyramid {
  readonly levels: PyramidLevel[] = [];
  private readonly dirty: Record<Layer, (DirtySpan | null)[]> = { notable: [], common: [], marks: [] };

  constructor(readonly buffer: FrameBuffer, readonly geom: GridGeometry) {
    const codes = buffer.codes;
    this.levels.push({ cols: geom.cols, rows: geom.rows, data: { notable: codes, common: codes }, marks: buffer.marks.from, length: codes.length });
    const top = pyramidLevels(geom);
    for (let k = 1; k <= top; k++) {
      const below = this.levels[k - 1];
      const cols = Math.ceil(below.cols / 2);
      const rows = Math.ceil(below.rows / 2);
      const size = cols * rows;
      this.levels.push({
        cols,
        rows,
        data: { notable: new Uint8Array(size).fill(CODE_UNSCANNED), common: new Uint8Array(size).fill(CODE_UNSCANNED) },
        marks: new Uint8Array(size).fill(NO_MARK),
        length: size,
      });
    }
    if (codes.length > 0) this.update(0, codes.length - 1);
  }

  get maxLevel(): number {
    return this.levels.length - 1;
  }

  /** True while the pyramid still describes the buffer (a buffer that grew needs a new one). */
  matches(buffer: FrameBuffer, cols: number): boolean {
    return buffer === this.buffer && buffer.codes === this.levels[0].data.notable && buffer.marks.from === this.levels[0].marks &&
      cols === this.geom.cols;
  }

  /** Recomputes every level over the frames [first, last] changed. */
  update(first: number, last: number): void {
    const cols = this.geom.cols;
    let rowStart = Math.floor(first / cols);
    let rowEnd = Math.floor(last / cols) + 1;
    this.markDirty(0, first, last + 1);
    for (let k = 1; k < this.levels.length; k++) {
      rowStart >>= 1;
      rowEnd = (rowEnd + 1) >> 1;
      const src = this.levels[k - 1];
      const dst = this.levels[k];
      const end = Math.min(rowEnd, dst.rows);
      reduceRows(src, dst, rowStart, end);
      this.markDirty(k, rowStart * dst.cols, end * dst.cols);
    }
  }

  /** What changed in a level's layer since the last call, and forgets it. */
  takeDirty(level: number, layer: Layer = 'notable'): DirtySpan | null {
    const spans = this.dirty[layer];
    const span = spans[level] ?? null;
    spans[level] = null;
    return span;
  }

  private markDirty(level: number, start: number, end: number): void {
    if (end <= start) return;
    for (const a of LAYERS) {
      const d = this.dirty[a][level];
      this.dirty[a][level] = d ? { start: Math.min(d.start, start), end: Math.max(d.end, end) } : { start, end };
    }
  }
}

/** The code a "common" block of invalid frames gets: every invalid code has the same colour. */
const CODE_INVALID_BLOCK = 22; // EINVAL

/** Per code, 1 in the byte of its priority: adding four of them counts a block's statuses. */
const PRIORITY_ONE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let code = 0; code < 256; code++) table[code] = 1 << (8 * CODE_PRIORITY[code]);
  return table;
})();

/** The higher-priority code of two. */
function notable(a: number, b: number): number {
  return CODE_PRIORITY[b] > CODE_PRIORITY[a] ? b : a;
}

/** The most common status of a block from its packed counts; a tie goes to the higher priority. */
function common(packed: number): number {
  const n3 = packed >>> 24;
  const n2 = (packed >>> 16) & 0xff;
  const n1 = (packed >>> 8) & 0xff;
  const n0 = packed & 0xff;
  if (n3 + n2 + n1 === 0) return CODE_UNSCANNED;
  let best = CODE_PAGED;
  let bn = n3;
  if (n2 > bn) { best = CODE_INVALID_BLOCK; bn = n2; }
  if (n1 > bn) { best = CODE_MAPPED; bn = n1; }
  if (n0 > bn) best = CODE_UNSCANNED;
  return best;
}

/**
 * Fills block rows [byStart, byEnd) of `dst` from the 2x2 children in `src`, both flavours.
 * Blocks whose four children all exist (nearly all) take the fast path.
 */
function reduceRows(src: PyramidLevel, dst: PyramidLevel, byStart: number, byEnd: number): void {
  const sn = src.data.notable;
  const sc = src.data.common;
  const sCols = src.cols;
  const sLen = src.length;
  const sm = src.marks;
  const dn = dst.data.notable;
  const dc = dst.data.common;
  const dm = dst.marks;
  const dCols = dst.cols;
  const ONE = PRIORITY_ONE;
  for (let by = byStart; by < byEnd; by++) {
    const top = 2 * by * sCols;
    const bottom = top + sCols;
    const out = by * dCols;
    // Blocks with all four children: both child rows complete, and a right-hand column.
    const whole = bottom + sCols <= sLen ? sCols >> 1 : 0;
    for (let bx = 0; bx < whole; bx++) {
      const a = top + 2 * bx;
      const b = bottom + 2 * bx;
      dn[out + bx] = notable(notable(sn[a], sn[a + 1]), notable(sn[b], sn[b + 1]));
      dc[out + bx] = common(ONE[sc[a]] + ONE[sc[a + 1]] + ONE[sc[b]] + ONE[sc[b + 1]]);
      // All four unmarked (NO_MARK = 0xff) is the only way the AND stays 0xff.
      dm[out + bx] = (sm[a] & sm[a + 1] & sm[b] & sm[b + 1]) === NO_MARK ? NO_MARK : BLOCK_MARKED;
    }
    for (let bx = whole; bx < dCols; bx++) {
      const c = 2 * bx;
      let best = CODE_UNSCANNED;
      let packed = 0;
      let mark = NO_MARK;
      for (let k = 0; k < 4; k++) {
        const x = c + (k & 1);
        const i = (k < 2 ? top : bottom) + x;
        if (x >= sCols || i >= sLen) continue;
        best = notable(best, sn[i]);
        packed += ONE[sc[i]];
        if (sm[i] !== NO_MARK) mark = BLOCK_MARKED;
      }
      dn[out + bx] = best;
      dc[out + bx] = common(packed);
      dm[out + bx] = mark;
    }
  }
}
