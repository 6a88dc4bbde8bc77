/** Hex dump text of a frame's bytes, for the hex view and the clipboard. Pure. */

export const BYTES_PER_ROW = 16;
const TEXT_COPY_WIDTH = 64;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

export interface HexRow {
  offset: number;
  /** "00 11 22 33 44 55 66 77  88 99 ..." (two groups of 8). */
  hex: string;
  ascii: string;
  zero: boolean;
}

export function hexRows(bytes: Uint8Array): HexRow[] {
  const rows: HexRow[] = [];
  for (let offset = 0; offset < bytes.length; offset += BYTES_PER_ROW) {
    let hex = '';
    let ascii = '';
    let zero = true;
    for (let i = 0; i < BYTES_PER_ROW; i++) {
      const at = offset + i;
      if (i === 8) hex += ' ';
      if (at < bytes.length) {
        const b = bytes[at];
        if (b !== 0) zero = false;
        hex += HEX[b] + (i < BYTES_PER_ROW - 1 ? ' ' : '');
        ascii += isPrintable(b) ? String.fromCharCode(b) : '.';
      } else {
        hex += i < BYTES_PER_ROW - 1 ? '   ' : '  ';
      }
    }
    rows.push({ offset, hex, ascii, zero });
  }
  return rows;
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
