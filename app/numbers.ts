/** A frame number or address as framescope prints it everywhere: 0x-prefixed hex. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
