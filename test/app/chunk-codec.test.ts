import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeCodes, encodeCodes } from '../../app/chunk-codec';

function seeded(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
}

test('runs shrink to a few bytes; noise stays raw, never larger than one byte a frame', () => {
  const holes = new Uint8Array(65536).fill(22);
  holes.fill(0, 100, 40000);
  const e = encodeCodes(holes);
  assert.equal(e.encoding, 'rle');
  assert.equal(e.data.length, 10, "three runs: 2 + 4 + 4 bytes");
  const rnd = seeded(1);
  const noise = Uint8Array.from({ length: 65536 }, () => (rnd() < 0.5 ? 0 : 2));
  const n = encodeCodes(noise);
  assert.equal(n.encoding, 'raw');
  assert.equal(n.data.length, 65536);
});

test('round trips: every length, long runs past LEB128 boundaries, paging noise', () => {
  const rnd = seeded(7);
  const cases: Uint8Array[] = [
    new Uint8Array(0), Uint8Array.of(5), new Uint8Array(127), new Uint8Array(128), new Uint8Array(16384).fill(2),
    new Uint8Array(2 ** 21 + 3).fill(255),
    Uint8Array.from({ length: 65536 }, () => (rnd() < 0.02 ? 2 : 0)),
    Uint8Array.from({ length: 5000 }, (_, i) => Math.floor(i / 37) % 256),
  ];
  for (const codes of cases) {
    const e = encodeCodes(codes);
    assert.ok(e.data.length <= codes.length);
    assert.deepEqual(Buffer.from(decodeCodes(e)), Buffer.from(codes), `${codes.length} codes, ${e.encoding}`);
  }
});

test('a damaged chunk is an error, not wrong codes', () => {
  const e = encodeCodes(new Uint8Array(1000).fill(3));
  assert.throws(() => decodeCodes({ ...e, count: 999 }), /overflows/);
  assert.throws(() => decodeCodes({ ...e, count: 1001 }), /holds 1000 of its 1001/);
  assert.throws(() => decodeCodes({ ...e, data: e.data.subarray(0, e.data.length - 1) }), /truncated/);
  assert.throws(() => decodeCodes({ encoding: 'raw', count: 3, data: new Uint8Array(2) }), /raw chunk/);
  assert.throws(() => decodeCodes({ encoding: 'zip' as 'raw', count: 0, data: new Uint8Array(0) }), /unknown chunk encoding/);
});
