/**
 * The frame grid without WebGL2 (or with ?renderer=2d): each draw fills an ImageData the size
 * of the canvas, one lookup per device pixel (not per frame) from the same aggregated pyramid
 * the GPU path uses, and puts it on the canvas. Costs grow with the window, not the guest.
 */
import { GRID_COLORS, MARK_STYLE, RANGE_TINT, paletteWords, parseHex, rgbWord, mix } from './palette';
import type { DrawInput, GridRenderer } from './renderer';
import { GRID_LINE_MIN_CELL_PX, aggregationLevel } from './view-math';

export class Canvas2dGridRenderer implements GridRenderer {
  readonly kind = '2d';
  lastLevel = 0;
  private image: ImageData | null = null;
  private pixels: Uint32Array = new Uint32Array(0);
  private colCell = new Int32Array(0);
  private colGap = new Uint8Array(0);
  /** Where in its cell each pixel column is, device pixels: for the change marks' ring and dot. */
  private colFrac = new Float32Array(0);
  private readonly markWord = rgbWord(parseHex(MARK_STYLE.color));
  private readonly palette = paletteWords();
  private readonly tinted = paletteWords(parseHex(GRID_COLORS.highlight), RANGE_TINT);
  private readonly background = rgbWord(parseHex(GRID_COLORS.background));
  private readonly gapPalette: Uint32Array;

  constructor(private readonly ctx: CanvasRenderingContext2D) {
    const bg = parseHex(GRID_COLORS.background);
    this.gapPalette = new Uint32Array(256);
    for (let code = 0; code < 256; code++) {
      const w = this.palette[code];
      this.gapPalette[code] = rgbWord(mix([w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff], bg, 0.8));
    }
  }

  static create(canvas: HTMLCanvasElement): Canvas2dGridRenderer | null {
    const ctx = canvas.getContext('2d', { alpha: false });
    return ctx ? new Canvas2dGridRenderer(ctx) : null;
  }

  draw({ pyramid, view, dpr, width, height, range, aggregation }: DrawInput): void {
    if (width <= 0 || height <= 0) return;
    if (!this.image || this.image.width !== width || this.image.height !== height) {
      this.image = this.ctx.createImageData(width, height);
      this.pixels = new Uint32Array(this.image.data.buffer);
      this.colCell = new Int32Array(width);
      this.colGap = new Uint8Array(width);
      this.colFrac = new Float32Array(width);
    }
    const { cols, rows } = pyramid.geom;
    const frames = pyramid.buffer.frames;
    const cellPx = view.cellPx * dpr;
    const level = aggregationLevel(cellPx, pyramid.maxLevel);
    this.lastLevel = level;
    const lvl = pyramid.levels[level];
    const data = lvl.data[aggregation];
    const marks = lvl.marks;
    const gaps = cellPx >= GRID_LINE_MIN_CELL_PX;
    const gapPx = Math.max(1, Math.round(dpr));
    const gap = gaps ? gapPx : 0;
    const side = cellPx - gap;
    const fillMarks = cellPx < MARK_STYLE.fillBelowPx * dpr;
    const ring = cellPx >= MARK_STYLE.ringFromPx * dpr;
    const ringW = Math.max(1, Math.floor(side / 5));
    const dotInset = Math.floor(side / 4);
    const markWord = this.markWord;

    // Which column each pixel column shows, once per draw rather than once per pixel.
    for (let x = 0; x < width; x++) {
      const g = view.originX + (x + 0.5) / cellPx;
      const col = Math.floor(g);
      this.colCell[x] = col >= 0 && col < cols ? col : -1;
      this.colGap[x] = gaps && (g - col) * cellPx < gapPx ? 1 : 0;
      this.colFrac[x] = (g - col) * cellPx;
    }
    const px = this.pixels;
    const bg = this.background;
    const rFirst = range ? range.first : 1;
    const rLast = range ? range.last : 0;
    for (let y = 0; y < height; y++) {
      const out = y * width;
      const g = view.originY + (y + 0.5) / cellPx;
      const row = Math.floor(g);
      if (row < 0 || row >= rows) {
        px.fill(bg, out, out + width);
        continue;
      }
      const rowGap = gaps && (g - row) * cellPx < gapPx;
      const fy = (g - row) * cellPx;
      const rowFirst = row * cols;
      const validCols = frames - rowFirst; // the last row may be partial
      const base = (row >> level) * lvl.cols;
      for (let x = 0; x < width; x++) {
        const col = this.colCell[x];
        if (col < 0 || col >= validCols) {
          px[out + x] = bg;
          continue;
        }
        const index = base + (col >> level);
        const code = data[index];
        const gfn = rowFirst + col;
        if (rowGap || this.colGap[x]) {
          px[out + x] = this.gapPalette[code];
          continue;
        }
        let word = gfn >= rFirst && gfn <= rLast ? this.tinted[code] : this.palette[code];
        if (marks[index] !== 255) {
          // As the WebGL shader does: fill, dot or ring (distance from the visible square's edge).
          const fx = this.colFrac[x];
          const d = Math.min(fx - gap, fy - gap, cellPx - fx, cellPx - fy);
          if (fillMarks || (ring ? d >= 0 && d < ringW : d >= dotInset)) word = markWord;
        }
        px[out + x] = word;
      }
    }
    this.ctx.putImageData(this.image, 0, 0);
  }

  clear(width: number, height: number): void {
    this.ctx.fillStyle = GRID_COLORS.background;
    this.ctx.fillRect(0, 0, width, height);
  }

  dispose(): void {
    this.image = null;
  }
}
