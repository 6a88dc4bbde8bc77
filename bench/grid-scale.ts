/**
 * The grid at the scale of the largest guests, in headless Chromium through `framescope serve`
 * on a simulated host: a 1 TiB guest (2^28 frames) and a 4 TiB one (2^30 frames), each
 * scanned whole in the UI, then
 *  - the page's memory per frame: V8's heap, the embedder's, and the ArrayBuffers' backing
 *    stores (CDP Runtime.getHeapUsage after a forced GC), over the guest's frames
 *    (target: <= 2 bytes a frame);
 *  - the frame interval while panning and zooming over the 4 TiB guest, against the same
 *    page's idle frame interval measured in the same run (target: ratio <= 1).
 * Each guest is the default domain of its own server, so the page holds no other domain's codes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { CHROMIUM_ARGS, serve } from './serve';
import { chromium, type Page } from 'playwright-core';

declare const window: { __framescope?: unknown } & Record<string, unknown>;
declare function requestAnimationFrame(callback: (time: number) => void): number;

const FRAMES_MEASURED = 180;

export interface ScaleRow {
  name: string;
  frames: number;
  scanMs: number;
  heapBytes: number;
  bytesPerFrame: number;
  /** Pan and zoom, when measured. */
  medianFrameMs?: number;
  baselineFrameMs?: number;
  ratio?: number;
}

/** A host of a tiny dom0 and one big guest: half RAM (2 % of it paged out), half holes, or 1/8 RAM for 4 TiB. */
function hostFile(frames: number, ramFrames: number): string {
  const file = path.join(os.tmpdir(), `framescope-scale-${frames}.json`);
  fs.writeFileSync(file, JSON.stringify({
    seed: 1,
    clock: 'stepped',
    domains: [
      { id: 0, name: 'Domain-0', type: 'pv', frames: 0x1000, layout: [{ first: 0, last: '0xfff', kind: 'eperm' }] },
      { id: 1, name: `guest-${frames}`, frames, layout: [{ first: ramFrames, last: frames - 1, kind: 'hole' }], paging: { initialPagedFraction: 0.02 } },
    ],
  }));
  return file;
}


const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function frameIntervals(page: Page, frames: number, move: boolean): Promise<number[]> {
  return page.evaluate(async ({ n, move, frames }) => {
    const hooks = window.__framescope as { setView(o: { zoom?: number; centerGfn?: number }): void };
    const next = () => new Promise<number>((r) => requestAnimationFrame(r));
    const intervals: number[] = [];
    let last = await next();
    for (let i = 0; i < n; i++) {
      if (move) {
        // across the whole guest, zooming from the fit (1 px = thousands of frames) to 8 px a frame
        const t = i / n;
        hooks.setView({ zoom: 2 ** (-6 + 9 * (0.5 - 0.5 * Math.cos(t * 6 * Math.PI))), centerGfn: Math.floor(t * (frames - 1)) });
      }
      const now = await next();
      intervals.push(now - last);
      last = now;
    }
    return intervals;
  }, { n: FRAMES_MEASURED, move, frames });
}

async function one(name: string, frames: number, ramFrames: number, measurePan: boolean, log: (l: string) => void): Promise<ScaleRow> {
  const { url, child } = await serve(['--sim-config', hostFile(frames, ramFrames)]);
  const browser = await chromium.launch({ executablePath: process.env.FRAMESCOPE_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url);
    await page.waitForSelector('[data-testid=domain-select]:not([disabled])');
    const baseline = measurePan ? median(await frameIntervals(page, frames, false)) : undefined;
    const started = performance.now();
    await page.getByTestId('scan-button').click();
    await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 15 * 60_000 });
    const scanMs = performance.now() - started;
    const scanned = Number(await page.getByTestId('count-mapped').getAttribute('data-count')) +
      Number(await page.getByTestId('count-paged').getAttribute('data-count')) +
      Number(await page.getByTestId('count-invalid').getAttribute('data-count'));
    if (scanned !== frames) throw new Error(`${name}: the scan reported ${scanned} of ${frames} frames`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const u = await cdp.send('Runtime.getHeapUsage') as { usedSize: number; embedderHeapUsedSize?: number; backingStorageSize?: number };
    const heapBytes = u.usedSize + (u.embedderHeapUsedSize ?? 0) + (u.backingStorageSize ?? 0);
    const row: ScaleRow = { name, frames, scanMs, heapBytes, bytesPerFrame: heapBytes / frames };
    log(`scale ${name}: ${frames} frames scanned in the UI in ${(scanMs / 1000).toFixed(1)} s; the page holds ${(heapBytes / 2 ** 20).toFixed(0)} MiB, ` +
      `${row.bytesPerFrame.toFixed(3)} bytes a frame (target <= 2)`);
    if (measurePan) {
      const intervals = await frameIntervals(page, frames, true);
      row.medianFrameMs = median(intervals);
      row.baselineFrameMs = baseline;
      row.ratio = row.medianFrameMs / baseline!;
      log(`scale ${name}: pan+zoom frame ${row.medianFrameMs.toFixed(1)} ms median against ${baseline!.toFixed(1)} ms idle: ratio ${row.ratio.toFixed(2)} (target <= 1)`);
    }
    return row;
  } finally {
    await browser.close();
    child.kill('SIGINT');
  }
}

export async function benchGridScale(log: (line: string) => void): Promise<ScaleRow[]> {
  return [
    await one('1 TiB', 2 ** 28, 2 ** 27, false, log),
    await one('4 TiB', 2 ** 30, 2 ** 27, true, log),
  ];
}
