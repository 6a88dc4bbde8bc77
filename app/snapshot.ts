/**
 * Snapshots: one scan (every frame's code, so statuses and errnos, plus where and when it
 * was taken) in a compact, versioned file that opens without a host.
 *
 *   offset  size  field
 *   0       8     magic "FSNAPSHT"
 *   8       2     format version (little-endian), 1
 *   10      2     reserved, 0
 *   12      4     header length H
 *   16      H     header: UTF-8 JSON (SnapshotHeader)
 *   16+H    4     compressed length C
 *   20+H    C     frame codes, deflate (runs of holes compress to nothing)
 *   20+H+C  32    SHA-256 of every byte before it
 *
 * Reading checks every length against the file, the digest, the header against its schema
 * and the inflated size against the header, so a truncated or corrupt file is a clear error.
 * The digest is only a checksum (anyone can write a valid one), so what a file may make us
 * allocate is bounded before inflating: by the header's frame count, which must be one the
 * compressed bytes can hold, and by MAX_SNAPSHOT_FRAMES.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { z } from 'zod';

import type { ScanSummary } from './api';
import { FrameTally, MAX_FILE_FRAMES } from './frame-status';

export const SNAPSHOT_MAGIC = 'FSNAPSHT';
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_EXTENSION = '.fsnap';
const DIGEST_BYTES = 32;
const FIXED_BYTES = 16 + 4 + DIGEST_BYTES;
/** Far above any header framescope writes; stops a corrupt length from allocating gigabytes. */
const MAX_HEADER_BYTES = 1 << 20;
/** 2^30 frames is 4 TiB of guest memory. */
export const MAX_SNAPSHOT_FRAMES = MAX_FILE_FRAMES;
/**
 * Largest snapshot file read, by the app and by the CLI. Snapshots compress runs of equal codes:
 * a 4 TiB guest's is a few MB unless its codes are noise.
 */
export const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;
/**
 * Deflate's best case: a 258-byte match in 2 bits (RFC 1951's longest match, 1-bit length and
 * distance codes), 1032 bytes out per byte in. A header claiming more frames than that is lying.
 */
const MAX_DEFLATE_RATIO = 1032;
/** zlib's smallest output chunk (Z_MIN_CHUNK). */
const MIN_INFLATE_CHUNK = 64;

const countsSchema = z.strictObject({ mapped: z.number().int().min(0), paged: z.number().int().min(0), invalid: z.number().int().min(0) });

export const snapshotHeaderSchema = z.strictObject({
  domain: z.strictObject({ id: z.number().int().min(0), name: z.string().max(256) }),
  first: z.number().int().min(0),
  last: z.number().int().min(0),
  frames: z.number().int().min(1).max(MAX_SNAPSHOT_FRAMES),
  takenAt: z.iso.datetime(),
  backend: z.enum(['xen', 'sim', 'dump']),
  description: z.string().max(1024),
  hostname: z.string().max(256),
  abi: z.enum(['v2', 'v1']).nullable(),
  mode: z.enum(['observe', 'retry']),
  counts: countsSchema,
  errnos: z.record(z.string().max(64), z.number().int().min(0)),
});

export type SnapshotHeader = z.infer<typeof snapshotHeaderSchema>;

export interface Snapshot {
  header: SnapshotHeader;
  /** One code per frame of [header.first, header.last]. */
  codes: Uint8Array;
}

export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

export function encodeSnapshot(snapshot: Snapshot): Uint8Array {
  const { header, codes } = snapshot;
  if (codes.length !== header.frames || header.last - header.first + 1 !== header.frames) {
    throw new RangeError(`snapshot of ${header.frames} frames (gfn ${header.first}-${header.last}) cannot hold ${codes.length} codes`);
  }
  snapshotHeaderSchema.parse(header);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const deflated = zlib.deflateSync(codes, { level: 6 });
  const body = Buffer.alloc(16 + json.length + 4 + deflated.length);
  body.write(SNAPSHOT_MAGIC, 0, 'latin1');
  body.writeUInt16LE(SNAPSHOT_VERSION, 8);
  body.writeUInt16LE(0, 10);
  body.writeUInt32LE(json.length, 12);
  json.copy(body, 16);
  body.writeUInt32LE(deflated.length, 16 + json.length);
  deflated.copy(body, 20 + json.length);
  const digest = createHash('sha256').update(body).digest();
  return Buffer.concat([body, digest]);
}

/**
 * `admit` sees the checked header before any frame code is inflated, and throws to refuse it
 * (the scan history refuses a snapshot larger than it keeps).
 */
export function decodeSnapshot(data: Uint8Array, name = 'snapshot', admit?: (header: SnapshotHeader) => void): Snapshot {
  const fail = (why: string): never => {
    throw new SnapshotFormatError(`${name}: ${why}`);
  };
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.length < 8 || buf.toString('latin1', 0, 8) !== SNAPSHOT_MAGIC) fail('not a framescope snapshot (no FSNAPSHT signature)');
  if (buf.length < FIXED_BYTES) fail(`truncated: ${buf.length} bytes is shorter than any snapshot`);
  const version = buf.readUInt16LE(8);
  if (version !== SNAPSHOT_VERSION) fail(`format version ${version} is not supported (this framescope reads version ${SNAPSHOT_VERSION})`);
  const headerLength = buf.readUInt32LE(12);
  if (headerLength > MAX_HEADER_BYTES || 16 + headerLength + 4 + DIGEST_BYTES > buf.length) {
    fail(`truncated or corrupt: header of ${headerLength} bytes does not fit in ${buf.length}`);
  }
  const compressedLength = buf.readUInt32LE(16 + headerLength);
  const end = 20 + headerLength + compressedLength;
  if (end + DIGEST_BYTES !== buf.length) {
    fail(end + DIGEST_BYTES > buf.length ? `truncated: ${buf.length} of ${end + DIGEST_BYTES} bytes` : `${buf.length - end - DIGEST_BYTES} unexpected bytes after the end`);
  }
  const digest = createHash('sha256').update(buf.subarray(0, end)).digest();
  if (!digest.equals(buf.subarray(end))) fail('corrupt: its checksum does not match its contents');

  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', 16, 16 + headerLength));
  } catch {
    fail('corrupt: the header is not JSON');
  }
  const header = snapshotHeaderSchema.safeParse(parsed);
  if (!header.success) {
    const issue = header.error.issues[0];
    fail(`bad header: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const h = header.data!;
  if (h.last - h.first + 1 !== h.frames) fail(`bad header: gfn ${h.first}-${h.last} is not ${h.frames} frames`);
  if (h.frames > compressedLength * MAX_DEFLATE_RATIO) {
    fail(`corrupt: the header's ${h.frames} frames cannot come from ${compressedLength} compressed bytes (at most ${compressedLength * MAX_DEFLATE_RATIO})`);
  }
  admit?.(h);

  let codes: Buffer;
  try {
    // One output chunk of exactly the frames: no second copy to join chunks, no byte beyond them.
    const size = Math.max(MIN_INFLATE_CHUNK, h.frames);
    codes = zlib.inflateSync(buf.subarray(20 + headerLength, end), { maxOutputLength: h.frames, chunkSize: size });
  } catch (e) {
    const tooLong = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    return fail(tooLong ? `corrupt: the frame codes inflate to more than the header's ${h.frames} frames` : `corrupt frame codes: ${(e as Error).message}`);
  }
  if (codes.length !== h.frames) fail(`corrupt: ${codes.length} frame codes for ${h.frames} frames`);
  const tally = new FrameTally();
  tally.add(codes);
  const counts = tally.counts();
  if (counts.mapped !== h.counts.mapped || counts.paged !== h.counts.paged || counts.invalid !== h.counts.invalid) {
    fail('corrupt: the frame codes do not add up to the counts in the header');
  }
  return { header: h, codes: new Uint8Array(codes.buffer, codes.byteOffset, codes.length) };
}

/** The header a finished scan's snapshot carries. */
export function snapshotHeaderFor(summary: ScanSummary, domainName: string,
  host: { backend: SnapshotHeader['backend']; description: string; hostname: string }, takenAt = new Date()): SnapshotHeader {
  return {
    domain: { id: summary.domain, name: domainName },
    first: summary.first,
    last: summary.last,
    frames: summary.frames,
    takenAt: takenAt.toISOString(),
    backend: host.backend,
    description: host.description,
    hostname: host.hostname,
    abi: summary.abi,
    mode: summary.mode,
    counts: summary.counts,
    errnos: summary.errnos,
  };
}
