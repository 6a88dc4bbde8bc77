/**
 * `npm run bench`: every benchmark of framescope, each printing ratios against a baseline
 * measured in the same run. Results go to stdout and to dist/bench/results.json; BENCHMARKS.md
 * records them with the machine they ran on.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { benchCliStart } from './cli-start';
import { benchFrameHistory } from './frame-history';
import { benchGrid } from './grid-frame-time';
import { benchGridScale } from './grid-scale';
import { benchScanThroughput } from './scan-throughput';
import { benchSearch } from './search-throughput';
import { benchServeMemory } from './serve-memory';
import { benchUiScan } from './ui-scan';

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  log(`framescope benchmarks on ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, node ${process.version}`);
  const results: Record<string, unknown> = { date: new Date().toISOString(), cpu: os.cpus()[0]?.model, cores: os.cpus().length };
  // `npm run bench -- grid-scale search` runs only those
  const only = process.argv.slice(2);
  const want = (name: string) => only.length === 0 || only.includes(name);
  if (want('scan')) results.scan = await benchScanThroughput(log);
  if (want('ui-scan')) results.uiScan = await benchUiScan(log);
  if (want('grid')) results.grid = await benchGrid(log);
  if (want('grid-scale')) results.gridScale = await benchGridScale(log);
  if (want('search')) results.search = await benchSearch(log);
  if (want('history')) results.history = await benchFrameHistory(log);
  if (want('cli-start')) results.cliStart = await benchCliStart(log);
  if (want('serve-memory')) results.serveMemory = await benchServeMemory(log);
  const out = path.join(__dirname, 'results.json');
  fs.writeFileSync(out, JSON.stringify(results, null, 2));
  log(`results written to ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(`bench: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
