/**
 * The scan as the user sees it: bigmem-64g's 16 M frames scanned from the UI in headless
 * Chromium through `framescope serve`, from the click on Scan to the frame painted after the
 * last chunk, against the CLI's `scan` of the same range (its scan loop's own time, the best
 * case). Rounds interleave; target: UI throughput >= 0.9 of the CLI's.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS, serve } from './serve';

// These run in the page, where the DOM's globals exist.
declare const window: { __framescope?: unknown };
declare function requestAnimationFrame(callback: (time: number) => void): number;

const CLI = path.join(__dirname, '..', 'app', 'cli.js');
const BIG_DOMAIN = 5;
const ROUNDS = 3;
export const UI_SCAN_TARGET = 0.9;

export interface UiScanBench {
  frames: number;
  uiFramesPerSecond: number[];
  cliFramesPerSecond: number[];
  ratio: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const spread = (v: number[]) => `${(median(v) / 1e6).toFixed(2)} M/s (${(Math.min(...v) / 1e6).toFixed(2)}-${(Math.max(...v) / 1e6).toFixed(2)})`;

export async function benchUiScan(log: (line: string) => void): Promise<UiScanBench> {
  const { url, child } = await serve(['--sim-clock', 'stepped']);
  const browser = await chromium.launch({ executablePath: process.env.FRAMESCOPE_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const ui: number[] = [];
  const cli: number[] = [];
  let frames = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const summary = JSON.parse(execFileSync(process.execPath, [CLI, '--backend', 'sim', '--sim-clock', 'stepped', 'scan', '--domain', String(BIG_DOMAIN), '--json'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
      frames = summary.scanned;
      cli.push(summary.scanned / (summary.durationMs / 1000));

      // a fresh page each round: the progress bar starts idle, not at the last round's "done"
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(url);
      await page.getByTestId('domain-select').selectOption(String(BIG_DOMAIN));
      const started = performance.now();
      await page.getByTestId('scan-button').click();
      await page.waitForSelector('[data-testid=progress][data-state=done]', { timeout: 300_000 });
      // painted: no chunk waits for a draw, and the frame after the last draw is on screen
      await page.waitForFunction(() => !(window.__framescope as { gridStats(): { dataPending: boolean } }).gridStats().dataPending, null, { polling: 'raf' });
      await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
      const ms = performance.now() - started;
      const shown = Number(await page.getByTestId('count-mapped').getAttribute('data-count')) +
        Number(await page.getByTestId('count-paged').getAttribute('data-count')) +
        Number(await page.getByTestId('count-invalid').getAttribute('data-count'));
      if (shown !== frames) throw new Error(`the UI counted ${shown} frames, the CLI ${frames}`);
      ui.push(shown / (ms / 1000));
      await page.close();
    }
  } finally {
    await browser.close();
    child.kill('SIGINT');
  }
  const ratio = median(ui) / median(cli);
  log(`ui-scan  ${frames} frames, click to last chunk painted: UI ${spread(ui)}  CLI scan ${spread(cli)}  ratio ${ratio.toFixed(2)} (target >= ${UI_SCAN_TARGET})`);
  return { frames, uiFramesPerSecond: ui, cliFramesPerSecond: cli, ratio };
}
