/**
 * Crafted dump sizes: what a dump claims is bounded by the file (the parts it holds) and by the
 * machine's physical address width and MAX_DUMP_FRAMES (the parts it does not: p_memsz past
 * p_filesz, a pfn far past the rest), checked when the file is opened, before a scan allocates
 * a byte a frame. The attacks of issue 10 are fixed cases, run as a user runs them (the CLI, in
 * a child the test kills if it is not bounded).
 */
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { MAX_DUMP_FRAMES, PAGE_SIZE } from '../../../app/dump/layout';
import { buildDump, type BuiltDump, dumpBytes, type DumpSpec, writeDump } from '../../fakes/dump-builders';
import { measured } from '../../fakes/measured-child';

const dir = mkdtempSync(join(tmpdir(), 'framescope-dump-bounds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What opening a refused dump may cost. */
const MAX_MS = 3000;
const MAX_GROWTH_MIB = 64;
const EM_386 = 3;

let n = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `case-${n++}.dump`);
  writeFileSync(path, bytes);
  return path;
}

function patched(built: BuiltDump, changes: Record<string, bigint | number>): Buffer {
  const bytes = dumpBytes(built);
  for (const [name, value] of Object.entries(changes)) {
    const f = built.fields.find((x) => x.name === name);
    assert.ok(f, `builder records no field ${name}`);
    if (f.size === 2) bytes.writeUInt16LE(Number(value), f.offset);
    else if (f.size === 4) bytes.writeUInt32LE(Number(value), f.offset);
    else bytes.writeBigUInt64LE(BigInt(value), f.offset);
  }
  return bytes;
}

/** One PT_LOAD of one page in the file: an 8 KiB ELF dump whose p_memsz the attacker chooses. */
function smallElf(memsz: bigint, paddr = 0n): Buffer {
  const built = buildDump({ kind: 'qemu-elf', segments: [{ gfn: 0, frames: 1 }] });
  return patched(built, { 'phdr1.p_memsz': memsz, 'phdr1.p_paddr': paddr });
}

/** Opens the dump in a child and expects a DumpFormatError matching `message`, quickly and in little memory. */
function refusedFast(path: string, message: RegExp): void {
  const r = measured('open-dump', [path]);
  assert.equal(r.killed, null, `not bounded: ${r.killed}\n${r.stderr}`);
  assert.equal(r.ok, false, `opened: ${JSON.stringify(r.value)}`);
  assert.equal(r.error!.name, 'DumpFormatError', r.error!.message);
  assert.match(r.error!.message, message);
  assert.ok(r.ms! < MAX_MS, `${r.ms!.toFixed(0)} ms`);
  assert.ok(r.growthMiB! < MAX_GROWTH_MIB, `RSS grew ${r.growthMiB!.toFixed(0)} MiB`);
}

test('issue 10: an 8 KiB ELF dump with p_memsz 2^44 is a format error at once, in little memory', () => {
  const bytes = smallElf(2n ** 44n);
  assert.ok(bytes.length <= 8192, `${bytes.length} bytes`);
  refusedFast(file(bytes), /PT_LOAD program header 1 maps guest-physical 0x0 \+ 0x100000000000 \(0x1000 bytes in the file\), past the 2\^30 frames \(4 TiB\) framescope reads from a dump/);
});

test('issue 10: p_memsz 2^52 is a format error, not "Invalid typed array length" (scan --dump, as the CLI runs it)', () => {
  const path = file(smallElf(2n ** 52n));
  const r = measured('cli', ['scan', '--dump', path, '--json']);
  assert.equal(r.killed, null, `not bounded: ${r.killed}\n${r.stderr}`);
  const v = r.value as { code: number; out: string; err: string };
  assert.equal(v.code, 1, v.err);
  assert.match(v.err, /^framescope: .*case-\d+\.dump: PT_LOAD program header 1 maps guest-physical 0x0 \+ 0x10000000000000 .*past the 2\^30 frames/);
  assert.doesNotMatch(v.err, /Invalid typed array length/);
  assert.ok(r.ms! < MAX_MS, `${r.ms!.toFixed(0)} ms`);
  // and the 2^44 case through the same path
  const r44 = measured('cli', ['scan', '--dump', file(smallElf(2n ** 44n)), '--json']);
  assert.equal(r44.killed, null, `not bounded: ${r44.killed}`);
  assert.match((r44.value as { err: string }).err, /past the 2\^30 frames \(4 TiB\)/);
  assert.ok(r44.ms! < MAX_MS, `${r44.ms!.toFixed(0)} ms`);
});

test('the machine\'s physical address width bounds a segment: 2^52 for x86-64, 2^36 for EM_386', () => {
  refusedFast(file(smallElf(2n * 4096n, 2n ** 52n - 4096n)), /maps guest-physical 0xffffffffff000 \+ 0x2000, past 2\^52 \(the physical address width of e_machine 62\)/);
  const i386 = smallElf(4096n, 2n ** 36n);
  i386.writeUInt16LE(EM_386, 18);
  refusedFast(file(i386), /maps guest-physical 0x1000000000 \+ 0x1000, past 2\^36 \(the physical address width of e_machine 3\)/);
});

test('the last frame a dump may span is MAX_DUMP_FRAMES - 1: that opens, one more is refused', () => {
  assert.equal(MAX_DUMP_FRAMES, 2 ** 30);
  const edge = measured('open-dump', [file(smallElf(4096n, BigInt((MAX_DUMP_FRAMES - 1) * PAGE_SIZE)))]);
  assert.equal(edge.ok, true, edge.error?.message);
  assert.deepEqual(edge.value, { kind: 'qemu-elf', frames: MAX_DUMP_FRAMES, present: 1 });
  refusedFast(file(smallElf(4096n, BigInt(MAX_DUMP_FRAMES * PAGE_SIZE))), /past the 2\^30 frames/);
});

test('xl dump-core: one page may not name a pfn past MAX_DUMP_FRAMES', () => {
  const spec: DumpSpec = { kind: 'xen-hvm', pages: [{ gfn: 0 }, { gfn: MAX_DUMP_FRAMES - 1 }] };
  const edge = measured('open-dump', [file(dumpBytes(buildDump(spec)))]);
  assert.equal(edge.ok, true, edge.error?.message);
  assert.deepEqual(edge.value, { kind: 'xen-hvm', frames: MAX_DUMP_FRAMES, present: 2 });
  refusedFast(file(dumpBytes(buildDump({ kind: 'xen-hvm', pages: [{ gfn: 0 }, { gfn: MAX_DUMP_FRAMES }] }))),
    /\.xen_pfn entry 1: pfn 0x40000000 is beyond the 2\^30 frames \(4 TiB\) framescope reads from a dump/);
  refusedFast(file(dumpBytes(buildDump({ kind: 'xen-pv', pages: [{ gfn: 2 ** 39 }] }))), /\.xen_p2m entry 0: pfn 0x8000000000 is beyond/);
});

test('a raw image larger than MAX_DUMP_FRAMES frames is refused (a sparse file: no disk)', () => {
  const path = join(dir, 'huge.raw');
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, MAX_DUMP_FRAMES * PAGE_SIZE + 1);
  } finally {
    closeSync(fd);
  }
  assert.equal(statSync(path).size, MAX_DUMP_FRAMES * PAGE_SIZE + 1);
  refusedFast(path, /raw image of 1073741825 frames is larger than the 2\^30 frames \(4 TiB\) framescope reads from a dump/);
  rmSync(path);
  const small = join(dir, 'small.raw');
  writeDump(small, { kind: 'raw', frames: 3 });
  assert.deepEqual(measured('open-dump', [small]).value, { kind: 'raw', frames: 3, present: 3 });
});
