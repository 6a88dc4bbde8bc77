/** `hexdump -C` style: offset, 16 bytes in two groups of 8, printable ASCII. */
export function hexDump(bytes: Uint8Array, baseAddress = 0): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      hex += i < row.length ? row[i].toString(16).padStart(2, '0') + ' ' : '   ';
      if (i === 7) hex += ' ';
      if (i < row.length) ascii += row[i] >= 0x20 && row[i] < 0x7f ? String.fromCharCode(row[i]) : '.';
    }
    lines.push(`${(baseAddress + off).toString(16).padStart(8, '0')}  ${hex} |${ascii}|`);
  }
  return lines.join('\n') + '\n';
}
