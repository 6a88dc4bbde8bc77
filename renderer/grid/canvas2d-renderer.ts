/**
 * The frame grid without WebGL2 (or with ?renderer=2d): each draw fills an ImageData the size
 * of the canvas, one lookup per device pixel (not per frame) into the codes or the pyramid,
 * and puts it on the canvas. Costs grow with the window, not the guest.
 *
 * What a pixel shows, by the level the zoom needs (aggregationLevel):
 *  - level 0 (a cell at least a device pixel wide): the code of the cell's frame;
 *  - level 1: its block of 4 frames, read from the codes and mixed here;
 *  - level 2 and up: the pyramid's entry for its block.
 * With proportional shading a block is the mix of its frames' colours, with "most notable" the
 * colour of its most notable code. A highlight keeps its codes in colour and dims the rest; a
 * block with any highlighted frame shows the colour of its most notable highlighted code, so
 * that a single one stays visible.
 */
import { CODE_RANK } from '../frame-codes';
import { NO_MARK } from '../store/change-marks';
import { FIRST_STORED_LEVEL } from './frame-pyramid';
import { HilbertLayout, hilbertIndex } from './layout';
import { DIM_AMOUNT, GRID_COLORS, HIGHLIGHT_FLOOR, MARK_STYLE, RANGE_TINT, paletteWords, parseHex, rgbWord } from './palette';
import type { DrawInput, GridRenderer } from './renderer';
import { GRID_LINE_MIN_CELL_PX, aggregationLevel } from './view-math';

const BACKGROUND = parseHex(GRID_COLORS.background);
const HIGHLIGHT = parseHex(GRID_COLORS.highlight);
/** Fixed-point weights (of 256) of the dimming and tinting mixes. */
const DIM_KEEP = Math.round(256 * (1 - DIM_AMOUNT));
const TINT_KEEP = Math.round(256 * (1 - RANGE_TINT));

/** Word `a` mixed toward word `b` by t (0..1). */
function mixWords(a: number, b: number, t: number): number {
  const keep = 1 - t;
  const r = Math.round((a & 0xff) * keep + (b & 0xff) * t);
  const g = Math.round(((a >>> 8) & 0xff) * keep + ((b >>> 8) & 0xff) * t);
  const bl = Math.round(((a >>> 16) & 0xff) * keep + ((b >>> 16) & 0xff) * t);
  return ((255 << 24) | (bl << 16) | (g << 8) | r) >>> 0;
}

function blendWord(word: number, toward: readonly number[], keep: number): number {
  const away = 256 - keep;
  const r = ((word & 0xff) * keep + toward[0] * away) >> 8;
  const g = (((word >>> 8) & 0xff) * keep + toward[1] * away) >> 8;
  const b = (((word >>> 16) & 0xff) * keep + toward[2] * away) >> 8;
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export class Canvas2dGridRenderer implements GridRenderer {
  readonly kind = '2d';
  lastLevel = 0;
  private image: ImageData | null = null;
  private pixels: Uint32Array = new Uint32Array(0);
  private colCell = new Float64Array(0);
  private colFrac = new Float32Array(0);
  private readonly markWord = rgbWord(parseHex(MARK_STYLE.color));
  private readonly palette = paletteWords();
  private readonly dimmed = paletteWords(BACKGROUND, DIM_AMOUNT);
  private readonly red = new Uint16Array(256);
  private readonly green = new Uint16Array(256);
  private readonly blue = new Uint16Array(256);
  private readonly background = rgbWord(BACKGROUND);
  private readonly gapPalette: Uint32Array;

  constructor(private readonly ctx: CanvasRenderingContext2D) {
    this.gapPalette = paletteWords(BACKGROUND, 0.8);
    for (let code = 0; code < 256; code++) {
      const w = this.palette[code];
      this.red[code] = w & 0xff;
      this.green[code] = (w >>> 8) & 0xff;
      this.blue[code] = (w >>> 16) & 0xff;
    }
  }

  static create(canvas: HTMLCanvasElement): Canvas2dGridRenderer | null {
    const ctx = canvas.getContext('2d', { alpha: false });
    return ctx ? new Canvas2dGridRenderer(ctx) : null;
  }

  draw(input: DrawInput): void {
    const { pyramid, view, dpr, width, height } = input;
    if (width <= 0 || height <= 0) return;
    if (!this.image || this.image.width !== width || this.image.height !== height) {
      this.image = this.ctx.createImageData(width, height);
      this.pixels = new Uint32Array(this.image.data.buffer);
      this.colCell = new Float64Array(width);
      this.colFrac = new Float32Array(width);
    }
    const cellPx = view.cellPx * dpr;
    const level = aggregationLevel(cellPx, pyramid.maxLevel);
    this.lastLevel = level;
    const { cols } = pyramid.layout;
    for (let x = 0; x < width; x++) {
      const g = view.originX + (x + 0.5) / cellPx;
      const col = Math.floor(g);
      this.colCell[x] = col >= 0 && col < cols ? col : -1;
      this.colFrac[x] = (g - col) * cellPx;
    }
    if (level === 0) this.drawCells(input, cellPx);
    else this.drawBlocks(input, cellPx, level);
    this.ctx.putImageData(this.image, 0, 0);
  }

  clear(width: number, height: number): void {
    this.ctx.fillStyle = GRID_COLORS.background;
    this.ctx.fillRect(0, 0, width, height);
  }

  dispose(): void {
    this.image = null;
  }

  /** Level 0: one frame a cell, with gaps, change marks as fill, dot or ring, and the box tint. */
  private drawCells({ pyramid, view, dpr, width, height, range }: DrawInput, cellPx: number): void {
    const layout = pyramid.layout;
    const { cols, rows, frames } = layout;
    const codes = pyramid.codes;
    const marks = pyramid.buffer.marks;
    const anyMarks = marks.count > 0;
    const hl = pyramid.highlight;
    const hilbert = layout instanceof HilbertLayout ? layout : null;
    const gapPx = Math.max(1, Math.round(dpr));
    const gap = cellPx >= GRID_LINE_MIN_CELL_PX ? gapPx : 0;
    const side = cellPx - gap;
    const fillMarks = cellPx < MARK_STYLE.fillBelowPx * dpr;
    const ring = cellPx >= MARK_STYLE.ringFromPx * dpr;
    const ringW = Math.max(1, Math.floor(side / 5));
    const dotInset = Math.floor(side / 4);
    const px = this.pixels;
    const bg = this.background;
    const rFirst = range ? range.first : 1;
    const rLast = range ? range.last : 0;
    for (let y = 0; y < height; y++) {
      const out = y * width;
      const gy = view.originY + (y + 0.5) / cellPx;
      const row = Math.floor(gy);
      if (row < 0 || row >= rows) {
        px.fill(bg, out, out + width);
        continue;
      }
      const fy = (gy - row) * cellPx;
      const rowGap = gap > 0 && fy < gapPx;
      const rowBase = row * cols;
      let lastCol = -2;
      let gfn = -1;
      for (let x = 0; x < width; x++) {
        const col = this.colCell[x];
        if (col !== lastCol) {
          lastCol = col;
          if (col < 0) gfn = -1;
          else if (hilbert) gfn = hilbert.gfnAt(col, row) ?? -1;
          else gfn = rowBase + col < frames ? rowBase + col : -1;
        }
        if (gfn < 0) {
          px[out + x] = bg;
          continue;
        }
        const code = codes[gfn];
        if (rowGap || (gap > 0 && this.colFrac[x] < gapPx)) {
          px[out + x] = this.gapPalette[code];
          continue;
        }
        let word = hl === null || hl[code] ? this.palette[code] : this.dimmed[code];
        if (gfn >= rFirst && gfn <= rLast) word = blendWord(word, HIGHLIGHT, TINT_KEEP);
        if (anyMarks && marks.at(gfn) !== NO_MARK) {
          // As the WebGL shader does: fill, dot or ring (distance from the visible square's edge).
          const fx = this.colFrac[x];
          const d = Math.min(fx - gap, fy - gap, cellPx - fx, cellPx - fy);
          if (fillMarks || (ring ? d >= 0 && d < ringW : d >= dotInset)) word = this.markWord;
        }
        px[out + x] = word;
      }
    }
  }

  /** Levels 1 and up: one block of 4^level frames under each pixel (or a little more). */
  private drawBlocks({ pyramid, view, width, height, range, shading }: DrawInput, cellPx: number, level: number): void {
    const layout = pyramid.layout;
    const { cols, rows, frames } = layout;
    const codes = pyramid.codes;
    const marks = pyramid.buffer.marks;
    const anyMarks = marks.count > 0;
    const hl = pyramid.highlight;
    const hilbert = layout instanceof HilbertLayout ? layout : null;
    const stored = level >= FIRST_STORED_LEVEL ? pyramid.levels[level]! : null;
    const proportional = shading === 'proportional';
    const { red, green, blue, palette } = this;
    const px = this.pixels;
    const bg = this.background;
    const markWord = this.markWord;
    const rFirst = range ? range.first : 1;
    const rLast = range ? range.last : 0;
    const size = 2 ** level;
    const blockFrames = size * size;
    const lastRowFrames = frames - (rows - 1) * cols;
    // Hilbert: blocks of a square are curve indices of a square of 2^(order - level) blocks.
    const subOrder = hilbert ? hilbert.order - level : 0;
    const blocksPerSquare = 4 ** subOrder;

    /** The block's colour from up to four frames (level 1; -1 where a frame is missing). */
    const quad = new Float64Array(4);
    const mixFrames = (g0: number, g1: number, g2: number, g3: number): number => {
      let n = 0;
      let r = 0;
      let g = 0;
      let b = 0;
      let best = -1;
      let bestHl = -1;
      let hits = 0;
      let marked = false;
      quad[0] = g0;
      quad[1] = g1;
      quad[2] = g2;
      quad[3] = g3;
      for (let k = 0; k < 4; k++) {
        const gfn = quad[k];
        if (gfn < 0) continue;
        const code = codes[gfn];
        n++;
        r += red[code];
        g += green[code];
        b += blue[code];
        if (best < 0 || CODE_RANK[code] > CODE_RANK[best]) best = code;
        if (hl !== null && hl[code]) {
          hits++;
          if (bestHl < 0 || CODE_RANK[code] > CODE_RANK[bestHl]) bestHl = code;
        }
        if (anyMarks && marks.at(gfn) !== NO_MARK) marked = true;
      }
      if (n === 0) return bg;
      if (marked) return markWord;
      const word = proportional
        ? ((255 << 24) | (Math.round(b / n) << 16) | (Math.round(g / n) << 8) | Math.round(r / n)) >>> 0
        : palette[best];
      return highlighted(word, bestHl, hits / n);
    };

    /** A block's colour under a highlight: its highlighted code shows, the rest dims. */
    const highlighted = (word: number, code: number, share: number): number => {
      if (hl === null) return word;
      if (code < 0 || code === NO_MARK) return blendWord(word, BACKGROUND, DIM_KEEP);
      if (!proportional) return palette[code];
      return mixWords(blendWord(word, BACKGROUND, DIM_KEEP), palette[code], HIGHLIGHT_FLOOR + (1 - HIGHLIGHT_FLOOR) * share);
    };

    /** The block's colour from the pyramid (level >= 2). */
    const storedWord = (i: number): number => {
      if (stored!.marks[i] !== NO_MARK) return markWord;
      const word = proportional ? stored!.mix[i] : palette[stored!.notable[i]];
      const h = stored!.highlight;
      return h === null ? highlighted(word, -1, 0) : highlighted(word, h[2 * i], h[2 * i + 1] / 255);
    };

    for (let y = 0; y < height; y++) {
      const out = y * width;
      const row = Math.floor(view.originY + (y + 0.5) / cellPx);
      if (row < 0 || row >= rows) {
        px.fill(bg, out, out + width);
        continue;
      }
      const by = Math.floor(row / size);
      const rowBase = row * cols;
      const rowFrames = row === rows - 1 ? lastRowFrames : cols;
      let lastKey = -2;
      let word = bg;
      let first = -1;
      for (let x = 0; x < width; x++) {
        const col = this.colCell[x];
        if (col < 0 || (!hilbert && col >= rowFrames)) {
          px[out + x] = bg;
          lastKey = -2;
          continue;
        }
        const bx = Math.floor(col / size);
        if (bx !== lastKey) {
          lastKey = bx;
          if (hilbert) {
            const side = hilbert.side >> level;
            const qx = Math.floor(bx / side);
            const qy = Math.floor(by / side);
            const i = (qy * hilbert.across + qx) * blocksPerSquare + hilbertIndex(subOrder, bx - qx * side, by - qy * side);
            first = i * blockFrames;
            if (first >= frames) word = bg;
            else if (stored) word = storedWord(i);
            else word = mixFrames(4 * i, 4 * i + 1 < frames ? 4 * i + 1 : -1, 4 * i + 2 < frames ? 4 * i + 2 : -1, 4 * i + 3 < frames ? 4 * i + 3 : -1);
          } else {
            first = rowBase + col;
            if (stored) {
              word = storedWord(by * stored.cols + bx);
            } else {
              const c = 2 * bx;
              const top = 2 * by * cols + c;
              const bottom = top + cols;
              const ok = (gfn: number, dc: number) => (c + dc < cols && gfn < frames ? gfn : -1);
              word = mixFrames(ok(top, 0), ok(top + 1, 1), ok(bottom, 0), ok(bottom + 1, 1));
            }
          }
        }
        if (word !== bg && range) {
          // the frame under the pixel (rows) or the block (Hilbert) against the box selection
          const lo = hilbert ? first : rowBase + col;
          const hi = hilbert ? first + blockFrames - 1 : lo;
          px[out + x] = lo <= rLast && hi >= rFirst ? blendWord(word, HIGHLIGHT, TINT_KEEP) : word;
        } else {
          px[out + x] = word;
        }
      }
    }
  }
}
