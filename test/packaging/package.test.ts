/**
 * Packages the app with electron-builder (--dir) and checks what a user would install. The
 * Electron binary cannot be downloaded on these machines, so the package is built against a
 * stand-in Electron distribution made here (electronDist); everything framescope adds to it
 * is real.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';

import { servedUrl } from '../fakes/served-url';

const ROOT = path.join(__dirname, '../../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-package-'));
const out = path.join(work, 'release');
const unpacked = path.join(out, 'linux-unpacked');
const resources = path.join(unpacked, 'resources');
/** @electron/fuses' sentinel, and Electron's own fuse states: runAsNode on, cookie encryption off, ... */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_DEFAULT_FUSES = '10110001';
const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

before(() => {
  const electronDist = path.join(work, 'electron-dist');
  fs.mkdirSync(electronDist);
  // with a fuse wire as Electron's executable carries one (@electron/fuses finds it by its
  // sentinel), in Electron's default states, for electron-builder to flip
  const wire = Buffer.concat([Buffer.from(`# ${FUSE_SENTINEL}`, 'latin1'), Buffer.from([1, ELECTRON_DEFAULT_FUSES.length]), Buffer.from(ELECTRON_DEFAULT_FUSES, 'latin1'), Buffer.from('\n')]);
  fs.writeFileSync(path.join(electronDist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in electron" "$@"\nexit 0\n'), wire]), { mode: 0o755 });
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

test('the installed CLI serves the UI: its files are outside the archive the system node cannot read', async () => {
  const child = spawn(path.join(resources, 'bin/framescope'), ['--sim-clock', 'stepped', 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const page = await fetch(await servedUrl(child));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>framescope<\/title>/);
  } finally {
    child.kill('SIGINT');
  }
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

test('the executable\'s fuses are flipped as electron-builder.yml says', async () => {
  const { getCurrentFuseWire, FuseV1Options } = require(path.join(ROOT, 'node_modules/@electron/fuses')) as typeof import('@electron/fuses');
  const wire = await getCurrentFuseWire(path.join(unpacked, 'framescope')) as unknown as Record<number, number>;
  const state = (option: number) => String.fromCharCode(wire[option]);
  assert.deepEqual({
    runAsNode: state(FuseV1Options.RunAsNode),
    enableCookieEncryption: state(FuseV1Options.EnableCookieEncryption),
    enableNodeOptionsEnvironmentVariable: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
    enableNodeCliInspectArguments: state(FuseV1Options.EnableNodeCliInspectArguments),
    enableEmbeddedAsarIntegrityValidation: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
    onlyLoadAppFromAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
    loadBrowserProcessSpecificV8Snapshot: state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot),
    grantFileProtocolExtraPrivileges: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
  }, {
    runAsNode: '0',
    enableCookieEncryption: '1',
    enableNodeOptionsEnvironmentVariable: '0',
    enableNodeCliInspectArguments: '0',
    enableEmbeddedAsarIntegrityValidation: '1',
    onlyLoadAppFromAsar: '1',
    loadBrowserProcessSpecificV8Snapshot: '0', // not set: Electron's default
    grantFileProtocolExtraPrivileges: '0',
  });
});
