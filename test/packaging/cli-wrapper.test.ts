/**
 * packaging/bin/framescope, the installed `framescope` command, laid out as the package lays it
 * out (resources/bin/framescope beside resources/app.asar.unpacked, the app's executable one
 * level up), with a stand-in for the app's Electron executable: which runtime it picks, and
 * what it hands the app's CLI mode now that ELECTRON_RUN_AS_NODE is fused off.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const ROOT = path.join(__dirname, '../../..');
const WRAPPER = path.join(ROOT, 'packaging/bin/framescope');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-wrapper-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

/** An installed tree: `app` is the app's executable (a shell script), cli.js a stand-in. */
function install(name: string, app: string) {
  const dir = path.join(work, name);
  const resources = path.join(dir, 'resources');
  fs.mkdirSync(path.join(resources, 'bin'), { recursive: true });
  fs.copyFileSync(WRAPPER, path.join(resources, 'bin/framescope'));
  fs.chmodSync(path.join(resources, 'bin/framescope'), 0o755);
  const cliDir = path.join(resources, 'app.asar.unpacked/dist/app');
  fs.mkdirSync(cliDir, { recursive: true });
  fs.writeFileSync(path.join(cliDir, 'cli.js'), 'process.stdout.write(JSON.stringify({ runtime: "node", args: process.argv.slice(2) }));\n');
  fs.writeFileSync(path.join(dir, 'framescope'), app, { mode: 0o755 });
  // what the .deb does: /usr/bin/framescope is a link to the wrapper
  fs.mkdirSync(path.join(dir, 'usr-bin'));
  fs.symlinkSync(path.join(resources, 'bin/framescope'), path.join(dir, 'usr-bin/framescope'));
  return path.join(dir, 'usr-bin/framescope');
}

/** A PATH with the tools the wrapper uses and, if given, a `node`. */
function pathWith(name: string, node?: string): string {
  const bin = path.join(work, `path-${name}`);
  fs.mkdirSync(bin);
  for (const tool of ['dirname', 'readlink']) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
  if (node) fs.writeFileSync(path.join(bin, 'node'), node, { mode: 0o755 });
  return bin;
}

/** Records how it was started, like the app's executable would be. */
const RECORDING_APP = `#!/bin/sh
printf '%s\\n' "ELECTRON_RUN_AS_NODE=\${ELECTRON_RUN_AS_NODE-unset}" "$@"
`;

const run = (command: string, args: string[], PATH: string) =>
  spawnSync(command, args, { encoding: 'utf8', env: { PATH, HOME: work }, timeout: 30_000, killSignal: 'SIGKILL' });

test('with a recent system Node.js the CLI runs on it, arguments intact', () => {
  const command = install('node-recent', RECORDING_APP);
  const PATH = pathWith('recent', `#!/bin/sh\nexec "${process.execPath}" "$@"\n`);
  const r = run(command, ['scan', '--domain', 'web 01', '--', '--json'], PATH);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { runtime: 'node', args: ['scan', '--domain', 'web 01', '--', '--json'] });
});

test('without a recent one, the app\'s executable runs in its CLI mode: switches, --cli, --, the arguments', () => {
  const old = `#!/bin/sh\n[ "$1" = -e ] && exit 1\necho "node 18 ran the CLI" >&2\nexit 9\n`;
  for (const [name, PATH] of [['no-node', pathWith('none')], ['node-old', pathWith('old', old)]] as const) {
    const command = install(name, RECORDING_APP);
    const r = run(command, ['scan', '--domain', 'web 01', '--', '--json'], PATH);
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [
      'ELECTRON_RUN_AS_NODE=unset',
      '--no-sandbox', '--ozone-platform=headless', '--disable-gpu', '--cli', '--',
      'scan', '--domain', 'web 01', '--', '--json',
    ], name);
  }
});

test('through the app\'s executable, the real main runs the real CLI and its exit code comes back', () => {
  // the stand-in executable is main/main.js under the Electron stub, started with its argv
  const app = `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'dist/test/fakes/electron-main.js')}" "$0" "$@"\n`;
  const command = install('main', app);
  const PATH = pathWith('main-none');
  const domains = run(command, ['--backend', 'sim', '--sim-clock', 'stepped', 'domains', '--json'], PATH);
  assert.equal(domains.status, 0, domains.stderr);
  assert.equal((JSON.parse(domains.stdout) as unknown[]).length, 7);
  const bad = run(command, ['frobnicate'], PATH);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
});
