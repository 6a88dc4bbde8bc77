/**
 * The ioctl choice in the status bar: V1 on a kernel that has V2 scans through V1 (the status
 * bar says so, failed frames lose their errno), and auto goes back to V2. The CLI's --abi v1
 * scan of the same frozen range is the reference for what V1 answers.
 */
import { cli, expect, legendCount, scanDomain, test } from './fixtures';

const CODE_V1_NO_ERRNO = 254;

test('V1 chosen in the status bar: scans go through V1, as the CLI does with --abi v1', async ({ app }) => {
  const range = { first: '0x0', last: '0x3ffff' };
  await expect(app.getByTestId('abi-select')).toHaveValue('');
  await app.getByTestId('abi-select').selectOption('v1');
  await scanDomain(app, 2, range);
  await expect(app.getByTestId('abi')).toHaveText('ABI MMAPBATCH (V1)');

  const ref = JSON.parse(cli('--sim-clock', 'stepped', '--abi', 'v1', 'scan', '--domain', '2', '--range', '0-0x3ffff', '--json').out);
  expect(ref.abi).toBe('v1');
  expect(await legendCount(app, 'mapped')).toBe(ref.counts.mapped);
  expect(await legendCount(app, 'invalid')).toBe(ref.counts.invalid);
  const chips = app.getByTestId('errno-chip');
  await expect(chips).toHaveCount(1);
  await expect(chips.first()).toHaveAttribute('data-code', String(CODE_V1_NO_ERRNO));
  await expect(chips.first()).toHaveAttribute('data-count', String(ref.errnos.V1_NO_ERRNO));
  await expect(chips.first()).toContainText('V1_NO_ERRNO');

  await app.getByTestId('abi-select').selectOption('');
  await app.getByTestId('scan-button').click();
  await expect(app.getByTestId('progress')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(app.getByTestId('abi')).toHaveText('ABI MMAPBATCH_V2');
  await expect(app.locator('[data-testid="errno-chip"][data-code="254"]')).toHaveCount(0);
  expect(await legendCount(app, 'invalid')).toBe(ref.counts.invalid);
});
