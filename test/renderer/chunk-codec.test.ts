import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encodeCodes } from '../../app/chunk-codec';
import { chunkCodes } from '../../renderer/store/chunk-codec';

test('the page decodes what the inspector encodes, runs and raw alike', () => {
  const cases = [
    new Uint8Array(65536).fill(22),
    Uint8Array.from({ length: 65536 }, (_, i) => (i % 97 === 0 ? 2 : 0)),
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff),
    Uint8Array.of(255),
  ];
  for (const codes of cases) {
    const chunk = encodeCodes(codes);
    assert.deepEqual(Buffer.from(chunkCodes(chunk)), Buffer.from(codes), chunk.encoding);
  }
  assert.equal(encodeCodes(cases[0]).encoding, 'rle');
  assert.equal(encodeCodes(cases[2]).encoding, 'raw');
});

test('a damaged chunk is refused by the page too', () => {
  const chunk = encodeCodes(new Uint8Array(300).fill(2));
  assert.throws(() => chunkCodes({ ...chunk, count: 299 }), /overflows/);
  assert.throws(() => chunkCodes({ ...chunk, data: chunk.data.subarray(0, chunk.data.length - 1) }), /truncated/);
});
