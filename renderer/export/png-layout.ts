/**
 * The whole grid as one image, pure so that node tests check it: every frame one pixel, rows
 * a power of two frames wide, chosen so that neither side passes MAX_PNG_SIDE (what canvases
 * and image viewers handle). The grid's own frames per row is kept when it fits, so the image
 * looks like the grid; past 2^28 frames pixels cover 2^k frames each (the most notable status
 * wins, as when the grid is zoomed out).
 */
import { CODE_PRIORITY } from '../frame-codes';
import { NO_MARK } from '../store/change-marks';
import { MARK_STYLE, paletteRgba, parseHex } from '../grid/palette';

export const MAX_PNG_SIDE = 16384;

export interface WholeGridLayout {
  /** Pixels per row (a power of two): the frames per row when framesPerPixel is 1. */
  cols: number;
  rows: number;
  framesPerPixel: number;
}

function ceilPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function wholeGridLayout(frames: number, preferredCols = 512): WholeGridLayout {
  for (let framesPerPixel = 1; ; framesPerPixel *= 2) {
    const pixels = Math.max(1, Math.ceil(frames / framesPerPixel));
    let cols = Math.min(MAX_PNG_SIDE, ceilPow2(Math.max(1, preferredCols)), ceilPow2(pixels));
    while (Math.ceil(pixels / cols) > MAX_PNG_SIDE && cols < MAX_PNG_SIDE) cols *= 2;
    const rows = Math.ceil(pixels / cols);
    if (rows <= MAX_PNG_SIDE) return { cols, rows, framesPerPixel };
  }
}

/**
 * RGBA pixels of the whole grid: the status colour of each frame (or block of frames), white
 * where a frame is marked as changed; past the last frame, transparent.
 */
export function wholeGridPixels(codes: Uint8Array, marks: Uint8Array | null, layout: WholeGridLayout): Uint8ClampedArray {
  const { cols, rows, framesPerPixel: n } = layout;
  const out = new Uint8ClampedArray(cols * rows * 4);
  const palette = paletteRgba();
  const mark = parseHex(MARK_STYLE.color);
  const pixels = Math.ceil(codes.length / n);
  for (let p = 0; p < pixels; p++) {
    const start = p * n;
    const end = Math.min(codes.length, start + n);
    let code = codes[start];
    let marked = marks !== null && marks[start] !== NO_MARK;
    for (let i = start + 1; i < end; i++) {
      if (CODE_PRIORITY[codes[i]] > CODE_PRIORITY[code]) code = codes[i];
      if (marks !== null && marks[i] !== NO_MARK) marked = true;
    }
    const o = p * 4;
    if (marked) {
      out[o] = mark[0];
      out[o + 1] = mark[1];
      out[o + 2] = mark[2];
    } else {
      out[o] = palette[code * 4];
      out[o + 1] = palette[code * 4 + 1];
      out[o + 2] = palette[code * 4 + 2];
    }
    out[o + 3] = 255;
  }
  return out;
}
