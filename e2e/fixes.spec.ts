/**
 * What the whole-guest review found wrong where a user looks, each fixed and kept fixed: the
 * tooltip after a keyboard pan, the status line after a domain switch, messages that covered
 * the legend, and a frame panel that contradicted itself.
 */
import fs from 'node:fs';

import { codeColor } from '../renderer/grid/palette';
import { expect, gridPixels, hexRgb, scanDomain, test } from './fixtures';


test('the tooltip names the frame under the pointer after the keys move the grid', async ({ app }) => {
  await scanDomain(app, 1); // hvm-firmware: RAM at the bottom, holes above
  await app.getByTestId('layout-select').selectOption('rows:512');
  await app.evaluate(() => window.__framescope!.setView({ zoom: 8, centerGfn: 0x2000 }));
  const p = await app.evaluate(() => window.__framescope!.frameToClientPoint(0x2000));
  await app.mouse.move(p!.x, p!.y);
  await expect(app.getByTestId('tooltip-gfn')).toContainText('0x02000');
  await app.getByTestId('grid-viewport').focus();
  for (let i = 0; i < 3; i++) await app.keyboard.press('ArrowDown');
  // the pointer did not move; the frame under it did: the tooltip says which, with its status
  const under = (await app.getByTestId('tooltip-gfn').textContent()) ?? '';
  expect(under).not.toContain('0x02000');
  const gfn = Number(/\((\d+)\)/.exec(under)![1]);
  const q = await app.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn);
  expect(Math.abs(q!.x - p!.x)).toBeLessThanOrEqual(8);
  expect(Math.abs(q!.y - p!.y)).toBeLessThanOrEqual(8);
  const code = await app.evaluate((g) => window.__framescope!.frameCode(g), gfn);
  await expect(app.getByTestId('tooltip-errno')).toContainText(code === 0 ? 'OK' : code === 2 ? 'ENOENT' : 'EINVAL');
});

test('after a switch, the status line speaks of the domain on show', async ({ app }) => {
  await scanDomain(app, 3);
  await expect(app.getByTestId('progress-text')).toContainText('Scanned 1,048,576 frames');
  await app.getByTestId('domain-select').selectOption('0');
  await expect(app.getByTestId('progress')).toHaveAttribute('data-state', 'idle');
  await expect(app.getByTestId('progress')).not.toContainText('1,048,576');
  // back: its own last scan again
  await app.getByTestId('domain-select').selectOption('3');
  await expect(app.getByTestId('progress-text')).toContainText('Scanned 1,048,576 frames');
});

test.describe('on a laptop screen', () => {
  test.use({ viewport: { width: 1280, height: 800 } });

  test('messages leave on their own, errors stay until dismissed, and neither covers the legend', async ({ app }) => {
    await scanDomain(app, 3, { first: '0x0', last: '0xfff' });
    const corrupt = test.info().outputPath('web-01-before-the-balloon-driver-ran-taken-from-the-shared-team-directory-by-a-colleague.fsnap');
    fs.writeFileSync(corrupt, Buffer.from('FSNP not really a snapshot, and far too short to be one'));
    await app.getByTestId('snapshot-input').setInputFiles(corrupt);
    const error = app.getByTestId('notice').and(app.locator('[data-kind="error"]'));
    await expect(error).toBeVisible();
    await app.keyboard.press('Control+s'); // saved: an info message
    const info = app.getByTestId('notice').and(app.locator('[data-kind="info"]'));
    await expect(info).toBeVisible();
    const legend = (await app.getByTestId('legend').boundingBox())!;
    for (const n of await app.getByTestId('notice').all()) {
      const b = (await n.boundingBox())!;
      const overlaps = b.x < legend.x + legend.width && b.x + b.width > legend.x && b.y < legend.y + legend.height && b.y + b.height > legend.y;
      expect(overlaps, 'a message over the legend').toBe(false);
    }
    await expect(info).toHaveCount(0, { timeout: 15_000 });
    await expect(error).toBeVisible();
    await error.getByRole('button', { name: 'Dismiss' }).click();
    await expect(error).toHaveCount(0);
  });
});

test('a hole offers no retry', async ({ app }) => {
  await scanDomain(app, 1, { first: '0x0', last: '0x3fff' });
  await app.getByTestId('goto-input').fill('0xa5'); // the VGA hole
  await app.getByTestId('goto-input').press('Enter');
  await expect(app.getByTestId('read-status')).toContainText('EINVAL');
  await expect(app.getByTestId('hex-explain')).toBeVisible();
  await expect(app.getByTestId('hex-retry')).toHaveCount(0);
});

test.describe('a guest paging in real time', () => {
  test.use({ serveArgs: [] });

  test('a read that finds a paged frame mapped turns its cell mapped, and the panel agrees with itself', async ({ app }) => {
    await scanDomain(app, 3, { first: '0x0', last: '0xffff' });
    const gfn = await app.evaluate(() => window.__framescope!.findFrame('paged', 0x100));
    expect(gfn).not.toBeNull();
    const p = await app.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn!);
    await app.mouse.click(p!.x, p!.y);
    await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(gfn));
    // observe may still find it paged (the read asked for its page-in): then retry brings it back
    const retry = app.getByTestId('hex-retry');
    await expect(app.getByTestId('read-status')).not.toContainText('reading');
    if (/ENOENT/.test((await app.getByTestId('read-status').textContent()) ?? '')) await retry.click();
    await expect(app.getByTestId('hex-view')).toHaveAttribute('data-state', 'bytes', { timeout: 20_000 });
    // the grid now says mapped, in the mapped colour, and the frame's history has the change
    expect(await app.evaluate((g) => window.__framescope!.frameCode(g), gfn!)).toBe(0);
    const box = (await app.getByTestId('grid-viewport').boundingBox())!;
    const q = await app.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn!);
    const px = await gridPixels(app);
    const seen = px.at(Math.round(q!.x - box.x) + 2, Math.round(q!.y - box.y) + 2);
    expect(seen.every((v, i) => Math.abs(v - hexRgb(codeColor(0))[i]) <= 14), `cell colour ${seen}`).toBe(true);
    await expect(app.getByTestId('grid-status')).toContainText('Mapped');
    await expect(app.getByTestId('frame-history')).not.toHaveAttribute('data-count', '0');
    await expect(app.getByTestId('frame-history')).toContainText('read');
    await expect(app.getByTestId('changed-since-scan')).toHaveCount(0);
  });
});
