/**
 * The camera over the frame grid, pure so that node tests check it: the grid is `cols` x
 * `rows` square cells of `cellPx` CSS pixels, each holding a frame where the layout
 * (layout.ts) puts one. A View says which grid coordinate (in cells, fractional) sits at the
 * viewport's top-left corner; pan and zoom change only the View, never the layout.
 */
import { type GridLayout, HilbertLayout, RowsLayout, hilbertIndex } from './layout';

export type { GridLayout } from './layout';

/** Closest zoom: a cell this many CSS pixels wide. */
export const MAX_CELL_PX = 40;
/** Farthest zoom when the domain does not need farther to fit: 16 frames per pixel across. */
export const FAR_CELL_PX = 1 / 16;
/** Cells at least this many device pixels wide get a gap so that single frames stand out. */
export const GRID_LINE_MIN_CELL_PX = 6;
/** Address-aligned rows: 512 frames of 4 KiB are 2 MiB (a superpage) a row, 4096 are 16 MiB. */
export const FRAMES_PER_ROW_CHOICES = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;
export const DEFAULT_FRAMES_PER_ROW = 512;
/** The smallest viewport (device pixels) the farthest zoom must still fit a domain into. */
const MIN_FIT_PX = 64;
/** Zoom levels the aggregated pyramid always has: enough for FAR_CELL_PX. */
const MIN_PYRAMID_LEVELS = 4;

/** What the camera needs of a layout: how many cells across and down. */
export interface GridGeometry {
  frames: number;
  cols: number;
  rows: number;
}

export interface View {
  /** CSS pixels per cell side. */
  cellPx: number;
  /** Grid coordinate (cells) at the viewport's left edge. */
  originX: number;
  /** Grid coordinate (rows) at the viewport's top edge. */
  originY: number;
}

export interface Viewport {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface GfnRange {
  first: number;
  last: number;
}

/** Rows of `cols` frames: the address-aligned layout. */
export function gridGeometry(frames: number, cols: number): RowsLayout {
  return new RowsLayout(frames, cols);
}

/**
 * Levels of the aggregated pyramid: level k holds blocks of 2^k x 2^k cells. Along a Hilbert
 * curve a block must lie inside one square, so there are at most as many as its order.
 */
export function pyramidLevels(geom: GridGeometry | GridLayout): number {
  const extent = Math.max(geom.rows, geom.cols);
  const levels = Math.max(MIN_PYRAMID_LEVELS, Math.ceil(Math.log2(Math.max(1, extent / MIN_FIT_PX))));
  return geom instanceof HilbertLayout ? Math.min(levels, geom.order) : levels;
}

/** Cell size at which the whole domain fits the viewport. */
export function fitCellPx(geom: GridGeometry, vp: Viewport): number {
  if (vp.width <= 0 || vp.height <= 0) return 1;
  return Math.min(vp.width / geom.cols, vp.height / geom.rows);
}

/** The farthest zoom: 16 frames per pixel, or farther if that is what fitting the domain takes. */
export function minCellPx(geom: GridGeometry, vp: Viewport): number {
  const floor = 2 ** -pyramidLevels(geom);
  return Math.max(floor, Math.min(FAR_CELL_PX, fitCellPx(geom, vp)));
}

export function clampCellPx(cellPx: number, geom: GridGeometry, vp: Viewport): number {
  return Math.min(MAX_CELL_PX, Math.max(minCellPx(geom, vp), cellPx));
}

/** Keeps the zoom in range and the grid in view: a side that fits sits at the top/left edge. */
export function clampView(view: View, geom: GridGeometry, vp: Viewport): View {
  const cellPx = clampCellPx(view.cellPx, geom, vp);
  const clampAxis = (origin: number, cells: number, px: number) => {
    const visible = px / cellPx;
    if (cells <= visible || !Number.isFinite(origin)) return 0;
    return Math.min(cells - visible, Math.max(0, origin));
  };
  return {
    cellPx,
    originX: clampAxis(view.originX, geom.cols, vp.width),
    originY: clampAxis(view.originY, geom.rows, vp.height),
  };
}

export function sameView(a: View, b: View): boolean {
  return a.cellPx === b.cellPx && a.originX === b.originX && a.originY === b.originY;
}

/** The whole domain in view. */
export function fitView(geom: GridGeometry, vp: Viewport): View {
  return clampView({ cellPx: fitCellPx(geom, vp), originX: 0, originY: 0 }, geom, vp);
}

/** A full row across the viewport, keeping the row at `anchorY` (pixels) where it is. */
export function fitWidthView(view: View, geom: GridGeometry, vp: Viewport, anchorY = 0): View {
  const cellPx = vp.width / geom.cols;
  const row = view.originY + anchorY / view.cellPx;
  return clampView({ cellPx, originX: 0, originY: row - anchorY / cellPx }, geom, vp);
}

/** Zooms by `factor` keeping the grid point under (x, y) (viewport pixels) under it. */
export function zoomAt(view: View, factor: number, x: number, y: number, geom: GridGeometry, vp: Viewport): View {
  const cellPx = clampCellPx(view.cellPx * factor, geom, vp);
  const gx = view.originX + x / view.cellPx;
  const gy = view.originY + y / view.cellPx;
  return clampView({ cellPx, originX: gx - x / cellPx, originY: gy - y / cellPx }, geom, vp);
}

/** Moves the content by (dx, dy) pixels, as a drag does. */
export function panBy(view: View, dx: number, dy: number, geom: GridGeometry, vp: Viewport): View {
  return clampView(
    { cellPx: view.cellPx, originX: view.originX - dx / view.cellPx, originY: view.originY - dy / view.cellPx },
    geom,
    vp,
  );
}

/** Grid coordinate (fractional cells) under a viewport point. */
export function gridPoint(view: View, x: number, y: number): Point {
  return { x: view.originX + x / view.cellPx, y: view.originY + y / view.cellPx };
}

/** The frame under a viewport point, or null off the grid. */
export function gfnAtPoint(view: View, layout: GridLayout, x: number, y: number): number | null {
  const p = gridPoint(view, x, y);
  return layout.gfnAt(Math.floor(p.x), Math.floor(p.y));
}

/** Top-left corner of a frame's cell in viewport pixels. */
export function cellOrigin(view: View, layout: GridLayout, gfn: number): Point {
  const { col, row } = layout.cellOf(gfn);
  return { x: (col - view.originX) * view.cellPx, y: (row - view.originY) * view.cellPx };
}

/** Centre of a frame's cell in viewport pixels. */
export function cellCenter(view: View, layout: GridLayout, gfn: number): Point {
  const o = cellOrigin(view, layout, gfn);
  return { x: o.x + view.cellPx / 2, y: o.y + view.cellPx / 2 };
}

/** Puts a frame's cell at the centre of the viewport. */
export function centerOn(view: View, layout: GridLayout, vp: Viewport, gfn: number): View {
  const { col, row } = layout.cellOf(gfn);
  const half = 0.5;
  return clampView(
    {
      cellPx: view.cellPx,
      originX: col + half - vp.width / 2 / view.cellPx,
      originY: row + half - vp.height / 2 / view.cellPx,
    },
    layout,
    vp,
  );
}

/**
 * The view that shows a frame's cell whole and at least `minCell` pixels wide: unchanged when
 * it already is, else zoomed in as needed and centred on it.
 */
export function revealGfn(view: View, layout: GridLayout, vp: Viewport, gfn: number, minCell = 0): View {
  const zoomed = view.cellPx < minCell ? clampView({ ...view, cellPx: minCell }, layout, vp) : view;
  const o = cellOrigin(zoomed, layout, gfn);
  const inside = o.x >= 0 && o.y >= 0 && o.x + zoomed.cellPx <= vp.width && o.y + zoomed.cellPx <= vp.height;
  if (inside && zoomed === view) return view;
  return centerOn(zoomed, layout, vp, gfn);
}

/**
 * The pyramid level to draw at: level k's blocks are 2^k cells wide, and the smallest k whose
 * blocks are at least a device pixel wide makes every block, and so every status in it, show.
 */
export function aggregationLevel(cellDevicePx: number, maxLevel: number): number {
  if (cellDevicePx >= 1) return 0;
  return Math.min(maxLevel, Math.ceil(Math.log2(1 / cellDevicePx) - 1e-9));
}

/** Rows between two labels: a power of two that keeps labels `minSpacingPx` apart. */
export function labelStep(cellPx: number, minSpacingPx: number): number {
  let step = 1;
  while (step * cellPx < minSpacingPx) step *= 2;
  return step;
}

/**
 * Frames a box selection covers: a scan takes one contiguous range, so the range from the
 * box's first frame to its last, clipped to the domain. With rows, that is reading order from
 * the top-left cell to the bottom-right one; along a Hilbert curve, the smallest and largest
 * index of any cell in the box.
 */
export function boxRange(layout: GridLayout, a: Point, b: Point): GfnRange | null {
  const clampCol = (x: number) => Math.min(layout.cols - 1, Math.max(0, Math.floor(x)));
  const clampRow = (y: number) => Math.min(layout.rows - 1, Math.max(0, Math.floor(y)));
  const c0 = clampCol(Math.min(a.x, b.x));
  const c1 = clampCol(Math.max(a.x, b.x));
  const r0 = clampRow(Math.min(a.y, b.y));
  const r1 = clampRow(Math.max(a.y, b.y));
  if (layout instanceof HilbertLayout) return hilbertBoxRange(layout, c0, r0, c1, r1);
  const first = r0 * layout.cols + c0;
  const last = Math.min(layout.frames - 1, r1 * layout.cols + c1);
  return first <= last ? { first, last } : null;
}

/** Quadrant bits and digit order of the Hilbert state machine (see hilbertIndex). */
const DIGIT_BITS: ReadonlyArray<readonly [number, number]> = [[0, 0], [0, 1], [1, 1], [1, 0]];

/**
 * Smallest (or largest) curve index of a cell inside [x0, x1] x [y0, y1] of one square: walk
 * down the quadrants, at each level taking the first (last) one in curve order that meets the
 * box. Each quadrant that meets it holds a cell of it, so the walk never backtracks.
 */
function hilbertExtreme(order: number, x0: number, y0: number, x1: number, y1: number, largest: boolean): number {
  let d = 0;
  let flip = 0;
  let swap = 0;
  let ox = 0;
  let oy = 0;
  for (let level = order - 1; level >= 0; level--) {
    const half = 2 ** level;
    for (let k = 0; k < 4; k++) {
      const digit = largest ? 3 - k : k;
      let [rx, ry] = DIGIT_BITS[digit];
      const tx = rx;
      const ty = ry;
      if (swap) [rx, ry] = [ry, rx];
      const cx = ox + (rx ^ flip) * half;
      const cy = oy + (ry ^ flip) * half;
      if (cx > x1 || cy > y1 || cx + half - 1 < x0 || cy + half - 1 < y0) continue;
      d = d * 4 + digit;
      if (ty === 0) {
        flip ^= tx;
        swap ^= 1;
      }
      ox = cx;
      oy = cy;
      break;
    }
  }
  return d;
}

function hilbertBoxRange(layout: HilbertLayout, c0: number, r0: number, c1: number, r1: number): GfnRange | null {
  const side = layout.side;
  const squares = Math.ceil(layout.frames / layout.framesPerSquare);
  let first: number | null = null;
  let last: number | null = null;
  for (let q = 0; q < squares; q++) {
    const sx = (q % layout.across) * side;
    const sy = Math.floor(q / layout.across) * side;
    const x0 = Math.max(c0, sx);
    const y0 = Math.max(r0, sy);
    const x1 = Math.min(c1, sx + side - 1);
    const y1 = Math.min(r1, sy + side - 1);
    if (x0 > x1 || y0 > y1) continue;
    const base = q * layout.framesPerSquare;
    first ??= base + hilbertExtreme(layout.order, x0 - sx, y0 - sy, x1 - sx, y1 - sy, false);
    last = base + hilbertExtreme(layout.order, x0 - sx, y0 - sy, x1 - sx, y1 - sy, true);
  }
  if (first === null || last === null || first >= layout.frames) return null;
  return { first, last: Math.min(layout.frames - 1, last) };
}

export { hilbertIndex };
