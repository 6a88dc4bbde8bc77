/**
 * Colours of the frame grid, one per frame code, from the Okabe-Ito palette, whose eight
 * colours stay apart for every common kind of colour blindness: mapped blue and paged orange,
 * then a colour of its own for each errno framescope meets (EPERM reddish purple, EBUSY bluish
 * green, ENOMEM vermillion, ESRCH sky blue, EFAULT yellow). Holes (EINVAL) are a neutral grey,
 * a PV guest's pfns without a machine frame (NO_MFN) a dark sienna, framescope's own "no answer"
 * codes lighter or darker greys, and "not scanned" sits just
 * above the background, so unscanned space reads as empty.
 *
 * Zoomed out, a pixel holding several frames mixes their colours weighted by their counts
 * (proportional shading, as datashader's categorical shading does): the mix is taken in sRGB
 * values, so a pixel 8 % orange and 92 % blue is the sRGB point 8 % of the way from blue to
 * orange, and an image's pixels can be unmixed back into shares (the e2e tests do).
 */
import { CODE_MAPPED, CODE_NO_MFN, CODE_NOT_IN_DUMP, CODE_PAGED, CODE_UNSCANNED, CODE_V1_NO_ERRNO, CODE_V1_UNADDRESSABLE, ERRNO,
  type FrameStatus, statusOf } from '../frame-codes';

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

/** A status as a whole (the legend's bar, the timeline): invalid is the colour of a hole. */
export const STATUS_COLORS: Record<FrameStatus, string> = {
  mapped: GRID_COLORS.mapped,
  paged: GRID_COLORS.paged,
  invalid: GRID_COLORS.invalid,
  unscanned: GRID_COLORS.unscanned,
};

/** The colours of the codes that have one of their own; every other invalid code: OTHER_ERRNO. */
const OWN_COLORS: Record<number, string> = {
  [CODE_MAPPED]: GRID_COLORS.mapped,
  [CODE_PAGED]: GRID_COLORS.paged,
  [CODE_UNSCANNED]: GRID_COLORS.unscanned,
  [ERRNO.EINVAL]: GRID_COLORS.invalid,
  [ERRNO.EPERM]: '#CC79A7',
  [ERRNO.EBUSY]: '#009E73',
  [ERRNO.ENOMEM]: '#D55E00',
  [ERRNO.ESRCH]: '#56B4E9',
  [ERRNO.EFAULT]: GRID_COLORS.highlight,
  [ERRNO.EACCES]: '#9E7BB5',
  /** A PV guest's hole (no machine frame in its p2m): a dark sienna, far from every colour above for every colour vision. */
  [CODE_NO_MFN]: '#6c300c',
  [CODE_NOT_IN_DUMP]: '#363a40',
  [CODE_V1_NO_ERRNO]: '#8c8c8c',
  [CODE_V1_UNADDRESSABLE]: '#b0b0b0',
};

/** Any errno without a colour of its own. */
const OTHER_ERRNO = '#c8a882';

/** The colour of a frame code, as #rrggbb. */
export function codeColor(code: number): string {
  return OWN_COLORS[code] ?? (statusOf(code) === 'invalid' ? OTHER_ERRNO : GRID_COLORS.invalid);
}

/** Whether a code has a colour of its own (else it shares OTHER_ERRNO with the other errnos). */
export function hasOwnColor(code: number): boolean {
  return code in OWN_COLORS;
}

/**
 * Change marks (frames whose status changed since the previous scan, or between the two sides
 * of a diff): white, the one colour that stands apart from every code colour by lightness
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
/** How far frames outside a highlight (the legend's filter) fade toward the background. */
export const DIM_AMOUNT = 0.78;
/**
 * With proportional shading, a zoomed-out pixel holding highlighted frames goes this far
 * toward their colour however few they are (so a single one stays visible), and the rest of
 * the way in proportion to their share.
 */
export const HIGHLIGHT_FLOOR = 0.45;

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
    const [r, g, b] = parseHex(codeColor(code));
    out.set([r, g, b, 255], code * 4);
  }
  return out;
}

/** An RGB colour as an ImageData pixel (RGBA bytes in memory: a little-endian ABGR word). */
export function rgbWord([r, g, b]: Rgb): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export function wordRgb(word: number): Rgb {
  return [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff];
}

/** The palette as ImageData pixels, optionally mixed toward `tint` by `t`. */
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

/** A pixel word mixed toward `toward` by `t`: the dimmed or tinted version of any colour. */
export function mixWord(word: number, toward: Rgb, t: number): number {
  return rgbWord(mix(wordRgb(word), toward, t));
}
