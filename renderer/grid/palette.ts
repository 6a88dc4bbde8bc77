/**
 * Colours of the frame grid: Okabe-Ito based, so mapped (blue) and paged (orange) stay apart
 * for every common kind of colour blindness; invalid is a neutral grey and "not scanned" sits
 * just above the background, so unscanned space reads as empty.
 */
import { type FrameStatus, statusOf } from '../frame-codes';

export const GRID_COLORS = {
  /** Outside the grid (past the last frame, beyond the edges). */
  background: '#0b0e13',
  unscanned: '#1b2130',
  mapped: '#0072B2',
  paged: '#E69F00',
  invalid: '#595959',
  /** Selection ring, box selection (Okabe-Ito yellow). */
  highlight: '#F0E442',
  /** Gap between cells when zoomed in. */
  gap: '#0b0e13',
} as const;

export const STATUS_COLORS: Record<FrameStatus, string> = {
  mapped: GRID_COLORS.mapped,
  paged: GRID_COLORS.paged,
  invalid: GRID_COLORS.invalid,
  unscanned: GRID_COLORS.unscanned,
};

/**
 * Change marks (frames whose status changed since the previous scan, or between the two sides
 * of a diff): white, the one colour that stands apart from blue, orange and grey by lightness
 * whatever the colour vision, and a shape as well. Cells narrower than fillBelowPx (CSS px)
 * are filled white, which at 1 px per frame or less shows every changed block; wider cells
 * get a white dot, and from ringFromPx a white ring inside their edge, so the status colour
 * stays visible in the middle.
 */
export const MARK_STYLE = {
  color: '#ffffff',
  fillBelowPx: 3,
  ringFromPx: 8,
} as const;

/**
 * Search hits: a magenta diamond with a dark rim around the frame, drawn over the grid (at
 * least HIT_MIN_PX wide at any zoom), a shape no status or change mark has.
 */
export const HIT_STYLE = {
  color: '#ff4fd8',
  rim: 'rgba(0,0,0,0.85)',
  minPx: 9,
} as const;

/** How much a box-selected range is tinted toward the highlight colour. */
export const RANGE_TINT = 0.45;

export type Rgb = [number, number, number];

export function parseHex(color: string): Rgb {
  const n = parseInt(color.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as Rgb;
}

/** The colour of every code: 256 x RGBA, as the palette texture wants. */
export function paletteRgba(): Uint8Array {
  const out = new Uint8Array(256 * 4);
  for (let code = 0; code < 256; code++) {
    const [r, g, b] = parseHex(STATUS_COLORS[statusOf(code)]);
    out.set([r, g, b, 255], code * 4);
  }
  return out;
}

/** The same palette as ImageData pixels (RGBA bytes in memory: little-endian ABGR words). */
export function paletteWords(tint?: Rgb, t = 0): Uint32Array {
  const rgba = paletteRgba();
  const out = new Uint32Array(256);
  for (let code = 0; code < 256; code++) {
    let c: Rgb = [rgba[code * 4], rgba[code * 4 + 1], rgba[code * 4 + 2]];
    if (tint) c = mix(c, tint, t);
    out[code] = rgbWord(c);
  }
  return out;
}

export function rgbWord([r, g, b]: Rgb): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
