/**
 * The privilege model: a privileged `framescope serve --unix` and unprivileged clients that
 * attach to it, with the socket's permissions deciding who gets in.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { connectRemoteInspector } from '../../app/remote-inspector';
import { scanToEnd } from '../../app/scan-to-end';

const CLI = path.join(__dirname, '../../app/cli.js');
const NOBODY = 65534;

async function serveUnix(...extra: string[]): Promise<{ socket: string; child: ChildProcess; dir: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-attach-'));
  fs.chmodSync(dir, 0o755);
  const socket = path.join(dir, 'framescope.sock');
  const child = spawn(process.execPath, [CLI, '--sim-clock', 'stepped', 'serve', '--unix', socket, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('attach with')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
  return {
    socket, child, dir,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    },
  };
}

function cliAs(uid: number | undefined, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, ...(uid === undefined ? {} : { uid, gid: uid }) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the socket is created 0660, and the app\'s API works through it without a token', async () => {
  const s = await serveUnix();
  try {
    const st = fs.statSync(s.socket);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o660);
    const remote = await connectRemoteInspector(s.socket);
    try {
      assert.equal((await remote.hostInfo()).simulated, true);
      const summary = await scanToEnd(remote, { domain: 1 });
      assert.equal(summary.counts.mapped + summary.counts.paged, 16381);
      await assert.rejects(remote.startScan({ domain: 'x' as unknown as number }), /startScan: argument 0\.domain/);
    } finally {
      await remote.close();
    }
    const r = cliAs(undefined, '--attach', s.socket, 'scan', '--domain', 'web-01', '--range', '0-0xfff', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).frames, 0x1000);
    assert.doesNotMatch(r.err, /simulated host \(privcmd emulator\)\n/, 'an attached CLI opens no device of its own');
  } finally {
    await s.stop();
  }
  assert.equal(fs.existsSync(s.socket), false, 'the socket is removed when the server stops');
});

test('a user without permission on the socket is refused, with one line saying why', { skip: process.getuid?.() !== 0 ? 'needs root to run a client as another user (uid 65534)' : false }, async () => {
  const s = await serveUnix();
  try {
    const r = cliAs(NOBODY, '--attach', s.socket, 'domains');
    assert.equal(r.code, 1, r.out);
    assert.match(r.err.trim(), /^framescope: permission denied on .*framescope\.sock: its owner or group may connect/);
    assert.equal(r.err.trim().split('\n').length, 1);
  } finally {
    await s.stop();
  }
});

test('members of --socket-group get in', { skip: process.getuid?.() !== 0 ? 'needs root to change the socket\'s group and to run a client as another user' : false }, async () => {
  const s = await serveUnix('--socket-group', String(NOBODY));
  try {
    assert.equal(fs.statSync(s.socket).gid, NOBODY);
    const r = cliAs(NOBODY, '--attach', s.socket, 'domains', '--json');
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).length, 7);
  } finally {
    await s.stop();
  }
});

test('serve --domain confines everything to that domain', async () => {
  const s = await serveUnix('--domain', 'web-01');
  try {
    const list = cliAs(undefined, '--attach', s.socket, 'domains', '--json');
    assert.deepEqual(JSON.parse(list.out).map((d: { name: string }) => d.name), ['web-01']);
    const other = cliAs(undefined, '--attach', s.socket, 'scan', '--domain', '1');
    assert.equal(other.code, 2);
    assert.match(other.err, /unknown domain '1'; this host has: 3 \(web-01\)/);
    const remote = await connectRemoteInspector(s.socket);
    try {
      await assert.rejects(remote.startScan({ domain: 1 }), /domain 1: this framescope serves domain 3 only/);
      await assert.rejects(remote.readFrame({ domain: 4, gfn: 0 }), /serves domain 3 only/);
      assert.equal((await remote.readFrame({ domain: 3, gfn: 0x1234 })).codeName, 'OK');
    } finally {
      await remote.close();
    }
  } finally {
    await s.stop();
  }
});

test('attaching where nothing serves says how to start it', () => {
  const r = cliAs(undefined, '--attach', '/nonexistent/framescope.sock', 'domains');
  assert.equal(r.code, 1);
  assert.match(r.err.trim(), /^framescope: nothing is serving at \/nonexistent\/framescope\.sock: start it on this host with sudo framescope serve --unix/);
});

test('a refused open of privcmd (EACCES, EPERM) says what to do, never a stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-priv-'));
  for (const errno of ['EACCES', 'EPERM']) {
    const config = path.join(dir, `${errno}.json`);
    fs.writeFileSync(config, JSON.stringify({ knobs: { openErrno: errno }, domains: [{ id: 1, name: 'g', frames: 16 }] }));
    const r = cliAs(undefined, '--sim-config', config, 'domains');
    assert.equal(r.code, 1);
    const lines = r.err.trim().split('\n').filter((l) => !/using the simulated host/.test(l));
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0], new RegExp(`permission denied opening /dev/xen/privcmd \\(${errno}\\): access to privcmd is root-equivalent; run 'sudo framescope serve --unix /run/framescope/framescope.sock' and attach with --attach`));
  }
});

test('serve --unix: a path longer than sun_path is refused (exit 2), never bound cut short; 107 bytes is bound whole', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-sun-'));
  try {
    const name = (bytes: number) => path.join(dir, 's'.repeat(bytes - dir.length - 1));
    const tooLong = name(108);
    assert.equal(Buffer.byteLength(tooLong), 108);
    const r = cliAs(undefined, '--sim-clock', 'stepped', 'serve', '--unix', tooLong);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /^framescope: --unix: \S+ is 108 bytes; a Unix socket's path is at most 107 \(sun_path holds 108 with its NUL\)/);
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing was bound under a shorter name');

    const longest = name(107);
    const child = spawn(process.execPath, [CLI, '--sim-clock', 'stepped', 'serve', '--unix', longest], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('attach with')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    try {
      assert.deepEqual(fs.readdirSync(dir), [path.basename(longest)]);
      const remote = await connectRemoteInspector(longest);
      assert.equal((await remote.hostInfo()).simulated, true);
      await remote.close();
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('serve --unix in a directory that does not exist says so (ENOENT, the directory named), not EACCES', () => {
  const r = cliAs(undefined, 'serve', '--unix', '/nonexistent-framescope-dir/sub/framescope.sock');
  assert.equal(r.code, 1);
  assert.equal(r.err.trim(), 'framescope: cannot listen on /nonexistent-framescope-dir/sub/framescope.sock: the directory /nonexistent-framescope-dir/sub does not exist (ENOENT)');
});
