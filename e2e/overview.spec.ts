/**
 * The whole-guest picture, read from the pixels the user sees: the fitted layout fills the
 * grid, proportional shading shows proportions, each errno has its own colour, and the legend's
 * errno chips highlight and step through their frames.
 */
import path from 'node:path';

import { codeColor, GRID_COLORS } from '../renderer/grid/palette';
import { ARTIFACTS, expect, gridPixels, hexRgb, legendCount, scanDomain, simHostFile, test } from './fixtures';


const BACKGROUND = hexRgb(GRID_COLORS.background);
const near = (a: readonly number[], b: readonly number[], tolerance = 6) => a.every((v, i) => Math.abs(v - b[i]) <= tolerance);

/** Weights of three colours that mix to `p` (solved exactly: 3 channels, 3 unknowns). */
function unmix(p: readonly number[], a: readonly number[], b: readonly number[], c: readonly number[]): [number, number, number] {
  const m = [[a[0], b[0], c[0]], [a[1], b[1], c[1]], [a[2], b[2], c[2]]];
  const det = (q: number[][]) => q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
    q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
  const d = det(m);
  const col = (k: number) => det(m.map((row, i) => row.map((v, j) => (j === k ? p[i] : v))));
  return [col(0) / d, col(1) / d, col(2) / d];
}

test('a fitted bigmem-64g fills at least 80 % of the grid', async ({ app }) => {
  await scanDomain(app, 5);
  const px = await gridPixels(app);
  let drawn = 0;
  for (let y = 0; y < px.height; y++) for (let x = 0; x < px.width; x++) if (!near(px.at(x, y), BACKGROUND, 3)) drawn++;
  const share = drawn / (px.width * px.height);
  expect(share, `${(share * 100).toFixed(1)} % of the grid drawn`).toBeGreaterThanOrEqual(0.8);
  await app.screenshot({ path: path.join(ARTIFACTS, 'overview-bigmem-64g.png') });
});

for (const renderer of ['2d', 'webgl2'] as const) {
  test(`proportional shading (${renderer}): the fitted web-01's orange share is its paged share`, async ({ page, served }) => {
    await page.goto(`${served.url}&renderer=${renderer}`);
    await expect(page.getByTestId('domain-select')).toBeEnabled();
    await scanDomain(page, 3);
    expect(await page.evaluate(() => window.__framescope!.gridStats().renderer)).toBe(renderer);
    const paged = await legendCount(page, 'paged');
    const total = await legendCount(page, 'mapped') + paged + await legendCount(page, 'invalid');
    await expect(page.getByTestId('shading-note')).toHaveAttribute('data-shading', 'proportional');
    const share = async () => {
      const px = await gridPixels(page);
      const [blue, orange, grey] = [codeColor(0), codeColor(2), codeColor(22)].map(hexRgb);
      let sum = 0;
      let n = 0;
      for (let y = 0; y < px.height; y++) {
        for (let x = 0; x < px.width; x++) {
          const p = px.at(x, y);
          if (near(p, BACKGROUND, 3)) continue;
          const w = unmix(p, blue, orange, grey);
          sum += w[1];
          n++;
        }
      }
      return sum / n;
    };
    // zoomed out: every pixel holds several frames
    expect(await page.evaluate(() => window.__framescope!.gridStats().cellPx)).toBeLessThan(1);
    const proportional = await share();
    expect(Math.abs(proportional - paged / total), `orange ${(proportional * 100).toFixed(2)} %, paged ${(100 * paged / total).toFixed(2)} %`)
      .toBeLessThanOrEqual(0.02);
    await page.screenshot({ path: path.join(ARTIFACTS, `overview-web-01-${renderer}.png`) });
    // "most notable" keeps every paged frame visible: far more orange than there is
    await page.getByTestId('shading-select').selectOption('notable');
    await expect(page.getByTestId('shading-note')).toHaveAttribute('data-shading', 'notable');
    expect(await share()).toBeGreaterThan(2 * paged / total);
  });
}

/**
 * A guest that refuses frames in three ways, as a PV guest's pfns do when sent as machine
 * frames (EPERM low, EBUSY above), with memory past its end (EINVAL). The built-in host's
 * Domain-0 is the domain framescope runs in, whose every frame answers ESRCH.
 */
const refusingHost = simHostFile('refusing-host', {
  clock: 'stepped',
  domains: [{
    id: 1,
    name: 'refusing',
    frames: '0x50000',
    layout: [{ first: 0, last: '0xff', kind: 'eperm' }, { first: '0x100', last: '0x3ffff', kind: 'ebusy' }, { first: '0x40000', last: '0x4ffff', kind: 'hole' }],
  }],
});

test.describe('refused frames', () => {
  test.use({ serveArgs: ['--sim-config', refusingHost] });

  test('EPERM, EBUSY and EINVAL frames each have their own colour', async ({ app }) => {
    await scanDomain(app, 1);
    const colours: Record<string, [number, number, number]> = {};
    for (const [name, gfn, code] of [['EPERM', 0x10, 1], ['EBUSY', 0x2000, 16], ['EINVAL', 0x40010, 22]] as const) {
      expect(await app.evaluate((g) => window.__framescope!.frameCode(g), gfn)).toBe(code);
      const p = await app.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn);
      const box = (await app.getByTestId('grid-viewport').boundingBox())!;
      const px = await gridPixels(app);
      const seen = px.at(Math.round(p!.x - box.x), Math.round(p!.y - box.y));
      expect(near(seen, hexRgb(codeColor(code)), 12), `${name} at 0x${gfn.toString(16)}: ${seen}`).toBe(true);
      colours[name] = seen;
    }
    expect(near(colours.EPERM, colours.EINVAL, 40)).toBe(false);
    expect(near(colours.EBUSY, colours.EINVAL, 40)).toBe(false);
    expect(near(colours.EPERM, colours.EBUSY, 40)).toBe(false);
    // each has its chip in the legend, with its count
    await expect(app.getByTestId('errno-chip')).toHaveCount(3);
    await app.screenshot({ path: path.join(ARTIFACTS, 'overview-refused.png') });
  });
});

test('a PV guest through its p2m: mapped where it has machine frames, the NO_MFN colour where its p2m has none', async ({ app }) => {
  await scanDomain(app, 6); // pv-guest: ballooned at 0x3000-0x30ff, 0x4801, 0x7a00-0x7bff and from 0xa000
  for (const [gfn, code] of [[0x1234, 0], [0x2000, 0], [0x3080, 251], [0x7b00, 251], [0xc000, 251]] as const) {
    expect(await app.evaluate((g) => window.__framescope!.frameCode(g), gfn), `code at 0x${gfn.toString(16)}`).toBe(code);
    const p = await app.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn); // brings the frame into view
    const box = (await app.getByTestId('grid-viewport').boundingBox())!;
    const px = await gridPixels(app);
    const seen = px.at(Math.round(p!.x - box.x), Math.round(p!.y - box.y));
    expect(near(seen, hexRgb(codeColor(code)), 12), `0x${gfn.toString(16)}: ${seen}`).toBe(true);
  }
  expect(near(hexRgb(codeColor(251)), hexRgb(codeColor(22)), 40), 'NO_MFN is not the grey of EINVAL').toBe(false);
  const chip = app.getByTestId('errno-chip').filter({ hasText: 'NO_MFN' });
  await expect(chip).toHaveAttribute('data-count', String(0x100 + 1 + 0x200 + 0x6000));
  await app.screenshot({ path: path.join(ARTIFACTS, 'overview-pv-guest.png') });
});

test('an errno chip highlights its frames, dims the rest, and next / previous step through them', async ({ app }) => {
  await scanDomain(app, 4); // db-02: 64 shared pages that answer ENOMEM at 0x150000
  const chip = app.getByTestId('errno-chip').filter({ hasText: 'ENOMEM' });
  await expect(chip).toHaveAttribute('data-count', '64');
  await chip.click();
  await expect(chip).toHaveAttribute('aria-pressed', 'true');
  await expect(app.getByTestId('highlight-bar')).toHaveAttribute('data-count', '64');
  await app.getByTestId('highlight-next').click();
  await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0x150000));
  // N from the grid: the next one; Shift+N: back
  await app.getByTestId('grid-viewport').focus();
  await app.keyboard.press('n');
  await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0x150001));
  expect(await app.evaluate(() => window.__framescope!.frameCode(0x150001))).toBe(12);
  await app.keyboard.press('Shift+N');
  await expect(app.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(0x150000));
  // on screen: the ENOMEM cell in its colour, a mapped cell beside the run dimmed
  const box = (await app.getByTestId('grid-viewport').boundingBox())!;
  const cellAt = async (gfn: number) => {
    const p = await app.evaluate((g) => window.__framescope!.frameToClientPoint(g), gfn);
    return (await gridPixels(app)).at(Math.round(p!.x - box.x), Math.round(p!.y - box.y));
  };
  expect(near(await cellAt(0x150020), hexRgb(codeColor(12)), 12)).toBe(true);
  const mapped = await app.evaluate(() => {
    for (let g = 0x150040; g < 0x150400; g++) if (window.__framescope!.frameCode(g) === 0) return g;
    return null;
  });
  const dimmed = await cellAt(mapped!);
  expect(near(dimmed, hexRgb(codeColor(0)), 30), `mapped frame beside the run is dimmed: ${dimmed}`).toBe(false);
  await app.screenshot({ path: path.join(ARTIFACTS, 'overview-highlight-enomem.png') });
  // Escape clears it
  await app.getByTestId('highlight-clear').click();
  await expect(app.getByTestId('highlight-bar')).toHaveCount(0);
  expect(near(await cellAt(mapped!), hexRgb(codeColor(0)), 12)).toBe(true);
});
