/**
 * Writing files safely in a shared directory: the temporary file is created exclusively (a
 * symbolic link planted at its name is never followed), is mode 0600 until renamed, and never
 * outlives a failure or SIGINT/SIGTERM. Tested on writeFileAtomic itself and on the CLI's --out
 * as a user runs it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { writeFileAtomic } from '../../app/export-files';
import { decodeSnapshot } from '../../app/snapshot';
import { writeDump } from '../fakes/dump-builders';

const CLI = path.join(__dirname, '../../app/cli.js');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-write-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));

let dirs = 0;
function freshDir(): string {
  const dir = path.join(base, `d${dirs++}`);
  fs.mkdirSync(dir);
  return dir;
}

/** Temporary files of ours left in a directory (every name we have ever used ends in .tmp). */
const leftovers = (dir: string) => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

function umask(): number {
  return parseInt(/^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'))![1], 8);
}

test('writes the bytes, with a new file\'s mode, keeping an existing file\'s mode; no temporary left', () => {
  const dir = freshDir();
  const file = path.join(dir, 'a.csv');
  writeFileAtomic(file, Buffer.from('one\n'));
  assert.equal(fs.readFileSync(file, 'utf8'), 'one\n');
  assert.equal(fs.statSync(file).mode & 0o777, 0o666 & ~umask());
  fs.chmodSync(file, 0o640);
  writeFileAtomic(file, Buffer.from('two\n'));
  assert.equal(fs.readFileSync(file, 'utf8'), 'two\n');
  assert.equal(fs.statSync(file).mode & 0o777, 0o640, 'a replaced file keeps its mode');
  assert.deepEqual(leftovers(dir), []);
});

test('a symbolic link planted at the temporary name is never followed: another name is tried', () => {
  const dir = freshDir();
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const file = path.join(dir, 'out.json');
  const planted = [0, 1, 2].map((i) => path.join(dir, `.out.json.planted${i}.tmp`));
  fs.symlinkSync(victim, planted[0]);
  fs.symlinkSync(path.join(dir, 'does-not-exist-yet'), planted[1]);
  fs.symlinkSync(victim, planted[2]);
  const tried: string[] = [];
  const namer = (_f: string, attempt: number) => {
    const name = attempt < planted.length ? planted[attempt] : path.join(dir, `.out.json.free${attempt}.tmp`);
    tried.push(name);
    return name;
  };
  writeFileAtomic(file, Buffer.from('{}\n'), namer);
  assert.equal(tried.length, 4, 'each planted name refused, the fourth free');
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.equal(fs.existsSync(path.join(dir, 'does-not-exist-yet')), false, 'a dangling link is not followed either');
  for (const p of planted) assert.ok(fs.lstatSync(p).isSymbolicLink(), 'the planted links are left alone');
  assert.equal(fs.readFileSync(file, 'utf8'), '{}\n');
  assert.ok(!fs.lstatSync(file).isSymbolicLink());

  // every name planted: a clear error, nothing written anywhere
  const everywhere = (_f: string, attempt: number) => {
    const name = path.join(dir, `.x.json.p${attempt}.tmp`);
    fs.symlinkSync(victim, name);
    return name;
  };
  assert.throws(() => writeFileAtomic(path.join(dir, 'x.json'), Buffer.from('{}'), everywhere), /^Error: cannot write .*x\.json: EEXIST$/);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.equal(fs.existsSync(path.join(dir, 'x.json')), false);
});

test('the default temporary names are random: never the guessable .NAME.PID.tmp, never the same twice', async () => {
  const dir = freshDir();
  const names = new Set<string>();
  const watcher = fs.watch(dir, (_e, name) => name?.endsWith('.tmp') && names.add(name));
  for (let i = 0; i < 3; i++) writeFileAtomic(path.join(dir, 'r.csv'), Buffer.from(`${i}\n`));
  await new Promise((resolve) => setTimeout(resolve, 200)); // inotify's events arrive on the loop
  watcher.close();
  assert.equal(names.size, 3, [...names].join(', '));
  for (const n of names) assert.match(n, /^\.r\.csv\.[0-9a-f]{16}\.tmp$/);
  assert.deepEqual(leftovers(dir), []);
});

test('the temporary file is mode 0600 while it is written, and a regular file of our own', async () => {
  const dir = freshDir();
  const file = path.join(dir, 'big.fsnap');
  const data = Buffer.alloc(64 << 20, 1);
  // a second thread watches the directory while this one writes
  for (let tries = 0; ; tries++) {
    const worker = new Worker(`
      const { parentPort, workerData } = require('node:worker_threads');
      const fs = require('node:fs');
      const seen = [];
      const deadline = Date.now() + 20000;
      let go = true;
      parentPort.on('message', () => { go = false; });
      parentPort.postMessage('ready');
      (function poll() {
        for (let i = 0; i < 200 && go; i++) {
          for (const n of fs.readdirSync(workerData)) {
            if (!n.endsWith('.tmp')) continue;
            try {
              const st = fs.lstatSync(workerData + '/' + n);
              seen.push({ mode: st.mode & 0o7777, file: st.isFile() });
            } catch {}
          }
        }
        if (go && Date.now() < deadline) setImmediate(poll); else parentPort.postMessage(seen);
      })();
    `, { eval: true, workerData: dir });
    await new Promise((resolve) => worker.once('message', resolve));
    const seen = new Promise<Array<{ mode: number; file: boolean }>>((resolve) => worker.once('message', resolve));
    writeFileAtomic(file, data);
    worker.postMessage('stop');
    const modes = await seen;
    await worker.terminate();
    if (modes.length === 0 && tries < 3) continue; // the write outran the watcher: once more
    assert.ok(modes.length > 0, 'the watcher saw the temporary file');
    assert.ok(modes.every((m) => m.mode === 0o600 && m.file), JSON.stringify(modes.slice(0, 5)));
    break;
  }
  assert.equal(fs.statSync(file).size, data.length);
  assert.equal(fs.statSync(file).mode & 0o777, 0o666 & ~umask());
  assert.deepEqual(leftovers(dir), []);
});

test('a failed write leaves neither the target nor a temporary file', () => {
  const dir = freshDir();
  // a non-empty directory where the file should go: the rename fails after the data is written
  const target = path.join(dir, 'taken.json');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'inside'), 'x');
  assert.throws(() => writeFileAtomic(target, Buffer.from('{}')), /^Error: cannot write .*taken\.json: (EISDIR|ENOTEMPTY|EEXIST)$/);
  assert.deepEqual(leftovers(dir), []);
  assert.ok(fs.statSync(target).isDirectory());
});

/** A dump whose scan has `segments` * 2 - 1 runs: a mapped frame, an absent one, and again. */
function stripedDump(dir: string, segments: number): string {
  const file = path.join(dir, `striped-${segments}.elf`);
  writeDump(file, { kind: 'qemu-elf', sparse: true, xnum: segments > 0xfffe, segments: Array.from({ length: segments }, (_, i) => ({ gfn: 2 * i, frames: 1 })) });
  return file;
}

test('--out past the file size limit: EFBIG, exit 1, no temporary file', () => {
  const dir = freshDir();
  const out = path.join(dir, 'a.json');
  const dump = stripedDump(base, 1024);
  // SIGXFSZ ignored (inherited through exec), so the write fails with EFBIG instead of killing
  const r = spawnSync('/bin/sh', ['-c', `trap '' XFSZ; ulimit -f 8; exec "$0" "$@"`, process.execPath, CLI,
    'scan', '--dump', dump, '--json', '--out', out], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^framescope: cannot write .*a\.json: EFBIG$/m);
  assert.deepEqual(fs.readdirSync(dir), [], 'neither the file nor a temporary one');
});

test('CLI: a symbolic link planted at the old guessable temporary name (.NAME.PID.tmp) is not followed', { timeout: 60_000 }, async () => {
  const dir = freshDir();
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const out = path.join(dir, 'a.fsnap');
  const child = spawn(process.execPath, [CLI, '--sim-clock', 'stepped', 'scan', '--domain', '3', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  // planted as soon as the pid is known: long before the scan of a million frames ends
  fs.symlinkSync(victim, path.join(dir, `.a.fsnap.${child.pid}.tmp`));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, stderr);
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious', 'the victim was not overwritten');
  assert.equal(decodeSnapshot(fs.readFileSync(out)).header.frames, 0x100000);
});

test('CLI: SIGTERM in the middle of writing --out leaves no temporary file (and no half file)', { timeout: 120_000 }, async () => {
  const dir = freshDir();
  // 2^19 runs: a JSON export of ~50 MB, long enough to be killed in
  const dump = stripedDump(base, 1 << 18);
  const out = path.join(dir, 'runs.json');
  const child = spawn(process.execPath, [CLI, 'scan', '--dump', dump, '--json', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let killedMidWrite = false;
  const watcher = fs.watch(dir, (_e, name) => {
    if (!killedMidWrite && name?.endsWith('.tmp') && fs.existsSync(path.join(dir, name))) {
      killedMidWrite = child.kill('SIGTERM');
    }
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  watcher.close();
  assert.ok(killedMidWrite, `the temporary file was seen and the CLI signalled (exit ${exit.code}, ${exit.signal}): ${stderr}`);
  assert.equal(exit.signal, 'SIGTERM', `the CLI still ends by the signal it was sent (exit ${exit.code}): ${stderr}`);
  assert.deepEqual(leftovers(dir), [], 'no temporary file left');
  // the write that had begun completed before the signal took effect: a whole file, never half
  const written = JSON.parse(fs.readFileSync(out, 'utf8')) as { frames: number; runs: unknown[] };
  assert.equal(written.frames, (1 << 19) - 1);
  assert.equal(written.runs.length, (1 << 19) - 1);
});
