/**
 * The size of the whole grid as one image, pure so that node tests check it: the layout on
 * show at one pixel per cell, or, where a side would pass MAX_PNG_SIDE (what canvases and
 * image viewers handle) or the image MAX_PNG_PIXELS, one pixel per block of 2^k x 2^k cells,
 * shaded as the grid shades a zoomed-out pixel.
 */
export const MAX_PNG_SIDE = 16384;
/** 256 MB of RGBA while the image is made: more is not worth a tab's memory. */
export const MAX_PNG_PIXELS = 2 ** 26;

export interface WholeGridScale {
  /** Pixels cover blocks of 2^level x 2^level cells. */
  level: number;
  width: number;
  height: number;
}

export function wholeGridScale(cols: number, rows: number): WholeGridScale {
  for (let level = 0; ; level++) {
    const width = Math.max(1, Math.ceil(cols / 2 ** level));
    const height = Math.max(1, Math.ceil(rows / 2 ** level));
    if (width <= MAX_PNG_SIDE && height <= MAX_PNG_SIDE && width * height <= MAX_PNG_PIXELS) return { level, width, height };
  }
}
