// framescope's real-Xen checks, run in dom0 by in-dom0.sh: framescope's CLI (the xen backend,
// the real privcmd driver) against /root/probe, the C prober doing the same ioctls, on every
// guest in.dom0.sh created. One line per check ("PASS name" / "FAIL name: why") on stdout and in
// /root/out/checks.txt; BENCH=1 adds the speed curve to /root/out/bench.json.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

const FRAMESCOPE = '/opt/framescope';
const CLI = `${FRAMESCOPE}/dist/app/cli.js`;
const PROBE = '/root/probe';
const OUT = '/root/out';
const MARKER = 'FSXEN-GUEST-MARKER-';
// V1 is compared on the low 64 Ki frames (all of these guests' RAM) and the top 4 Ki (Xen's special
// pages at 0xfeff0-0xfefff). The holes below those answer nothing new and cost V1 dearly: until a
// batch shows a frame failing beside one mapping, framescope cannot rule out the 3.7 quirk and asks
// each failed frame alone, about 2 ms a frame under TCG (64 Ki of them took 120 s).
const V1_LOW_SPAN = 0x10000;
const V1_HIGH_SPAN = 0x1000;
// the RAM of these 128 MiB guests lies below 0x8000; the scans that only watch RAM stop at 64 Ki
const RAM_RANGE = '0-0xffff';
const env = Object.fromEntries(fs.existsSync('/root/run.env')
  ? fs.readFileSync('/root/run.env', 'utf8').split('\n').map((l) => /^(\w+)="?(.*?)"?$/.exec(l)).filter(Boolean).map((m) => [m[1], m[2]])
  : []);
const GUESTS = (env.GUESTS ?? 'pvh hvm pv').split(/\s+/).filter(Boolean);
const require = createRequire(`${FRAMESCOPE}/package.json`);

const lines = [];
function report(line) {
  lines.push(line);
  console.log(line);
  fs.writeFileSync(`${OUT}/checks.txt`, lines.join('\n') + '\n');
}

async function check(name, body) {
  const t = Date.now();
  try {
    const note = await body();
    report(`PASS ${name}${note ? ` (${note})` : ''} [${((Date.now() - t) / 1000).toFixed(1)} s]`);
  } catch (e) {
    report(`FAIL ${name}: ${(e?.message ?? String(e)).split('\n').slice(0, 6).join(' | ')}${rebootNote()}`);
  }
}

/** The domain each guest had when its checks began: a guest that triple-faults comes back under another. */
const firstDomid = new Map();

function rebootNote() {
  const moved = [...firstDomid].filter(([name, id]) => xlDomid(name) !== id)
    .map(([name, id]) => `${name} (domain ${id}) rebooted or died: see 'Triple fault' in console.log`);
  return moved.length ? ` | ${moved.join('; ')}` : '';
}

function assert(cond, why) {
  if (!cond) throw new Error(why);
}

function run(cmd, args, { timeout = 600_000, extraEnv = {} } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 256 << 20, env: { ...process.env, ...extraEnv } });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '', ms: 0 };
}

function framescope(...args) {
  const t = performance.now();
  const r = run('/usr/local/bin/node', [CLI, '--backend', 'xen', ...args]);
  r.ms = performance.now() - t;
  return r;
}

function ok(r, what) {
  assert(r.code === 0, `${what}: exit ${r.code}: ${r.err.trim() || r.out.trim()}`);
  return r;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The prober's answers: one errno name per frame, as framescope names them. */
function probe(domid, abi, first, count, batch) {
  const file = `/tmp/probe-${domid}-${abi}.bin`;
  const args = typeof first === 'string' ? [String(domid), abi, first, file] : [String(domid), abi, String(first), String(count), file];
  if (batch) args.push(String(batch));
  // a PV guest's frames read-only, as framescope maps them: page-table pages refuse writable mappings
  const r = ok(run(PROBE, args, { extraEnv: typeof first === 'string' ? { PROBE_RO: '1' } : {} }), 'probe');
  const facts = Object.fromEntries(r.out.trim().split(/\s+/).map((kv) => kv.split('=')).map(([k, v]) => [k, Number(v)]));
  const raw = fs.readFileSync(file);
  const codes = new Int32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  return { ...facts, names: Array.from(codes, (c) => errnoName(c, abi)) };
}

const ERRNO_NAMES = Object.fromEntries(Object.entries(os.constants.errno).map(([k, v]) => [v, k]));
function errnoName(code, abi) {
  if (code === 0) return 'OK';
  if (abi === 'v1' && code === -1) return 'V1_NO_ERRNO';
  return ERRNO_NAMES[-code] ?? `E${-code}`;
}

/** framescope's answers for a range, expanded from a scan's JSON export: one name per frame. */
function scanNames(domain, range, extra = []) {
  const file = `/tmp/fs-${domain}-${Date.now()}.json`;
  const r = ok(framescope(...extra, 'scan', '--domain', String(domain), '--range', range, '--out', file, '--json'), 'framescope scan');
  const exported = JSON.parse(fs.readFileSync(file, 'utf8'));
  const names = [];
  for (const run of exported.runs) for (let g = run.first; g <= run.last; g++) names.push(run.code);
  return { summary: JSON.parse(r.out), names, ms: r.ms };
}

/** "0 frames differ", or where and how they do. */
function compare(a, b, { allowed = 0, only } = {}) {
  assert(a.length === b.length, `${a.length} frames against ${b.length}`);
  const diffs = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diffs.push(i);
  const bad = only ? diffs.filter((i) => !(only.has(a[i]) && only.has(b[i]))) : diffs;
  const show = (list) => list.slice(0, 5).map((i) => `0x${i.toString(16)}: ${a[i]} vs ${b[i]}`).join(', ');
  assert(bad.length === 0 && diffs.length <= allowed, `${diffs.length} of ${a.length} frames differ (${show(bad.length ? bad : diffs)})`);
  return `${a.length} frames, ${diffs.length} differ`;
}

function tally(names) {
  const t = {};
  for (const n of names) t[n] = (t[n] ?? 0) + 1;
  return Object.entries(t).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

function domains() {
  return JSON.parse(ok(framescope('domains', '--json'), 'domains').out);
}

function xlDomid(name) {
  const r = run('xl', ['domid', name]);
  return r.code === 0 ? Number(r.out.trim()) : null;
}

/** PV guests: pfn i's mfn, from Xen's own tool (INVALID_MFN as null). */
function p2mOf(domid) {
  const r = ok(run('/usr/lib/xen-4.17/bin/xen-mfndump', ['dump-p2m', String(domid)]), 'xen-mfndump dump-p2m');
  const mfns = [];
  for (const m of r.out.matchAll(/pfn=0x([0-9a-f]+) ==> mfn=0x([0-9a-f]+)/g)) {
    const mfn = BigInt(`0x${m[2]}`);
    mfns[parseInt(m[1], 16)] = mfn >= 0xffffffffffn ? null : mfn;
  }
  return mfns;
}

/** Waits until the prober sees the guest's marker in its RAM. */
async function waitForMarker(domid, frames, pv) {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const p = pv ? probe(domid, 'v2', pv) : probe(domid, 'v2', 0, frames);
    if (p.marker_frame >= 0) return p;
    assert(Date.now() < deadline, 'the guest wrote no marker in 300 s');
    await sleep(5000);
  }
}

function asciiColumn(hexdump) {
  return hexdump.split('\n').map((l) => /\|(.*)\|$/.exec(l)?.[1] ?? '').join('');
}

async function guestChecks(name) {
  const domid = xlDomid(name);
  if (domid !== null) firstDomid.set(name, domid);
  await check(`${name}: the guest is running`, () => {
    assert(domid !== null, `xl knows no domain ${name}`);
    return `domain ${domid}`;
  });
  if (domid === null) return;
  const info = domains().find((d) => d.id === domid);
  await check(`${name}: domains lists it with its name, size and frames`, () => {
    assert(info, `domain ${domid} is not listed`);
    assert(info.name === name, `named ${info.name}`);
    assert(info.currentPages !== null && Math.abs(info.currentPages * 4 - 131072) <= 16384, `current pages ${info.currentPages}`);
    assert(info.frames > 0, `frames ${info.frames}`);
    return `${info.currentPages * 4} KiB held, xenstore target ${info.memoryKiB} KiB, 0x${info.frames.toString(16)} frames, type ${info.type ?? '-'}`;
  });
  if (!info) return;
  const last = `0x${(info.frames - 1).toString(16)}`;
  const range = `0-${last}`;
  const pv = name === 'pv';
  let mfnList = null;
  let p2m = null;
  if (pv) {
    p2m = p2mOf(domid);
    // the pfns framescope scans: those below the domain's frame count
    const valid = p2m.slice(0, info.frames).map((m, pfn) => [m, pfn]).filter(([m]) => m !== null && m !== undefined);
    mfnList = `/tmp/pv-mfns.txt`;
    fs.writeFileSync(mfnList, valid.map(([m]) => `0x${m.toString(16)}`).join('\n') + '\n');
  }
  const pvArg = pv ? `@${mfnList}` : null;
  let seen = null;
  let markerGfn = null;
  await check(`${name}: the guest wrote its marker (the prober sees it)`, async () => {
    seen = await waitForMarker(domid, info.frames, pvArg);
    return `frame 0x${seen.marker_frame.toString(16)}`;
  });
  const paged = name === 'paged';
  // The pager keeps moving frames between two scans: those may differ, between mapped and paged only.
  const tolerance = paged ? { allowed: 4000, only: new Set(['OK', 'ENOENT']) } : {};
  for (const abi of ['v2', 'v1']) {
    const split = !pv && info.frames > V1_LOW_SPAN + V1_HIGH_SPAN;
    const what = abi === 'v2' ? 'V2 scan' : `V1 (--abi v1) scan${split ? ' of the low 64 Ki and top 4 Ki frames' : ''}`;
    await check(`${name}: ${what} = the prober's ${abi.toUpperCase()}, frame for frame`, () => {
      if (!pv) {
        // V2 compares every frame; V1 the spans where every frame these guests map lies (V1_LOW_SPAN)
        const spans = abi === 'v2' || !split ? [[0, info.frames]] : [[0, V1_LOW_SPAN], [info.frames - V1_HIGH_SPAN, V1_HIGH_SPAN]];
        let ours = [];
        let theirs = [];
        for (const [first, count] of spans) {
          const fsScan = scanNames(domid, `0x${first.toString(16)}-0x${(first + count - 1).toString(16)}`, ['--abi', abi]);
          assert(fsScan.summary.abi === abi, `scan said abi ${fsScan.summary.abi}`);
          // concat, not push(...): a million arguments overflow the stack
          ours = ours.concat(fsScan.names);
          theirs = theirs.concat(probe(domid, abi, first, count).names);
        }
        return `${compare(ours, theirs, tolerance)}; ${tally(ours)}`;
      }
      const fsScan = scanNames(domid, range, ['--abi', abi]);
      assert(fsScan.summary.abi === abi, `scan said abi ${fsScan.summary.abi}`);
      // framescope scans pfns through the p2m it read; the prober maps the mfns xen-mfndump gives.
      const ref = probe(domid, abi, pvArg);
      const fsValid = [];
      const fsInvalid = [];
      fsScan.names.forEach((n, pfn) => (p2m[pfn] === null || p2m[pfn] === undefined ? fsInvalid : fsValid).push(n));
      assert(fsInvalid.every((n) => n !== 'OK'), 'a pfn without an mfn mapped');
      return `${compare(fsValid, ref.names)} (${fsInvalid.length} pfns without an mfn); ${tally(fsScan.names)}`;
    });
  }
  await check(`${name}: search finds the marker where the prober saw it; read shows it`, () => {
    assert(seen, 'no marker seen');
    const r = ok(framescope('search', '--domain', String(domid), '--string', MARKER, '--max-hits', '1', '--json'), 'search');
    const s = JSON.parse(r.out);
    assert(s.hits >= 1, `search found nothing (${s.mappedFrames} mapped frames searched)`);
    const gfn = s.matches[0].gfn;
    const want = pv ? seenPfn(p2m, seen.marker_frame) : seen.marker_frame;
    assert(gfn === want, `first hit at gfn 0x${gfn.toString(16)}, the prober's first marker at 0x${want.toString(16)}`);
    const read = ok(framescope('read', '--domain', String(domid), '--gfn', `0x${gfn.toString(16)}`), 'read');
    assert(asciiColumn(read.out).includes(MARKER), 'the hex dump does not show the marker');
    markerGfn = gfn;
    return `gfn 0x${gfn.toString(16)}, ${s.hits} hits`;
  });
  return { domid, info, markerGfn };
}

function seenPfn(p2m, mfn) {
  const pfn = p2m.findIndex((m) => m === BigInt(mfn));
  assert(pfn >= 0, `mfn 0x${mfn.toString(16)} is in no p2m entry`);
  return pfn;
}

async function dom0Checks() {
  await check('Domain-0: domains gives its size from the hypervisor', () => {
    const d0 = domains().find((d) => d.id === 0);
    assert(d0, 'no domain 0');
    // the hypervisor's count (XENMEM_current_reservation); memoryKiB is xenstore's target, which Domain-0 lacks
    assert(d0.currentPages !== null && d0.currentPages * 4 > 512 * 1024, `current pages ${d0.currentPages}: ${framescope('domains').out.trim().replace(/\n/g, ' | ')}`);
    return `${d0.currentPages} pages (${d0.currentPages * 4} KiB)`;
  });
  await check('Domain-0: scan says Xen will not map a domain\'s own frames, not that it is gone', () => {
    const r = framescope('scan', '--domain', '0', '--range', '0-0xff');
    assert(r.code === 1, `exit ${r.code}`);
    assert(!/no longer exists/.test(r.err), r.err.trim());
    assert(/own|itself/.test(r.err), r.err.trim());
    return r.err.trim().split('\n').pop();
  });
}

async function memSetChecks(domid) {
  await check('pvh: snapshot, xl mem-set 64, snapshot: diff counts the frames ballooned out; the prober agrees', async () => {
    // RAM only: the balloon gives back RAM frames, and the million holes above would only slow each scan
    const scanRam = (file) => JSON.parse(ok(framescope('scan', '--domain', String(domid), '--range', RAM_RANGE, '--out', file, '--json'), `scan ${file}`).out);
    const before = scanRam('/tmp/a.fsnap');
    ok(run('xl', ['mem-set', String(domid), '64']), 'xl mem-set');
    // the balloon driver gives the frames back over a few seconds: wait until two scans agree
    let prev = null;
    let after = null;
    for (let i = 0; i < 30; i++) {
      await sleep(3000);
      after = scanRam('/tmp/b.fsnap');
      if (prev && prev.counts.mapped === after.counts.mapped && after.counts.mapped < before.counts.mapped - 8000) break;
      prev = after;
    }
    const d = JSON.parse(ok(framescope('diff', '/tmp/a.fsnap', '/tmp/b.fsnap', '--json'), 'diff').out);
    const out = d.transitions['mapped→invalid'] ?? 0;
    assert(out > 8000, `diff: ${JSON.stringify(d.transitions)}`);
    const [first, last] = RAM_RANGE.split('-').map(Number);
    const ref = probe(domid, 'v2', first, last - first + 1);
    const b = scanNames(domid, RAM_RANGE);
    return `${out} mapped→invalid; ${compare(b.names, ref.names)}`;
  });
}

/** xenpaging pages the guest out to a file; it keeps its target, so frames keep moving. */
async function startPager(domid) {
  const pager = spawn('/usr/lib/xen-4.17/bin/xenpaging', ['-v', '-d', String(domid), '-f', '/var/tmp/paging.file', '-m', '131072'],
    { stdio: ['ignore', fs.openSync(`${OUT}/xenpaging.log`, 'w'), 'inherit'] });
  await sleep(5000);
  run('xenstore-write', [`/local/domain/${domid}/memory/target-tot_pages`, '16384']);
  return pager;
}

async function pagingChecks(domid) {
  await check('paged: xenpaging pages frames out; scan sees them as ENOENT', async () => {
    for (let i = 0; i < 50; i++) {
      const s = JSON.parse(ok(framescope('scan', '--domain', String(domid), '--range', RAM_RANGE, '--json'), 'scan').out);
      if (s.counts.paged > 4000) return `${s.counts.paged} paged`;
      await sleep(3000);
    }
    throw new Error('fewer than 4000 frames paged out after 50 scans');
  });
  await check('paged: scan --mode retry brings paged frames back', () => {
    // a part of RAM: each paged frame is asked for again alone until Xen has paged it in
    const s = JSON.parse(ok(framescope('scan', '--domain', String(domid), '--range', '0-0xfff', '--mode', 'retry', '--json'), 'retry scan').out);
    assert(s.retry && s.retry.retried > 0 && s.retry.recovered > 0, JSON.stringify(s.retry));
    return `${s.retry.recovered} of ${s.retry.retried} came back`;
  });
}

/** framescope serve in dom0: the token, the cookie, and the WebSocket API a browser would use. */
async function serveChecks(target) {
  await check('serve: 401 without the token, 200 and an HttpOnly cookie with it; the API answers over WebSocket', async () => {
    const child = spawn('/usr/local/bin/node', [CLI, '--backend', 'xen', 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`serve printed no URL in 120 s: ${text}`)), 120_000);
        child.stdout.on('data', (d) => {
          text += d;
          const m = /open (http:\S+)/.exec(text);
          if (m) {
            clearTimeout(timer);
            resolve(new URL(m[1]));
          }
        });
        child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const bare = await fetch(`${url.origin}/`);
      assert(bare.status === 401, `without the token: ${bare.status}`);
      const wrong = await fetch(`${url.origin}/?token=wrong-token-wrong-token`);
      assert(wrong.status === 401, `with a wrong token: ${wrong.status}`);
      const good = await fetch(url);
      assert(good.status === 200, `with the token: ${good.status}`);
      assert(/HttpOnly/i.test(good.headers.get('set-cookie') ?? ''), `cookie: ${good.headers.get('set-cookie')}`);
      const { WebSocket } = require('ws');
      const { Encoder, Decoder } = require('@msgpack/msgpack');
      const enc = new Encoder({ ignoreUndefined: true });
      const dec = new Decoder();
      const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      let id = 0;
      const waiting = new Map();
      const events = [];
      ws.on('message', (data) => {
        const m = dec.decode(data);
        if (m.t === 'event') events.push(m.event);
        else waiting.get(m.id)?.(m);
      });
      const call = (method, ...args) => new Promise((resolve, reject) => {
        const my = ++id;
        waiting.set(my, (m) => (m.t === 'result' ? resolve(m.value) : reject(new Error(`${method}: ${m.error.message}`))));
        ws.send(enc.encode({ t: 'call', id: my, method, args }));
      });
      const host = await call('hostInfo');
      assert(host.backend === 'xen', `backend ${host.backend}`);
      const listed = await call('listDomains');
      assert(listed.some((d) => d.id === target.domid), `domain ${target.domid} not listed`);
      const read = await call('readFrame', { domain: target.domid, gfn: target.gfn });
      assert(read.code === 0 && Buffer.from(read.bytes).includes(MARKER), `readFrame: ${read.codeName}`);
      ws.close();
      return `${listed.length} domains; readFrame of gfn 0x${target.gfn.toString(16)} holds the marker`;
    } finally {
      child.kill('SIGINT');
    }
  });
}

async function bench(domid, frames) {
  // Only ratios mean something under TCG. framescope's scan time is its own durationMs (the CLI's
  // start is measured apart); the prober's, that of the same work (mmap, ioctl, reading the
  // answers, munmap: scan_ms), and of its ioctls alone (ioctlMs) for scale.
  const batches = [256, 1024, 4096, 16384];
  const result = { frames, framescope: {}, prober: {}, proberIoctlMs: {}, cliStartMs: [] };
  for (let round = 0; round < 3; round++) {
    for (const b of batches) {
      const s = JSON.parse(ok(framescope('scan', '--domain', String(domid), '--batch', String(b), '--json'), 'bench scan').out);
      (result.framescope[b] ??= []).push(s.durationMs);
      const p = probe(domid, 'v2', 0, frames, b);
      (result.prober[b] ??= []).push(p.scan_ms);
      (result.proberIoctlMs[b] ??= []).push(p.time_ms);
    }
    const t = performance.now();
    ok(run('/usr/local/bin/node', [CLI, '--version']), 'cli --version');
    result.cliStartMs.push(performance.now() - t);
  }
  fs.writeFileSync(`${OUT}/bench.json`, JSON.stringify(result, null, 2));
  report(`BENCH ${JSON.stringify(result)}`);
}

const t0 = Date.now();
report(`checks: guests ${GUESTS.join(' ')}`);
await check('framescope starts in dom0', () => ok(run('/usr/local/bin/node', [CLI, '--version']), '--version').out.trim());
await dom0Checks();
const seen = {};
// the paged guest first, so that xenpaging pages it out while the other guests are checked
let pager = null;
const order = [...GUESTS.filter((g) => g === 'paged'), ...GUESTS.filter((g) => g !== 'paged')];
for (const g of order) {
  seen[g] = await guestChecks(g);
  if (g === 'paged' && seen.paged) pager = await startPager(seen.paged.domid);
}
if (seen.pvh) await memSetChecks(seen.pvh.domid);
if (seen.paged) await pagingChecks(seen.paged.domid);
// serve reads a marker frame the search check found
const target = [seen.hvm, seen.pvh, seen.pv].find((g) => g?.markerGfn !== null && g?.markerGfn !== undefined);
if (target) await serveChecks({ domid: target.domid, gfn: target.markerGfn });
if (env.BENCH === '1' && seen.hvm) await bench(seen.hvm.domid, seen.hvm.info.frames);
pager?.kill();
const failed = lines.filter((l) => l.startsWith('FAIL')).length;
const passed = lines.filter((l) => l.startsWith('PASS')).length;
report(`${passed} passed, ${failed} failed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
