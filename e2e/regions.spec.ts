/**
 * The regions table in Chromium through the headless server: the runs of hvm-firmware's
 * known layout (its holes whole, however paging splits the RAM), filtered, sorted, a click
 * taking the grid there; and a diff's changed regions, from a snapshot of one host compared
 * with a scan of the same guest on a host whose layout moved, run by run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Locator } from '@playwright/test';

import { ARTIFACTS, cli, expect, scanDomain, test } from './fixtures';

const hex = (n: number) => `0x${n.toString(16)}`;

/** The runs a table shows now: [first, last, code] (and from, for changed runs), in its order. */
async function shownRows(table: Locator): Promise<number[][]> {
  return table.getByTestId('region-row').evaluateAll((rows) => rows
    .map((r) => ({ top: parseFloat((r as HTMLElement).style.top), r }))
    .sort((a, b) => a.top - b.top)
    .map(({ r }) => ['data-first', 'data-last', 'data-from', 'data-code'].map((k) => r.getAttribute(k)).filter((v) => v !== null).map(Number)));
}

async function ready(table: Locator): Promise<void> {
  await expect(table).toHaveAttribute('data-state', 'ready');
}

/** hvm-firmware (domain 1): RAM 0x0-0x9f, 0xc0-0x3fff and a few firmware pages; all else EINVAL. */
const HVM_HOLES = [[0xa0, 0xbf], [0x4000, 0xfbfff], [0xfc00b, 0xfc0ff], [0xfc101, 0xfdffe], [0xfe000, 0xfefef], [0xff000, 0xfffff]];

test.describe('the regions table', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('hvm-firmware: its holes whole, filtered, sorted by size, a click shows the run on the grid', async ({ app }) => {
    await scanDomain(app, 1);
    // the same frozen host through the CLI: its CSV lists the same runs
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-regions-'));
    const csvFile = path.join(dir, 'hvm.csv');
    expect(cli('--sim-clock', 'stepped', 'scan', '--domain', '1', '--out', csvFile).code).toBe(0);
    const csv = fs.readFileSync(csvFile, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));

    await expect(app.getByTestId('regions-panel')).toHaveCount(0);
    await app.getByTestId('regions-button').click();
    const panel = app.getByTestId('regions-panel');
    const table = panel.getByTestId('regions-table');
    await ready(table);
    await expect(table).toHaveAttribute('data-total', String(csv.length));
    expect(csv.length).toBeGreaterThan(100); // paging splits the RAM into many runs
    // virtualised: a few dozen rows in the page for thousands of runs
    expect(await table.getByTestId('region-row').count()).toBeLessThan(60);
    const firstRows = await shownRows(table);
    expect(firstRows[0]).toEqual([0, Number(csv[0][1]), csv[0][4] === 'OK' ? 0 : 2]);

    // the end of the list scrolls into the DOM: the last run ends at the last frame
    await table.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect.poll(async () => (await shownRows(table)).at(-1)).toEqual([0xff000, 0xfffff, 22]);

    // by errno: the holes, each one run, the VGA hole 0xa0-0xbf first
    await panel.getByTestId('regions-filter').selectOption('code:22');
    await expect(table).toHaveAttribute('data-total', String(HVM_HOLES.length));
    await ready(table);
    expect(await shownRows(table)).toEqual(HVM_HOLES.map(([f, l]) => [f, l, 22]));
    await expect(table.getByTestId('region-row').first()).toContainText('EINVAL');
    await expect(table.getByTestId('region-row').first()).toContainText('Invalid');
    await expect(table.getByTestId('region-row').first()).toContainText('128 KiB'); // 32 frames

    // by status: the paged-out runs the CSV lists, and nothing else
    await panel.getByTestId('regions-filter').selectOption('status:paged');
    const paged = csv.filter((r) => r[3] === 'paged');
    expect(paged.length).toBeGreaterThan(10);
    await expect(table).toHaveAttribute('data-total', String(paged.length));
    await ready(table);
    const pagedRows = await shownRows(table);
    expect(pagedRows.length).toBeGreaterThan(5);
    expect(pagedRows).toEqual(paged.slice(0, pagedRows.length).map((r) => [Number(r[0]), Number(r[1]), 2]));

    // by size, largest first: the hole above the RAM, then the rest of the invalid runs
    await panel.getByTestId('regions-filter').selectOption('status:invalid');
    await panel.getByTestId('regions-sort-size').click();
    await expect(table).toHaveAttribute('data-sort', 'frames');
    await ready(table);
    const bySize = [...HVM_HOLES].sort((a, b) => (b[1] - b[0]) - (a[1] - a[0]) || a[0] - b[0]);
    expect(await shownRows(table)).toEqual(bySize.map(([f, l]) => [f, l, 22]));

    // a click: the run's first frame selected, the run box-selected (its prompt offers a rescan)
    const vga = table.locator('[data-testid="region-row"][data-first="160"]');
    await vga.click();
    await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0xa0));
    await expect(app.getByTestId('box-prompt')).toContainText('Frames 0x000a0–0x000bf (32)');
    await expect(vga).toHaveAttribute('aria-selected', 'true');
    // the keyboard: up to the run before in this order (the next smallest hole), Enter goes there
    const scanned = (await app.getByTestId('progress-text').textContent())!;
    await vga.press('ArrowUp');
    await app.keyboard.press('Enter');
    await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0xfc00b));
    await expect(app.getByTestId('box-prompt')).toContainText('Frames 0xfc00b–0xfc0ff (245)');
    // Enter picked the run; it did not also rescan (the page's Enter): the last scan is still the whole domain's
    await app.waitForTimeout(500);
    await expect(app.getByTestId('progress-text')).toHaveText(scanned);
    await vga.click();
    // the grid shows it: the frame in view, its tooltip an EINVAL hole
    const point = await app.evaluate(() => (window as unknown as { __framescope: { frameToClientPoint(g: number): { x: number; y: number } | null } })
      .__framescope.frameToClientPoint(0xa0));
    expect(point).not.toBeNull();
    await app.mouse.move(point!.x, point!.y);
    await expect(app.getByTestId('tooltip-errno')).toContainText('EINVAL');
    await expect(app.getByTestId('tooltip-gfn')).toContainText('0x000a0');
    await app.mouse.move(0, 0);

    // the table at the window size of a laptop, sorted by gfn, every status
    await panel.getByTestId('regions-filter').selectOption('all');
    await panel.getByTestId('regions-sort-first').click();
    await ready(table);
    await app.screenshot({ path: path.join(ARTIFACTS, 'regions-1280x800.png') });

    // closing it: back to the bar with the toggle
    await panel.getByRole('button', { name: 'Close the regions' }).click();
    await expect(app.getByTestId('regions-panel')).toHaveCount(0);
    await expect(app.getByTestId('regions-button')).toHaveAttribute('aria-pressed', 'false');
  });
});

/**
 * The same guest (domain 7, app-01) on two hosts whose layouts differ where a diff should
 * find it: B paged part of A's paged range back in, refuses 0x2000-0x200f (EPERM) and
 * 0x2010-0x2013 (EBUSY), and maps the top half of A's hole 0x3000-0x3fff.
 */
function simHost(layout: Array<[number, number, string]>): object {
  return {
    clock: 'stepped',
    domains: [{
      id: 7,
      name: 'app-01',
      frames: '0x4000',
      layout: layout.map(([first, last, kind]) => ({ first: hex(first), last: hex(last), kind })),
    }],
  };
}

const CONFIG_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-e2e-regions-'));
const BEFORE = path.join(CONFIG_DIR, 'before.json');
const AFTER = path.join(CONFIG_DIR, 'after.json');
fs.writeFileSync(BEFORE, JSON.stringify(simHost([[0xa0, 0xbf, 'hole'], [0x1000, 0x10ff, 'paged'], [0x3000, 0x3fff, 'hole']])));
fs.writeFileSync(AFTER, JSON.stringify(simHost([
  [0xa0, 0xbf, 'hole'], [0x1080, 0x10ff, 'paged'], [0x2000, 0x200f, 'eperm'], [0x2010, 0x2013, 'ebusy'], [0x3000, 0x37ff, 'hole'],
])));

/** [first, last, from code, to code] of each changed run. */
const CHANGED = [[0x1000, 0x107f, 2, 0], [0x2000, 0x200f, 0, 1], [0x2010, 0x2013, 0, 16], [0x3800, 0x3fff, 22, 0]];

test.describe('a diff lists its changed regions', () => {
  test.use({ viewport: { width: 1280, height: 800 }, serveArgs: ['--sim-config', AFTER] });

  test('a snapshot of the guest before, a scan of it after: the runs that changed, a click away', async ({ app }) => {
    const before = path.join(CONFIG_DIR, 'before.fsnap');
    const after = path.join(CONFIG_DIR, 'after.fsnap');
    expect(cli('--sim-config', BEFORE, 'scan', '--domain', '7', '--out', before).code).toBe(0);
    expect(cli('--sim-config', AFTER, 'scan', '--domain', '7', '--out', after).code).toBe(0);
    // what framescope diff --json says of the same two
    const fromCli = JSON.parse(cli('diff', before, after, '--json').out) as { runs: Array<{ first: number; last: number; fromCode: number; toCode: number }> };
    expect(fromCli.runs.map((r) => [r.first, r.last, r.fromCode, r.toCode])).toEqual(CHANGED);

    await scanDomain(app, 7);
    await app.getByTestId('snapshot-input').setInputFiles(before);
    await expect(app.getByTestId('past-banner')).toHaveAttribute('data-kind', 'snapshot');
    await app.locator('body').press('Control+d');
    const dialog = app.getByTestId('diff-dialog');
    await expect(dialog.getByTestId('diff-a').locator('option:checked')).toContainText('snapshot before.fsnap');
    await dialog.getByTestId('diff-run').click();
    const panel = app.getByTestId('diff-panel');
    await expect(panel).toHaveAttribute('data-changed', String(CHANGED.reduce((n, [f, l]) => n + l - f + 1, 0)));

    const changed = panel.getByTestId('changed-regions');
    const table = changed.getByTestId('regions-table');
    await ready(table);
    await expect(table).toHaveAttribute('data-total', String(CHANGED.length));
    expect(await shownRows(table)).toEqual(CHANGED);
    await expect(table.getByTestId('region-row').nth(1)).toContainText(/OK\s*→\s*EPERM/);
    await expect(table.getByTestId('region-row').nth(0)).toContainText('128'); // 0x80 frames

    // one transition only: mapped → invalid is the EPERM and EBUSY runs
    await changed.getByTestId('regions-changes').selectOption('mapped→invalid');
    await expect(table).toHaveAttribute('data-total', '2');
    await ready(table);
    expect(await shownRows(table)).toEqual(CHANGED.slice(1, 3));
    // by size, largest first
    await changed.getByTestId('regions-changes').selectOption('changed');
    await changed.getByTestId('regions-sort-frames').click();
    await ready(table);
    expect(await shownRows(table)).toEqual([CHANGED[3], CHANGED[0], CHANGED[1], CHANGED[2]]);

    // a click goes there: selected, box-selected
    await table.locator('[data-testid="region-row"][data-first="8192"]').click();
    await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0x2000));
    await expect(app.getByTestId('box-prompt')).toContainText('Frames 0x02000–0x0200f (16)');
    await app.screenshot({ path: path.join(ARTIFACTS, 'regions-diff-1280x800.png') });

    // the regions panel beside it lists B's runs, and can narrow to the changed ones too
    await app.getByTestId('regions-button').click();
    const regions = app.getByTestId('regions-panel');
    await regions.getByTestId('regions-changes').selectOption('changed');
    await ready(regions.getByTestId('regions-table'));
    expect(await shownRows(regions.getByTestId('regions-table'))).toEqual(CHANGED);
  });
});
