/**
 * The frame grid at 16.8 M frames (the simulated host's bigmem-64g, 64 GiB) in headless
 * Chromium, through `framescope serve`: frame time while panning and zooming (target: a
 * median within one 60 Hz frame, 16.7 ms), measured for each renderer against the frame
 * interval of the same browser doing nothing (the baseline, in the same run); and the bytes
 * that cross into the renderer per frame scanned (target: <= 1).
 */

import { CHROMIUM_ARGS, serve } from './serve';
import { chromium, Page } from 'playwright-core';

// These functions run in the page, where the DOM's globals exist.
declare const window: { __framescope?: unknown } & Record<string, unknown>;
declare function requestAnimationFrame(callback: (time: number) => void): number;

const BIG_DOMAIN = 5;
const FRAMES_MEASURED = 240;

export interface GridBenchRow {
  renderer: string;
  medianFrameMs: number;
  p95FrameMs: number;
  medianDrawMs: number;
  baselineFrameMs: number;
  ratio: number;
}

export interface GridBenchResult {
  frames: number;
  bytesPerFrame: number;
  scanMs: number;
  rows: GridBenchRow[];
}


const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const p95 = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length * 0.95)];

/** rAF intervals while `step(i)` changes the view before every frame. */
async function frameIntervals(page: Page, withViewChanges: boolean): Promise<number[]> {
  return page.evaluate(async ({ n, move }) => {
    const hooks = window.__framescope as { setView(o: { zoom?: number; centerGfn?: number }): void } | undefined;
    const next = () => new Promise<number>((r) => requestAnimationFrame(r));
    const intervals: number[] = [];
    let last = await next();
    for (let i = 0; i < n; i++) {
      if (move && hooks) {
        // a pan across the whole guest, zooming in and out as it goes (1/16 px to 8 px a frame)
        const t = i / n;
        hooks.setView({ zoom: 2 ** (-4 + 7 * (0.5 - 0.5 * Math.cos(t * 6 * Math.PI))), centerGfn: Math.floor(t * 0x1000000) });
      }
      const now = await next();
      intervals.push(now - last);
      last = now;
    }
    return intervals;
  }, { n: FRAMES_MEASURED, move: withViewChanges });
}

export async function benchGrid(log: (line: string) => void): Promise<GridBenchResult> {
  const { url, child } = await serve(['--sim-clock', 'stepped']);
  const browser = await chromium.launch({ executablePath: process.env.FRAMESCOPE_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const result: GridBenchResult = { frames: 0, bytesPerFrame: 0, scanMs: 0, rows: [] };
    // default: what the app picks on this machine (no GPU here: the 2D canvas); then each forced
    for (const renderer of ['default', 'webgl2', '2d']) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      let received = 0;
      page.on('websocket', (ws) => ws.on('framereceived', (f) => {
        received += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length;
      }));
      await page.goto(renderer === 'default' ? url : `${url}&renderer=${renderer}`);
      const baseline = median(await frameIntervals(page, false));
      await page.getByTestId('domain-select').selectOption(String(BIG_DOMAIN));
      await page.getByTestId('domain-select').isEnabled();
      const before = received;
      const started = performance.now();
      await page.getByTestId('scan-button').click();
      await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 120_000 });
      const scanMs = performance.now() - started;
      const frames = Number(await page.getByTestId('count-mapped').getAttribute('data-count')) +
        Number(await page.getByTestId('count-paged').getAttribute('data-count')) +
        Number(await page.getByTestId('count-invalid').getAttribute('data-count'));
      if (renderer === 'default') {
        result.frames = frames;
        result.bytesPerFrame = (received - before) / frames;
        result.scanMs = scanMs;
      }
      const intervals = await frameIntervals(page, true);
      const stats = await page.evaluate(() => (window.__framescope as { gridStats(): { renderer: string; frameTimes: number[] } }).gridStats());
      const row: GridBenchRow = {
        renderer: renderer === 'default' ? `${stats.renderer} (default)` : stats.renderer,
        medianFrameMs: median(intervals),
        p95FrameMs: p95(intervals),
        medianDrawMs: median(stats.frameTimes),
        baselineFrameMs: baseline,
        ratio: median(intervals) / baseline,
      };
      result.rows.push(row);
      log(`grid  ${row.renderer.padEnd(12)} ${frames} frames: pan+zoom frame ${row.medianFrameMs.toFixed(1)} ms median, ${row.p95FrameMs.toFixed(1)} ms p95 ` +
        `(draw ${row.medianDrawMs.toFixed(1)} ms); idle page ${baseline.toFixed(1)} ms; ratio ${row.ratio.toFixed(2)} (target <= 1, i.e. <= 16.7 ms)`);
      await page.close();
    }
    log(`grid  status bytes crossing into the renderer: ${result.bytesPerFrame.toFixed(4)} per frame over a ${result.frames}-frame scan ` +
      `in ${(result.scanMs / 1000).toFixed(1)} s (target <= 1)`);
    return result;
  } finally {
    await browser.close();
    child.kill('SIGINT');
  }
}
