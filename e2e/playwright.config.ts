/**
 * End-to-end tests of the whole app in Debian's Chromium (never a downloaded browser),
 * through the headless server's transport; screenshots land in e2e/artifacts/.
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: 'artifacts/results',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  // each test starts its own framescope serve (its emulator is per process); two at a time fit
  workers: 2,
  reporter: [['list']],
  use: {
    launchOptions: { executablePath: process.env.FRAMESCOPE_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
