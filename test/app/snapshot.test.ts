import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';

import { FrameTally } from '../../app/frame-status';
import { decodeSnapshot, encodeSnapshot, MAX_SNAPSHOT_FRAMES, Snapshot, SnapshotFormatError, SNAPSHOT_MAGIC } from '../../app/snapshot';
import { bombHeader, snapshotBomb, snapshotFile, zeroesStream } from '../fakes/hostile-snapshots';
import { measured } from '../fakes/measured-child';

function sample(frames = 0x10000): Snapshot {
  const codes = new Uint8Array(frames).fill(22);
  codes.fill(0, 0, 0x4000);
  for (let i = 0x100; i < 0x200; i += 3) codes[i] = 2;
  codes[0x5000] = 3;
  const tally = new FrameTally();
  tally.add(codes);
  return {
    codes,
    header: {
      domain: { id: 3, name: 'web-01' }, first: 0x1000, last: 0x1000 + frames - 1, frames,
      takenAt: '2026-11-26T12:00:00.000Z', backend: 'sim', description: 'simulated host', hostname: 'dom0',
      abi: 'v2', mode: 'observe', counts: tally.counts(), errnos: tally.errnos(),
    },
  };
}

test('round trip: header and every frame code survive', () => {
  const s = sample();
  const back = decodeSnapshot(encodeSnapshot(s));
  assert.deepEqual(back.header, s.header);
  assert.deepEqual(Buffer.from(back.codes), Buffer.from(s.codes));
});

test('compact: long runs of equal codes cost next to nothing', () => {
  const bytes = encodeSnapshot(sample(0x100000));
  assert.ok(bytes.length < 8 * 1024, `${bytes.length} bytes for 1 M frames`);
});

test('a truncated or corrupt file gives a clear error, never a crash', () => {
  const good = Buffer.from(encodeSnapshot(sample()));
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /not a framescope snapshot/],
    ['another file', Buffer.from('%PDF-1.7 ...'), /not a framescope snapshot/],
    ['magic only', Buffer.from(SNAPSHOT_MAGIC), /truncated/],
    ['future version', (() => { const b = Buffer.from(good); b.writeUInt16LE(9, 8); return b; })(), /format version 9 is not supported/],
    ['huge header length', (() => { const b = Buffer.from(good); b.writeUInt32LE(0xffffffff, 12); return b; })(), /truncated or corrupt/],
    ['cut in half', good.subarray(0, good.length >> 1), /truncated/],
    ['one byte short', good.subarray(0, good.length - 1), /truncated|checksum/],
    ['trailing garbage', Buffer.concat([good, Buffer.from('xx')]), /unexpected bytes after the end/],
    ['flipped bit in the codes', (() => { const b = Buffer.from(good); b[b.length - 40] ^= 1; return b; })(), /checksum does not match/],
  ];
  for (const [what, bytes, message] of cases) {
    assert.throws(() => decodeSnapshot(bytes, 'x.fsnap'), (e: Error) => e instanceof SnapshotFormatError && message.test(e.message) && e.message.startsWith('x.fsnap: '), what);
  }
});

test('every truncation and single-byte change is caught', () => {
  const good = Buffer.from(encodeSnapshot(sample(0x800)));
  for (let n = 0; n < good.length; n += 7) {
    assert.throws(() => decodeSnapshot(good.subarray(0, n)), SnapshotFormatError, `truncated to ${n}`);
  }
  for (let i = 0; i < good.length; i += 5) {
    const b = Buffer.from(good);
    b[i] ^= 0x5a;
    assert.throws(() => decodeSnapshot(b), SnapshotFormatError, `byte ${i} changed`);
  }
});

test('a header that lies about its codes is refused even with a valid checksum', () => {
  const s = sample();
  const lying = { ...s, header: { ...s.header, counts: { ...s.header.counts, mapped: s.header.counts.mapped + 1 } } };
  assert.throws(() => decodeSnapshot(encodeSnapshot(lying)), /do not add up to the counts/);
});

test('encoding refuses codes that do not match the range', () => {
  const s = sample();
  assert.throws(() => encodeSnapshot({ ...s, codes: s.codes.subarray(1) }), RangeError);
});

// ---------------------------------------------------------------------------------------
// Hostile headers: the digest is only a checksum, so a file may claim any size it likes.

/** A bomb that the old reader inflated whole: 2^32 frames from 4 MB took 8.5 GB and 52 s. */
const BOMB_FRAMES = 2 ** 32;
/** What reading a refused bomb may cost at most. */
const BOMB_MAX_MS = 3000;
const BOMB_MAX_GROWTH_MIB = 96;

test('a decompression bomb is refused from its header, before inflating (fast, small memory)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-bomb-'));
  try {
    const file = path.join(dir, 'bomb.fsnap');
    fs.writeFileSync(file, snapshotBomb(BOMB_FRAMES));
    assert.ok(fs.statSync(file).size < 5e6, 'a few MB on disk');
    const r = measured('read-snapshot', [file]);
    assert.equal(r.killed, null, `the reader was not bounded: ${r.killed}\n${r.stderr}`);
    assert.equal(r.ok, false, 'refused');
    assert.equal(r.error!.name, 'SnapshotFormatError');
    assert.match(r.error!.message, /bomb\.fsnap: bad header: frames: .*1073741824/);
    assert.ok(r.ms! < BOMB_MAX_MS, `${r.ms!.toFixed(0)} ms`);
    assert.ok(r.growthMiB! < BOMB_MAX_GROWTH_MIB, `RSS grew ${r.growthMiB!.toFixed(0)} MiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the largest snapshot (MAX_SNAPSHOT_FRAMES) is the bound, and one frame over is refused', () => {
  assert.equal(MAX_SNAPSHOT_FRAMES, 2 ** 30);
  const over = snapshotFile(bombHeader(MAX_SNAPSHOT_FRAMES + 1), zlib.deflateSync(Buffer.alloc(0)));
  assert.throws(() => decodeSnapshot(over, 'x.fsnap'), /x\.fsnap: bad header: frames: .*<=1073741824/);
});

test('a header claiming more frames than its compressed bytes can hold is a format error, not an inflate', () => {
  // a few dozen compressed bytes inflate to at most a few tens of KB: 2^30 frames is a lie
  const lie = snapshotFile(bombHeader(2 ** 30), zeroesStream(1000));
  assert.throws(() => decodeSnapshot(lie, 'x.fsnap'), (e: Error) =>
    e instanceof SnapshotFormatError && /x\.fsnap: corrupt: the header's 1073741824 frames cannot come from \d+ compressed bytes/.test(e.message));
  // and codes that inflate past the header's frames stop at its count
  const long = snapshotFile(bombHeader(1000), zeroesStream(5000));
  assert.throws(() => decodeSnapshot(long, 'x.fsnap'), /x\.fsnap: corrupt: the frame codes inflate to more than the header's 1000 frames/);
  const short = snapshotFile(bombHeader(5000), zeroesStream(1000));
  assert.throws(() => decodeSnapshot(short, 'x.fsnap'), /x\.fsnap: corrupt: 1000 frame codes for 5000 frames/);
});

test('admit sees the header before any code is inflated, and may refuse it', () => {
  const bytes = snapshotBomb(1 << 20);
  let seen = 0;
  assert.throws(() => decodeSnapshot(bytes, 'x.fsnap', (h) => {
    seen = h.frames;
    throw new RangeError('too big for us');
  }), /too big for us/);
  assert.equal(seen, 1 << 20);
  // the bomb builder itself makes valid snapshots: the same bytes decode when admitted
  const s = decodeSnapshot(bytes, 'x.fsnap', () => undefined);
  assert.equal(s.codes.length, 1 << 20);
  assert.ok(s.codes.every((c) => c === 0));
});

test('deflate at its best ratio still decodes: the ratio bound refuses only what cannot be', () => {
  const frames = 1 << 24;
  const s = sample(frames);
  s.codes.fill(0);
  s.header.counts = { mapped: frames, paged: 0, invalid: 0 };
  s.header.errnos = {};
  const bytes = encodeSnapshot(s);
  assert.equal(decodeSnapshot(bytes).codes.length, frames);
  assert.equal(decodeSnapshot(snapshotBomb(frames)).codes.length, frames);
});
