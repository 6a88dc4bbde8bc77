/**
 * A fresh `framescope serve` for each test (on the simulated host, its clock stepped unless a
 * test asks for real time), and a page opened on the URL it prints.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { expect, Page, test as base } from '@playwright/test';

// window.__framescope, the grid's test hooks, as the page declares them
import type {} from '../renderer/grid/grid-controller';

import { servedUrl } from '../test/fakes/served-url';
export const ROOT = path.join(__dirname, '..');
export const CLI = path.join(ROOT, 'dist', 'app', 'cli.js');
export const ARTIFACTS = path.join(__dirname, 'artifacts');

export interface Served {
  url: string;
  origin: string;
  child: ChildProcess;
}

/** A simulated host (docs/sim-config.md) written to a file of its own, for --sim-config. */
export function simHostFile(name: string, config: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-e2e-')), `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

export async function serve(globalArgs: string[] = ['--sim-clock', 'stepped']): Promise<Served> {
  const child = spawn(process.execPath, [CLI, ...globalArgs, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await servedUrl(child);
  return { url, origin: new URL(url).origin, child };
}

/** The CLI, run to completion, for comparing the UI with it. */
export function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export const test = base.extend<{ serveArgs: string[]; served: Served; app: Page }>({
  serveArgs: [['--sim-clock', 'stepped'], { option: true }],
  served: async ({ serveArgs }, use) => {
    const s = await serve(serveArgs);
    await use(s);
    s.child.kill('SIGINT');
  },
  app: async ({ page, served }, use) => {
    await page.goto(served.url);
    await expect(page.getByTestId('domain-select')).toBeEnabled();
    await use(page);
  },
});

export { expect };

/** Picks a domain and scans it to the end (the whole domain unless a range is given). */
export async function scanDomain(page: Page, domain: number, range?: { first: string; last: string }): Promise<void> {
  await page.getByTestId('domain-select').selectOption(String(domain));
  if (range) {
    await page.getByTestId('range-first').fill(range.first);
    await page.getByTestId('range-last').fill(range.last);
  }
  await page.getByTestId('scan-button').click();
  await expect(page.getByTestId('progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
}

export async function legendCount(page: Page, status: 'mapped' | 'paged' | 'invalid' | 'unscanned'): Promise<number> {
  return Number(await page.getByTestId(`count-${status}`).getAttribute('data-count'));
}

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row after row. */
  data: Buffer;
  at(x: number, y: number): [number, number, number];
}

/**
 * The grid as the user sees it: a screenshot of its viewport (cells and what is drawn over
 * them), decoded by the browser itself into RGBA.
 */
export async function gridPixels(page: Page): Promise<Pixels> {
  await page.mouse.move(0, 0); // no hover outline, no tooltip
  await page.waitForTimeout(150); // the redraw after the move
  const png = await page.getByTestId('grid-viewport').screenshot();
  const decoded = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: c.width, height: c.height, rgba: btoa(s) };
  }, png.toString('base64'));
  const data = Buffer.from(decoded.rgba, 'base64');
  return {
    width: decoded.width,
    height: decoded.height,
    data,
    at: (x, y) => {
      const i = (y * decoded.width + x) * 4;
      return [data[i], data[i + 1], data[i + 2]];
    },
  };
}

export function hexRgb(color: string): [number, number, number] {
  const n = parseInt(color.slice(1), 16);
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}
