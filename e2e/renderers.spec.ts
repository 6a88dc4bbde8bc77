/**
 * The two renderers draw the same picture: the same guest, layout, shading, zoom and highlight
 * on the WebGL2 and the 2D canvas renderers (two pages of one frozen host), compared pixel by
 * pixel, at every kind of level each draws differently (one frame a cell; four frames read
 * from the codes; the stored pyramid levels).
 */
import { type Page } from '@playwright/test';

import { type Pixels, expect, gridPixels, scanDomain, test } from './fixtures';

async function open(page: Page, url: string, renderer: '2d' | 'webgl2'): Promise<void> {
  await page.goto(`${url}&renderer=${renderer}`);
  await expect(page.getByTestId('domain-select')).toBeEnabled();
  await scanDomain(page, 3, { first: '0x0', last: '0xfffff' });
  expect(await page.evaluate(() => window.__framescope!.gridStats().renderer)).toBe(renderer);
}

/** Share of pixels that differ by more than a few levels in any channel. */
function differing(a: Pixels, b: Pixels): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let bad = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (Math.abs(a.data[i] - b.data[i]) > 6 || Math.abs(a.data[i + 1] - b.data[i + 1]) > 6 || Math.abs(a.data[i + 2] - b.data[i + 2]) > 6) bad++;
  }
  return bad / (a.width * a.height);
}

test('WebGL2 and the 2D canvas draw the same grid', async ({ browser, served }) => {
  test.setTimeout(120_000);
  const gl = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const cpu = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await open(gl, served.url, 'webgl2');
  await open(cpu, served.url, '2d');
  const cases: Array<{ name: string; layout: string; shading: string; zoom: number; highlight?: string }> = [
    { name: 'rows, 8 px a frame', layout: 'rows:512', shading: 'proportional', zoom: 8 },
    { name: 'rows, level 1 mix', layout: 'fit', shading: 'proportional', zoom: 0.613 },
    { name: 'rows, stored level, mix', layout: 'fit', shading: 'proportional', zoom: 0.1187 },
    { name: 'rows, stored level, most notable', layout: 'fit', shading: 'notable', zoom: 0.1187 },
    { name: 'hilbert, level 1', layout: 'hilbert', shading: 'proportional', zoom: 0.71 },
    { name: 'hilbert, stored level', layout: 'hilbert', shading: 'proportional', zoom: 0.237 },
    { name: 'hilbert, highlight paged', layout: 'hilbert', shading: 'proportional', zoom: 0.237, highlight: 'legend-paged' },
    { name: 'rows, highlight EINVAL, notable', layout: 'fit', shading: 'notable', zoom: 0.291, highlight: 'legend-invalid' },
  ];
  // Zooms avoid exact ties: where a pixel's centre falls exactly on a block's edge, float32 on
  // the GPU and float64 in JS may each pick their own side of it.
  for (const c of cases) {
    for (const page of [gl, cpu]) {
      await page.getByTestId('layout-select').selectOption(c.layout);
      await page.getByTestId('shading-select').selectOption(c.shading);
      const pressed = page.locator('.legend-item.is-pressed');
      if (await pressed.count()) await pressed.click();
      if (c.highlight) await page.getByTestId(c.highlight).click();
      await page.evaluate((zoom) => window.__framescope!.setView({ zoom, centerGfn: 0x7f000 }), c.zoom);
    }
    // each page draws on its next animation frame, which a loaded machine may delay
    const level = c.zoom >= 1 ? 0 : Math.ceil(Math.log2(1 / c.zoom));
    await expect.poll(() => gl.evaluate(() => window.__framescope!.gridStats().level), { message: `${c.name}: webgl2 level` }).toBe(level);
    await expect.poll(() => cpu.evaluate(() => window.__framescope!.gridStats().level), { message: `${c.name}: 2d level` }).toBe(level);
    const share = differing(await gridPixels(gl), await gridPixels(cpu));
    expect(share, `${c.name}: ${(share * 100).toFixed(2)} % of the pixels differ`).toBeLessThan(0.005);
  }
});
