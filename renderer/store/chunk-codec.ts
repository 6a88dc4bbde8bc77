/**
 * Decoding of a scan chunk's frame codes (raw, or runs of code + LEB128 length). The page
 * cannot import app/chunk-codec.ts, which encodes them; test/renderer/chunk-codec.test.ts
 * decodes what that one encodes with this one.
 */
import type { ScanChunk } from '../../app/api';

/** app/chunk-codec.ts's MAX_CHUNK_FRAMES (a test keeps them equal): decoding allocates a byte a frame. */
export const MAX_CHUNK_FRAMES = 1 << 24;

/** A chunk whose frame codes cannot be decoded. */
export class ChunkFormatError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkFormatError';
  }
}

export function chunkCodes(chunk: Pick<ScanChunk, 'encoding' | 'count' | 'data'>): Uint8Array {
  const { encoding, count, data } = chunk;
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
