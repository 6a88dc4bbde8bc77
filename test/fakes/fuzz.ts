/**
 * What every fuzz target shares: a seeded PRNG (each case replays alone from the run's seed,
 * the target and its number) and a mutator of bytes (bit flips, bytes set, truncation, inserted
 * and deleted bytes, and recorded length fields set to huge or off-by-one values).
 */

/** A field a fuzzer may set to hostile values: absolute offset and width (little-endian). */
export interface FieldRef {
  name: string;
  offset: number;
  size: 2 | 4 | 8;
}

export type Rand = () => number;

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function prng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One case's seed from the run's seed, the target and the case number: any case replays alone. */
export function caseSeed(seed: number, target: string, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of `${target}:${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export const int = (rand: Rand, n: number) => Math.floor(rand() * n);
export const pick = <T>(rand: Rand, items: readonly T[]): T => items[int(rand, items.length)];

/** Sizes and counts that break readers: the edges of every integer width, and 2^44 / 2^52 of issue 10. */
export const HUGE: readonly bigint[] = [
  0n, 1n, 0xffn, 0xffffn, 0x7fffffffn, 0xffffffffn, 0x100000000n, 2n ** 30n, 2n ** 30n + 1n, 2n ** 40n, 2n ** 44n, 2n ** 52n,
  2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n,
];

/** Numbers a JSON or JavaScript reader may be handed where a size belongs. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0, -1, 1.5, 2 ** 30, 2 ** 30 + 1, 2 ** 32, 2 ** 44, 2 ** 52, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e308, -0, NaN, Infinity,
];

/**
 * Applies 1-3 mutations to a copy of `input`; returns the bytes and a description of each.
 * Half the byte mutations aim at the first `headBytes`, where a reader's trusted fields are.
 */
export function mutateBytes(rand: Rand, input: Uint8Array, fields: readonly FieldRef[] = [], headBytes = 2048): { bytes: Buffer; description: string[] } {
  let bytes = Buffer.from(input);
  const description: string[] = [];
  const n = 1 + int(rand, 3);
  for (let m = 0; m < n; m++) {
    const position = () => (bytes.length === 0 ? 0 : rand() < 0.5 ? int(rand, Math.min(bytes.length, headBytes)) : int(rand, bytes.length));
    const kind = int(rand, 8);
    if (kind === 0 && bytes.length > 0) {
      const at = position();
      const bit = int(rand, 8);
      bytes[at] ^= 1 << bit;
      description.push(`flip bit ${bit} of byte 0x${at.toString(16)}`);
    } else if (kind === 1 && bytes.length > 0) {
      const at = position();
      const value = pick(rand, [0, 0xff, int(rand, 256)]);
      const len = 1 + int(rand, 8);
      bytes.fill(value, at, Math.min(bytes.length, at + len));
      description.push(`set ${len} bytes at 0x${at.toString(16)} to 0x${value.toString(16)}`);
    } else if (kind === 2) {
      const length = int(rand, bytes.length + 1);
      bytes = bytes.subarray(0, length);
      description.push(`truncate to 0x${length.toString(16)}`);
    } else if (kind === 3) {
      const at = position();
      const inserted = Buffer.from(Array.from({ length: 1 + int(rand, 64) }, () => int(rand, 256)));
      bytes = Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(at)]);
      description.push(`insert ${inserted.length} bytes at 0x${at.toString(16)}`);
    } else if (kind === 4 && bytes.length > 0) {
      const at = position();
      const len = 1 + int(rand, 64);
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(bytes.length, at + len))]);
      description.push(`delete ${len} bytes at 0x${at.toString(16)}`);
    } else if (fields.length > 0) {
      const field = pick(rand, fields);
      if (field.offset + field.size > bytes.length) continue;
      const current = field.size === 2 ? BigInt(bytes.readUInt16LE(field.offset)) : field.size === 4 ? BigInt(bytes.readUInt32LE(field.offset)) : bytes.readBigUInt64LE(field.offset);
      const near = [current + 1n, current - 1n, current + 4096n, current - 4096n, current * 2n, BigInt(bytes.length), BigInt(bytes.length) + 1n];
      const value = pick(rand, [...HUGE, ...near, BigInt(int(rand, 2 ** 32)) * BigInt(int(rand, 2 ** 32))]);
      const max = (1n << BigInt(8 * field.size)) - 1n;
      const clamped = ((value % (max + 1n)) + (max + 1n)) % (max + 1n);
      if (field.size === 2) bytes.writeUInt16LE(Number(clamped), field.offset);
      else if (field.size === 4) bytes.writeUInt32LE(Number(clamped), field.offset);
      else bytes.writeBigUInt64LE(clamped, field.offset);
      description.push(`set ${field.name} to 0x${clamped.toString(16)}`);
    }
  }
  return { bytes, description };
}
