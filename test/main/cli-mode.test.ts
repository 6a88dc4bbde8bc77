/**
 * The app's executable as the CLI (`--cli`): how the installed `framescope` command runs where
 * the system has no recent Node.js, now that the runAsNode fuse is off. main/main.js runs as
 * Electron starts it (Electron's modules stubbed); the CLI it runs is the real one.
 */
import { electron } from '../fakes/electron';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';

import { cliModeArguments } from '../../main/cli-mode';

const VERSION = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;

afterEach(() => electron.reset());

const RUN_MAIN = path.join(__dirname, '../fakes/electron-main.js');

/** Runs main with `argv` in a process of its own, as Electron would start it. */
function runMain(argv: string[], defaultApp = false) {
  const report = path.join(electron.home, 'report.json');
  const r = spawnSync(process.execPath, [RUN_MAIN, ...(defaultApp ? ['--default-app'] : []), ...argv], {
    encoding: 'utf8', env: { ...process.env, FRAMESCOPE_STUB_REPORT: report }, timeout: 60_000,
  });
  const asked = JSON.parse(fs.readFileSync(report, 'utf8')) as { windows: number; singleInstanceRequested: boolean; schemesRegistered: boolean; handlers: number };
  return { code: r.status, out: r.stdout, err: r.stderr, asked };
}

test('--cli picks the CLI\'s arguments out of what Electron was started with', () => {
  // packaged: argv[0] is the app's executable
  assert.deepEqual(cliModeArguments(['/opt/framescope/framescope', '--cli', 'scan', '--domain', '1'], false), ['scan', '--domain', '1']);
  assert.deepEqual(cliModeArguments(['/opt/framescope/framescope', '--no-sandbox', '--ozone-platform=headless', '--cli', '--', '--version'], false), ['--version']);
  assert.deepEqual(cliModeArguments(['/opt/framescope/framescope', '--cli', '--', '--', 'x'], false), ['--', 'x']);
  assert.deepEqual(cliModeArguments(['/opt/framescope/framescope', '--cli'], false), []);
  // `electron . --cli ...`: the app's directory comes first
  assert.deepEqual(cliModeArguments(['electron', '.', '--cli', 'domains'], true), ['domains']);
  // not the CLI: no --cli, or one after the end of switches, or the app's directory itself
  assert.equal(cliModeArguments(['/opt/framescope/framescope'], false), null);
  assert.equal(cliModeArguments(['/opt/framescope/framescope', '--backend', 'sim'], false), null);
  assert.equal(cliModeArguments(['/opt/framescope/framescope', '--', '--cli'], false), null);
  assert.equal(cliModeArguments(['electron', '--cli'], true), null);
});

test('the packaged executable with --cli runs the CLI and exits with its code, opening nothing', () => {
  const r = runMain(['/opt/framescope/framescope', '--no-sandbox', '--ozone-platform=headless', '--disable-gpu', '--cli', '--',
    '--backend', 'sim', '--sim-clock', 'stepped', 'domains', '--json']);
  assert.equal(r.code, 0, r.err);
  const domains = JSON.parse(r.out) as Array<{ id: number; name: string }>;
  assert.deepEqual(domains.map((d) => d.name).slice(0, 4), ['Domain-0', 'hvm-firmware', 'pvh-ballooned', 'web-01']);
  assert.deepEqual(r.asked, { windows: 0, singleInstanceRequested: false, schemesRegistered: false, handlers: 0 },
    'no window, no IPC, and no single-instance lock: the CLI runs beside the app');
});

test('under `electron . --cli` too; a usage error exits 2 and says so', () => {
  const version = runMain(['electron', '.', '--cli', '--version'], true);
  assert.deepEqual([version.code, version.out], [0, `framescope ${VERSION}\n`]);
  const bad = runMain(['/opt/framescope/framescope', '--cli', 'frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /framescope: unknown command 'frobnicate'\nrun 'framescope --help' for usage/);
});

test('without --cli the executable is the desktop app', async () => {
  await electron.startMain(['/opt/framescope/framescope', '--backend', 'sim', '--sim-clock', 'stepped']);
  assert.equal(electron.windows.length, 1);
  assert.equal(electron.singleInstanceRequested, true);
  assert.equal(electron.exitCode, null);
  await electron.quit();
});
