/**
 * Paging over time, in Chromium through the headless server: auto-rescans of a guest whose
 * paging daemon runs in real time mark the frames that changed and grow the timeline; a past
 * scan is shown from the timeline; a page-in brings a paged-out range back.
 */
import path from 'node:path';

import type { Page } from '@playwright/test';

import { ARTIFACTS, expect, legendCount, scanDomain, simHostFile, test } from './fixtures';

interface Hooks {
  frameToClientPoint(gfn: number): { x: number; y: number } | null;
  setView(options: { zoom?: number; centerGfn?: number }): void;
  changedFrame(from?: number): number | null;
  frameCode(gfn: number): number | null;
  timelinePoint(index: number): { x: number; y: number } | null;
}

type WithHooks = { __framescope: Hooks };

const frameToClientPoint = (page: Page, gfn: number) => page.evaluate((g) => (window as unknown as WithHooks).__framescope.frameToClientPoint(g), gfn);
const changedFrame = (page: Page) => page.evaluate(() => (window as unknown as WithHooks).__framescope.changedFrame(0));
const frameCode = (page: Page, gfn: number) => page.evaluate((g) => (window as unknown as WithHooks).__framescope.frameCode(g), gfn);
const timelinePoint = (page: Page, i: number) => page.evaluate((n) => (window as unknown as WithHooks).__framescope.timelinePoint(n), i);
const centreOn = (page: Page, gfn: number, zoom: number) =>
  page.evaluate(([g, z]) => (window as unknown as WithHooks).__framescope.setView({ zoom: z, centerGfn: g }), [gfn, zoom] as const);

async function changedCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('count-changed').getAttribute('data-count'));
}

async function timelinePoints(page: Page): Promise<number> {
  return Number(await page.getByTestId('timeline').getAttribute('data-points'));
}

test.describe('a guest paging in real time', () => {
  test.use({ serveArgs: [] });

  test('auto-rescan marks the frames that changed, and the timeline grows', async ({ app }) => {
    await scanDomain(app, 3, { first: '0x0', last: '0xffff' });
    expect(await changedCount(app)).toBe(0); // a first scan has nothing to compare with
    await app.getByTestId('auto-rescan-interval').selectOption('1000');
    await app.locator('body').press('Control+t');
    await expect(app.getByTestId('timeline')).toHaveAttribute('data-points', '1');
    await app.locator('body').press('Control+r');
    await expect(app.getByTestId('auto-rescan')).toBeChecked();

    // web-01 pages ~400 frames a second out and ~300 in: rescans see it
    await expect.poll(() => changedCount(app), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => timelinePoints(app), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const transitions = await app.getByTestId('change-transition').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-key'), Number(e.getAttribute('data-count'))] as const));
    expect(transitions.length).toBeGreaterThan(0);
    for (const [key, count] of transitions) {
      expect(key).toMatch(/^(mapped|paged|invalid)→(mapped|paged|invalid)$/);
      expect(count).toBeGreaterThan(0);
    }
    await app.locator('body').press('Control+r');
    await expect(app.getByTestId('auto-rescan')).not.toBeChecked();
    await expect(app.getByTestId('progress')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
    await app.screenshot({ path: path.join(ARTIFACTS, 'timeline.png') });

    // a changed frame: white on the grid, and its transition in the frame panel
    const gfn = await changedFrame(app);
    expect(gfn).not.toBeNull();
    await centreOn(app, gfn!, 14);
    const centre = await frameToClientPoint(app, gfn!);
    expect(centre).not.toBeNull();
    await app.mouse.click(centre!.x, centre!.y);
    await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(gfn));
    await expect(app.getByTestId('frame-changed')).toBeVisible();
    const history = app.getByTestId('frame-history');
    await expect.poll(async () => Number(await history.getAttribute('data-count'))).toBeGreaterThan(0);
    await expect(history.getByTestId('history-entry').first()).toContainText(/(OK|ENOENT)→(OK|ENOENT)/);
    await app.mouse.move(0, 0);
    await app.getByTestId('grid-viewport').screenshot({ path: path.join(ARTIFACTS, 'change-marks.png') });

    // a point of the timeline shows that scan's grid, marked as the past
    const second = await timelinePoint(app, 1);
    expect(second).not.toBeNull();
    await app.mouse.click(second!.x, second!.y);
    await expect(app.getByTestId('past-banner')).toBeVisible();
    await expect(app.getByTestId('past-banner')).toHaveAttribute('data-kind', 'scan');
    await expect(app.getByTestId('past-banner')).toContainText('web-01');
    await app.screenshot({ path: path.join(ARTIFACTS, 'past-scan.png') });
    await app.getByTestId('back-to-live').click();
    await expect(app.getByTestId('past-banner')).toHaveCount(0);
  });
});

/** A host of one guest whose frames 0x800-0xfff start paged out and nothing pages by itself. */
const PAGED_FIRST = 0x800;
const PAGED_LAST = 0xfff;
const simConfig = simHostFile('paged-host', {
  // real time, so that requested page-ins complete; the daemon itself pages nothing
  clock: 'realtime',
  domains: [{
    id: 5,
    name: 'paged-guest',
    frames: '0x2000',
    layout: [{ first: `0x${PAGED_FIRST.toString(16)}`, last: `0x${PAGED_LAST.toString(16)}`, kind: 'paged' }],
    paging: { outPerSecond: 0, inPerSecond: 0, latencyMs: [5, 20] },
  }],
});

test.describe('a paged-out range', () => {
  test.use({ serveArgs: ['--sim-config', simConfig] });

  test('page-in brings it back: the grid turns mapped and the end says how many came back', async ({ app }) => {
    await scanDomain(app, 5);
    const paged = await legendCount(app, 'paged');
    // the observe scan asked for them, but Xen's paging ring took only a few of the requests
    expect(paged).toBeGreaterThan(0x400);
    expect(await frameCode(app, 0xc00)).toBe(2);

    await app.locator('body').press('Control+i');
    await expect(app.getByTestId('progress')).toHaveAttribute('data-kind', 'page-in');
    await expect(app.getByTestId('progress')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
    await expect(app.getByTestId('progress-text')).toContainText(/Paged in [\d,]+ of [\d,]+ paged-out frames/);
    const text = await app.getByTestId('progress-text').innerText();
    const [, recovered, retried] = /Paged in ([\d,]+) of ([\d,]+)/.exec(text)!.map((n) => Number(n.replace(/,/g, '')));
    expect(recovered).toBe(retried);
    expect(retried).toBeGreaterThan(0x400);
    expect(await legendCount(app, 'paged')).toBe(0);
    expect(await legendCount(app, 'mapped')).toBe(0x2000);
    expect(await frameCode(app, 0xc00)).toBe(0);
    // the frames that came back are marked as changed, paged → mapped
    await expect(app.getByTestId('count-changed')).not.toHaveAttribute('data-count', '0');
    await expect(app.getByTestId('change-transition').first()).toHaveAttribute('data-key', 'paged→mapped');
    // and the timeline has the page-in's point
    await app.getByTestId('timeline-button').click();
    await expect(app.getByTestId('timeline')).toHaveAttribute('data-points', '2');
  });
});
