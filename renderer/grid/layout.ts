/**
 * Where each frame sits on the grid. Two layouts, both pure so node tests check them:
 *  - rows: frame gfn at column gfn % cols of row gfn / cols. Either fitted (cols chosen so the
 *    guest fills the window, VM Validator's "a pixel per page, wrapping to the window") or
 *    address-aligned (512 frames = 2 MiB a row, 4096 = 16 MiB, ...) for reading addresses;
 *  - hilbert: frames along a Hilbert curve through squares of 2^order cells a side, the squares
 *    laid left to right and top to bottom (binvis): neighbouring frames stay neighbours at
 *    every zoom, and every aligned 2^k x 2^k block of a square holds 4^k consecutive frames.
 *    The curve of each square starts at its top-left corner and ends at its top-right one, so
 *    consecutive squares of a row join up.
 */

export type LayoutKind = 'rows' | 'hilbert';

/** How the frames are laid out; with the frame count, it makes a GridLayout. */
export type LayoutSpec =
  | { kind: 'rows'; cols: number }
  | { kind: 'hilbert'; order: number; across: number };

export interface Cell {
  col: number;
  row: number;
}

export interface GridLayout {
  readonly kind: LayoutKind;
  readonly spec: LayoutSpec;
  readonly frames: number;
  /** Cells across and down. */
  readonly cols: number;
  readonly rows: number;
  cellOf(gfn: number): Cell;
  /** The frame at a cell, or null where there is none (off the grid, past the last frame). */
  gfnAt(col: number, row: number): number | null;
}

export class RowsLayout implements GridLayout {
  readonly kind = 'rows';
  readonly rows: number;
  readonly spec: LayoutSpec;

  constructor(readonly frames: number, readonly cols: number) {
    this.rows = Math.max(1, Math.ceil(frames / cols));
    this.spec = { kind: 'rows', cols };
  }

  cellOf(gfn: number): Cell {
    return { col: gfn % this.cols, row: Math.floor(gfn / this.cols) };
  }

  gfnAt(col: number, row: number): number | null {
    if (col < 0 || row < 0 || col >= this.cols || row >= this.rows) return null;
    const gfn = row * this.cols + col;
    return gfn < this.frames ? gfn : null;
  }
}

export class HilbertLayout implements GridLayout {
  readonly kind = 'hilbert';
  readonly spec: LayoutSpec;
  /** Cells a side of one square. */
  readonly side: number;
  /** Squares across, and rows of squares. */
  readonly squareRows: number;
  readonly cols: number;
  readonly rows: number;

  constructor(readonly frames: number, readonly order: number, readonly across: number) {
    this.side = 2 ** order;
    const squares = Math.max(1, Math.ceil(frames / (this.side * this.side)));
    this.squareRows = Math.ceil(squares / across);
    this.cols = across * this.side;
    this.rows = this.squareRows * this.side;
    this.spec = { kind: 'hilbert', order, across };
  }

  get framesPerSquare(): number {
    return this.side * this.side;
  }

  cellOf(gfn: number): Cell {
    const per = this.framesPerSquare;
    const q = Math.floor(gfn / per);
    const { x, y } = hilbertCell(this.order, gfn - q * per);
    return { col: (q % this.across) * this.side + x, row: Math.floor(q / this.across) * this.side + y };
  }

  gfnAt(col: number, row: number): number | null {
    if (col < 0 || row < 0 || col >= this.cols || row >= this.rows) return null;
    const qx = Math.floor(col / this.side);
    const qy = Math.floor(row / this.side);
    const d = hilbertIndex(this.order, col - qx * this.side, row - qy * this.side);
    const gfn = (qy * this.across + qx) * this.framesPerSquare + d;
    return gfn < this.frames ? gfn : null;
  }
}

export function makeLayout(spec: LayoutSpec, frames: number): GridLayout {
  return spec.kind === 'rows' ? new RowsLayout(frames, spec.cols) : new HilbertLayout(frames, spec.order, spec.across);
}

export function sameSpec(a: LayoutSpec, b: LayoutSpec): boolean {
  if (a.kind === 'rows') return b.kind === 'rows' && a.cols === b.cols;
  return b.kind === 'hilbert' && a.order === b.order && a.across === b.across;
}

/**
 * Position of the d-th cell of the Hilbert curve through a 2^order square (0 <= d < 4^order):
 * the classic d2xy, the curve starting at (0, 0) and ending at (2^order - 1, 0).
 */
export function hilbertCell(order: number, d: number): { x: number; y: number } {
  let x = 0;
  let y = 0;
  let t = d;
  for (let s = 1; s < 2 ** order; s *= 2) {
    const rx = 1 & Math.floor(t / 2);
    const ry = 1 & (t ^ rx);
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      const swap = x;
      x = y;
      y = swap;
    }
    x += s * rx;
    y += s * ry;
    t = Math.floor(t / 4);
  }
  return { x, y };
}

/**
 * Index along the Hilbert curve of cell (x, y) of a 2^order square: the classic xy2d, walked as
 * a four-state machine (the transform so far: both axes flipped or not, axes swapped or not),
 * one level per step, so that it costs a few bit operations a level. order <= 26 keeps every
 * index an exact double.
 */
export function hilbertIndex(order: number, x: number, y: number): number {
  let d = 0;
  let flip = 0;
  let swap = 0;
  for (let level = order - 1; level >= 0; level--) {
    let rx = ((x >>> level) & 1) ^ flip;
    let ry = ((y >>> level) & 1) ^ flip;
    if (swap) {
      const t = rx;
      rx = ry;
      ry = t;
    }
    d = d * 4 + ((3 * rx) ^ ry);
    if (ry === 0) {
      flip ^= rx;
      swap ^= 1;
    }
  }
  return d;
}

// ---- choosing a layout that fills the window ----

export interface Area {
  width: number;
  height: number;
}

/** Farthest a cell may be zoomed in to when fitting (a tiny guest does not fill the window). */
export const FIT_MAX_CELL_PX = 40;

/** The share of the window a layout of `cols` x `rows` cells fills at its fitted zoom. */
export function fillOf(frames: number, cols: number, rows: number, area: Area): number {
  if (area.width <= 0 || area.height <= 0 || frames <= 0) return 0;
  const cell = Math.min(FIT_MAX_CELL_PX, area.width / cols, area.height / rows);
  return (frames * cell * cell) / (area.width * area.height);
}

/**
 * Row widths a fitted layout chooses from: m * 2^j with m in 4..7 (and 1..7 for tiny guests).
 * Consecutive choices are at most 25 % apart, so the best of them fills at least ~89 % of
 * what an exact width would, while the grid's aggregated levels, which depend on the row
 * width, are rebuilt only when a resize crosses from one choice to the next.
 */
export function fitWidthChoices(frames: number): number[] {
  const out: number[] = [];
  for (let m = 1; m < 8; m++) out.push(m);
  for (let j = 1; 4 * 2 ** j <= Math.max(8, frames); j++) for (let m = 4; m < 8; m++) out.push(m * 2 ** j);
  return out;
}

/** The fitted row width for a guest of `frames` in `area`. */
export function fitColumns(frames: number, area: Area): number {
  let best = 1;
  let bestFill = -1;
  for (const cols of fitWidthChoices(frames)) {
    const fill = fillOf(frames, cols, Math.max(1, Math.ceil(frames / cols)), area);
    // the narrower wins a tie: for a tiny guest every width fills alike
    if (fill > bestFill + 1e-12) {
      best = cols;
      bestFill = fill;
    }
  }
  return best;
}

/**
 * After a resize: the current width while it still fills nearly as well as the best one
 * (within RESIZE_KEEP), so that dragging a window edge does not re-lay the guest at every pixel.
 */
const RESIZE_KEEP = 0.92;

export function refitColumns(current: number | null, frames: number, area: Area): number {
  const best = fitColumns(frames, area);
  if (current === null || current === best) return best;
  const fill = (cols: number) => fillOf(frames, cols, Math.max(1, Math.ceil(frames / cols)), area);
  return fill(current) >= RESIZE_KEEP * fill(best) ? current : best;
}

/** At most this many squares: more, and each is too small for the curve's locality to show. */
const MAX_SQUARES = 64;

/** The Hilbert arrangement (square size and squares across) that fills `area` best. */
export function fitHilbert(frames: number, area: Area): { order: number; across: number } {
  const maxOrder = Math.max(0, Math.ceil(Math.log2(Math.max(1, frames)) / 2));
  let best = { order: maxOrder, across: 1 };
  let bestFill = -1;
  for (let order = maxOrder; order >= 0; order--) {
    const per = 4 ** order;
    const squares = Math.ceil(Math.max(1, frames) / per);
    if (squares > MAX_SQUARES) break;
    for (let across = 1; across <= squares; across++) {
      const side = 2 ** order;
      const fill = fillOf(frames, across * side, Math.ceil(squares / across) * side, area);
      // bigger squares keep more frames together: a smaller one must fill clearly better
      if (fill > bestFill * 1.03) {
        best = { order, across };
        bestFill = fill;
      }
    }
  }
  return best;
}
