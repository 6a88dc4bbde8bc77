/**
 * Frames per second of framescope's TypeScript pipeline (mapper worker, PrivcmdDevice, the
 * scanner, chunks posted to the main thread) against bench/scan-baseline.c doing the same
 * ioctls on the same emulator, host, domain, range and batch sizes. Both run here, now; the
 * ratio is what counts. Target: >= 0.8.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { startInspector } from '../app/inspector-client';
import { scanToEnd } from '../app/scan-to-end';

const ROOT = path.join(__dirname, '..', '..');
const DOMAIN = 3; // web-01: half RAM with paging under way, half holes
const FRAMES = 0x100000;
const BATCHES = [256, 1024, 4096];
const ROUNDS = 5;

export interface ScanBenchRow {
  batch: number;
  cFramesPerSecond: number;
  tsFramesPerSecond: number;
  ratio: number;
}

function buildBaseline(): string {
  const out = path.join(ROOT, 'dist', 'bench', 'scan-baseline');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const lib = path.join(ROOT, 'dist', 'native');
  execFileSync('gcc', ['-O2', '-o', out, path.join(ROOT, 'bench', 'scan-baseline.c'), `-L${lib}`, '-lprivcmd-sim', `-Wl,-rpath,${lib}`]);
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchScanThroughput(log: (line: string) => void): Promise<ScanBenchRow[]> {
  const baseline = buildBaseline();
  const inspector = await startInspector({ backend: 'sim', simClock: 'stepped' });
  const rows: ScanBenchRow[] = [];
  try {
    await scanToEnd(inspector, { domain: DOMAIN, batch: 1024 }); // warm up both sides' caches
    for (const batch of BATCHES) {
      const c: number[] = [];
      const ts: number[] = [];
      // interleaved, so that a noisy moment hurts both sides alike
      for (let round = 0; round < ROUNDS; round++) {
        const out = JSON.parse(execFileSync(baseline, [String(DOMAIN), '0', String(FRAMES), String(batch), '1'], { encoding: 'utf8' }));
        c.push(out.frames / out.seconds);
        const started = performance.now();
        const summary = await scanToEnd(inspector, { domain: DOMAIN, first: 0, last: FRAMES - 1, batch });
        ts.push(summary.scanned / ((performance.now() - started) / 1000));
      }
      const row = { batch, cFramesPerSecond: median(c), tsFramesPerSecond: median(ts), ratio: median(ts) / median(c) };
      rows.push(row);
      log(`scan  batch ${String(batch).padStart(5)}  C ${(row.cFramesPerSecond / 1e6).toFixed(2)} M frames/s  ` +
        `TypeScript ${(row.tsFramesPerSecond / 1e6).toFixed(2)} M frames/s  ratio ${row.ratio.toFixed(2)} (target >= 0.8)`);
    }
  } finally {
    await inspector.close();
  }
  return rows;
}
