import { test } from 'node:test';
import assert from 'node:assert/strict';

import { bytesAsHex, bytesAsText, hexColumn, hexHeader, hexRows, rowMark } from '../../renderer/hex/hex-format';

test('hex rows: 16 bytes in two groups of 8, printable ASCII, all-zero rows flagged', () => {
  const bytes = new Uint8Array(48);
  bytes.set([...'FRAMESCOPE'].map((c) => c.charCodeAt(0)), 16);
  bytes[31] = 0x7f;
  const rows = hexRows(bytes);
  assert.equal(rows.length, 3);
  assert.equal(rows[0].zero, true);
  assert.equal(rows[1].offset, 16);
  assert.equal(rows[1].hex, '46 52 41 4d 45 53 43 4f  50 45 00 00 00 00 00 7f');
  assert.equal(rows[1].ascii, 'FRAMESCOPE......');
  assert.equal(rows[1].zero, false);
});

test('a short last row is padded so the ASCII column lines up', () => {
  const rows = hexRows(Uint8Array.of(0x41, 0x42));
  assert.equal(rows[0].hex.length, hexRows(new Uint8Array(16))[0].hex.length);
  assert.equal(rows[0].ascii, 'AB');
});

test('8 bytes a row, for a narrow hex view: one group, the same bytes in twice the rows', () => {
  const bytes = new Uint8Array(4096);
  bytes.set([...'FRAMESCOPE'].map((c) => c.charCodeAt(0)), 0x100);
  const rows = hexRows(bytes, 8);
  assert.equal(rows.length, 512);
  assert.equal(rows[0x20].offset, 0x100);
  assert.equal(rows[0x20].hex, '46 52 41 4d 45 53 43 4f');
  assert.equal(rows[0x20].ascii, 'FRAMESCO');
  assert.equal(rows[0x21].ascii, 'PE......');
  assert.equal(rows[0x21].zero, false);
  assert.equal(rows[0x22].zero, true);
  // a short last row is padded to the full width
  assert.equal(hexRows(Uint8Array.of(1, 2, 3), 8)[0].hex.length, rows[0].hex.length);
});

test('the hex heading is spaced as the bytes are', () => {
  assert.equal(hexHeader(16), '00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f');
  assert.equal(hexHeader(8), '00 01 02 03 04 05 06 07');
  const row = hexRows(Uint8Array.from({ length: 16 }, (_, i) => i))[0];
  assert.equal(row.hex, hexHeader(16));
  for (let j = 0; j < 16; j++) assert.equal(row.hex.slice(hexColumn(j), hexColumn(j) + 2), j.toString(16).padStart(2, '0'));
});

test('a marked byte range: its slice of each row it touches, in both widths', () => {
  // bytes 0x10a-0x11a (17 bytes), as a search hit of FRAMESCOPE-MARKER at 0x10a would be
  const [start, end] = [0x10a, 0x11b];
  const bytes = new Uint8Array(4096);
  for (let i = start; i < end; i++) bytes[i] = 0x41;
  for (const perRow of [16, 8]) {
    const rows = hexRows(bytes, perRow);
    let ascii = '';
    let hex = '';
    for (const row of rows) {
      const mark = rowMark(row.offset, perRow, start, end);
      if (!mark) continue;
      ascii += row.ascii.slice(...mark.ascii);
      hex += row.hex.slice(...mark.hex) + ' ';
    }
    assert.equal(ascii, 'A'.repeat(17), `${perRow} a row`);
    assert.equal(hex.replace(/\s+/g, ' ').trim(), Array(17).fill('41').join(' '), `${perRow} a row`);
  }
  assert.deepEqual(rowMark(0x100, 16, start, end), { hex: [hexColumn(10), hexColumn(15) + 2], ascii: [10, 16] });
  assert.deepEqual(rowMark(0x118, 8, start, end), { hex: [0, hexColumn(2) + 2], ascii: [0, 3] });
  assert.equal(rowMark(0x120, 8, start, end), null);
  assert.equal(rowMark(0x100, 8, start, end), null);
});

test('clipboard text: hex 16 a line, text 64 a line', () => {
  const page = new Uint8Array(4096).fill(0x41);
  const hex = bytesAsHex(page).trimEnd().split('\n');
  assert.equal(hex.length, 256);
  assert.equal(hex[0], Array(16).fill('41').join(' '));
  const text = bytesAsText(page).trimEnd().split('\n');
  assert.equal(text.length, 64);
  assert.equal(text[0], 'A'.repeat(64));
});
