/**
 * The fuzzer's worker (see dump-fuzz.test.ts): mutates valid dumps of one kind with a seeded
 * PRNG, detects each one's kind, opens it and scans every frame with contents. It reports each case before running it,
 * so the parent can name the case that hung or crashed the worker, and any exception other than
 * DumpFormatError or RangeError as a failure.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

import { detectDumpKind, DUMP_DOMAIN_ID, DumpFormatError, openDumpSource } from '../../../app/dump/dump-source';
import { MAX_DUMP_FRAMES } from '../../../app/dump/layout';
import { CODE_MAPPED, CODE_NOT_IN_DUMP } from '../../../app/frame-status';
import { type BuiltDump, buildDump, dumpBytes, type DumpSpec, PAGE } from '../../fakes/dump-builders';
import { caseSeed, int, mutateBytes, prng, type Rand } from '../../fakes/fuzz';

export interface FuzzJob {
  kind: DumpSpec['kind'];
  seed: number;
  first: number;
  cases: number;
  dir: string;
}

export type FuzzMessage =
  | { type: 'case'; index: number; mutations: string; path: string }
  | { type: 'failure'; index: number; mutations: string; path: string; error: string }
  | { type: 'done'; opened: number; refused: Record<string, number>; rssMiB: number; fixed: number };

/**
 * Frames scanned from the start of a mutated dump, plus one batch at its end: every frame of the
 * valid dumps, but not the 2^40 frames a mutated size can claim.
 */
const SCAN_FRAMES = 1 << 14;
const BATCH = 1024;
const ZERO_PAGE = Buffer.alloc(PAGE);

const VALID: Record<DumpSpec['kind'], DumpSpec[]> = {
  'xen-hvm': [
    { kind: 'xen-hvm', pages: gfns([...range(0, 6), null, ...range(10, 4), 0x40, 0x3f, null]) },
    { kind: 'xen-hvm', sharedInfo: true, nrVcpus: 2, pages: gfns([5, 4, 3, 2, 1, 0]) },
  ],
  'xen-pv': [
    { kind: 'xen-pv', pages: gfns([...range(0, 8), null, ...range(0x20, 3)]) },
    { kind: 'xen-pv', sharedInfo: false, pages: gfns([0x100, 0, 1]) },
  ],
  'qemu-elf': [
    { kind: 'qemu-elf', segments: [{ gfn: 0, frames: 4 }, { gfn: 4, frames: 2 }, { gfn: 8, frames: 4, fileFrames: 2 }, { gfn: 0x20, frames: 2, tailBytes: 100 }] },
    { kind: 'qemu-elf', elfClass: 32, segments: [{ gfn: 0, frames: 3 }, { gfn: 16, frames: 3 }] },
    { kind: 'qemu-elf', xnum: true, segments: [{ gfn: 2, frames: 4 }, { gfn: 0, frames: 4, seed: 1 }] },
    { kind: 'qemu-elf', qemu72: true, segments: [{ gfn: 0, frames: 6 }, { gfn: 0x1f0, frames: 2 }] },
  ],
  raw: [{ kind: 'raw', frames: 6, tailBytes: 100 }, { kind: 'raw', frames: 3 }],
};

/**
 * Issue 10's attacks, run before the random cases: one field of a valid dump set to a size the
 * file cannot hold (p_memsz 2^44 in an 8 KiB file made a scan take 4.3 GB; 2^52 failed with
 * "Invalid typed array length"), and their kin in each format.
 */
const FIXED: Record<DumpSpec['kind'], Array<{ base: number; field: string; value: bigint }>> = {
  'xen-hvm': [
    { base: 0, field: '.xen_pfn[1]', value: 2n ** 39n },
    { base: 0, field: '.xen_pfn[1]', value: 2n ** 30n },
    { base: 0, field: 'xch_nr_pages', value: 2n ** 40n },
  ],
  'xen-pv': [{ base: 0, field: '.xen_p2m[0]', value: 2n ** 39n }],
  'qemu-elf': [
    { base: 0, field: 'phdr1.p_memsz', value: 2n ** 44n },
    { base: 0, field: 'phdr1.p_memsz', value: 2n ** 52n },
    { base: 0, field: 'phdr1.p_paddr', value: 2n ** 52n - 4096n },
  ],
  raw: [],
};

function range(from: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

function gfns(list: Array<number | null>) {
  return list.map((gfn) => ({ gfn }));
}

/** Applies 1-3 mutations to the dump's bytes, its header fields among the targets. */
function mutate(rand: Rand, built: BuiltDump): { bytes: Buffer; description: string[] } {
  return mutateBytes(rand, dumpBytes(built), built.fields);
}

/** Opens and scans; returns the error's class name when the dump was refused. */
/** Detection reads only the headers: a kind, or a refusal of our own. */
async function detect(path: string): Promise<string> {
  try {
    return await detectDumpKind(path);
  } catch (e) {
    if (e instanceof DumpFormatError) return 'refused';
    throw e;
  }
}

async function openAndScan(path: string): Promise<string | null> {
  let source;
  const detected = await detect(path);
  try {
    source = await openDumpSource(path);
  } catch (e) {
    if (e instanceof DumpFormatError || e instanceof RangeError) return e.name;
    throw e;
  }
  try {
    if (detected !== source.kind) throw new Error(`detected as ${detected} but opened as ${source.kind}`);
    const frames = await source.frameCount(DUMP_DOMAIN_ID);
    if (!(Number.isSafeInteger(frames) && frames > 0 && source.presentFrames <= frames)) throw new Error(`bad sizes: ${frames} frames, ${source.presentFrames} present`);
    // a scan allocates a byte a frame: an opened dump never spans more than the bound
    if (frames > MAX_DUMP_FRAMES) throw new Error(`opened with ${frames} frames, past MAX_DUMP_FRAMES`);
    const windows: Array<[number, number]> = [[0, Math.min(frames, SCAN_FRAMES)]];
    if (frames > SCAN_FRAMES) windows.push([Math.max(SCAN_FRAMES, frames - BATCH), frames]);
    let mapped = 0;
    for (const [from, to] of windows) {
      for (let first = from; first < to; first += BATCH) {
        const count = Math.min(BATCH, to - first);
        const r = await source.mapFrames(DUMP_DOMAIN_ID, first, count, { mode: 'observe', copy: true });
        if (r.codes.length !== count || r.contents?.length !== count * PAGE) throw new Error(`mapFrames(${first}, ${count}) returned ${r.codes.length} codes and ${r.contents?.length} bytes`);
        for (let i = 0; i < count; i++) {
          if (r.codes[i] === CODE_MAPPED) mapped++;
          else if (r.codes[i] !== CODE_NOT_IN_DUMP) throw new Error(`gfn ${first + i}: code ${r.codes[i]}`);
          else if (!ZERO_PAGE.equals(r.contents.subarray(i * PAGE, (i + 1) * PAGE))) throw new Error(`absent gfn ${first + i} has contents`);
        }
      }
    }
    if (frames <= SCAN_FRAMES && mapped !== source.presentFrames) throw new Error(`${mapped} frames mapped but ${source.presentFrames} reported present`);
    return null;
  } finally {
    await source.close();
  }
}

/** A valid dump with one recorded field set. */
function withField(built: BuiltDump, field: string, value: bigint): Buffer {
  const bytes = dumpBytes(built);
  const f = built.fields.find((x) => x.name === field);
  if (!f) throw new Error(`the builder records no field ${field}`);
  if (f.size === 2) bytes.writeUInt16LE(Number(value), f.offset);
  else if (f.size === 4) bytes.writeUInt32LE(Number(value), f.offset);
  else bytes.writeBigUInt64LE(value, f.offset);
  return bytes;
}

async function run(job: FuzzJob): Promise<void> {
  const port = parentPort!;
  const bases = VALID[job.kind].map((spec) => buildDump(spec));
  const refused: Record<string, number> = {};
  let opened = 0;
  const path = join(job.dir, `${job.kind}-case`);
  for (const [i, fixed] of (job.first === 0 ? FIXED[job.kind] : []).entries()) {
    const mutations = `fixed case ${i}: base ${fixed.base}: set ${fixed.field} to 0x${fixed.value.toString(16)}`;
    writeFileSync(path, withField(bases[fixed.base], fixed.field, fixed.value));
    port.postMessage({ type: 'case', index: -1 - i, mutations, path } satisfies FuzzMessage);
    try {
      const refusal = await openAndScan(path);
      if (!refusal) throw new Error('a size the file cannot hold was accepted');
      refused[refusal] = (refused[refusal] ?? 0) + 1;
    } catch (e) {
      port.postMessage({ type: 'failure', index: -1 - i, mutations, path, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FuzzMessage);
      return;
    }
  }
  for (let index = job.first; index < job.first + job.cases; index++) {
    const rand = prng(caseSeed(job.seed, job.kind, index));
    const base = int(rand, bases.length);
    const { bytes, description } = mutate(rand, bases[base]);
    const mutations = `base ${base}: ${description.join('; ') || 'none'}`;
    writeFileSync(path, bytes);
    port.postMessage({ type: 'case', index, mutations, path } satisfies FuzzMessage);
    try {
      const refusal = await openAndScan(path);
      if (refusal) refused[refusal] = (refused[refusal] ?? 0) + 1;
      else opened++;
    } catch (e) {
      port.postMessage({ type: 'failure', index, mutations, path, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies FuzzMessage);
      return;
    }
  }
  const fixed = job.first === 0 ? FIXED[job.kind].length : 0;
  port.postMessage({ type: 'done', opened, refused, rssMiB: process.memoryUsage().rss / 2 ** 20, fixed } satisfies FuzzMessage);
}

if (parentPort) void run(workerData as FuzzJob);
