/**
 * Files and search, in Chromium through the headless server: a snapshot saved as a download,
 * opened again through the file input and compared with a later scan; a corrupt snapshot; a
 * search that finds the emulator's marker and opens the hex view on it; the exports (CSV,
 * JSON, PNG of the view and of the whole grid); and the desktop app's bridge (faked here: the
 * Electron binary is not on these machines) driving the same commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

import type { Download, Page } from '@playwright/test';

import { ARTIFACTS, expect, legendCount, scanDomain, test } from './fixtures';
import { KEYBOARD_SHORTCUTS } from '../renderer/shortcuts';

/** Presses a shortcut on the page (not in a field) and returns the file it downloads. */
async function downloadBy(page: Page, keys: string): Promise<{ name: string; bytes: Buffer; download: Download }> {
  const download = page.waitForEvent('download');
  await page.locator('body').press(keys);
  const d = await download;
  const file = test.info().outputPath(d.suggestedFilename());
  await d.saveAs(file);
  return { name: d.suggestedFilename(), bytes: fs.readFileSync(file), download: d };
}

async function changedCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('count-changed').getAttribute('data-count'));
}

/** Width, height and the inflated pixel rows of a PNG: enough to know it decodes. */
function decodePng(png: Buffer): { width: number; height: number; bytesPerPixel: number; raw: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let at = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      colorType = data[9];
    } else if (type === 'IDAT') {
      idat.push(data);
    }
    at += 12 + length;
  }
  const bytesPerPixel = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  expect(bytesPerPixel).toBeGreaterThan(0);
  return { width, height, bytesPerPixel, raw: zlib.inflateSync(Buffer.concat(idat)) };
}

test.describe('snapshots of a guest paging in real time', () => {
  test.use({ serveArgs: [] });

  test('save a snapshot, open it again, diff it with a later scan; a corrupt one says why', async ({ app }) => {
    await scanDomain(app, 3, { first: '0x0', last: '0xffff' });
    const saved = await downloadBy(app, 'Control+s');
    expect(saved.name).toMatch(/^web-01-.*\.fsnap$/);
    expect(saved.bytes.subarray(0, 8).toString('latin1')).toBe('FSNAPSHT');
    await expect(app.getByTestId('notice').filter({ hasText: saved.name })).toBeVisible();

    // rescan until the guest's paging shows (it pages hundreds of frames a second)
    for (let i = 0; i < 40 && (await changedCount(app)) === 0; i++) {
      await app.getByTestId('scan-button').click();
      await expect(app.getByTestId('progress')).toHaveAttribute('data-state', 'done');
    }
    expect(await changedCount(app)).toBeGreaterThan(0);

    // open it through the file input: shown as a snapshot, with where it came from
    await app.getByTestId('snapshot-input').setInputFiles(test.info().outputPath(saved.name));
    const banner = app.getByTestId('past-banner');
    await expect(banner).toHaveAttribute('data-kind', 'snapshot');
    await expect(banner).toContainText(saved.name);
    await expect(banner).toContainText('web-01 (dom3)');
    await expect(banner).toContainText('sim on');

    // diff: the snapshot (A) against the latest live scan (B)
    await app.locator('body').press('Control+d');
    const dialog = app.getByTestId('diff-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('diff-a').locator('option:checked')).toContainText(`snapshot ${saved.name}`);
    await expect(dialog.getByTestId('diff-b').locator('option:checked')).toContainText(/^scan · web-01/);
    await dialog.getByTestId('diff-run').click();
    const panel = app.getByTestId('diff-panel');
    await expect(panel).toBeVisible();
    await expect(banner).toHaveAttribute('data-kind', 'diff');
    const changed = Number(await panel.getAttribute('data-changed'));
    expect(changed).toBeGreaterThan(0);
    const rows = await panel.getByTestId('diff-transition').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-key')!, Number(e.getAttribute('data-count'))] as const));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.reduce((n, [, c]) => n + c, 0)).toBe(changed);
    for (const [key] of rows) expect(key).toMatch(/^(mapped|paged|invalid)→(mapped|paged|invalid)$/);
    const byCode = await panel.getByTestId('diff-code').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))));
    expect(byCode.reduce((n, c) => n + c, 0)).toBe(changed);
    // the grid marks exactly those frames
    await expect(app.getByTestId('count-changed')).toHaveAttribute('data-count', String(changed));
    await app.screenshot({ path: path.join(ARTIFACTS, 'diff.png') });

    // a corrupt snapshot: its one-line error, and nothing else changes
    const corrupt = test.info().outputPath('corrupt.fsnap');
    const bytes = Buffer.from(saved.bytes);
    bytes[bytes.length - 40] ^= 0xff; // inside the compressed codes: the digest no longer matches
    fs.writeFileSync(corrupt, bytes);
    await app.getByTestId('snapshot-input').setInputFiles(corrupt);
    const error = app.getByTestId('notice').and(app.locator('[data-kind="error"]'));
    await expect(error).toBeVisible();
    await expect(error).toContainText('corrupt.fsnap');
    expect((await error.locator('.notice-text').innerText()).split('\n')).toHaveLength(1);
    await expect(panel).toBeVisible();
    // and the app keeps working
    await app.getByTestId('back-to-live').click();
    await app.getByTestId('scan-button').click();
    await expect(app.getByTestId('progress')).toHaveAttribute('data-state', 'done');
  });
});

test('search finds the marker in web-01 and opens the hex view on it', async ({ app }) => {
  await scanDomain(app, 3, { first: '0x0', last: '0x3fff' });
  await app.locator('body').press('Control+f');
  const panel = app.getByTestId('search-panel');
  await expect(panel).toBeVisible();
  await expect(app.getByTestId('search-text')).toBeFocused();
  await app.getByTestId('search-text').fill('FRAMESCOPE-MARKER');
  await app.getByTestId('search-first').fill('0x1000');
  await app.getByTestId('search-last').fill('0x2fff');
  await app.getByTestId('search-text').press('Enter');
  await expect(app.getByTestId('search-status')).toHaveAttribute('data-state', 'done');
  const hits = app.getByTestId('search-hit');
  await expect(hits).toHaveCount(1);
  await expect(hits.first()).toHaveAttribute('data-gfn', String(0x1234));
  await expect(hits.first()).toHaveAttribute('data-offset', String(0x100));
  await expect(hits.first()).toContainText('0x01234100');
  await expect(hits.first().locator('mark').first()).toHaveText('FRAMESCOPE-MARKER');

  await hits.first().click();
  await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0x1234));
  const hex = app.getByTestId('hex-view');
  await expect(hex).toHaveAttribute('data-highlight', String(0x100));
  const row = hex.getByTestId('hex-hit-row').first();
  await expect(row).toContainText('+100');
  await expect(row.locator('.hex-ascii mark')).toHaveText('FRAMESCOPE-MARKE');
  await expect(row).toBeInViewport();
  await app.screenshot({ path: path.join(ARTIFACTS, 'search-hits.png') });

  // a match that runs into the next frame, and UTF-16LE text
  await app.getByTestId('search-text').fill('BOUNDARY-MARKER');
  await app.getByTestId('search-button').click();
  await expect(app.getByTestId('search-status')).toHaveAttribute('data-state', 'done');
  await expect(hits).toHaveCount(1);
  await expect(hits.first()).toHaveAttribute('data-gfn', String(0x2000));
  await expect(hits.first()).toHaveAttribute('data-offset', '4090');
  await app.getByTestId('search-kind').selectOption('utf16le');
  await app.getByTestId('search-text').fill('C:\\framescope\\utf16-marker.txt');
  await app.getByTestId('search-last').fill('0x4fff');
  await app.getByTestId('search-button').click();
  await expect(app.getByTestId('search-status')).toHaveAttribute('data-state', 'done');
  await expect(hits.first()).toHaveAttribute('data-gfn', String(0x4242));
  await expect(hits.first()).toHaveAttribute('data-offset', String(0x200));
});

test('exports: CSV and JSON runs add up to the range, PNGs decode at the right size', async ({ app }) => {
  await scanDomain(app, 3, { first: '0x0', last: '0xffff' });
  await app.getByTestId('layout-select').selectOption('rows:512');
  const counts = { mapped: await legendCount(app, 'mapped'), paged: await legendCount(app, 'paged'), invalid: await legendCount(app, 'invalid') };

  const csv = await downloadBy(app, 'Control+e');
  expect(csv.name).toMatch(/^web-01-.*\.csv$/);
  const lines = csv.bytes.toString('utf8').trimEnd().split('\n');
  expect(lines[0]).toBe('first_gfn,last_gfn,frames,status,errno');
  const byStatus: Record<string, number> = { mapped: 0, paged: 0, invalid: 0 };
  let next = 0;
  const bad: string[] = []; // thousands of runs: one expect at the end, not one per line
  for (const line of lines.slice(1)) {
    const [first, last, frames, status] = line.split(',');
    // runs follow each other without gaps, and say their own length
    if (Number(first) !== next || Number(last) - Number(first) + 1 !== Number(frames)) bad.push(line);
    byStatus[status] += Number(frames);
    next = Number(last) + 1;
  }
  expect(bad).toEqual([]);
  expect(lines.length).toBeGreaterThan(100);
  expect(next).toBe(0x10000);
  expect(byStatus).toEqual(counts);

  const json = await downloadBy(app, 'Control+Shift+E');
  expect(json.name).toMatch(/^web-01-.*\.json$/);
  const parsed = JSON.parse(json.bytes.toString('utf8')) as { counts: typeof counts; first: number; last: number; runs: Array<{ first: number; last: number }> };
  expect(parsed.counts).toEqual(counts);
  expect([parsed.first, parsed.last]).toEqual([0, 0xffff]);
  expect(parsed.runs.reduce((n, r) => n + r.last - r.first + 1, 0)).toBe(0x10000);

  // the view: the grid's viewport plus its row labels and ruler
  const box = (await app.getByTestId('grid-viewport').boundingBox())!;
  const view = await downloadBy(app, 'Control+p');
  expect(view.name).toMatch(/\.png$/);
  const v = decodePng(view.bytes);
  expect(v.width).toBe(176 + Math.floor(box.width));
  expect(v.height).toBe(20 + Math.floor(box.height));
  expect(v.raw.length).toBe(v.height * (1 + v.width * v.bytesPerPixel));

  // the whole grid: 1 px a frame, 512 frames a row (the grid's), 2048 rows for web-01's 1 M frames
  const whole = await downloadBy(app, 'Control+Shift+P');
  const w = decodePng(whole.bytes);
  expect([w.width, w.height]).toEqual([512, 2048]);
  expect(w.raw.length).toBe(w.height * (1 + w.width * w.bytesPerPixel));
  await expect(app.getByTestId('notice').filter({ hasText: '512 frames per row, 2048 rows, 1 px a frame' })).toBeVisible();
});

test('the desktop bridge: menu commands run, files are saved through it, dumps are offered', async ({ page, served }) => {
  // What the Electron preload exposes, faked: the page must use it instead of downloads.
  await page.addInitScript(() => {
    const menu = new Set<(command: string) => void>();
    const w = window as unknown as Record<string, unknown>;
    w.__saved = [];
    w.__dropped = [];
    w.__menu = (command: string) => menu.forEach((l) => l(command));
    // files by handle, as main hands them out: the page never names a path
    const files = new Map<string, { name: string; path: string }>();
    let next = 0;
    const chosen = (path: string) => {
      const handle = `handle-${next++}`;
      const file = { handle, name: path.split('/').pop()!, path };
      files.set(handle, file);
      return file;
    };
    w.framescopeDesktop = {
      openDumpDialog: async () => null,
      dropFile: async (file: File) => {
        (w.__dropped as string[]).push(file.name);
        return chosen(`/home/me/${file.name}`);
      },
      openDump: async (handle: string) => {
        const file = files.get(handle);
        if (!file) throw new Error('that file is no longer known to the app: choose it again');
        throw new Error(`${file.name}: not a memory dump (no ELF or xl dump-core header)`);
      },
      recentDumps: async () => ['/var/lib/xen/dump/web-01.core', '/srv/qemu/db-02.elf'].map(chosen),
      inspectHost: async () => null,
      chooseSaveFile: async (request: { defaultName: string }) => chosen(`/home/me/${request.defaultName}`),
      writeFile: async (handle: string, bytes: Uint8Array) => {
        const file = files.get(handle);
        if (!file) throw new Error('that file is no longer known to the app: choose it again');
        files.delete(handle);
        (w.__saved as Array<[string, number[]]>).push([file.name, Array.from(bytes.subarray(0, 8))]);
      },
      openSnapshotDialog: async () => null,
      onMenuCommand: (listener: (command: string) => void) => {
        menu.add(listener);
        return () => menu.delete(listener);
      },
    };
  });
  await page.goto(served.url);
  await expect(page.getByTestId('domain-select')).toBeEnabled();
  await scanDomain(page, 3, { first: '0x0', last: '0xfff' });

  // menu commands run like their shortcuts
  await page.evaluate(() => (window as unknown as { __menu(c: string): void }).__menu('find'));
  await expect(page.getByTestId('search-panel')).toBeVisible();
  await page.evaluate(() => (window as unknown as { __menu(c: string): void }).__menu('show-timeline'));
  await expect(page.getByTestId('timeline')).toHaveAttribute('data-points', '1');
  await page.evaluate(() => (window as unknown as { __menu(c: string): void }).__menu('save-snapshot'));
  await expect(page.getByTestId('notice').filter({ hasText: 'Saved the snapshot as /home/me/web-01-' })).toBeVisible();
  const saved = await page.evaluate(() => (window as unknown as { __saved: Array<[string, number[]]> }).__saved);
  expect(saved).toHaveLength(1);
  expect(saved[0][0]).toMatch(/\.fsnap$/);
  expect(Buffer.from(saved[0][1]).toString('latin1')).toBe('FSNAPSHT');
  // a key press and the menu command of the same press run once
  await page.locator('body').press('Control+e');
  await page.evaluate(() => (window as unknown as { __menu(c: string): void }).__menu('export-csv'));
  await expect(page.getByTestId('notice').filter({ hasText: 'Saved the CSV' })).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { __saved: unknown[] }).__saved.length)).toBe(2);

  // the dumps: recent ones listed
  await page.getByTestId('dumps-button').click();
  await expect(page.getByTestId('recent-dump')).toHaveText(['/var/lib/xen/dump/web-01.core', '/srv/qemu/db-02.elf']);
  // one of them opened by the handle it came with
  await page.getByTestId('recent-dump').first().click();
  await expect(page.getByTestId('notice').filter({ hasText: 'Open /var/lib/xen/dump/web-01.core: web-01.core: not a memory dump' })).toBeVisible();
  await expect(page.getByTestId('dumps-menu')).toHaveCount(0);

  // a file dragged over the window: the drop target; dropped: opened through the bridge, its error shown
  const transfer = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['not a dump'], 'guest.img'));
    return dt;
  });
  await page.dispatchEvent('body', 'dragenter', { dataTransfer: transfer });
  await expect(page.getByTestId('drop-overlay')).toBeVisible();
  await expect(page.getByTestId('drop-overlay')).toContainText('Drop a memory dump');
  await page.dispatchEvent('body', 'drop', { dataTransfer: transfer });
  await expect(page.getByTestId('drop-overlay')).toHaveCount(0);
  await expect(page.getByTestId('notice').filter({ hasText: 'guest.img: not a memory dump' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __dropped: string[] }).__dropped)).toEqual(['guest.img']);
});

test('in a plain browser there are no dumps to open: the desktop-only parts are hidden', async ({ app }) => {
  await expect(app.getByTestId('sim-badge')).toBeVisible();
  await expect(app.getByTestId('dumps-button')).toHaveCount(0);
  await expect(app.getByTestId('inspect-host')).toHaveCount(0);
  await app.locator('body').press('F1');
  const overlay = app.getByTestId('shortcuts-overlay');
  await expect(overlay).toBeVisible();
  await expect(overlay.getByTestId('shortcut')).toHaveCount(KEYBOARD_SHORTCUTS.length);
  await expect(overlay.getByTestId('shortcut').first()).toContainText('(desktop app)');
  await app.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);
});
