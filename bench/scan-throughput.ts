/**
 * Frames per second of framescope's TypeScript pipeline (mapper worker, PrivcmdDevice, the
 * scanner, chunks posted to the main thread) against bench/scan-baseline.c doing the same
 * ioctls on the same emulator, host, domain, range and batch sizes. Both run here, now; the
 * ratio is what counts. Target: >= 0.95 at every batch size.
 *
 * Each side also says where its time went, in ns a frame: the C loop's mmap, ioctl, decode and
 * munmap; framescope's the same four (its scan profile) plus the scanner's chunks, the glue
 * between them, and the fixed cost of a scan (starting it over the worker's RPC and hearing its
 * end). Two ranges, 1 M and 16 M frames, tell a fixed cost from a cost per frame.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { ScanProfile } from '../app/api';
import { startInspector } from '../app/inspector-client';
import { scanToEnd } from '../app/scan-to-end';

const ROOT = path.join(__dirname, '..', '..');
const CASES = [
  // web-01: half RAM with paging under way, half holes; scanned 4 times a round, so that a round
  // lasts a second or more on a fast machine
  { label: 'web-01 1 M', domain: 3, frames: 0x100000, repeats: 4 },
  // bigmem-64g: 16 M frames nearly all mapped
  { label: 'bigmem 16 M', domain: 5, frames: 0x1000000, repeats: 1 },
];
const BATCHES = [256, 1024, 4096, 16384];
const ROUNDS = 5;
export const SCAN_TARGET = 0.95;

interface Side {
  median: number;
  min: number;
  max: number;
  /** ns a frame in each stage, over every round. */
  stages: Record<string, number>;
}

export interface ScanBenchRow {
  case: string;
  frames: number;
  batch: number;
  c: Side;
  ts: Side;
  /** Starting a scan and hearing its end, beyond the worker's scan loop. */
  tsFixedMsPerScan: number;
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

function side(rates: number[], stageSeconds: Record<string, number>, frames: number): Side {
  const stages = Object.fromEntries(Object.entries(stageSeconds).map(([k, s]) => [k, (s * 1e9) / frames]));
  return { median: median(rates), min: Math.min(...rates), max: Math.max(...rates), stages };
}

const rate = (s: Side) => `${(s.median / 1e6).toFixed(2)} M/s (${(s.min / 1e6).toFixed(2)}-${(s.max / 1e6).toFixed(2)})`;
const stageList = (s: Side) => Object.entries(s.stages).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(' ');

export async function benchScanThroughput(log: (line: string) => void): Promise<ScanBenchRow[]> {
  const baseline = buildBaseline();
  const inspector = await startInspector({ backend: 'sim', simClock: 'stepped' });
  const rows: ScanBenchRow[] = [];
  try {
    await scanToEnd(inspector, { domain: 3, batch: 1024 }); // warm up both sides' caches
    for (const c of CASES) {
      for (const batch of BATCHES) {
        const cRates: number[] = [];
        const tsRates: number[] = [];
        const cStages: Record<string, number> = { mmap: 0, ioctl: 0, decode: 0, munmap: 0 };
        const tsStages: Record<string, number> = { mmap: 0, ioctl: 0, decode: 0, munmap: 0, chunks: 0, glue: 0 };
        let fixedMs = 0;
        let scans = 0;
        let framesDone = 0;
        // interleaved, so that a noisy moment hurts both sides alike
        for (let round = 0; round < ROUNDS; round++) {
          const out = JSON.parse(execFileSync(baseline, [String(c.domain), '0', String(c.frames), String(batch), String(c.repeats)], { encoding: 'utf8' }));
          cRates.push(out.frames / out.seconds);
          for (const k of Object.keys(cStages)) cStages[k] += out.stages[k];
          const started = performance.now();
          let scanned = 0;
          for (let r = 0; r < c.repeats; r++) {
            const scanStarted = performance.now();
            const summary = await scanToEnd(inspector, { domain: c.domain, first: 0, last: c.frames - 1, batch, profile: true });
            const wallMs = performance.now() - scanStarted;
            if (summary.scanned !== c.frames || !summary.profile) throw new Error(`bench scan of ${c.label} stopped: ${summary.error}`);
            scanned += summary.scanned;
            const p: ScanProfile = summary.profile;
            const inStages = p.mmapMs + p.ioctlMs + p.decodeMs + p.munmapMs + p.chunksMs;
            tsStages.mmap += p.mmapMs / 1000;
            tsStages.ioctl += p.ioctlMs / 1000;
            tsStages.decode += p.decodeMs / 1000;
            tsStages.munmap += p.munmapMs / 1000;
            tsStages.chunks += p.chunksMs / 1000;
            tsStages.glue += (summary.durationMs - inStages) / 1000;
            fixedMs += wallMs - summary.durationMs;
            scans++;
          }
          tsRates.push(scanned / ((performance.now() - started) / 1000));
          framesDone += c.frames * c.repeats;
        }
        const cSide = side(cRates, cStages, framesDone);
        const tsSide = side(tsRates, tsStages, framesDone);
        const row: ScanBenchRow = { case: c.label, frames: c.frames, batch, c: cSide, ts: tsSide, tsFixedMsPerScan: fixedMs / scans, ratio: tsSide.median / cSide.median };
        rows.push(row);
        log(`scan  ${c.label.padEnd(11)} batch ${String(batch).padStart(5)}  C ${rate(cSide)}  TypeScript ${rate(tsSide)}  ` +
          `ratio ${row.ratio.toFixed(2)} (target >= ${SCAN_TARGET})`);
        log(`        ns/frame  C: ${stageList(cSide)}  |  TypeScript: ${stageList(tsSide)}, and ${row.tsFixedMsPerScan.toFixed(1)} ms a scan fixed`);
      }
    }
  } finally {
    await inspector.close();
  }
  return rows;
}
