/**
 * The frame-status model. A scan yields one byte per frame, the "frame code": the errno the
 * driver reported for the frame (0 = mapped, ENOENT = paged out, any other = invalid), or one
 * of framescope's own values above the errno range. One byte keeps the errno and lets a 16 M
 * frame guest cross process boundaries as 16 MB.
 */
import { constants } from 'node:os';

import type { StatusCounts } from './api';
import { EncodedCodes, encodeCodes } from './chunk-codec';
import { errnoName, FRAME_V1_NO_ERRNO, FRAME_V1_UNADDRESSABLE } from '../native/frame-result';

export const CODE_MAPPED = 0;
export const CODE_PAGED = constants.errno.ENOENT;
export const CODE_UNSCANNED = 255;
export const CODE_V1_NO_ERRNO = FRAME_V1_NO_ERRNO;
export const CODE_V1_UNADDRESSABLE = FRAME_V1_UNADDRESSABLE;
/** Absent from a dump file: the dump does not hold the frame. */
export const CODE_NOT_IN_DUMP = 252;
/** A PV guest's pfn whose p2m entry names no machine frame (ballooned out, identity, foreign): never sent. */
export const CODE_NO_MFN = 251;

/**
 * The most frames a file may describe (a snapshot's frames, a dump's highest gfn + 1): 2^30,
 * 4 TiB of guest memory, the largest guest the app is measured on (BENCHMARKS.md). Looking at a
 * file costs a byte a frame, so a small file claiming more must not make us allocate it.
 */
export const MAX_FILE_FRAMES = 2 ** 30;

export type FrameStatus = 'mapped' | 'paged' | 'invalid' | 'unscanned';

export function statusOf(code: number): FrameStatus {
  if (code === CODE_MAPPED) return 'mapped';
  if (code === CODE_PAGED) return 'paged';
  if (code === CODE_UNSCANNED) return 'unscanned';
  return 'invalid';
}

const OWN_CODE_NAMES: Record<number, string> = {
  [CODE_MAPPED]: 'OK',
  [CODE_UNSCANNED]: 'UNSCANNED',
  [CODE_V1_NO_ERRNO]: 'V1_NO_ERRNO',
  [CODE_V1_UNADDRESSABLE]: 'V1_GFN_TOO_HIGH',
  [CODE_NOT_IN_DUMP]: 'NOT_IN_DUMP',
  [CODE_NO_MFN]: 'NO_MFN',
};

export const OWN_CODE_DESCRIPTIONS: Record<string, string> = {
  V1_NO_ERRNO: 'the V1 ioctl reports that the frame failed, not why',
  V1_GFN_TOO_HIGH: 'V1 cannot carry frame numbers at or above 2^28; the frame was not asked for',
  NOT_IN_DUMP: 'the dump file does not hold this frame',
  NO_MFN: 'no machine frame (p2m entry invalid)',
};

/** "OK", an errno name ("ENOENT"), or one of framescope's own names. */
export function codeName(code: number): string {
  return OWN_CODE_NAMES[code] ?? errnoName(code);
}

/** Every code's name, for clients that cannot ask Node (the renderer). */
export function codeNameTable(): Record<number, string> {
  const table: Record<number, string> = {};
  for (let code = 0; code < 256; code++) table[code] = codeName(code);
  return table;
}

/** Counts codes with a 256-entry histogram: a scan adds millions of frames. */
export class FrameTally {
  private readonly histogram = new Float64Array(256);

  /** Counted by runs: guests are long runs, and h[code]++ frame after frame waits on itself. */
  add(codes: Uint8Array): void {
    const h = this.histogram;
    const n = codes.length;
    for (let i = 0; i < n;) {
      const code = codes[i];
      let end = i + 1;
      while (end < n && codes[end] === code) end++;
      h[code] += end - i;
      i = end;
    }
  }

  /** add(codes) and encodeCodes(codes) in one walk over them. */
  addAndEncode(codes: Uint8Array): EncodedCodes {
    return encodeCodes(codes, this.histogram);
  }

  count(code: number): number {
    return this.histogram[code];
  }

  get scanned(): number {
    let n = 0;
    for (let code = 0; code < 256; code++) if (code !== CODE_UNSCANNED) n += this.histogram[code];
    return n;
  }

  counts(): StatusCounts {
    const c: StatusCounts = { mapped: 0, paged: 0, invalid: 0 };
    for (let code = 0; code < 256; code++) {
      const status = statusOf(code);
      if (status !== 'unscanned') c[status] += this.histogram[code];
    }
    return c;
  }

  /** Frames per error name; mapped frames have no errno and are not listed. */
  errnos(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let code = 1; code < 256; code++) {
      if (code !== CODE_UNSCANNED && this.histogram[code] > 0) out[codeName(code)] = this.histogram[code];
    }
    return out;
  }
}
