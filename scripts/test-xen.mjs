#!/usr/bin/env node
// npm run test:xen (and bench:xen, with --bench): framescope on a real Xen host. Builds the dom0
// image once (test/xen/build-image.sh, Debian packages only; rebuilt when that script changes),
// boots Xen 4.17 under QEMU with PVH, HVM and PV guests (and a guest paged out by xenpaging when
// the paging hypervisor of ../shared/xen-testbed is there), and prints the checks run in dom0
// (test/xen/checks.mjs): one line each, then "N passed, N failed". Needs root (loop mounts,
// debootstrap) and qemu-system-x86; no KVM.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const here = path.join(root, 'test', 'xen');
const XT = process.env.XT ?? '/var/tmp/framescope-xen';
// XEN_TESTBED: where ../shared/xen-testbed is for a checkout elsewhere (a clean clone in CI)
const PAGING_XEN = path.resolve(process.env.XEN_TESTBED ?? path.join(root, '..', 'shared', 'xen-testbed'), 'xen-4.17.7-mem-paging.xz');
const bench = process.argv.includes('--bench');
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 60000).toFixed(1)} min`;

function fail(message) {
  console.error(`test:xen: ${message}`);
  process.exit(1);
}

function sh(script, args, env = {}) {
  const r = spawnSync('bash', [path.join(here, script), ...args], { stdio: 'inherit', env: { ...process.env, XT, ...env } });
  return r.status ?? 1;
}

if (process.getuid?.() !== 0) fail('needs root (loop mounts of the dom0 image, debootstrap)');
if (spawnSync('qemu-system-x86_64', ['--version']).status !== 0) fail('needs qemu-system-x86_64 (apt-get install qemu-system-x86)');
if (!fs.existsSync(path.join(root, 'dist', 'app', 'cli.js'))) fail('no dist/: run node scripts/build.mjs first');

const stamp = crypto.createHash('sha256').update(fs.readFileSync(path.join(here, 'build-image.sh'))).digest('hex');
const built = fs.existsSync(path.join(XT, 'rootfs.img')) && fs.existsSync(path.join(XT, 'stamp')) &&
  fs.readFileSync(path.join(XT, 'stamp'), 'utf8').trim() === stamp;
if (!built) {
  console.log(`test:xen: building the dom0 image in ${XT} (a few minutes, once)`);
  if (sh('build-image.sh', []) !== 0) fail('building the dom0 image failed');
}

// GUESTS="pvh pv" runs a subset (while working on the checks)
const guests = (process.env.GUESTS ?? 'pvh hvm pv').split(/\s+/).filter(Boolean);
const env = { ROOT: root, BENCH: bench ? '1' : '0' };
if (fs.existsSync(PAGING_XEN) && !process.env.GUESTS) {
  // Debian's hypervisor has no memory paging; this build of the same release has.
  const xen = path.join(XT, 'boot', 'xen-paging');
  if (!fs.existsSync(xen)) {
    const r = spawnSync('sh', ['-c', `xz -dc '${PAGING_XEN}' > '${xen}.tmp' && mv '${xen}.tmp' '${xen}'`], { stdio: 'inherit' });
    if (r.status !== 0) fail(`unpacking ${PAGING_XEN} failed`);
  }
  env.XEN = xen;
  guests.push('paged');
} else if (!process.env.GUESTS) {
  console.log(`test:xen: no paging hypervisor at ${PAGING_XEN}: no paged guest this run`);
}
env.GUESTS = guests.join(' ');
const out = path.join(XT, 'runs', new Date().toISOString().replace(/[:.]/g, '-'));
env.OUT = out;
console.log(`test:xen: booting Xen with ${env.GUESTS} guests${env.XEN ? ' (paging hypervisor)' : ''}; results in ${out}`);
const rc = sh('boot.sh', [], env);

const checksFile = path.join(out, 'dom0-out', 'checks.txt');
if (!fs.existsSync(checksFile)) {
  const consoleLog = path.join(out, 'console.log');
  const tail = fs.existsSync(consoleLog) ? fs.readFileSync(consoleLog, 'latin1').split('\n').slice(-30).join('\n') : '(no console log)';
  fail(`dom0 ran no checks (boot.sh exit ${rc}); the console's end:\n${tail}`);
}
const lines = fs.readFileSync(checksFile, 'utf8').trimEnd().split('\n');
for (const line of lines) if (!line.startsWith('BENCH ')) console.log(line);
const summary = lines.at(-1) ?? '';
const m = /^(\d+) passed, (\d+) failed/.exec(summary);
if (!m) fail(`the checks did not finish (boot.sh exit ${rc}): the last line is '${summary}'`);
for (const g of guests) {
  if (!lines.some((l) => l.startsWith(`PASS ${g}: V2 scan`))) console.log(`test:xen: no passing V2 comparison for the ${g} guest`);
}

if (bench) {
  const file = path.join(out, 'dom0-out', 'bench.json');
  if (!fs.existsSync(file)) fail('no bench.json from dom0');
  const b = JSON.parse(fs.readFileSync(file, 'utf8'));
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const best = Math.min(...Object.values(b.prober).map(median));
  console.log(`bench:xen: HVM guest, 0x${b.frames.toString(16)} frames, medians of ${b.framescope[256].length} rounds; ` +
    `the C prober's best: ${best.toFixed(0)} ms (mmap, ioctl, answers, munmap)`);
  for (const [batch, times] of Object.entries(b.framescope)) {
    const t = median(times);
    console.log(`  batch ${batch.padStart(5)}: framescope ${t.toFixed(0)} ms (${times.map((x) => x.toFixed(0)).join(', ')}), ` +
      `prober ${median(b.prober[batch]).toFixed(0)} ms (its ioctls ${median(b.proberIoctlMs[batch]).toFixed(0)}); ` +
      `framescope at ${(best / t).toFixed(2)} of the prober's best`);
  }
  console.log(`  CLI start (--version): ${b.cliStartMs.map((x) => x.toFixed(0)).join(', ')} ms`);
}
console.log(`test:xen: ${summary} (${elapsed()} in all)`);
process.exit(Number(m[2]) === 0 && guests.every((g) => lines.some((l) => l.startsWith(`PASS ${g}: V2 scan`))) ? 0 : 1);
