/**
 * Packages the app with electron-builder (--dir) and checks what a user would install. The
 * Electron binary cannot be downloaded on these machines, so the package is built against a
 * stand-in Electron distribution made here (electronDist); everything framescope adds to it
 * is real.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';

const ROOT = path.join(__dirname, '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-package-'));
const out = path.join(work, 'release');
const unpacked = path.join(out, 'linux-unpacked');
const resources = path.join(unpacked, 'resources');
const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

before(() => {
  const electronDist = path.join(work, 'electron-dist');
  fs.mkdirSync(electronDist);
  fs.writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in electron" "$@"\n', { mode: 0o755 });
  fs.writeFileSync(path.join(electronDist, 'version'), JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version);
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/electron-builder/cli.js'), '--linux', 'dir',
    `-c.electronDist=${electronDist}`, `-c.directories.output=${out}`], { cwd: ROOT, stdio: 'pipe', timeout: 300_000 });
}, { timeout: 300_000 });

function asarFiles(): string[] {
  // electron-builder's own dependency reads the archive's index
  const asar = require(path.join(ROOT, 'node_modules/@electron/asar')) as { listPackage(p: string, o: object): string[] };
  return asar.listPackage(path.join(resources, 'app.asar'), { isPack: false });
}

test('the app and its renderer are inside the asar archive', () => {
  const files = asarFiles();
  for (const f of ['/dist/main/main.js', '/dist/main/preload.js', '/dist/ui/index.html', '/package.json']) {
    assert.ok(files.includes(f), `${f} in app.asar`);
  }
  assert.ok(!files.some((f) => f.startsWith('/dist/test/')), 'no tests shipped');
  assert.ok(!files.some((f) => f.endsWith('.map')), 'no source maps shipped');
});

test('koffi\'s native module and the emulator library are outside the archive', () => {
  const koffiNode = path.join(resources, 'app.asar.unpacked/node_modules/@koromix', `koffi-linux-${process.arch}`, `linux_${process.arch}`, 'koffi.node');
  assert.ok(fs.existsSync(koffiNode), koffiNode);
  assert.ok(fs.existsSync(path.join(resources, 'app.asar.unpacked/dist/native/libprivcmd-sim.so')));
});

test('the CLI runs from the unpacked tree with the system node', () => {
  const r = spawnSync(path.join(resources, 'bin/framescope'), ['--backend', 'sim', 'domains', '--json'], { encoding: 'utf8', cwd: os.tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).length, 7);
  const v = spawnSync(path.join(resources, 'bin/framescope'), ['--version'], { encoding: 'utf8' });
  assert.equal(v.stdout.trim(), `framescope ${version}`);
  const scan = spawnSync(process.execPath, [path.join(resources, 'app.asar.unpacked/dist/app/cli.js'), '--sim-clock', 'stepped', 'scan', '--domain', '1', '--json'], { encoding: 'utf8' });
  assert.equal(scan.status, 0, scan.stderr);
  assert.equal(JSON.parse(scan.stdout).counts.mapped + JSON.parse(scan.stdout).counts.paged, 16381);
});

test('resource paths resolve both ways: from inside the archive and from the unpacked tree', () => {
  const { emulatorLibraryPath } = require(path.join(resources, 'app.asar.unpacked/dist/native/emulator.js')) as typeof import('../../native/emulator');
  const lib = path.join(resources, 'app.asar.unpacked/dist/native/libprivcmd-sim.so');
  // what Electron's main process sees: __dirname inside app.asar
  assert.equal(emulatorLibraryPath(path.join(resources, 'app.asar/dist/native')), lib);
  // what the CLI sees under the system node
  assert.equal(emulatorLibraryPath(path.join(resources, 'app.asar.unpacked/dist/native')), lib);
});

test('the executable, the CLI wrapper and the optional udev rule are where the package says', () => {
  assert.ok(fs.statSync(path.join(unpacked, 'framescope')).mode & 0o111, 'the app executable');
  assert.ok(fs.statSync(path.join(resources, 'bin/framescope')).mode & 0o111, 'the CLI wrapper');
  assert.match(fs.readFileSync(path.join(resources, 'udev/70-framescope-privcmd.rules'), 'utf8'), /ROOT-EQUIVALENT/);
});
