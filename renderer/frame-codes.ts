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
/** framescope's own codes (251-254): the byte is not an errno. */
/** A PV guest's pfn whose p2m entry names no machine frame: never sent to Xen. */
export const CODE_NO_MFN = 251;
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
 * Linux errno values (the generic ones: x86_64 and arm64 alike) of the codes the grid colours
 * apart. The renderer cannot ask Node for them; test/renderer/frame-codes.test.ts compares
 * them with os.constants.errno.
 */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EINVAL: 22,
} as const;

/**
 * Which code a block of frames shows in the "most notable" shading, when one pixel covers
 * several frames: the rarest and most telling wins, so that a lone paged frame (or a lone
 * EPERM, ENOMEM...) among a million mapped ones still shows. Higher wins. Holes (EINVAL, and a
 * PV guest's NO_MFN) and framescope's own "no answer" codes rank below real errors: they come
 * in large runs.
 */
export function codePriority(code: number): number {
  if (code === CODE_UNSCANNED) return 0;
  if (code === CODE_MAPPED) return 1;
  if (code === ERRNO.EINVAL || code === CODE_NO_MFN || code === CODE_NOT_IN_DUMP || code === CODE_V1_NO_ERRNO || code === CODE_V1_UNADDRESSABLE) return 2;
  if (code === CODE_PAGED) return 4;
  return 3;
}

/** codePriority per code, for loops over millions of frames. */
export const CODE_PRIORITY: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let code = 0; code < 256; code++) table[code] = codePriority(code);
  return table;
})();

/**
 * A total order for "most notable": the priority, then the lower code (EPERM before ENOMEM),
 * so that a block's most notable code does not depend on the order its frames are visited.
 */
export const CODE_RANK: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let code = 0; code < 256; code++) table[code] = codePriority(code) * 256 + (255 - code);
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
