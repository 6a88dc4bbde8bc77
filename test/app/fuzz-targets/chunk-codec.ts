/**
 * Fuzz target: the chunk codec, the inspector's decoder and the page's copy together. Every
 * case must come out the same from both: the same codes, or a ChunkFormatError from each.
 * Mutations: the data's bytes, the count (huge, negative, fractional, off by one), the encoding,
 * and run-length data written from scratch (long LEB128 continuations, zero-length runs).
 */
import { ChunkFormatError, decodeCodes, encodeCodes, type EncodedCodes, MAX_CHUNK_FRAMES } from '../../../app/chunk-codec';
import { ChunkFormatError as PageChunkFormatError, chunkCodes as pageChunkCodes } from '../../../renderer/store/chunk-codec';
import type { FuzzCase, FuzzTarget } from '../../fakes/fuzz-harness';
import { HOSTILE_NUMBERS, int, mutateBytes, pick, type Rand } from '../../fakes/fuzz';

type Input = EncodedCodes;

const BASES: EncodedCodes[] = [
  new Uint8Array(65536).fill(22),
  Uint8Array.from({ length: 65536 }, (_, i) => (i % 97 === 0 ? 2 : 0)),
  Uint8Array.from({ length: 20000 }, (_, i) => (i < 127 ? 0 : i < 255 ? 1 : i < 16639 ? 2 : 3)),
  Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff),
  Uint8Array.of(255),
  new Uint8Array(0),
].map((codes) => encodeCodes(codes));

/** Run-length data written from scratch: runs of random lengths, some encoded badly on purpose. */
function randomRuns(rand: Rand): { data: Uint8Array; frames: number } {
  const out: number[] = [];
  let frames = 0;
  for (let r = 1 + int(rand, 8); r > 0; r--) {
    out.push(int(rand, 256));
    const n = pick(rand, [0, 1, 127, 128, 16384, 2 ** 21, MAX_CHUNK_FRAMES, 2 ** 35, int(rand, 5000)]);
    frames += n;
    let v = n;
    for (;;) {
      if (v < 128) {
        out.push(v);
        break;
      }
      out.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    if (rand() < 0.1) out.push(...new Array(1 + int(rand, 200)).fill(0x80), 0);
  }
  return { data: Uint8Array.from(out), frames };
}

/** The outcome of one decoder: its codes, or the name of the error of ours that refused the chunk. */
function outcome(decode: (c: Input) => Uint8Array, ours: new (...a: never[]) => Error, c: Input): Uint8Array | string {
  try {
    return decode(c);
  } catch (e) {
    if (e instanceof ours) return e.name;
    throw e;
  }
}

export const target: FuzzTarget<Input> = {
  name: 'chunk-codec',

  fixed() {
    const refused = (description: string, input: unknown) => ({ description, input: input as Input, expect: 'refused' as const });
    return [
      refused('a run of 2^40 frames in 7 bytes', { encoding: 'rle', count: 2 ** 40, data: Uint8Array.of(0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10) }),
      refused('one frame past MAX_CHUNK_FRAMES', { encoding: 'rle', count: MAX_CHUNK_FRAMES + 1, data: Uint8Array.of(0, 1) }),
      refused('a LEB128 length of 200 bytes', { encoding: 'rle', count: 10, data: Uint8Array.of(0, ...new Array(200).fill(0x80), 0) }),
      refused('a count of NaN', { encoding: 'rle', count: NaN, data: Uint8Array.of(0, 1) }),
      refused('data that is not bytes', { encoding: 'raw', count: 2, data: [1, 2] }),
      { description: 'a valid run of 2^24 frames in 5 bytes', input: { encoding: 'rle', count: MAX_CHUNK_FRAMES, data: Uint8Array.of(22, 0x80, 0x80, 0x80, 0x08) }, expect: 'accepted' },
    ];
  },

  make(rand): FuzzCase<Input> {
    const b = int(rand, BASES.length);
    const base = BASES[b];
    const strategy = int(rand, 10);
    if (strategy < 5) {
      const { bytes, description } = mutateBytes(rand, base.data, [], 64);
      return { input: { ...base, data: new Uint8Array(bytes) }, description: `base ${b} (${base.encoding}): ${description.join('; ')}` };
    }
    if (strategy < 8) {
      const count = pick(rand, [...HOSTILE_NUMBERS, base.count - 1, base.count + 1, MAX_CHUNK_FRAMES, MAX_CHUNK_FRAMES + 1]);
      return { input: { ...base, count }, description: `base ${b} (${base.encoding}): count ${count}` };
    }
    if (strategy < 9) {
      const encoding = pick(rand, ['raw', 'rle', 'zip', '']) as EncodedCodes['encoding'];
      return { input: { ...base, encoding }, description: `base ${b}: encoding ${encoding}` };
    }
    const { data, frames } = randomRuns(rand);
    const count = rand() < 0.7 ? frames : pick(rand, HOSTILE_NUMBERS);
    return { input: { encoding: 'rle', count, data }, description: `runs written from scratch: ${data.length} bytes, ${frames} frames, count ${count}` };
  },

  run(input) {
    const app = outcome(decodeCodes, ChunkFormatError, input);
    const page = outcome(pageChunkCodes, PageChunkFormatError, input);
    if (typeof app === 'string' || typeof page === 'string') {
      if (typeof app !== typeof page) throw new Error(`the inspector ${typeof app === 'string' ? 'refused' : 'decoded'} it, the page ${typeof page === 'string' ? 'refused' : 'decoded'} it`);
      return app as string;
    }
    if (app.length !== input.count) throw new Error(`${app.length} codes for a count of ${input.count}`);
    if (!Buffer.from(app).equals(Buffer.from(page))) throw new Error('the inspector and the page decoded different codes');
    return null;
  },
};
