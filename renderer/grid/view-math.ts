/**
 * Geometry of the frame grid, pure so that node tests check it: frames laid out row after
 * row, `cols` frames per row, drawn as square cells of `cellPx` CSS pixels. A View says which
 * grid coordinate (in cells, fractional) sits at the viewport's top-left corner; pan and zoom
 * change only the View, never the frames.
 */

/** Closest zoom: a cell this many CSS pixels wide. */
export const MAX_CELL_PX = 40;
/** Farthest zoom when the domain does not need farther to fit: 16 frames per pixel across. */
export const FAR_CELL_PX = 1 / 16;
/** Cells at least this many device pixels wide get a gap so that single frames stand out. */
export const GRID_LINE_MIN_CELL_PX = 6;
export const FRAMES_PER_ROW_CHOICES = [256, 512, 1024, 2048, 4096] as const;
/** 512 frames of 4 KiB: one row is 2 MiB, a superpage. */
export const DEFAULT_FRAMES_PER_ROW = 512;
/** The smallest viewport (device pixels) the farthest zoom must still fit a domain into. */
const MIN_FIT_PX = 64;
/** Zoom levels the aggregated pyramid always has: enough for FAR_CELL_PX. */
const MIN_PYRAMID_LEVELS = 4;

export interface GridGeometry {
  frames: number;
  /** Frames per row. */
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

export function gridGeometry(frames: number, cols: number): GridGeometry {
  return { frames, cols, rows: Math.max(1, Math.ceil(frames / cols)) };
}

/** Levels of the aggregated pyramid: level k holds blocks of 2^k x 2^k cells. */
export function pyramidLevels(geom: GridGeometry): number {
  const extent = Math.max(geom.rows, geom.cols);
  return Math.max(MIN_PYRAMID_LEVELS, Math.ceil(Math.log2(Math.max(1, extent / MIN_FIT_PX))));
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
export function gfnAtPoint(view: View, geom: GridGeometry, x: number, y: number): number | null {
  const p = gridPoint(view, x, y);
  const col = Math.floor(p.x);
  const row = Math.floor(p.y);
  if (col < 0 || row < 0 || col >= geom.cols || row >= geom.rows) return null;
  const gfn = row * geom.cols + col;
  return gfn < geom.frames ? gfn : null;
}

export function cellOf(geom: GridGeometry, gfn: number): { col: number; row: number } {
  return { col: gfn % geom.cols, row: Math.floor(gfn / geom.cols) };
}

/** Top-left corner of a frame's cell in viewport pixels. */
export function cellOrigin(view: View, geom: GridGeometry, gfn: number): Point {
  const { col, row } = cellOf(geom, gfn);
  return { x: (col - view.originX) * view.cellPx, y: (row - view.originY) * view.cellPx };
}

/** Centre of a frame's cell in viewport pixels. */
export function cellCenter(view: View, geom: GridGeometry, gfn: number): Point {
  const o = cellOrigin(view, geom, gfn);
  return { x: o.x + view.cellPx / 2, y: o.y + view.cellPx / 2 };
}

/** Puts a frame's cell at the centre of the viewport. */
export function centerOn(view: View, geom: GridGeometry, vp: Viewport, gfn: number): View {
  const { col, row } = cellOf(geom, gfn);
  const half = 0.5;
  return clampView(
    {
      cellPx: view.cellPx,
      originX: col + half - vp.width / 2 / view.cellPx,
      originY: row + half - vp.height / 2 / view.cellPx,
    },
    geom,
    vp,
  );
}

/**
 * The view that shows a frame's cell whole and at least `minCell` pixels wide: unchanged when
 * it already is, else zoomed in as needed and centred on it.
 */
export function revealGfn(view: View, geom: GridGeometry, vp: Viewport, gfn: number, minCell = 0): View {
  const zoomed = view.cellPx < minCell ? clampView({ ...view, cellPx: minCell }, geom, vp) : view;
  const o = cellOrigin(zoomed, geom, gfn);
  const inside = o.x >= 0 && o.y >= 0 && o.x + zoomed.cellPx <= vp.width && o.y + zoomed.cellPx <= vp.height;
  if (inside && zoomed === view) return view;
  return centerOn(zoomed, geom, vp, gfn);
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
 * Frames a box selection covers, in reading order: from the box's top-left cell to its
 * bottom-right cell (a scan takes one contiguous range), clipped to the domain.
 */
export function boxRange(geom: GridGeometry, a: Point, b: Point): GfnRange | null {
  const clampCol = (x: number) => Math.min(geom.cols - 1, Math.max(0, Math.floor(x)));
  const clampRow = (y: number) => Math.min(geom.rows - 1, Math.max(0, Math.floor(y)));
  const c0 = clampCol(Math.min(a.x, b.x));
  const c1 = clampCol(Math.max(a.x, b.x));
  const r0 = clampRow(Math.min(a.y, b.y));
  const r1 = clampRow(Math.max(a.y, b.y));
  const first = r0 * geom.cols + c0;
  const last = Math.min(geom.frames - 1, r1 * geom.cols + c1);
  return first <= last ? { first, last } : null;
}
