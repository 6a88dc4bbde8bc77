/**
 * How long the CLI takes to start: `framescope --version` against `node -e 0` (the floor) in the
 * same run. Issue 11 measured 4-13 s a start in a TCG dom0, where loading koffi, zod and the
 * server for every command dominated; they now load only for the commands that use them.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const CLI = path.join(__dirname, '..', 'app', 'cli.js');
const ROUNDS = 7;

function timeMs(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}`);
  return performance.now() - t;
}

export async function benchCliStart(log: (line: string) => void): Promise<{ cliMs: number; nodeMs: number; ratio: number }> {
  const cli: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    node.push(timeMs(['-e', '0']));
    cli.push(timeMs([CLI, '--version']));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cliMs = median(cli);
  const nodeMs = median(node);
  log(`cli start: framescope --version ${cliMs.toFixed(0)} ms, node -e 0 ${nodeMs.toFixed(0)} ms: ${(cliMs / nodeMs).toFixed(2)}x the floor (median of ${ROUNDS})`);
  return { cliMs, nodeMs, ratio: cliMs / nodeMs };
}
