/**
 * Frame codes as the renderer sees them: one byte per frame, the errno the driver reported
 * (0 = mapped, ENOENT = paged out, any other = invalid) or one of framescope's own values.
 *
 * Mirrors app/frame-status.ts, which the renderer may not import at runtime (it reads errno
 * numbers from node:os). test/renderer/frame-codes.test.ts checks that the two agree.
 */

export const CODE_MAPPED = 0;
/** ENOENT on Linux: the frame is paged out, and asking for it started its page-in. */
export const CODE_PAGED = 2;
export const CODE_UNSCANNED = 255;
/** framescope's own codes (252-254): the byte is not an errno. */
export const CODE_NOT_IN_DUMP = 252;
export const CODE_V1_UNADDRESSABLE = 253;
export const CODE_V1_NO_ERRNO = 254;

export type FrameStatus = 'mapped' | 'paged' | 'invalid' | 'unscanned';

export const FRAME_STATUSES: readonly FrameStatus[] = ['mapped', 'paged', 'invalid', 'unscanned'];

export function statusOf(code: number): FrameStatus {
  if (code === CODE_MAPPED) return 'mapped';
  if (code === CODE_PAGED) return 'paged';
  if (code === CODE_UNSCANNED) return 'unscanned';
  return 'invalid';
}

export const STATUS_LABELS: Record<FrameStatus, string> = {
  mapped: 'Mapped',
  paged: 'Paged out',
  invalid: 'Invalid',
  unscanned: 'Not scanned',
};

/**
 * Which status a block of frames shows when zoomed out so far that one pixel covers several
 * frames: the rarest and most interesting wins, so a lone paged frame among a million mapped
 * ones still shows. Higher wins.
 */
export const STATUS_PRIORITY: Record<FrameStatus, number> = {
  unscanned: 0,
  mapped: 1,
  invalid: 2,
  paged: 3,
};

/** STATUS_PRIORITY per code, for loops over millions of frames. */
export const CODE_PRIORITY: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let code = 0; code < 256; code++) table[code] = STATUS_PRIORITY[statusOf(code)];
  return table;
})();

/** The name of a code from the host's table, or a neutral fallback before it is known. */
export function codeNameOf(codeNames: Record<number, string> | undefined, code: number): string {
  const name = codeNames?.[code];
  if (name) return name;
  if (code === CODE_MAPPED) return 'OK';
  if (code === CODE_PAGED) return 'ENOENT';
  if (code === CODE_UNSCANNED) return 'UNSCANNED';
  return `errno ${code}`;
}
