/**
 * Runs one reader of hostile input in a child process and measures it: the time it took and
 * how far its resident memory grew (the child's own peak RSS against its RSS before the job).
 * A child, because a reader that is not bounded can take gigabytes and minutes: the parent
 * kills it at the timeout and the test fails instead of the machine.
 *
 *   node measured-child.js read-snapshot FILE      readSnapshotFile (the CLI's reader)
 *   node measured-child.js cli ARG...              the CLI's main(), output captured
 *   node measured-child.js open-dump FILE          openDumpSource, then a scan plan of it
 *
 * It prints one JSON line: MeasuredOutcome.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export interface MeasuredOutcome {
  ok: boolean;
  error?: { name: string; message: string };
  /** What the job returned, when it returns something small. */
  value?: unknown;
  ms: number;
  /** Peak RSS during the job less RSS before it. */
  growthMiB: number;
}

export interface Measured extends Partial<MeasuredOutcome> {
  /** Set when the child did not finish in time or died: the job was not bounded. */
  killed: string | null;
  stderr: string;
}

/** Runs `job` in a child with a deadline; `killed` says why it gave no outcome. */
export function measured(job: string, args: string[], timeoutMs = 20_000): Measured {
  const r = spawnSync(process.execPath, [__filename, job, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 20 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.signal || r.status !== 0 || !line.startsWith('{')) {
    return { killed: r.signal ? `killed by ${r.signal} after ${timeoutMs} ms` : `exited ${r.status}`, stderr: r.stderr };
  }
  return { killed: null, stderr: r.stderr, ...(JSON.parse(line) as MeasuredOutcome) };
}

const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;

async function runJob(job: string, args: string[]): Promise<unknown> {
  const app = path.join(__dirname, '..', '..', 'app');
  if (job === 'read-snapshot') {
    const { readSnapshotFile } = await import(path.join(app, 'export-files.js')) as typeof import('../../app/export-files');
    const s = readSnapshotFile(args[0]);
    return { frames: s.header.frames };
  }
  if (job === 'cli') {
    const { main } = await import(path.join(app, 'cli.js')) as typeof import('../../app/cli');
    let out = '';
    let err = '';
    const code = await main(args, { out: (t) => (out += t), err: (t) => (err += t), isTTY: false });
    return { code, out: out.slice(0, 4096), err: err.slice(0, 4096) };
  }
  if (job === 'open-dump') {
    const { openDumpSource, DUMP_DOMAIN_ID } = await import(path.join(app, 'dump', 'dump-source.js')) as typeof import('../../app/dump/dump-source');
    const source = await openDumpSource(args[0]);
    try {
      return { kind: source.kind, frames: await source.frameCount(DUMP_DOMAIN_ID), present: source.presentFrames };
    } finally {
      await source.close();
    }
  }
  throw new Error(`unknown job ${job}`);
}

async function child(): Promise<void> {
  const [job, ...args] = process.argv.slice(2);
  const before = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  let outcome: MeasuredOutcome;
  try {
    const value = await runJob(job, args);
    outcome = { ok: true, value, ms: 0, growthMiB: 0 };
  } catch (e) {
    const error = e as Error;
    outcome = { ok: false, error: { name: error.name, message: error.message }, ms: 0, growthMiB: 0 };
  }
  outcome.ms = performance.now() - started;
  outcome.growthMiB = Math.max(0, maxRssMiB() - before);
  process.stdout.write(JSON.stringify(outcome) + '\n');
}

if (require.main === module) void child();
