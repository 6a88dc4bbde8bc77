/** Hex dump text of a frame's bytes, for the hex view and the clipboard. Pure. */

/** Bytes a row of the hex view and of "Copy as hex"; the view drops to NARROW_BYTES_PER_ROW where 16 do not fit. */
export const BYTES_PER_ROW = 16;
export const NARROW_BYTES_PER_ROW = 8;
/** The hex column puts an extra space between groups of this many bytes. */
const GROUP = 8;
const TEXT_COPY_WIDTH = 64;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

export interface HexRow {
  offset: number;
  /** "00 11 22 33 44 55 66 77  88 99 ..." (groups of 8). */
  hex: string;
  ascii: string;
  zero: boolean;
}

/** Where byte j of a row starts in its hex text. */
export function hexColumn(j: number): number {
  return j * 3 + Math.floor(j / GROUP);
}

/** The hex column's heading: each byte's offset in the row, spaced as the bytes are. */
export function hexHeader(bytesPerRow: number): string {
  let text = '';
  for (let j = 0; j < bytesPerRow; j++) text += (j > 0 ? ' ' : '') + (j > 0 && j % GROUP === 0 ? ' ' : '') + HEX[j];
  return text;
}

export function hexRows(bytes: Uint8Array, bytesPerRow = BYTES_PER_ROW): HexRow[] {
  const rows: HexRow[] = [];
  for (let offset = 0; offset < bytes.length; offset += bytesPerRow) {
    let hex = '';
    let ascii = '';
    let zero = true;
    for (let i = 0; i < bytesPerRow; i++) {
      const at = offset + i;
      if (i > 0 && i % GROUP === 0) hex += ' ';
      if (at < bytes.length) {
        const b = bytes[at];
        if (b !== 0) zero = false;
        hex += HEX[b] + (i < bytesPerRow - 1 ? ' ' : '');
        ascii += isPrintable(b) ? String.fromCharCode(b) : '.';
      } else {
        hex += i < bytesPerRow - 1 ? '   ' : '  ';
      }
    }
    rows.push({ offset, hex, ascii, zero });
  }
  return rows;
}

/** Slices [from, to) of a row's hex and ASCII text. */
export interface RowMark {
  hex: [from: number, to: number];
  ascii: [from: number, to: number];
}

/** The part of the byte range [start, end) (frame offsets) that falls in a row; null if none. */
export function rowMark(rowOffset: number, bytesPerRow: number, start: number, end: number): RowMark | null {
  const a = Math.max(start, rowOffset) - rowOffset;
  const b = Math.min(end, rowOffset + bytesPerRow) - rowOffset; // exclusive
  if (a >= b) return null;
  return { hex: [hexColumn(a), hexColumn(b - 1) + 2], ascii: [a, b] };
}

/** "00 11 22 ...", 16 bytes a line: what "Copy as hex" puts on the clipboard. */
export function bytesAsHex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += BYTES_PER_ROW) {
    lines.push(Array.from(bytes.subarray(offset, offset + BYTES_PER_ROW), (b) => HEX[b]).join(' '));
  }
  return lines.join('\n') + '\n';
}

/** The printable characters, '.' for the rest, 64 a line: what "Copy as text" puts on the clipboard. */
export function bytesAsText(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += TEXT_COPY_WIDTH) {
    let line = '';
    for (const b of bytes.subarray(offset, offset + TEXT_COPY_WIDTH)) line += isPrintable(b) ? String.fromCharCode(b) : '.';
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}
