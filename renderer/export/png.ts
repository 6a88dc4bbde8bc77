/**
 * The grid as a PNG: the current view (cells drawn again on a 2D canvas at one pixel per CSS
 * pixel, with the row labels, the ruler, the search hits and the selection, as on screen), or
 * the whole grid in the layout on show at one pixel per cell (png-layout.ts), both drawn by
 * the 2D renderer, so the files look like the grid.
 */
import { Canvas2dGridRenderer } from '../grid/canvas2d-renderer';
import { FramePyramid } from '../grid/frame-pyramid';
import { drawOverlay, drawRowLabels, drawRuler, visibleGfns } from '../grid/overlay';
import { GRID_COLORS } from '../grid/palette';
import { highlightCodes, layoutOf } from '../store/view-slice';
import type { FramescopeState } from '../store/types';
import { type WholeGridScale, wholeGridScale } from './png-layout';

/** The gutters of the view image, as on screen. */
const LABELS_W = 176;
const RULER_H = 20;

function newCanvas(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

async function pngBytes(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error(`the browser could not encode a ${canvas.width}×${canvas.height} PNG`);
  return new Uint8Array(await blob.arrayBuffer());
}

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas here');
  return ctx;
}

export interface ViewPng {
  bytes: Uint8Array;
  width: number;
  height: number;
}

export async function viewPng(s: FramescopeState): Promise<ViewPng> {
  const buffer = s.frameBuffer();
  const { width, height } = s.viewport;
  if (!buffer || buffer.frames === 0 || width <= 0 || height <= 0) throw new Error('the grid is empty');
  const geom = layoutOf(s);
  const cells = newCanvas(width, height);
  const renderer = Canvas2dGridRenderer.create(cells);
  if (!renderer) throw new Error('no 2D canvas here');
  renderer.draw({ pyramid: pyramidOf(s), view: s.view, dpr: 1, width, height, range: s.boxRange, shading: s.shading });

  const out = newCanvas(LABELS_W + width, RULER_H + height);
  const ctx = context(out);
  ctx.fillStyle = GRID_COLORS.background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(cells, LABELS_W, RULER_H);
  const shownDomain = s.pastView ? s.pastView.record.domain : s.domainId;
  const { first, last } = visibleGfns(s.view, geom, height);
  const hits = s.search && s.search.domain === shownDomain ? s.searchHits().inRange(first, last) : [];
  ctx.save();
  ctx.translate(LABELS_W, RULER_H);
  ctx.beginPath();
  ctx.rect(0, 0, width, height);
  ctx.clip();
  drawOverlay(ctx, s.view, geom, width, height, { selectedGfn: s.selectedGfn, hoverGfn: null, box: null, hits });
  ctx.restore();
  ctx.save();
  ctx.translate(0, RULER_H);
  drawRowLabels(ctx, s.view, geom, LABELS_W, height);
  ctx.restore();
  ctx.save();
  ctx.translate(LABELS_W, 0);
  drawRuler(ctx, s.view, geom, width, RULER_H);
  ctx.restore();
  renderer.dispose();
  return { bytes: await pngBytes(out), width: out.width, height: out.height };
}

/** The aggregated levels of what is on show, with its highlight. */
function pyramidOf(s: FramescopeState): FramePyramid {
  const pyramid = new FramePyramid(s.frameBuffer()!, layoutOf(s));
  pyramid.setHighlight(highlightCodes(s.highlight));
  return pyramid;
}

export interface WholePng {
  bytes: Uint8Array;
  scale: WholeGridScale;
  /** Cells across and down of the layout. */
  cols: number;
  rows: number;
}

export async function wholeGridPng(s: FramescopeState): Promise<WholePng> {
  const buffer = s.frameBuffer();
  if (!buffer || buffer.frames === 0) throw new Error('the grid is empty');
  const layout = layoutOf(s);
  const scale = wholeGridScale(layout.cols, layout.rows);
  const canvas = newCanvas(scale.width, scale.height);
  const renderer = Canvas2dGridRenderer.create(canvas);
  if (!renderer) throw new Error('no 2D canvas here');
  renderer.draw({ pyramid: pyramidOf(s), view: { cellPx: 2 ** -scale.level, originX: 0, originY: 0 }, dpr: 1,
    width: scale.width, height: scale.height, range: null, shading: s.shading });
  renderer.dispose();
  return { bytes: await pngBytes(canvas), scale, cols: layout.cols, rows: layout.rows };
}
