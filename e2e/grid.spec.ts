/**
 * The desktop UI in Chromium through the headless server: scan a domain, compare the legend
 * with the CLI on the same frozen host, hover a paged-out frame, read a frame's bytes.
 */
import path from 'node:path';

import { ARTIFACTS, cli, expect, legendCount, scanDomain, test } from './fixtures';


test('the simulated host is marked as such, and its domains are listed', async ({ app }) => {
  await expect(app.getByTestId('sim-badge')).toBeVisible();
  const options = await app.getByTestId('domain-select').locator('option').allTextContents();
  for (const name of ['Domain-0', 'hvm-firmware', 'pvh-ballooned', 'web-01', 'db-02', 'bigmem-64g', 'pv-guest']) {
    expect(options.some((o) => o.includes(name))).toBe(true);
  }
});

test('the legend\'s counts equal framescope scan --json on the same frozen host', async ({ app }) => {
  await scanDomain(app, 3);
  const ui = {
    mapped: await legendCount(app, 'mapped'),
    paged: await legendCount(app, 'paged'),
    invalid: await legendCount(app, 'invalid'),
  };
  const r = cli('--sim-clock', 'stepped', 'scan', '--domain', '3', '--json');
  expect(r.code).toBe(0);
  expect(ui).toEqual(JSON.parse(r.out).counts);
  expect(await legendCount(app, 'unscanned')).toBe(0);
  await expect(app.getByTestId('abi')).toHaveText('ABI MMAPBATCH_V2');
  await app.screenshot({ path: path.join(ARTIFACTS, 'grid-web-01.png') });
});

test('hovering a known paged-out frame shows ENOENT', async ({ app }) => {
  await scanDomain(app, 3, { first: '0x0', last: '0xffff' });
  const gfn = await app.evaluate(() => window.__framescope!.findFrame('paged', 0x100));
  expect(gfn).not.toBeNull();
  // the same frame, asked through the CLI on the same frozen host, is paged out too
  expect(cli('--sim-clock', 'stepped', 'read', '--domain', '3', '--gfn', String(gfn)).err).toMatch(/did not map: ENOENT/);
  const point = await app.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn!);
  await app.mouse.move(point!.x, point!.y);
  const tooltip = app.getByTestId('grid-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText('ENOENT');
  await expect(tooltip).toContainText(`(${gfn})`);
  await app.screenshot({ path: path.join(ARTIFACTS, 'tooltip-paged.png') });
});

test('the hex view of a frame equals framescope read', async ({ app }) => {
  await scanDomain(app, 3, { first: '0x1000', last: '0x1fff' });
  const point = await app.evaluate(() => window.__framescope!.frameToClientPoint(0x1234));
  await app.mouse.click(point!.x, point!.y);
  const hex = app.getByTestId('hex-view');
  await expect(hex).toContainText('FRAMESCOPE-MARKE');
  await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0x1234));
  // every byte of the dump the CLI prints appears in the hex view, row by row
  const dump = cli('read', '--domain', '3', '--gfn', '0x1234').out.trimEnd().split('\n');
  expect(dump).toHaveLength(256);
  const shown = (await hex.innerText()).replace(/\s+/g, ' ');
  for (const line of dump) {
    const bytes = line.slice(10, 58).replace(/\s+/g, ' ').trim();
    expect(shown).toContain(bytes);
  }
  await hex.screenshot({ path: path.join(ARTIFACTS, 'hex-view.png') });
});

test('a request without the token is refused', async ({ page, served }) => {
  const bare = await page.request.get(`${served.origin}/`);
  expect(bare.status()).toBe(401);
  const wrong = await page.request.get(`${served.origin}/?token=${'x'.repeat(43)}`);
  expect(wrong.status()).toBe(401);
  // and a page without the token cannot open the API either
  await page.goto(`${served.origin}/healthz?token=bogus`).catch(() => {});
  const refused = await page.evaluate(async (origin) => new Promise<string>((resolve) => {
    const ws = new WebSocket(origin.replace('http', 'ws') + '/api');
    ws.onopen = () => resolve('open');
    ws.onerror = () => resolve('refused');
  }), served.origin);
  expect(refused).toBe('refused');
});

test('box selection rescans just that range', async ({ app }) => {
  await scanDomain(app, 1, { first: '0x0', last: '0x3fff' });
  await app.getByTestId('layout-select').selectOption('rows:512');
  // two frames that fit in one view at 8 px a frame: columns 0x1c0-0x1f0 of rows 1 and 2
  await app.evaluate(() => window.__framescope!.setView({ zoom: 8, centerGfn: 0x3d8 }));
  const b = await app.evaluate(() => window.__framescope!.frameToClientPoint(0x5f0));
  const a = await app.evaluate(() => window.__framescope!.frameToClientPoint(0x3c0));
  expect(await app.evaluate(() => window.__framescope!.frameToClientPoint(0x5f0))).toEqual(b);
  await app.keyboard.down('Shift');
  await app.mouse.move(a!.x, a!.y);
  await app.mouse.down();
  await app.mouse.move(b!.x, b!.y, { steps: 5 });
  await app.mouse.up();
  await app.keyboard.up('Shift');
  await app.getByTestId('box-rescan').click();
  await expect(app.getByTestId('progress')).toHaveAttribute('data-state', 'done');
  await expect(app.getByTestId('progress-text')).toContainText(/0x0*3c0–0x0*5f0/);
  expect(await legendCount(app, 'mapped') + await legendCount(app, 'paged') + await legendCount(app, 'invalid')).toBe(0x4000);
});

for (const renderer of ['webgl2', '2d'] as const) {
  test(`the ${renderer} renderer draws each frame in its status colour`, async ({ page, served }) => {
    await page.goto(`${served.url}&renderer=${renderer}`);
    await expect(page.getByTestId('domain-select')).toBeEnabled();
    await scanDomain(page, 3, { first: '0x0', last: '0xffff' });
    expect(await page.evaluate(() => window.__framescope!.gridStats().renderer)).toBe(renderer);
    // Okabe-Ito blue for mapped, orange for paged out (renderer/grid/palette.ts)
    const expected: Array<['mapped' | 'paged', [number, number, number]]> = [['mapped', [0x00, 0x72, 0xb2]], ['paged', [0xe6, 0x9f, 0x00]]];
    for (const [status, rgb] of expected) {
      const gfn = await page.evaluate((s) => window.__framescope!.findFrame(s, 0x100), status);
      const p = await page.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn!);
      await page.mouse.move(0, 0); // no hover ring over the cell
      await page.waitForTimeout(100);
      const png = await page.screenshot({ clip: { x: Math.round(p!.x), y: Math.round(p!.y), width: 1, height: 1 } });
      const pixel = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = c.height = 1;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return Array.from(ctx.getImageData(0, 0, 1, 1).data.slice(0, 3));
      }, png.toString('base64'));
      for (let i = 0; i < 3; i++) expect(Math.abs(pixel[i] - rgb[i]), `${status} frame 0x${gfn!.toString(16)}: ${pixel}`).toBeLessThanOrEqual(12);
    }
  });
}
