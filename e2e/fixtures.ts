/**
 * A fresh `framescope serve` for each test (on the simulated host, its clock stepped unless a
 * test asks for real time), and a page opened on the URL it prints.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

import { expect, Page, test as base } from '@playwright/test';

import { servedUrl } from '../test/fakes/served-url';
export const ROOT = path.join(__dirname, '..');
export const CLI = path.join(ROOT, 'dist', 'app', 'cli.js');
export const ARTIFACTS = path.join(__dirname, 'artifacts');

export interface Served {
  url: string;
  origin: string;
  child: ChildProcess;
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
