/** Number and size formatting shared by the UI; pure, so node tests can use it. */

export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12;

export function hex(n: number, minDigits = 1): string {
  return `0x${n.toString(16).padStart(minDigits, '0')}`;
}

/** Digits needed to print every gfn below `frames` in hex (at least 5, as Xen tools print). */
export function gfnDigits(frames: number): number {
  return Math.max(5, Math.max(1, frames - 1).toString(16).length);
}

export function formatGfn(gfn: number, frames = 0): string {
  return hex(gfn, gfnDigits(frames));
}

/** Guest-physical address of a frame. gfn < 2^40 keeps it an exact double. */
export function frameAddress(gfn: number): number {
  return gfn * PAGE_SIZE;
}

export function formatAddress(gfn: number, frames = 0): string {
  return hex(frameAddress(gfn), gfnDigits(frames) + PAGE_SHIFT / 4);
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

/** 1536 -> "1.5 KiB"; binary units, as memory sizes are. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '0%';
  const p = (100 * part) / whole;
  if (p === 0 || p === 100) return `${p}%`;
  if (p < 0.01) return '<0.01%';
  if (p > 99.99) return '>99.99%';
  return `${p.toFixed(p < 10 ? 2 : 1)}%`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

/** Frames per second, compact: "1.2 M frames/s". */
export function formatRate(framesPerSecond: number): string {
  if (!Number.isFinite(framesPerSecond) || framesPerSecond <= 0) return '– frames/s';
  if (framesPerSecond >= 1e6) return `${(framesPerSecond / 1e6).toFixed(2)} M frames/s`;
  if (framesPerSecond >= 1e3) return `${(framesPerSecond / 1e3).toFixed(1)} k frames/s`;
  return `${Math.round(framesPerSecond)} frames/s`;
}

const FRAME_NUMBER_TEXT = /^(?:0[xX][0-9a-fA-F]+|[0-9]+)$/;

export type ParsedNumber = { ok: true; value: number } | { ok: false; error: string };

/** A frame number typed by a user: hex with 0x, or decimal; surrounding blanks and _ are fine. */
export function parseFrameNumber(text: string): ParsedNumber {
  const t = text.trim().replace(/_/g, '');
  if (t === '') return { ok: false, error: 'empty' };
  if (!FRAME_NUMBER_TEXT.test(t)) {
    return { ok: false, error: `"${text.trim()}" is not a frame number: use hex (0x1f000) or decimal (126976)` };
  }
  const value = Number(t);
  if (!Number.isSafeInteger(value)) return { ok: false, error: `${t} is too large` };
  return { ok: true, value };
}

export type RangeField = 'first' | 'last';

export type ParsedRange =
  | { ok: true; first: number; last: number; whole: boolean }
  | { ok: false; field: RangeField; error: string };

/**
 * The scan range from the two inputs; an empty input means the domain's first or last frame.
 * `frames` null: the domain's size is unknown, so the end cannot be checked here.
 */
export function parseRange(firstText: string, lastText: string, frames: number | null): ParsedRange {
  const end = frames === null ? null : frames - 1;
  let first = 0;
  let last = end ?? -1;
  if (firstText.trim() !== '') {
    const p = parseFrameNumber(firstText);
    if (!p.ok) return { ok: false, field: 'first', error: p.error };
    first = p.value;
  }
  if (lastText.trim() !== '') {
    const p = parseFrameNumber(lastText);
    if (!p.ok) return { ok: false, field: 'last', error: p.error };
    last = p.value;
  } else if (end === null) {
    return { ok: false, field: 'last', error: 'the domain did not say how many frames it has: give the last frame' };
  }
  if (end !== null && frames !== null) {
    if (first > end) return { ok: false, field: 'first', error: `${hex(first)} is past the domain's last frame ${hex(end)}` };
    if (last > end) return { ok: false, field: 'last', error: `${hex(last)} is past the domain's last frame ${hex(end)}` };
  }
  if (first > last) return { ok: false, field: 'last', error: `the last frame ${hex(last)} is before the first ${hex(first)}` };
  return { ok: true, first, last, whole: end !== null && first === 0 && last === end };
}
