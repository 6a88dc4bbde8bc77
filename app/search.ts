/**
 * Search of guest memory: a byte pattern (hex) or a string (ASCII or UTF-16LE) across the
 * mapped frames of a range. Frames are read a batch at a time, so memory stays bounded by
 * the batch; a match may straddle two frames as long as both are mapped and adjacent.
 */
import type { PrivcmdAbiName } from './api';
import type { FrameSource } from './frame-source';
import { CODE_MAPPED } from './frame-status';
import { diagnoseBatch, failedAlike } from './scanner';

const PAGE_SIZE = 4096;
export const SEARCH_BATCH = 256; // 1 MiB of guest memory a read
export const DEFAULT_MAX_HITS = 1000;
export const MAX_PATTERN_BYTES = 1024;
const CONTEXT_BYTES = 16;
const YIELD_INTERVAL_MS = 50;

export type SearchEncoding = 'ascii' | 'utf16le';

export interface PatternSpec {
  hex?: string;
  text?: string;
  encoding?: SearchEncoding;
}

export interface SearchHit {
  gfn: number;
  offset: number;
  /** Bytes around the hit: CONTEXT_BYTES before (where there are any), the match, and after. */
  context: Uint8Array;
  /** Offset of the match inside context. */
  contextOffset: number;
}

export interface SearchProgress {
  scanned: number;
  frames: number;
  hits: number;
  bytesSearched: number;
}

export interface SearchSummary extends SearchProgress {
  pattern: string;
  mappedFrames: number;
  /** More hits existed than maxHits; the rest were not reported. */
  truncated: boolean;
  cancelled: boolean;
  durationMs: number;
  error: string | null;
}

export interface SearchOptions {
  domain: number;
  first: number;
  last: number;
  pattern: Uint8Array;
  maxHits?: number;
  batch?: number;
  signal?: AbortSignal;
  abi?: PrivcmdAbiName;
  onHits?: (hits: SearchHit[]) => void;
  onProgress?: (progress: SearchProgress) => void;
}

export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

/** The bytes to look for: hex ("de ad be ef", "0xdeadbeef") or text in ASCII or UTF-16LE. */
export function parsePattern(spec: PatternSpec): Uint8Array {
  if ((spec.hex === undefined) === (spec.text === undefined)) throw new PatternError('give either a hex pattern or a string');
  let bytes: Uint8Array;
  if (spec.hex !== undefined) {
    const digits = spec.hex.replace(/^0x/i, '').replace(/[\s:]/g, '');
    if (!/^([0-9a-f]{2})+$/i.test(digits)) throw new PatternError(`'${spec.hex}' is not hex bytes (pairs of 0-9a-f)`);
    bytes = Buffer.from(digits, 'hex');
  } else {
    const text = spec.text!;
    if (spec.encoding !== 'utf16le' && /[^\x20-\x7e\t\r\n]/.test(text)) throw new PatternError('an ASCII search string takes printable ASCII only (use utf16le or hex for the rest)');
    bytes = Buffer.from(text, spec.encoding === 'utf16le' ? 'utf16le' : 'latin1');
  }
  if (bytes.length === 0) throw new PatternError('the pattern is empty');
  if (bytes.length > MAX_PATTERN_BYTES) throw new PatternError(`the pattern is longer than ${MAX_PATTERN_BYTES} bytes`);
  return bytes;
}

/** Each match of `needle` in `haystack` starting before `limit`. */
function* matches(haystack: Buffer, needle: Buffer, limit = haystack.length): Generator<number> {
  for (let at = haystack.indexOf(needle, 0); at !== -1 && at < limit; at = haystack.indexOf(needle, at + 1)) yield at;
}

export async function searchFrames(source: FrameSource, options: SearchOptions): Promise<SearchSummary> {
  const started = performance.now();
  const needle = Buffer.from(options.pattern);
  const maxHits = options.maxHits ?? DEFAULT_MAX_HITS;
  const batch = options.batch ?? SEARCH_BATCH;
  const summary: SearchSummary = {
    pattern: needle.toString('hex'),
    scanned: 0,
    frames: options.last - options.first + 1,
    hits: 0,
    bytesSearched: 0,
    mappedFrames: 0,
    truncated: false,
    cancelled: false,
    durationMs: 0,
    error: null,
  };
  // The last needle.length - 1 bytes of the previous mapped run, when it reaches the frame
  // just before the current one: a match may start there and end here.
  let carry: { address: number; bytes: Buffer } | null = null;
  let pending: SearchHit[] = [];
  let lastYield = started;

  const report = (address: number, buffer: Buffer, at: number) => {
    if (summary.hits >= maxHits) {
      summary.truncated = true;
      return;
    }
    summary.hits++;
    const from = Math.max(0, at - CONTEXT_BYTES);
    const to = Math.min(buffer.length, at + needle.length + CONTEXT_BYTES);
    const hitAddress = address + at;
    pending.push({
      gfn: Math.floor(hitAddress / PAGE_SIZE),
      offset: hitAddress % PAGE_SIZE,
      context: Uint8Array.from(buffer.subarray(from, to)),
      contextOffset: at - from,
    });
  };

  for (let gfn = options.first; gfn <= options.last; gfn += batch) {
    if (options.signal?.aborted) {
      summary.cancelled = true;
      break;
    }
    const count = Math.min(batch, options.last - gfn + 1);
    let codes: Uint8Array;
    let contents: Buffer;
    try {
      const r = await source.mapFrames(options.domain, gfn, count, { mode: 'observe', copy: true, signal: options.signal, abi: options.abi });
      codes = r.codes;
      contents = Buffer.from(r.contents!.buffer, r.contents!.byteOffset, r.contents!.byteLength);
    } catch (e) {
      summary.error = `search stopped at gfn 0x${gfn.toString(16)}: ${(e as Error).message}`;
      break;
    }
    const why = failedAlike(codes) ? await diagnoseBatch(source, options.domain, gfn, codes) : null;
    if (why) {
      summary.error = why;
      break;
    }
    for (let i = 0; i < count;) {
      if (codes[i] !== CODE_MAPPED) {
        carry = null;
        i++;
        continue;
      }
      let end = i + 1;
      while (end < count && codes[end] === CODE_MAPPED) end++;
      const run = contents.subarray(i * PAGE_SIZE, end * PAGE_SIZE);
      const address = (gfn + i) * PAGE_SIZE;
      summary.mappedFrames += end - i;
      summary.bytesSearched += run.length;
      if (carry && carry.address + carry.bytes.length === address) {
        // only matches starting in the carried bytes: the rest are found in the run itself
        const seam = Buffer.concat([carry.bytes, run.subarray(0, needle.length - 1)]);
        for (const at of matches(seam, needle, carry.bytes.length)) report(carry.address, seam, at);
      }
      for (const at of matches(run, needle)) report(address, run, at);
      const keep = Math.min(needle.length - 1, run.length);
      carry = keep > 0 ? { address: address + run.length - keep, bytes: Buffer.from(run.subarray(run.length - keep)) } : null;
      i = end;
    }
    summary.scanned += count;
    if (pending.length) {
      options.onHits?.(pending);
      pending = [];
    }
    if (performance.now() - lastYield > YIELD_INTERVAL_MS) {
      options.onProgress?.({ scanned: summary.scanned, frames: summary.frames, hits: summary.hits, bytesSearched: summary.bytesSearched });
      // let a cancel request (or anything else this thread serves) in
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  options.onProgress?.({ scanned: summary.scanned, frames: summary.frames, hits: summary.hits, bytesSearched: summary.bytesSearched });
  if (pending.length) options.onHits?.(pending);
  summary.durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  return summary;
}
