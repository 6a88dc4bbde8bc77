/**
 * The layout at a laptop's 1280x800 and a desktop's 1920x1080, in Chromium through the headless
 * server: after scans of web-01 and db-02 (more errno chips) and with a frame's bytes on show,
 * nothing in the top bar, the progress line, the grid toolbar, the legend or the hex view is
 * clipped or overlaps, the top bar stays two rows, and every hex row's ASCII column is in view.
 */
import path from 'node:path';

import type { Page } from '@playwright/test';

import { ARTIFACTS, expect, scanDomain, test } from './fixtures';

type WithHooks = { __framescope: { frameToClientPoint(gfn: number): { x: number; y: number } | null } };

interface Problems {
  /** The top bar, the progress line, the side pane and the hex view, the status bar. */
  layout: string[];
  /** The legend and the grid toolbar, which are rewritten apart from the rest (issue 9). */
  legendAndToolbar: string[];
}

/**
 * What is wrong with the layout on show, one line per problem (none: it fits). Runs in the page:
 * - a container whose content is wider than its box (clipped, scrolled or spilling out);
 * - a top-bar row taller than one line of controls (something wrapped);
 * - two controls of the top bar or of the grid toolbar whose boxes overlap, or one outside the window;
 * - a hex row whose ASCII column is not fully inside the hex view's visible area and the side pane.
 */
function layoutProblems(page: Page): Promise<Problems> {
  return page.evaluate(() => {
    const found: Problems = { layout: [], legendAndToolbar: [] };
    const problems = {
      push(text: string, el: Element) {
        (el.closest('.legend, .grid-toolbar') ? found.legendAndToolbar : found.layout).push(text);
      },
    };
    const describe = (el: Element) => {
      const testId = el.getAttribute('data-testid');
      return `${el.tagName.toLowerCase()}${testId ? `[data-testid=${testId}]` : ''}.${Array.from(el.classList).join('.')}`;
    };
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
    };

    // 1. nothing wider than its box
    const containers = [
      // .domain-facts ends in an ellipsis by design where the row is short of room
      '.topbar', '.topbar-row', '.domain-picker', '.action-bar', '.busy-text', '.live-controls', '.topbar-source',
      '.scan-controls', '.range-fields', '.range-info', '.range-error',
      '[data-testid=progress]', '[data-testid=progress-text]', '.progress-main', '.progress-range',
      '.grid-toolbar', '[data-testid=legend]', '.legend-items', '.legend-errnos', '.legend-changes',
      '[data-testid=hex-view]', '.hex-dump', '.hex-row[role=row]', '.statusbar', '.statusbar-keys',
    ];
    for (const selector of containers) {
      for (const el of Array.from(document.querySelectorAll(selector))) {
        if (!visible(el)) continue;
        if (el.scrollWidth > el.clientWidth + 1) problems.push(`${describe(el)} overflows: content ${el.scrollWidth} px in ${el.clientWidth} px`, el);
      }
    }

    // 2. each top-bar row is a single line of controls
    for (const row of Array.from(document.querySelectorAll('.topbar-row'))) {
      const h = row.getBoundingClientRect().height;
      if (h > 40) problems.push(`${describe(row)} wraps: ${Math.round(h)} px tall`, row);
    }

    // 3. the controls of a bar do not overlap and stay in the window
    const controls = 'button, select, input:not([type=checkbox]), label.auto-toggle, .help, .brand, .sim-badge, .dump-badge, ' +
      '.host-description, .domain-facts, .range-info, .range-error, .field-label, .progress, .zoom-readout, .renderer-badge, .busy-note, .inline-error';
    for (const bar of ['.topbar', '.grid-toolbar']) {
      const root = document.querySelector(bar);
      if (!root) {
        found.layout.push(`no ${bar}`);
        continue;
      }
      const els = Array.from(root.querySelectorAll(controls)).filter(visible);
      const boxes = els.map((el) => el.getBoundingClientRect());
      els.forEach((el, i) => {
        const r = boxes[i];
        if (r.left < 0 || r.top < 0 || r.right > window.innerWidth + 0.5 || r.bottom > window.innerHeight + 0.5) {
          problems.push(`${describe(el)} is outside the window: ${Math.round(r.left)}–${Math.round(r.right)} of ${window.innerWidth}`, el);
        }
        for (let j = i + 1; j < els.length; j++) {
          if (el.contains(els[j]) || els[j].contains(el)) continue;
          const o = boxes[j];
          const w = Math.min(r.right, o.right) - Math.max(r.left, o.left);
          const h = Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top);
          if (w > 0.5 && h > 0.5) problems.push(`${describe(el)} overlaps ${describe(els[j])} by ${Math.round(w)}x${Math.round(h)} px`, el);
        }
      });
    }

    // 4. the hex view's ASCII column is in view, row by row
    const hexView = document.querySelector('[data-testid=hex-view]');
    const side = document.querySelector('.side-pane');
    if (hexView && side) {
      const hv = hexView.getBoundingClientRect();
      const sp = side.getBoundingClientRect();
      // the visible area: the box without its borders and its vertical scrollbar
      const left = Math.max(hv.left + hexView.clientLeft, sp.left);
      const right = Math.min(hv.left + hexView.clientLeft + hexView.clientWidth, sp.right);
      for (const row of Array.from(hexView.querySelectorAll('.hex-row[role=row]'))) {
        const ascii = row.querySelector('.hex-ascii');
        if (!ascii) {
          problems.push(`a hex row without an ASCII column: ${row.textContent}`, row);
          continue;
        }
        const a = ascii.getBoundingClientRect();
        if (a.left < left - 0.5 || a.right > right + 0.5 || ascii.scrollWidth > ascii.clientWidth + 1) {
          problems.push(`ASCII of hex row "${row.textContent?.slice(0, 40)}" at ${Math.round(a.left)}–${Math.round(a.right)}, visible ${Math.round(left)}–${Math.round(right)}`, row);
          break; // one row says it; the others are the same
        }
      }
    }
    return found;
  });
}

/** Soft: one test goes on to the next state and says all that does not fit, in each part. */
async function expectToFit(page: Page, when: string): Promise<void> {
  const { layout, legendAndToolbar } = await layoutProblems(page);
  expect.soft(layout, `${when}: top bar, progress, side pane, status bar`).toEqual([]);
  expect.soft(legendAndToolbar, `${when}: legend and grid toolbar`).toEqual([]);
}

async function showFrame(page: Page, gfn: number): Promise<void> {
  const point = await page.evaluate((g) => (window as unknown as WithHooks).__framescope.frameToClientPoint(g), gfn);
  expect(point).not.toBeNull();
  await page.mouse.click(point!.x, point!.y);
  await expect(page.getByTestId('selected-gfn')).toHaveAttribute('data-gfn', String(gfn));
  await expect(page.getByTestId('hex-view')).toHaveAttribute('data-state', 'bytes');
}

/** The ASCII column of the hex view, row after row, as one string. */
function asciiText(page: Page): Promise<string> {
  return page.getByTestId('hex-view').locator('.hex-row[role=row]:not(.hex-header) .hex-ascii').evaluateAll((els) => els.map((e) => e.textContent).join(''));
}

// A laptop's side pane is narrow, its hex view 8 bytes a row; a desktop's has room for 16.
for (const { viewport, bytesPerRow } of [{ viewport: { width: 1280, height: 800 }, bytesPerRow: 8 }, { viewport: { width: 1920, height: 1080 }, bytesPerRow: 16 }]) {
  const size = `${viewport.width}x${viewport.height}`;

  test.describe(`at ${size}`, () => {
    test.use({ viewport });

    test('nothing is clipped or overlaps, and the hex view shows its ASCII column', async ({ app }) => {
      await expectToFit(app, 'before any scan');

      // db-02 first: ENOMEM frames besides the others, more errno chips in the legend
      await scanDomain(app, 4);
      await expect(app.getByTestId('legend-errnos').locator('.errno-chip')).not.toHaveCount(0);
      await expectToFit(app, 'after scanning db-02');

      await scanDomain(app, 3);
      await expect(app.getByTestId('scan-button')).toHaveText('Rescan');
      await showFrame(app, 0x1234);
      await expect(app.locator('.hex-dump')).toHaveAttribute('data-bytes-per-row', String(bytesPerRow));
      expect(await asciiText(app)).toContain('FRAMESCOPE-MARKER');
      await expectToFit(app, 'after scanning web-01, its frame 0x1234 on show');

      // the progress line says how the scan went, rate included, in full; with auto-rescan on,
      // the countdown to the next rescan besides
      const progress = app.getByTestId('progress-text');
      await expect(progress).toContainText(/Scanned 1,048,576 frames in .+ \(.+\/s\)/);
      await app.getByTestId('auto-rescan-interval').selectOption('30000');
      await app.getByTestId('auto-rescan').check();
      await expect(app.getByTestId('auto-next')).toBeVisible({ timeout: 30_000 });
      await expect(progress).toContainText(/Scanned 1,048,576 frames in .+ \(.+\/s\)/);
      await expectToFit(app, 'auto-rescan on, the countdown on show');

      await app.screenshot({ path: path.join(ARTIFACTS, `layout-${size}.png`) });
    });

    test('a search hit is marked in the hex view, and the side pane still fits', async ({ app }) => {
      await scanDomain(app, 3, { first: '0x1000', last: '0x1fff' });
      await app.locator('body').press('Control+f');
      await app.getByTestId('search-text').fill('FRAMESCOPE-MARKER');
      await app.getByTestId('search-text').press('Enter');
      await expect(app.getByTestId('search-status')).toHaveAttribute('data-state', 'done');
      await app.getByTestId('search-hit').first().click();
      const hex = app.getByTestId('hex-view');
      await expect(hex).toHaveAttribute('data-highlight', String(0x100));
      await expect(hex.locator('.hex-dump')).toHaveAttribute('data-bytes-per-row', String(bytesPerRow));
      // the match is marked in both columns, however many rows it spans
      const marks = (column: string) => hex.locator(`.hex-row .${column} mark`).evaluateAll((els) => els.map((e) => e.textContent).join(' '));
      expect((await marks('hex-ascii')).replace(/ /g, '')).toBe('FRAMESCOPE-MARKER');
      const bytes = [...'FRAMESCOPE-MARKER'].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(' ');
      expect((await marks('hex-bytes')).replace(/\s+/g, ' ')).toBe(bytes);
      await expect(hex.getByTestId('hex-hit-row').first()).toBeInViewport();
      await expectToFit(app, 'with the search panel and a hit on show');
      await app.screenshot({ path: path.join(ARTIFACTS, `layout-search-${size}.png`) });
    });
  });
}
