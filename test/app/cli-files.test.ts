/**
 * The files the CLI is pointed at: snapshots it reads are bounded (MAX_SNAPSHOT_BYTES, checked
 * on the open file before reading) and must be regular files; --out is checked before the scan.
 * Run as a user runs it, in a child process that the test kills if a reader is not bounded.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { MAX_SNAPSHOT_BYTES } from '../../app/snapshot';
import { snapshotBomb } from '../fakes/hostile-snapshots';
import { measured } from '../fakes/measured-child';

const CLI = path.join(__dirname, '../../app/cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-cli-files-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const good = path.join(dir, 'good.fsnap');
fs.writeFileSync(good, snapshotBomb(4096));

/** What a refused read may cost. */
const MAX_MS = 3000;
const MAX_GROWTH_MIB = 64;

interface CliOutcome { code: number; out: string; err: string }

function refusedFast(args: string[], message: RegExp, timeoutMs = 15_000): CliOutcome {
  const r = measured('cli', args, timeoutMs);
  assert.equal(r.killed, null, `not bounded: ${r.killed}\n${r.stderr}`);
  assert.equal(r.ok, true, r.error?.message);
  const v = r.value as CliOutcome;
  assert.equal(v.code, 1, v.err);
  assert.match(v.err, message);
  assert.ok(r.ms! < MAX_MS, `${r.ms!.toFixed(0)} ms`);
  assert.ok(r.growthMiB! < MAX_GROWTH_MIB, `RSS grew ${r.growthMiB!.toFixed(0)} MiB`);
  return v;
}

test('diff /dev/zero: a character device is refused at once, not read until memory runs out', () => {
  refusedFast(['diff', '/dev/zero', good], /^framescope: \/dev\/zero: not a regular file \(a snapshot is a \.fsnap file\)\n$/);
  refusedFast(['diff', good, '/dev/zero'], /\/dev\/zero: not a regular file/);
});

test('diff of a FIFO is refused without waiting for a writer', () => {
  const fifo = path.join(dir, 'pipe.fsnap');
  const mk = spawnSync('mkfifo', [fifo]);
  assert.equal(mk.status, 0, String(mk.stderr));
  refusedFast(['diff', fifo, good], /pipe\.fsnap: not a regular file/);
});

test('diff of a file larger than MAX_SNAPSHOT_BYTES is refused from its size, before a byte is read', () => {
  const big = path.join(dir, 'big.fsnap');
  const fd = fs.openSync(big, 'w');
  fs.ftruncateSync(fd, MAX_SNAPSHOT_BYTES + 1); // sparse: costs no disk
  fs.closeSync(fd);
  refusedFast(['diff', good, big], new RegExp(`big\\.fsnap: ${MAX_SNAPSHOT_BYTES + 1} bytes is too large for a snapshot \\(at most ${MAX_SNAPSHOT_BYTES}\\)`));
  fs.rmSync(big);
});

test('diff of a directory, a missing file: one clear line each', () => {
  refusedFast(['diff', dir, good], /: is a directory\n$/);
  refusedFast(['diff', path.join(dir, 'missing.fsnap'), good], /missing\.fsnap: no such file\n$/);
});

test('diff still compares two good snapshots', () => {
  const r = spawnSync(process.execPath, [CLI, 'diff', good, good, '--json'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).compared, 4096);
});

test('scan --out into a directory that does not exist fails before scanning', () => {
  // the scan of a million frames would take seconds; the check answers before it starts
  const v = refusedFast(['--sim-clock', 'stepped', 'scan', '--domain', '3', '--out', path.join(dir, 'no', 'such', 'dir', 'a.fsnap')],
    /^framescope: cannot write .*a\.fsnap: no directory .*no\/such\/dir\n/);
  assert.doesNotMatch(v.out, /frames/, 'no scan ran');
});

test('scan --out onto a directory, or under a file, fails before scanning', () => {
  const sub = path.join(dir, 'taken.json');
  fs.mkdirSync(sub, { recursive: true });
  refusedFast(['--sim-clock', 'stepped', 'scan', '--domain', '3', '--out', sub], /cannot write .*taken\.json: it is a directory/);
  const file = path.join(dir, 'plain');
  fs.writeFileSync(file, 'x');
  refusedFast(['--sim-clock', 'stepped', 'scan', '--domain', '3', '--out', path.join(file, 'a.csv')], /cannot write .*a\.csv: .*plain is not a directory/);
});
