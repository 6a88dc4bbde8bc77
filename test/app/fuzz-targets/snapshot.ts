/**
 * Fuzz target: the snapshot reader, both ways it runs: as the app's scan history reads one
 * (admitted by the history's budget before inflating) and as the CLI does (bounded by
 * MAX_SNAPSHOT_FRAMES and by what the compressed bytes can hold). Mutations are the attacker's:
 * bytes and length fields, re-signed or not (the digest is only a checksum), header fields set
 * to hostile values, codes that disagree with the header, streams that inflate to more or less.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

import { FrameTally } from '../../../app/frame-status';
import { ScanHistory, ScanTooLargeError } from '../../../app/scan-history';
import { decodeSnapshot, encodeSnapshot, MAX_SNAPSHOT_FRAMES, SnapshotFormatError, type SnapshotHeader } from '../../../app/snapshot';
import type { FuzzCase, FuzzTarget } from '../../fakes/fuzz-harness';
import { type FieldRef, HOSTILE_NUMBERS, int, mutateBytes, pick, type Rand } from '../../fakes/fuzz';
import { bombHeader, snapshotBomb, snapshotFile, zeroesStream } from '../../fakes/hostile-snapshots';

interface Input {
  bytes: Buffer;
  /** Read as the scan history does (with its budget), else as the CLI does. */
  admit: boolean;
}

/** Frames the fuzz's scan history keeps: small, so that refusals by budget happen too. */
const BUDGET = 1 << 20;
const NAME = 'fuzz.fsnap';

function codesOf(frames: number, pattern: number): Uint8Array {
  const codes = new Uint8Array(frames);
  for (let i = 0; i < frames; i++) codes[i] = pattern === 0 ? 0 : pattern === 1 ? (i % 7 === 0 ? 2 : i % 5 === 0 ? 22 : 0) : (i >> 10) % 3 === 0 ? 22 : 0;
  return codes;
}

function snapshotOf(codes: Uint8Array, first = 0x100): { header: SnapshotHeader; codes: Uint8Array } {
  const tally = new FrameTally();
  tally.add(codes);
  return {
    codes,
    header: {
      domain: { id: 3, name: 'web-01' }, first, last: first + codes.length - 1, frames: codes.length,
      takenAt: '2026-11-26T12:00:00.000Z', backend: 'sim', description: 'simulated host', hostname: 'dom0',
      abi: 'v2', mode: 'observe', counts: tally.counts(), errnos: tally.errnos(),
    },
  };
}

const BASES = [snapshotOf(codesOf(1, 0)), snapshotOf(codesOf(4096, 1)), snapshotOf(codesOf(65536, 2)), snapshotOf(codesOf(300, 1), 0)];
const BASE_FILES = BASES.map((s) => Buffer.from(encodeSnapshot(s)));
const BOMB_FRAMES = 1 << 18;
const BOMB = snapshotBomb(BOMB_FRAMES);

/** The length fields of a snapshot file, for the mutator to set to huge values. */
function fieldsOf(file: Buffer): FieldRef[] {
  const h = file.length >= 16 ? file.readUInt32LE(12) : 0;
  return [
    { name: 'version', offset: 8, size: 2 },
    { name: 'header length', offset: 12, size: 4 },
    { name: 'compressed length', offset: 16 + h, size: 4 },
  ];
}

/** A valid digest over whatever the bytes now are, as an attacker writes it. */
function resign(bytes: Buffer): Buffer {
  if (bytes.length < 32) return bytes;
  const body = bytes.subarray(0, bytes.length - 32);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

const HOSTILE_VALUES: readonly unknown[] = [
  ...HOSTILE_NUMBERS, 2 ** 30 - 1, MAX_SNAPSHOT_FRAMES + 1, '', 'x'.repeat(2000), null, true, [], {}, { mapped: 2 ** 40 }, '2026-13-45T99:00:00Z',
];

function mutateHeader(rand: Rand, header: SnapshotHeader): { header: unknown; description: string } {
  const h = structuredClone(header) as unknown as Record<string, unknown>;
  const keys = Object.keys(h);
  const key = pick(rand, keys);
  const what = int(rand, 10);
  if (what === 0) {
    delete h[key];
    return { header: h, description: `header: delete ${key}` };
  }
  if (what === 1) {
    h[`extra${int(rand, 3)}`] = 1;
    return { header: h, description: 'header: an unknown key' };
  }
  const nested = h[key];
  if (what < 5 && nested && typeof nested === 'object') {
    const inner = nested as Record<string, unknown>;
    const innerKey = pick(rand, [...Object.keys(inner), 'ENOENT', 'x'.repeat(100)]);
    const value = pick(rand, HOSTILE_VALUES);
    inner[innerKey] = value;
    return { header: h, description: `header: ${key}.${innerKey.slice(0, 20)} = ${JSON.stringify(value)?.slice(0, 30)}` };
  }
  const value = pick(rand, HOSTILE_VALUES);
  h[key] = value;
  // frames, first and last move together half the time, so the range check alone does not refuse it
  if (key === 'frames' && typeof value === 'number' && rand() < 0.5) h.last = (h.first as number) + value - 1;
  return { header: h, description: `header: ${key} = ${JSON.stringify(value)?.slice(0, 30)}` };
}

export const target: FuzzTarget<Input> = {
  name: 'snapshot',

  fixed() {
    const lie = snapshotFile(bombHeader(2 ** 30), zeroesStream(1000));
    const hugeHeaderLength = Buffer.from(BASE_FILES[1]);
    hugeHeaderLength.writeUInt32LE(0xffffffff, 12);
    return [
      { description: 'issue 10: 2^32 frames of zeroes in 4 MB, read as the CLI reads', input: { bytes: snapshotBomb(2 ** 32), admit: false }, expect: 'refused' },
      { description: 'issue 10: 2^30 frames of zeroes in 1 MB, imported as the app imports', input: { bytes: snapshotBomb(2 ** 30), admit: true }, expect: 'refused' },
      { description: 'a header of 2^30 frames over a stream of 1000 bytes', input: { bytes: lie, admit: false }, expect: 'refused' },
      { description: 'header length 2^32 - 1', input: { bytes: resign(hugeHeaderLength), admit: false }, expect: 'refused' },
      { description: 'a valid snapshot', input: { bytes: BASE_FILES[2], admit: true }, expect: 'accepted' },
      { description: 'a valid 2^18-frame bomb-shaped snapshot', input: { bytes: BOMB, admit: true }, expect: 'accepted' },
    ];
  },

  make(rand): FuzzCase<Input> {
    const admit = rand() < 0.5;
    const b = int(rand, BASES.length + 1);
    const file = b === BASES.length ? BOMB : BASE_FILES[b];
    const strategy = int(rand, 10);
    if (strategy < 4) {
      const { bytes, description } = mutateBytes(rand, file, fieldsOf(file), 64);
      const signed = rand() < 0.5;
      return { input: { bytes: signed ? resign(bytes) : bytes, admit }, description: `base ${b}: ${description.join('; ')}${signed ? '; re-signed' : ''}` };
    }
    const base = b === BASES.length ? { header: bombHeader(BOMB_FRAMES), codes: new Uint8Array(BOMB_FRAMES) } : BASES[b];
    if (strategy < 7) {
      const { header, description } = mutateHeader(rand, base.header);
      return { input: { bytes: snapshotFile(header, zlib.deflateSync(base.codes)), admit }, description: `base ${b}: ${description}` };
    }
    if (strategy < 9) {
      // new codes under the old header (counts disagree), or under a header made for them (valid)
      const { bytes: codes, description } = mutateBytes(rand, base.codes, [], BOMB_FRAMES);
      const honest = rand() < 0.5 && codes.length > 0;
      const header = honest ? snapshotOf(codes, base.header.first).header : base.header;
      return { input: { bytes: snapshotFile(header, zlib.deflateSync(codes)), admit }, description: `base ${b}: codes ${description.join('; ')}${honest ? ', header made for them' : ''}` };
    }
    // a stream that inflates to more or fewer codes than the header says
    const frames = pick(rand, [1, 1000, 4096, 1 << 16, BUDGET, BUDGET + 1]);
    const actual = Math.max(1, frames + pick(rand, [-1, 0, 1, 4096, -frames + 1]));
    return { input: { bytes: snapshotFile(bombHeader(frames), zeroesStream(actual)), admit }, description: `header of ${frames} frames, a stream of ${actual}` };
  },

  run({ bytes, admit }) {
    const history = new ScanHistory(BUDGET);
    try {
      const s = decodeSnapshot(bytes, NAME, admit ? (h) => history.assertFits(h.frames, NAME) : undefined);
      if (s.codes.length !== s.header.frames) throw new Error(`${s.codes.length} codes for ${s.header.frames} frames`);
      if (s.header.frames > (admit ? BUDGET : MAX_SNAPSHOT_FRAMES)) throw new Error(`accepted ${s.header.frames} frames`);
      return null;
    } catch (e) {
      if (!(e instanceof SnapshotFormatError || e instanceof ScanTooLargeError)) throw e;
      if (!e.message.startsWith(`${NAME}: `) || e.message.includes('\n')) throw new Error(`not one line naming the file: ${e.message}`);
      return e.name;
    }
  },
};
