/**
 * A seeded, bounded fuzz test of one parser, run by `npm test` like any other test file. The
 * target (a module exporting `target: FuzzTarget`) runs in a worker thread, so that a case that
 * hangs can be stopped and named. Each case must end in a valid parse or a refusal by one of
 * the target's own error types; a crash, another exception, a case past CASE_TIMEOUT_MS or
 * memory past the bound (RSS and ArrayBuffers, sampled after every case) fails the test with
 * the seed and the case to replay it.
 *
 * FRAMESCOPE_FUZZ_SEED picks the run's seed (default fixed, so CI is repeatable),
 * FRAMESCOPE_FUZZ_CASES scales the cases (1000 = as given), FRAMESCOPE_FUZZ_CASE=<target>:<n>
 * runs one case.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

import { caseSeed, prng, type Rand } from './fuzz';

export interface FuzzCase<I> {
  input: I;
  description: string;
}

export interface FuzzTarget<I> {
  name: string;
  /** Inputs run before the random ones (the attacks of issue 10 among them), each with the outcome it must have. */
  fixed(): Array<FuzzCase<I> & { expect: 'accepted' | 'refused' }>;
  /** One random case: a valid input, mutated. */
  make(rand: Rand): FuzzCase<I>;
  /**
   * Parses `input`: null when it was accepted (after checking what came out), else the name of
   * the error of our own that refused it. Anything else it throws fails the run.
   */
  run(input: I): string | null | Promise<string | null>;
}

const DEFAULT_SEED = 0x5eed2024;
const CASE_TIMEOUT_MS = 5000;
/** Memory above these after any case means a parser allocated out of proportion to its input. */
const MAX_RSS_MIB = 512;
const MAX_ARRAY_BUFFERS_MIB = 256;

interface Job {
  targetModule: string;
  seed: number;
  first: number;
  cases: number;
  /** Run the fixed cases first. */
  fixed: boolean;
}

type Message =
  | { type: 'case'; index: number; description: string }
  | { type: 'failure'; index: number; description: string; error: string }
  | { type: 'done'; accepted: number; refused: Record<string, number>; fixed: number; rssMiB: number; arrayBuffersMiB: number };

/** Registers the test of the target in `targetModule` (its compiled path). */
export function fuzzTest(targetName: string, targetModule: string, cases: number): void {
  const seed = process.env.FRAMESCOPE_FUZZ_SEED ? Number(process.env.FRAMESCOPE_FUZZ_SEED) : DEFAULT_SEED;
  const scale = process.env.FRAMESCOPE_FUZZ_CASES ? Number(process.env.FRAMESCOPE_FUZZ_CASES) / 1000 : 1;
  const only = process.env.FRAMESCOPE_FUZZ_CASE?.match(/^([a-z-]+):(\d+)$/);
  if (only && only[1] !== targetName) return;
  const job: Job = only
    ? { targetModule, seed, first: Number(only[2]), cases: 1, fixed: false }
    : { targetModule, seed, first: 0, cases: Math.max(1, Math.round(cases * scale)), fixed: true };
  test(`fuzzed ${targetName} inputs parse or are refused cleanly (${job.cases} cases, seed 0x${seed.toString(16)})`, async () => {
    const started = performance.now();
    const done = await runWorker(targetName, job);
    const refused = Object.values(done.refused).reduce((a, b) => a + b, 0);
    assert.equal(done.accepted + refused, job.cases + done.fixed);
    assert.ok(done.accepted > 0, 'some cases parse: the mutations are not all fatal');
    assert.ok(refused > 0, 'some cases are refused');
    console.log(`# ${targetName}: ${job.cases} cases + ${done.fixed} fixed in ${(performance.now() - started).toFixed(0)} ms: ${done.accepted} accepted, ` +
      `refused ${JSON.stringify(done.refused)}, peak RSS ${done.rssMiB.toFixed(0)} MiB, ArrayBuffers ${done.arrayBuffersMiB.toFixed(0)} MiB`);
  });
}

function runWorker(targetName: string, job: Job): Promise<Extract<Message, { type: 'done' }>> {
  const replay = (index: number) =>
    `replay: FRAMESCOPE_FUZZ_SEED=0x${job.seed.toString(16)} FRAMESCOPE_FUZZ_CASE=${targetName}:${Math.max(0, index)} node scripts/test.mjs ${targetName}-fuzz` +
    (index < 0 ? ' (a fixed case: they run before case 0 of every full run)' : '');
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: job });
    let current: { index: number; description: string } | null = null;
    let settled = false;
    const finish = (error: Error | null, done?: Extract<Message, { type: 'done' }>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve(done!);
    };
    const fail = (what: string, stack = '') => {
      const where = current ? ` in case ${current.index} (${current.description}); ${replay(current.index)}` : '';
      finish(new Error(`seed 0x${job.seed.toString(16)}, ${targetName}: ${what}${where}${stack ? `\n${stack}` : ''}`));
    };
    let timer = setTimeout(() => fail('worker did not start'), CASE_TIMEOUT_MS * 4);
    worker.on('message', (m: Message) => {
      clearTimeout(timer);
      if (m.type === 'case') {
        current = m;
        timer = setTimeout(() => fail(`no progress for ${CASE_TIMEOUT_MS} ms (hang)`), CASE_TIMEOUT_MS);
      } else if (m.type === 'failure') {
        current = m;
        fail(`unexpected outcome: ${m.error.split('\n')[0]}`, m.error);
      } else {
        finish(null, m);
      }
    });
    worker.on('error', (e) => fail(`worker crashed: ${e.message}`, e.stack));
    worker.on('exit', (code) => fail(`worker exited with code ${code}`));
  });
}

const MiB = 2 ** 20;

async function work(job: Job): Promise<void> {
  const port = parentPort!;
  const { target } = (await import(job.targetModule)) as { target: FuzzTarget<unknown> };
  const refused: Record<string, number> = {};
  let accepted = 0;
  const base = process.memoryUsage();
  let rssMiB = 0;
  let arrayBuffersMiB = 0;
  /** Runs one case; false when it failed (and was reported). */
  const one = async (index: number, c: FuzzCase<unknown>, expect?: 'accepted' | 'refused'): Promise<boolean> => {
    port.postMessage({ type: 'case', index, description: c.description } satisfies Message);
    try {
      const refusal = await target.run(c.input);
      if (expect === 'accepted' && refusal) throw new Error(`refused (${refusal}), but it must parse`);
      if (expect === 'refused' && !refusal) throw new Error('accepted, but it must be refused');
      if (refusal) refused[refusal] = (refused[refusal] ?? 0) + 1;
      else accepted++;
      const m = process.memoryUsage();
      rssMiB = Math.max(rssMiB, m.rss / MiB);
      arrayBuffersMiB = Math.max(arrayBuffersMiB, (m.arrayBuffers - base.arrayBuffers) / MiB);
      if (m.rss / MiB > MAX_RSS_MIB) throw new Error(`RSS reached ${(m.rss / MiB).toFixed(0)} MiB (bound ${MAX_RSS_MIB})`);
      if ((m.arrayBuffers - base.arrayBuffers) / MiB > MAX_ARRAY_BUFFERS_MIB) {
        throw new Error(`ArrayBuffers grew ${((m.arrayBuffers - base.arrayBuffers) / MiB).toFixed(0)} MiB (bound ${MAX_ARRAY_BUFFERS_MIB})`);
      }
      return true;
    } catch (e) {
      port.postMessage({ type: 'failure', index, description: c.description, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies Message);
      return false;
    }
  };
  const fixed = job.fixed ? target.fixed() : [];
  for (const [i, c] of fixed.entries()) if (!(await one(-1 - i, c, c.expect))) return;
  for (let index = job.first; index < job.first + job.cases; index++) {
    const c = target.make(prng(caseSeed(job.seed, target.name, index)));
    if (!(await one(index, c))) return;
  }
  port.postMessage({ type: 'done', accepted, refused, fixed: fixed.length, rssMiB, arrayBuffersMiB } satisfies Message);
}

if (!isMainThread && parentPort && (workerData as Job | undefined)?.targetModule) void work(workerData as Job);
