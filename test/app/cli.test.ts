/** The framescope command line, end to end, as a user runs it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { FrameTally } from '../../app/frame-status';
import { DEFAULT_BATCH } from '../../app/scanner';
import { decodeSnapshot, encodeSnapshot } from '../../app/snapshot';
import { servedUrl } from '../fakes/served-url';
const CLI = path.join(__dirname, '../../app/cli.js');
const EXAMPLE = path.join(__dirname, '../../../examples/sim-host.json');

function framescope(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** Exactly one line of error on stderr (after the simulated-host notice, if any), no stack. */
function oneErrorLine(err: string): string {
  const lines = err.trimEnd().split('\n').filter((l) => !/using the simulated host/.test(l) && !/framescope --help/.test(l));
  assert.equal(lines.length, 1, `stderr: ${err}`);
  assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  return lines[0];
}

test('domains: a table, and --json', () => {
  const table = framescope('--backend', 'sim', 'domains');
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /^ID\s+NAME\s+TYPE\s+MEMORY\s+MAX\s+FRAMES$/m);
  // sizes from XENMEM_current_reservation / _maximum_reservation: xenstore has none for Domain-0
  assert.match(table.out, /^ 0\s+Domain-0\s+PV\s+1\.0 GiB\s+1\.0 GiB\s+0x50000$/m);
  assert.match(table.out, /^ 2\s+pvh-ballooned\s+PVH\s+\d+ MiB\s+128 MiB\s+0x100000$/m);
  assert.match(table.out, /^ 3\s+web-01\s+HVM\s+1\.\d GiB\s+2\.0 GiB/m);
  const json = framescope('--backend', 'sim', '--sim-clock', 'stepped', 'domains', '--json');
  const domains = JSON.parse(json.out);
  assert.equal(domains.length, 7);
  assert.deepEqual(domains[0], { id: 0, name: 'Domain-0', memoryKiB: null, maxMemoryKiB: null, frames: 0x50000, currentPages: 0x40000, maxPages: 0x40000, type: 'pv' });
  const { currentPages, ...rest } = domains[1];
  assert.deepEqual(rest, { id: 1, name: 'hvm-firmware', memoryKiB: 65536, maxMemoryKiB: 65536, frames: 0x100000, maxPages: 16384, type: 'hvm' });
  assert.ok(currentPages > 0 && currentPages < 16384, `${currentPages} pages: some are paged out`);
});

test('a hypervisor whose domctl version framescope does not know: types unknown, said once; PV frames explained', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-domctl-')), 'host.json');
  fs.writeFileSync(file, JSON.stringify({
    clock: 'stepped',
    knobs: { domctlVersion: 0x30 },
    domains: [
      { id: 0, name: 'Domain-0', type: 'pv', frames: 0x1000 },
      { id: 3, name: 'pv-untranslated', type: 'pv', frames: 0x1000, layout: [{ first: 0, last: '0xff', kind: 'eperm' }, { first: '0x100', last: '0xfff', kind: 'ebusy' }] },
    ],
  }));
  const r = framescope('--sim-config', file, 'domains');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ 3\s+pv-untranslated\s+-\s+16 MiB\s+16 MiB\s+0x1000$/m);
  assert.match(oneErrorLine(r.err), /^framescope: note: type unknown: XEN_DOMCTL_getdomaininfo answered EACCES at every interface version framescope knows \(0x12-0x18, Xen 4\.14-4\.22\)/);
  const scan = framescope('--sim-config', file, 'scan', '--domain', '3');
  assert.equal(scan.code, 1);
  assert.match(oneErrorLine(scan.err), /^framescope: every frame of domain 3 from 0x0 answered EPERM or EBUSY, as a PV guest's do when its pfns are not translated to machine frames: XEN_DOMCTL_getdomaininfo answered EACCES/);
});

test('without /dev/xen/privcmd the CLI says it uses the simulated host', () => {
  const r = framescope('domains');
  assert.equal(r.code, 0);
  assert.match(r.err, /no \/dev\/xen\/privcmd here: using the simulated host/);
});

test('scan --json: frames, counts, errnos, abi, durationMs', () => {
  const r = framescope('--sim-clock', 'stepped', 'scan', '--domain', 'hvm-firmware', '--json', '--batch', '2048');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.frames, 0x100000);
  assert.equal(s.counts.mapped + s.counts.paged + s.counts.invalid, s.frames);
  assert.equal(s.counts.mapped + s.counts.paged, 16381);
  assert.equal(s.errnos.EINVAL, s.counts.invalid);
  assert.equal(s.errnos.ENOENT ?? 0, s.counts.paged);
  assert.equal(s.abi, 'v2');
  assert.equal(s.batch, 2048);
  assert.equal(typeof s.durationMs, 'number');
});

test('the same frozen host scans the same twice', () => {
  const a = JSON.parse(framescope('--sim-clock', 'stepped', 'scan', '--domain', '3', '--range', '0x0-0x3ffff', '--json').out);
  const b = JSON.parse(framescope('--sim-clock', 'stepped', 'scan', '--domain', '3', '--range', '0x0-0x3ffff', '--json').out);
  assert.deepEqual(a.counts, b.counts);
  assert.equal(a.frames, 0x40000);
});

test('scan: a readable table', () => {
  const r = framescope('--sim-clock', 'stepped', 'scan', '--domain', 'hvm-firmware', '--range', '0x90-0xcf');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /domain 1 \(hvm-firmware\)\s+gfn 0x90-0xcf\s+64\/64 frames/);
  assert.match(r.out, /^STATUS\s+FRAMES\s+SHARE$/m);
  assert.match(r.out, /^invalid\s+32\s+50\.0%$/m); // the VGA hole 0xa0-0xbf
  assert.match(r.out, /^EINVAL\s+32$/m);
});

test('scan --profile: where the time went, per frame; --json carries the profile, a scan without it none', () => {
  const r = framescope('--backend', 'sim', '--sim-clock', 'stepped', 'scan', '--domain', 'web-01', '--range', '0-0xffff', '--batch', '4096', '--profile');
  assert.equal(r.code, 0, r.err);
  const line = /profile: (\d+) batches; ns a frame: mmap [\d.]+ {2}ioctl ([\d.]+) {2}munmap [\d.]+ {2}decode [\d.]+ {2}chunks [\d.]+ {2}other [\d.]+/.exec(r.out);
  assert.ok(line, r.out);
  assert.equal(Number(line[1]), 16);
  assert.ok(Number(line[2]) > 0, 'the ioctl took time');
  const json = JSON.parse(framescope('--backend', 'sim', 'scan', '--domain', '3', '--range', '0-0xfff', '--batch', '1024', '--profile', '--json').out);
  assert.equal(json.profile.batches, 4);
  const plain = JSON.parse(framescope('--backend', 'sim', 'scan', '--domain', '3', '--range', '0-0xfff', '--json').out);
  assert.equal(plain.profile, undefined);
  assert.equal(plain.batch, DEFAULT_BATCH, 'the default batch');
});

test('scan and search of dom0 from dom0: Xen refuses a domain\'s own frames, and framescope says so', () => {
  const why = /^framescope: domain 0 is the domain framescope runs in: Xen refuses to map a domain's own frames through privcmd \(ESRCH\)$/;
  const scan = framescope('--sim-clock', 'stepped', 'scan', '--domain', 'Domain-0');
  assert.equal(scan.code, 1, scan.err);
  assert.match(oneErrorLine(scan.err), why);
  assert.doesNotMatch(scan.err, /no longer exists/);
  assert.match(scan.out, / 0\/327680 frames /, 'nothing counted: the scan stops at the first batch');
  const search = framescope('--sim-clock', 'stepped', 'search', '--domain', '0', '--string', 'FRAMESCOPE');
  assert.equal(search.code, 1, search.err);
  assert.match(oneErrorLine(search.err), why);
});

test('read: a hex dump of one frame, at its guest-physical address', () => {
  const r = framescope('read', '--domain', 'web-01', '--gfn', '0x1234');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.equal(lines.length, 256);
  assert.match(lines[16], /^01234100  46 52 41 4d 45 53 43 4f  50 45 2d 4d 41 52 4b 45  \|FRAMESCOPE-MARKE\|$/);
});

test('read of a frame that does not map: one line saying why, exit 1', () => {
  const r = framescope('read', '--domain', '3', '--gfn', '0x90000');
  assert.equal(r.code, 1);
  assert.match(oneErrorLine(r.err), /gfn 0x90000 of domain 3 did not map: EINVAL: no page there/);
});

test('a simulated host from a JSON file', () => {
  const r = framescope('--sim-config', EXAMPLE, 'domains', '--json');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).map((d: { name: string }) => d.name), ['Domain-0', 'web-small', 'pvh-tiny']);
});

test('bad input: one clear line on stderr and a non-zero exit', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-'));
  const corrupt = path.join(dir, 'bad.json');
  fs.writeFileSync(corrupt, '{"domains": [');
  const noV2 = path.join(dir, 'no-v2.json');
  fs.writeFileSync(noV2, JSON.stringify({ ...JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')), clock: 'stepped', knobs: { noV2: true } }));
  const cases: Array<[string[], number, RegExp]> = [
    [['scan'], 2, /scan needs --domain/],
    [['scan', '--domain', '3', '--bogus'], 2, /Unknown option '--bogus'/],
    [['scan', '--domain', '3', '--range', 'x-y'], 2, /--range: 'x' is not a number/],
    [['scan', '--domain', '3', '--range', '1-2-3'], 2, /--range: '1-2-3' is not FIRST-LAST/],
    [['scan', '--domain', '3', '--range', '0xfg-2'], 2, /--range: '0xfg' is not a number/],
    [['scan', '--domain', '3', '--range', '9-1'], 2, /last frame 1 is before first frame 9/],
    [['scan', '--domain', '3', '--mode', 'fast'], 2, /--mode: 'fast' is neither observe nor retry/],
    [['scan', '--domain', 'nosuch'], 2, /unknown domain 'nosuch'; this host has: 0 \(Domain-0\)/],
    [['scan', '--domain', '3', '--range', '0x100000-0x100010'], 2, /--range 0x100000-0x100010 goes past the end of domain 3 \(last frame 0xfffff\)/],
    [['search', '--domain', '3', '--range', '0xffff0-0x100010', '--string', 'x'], 2, /goes past the end of domain 3/],
    [['scan', '--domain', '3', '--batch', '0'], 2, /--batch: 0 is not 1-16384 frames/],
    [['scan', '--domain', '3', '--batch', '16385'], 2, /--batch: 16385 is not 1-16384 frames/],
    [['--abi', 'v3', 'scan', '--domain', '3'], 2, /--abi: 'v3' is none of auto, v1 and v2/],
    [['--abi', 'v1', 'domains'], 2, /--abi goes with scan, read, search$/],
    [['--abi', 'v1', 'serve'], 2, /--abi goes with scan, read, search: the served UI picks the ioctl/],
    [['--abi', 'v1', 'scan', '--dump', corrupt], 2, /--abi picks a privcmd ioctl: it cannot go with --dump/],
    [['--sim-config', noV2, '--abi', 'v2', 'scan', '--domain', 'web-small', '--range', '0-0xff'], 1,
      /IOCTL_PRIVCMD_MMAPBATCH_V2 \(domain 1: V2 was asked for, and this kernel may not have it \(try --abi auto or v1\)\): ENOTTY/],
    [['read', '--domain', '3', '--gfn', '0x100000'], 2, /past the end of domain 3/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
    [['--backend', 'kvm', 'domains'], 2, /--backend: 'kvm' is neither sim nor xen/],
    [['--backend', 'xen', 'domains'], 1, /no Xen host here: \/dev\/xen\/privcmd does not exist/],
    [['--sim-config', corrupt, 'domains'], 1, /sim config .*bad\.json/],
    [['--sim-config', path.join(dir, 'missing.json'), 'domains'], 1, /missing\.json.*no such file/],
  ];
  for (const [args, code, message] of cases) {
    const r = framescope(...args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.err}`);
    assert.match(oneErrorLine(r.err), message, args.join(' '));
  }
});

/** Every frame's status letter of a CSV export, expanded: one entry per frame. */
function csvStatuses(file: string): string[] {
  const rows = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
  return rows.flatMap((r) => Array<string>(parseInt(r[2], 10)).fill(r.slice(3).join(',')));
}

test('--abi v1: V1 even where the kernel has V2, answering the same frames as V2 (errnos aside)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-abi-'));
  const scan = (abi: string, out: string) => {
    const r = framescope('--sim-clock', 'stepped', '--abi', abi, 'scan', '--domain', 'web-01', '--range', '0-0x3ffff', '--json', '--out', out);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const v1 = scan('v1', path.join(dir, 'v1.csv'));
  const v2 = scan('v2', path.join(dir, 'v2.csv'));
  const auto = scan('auto', path.join(dir, 'auto.csv'));
  assert.equal(v1.abi, 'v1');
  assert.equal(v2.abi, 'v2');
  assert.equal(auto.abi, 'v2');
  assert.deepEqual(v1.counts, v2.counts);
  assert.ok(v2.counts.invalid > 0 && v2.counts.paged > 0, 'the range has invalid and paged frames');
  // V1 cannot tell the errno of a failed frame: it answers its own code where V2 names one.
  assert.equal(v1.errnos.V1_NO_ERRNO, v2.counts.invalid);
  assert.equal(v1.errnos.ENOENT, v2.errnos.ENOENT);
  const [s1, s2] = [csvStatuses(path.join(dir, 'v1.csv')), csvStatuses(path.join(dir, 'v2.csv'))];
  assert.equal(s1.length, 0x40000);
  assert.deepEqual(s1.map((x) => x.split(',')[0]), s2.map((x) => x.split(',')[0]), 'the same status, frame for frame');
  const read = framescope('--abi', 'v1', 'read', '--domain', 'web-01', '--gfn', '0x1234');
  assert.equal(read.code, 0, read.err);
  assert.match(read.out, /FRAMESCOPE-MARKE/);
  const search = framescope('--abi', 'v1', 'search', '--domain', 'web-01', '--string', 'FRAMESCOPE-MARKER', '--json');
  assert.equal(search.code, 0, search.err);
  assert.ok(JSON.parse(search.out).hits > 0);
});

test('a PV guest, by pfn through its p2m: NO_MFN where ballooned, the marker found and read, a snapshot that keeps both', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-pv-'));
  const snap = path.join(dir, 'pv.fsnap');
  const r = framescope('--sim-clock', 'stepped', 'scan', '--domain', 'pv-guest', '--json', '--out', snap);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  // ballooned: 0x3000-0x30ff, 0x4801, 0x7a00-0x7bff and everything from 0xa000
  const noMfn = 0x100 + 1 + 0x200 + 0x6000;
  assert.deepEqual(s.errnos, { NO_MFN: noMfn });
  assert.deepEqual(s.counts, { mapped: 0x10000 - noMfn, paged: 0, invalid: noMfn });
  const { codes } = decodeSnapshot(fs.readFileSync(snap));
  assert.deepEqual([codes[0x2fff], codes[0x3000], codes[0x4801], codes[0x7b00], codes[0x9fff], codes[0xa000]], [0, 251, 251, 251, 0, 251]);
  const found = JSON.parse(framescope('search', '--domain', 'pv-guest', '--string', 'FRAMESCOPE-MARKER pv-guest', '--json').out);
  assert.deepEqual(found.matches.map((m: { gfn: number; offset: number }) => [m.gfn, m.offset]), [[0x1234, 0x100]]);
  const read = framescope('read', '--domain', 'pv-guest', '--gfn', '0x1234');
  assert.match(read.out.split('\n')[16], /^01234100  46 52 41 4d 45 53 43 4f  50 45 2d 4d 41 52 4b 45  \|FRAMESCOPE-MARKE\|$/);
  const hole = framescope('read', '--domain', 'pv-guest', '--gfn', '0xa000');
  assert.equal(hole.code, 1);
  assert.match(oneErrorLine(hole.err), /gfn 0xa000 of domain 6 did not map: NO_MFN: no machine frame \(p2m entry invalid\)$/);
});

test('--help and --version', () => {
  assert.match(framescope('--help').out, /usage: framescope/);
  assert.match(framescope('--version').out, /^framescope \d+\.\d+\.\d+/);
  assert.equal(framescope().code, 2);
});

test('scan --out writes a snapshot, CSV or JSON; diff compares two snapshots', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-out-'));
  const a = path.join(dir, 'a.fsnap');
  const b = path.join(dir, 'b.fsnap');
  const csv = path.join(dir, 'a.csv');
  const json = path.join(dir, 'a.json');
  const scan = (out: string) => framescope('--sim-clock', 'stepped', 'scan', '--domain', '3', '--range', '0-0xffff', '--json', '--out', out);
  const summary = JSON.parse(scan(a).out);
  assert.equal(scan(b).code, 0);
  assert.equal(scan(csv).code, 0);
  assert.equal(scan(json).code, 0);
  const runs = fs.readFileSync(csv, 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
  assert.equal(runs.reduce((n, r) => n + Number(r[2]), 0), 0x10000);
  assert.equal(runs.filter((r) => r[3] === 'paged').reduce((n, r) => n + Number(r[2]), 0), summary.counts.paged);
  const exported = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.deepEqual(exported.counts, summary.counts);
  // the frozen host scanned twice: no differences
  const same = JSON.parse(framescope('diff', a, b, '--json').out);
  assert.equal(same.compared, 0x10000);
  assert.equal(same.changed, 0);
  assert.equal(same.a.domain.name, 'web-01');
  const table = framescope('diff', a, b);
  assert.match(table.out, /compared 65536 frames \(gfn 0x0-0xffff\), 0 changed/);
  // against a snapshot taken on a running host, paged frames come and go
  const c = path.join(dir, 'c.fsnap');
  assert.equal(framescope('scan', '--domain', '3', '--range', '0-0xffff', '--out', c).code, 0);
  const moved = JSON.parse(framescope('diff', a, c, '--json').out);
  assert.equal(moved.changed, Object.values(moved.transitions as Record<string, number>).reduce((x, y) => x + y, 0));
  const bad = path.join(dir, 'bad.fsnap');
  fs.writeFileSync(bad, fs.readFileSync(a).subarray(0, 100));
  const r = framescope('diff', a, bad);
  assert.equal(r.code, 1);
  assert.match(oneErrorLine(r.err), /bad\.fsnap: truncated/);
  const wrongExt = framescope('scan', '--domain', '3', '--out', path.join(dir, 'x.txt'));
  assert.equal(wrongExt.code, 2);
  assert.match(oneErrorLine(wrongExt.err), /must end in \.fsnap \(snapshot\), \.csv or \.json/);
});

/** Writes a snapshot of domain 3 (web-01) holding `codes` from gfn `first`. */
function writeSnapshot(file: string, first: number, codes: Uint8Array, takenAt: string): void {
  const tally = new FrameTally();
  tally.add(codes);
  fs.writeFileSync(file, encodeSnapshot({
    header: {
      domain: { id: 3, name: 'web-01' }, first, last: first + codes.length - 1, frames: codes.length, takenAt,
      backend: 'sim', description: 'simulated host', hostname: 'test', abi: 'v2', mode: 'observe',
      counts: tally.counts(), errnos: tally.errnos(),
    },
    codes,
  }));
}

test('diff lists the runs of changed frames: all of them in --json, the first few in the table', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-runs-'));
  const first = 0x100;
  // A: RAM 0x100-0x13f, a hole 0x140-0x15f, RAM 0x160-0x2ff
  const a = new Uint8Array(0x200);
  a.fill(22, 0x40, 0x60);
  const b = a.slice();
  const change = (from: number, to: number, code: number) => b.fill(code, from - first, to - first + 1);
  change(0x104, 0x107, 2); // OK→ENOENT
  change(0x110, 0x110, 2);
  change(0x111, 0x112, 16); // next to the one before, another code: its own run
  change(0x13e, 0x13f, 22); // next to the hole, which did not change
  change(0x150, 0x153, 0); // part of the hole maps now
  change(0x180, 0x183, 1);
  change(0x184, 0x187, 1); // the same change right after: one run 0x180-0x187
  for (let k = 0; k < 12; k++) change(0x200 + 8 * k, 0x200 + 8 * k, 2);
  const runs = [
    [0x104, 0x107, 4, 0, 2, 'OK', 'ENOENT'],
    [0x110, 0x110, 1, 0, 2, 'OK', 'ENOENT'],
    [0x111, 0x112, 2, 0, 16, 'OK', 'EBUSY'],
    [0x13e, 0x13f, 2, 0, 22, 'OK', 'EINVAL'],
    [0x150, 0x153, 4, 22, 0, 'EINVAL', 'OK'],
    [0x180, 0x187, 8, 0, 1, 'OK', 'EPERM'],
    ...Array.from({ length: 12 }, (_, k) => [0x200 + 8 * k, 0x200 + 8 * k, 1, 0, 2, 'OK', 'ENOENT']),
  ].map(([f, l, frames, fromCode, toCode, fromName, toName]) => ({ first: f, last: l, frames, fromCode, toCode, fromName, toName }));
  const fileA = path.join(dir, 'a.fsnap');
  const fileB = path.join(dir, 'b.fsnap');
  writeSnapshot(fileA, first, a, '2026-01-01T10:00:00.000Z');
  writeSnapshot(fileB, first, b, '2026-01-01T10:05:00.000Z');

  const json = framescope('diff', fileA, fileB, '--json');
  assert.equal(json.code, 0, json.err);
  const d = JSON.parse(json.out);
  assert.deepEqual(d.runs, runs);
  assert.deepEqual([d.runsTotal, d.runsTruncated], [18, false]);
  assert.equal(d.changed, runs.reduce((n, r) => n + (r.frames as number), 0));
  assert.equal(d.changedMask, undefined, 'the mask stays out of the JSON');

  const capped = JSON.parse(framescope('diff', fileA, fileB, '--json', '--max-runs', '5').out);
  assert.deepEqual(capped.runs, runs.slice(0, 5));
  assert.deepEqual([capped.runsTotal, capped.runsTruncated], [18, true]);

  const text = framescope('diff', fileA, fileB);
  assert.equal(text.code, 0, text.err);
  const listed = text.out.split('\n').filter((l) => /^0x[0-9a-f]+\s+0x/.test(l));
  assert.deepEqual(listed.map((l) => l.split(/\s+/)), runs.slice(0, 10).map((r) =>
    [`0x${(r.first as number).toString(16)}`, `0x${(r.last as number).toString(16)}`, String(r.frames), `${r.fromName}→${r.toName}`]));
  assert.match(text.out, /^FIRST\s+LAST\s+FRAMES\s+CHANGE$/m);
  assert.match(text.out, /… and 8 more runs, 18 in all/);
  // unchanged snapshots list no runs
  const same = JSON.parse(framescope('diff', fileA, fileA, '--json').out);
  assert.deepEqual([same.runs, same.runsTotal, same.runsTruncated], [[], 0, false]);
  assert.doesNotMatch(framescope('diff', fileA, fileA).out, /FIRST/);

  const bad = framescope('diff', fileA, fileB, '--max-runs', 'lots');
  assert.equal(bad.code, 2);
  assert.match(oneErrorLine(bad.err), /--max-runs: 'lots' is not a number/);
});

test('serve: prints a URL with a token; the UI loads with it and not without', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [CLI, '--sim-clock', 'stepped', 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await servedUrl(child);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    assert.equal((await fetch(url)).status, 200);
    assert.equal((await fetch(url.replace(/\?token=.*/, ''))).status, 401);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve --listen 0:0 listens on every address, takes this host\'s IPs as Host, and warns of plain HTTP, naming the SSH tunnel', async () => {
  const { spawn } = await import('node:child_process');
  const http = await import('node:http');
  const child = spawn(process.execPath, [CLI, '--sim-clock', 'stepped', 'serve', '--listen', '0:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    const url = new URL(await servedUrl(child));
    assert.equal(url.hostname, '127.0.0.1');
    const warning = err.split('\n').find((l) => l.includes('warning')) ?? '';
    assert.match(warning, /^framescope: warning: listening on every address of this host \(0\.0\.0\.0\), port \d+: the traffic is plain HTTP, not encrypted/);
    assert.ok(warning.includes(`ssh -L 8080:127.0.0.1:${url.port} `), warning);
    const status = (hostHeader: string) => new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: Number(url.port), path: url.pathname + url.search, headers: { Host: hostHeader } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(await status(`127.0.0.2:${url.port}`), 200, 'one of its own addresses');
    assert.equal(await status(`evil.example:${url.port}`), 403);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve --listen on loopback gives no warning', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [CLI, '--sim-clock', 'stepped', 'serve', '--listen', '127.0.0.2:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    await servedUrl(child);
    assert.doesNotMatch(err, /warning/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('serve --listen: a bad address is a usage error', () => {
  const r = framescope('serve', '--listen', 'nowhere');
  assert.equal(r.code, 2);
  assert.match(oneErrorLine(r.err), /--listen: 'nowhere' is not HOST:PORT/);
});

test('scan --dump and read --dump: a memory dump, with no host at all', async () => {
  const { writeDump } = await import('../fakes/dump-builders');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-cli-dump-'));
  const file = path.join(dir, 'guest.core');
  const pages = [0x10, 0x11, 0x12, 0x200].map((gfn) => ({ gfn }));
  const built = writeDump(file, { kind: 'xen-hvm', pages, seed: 3 });
  const scan = framescope('scan', '--dump', file, '--json');
  assert.equal(scan.code, 0, scan.err);
  const s = JSON.parse(scan.out);
  assert.equal(s.frames, built.frames);
  assert.equal(s.counts.mapped, 4);
  assert.equal(s.counts.invalid, built.frames - 4);
  assert.equal(s.errnos.NOT_IN_DUMP, built.frames - 4);
  assert.equal(s.abi, null);
  assert.doesNotMatch(scan.err, /simulated host/);
  const read = framescope('read', '--dump', file, '--gfn', '0x11');
  assert.equal(read.code, 0, read.err);
  assert.match(read.out.split('\n')[0], /^00011000  67 66 6e 20 30 78 31 31/); // "gfn 0x11"
  const absent = framescope('read', '--dump', file, '--gfn', '0x13');
  assert.equal(absent.code, 1);
  assert.match(oneErrorLine(absent.err), /gfn 0x13 of domain 0 did not map: NOT_IN_DUMP: the dump file does not hold this frame/);
  const global = framescope('--dump', file, 'domains', '--json');
  assert.deepEqual(JSON.parse(global.out).map((d: { name: string }) => d.name), ['guest.core']);
  const corrupt = path.join(dir, 'corrupt.core');
  fs.writeFileSync(corrupt, fs.readFileSync(file).subarray(0, 200));
  const bad = framescope('scan', '--dump', corrupt);
  assert.equal(bad.code, 1);
  assert.match(oneErrorLine(bad.err), /corrupt\.core: /);
  const both = framescope('--backend', 'sim', 'scan', '--dump', file);
  assert.equal(both.code, 2);
});

test('search: strings and bytes where the emulator placed them, as a table and as JSON', () => {
  const table = framescope('search', '--domain', 'web-01', '--string', 'MARKER', '--range', '0-0x4fff');
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /0x1234\s+0x10b\s+0x123410b\s+.*FRAMESCOPE-MARKER web-01/);
  assert.match(table.out, /0x2001\s+0x003/);
  assert.match(table.out, /^2 hits in \d+ mapped frames of domain 3 \(web-01\)/m);
  const json = JSON.parse(framescope('search', '--domain', '3', '--string', 'BOUNDARY-MARKER', '--range', '0x1f00-0x20ff', '--json').out);
  assert.deepEqual(json.matches.map((m: { gfn: number; offset: number }) => [m.gfn, m.offset]), [[0x2000, 4090]]);
  const utf16 = JSON.parse(framescope('search', '--domain', '3', '--string', 'utf16-marker', '--utf16', '--range', '0x4000-0x4fff', '--json').out);
  assert.deepEqual(utf16.matches.map((m: { gfn: number }) => m.gfn), [0x4242]);
  const capped = JSON.parse(framescope('search', '--domain', '3', '--hex', '00 00 00 00', '--range', '0-0xff', '--max-hits', '3', '--json').out);
  assert.equal(capped.matches.length, 3);
  assert.equal(capped.truncated, true);
  for (const [args, message] of [
    [['search', '--domain', '3'], /--string TEXT or --hex BYTES/],
    [['search', '--domain', '3', '--hex', 'zz'], /'zz' is not hex bytes/],
    [['search', '--domain', '3', '--hex', 'ab', '--utf16'], /--utf16 goes with --string/],
  ] as Array<[string[], RegExp]>) {
    const r = framescope(...args);
    assert.equal(r.code, 2);
    assert.match(oneErrorLine(r.err), message);
  }
});

test('commands that map nothing load neither koffi, the emulator, the server nor zod', () => {
  // what a start costs is loading: under TCG in a dom0 it was seconds (bench cli-start has the times)
  const probe = `const cli = require(${JSON.stringify(CLI)});
    cli.main(['--version'], { out: () => {}, err: () => {}, isTTY: false }).then((code) => {
      const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](koffi|zod|ws|@msgpack)[\\\\/]|native[\\\\/]emulator|app[\\\\/]server\\.js/.test(f));
      console.log(JSON.stringify({ code, loaded }));
    });`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { code: 0, loaded: [] });
});
