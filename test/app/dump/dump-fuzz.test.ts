/**
 * Fuzzes the dump readers: valid dumps of each kind, mutated with a seeded PRNG (bit flips, bytes
 * set to 0 / 0xff / random, truncation, inserted and deleted bytes, header fields set to huge or
 * off-by-one values), each opened and scanned frame by frame with contents. Opening must succeed
 * or throw DumpFormatError / RangeError; anything else, a case that runs past CASE_TIMEOUT_MS or
 * a worker that dies fails the test with the seed, the case and the file to replay it.
 *
 * Each kind runs in a worker thread so that a reader stuck in a loop can be stopped and named.
 * FRAMESCOPE_FUZZ_SEED picks the run's seed (default fixed, so CI is repeatable),
 * FRAMESCOPE_FUZZ_CASES the cases per kind (scaled), FRAMESCOPE_FUZZ_CASE=<kind>:<n> one case.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { after, test } from 'node:test';

import type { FuzzJob, FuzzMessage } from './dump-fuzz-worker';

const DEFAULT_SEED = 0x5eed2024;
const CASE_TIMEOUT_MS = 5000;
/** Process memory above this after a kind's cases means a reader allocated out of proportion (~150 MiB seen). */
const MAX_RSS_MIB = 512;
/** Cases per kind, about 3000 in all; the formats with more header fields get more. */
const CASES: Record<FuzzJob['kind'], number> = { 'xen-hvm': 900, 'xen-pv': 700, 'qemu-elf': 1200, raw: 200 };

const seed = process.env.FRAMESCOPE_FUZZ_SEED ? Number(process.env.FRAMESCOPE_FUZZ_SEED) : DEFAULT_SEED;
const scale = process.env.FRAMESCOPE_FUZZ_CASES ? Number(process.env.FRAMESCOPE_FUZZ_CASES) / 1000 : 1;
const only = process.env.FRAMESCOPE_FUZZ_CASE?.match(/^([a-z-]+):(\d+)$/);

const dir = mkdtempSync(join(tmpdir(), 'framescope-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  opened: number;
  refused: Record<string, number>;
  rssMiB: number;
  /** Issue 10's fixed cases, run before the random ones (all refused). */
  fixed: number;
}

function replayHint(kind: string, index: number): string {
  // the fixed cases (negative indices) run before case 0 of every run
  if (index < 0) index = 0;
  return `replay: FRAMESCOPE_FUZZ_SEED=0x${seed.toString(16)} FRAMESCOPE_FUZZ_CASE=${kind}:${index} node --test dist/test/app/dump/dump-fuzz.test.js`;
}

/** Keeps the case's file for inspection and says where it is. */
function keep(kind: string, index: number, path: string): string {
  const kept = join(tmpdir(), `framescope-fuzz-${kind}-${index}`);
  copyFileSync(path, kept);
  return kept;
}

function fuzz(job: FuzzJob): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'dump-fuzz-worker.js'), { workerData: job });
    let current: { index: number; mutations: string; path: string } | null = null;
    let settled = false;
    const finish = (error: Error | null, outcome?: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve(outcome!);
    };
    /** One line naming the case and how to replay it, then any stack. */
    const fail = (what: string, stack = '') => {
      if (settled) return;
      const where = current ? ` in case ${current.index} (${current.mutations}); file kept at ${keep(job.kind, current.index, current.path)}; ${replayHint(job.kind, current.index)}` : '';
      finish(new Error(`seed 0x${seed.toString(16)}, ${job.kind}: ${what}${where}${stack ? `\n${stack}` : ''}`));
    };
    let timer = setTimeout(() => fail('worker did not start'), CASE_TIMEOUT_MS * 4);
    worker.on('message', (m: FuzzMessage) => {
      clearTimeout(timer);
      if (m.type === 'case') {
        current = m;
        timer = setTimeout(() => fail(`no progress for ${CASE_TIMEOUT_MS} ms (hang)`), CASE_TIMEOUT_MS);
      } else if (m.type === 'failure') {
        current = m;
        fail(`unexpected error: ${m.error.split('\n')[0]}`, m.error);
      } else {
        finish(null, m);
      }
    });
    worker.on('error', (e) => fail(`worker crashed: ${e.message}`, e.stack));
    worker.on('exit', (code) => fail(`worker exited with code ${code}`));
  });
}

for (const kind of Object.keys(CASES) as Array<FuzzJob['kind']>) {
  if (only && only[1] !== kind) continue;
  const job: FuzzJob = only
    ? { kind, seed, first: Number(only[2]), cases: 1, dir }
    : { kind, seed, first: 0, cases: Math.max(1, Math.round(CASES[kind] * scale)), dir };
  test(`fuzzed ${kind} dumps open or are refused cleanly (${job.cases} cases, seed 0x${seed.toString(16)})`, async () => {
    const started = performance.now();
    const outcome = await fuzz(job);
    const refusedTotal = Object.values(outcome.refused).reduce((a, b) => a + b, 0);
    assert.equal(outcome.opened + refusedTotal, job.cases + outcome.fixed);
    assert.ok(outcome.rssMiB < MAX_RSS_MIB, `RSS reached ${outcome.rssMiB.toFixed(0)} MiB`);
    console.log(`# ${kind}: ${job.cases} cases in ${(performance.now() - started).toFixed(0)} ms: ${outcome.opened} opened, refused ${JSON.stringify(outcome.refused)}, RSS ${outcome.rssMiB.toFixed(0)} MiB`);
  });
}
