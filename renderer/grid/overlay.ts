/**
 * What is drawn around and over the cells with a 2D canvas: row labels (gfn and guest-physical
 * address) in the left gutter, column offsets in the ruler, and the selection ring, hover
 * outline and box being dragged over the grid. A few dozen primitives per frame, whatever
 * the zoom.
 */
import { formatAddress, formatGfn, hex } from '../format';
import { type GridLayout, HilbertLayout } from './layout';
import { GRID_COLORS, HIT_STYLE } from './palette';
import { type Point, type View, cellOrigin, labelStep } from './view-math';

export const LABEL_FONT = '11px ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, monospace';
const LABEL_SPACING_PX = 16;
const RULER_SPACING_PX = 72;
const TEXT = '#9aa5b8';
const TEXT_DIM = '#5d6778';
const TICK = '#2a3242';

/** Sizes a canvas's backing store to its CSS size; returns the 2D context, scaled to CSS pixels. */
export function prepare(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number, dpr: number): CanvasRenderingContext2D | null {
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  return ctx;
}

/**
 * Row labels: the first gfn of the row and its address, at rows a power of two apart. Along a
 * Hilbert curve rows mean nothing: each row of squares is labelled with its first frame.
 */
export function drawRowLabels(ctx: CanvasRenderingContext2D, view: View, geom: GridLayout, width: number, height: number): void {
  if (geom instanceof HilbertLayout) return drawSquareLabels(ctx, view, geom, width, height);
  const step = labelStep(view.cellPx, LABEL_SPACING_PX);
  const firstRow = Math.max(0, Math.floor(view.originY / step) * step);
  const lastRow = Math.min(geom.rows - 1, Math.ceil(view.originY + height / view.cellPx));
  ctx.font = LABEL_FONT;
  ctx.textAlign = 'right';
  const addrX = width - 8;
  const gfnX = addrX - 92;
  // A label sits at the middle of its row when rows are tall enough to hold it, else just
  // below the tick that marks the row's top edge.
  const centred = view.cellPx >= LABEL_SPACING_PX;
  ctx.textBaseline = centred ? 'middle' : 'top';
  for (let row = firstRow; row <= lastRow; row += step) {
    const top = (row - view.originY) * view.cellPx;
    const y = centred ? top + view.cellPx / 2 : top + 2;
    if (y < -14 || y > height + 2) continue;
    const gfn = row * geom.cols;
    ctx.fillStyle = TICK;
    ctx.fillRect(width - 4, Math.round(top), 4, 1);
    ctx.fillStyle = TEXT;
    ctx.fillText(formatGfn(gfn, geom.frames), gfnX, y);
    ctx.fillStyle = TEXT_DIM;
    ctx.fillText(formatAddress(gfn, geom.frames), addrX, y);
  }
}

function drawSquareLabels(ctx: CanvasRenderingContext2D, view: View, layout: HilbertLayout, width: number, height: number): void {
  ctx.font = LABEL_FONT;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  const addrX = width - 8;
  const gfnX = addrX - 92;
  for (let sq = 0; sq < layout.squareRows; sq++) {
    const top = (sq * layout.side - view.originY) * view.cellPx;
    if (top > height || top + layout.side * view.cellPx < 0) continue;
    const gfn = sq * layout.across * layout.framesPerSquare;
    if (gfn >= layout.frames) break;
    const y = Math.max(2, top + 2);
    ctx.fillStyle = TICK;
    ctx.fillRect(width - 4, Math.round(top), 4, 1);
    ctx.fillStyle = TEXT;
    ctx.fillText(formatGfn(gfn, layout.frames), gfnX, y);
    ctx.fillStyle = TEXT_DIM;
    ctx.fillText(formatAddress(gfn, layout.frames), addrX, y);
    ctx.fillText('hilbert', gfnX, y + 14);
  }
}

/** Column offsets within a row: "+0x100" every few cells, with ticks (Hilbert: each square's first frame). */
export function drawRuler(ctx: CanvasRenderingContext2D, view: View, geom: GridLayout, width: number, height: number): void {
  if (geom instanceof HilbertLayout) return drawSquareRuler(ctx, view, geom, width, height);
  const step = labelStep(view.cellPx, RULER_SPACING_PX);
  const firstCol = Math.max(0, Math.floor(view.originX / step) * step);
  const lastCol = Math.min(geom.cols, Math.ceil(view.originX + width / view.cellPx));
  ctx.font = LABEL_FONT;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  for (let col = firstCol; col <= lastCol; col += step) {
    const x = Math.round((col - view.originX) * view.cellPx);
    if (x < -60 || x > width) continue;
    ctx.fillStyle = TICK;
    ctx.fillRect(x, height - 6, 1, 6);
    ctx.fillStyle = col === geom.cols ? TEXT_DIM : TEXT;
    ctx.fillText(`+${hex(col)}`, x + 3, height / 2 - 1);
  }
}

function drawSquareRuler(ctx: CanvasRenderingContext2D, view: View, layout: HilbertLayout, width: number, height: number): void {
  ctx.font = LABEL_FONT;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  for (let q = 0; q < layout.across; q++) {
    const x = Math.round((q * layout.side - view.originX) * view.cellPx);
    if (x > width || x + layout.side * view.cellPx < 0) continue;
    ctx.fillStyle = TICK;
    ctx.fillRect(x, height - 6, 1, 6);
    ctx.fillStyle = TEXT;
    ctx.fillText(`+${hex(q * layout.framesPerSquare)}`, Math.max(x, 0) + 3, height / 2 - 1);
  }
}

export interface OverlayState {
  selectedGfn: number | null;
  hoverGfn: number | null;
  /** Frames with search hits in view. */
  hits: readonly number[];
  /** A box being dragged, in viewport pixels. */
  box: { from: Point; to: Point } | null;
}

/**
 * The frames that may be in view, as a gfn range: whole rows, or along a Hilbert curve the
 * squares of the rows in view (callers still check where each frame lands).
 */
export function visibleGfns(view: View, geom: GridLayout, height: number): { first: number; last: number } {
  const row0 = Math.max(0, Math.floor(view.originY));
  const row1 = Math.min(geom.rows - 1, Math.ceil(view.originY + height / view.cellPx));
  if (geom instanceof HilbertLayout) {
    const perRow = geom.across * geom.framesPerSquare;
    return { first: Math.floor(row0 / geom.side) * perRow, last: Math.min(geom.frames - 1, (Math.floor(row1 / geom.side) + 1) * perRow - 1) };
  }
  return { first: row0 * geom.cols, last: Math.min(geom.frames - 1, (row1 + 1) * geom.cols - 1) };
}

/** A diamond around each frame with a search hit, wide enough to see at any zoom. */
export function drawHits(ctx: CanvasRenderingContext2D, view: View, geom: GridLayout, width: number, height: number,
  hits: readonly number[]): void {
  if (hits.length === 0) return;
  const size = view.cellPx;
  const half = Math.max(HIT_STYLE.minPx, size + 4) / 2;
  ctx.beginPath();
  for (const gfn of hits) {
    const o = cellOrigin(view, geom, gfn);
    const cx = o.x + size / 2;
    const cy = o.y + size / 2;
    if (cx < -half || cy < -half || cx > width + half || cy > height + half) continue;
    ctx.moveTo(cx, cy - half);
    ctx.lineTo(cx + half, cy);
    ctx.lineTo(cx, cy + half);
    ctx.lineTo(cx - half, cy);
    ctx.closePath();
  }
  ctx.lineWidth = 3.5;
  ctx.strokeStyle = HIT_STYLE.rim;
  ctx.stroke();
  ctx.lineWidth = 1.75;
  ctx.strokeStyle = HIT_STYLE.color;
  ctx.stroke();
}

/** Search hits, selection ring, hover outline and the box being dragged. */
export function drawOverlay(ctx: CanvasRenderingContext2D, view: View, geom: GridLayout, width: number, height: number,
  state: OverlayState): void {
  const size = view.cellPx;
  if (geom instanceof HilbertLayout) drawSquareEdges(ctx, view, geom, width, height);
  drawHits(ctx, view, geom, width, height, state.hits);
  if (state.hoverGfn !== null && size >= 4) {
    const o = cellOrigin(view, geom, state.hoverGfn);
    ctx.strokeStyle = 'rgba(255,255,255,0.75)';
    ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(o.x) + 0.5, Math.round(o.y) + 0.5, Math.max(1, Math.round(size) - 1), Math.max(1, Math.round(size) - 1));
  }
  if (state.selectedGfn !== null && state.selectedGfn < geom.frames) {
    const o = cellOrigin(view, geom, state.selectedGfn);
    const cx = o.x + size / 2;
    const cy = o.y + size / 2;
    if (cx > -40 && cy > -40 && cx < width + 40 && cy < height + 40) {
      // At least 12 px across, so that a selected frame stays findable when cells are sub-pixel.
      const half = Math.max(6, size / 2 + 2);
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(0,0,0,0.85)';
      ctx.strokeRect(cx - half, cy - half, 2 * half, 2 * half);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = GRID_COLORS.highlight;
      ctx.strokeRect(cx - half, cy - half, 2 * half, 2 * half);
      if (size < 4) {
        // Ticks pointing at a cell too small to see.
        ctx.beginPath();
        for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
          ctx.moveTo(cx + dx * (half + 2), cy + dy * (half + 2));
          ctx.lineTo(cx + dx * (half + 8), cy + dy * (half + 8));
        }
        ctx.stroke();
      }
    }
  }
  if (state.box) {
    const x = Math.min(state.box.from.x, state.box.to.x);
    const y = Math.min(state.box.from.y, state.box.to.y);
    const w = Math.abs(state.box.to.x - state.box.from.x);
    const h = Math.abs(state.box.to.y - state.box.from.y);
    ctx.fillStyle = 'rgba(240,228,66,0.12)';
    ctx.fillRect(x, y, w, h);
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1;
    ctx.strokeStyle = GRID_COLORS.highlight;
    ctx.strokeRect(x + 0.5, y + 0.5, w, h);
    ctx.setLineDash([]);
  }
}

/** Faint lines between the Hilbert squares: where the curve jumps from one row of squares to the next. */
function drawSquareEdges(ctx: CanvasRenderingContext2D, view: View, layout: HilbertLayout, width: number, height: number): void {
  if (layout.across === 1 && layout.squareRows === 1) return;
  ctx.strokeStyle = 'rgba(255,255,255,0.18)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let q = 1; q < layout.across; q++) {
    const x = Math.round((q * layout.side - view.originX) * view.cellPx) + 0.5;
    if (x >= 0 && x <= width) {
      ctx.moveTo(x, 0);
      ctx.lineTo(x, height);
    }
  }
  for (let r = 1; r < layout.squareRows; r++) {
    const y = Math.round((r * layout.side - view.originY) * view.cellPx) + 0.5;
    if (y >= 0 && y <= height) {
      ctx.moveTo(0, y);
      ctx.lineTo(width, y);
    }
  }
  ctx.stroke();
}
