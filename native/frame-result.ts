/**
 * What the binding reports for each frame, without loading koffi: processes that only
 * interpret results (the headless server, the CLI's diff) need these, not the device.
 */
import { getSystemErrorMap } from 'node:util';

/**
 * Per-frame result byte: the errno the driver reported for the frame (0 = mapped,
 * ENOENT = paged out), or one of these two, which only the V1 fallback produces.
 */
export const FRAME_V1_NO_ERRNO = 254; // V1 says a frame failed, not why
export const FRAME_V1_UNADDRESSABLE = 253; // gfn >= 2^28: V1 cannot carry it, never sent

/** The symbolic name of an errno value ("ENOENT"), or "E<n>" when Node does not know it. */
export function errnoName(value: number): string {
  return getSystemErrorMap().get(-value)?.[0] ?? `E${value}`;
}

export function errnoMessage(value: number): string {
  return getSystemErrorMap().get(-value)?.[1] ?? 'unknown error';
}
