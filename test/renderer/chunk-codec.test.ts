import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ChunkFormatError, decodeCodes, encodeCodes, MAX_CHUNK_FRAMES } from '../../app/chunk-codec';
import { ChunkFormatError as PageChunkFormatError, chunkCodes, MAX_CHUNK_FRAMES as PAGE_MAX_CHUNK_FRAMES } from '../../renderer/store/chunk-codec';

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

test('the page bounds a chunk as the inspector does: the same MAX_CHUNK_FRAMES, the same refusals', () => {
  assert.equal(PAGE_MAX_CHUNK_FRAMES, MAX_CHUNK_FRAMES);
  const hostile = [
    { encoding: 'rle' as const, count: MAX_CHUNK_FRAMES + 1, data: Uint8Array.of(0, 1) },
    { encoding: 'rle' as const, count: 2 ** 40, data: Uint8Array.of(0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01) },
    { encoding: 'rle' as const, count: 10, data: Uint8Array.of(0, ...new Array(200).fill(0x80), 0) },
    { encoding: 'raw' as const, count: -1, data: new Uint8Array(0) },
  ];
  for (const chunk of hostile) {
    assert.throws(() => chunkCodes(chunk), PageChunkFormatError, `page: ${chunk.count}`);
    assert.throws(() => decodeCodes(chunk), ChunkFormatError, `inspector: ${chunk.count}`);
  }
});

test('encoding with a histogram counts every frame by code, whether runs or raw win', () => {
  const cases = [
    new Uint8Array(65536).fill(22),
    Uint8Array.from({ length: 65536 }, (_, i) => (i % 97 === 0 ? 2 : 0)),
    // raw wins early: the counting goes on past the point the encoder gave up
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff),
    Uint8Array.from({ length: 5000 }, (_, i) => (i < 4000 ? 0 : i & 0xff)),
  ];
  for (const codes of cases) {
    const histogram = new Float64Array(256);
    const encoded = encodeCodes(codes, histogram);
    const want = new Float64Array(256);
    for (const c of codes) want[c]++;
    assert.deepEqual(histogram, want, encoded.encoding);
    assert.deepEqual(Buffer.from(decodeCodes(encoded)), Buffer.from(codes), 'and the encoding is the one without a histogram');
    assert.deepEqual(encoded, encodeCodes(codes));
  }
});
