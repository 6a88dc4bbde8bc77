/**
 * Decoding of a scan chunk's frame codes (raw, or runs of code + LEB128 length). The page
 * cannot import app/chunk-codec.ts, which encodes them; test/renderer/chunk-codec.test.ts
 * decodes what that one encodes with this one.
 */
import type { ScanChunk } from '../../app/api';

export function chunkCodes(chunk: Pick<ScanChunk, 'encoding' | 'count' | 'data'>): Uint8Array {
  const { encoding, count, data } = chunk;
  if (encoding === 'raw') {
    if (data.length !== count) throw new RangeError(`raw chunk of ${data.length} bytes for ${count} frames`);
    return data;
  }
  if (encoding !== 'rle') throw new RangeError(`unknown chunk encoding ${String(encoding)}`);
  const codes = new Uint8Array(count);
  let filled = 0;
  for (let at = 0; at < data.length;) {
    const code = data[at++];
    let n = 0;
    let shift = 1;
    for (;;) {
      if (at >= data.length) throw new RangeError('truncated run-length chunk');
      const b = data[at++];
      n += (b & 0x7f) * shift;
      if (b < 0x80) break;
      shift *= 128;
    }
    if (n === 0 || filled + n > count) throw new RangeError(`run-length chunk overflows its ${count} frames`);
    codes.fill(code, filled, filled + n);
    filled += n;
  }
  if (filled !== count) throw new RangeError(`run-length chunk holds ${filled} of its ${count} frames`);
  return codes;
}
