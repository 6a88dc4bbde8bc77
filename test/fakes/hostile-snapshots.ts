/**
 * Snapshot files an attacker can write: the digest is only a checksum, so any header goes. The
 * bombs' frame codes are a zlib stream of zeroes (mapped frames) built from one compressed
 * chunk repeated, so a 2^32-frame bomb costs 4 MB to build, not 4 GiB.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

import { SNAPSHOT_MAGIC, SNAPSHOT_VERSION, type SnapshotHeader } from '../../app/snapshot';

/** A snapshot file of `header` and these compressed codes, with a valid digest. */
export function snapshotFile(header: unknown, compressed: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const body = Buffer.alloc(16 + json.length + 4 + compressed.length);
  body.write(SNAPSHOT_MAGIC, 0, 'latin1');
  body.writeUInt16LE(SNAPSHOT_VERSION, 8);
  body.writeUInt32LE(json.length, 12);
  json.copy(body, 16);
  body.writeUInt32LE(compressed.length, 16 + json.length);
  Buffer.from(compressed).copy(body, 20 + json.length);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

const BOMB_CHUNK = 1 << 20;
/** RFC 1951: a final fixed-Huffman block holding only end-of-block. */
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);
/** RFC 1950: deflate, 32 KiB window, default level, no dictionary. */
const ZLIB_HEADER = Buffer.from([0x78, 0x9c]);

/**
 * A zlib stream that inflates to `bytes` zeroes. Each piece is a sync-flushed (byte-aligned,
 * non-final) deflate of zeroes whose matches reach only into itself, so pieces concatenate.
 */
export function zeroesStream(bytes: number): Buffer {
  const piece = (n: number) => zlib.deflateRawSync(Buffer.alloc(n), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const whole = piece(BOMB_CHUNK);
  const parts: Buffer[] = [ZLIB_HEADER];
  for (let i = 0; i < Math.floor(bytes / BOMB_CHUNK); i++) parts.push(whole);
  if (bytes % BOMB_CHUNK) parts.push(piece(bytes % BOMB_CHUNK));
  parts.push(FINAL_EMPTY_BLOCK);
  // Adler-32 of n zeroes: a stays 1, b adds 1 per byte.
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((bytes % 65521) << 16) | 1) >>> 0);
  parts.push(adler);
  return Buffer.concat(parts);
}

export function bombHeader(frames: number): SnapshotHeader {
  return {
    domain: { id: 1, name: 'bomb' }, first: 0, last: frames - 1, frames,
    takenAt: '2026-11-26T12:00:00.000Z', backend: 'sim', description: 'a crafted file', hostname: 'attacker',
    abi: 'v2', mode: 'observe', counts: { mapped: frames, paged: 0, invalid: 0 }, errnos: {},
  };
}

/** A snapshot whose header honestly describes `frames` mapped frames: valid, and that big inflated. */
export function snapshotBomb(frames: number): Buffer {
  return snapshotFile(bombHeader(frames), zeroesStream(frames));
}
