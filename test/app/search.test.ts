import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PrivcmdFrameSource } from '../../app/privcmd-source';
import { parsePattern, PatternError, SearchHit, searchFrames } from '../../app/search';
import { LAYOUT, MARKER, MARKER_GFN, MARKER_OFFSET, testHost, TEST_DOMID } from '../fakes/emulator-host';

async function setup() {
  const emu = testHost();
  const text = (s: string) => new TextEncoder().encode(s);
  emu.plant(TEST_DOMID, 0x2f, 4090, text('STRADDLE-ME')); // 0x2f and 0x30 are both mapped
  emu.plant(TEST_DOMID, LAYOUT.paged[0] - 1, 4090, text('HALF-GONE')); // the next frame is paged out
  emu.plant(TEST_DOMID, 0x40, 0, Buffer.from('Ünïcode-marker', 'utf16le'));
  emu.plant(TEST_DOMID, 0x41, 4095, Buffer.from('deadbeef', 'hex')); // straddles 0x41/0x42
  const source = await PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'test' },
    listDomains: async () => [],
  });
  return { emu, source };
}

async function find(pattern: Uint8Array, extra: { maxHits?: number; batch?: number } = {}) {
  const { source } = await setup();
  const hits: SearchHit[] = [];
  try {
    const summary = await searchFrames(source, { domain: TEST_DOMID, first: 0, last: 0x7ff, pattern, onHits: (h) => hits.push(...h), ...extra });
    return { summary, hits };
  } finally {
    await source.close();
  }
}

test('finds an ASCII string where the emulator placed it, with context', async () => {
  const { summary, hits } = await find(parsePattern({ text: MARKER }));
  assert.equal(summary.error, null);
  assert.deepEqual(hits.map((h) => [h.gfn, h.offset]), [[MARKER_GFN, MARKER_OFFSET]]);
  const h = hits[0];
  assert.equal(Buffer.from(h.context.subarray(h.contextOffset, h.contextOffset + MARKER.length)).toString('latin1'), MARKER);
  assert.ok(summary.mappedFrames > 0 && summary.mappedFrames < 0x800);
  assert.equal(summary.bytesSearched, summary.mappedFrames * 4096);
});

test('a match straddling two mapped frames is found, whatever the batch boundaries', async () => {
  for (const batch of [1, 2, 0x30, 256]) {
    const { hits } = await find(parsePattern({ text: 'STRADDLE-ME' }), { batch });
    assert.deepEqual(hits.map((h) => [h.gfn, h.offset]), [[0x2f, 4090]], `batch ${batch}`);
  }
  const hex = await find(parsePattern({ hex: 'de ad be ef' }), { batch: 0x42 }); // the seam is a batch boundary
  assert.deepEqual(hex.hits.map((h) => [h.gfn, h.offset]), [[0x41, 4095]]);
});

test('no match across a frame that did not map', async () => {
  const { hits } = await find(parsePattern({ text: 'HALF-GONE' }));
  assert.deepEqual(hits, []);
  const { hits: half } = await find(parsePattern({ text: 'HALF-' }));
  assert.deepEqual(half.map((h) => h.gfn), [LAYOUT.paged[0] - 1]);
});

test('UTF-16LE strings', async () => {
  const { hits } = await find(parsePattern({ text: 'Ünïcode-marker', encoding: 'utf16le' }));
  assert.deepEqual(hits.map((h) => [h.gfn, h.offset]), [[0x40, 0]]);
});

test('hits are capped, and the summary says so', async () => {
  const { summary, hits } = await find(parsePattern({ hex: '00000000' }), { maxHits: 5 });
  assert.equal(hits.length, 5);
  assert.equal(summary.hits, 5);
  assert.equal(summary.truncated, true);
});

test('a search can be cancelled', async () => {
  const { source } = await setup();
  const controller = new AbortController();
  controller.abort();
  const summary = await searchFrames(source, { domain: TEST_DOMID, first: 0, last: 0x7ff, pattern: parsePattern({ text: 'x' }), signal: controller.signal });
  assert.equal(summary.cancelled, true);
  assert.equal(summary.scanned, 0);
  await source.close();
});

test('bad patterns are refused with a clear message', () => {
  assert.throws(() => parsePattern({ hex: 'xyz' }), /not hex bytes/);
  assert.throws(() => parsePattern({ hex: 'abc' }), /not hex bytes/);
  assert.throws(() => parsePattern({ text: '' }), /empty/);
  assert.throws(() => parsePattern({}), PatternError);
  assert.throws(() => parsePattern({ text: 'é' }), /printable ASCII/);
  assert.deepEqual([...parsePattern({ hex: '0xDEADbeef' })], [0xde, 0xad, 0xbe, 0xef]);
});
