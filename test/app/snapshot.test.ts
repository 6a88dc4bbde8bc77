import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FrameTally } from '../../app/frame-status';
import { decodeSnapshot, encodeSnapshot, Snapshot, SnapshotFormatError, SNAPSHOT_MAGIC } from '../../app/snapshot';

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
