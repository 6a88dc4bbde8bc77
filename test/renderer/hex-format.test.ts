import { test } from 'node:test';
import assert from 'node:assert/strict';

import { bytesAsHex, bytesAsText, hexRows } from '../../renderer/hex/hex-format';

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

test('clipboard text: hex 16 a line, text 64 a line', () => {
  const page = new Uint8Array(4096).fill(0x41);
  const hex = bytesAsHex(page).trimEnd().split('\n');
  assert.equal(hex.length, 256);
  assert.equal(hex[0], Array(16).fill('41').join(' '));
  const text = bytesAsText(page).trimEnd().split('\n');
  assert.equal(text.length, 64);
  assert.equal(text[0], 'A'.repeat(64));
});
