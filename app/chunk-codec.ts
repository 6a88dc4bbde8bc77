/**
 * How scan chunks' frame codes travel: raw (one byte per frame) or run-length encoded, which
 * ever is smaller. Guests are mostly long runs (holes, RAM), so a 16 M-frame scan usually
 * crosses into the renderer in a fraction of a byte per frame, and never more than one plus
 * a few bytes of framing. The renderer decodes with its own copy (renderer/store/chunk-codec.ts),
 * which a test keeps equal to this one.
 *
 * RLE: for each run, the code (one byte), then the run's length as unsigned LEB128.
 */
import type { CodesEncoding, ScanChunk } from './api';

/**
 * The most frames one chunk may stand for. The scanner's chunks hold CHUNK_FRAMES (64 K), a
 * page-in's a batch: a chunk is a piece of a scan, and decoding one allocates a byte a frame,
 * so a count past this is damage (or a hostile peer), not a chunk.
 */
export const MAX_CHUNK_FRAMES = 1 << 24;

/** A chunk whose frame codes cannot be decoded. */
export class ChunkFormatError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkFormatError';
  }
}

export interface EncodedCodes {
  encoding: CodesEncoding;
  /** Frames the data stands for. */
  count: number;
  data: Uint8Array;
}

/**
 * The codes as runs where that is shorter, else raw. With `histogram`, each code's frames are
 * added to histogram[code] on the same walk (a scan's tally, saving it a pass of its own).
 */
export function encodeCodes(codes: Uint8Array, histogram?: Float64Array): EncodedCodes {
  const out = new Uint8Array(codes.length);
  const at = encodeRuns(codes, out, histogram);
  return at >= 0 && at < codes.length ? { encoding: 'rle', count: codes.length, data: out.slice(0, at) } : { encoding: 'raw', count: codes.length, data: codes };
}

/**
 * The runs of `codes` into `out` (as long as codes): the bytes written, or -1 once RLE cannot be
 * smaller. The loop runs long enough to be compiled while it runs (on-stack replacement), and
 * code after it that the compiled loop had no type feedback for sent it back to the interpreter
 * at every chunk's end (the earlier encoder spent most chunks interpreted): nothing follows it.
 */
function encodeRuns(codes: Uint8Array, out: Uint8Array, histogram: Float64Array | undefined): number {
  const n = codes.length;
  // a code and at most 5 LEB128 bytes; past this RLE has lost already
  const limit = n - 6;
  let at = 0;
  for (let i = 0; i < n;) {
    const code = codes[i];
    let end = i + 1;
    while (end < n && codes[end] === code) end++;
    if (histogram) histogram[code] += end - i;
    if (at > limit) {
      if (histogram) countRuns(codes, end, histogram);
      return -1;
    }
    out[at++] = code;
    let length = end - i; // < 2^24 (MAX_CHUNK_FRAMES): >>> is exact
    while (length >= 128) {
      out[at++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    out[at++] = length;
    i = end;
  }
  return at;
}

/** Adds the frames of codes[from..] to histogram[code], run by run. */
function countRuns(codes: Uint8Array, from: number, histogram: Float64Array): void {
  const n = codes.length;
  for (let i = from; i < n;) {
    const code = codes[i];
    let end = i + 1;
    while (end < n && codes[end] === code) end++;
    histogram[code] += end - i;
    i = end;
  }
}

/** A chunk's frame codes, one byte a frame. */
export function chunkCodes(chunk: Pick<ScanChunk, 'encoding' | 'count' | 'data'>): Uint8Array {
  return decodeCodes(chunk);
}

export function decodeCodes(encoded: EncodedCodes): Uint8Array {
  const { encoding, count, data } = encoded;
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_CHUNK_FRAMES) {
    throw new ChunkFormatError(`a chunk of ${count} frames (at most ${MAX_CHUNK_FRAMES})`);
  }
  if (!(data instanceof Uint8Array)) throw new ChunkFormatError('a chunk\'s data must be bytes');
  if (encoding === 'raw') {
    if (data.length !== count) throw new ChunkFormatError(`raw chunk of ${data.length} bytes for ${count} frames`);
    return data;
  }
  if (encoding !== 'rle') throw new ChunkFormatError(`unknown chunk encoding ${String(encoding)}`);
  const codes = new Uint8Array(count);
  let filled = 0;
  for (let at = 0; at < data.length;) {
    const code = data[at++];
    let n = 0;
    let shift = 1;
    for (;;) {
      if (at >= data.length) throw new ChunkFormatError('truncated run-length chunk');
      const b = data[at++];
      n += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
      // five LEB128 bytes hold 2^35, past any count: more is damage, and would overflow to NaN
      if (shift > 2 ** 28) throw new ChunkFormatError('run-length chunk with a run length of more than 5 bytes');
    }
    if (n === 0 || filled + n > count) throw new ChunkFormatError(`run-length chunk overflows its ${count} frames`);
    codes.fill(code, filled, filled + n);
    filled += n;
  }
  if (filled !== count) throw new ChunkFormatError(`run-length chunk holds ${filled} of its ${count} frames`);
  return codes;
}
