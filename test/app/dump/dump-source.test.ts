import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { UnknownDomainError } from '../../../app/frame-source';
import { CODE_MAPPED, CODE_NOT_IN_DUMP } from '../../../app/frame-status';
import { planScan, runScan } from '../../../app/scanner';
import { DUMP_DOMAIN_ID, detectDumpKind, DumpFormatError, type DumpFrameSource, openDumpSource } from '../../../app/dump/dump-source';
import { type BuiltDump, buildDump, dumpBytes, type DumpSpec, PAGE, type PageSpec, writeDump, type XenDumpSpec } from '../../fakes/dump-builders';

const dir = mkdtempSync(join(tmpdir(), 'framescope-dump-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

function write(spec: DumpSpec, name = `${spec.kind}-${fileNo++}`): { path: string; built: BuiltDump } {
  const path = join(dir, name);
  return { path, built: writeDump(path, spec) };
}

function writeBytes(bytes: Uint8Array, name = `bytes-${fileNo++}`): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** The built file with recorded fields set: patched(built, field, value, field, value, ...). */
function patched(built: BuiltDump, ...changes: Array<string | number | bigint>): Buffer {
  const bytes = dumpBytes(built);
  for (let i = 0; i < changes.length; i += 2) {
    const f = built.fields.find((x) => x.name === changes[i]);
    assert.ok(f, `builder records no field ${changes[i]}`);
    const value = changes[i + 1] as number | bigint;
    if (f.size === 2) bytes.writeUInt16LE(Number(value), f.offset);
    else if (f.size === 4) bytes.writeUInt32LE(Number(value), f.offset);
    else bytes.writeBigUInt64LE(BigInt(value), f.offset);
  }
  return bytes;
}

async function withSource<T>(path: string, use: (s: DumpFrameSource) => Promise<T>): Promise<T> {
  const source = await openDumpSource(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/** Every frame's code and contents against the builder's expectation, in windows of `batch`. */
async function checkAllFrames(source: DumpFrameSource, built: BuiltDump, batch: number): Promise<void> {
  assert.equal(await source.frameCount(DUMP_DOMAIN_ID), built.frames);
  for (let first = 0; first < built.frames; first += batch) {
    const count = Math.min(batch, built.frames - first);
    const r = await source.mapFrames(DUMP_DOMAIN_ID, first, count, { mode: 'observe', copy: true });
    assert.equal(r.codes.length, count);
    assert.equal(r.contents!.length, count * PAGE);
    for (let i = 0; i < count; i++) {
      const want = built.expect(first + i);
      assert.equal(r.codes[i], want ? CODE_MAPPED : CODE_NOT_IN_DUMP, `code of gfn 0x${(first + i).toString(16)}`);
      const got = r.contents!.subarray(i * PAGE, (i + 1) * PAGE);
      if (want) assert.ok(Buffer.from(got).equals(want), `contents of gfn 0x${(first + i).toString(16)}`);
      else assert.ok(got.every((b) => b === 0), `absent gfn 0x${(first + i).toString(16)} reads as zeroes`);
    }
  }
}

async function checkSource(path: string, built: BuiltDump): Promise<void> {
  await withSource(path, async (source) => {
    assert.equal(source.kind, built.kind);
    assert.equal(source.presentFrames, built.present);
    assert.deepEqual(source.describe(), { backend: 'dump', simulated: false, description: `${built.kind} ${path} (${built.present} frames present of ${built.frames})` });
    assert.equal(source.abi, null);
    const [domain, ...others] = await source.listDomains();
    assert.equal(others.length, 0);
    assert.deepEqual(domain, { id: DUMP_DOMAIN_ID, name: path.split('/').pop(), memoryKiB: built.present * 4, maxMemoryKiB: null, frames: built.frames });
    // One call across every run, then odd windows that start and end inside and at run edges.
    await checkAllFrames(source, built, built.frames);
    for (const batch of [1, 3, 7, 1024]) await checkAllFrames(source, built, batch);
  });
  assert.equal(await detectDumpKind(path), built.kind);
}

const pages = (gfns: Array<number | null>): PageSpec[] => gfns.map((gfn) => ({ gfn }));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

test('a raw image: frame N at N * 4096, a trailing partial page present and zero-padded', async () => {
  const whole = write({ kind: 'raw', frames: 9, seed: 1 });
  await checkSource(whole.path, whole.built);
  const partial = write({ kind: 'raw', frames: 5, tailBytes: 100, seed: 2 });
  await checkSource(partial.path, partial.built);
  const tiny = write({ kind: 'raw', frames: 1, tailBytes: 1 });
  await checkSource(tiny.path, tiny.built);
});

test('an xl dump-core of an HVM guest places pages by .xen_pfn, in any order, skipping invalid entries', async () => {
  const { path, built } = write({
    kind: 'xen-hvm',
    seed: 3,
    pages: [
      ...pages(range(0, 10)),
      { gfn: null, fill: 0xaa }, // XC_CORE_INVALID_PFN: its page holds no frame
      ...pages(range(20, 5)),
      ...pages([0x100, 0x80, 0x81, 0x7f, null, 0x101]),
      { gfn: 0x102, fill: 0x5c },
      { gfn: 0x103, bytes: new Uint8Array([1, 2, 3]) },
    ],
  });
  assert.equal(built.frames, 0x104);
  assert.equal(built.present, 22);
  await checkSource(path, built);
});

test('an xl dump-core of a PV guest places pages by the pfn of .xen_p2m', async () => {
  const { path, built } = write({ kind: 'xen-pv', seed: 4, nrVcpus: 2, pages: pages([...range(0, 16), null, null, ...range(0x40, 3), 0x10]) });
  assert.equal(built.present, 20);
  await checkSource(path, built);
});

test('a QEMU ELF dump maps each PT_LOAD; gaps and p_memsz past p_filesz are absent', async () => {
  // The shape of a real `dump-guest-memory` of a small PC guest, plus a filtered and a partial segment.
  const { path, built } = write({
    kind: 'qemu-elf',
    seed: 5,
    segments: [
      { gfn: 0, frames: 0xc0 },
      { gfn: 0xc0, frames: 0x20 },
      { gfn: 0xe0, frames: 0x20 },
      { gfn: 0x100, frames: 0x40, fileFrames: 0x30 },
      { gfn: 0x200, frames: 3, tailBytes: 10 },
      { gfn: 0x3f0, frames: 0x10 },
    ],
  });
  assert.equal(built.frames, 0x400);
  assert.equal(built.present, 0x100 + 0x30 + 3 + 0x10);
  await checkSource(path, built);
});

test('QEMU ELF variants: ELFCLASS32, PN_XNUM program header count, QEMU 7.2 section layout', async () => {
  const segments = [{ gfn: 0, frames: 4 }, { gfn: 8, frames: 4 }, { gfn: 12, frames: 2, fileFrames: 1 }];
  for (const variant of [{ elfClass: 32 as const }, { xnum: true }, { qemu72: true }, { elfClass: 32 as const, xnum: true, qemu72: true }]) {
    const { path, built } = write({ kind: 'qemu-elf', segments, ...variant });
    await checkSource(path, built);
  }
});

test('overlapping PT_LOADs: the earlier program header supplies the frames', async () => {
  for (const segments of [
    [{ gfn: 0x10, frames: 16, seed: 1 }, { gfn: 0x18, frames: 16, seed: 2 }],
    [{ gfn: 0x18, frames: 16, seed: 1 }, { gfn: 0x10, frames: 16, seed: 2 }],
    [{ gfn: 0x10, frames: 4, seed: 1 }, { gfn: 0, frames: 64, seed: 2 }, { gfn: 0x20, frames: 4, seed: 3 }],
  ]) {
    const { path, built } = write({ kind: 'qemu-elf', segments });
    await checkSource(path, built);
  }
  // -p dumps map one physical range at two virtual addresses: same p_paddr, same p_offset.
  const { built } = write({ kind: 'qemu-elf', segments: [{ gfn: 0, frames: 8 }, { gfn: 0, frames: 8 }] });
  const bytes = dumpBytes(built);
  const phdr1 = built.fields.find((f) => f.name === 'phdr1.p_offset')!;
  const phdr2 = built.fields.find((f) => f.name === 'phdr2.p_offset')!;
  bytes.writeBigUInt64LE(bytes.readBigUInt64LE(phdr1.offset), phdr2.offset);
  const path = writeBytes(bytes);
  await withSource(path, async (source) => {
    assert.equal(source.presentFrames, 8);
    const r = await source.mapFrames(0, 0, 8, { mode: 'observe', copy: true });
    for (let gfn = 0; gfn < 8; gfn++) assert.ok(Buffer.from(r.contents!.subarray(gfn * PAGE, (gfn + 1) * PAGE)).equals(built.expect(gfn)!));
  });
});

test('mapFrames refuses ranges past the end and domains other than the dump', async () => {
  const { path } = write({ kind: 'raw', frames: 4 });
  await withSource(path, async (source) => {
    await assert.rejects(source.mapFrames(DUMP_DOMAIN_ID, 3, 2, { mode: 'observe' }), (e: Error) => e instanceof RangeError && /past the end of the dump \(last frame 0x3\)/.test(e.message));
    await assert.rejects(source.mapFrames(DUMP_DOMAIN_ID, -1, 1, { mode: 'observe' }), RangeError);
    await assert.rejects(source.mapFrames(DUMP_DOMAIN_ID, 0, 0, { mode: 'observe' }), RangeError);
    await assert.rejects(source.mapFrames(DUMP_DOMAIN_ID, 0.5, 1, { mode: 'observe' }), RangeError);
    await assert.rejects(source.mapFrames(7, 0, 1, { mode: 'observe' }), UnknownDomainError);
    await assert.rejects(source.frameCount(1), UnknownDomainError);
    const r = await source.mapFrames(DUMP_DOMAIN_ID, 0, 4, { mode: 'retry' });
    assert.equal(r.contents, undefined);
    assert.deepEqual([r.retried, r.recovered, r.retryTimedOut, r.abi], [0, 0, false, null]);
  });
});

test('the scanner drives a dump like a live domain: absent frames count as invalid NOT_IN_DUMP', async () => {
  const { path, built } = write({ kind: 'xen-hvm', pages: pages([...range(0, 100), ...range(300, 50)]) });
  await withSource(path, async (source) => {
    const plan = await planScan(source, { domain: DUMP_DOMAIN_ID, batch: 64 });
    const summary = await runScan(source, plan, () => {});
    assert.equal(summary.error, null);
    assert.deepEqual(summary.counts, { mapped: built.present, paged: 0, invalid: built.frames - built.present });
    assert.deepEqual(summary.errnos, { NOT_IN_DUMP: built.frames - built.present });
  });
});

/** Opening `bytes` must fail with a DumpFormatError naming the file and matching `message`. */
async function assertRefused(bytes: Uint8Array, message: RegExp): Promise<void> {
  const path = writeBytes(bytes);
  await assert.rejects(openDumpSource(path), (e: Error) => {
    assert.ok(e instanceof DumpFormatError, `${e.name}: ${e.message}`);
    assert.ok(e.message.startsWith(`${path}: `), e.message);
    assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test('foreign and compressed formats get a one-line refusal saying what to do instead', async () => {
  const withHead = (head: Uint8Array) => {
    const b = Buffer.alloc(8192);
    b.set(head);
    return b;
  };
  await assertRefused(new Uint8Array(0), /empty file/);
  await assertRefused(withHead(Buffer.from('KDUMP   ')), /kdump-compressed dump .* is not supported: take an ELF dump instead \(virsh dump --memory-only --format elf/);
  await assertRefused(withHead(Buffer.from('makedumpfile\0\0\0\0')), /flattened kdump-compressed dump .* not supported: take an ELF dump/);
  await assertRefused(withHead(Buffer.from('PAGEDU64')), /Windows crash dump/);
  await assertRefused(withHead(Buffer.from('LibvirtQemudSave')), /libvirt save image .*virsh dump without --memory-only/);
  await assertRefused(withHead(Buffer.from('Xen saved domain, xl format\n \0 \r')), /xl save image .* xl dump-core/);
  await assertRefused(withHead(Buffer.from([0x1f, 0x8b, 0x08, 0])), /gzip-compressed file: decompress it first/);
  await assertRefused(withHead(Buffer.from('BZh91AY&SY')), /bzip2/);
  const elfExec = dumpBytes(buildDump({ kind: 'qemu-elf', segments: [{ gfn: 0, frames: 1 }] }));
  elfExec.writeUInt16LE(2, 16);
  await assertRefused(elfExec, /ELF file is not a core dump \(e_type 2/);
  const bigEndian = dumpBytes(buildDump({ kind: 'qemu-elf', segments: [{ gfn: 0, frames: 1 }] }));
  bigEndian[5] = 2;
  await assertRefused(bigEndian, /big-endian ELF/);
  await assertRefused(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), /not an ELF file|truncated ELF header/);
});

test('malformed xl dump-core files are refused with what is wrong', async () => {
  const spec = (over: Partial<XenDumpSpec> = {}): DumpSpec => ({ kind: 'xen-hvm', pages: pages(range(0, 12)), ...over });
  const hvm = buildDump(spec());
  await assertRefused(dumpBytes(buildDump(spec({ pageSize: 8192 }))), /page size 8192 is not supported \(only 4096-byte pages\)/);
  await assertRefused(dumpBytes(buildDump(spec({ nrPages: 13 }))), /\.xen_pfn lists 12 pages but the dump-core header note says 13/);
  await assertRefused(dumpBytes(buildDump(spec({ magic: 0x12345678 }))), /dump-core header magic is 0x12345678/);
  await assertRefused(dumpBytes(buildDump(spec({ formatMajor: 1 }))), /dump-core format version 1\.1 is not supported/);
  await assertRefused(dumpBytes(buildDump(spec({ pages: pages([1, 2, 3, 2]) }))), /pfn 0x2 is listed more than once in \.xen_pfn/);
  await assertRefused(dumpBytes(buildDump(spec({ pages: pages([null, null]) }))), /\.xen_pfn lists no valid pfn/);
  await assertRefused(patched(hvm, '.xen_pages.sh_size', 10 * PAGE), /\.xen_pages holds 10 pages but \.xen_pfn lists 12/);
  await assertRefused(patched(hvm, '.xen_pfn[1]', 2n ** 40n), /\.xen_pfn entry 1: pfn 0x10000000000 is beyond the 2\^30 frames \(4 TiB\) framescope reads from a dump/);
  await assertRefused(patched(hvm, 'e_shoff', 2n ** 62n), /section header table past the end of the file/);
  await assertRefused(patched(hvm, 'e_shnum', 5000), /5000 section headers/);
  await assertRefused(patched(hvm, '.xen_pfn.sh_offset', 0x1000), /overlap/);
  await assertRefused(patched(hvm, '.xen_pages.sh_offset', 2n ** 64n - 1n), /section \.xen_pages \(0xc000 bytes at >= 2\^53\) runs past the end of the file/);
  await assertRefused(patched(hvm, '.note.Xen.sh_type', 1), /\.note\.Xen is not SHT_NOTE/);
  await assertRefused(patched(hvm, 'note.header.descsz', 0xfffffff0), /note 1 descriptor .* runs past the end of the notes/);
  await assertRefused(patched(hvm, '.xen_pfn.sh_name', 1), /neither \.xen_pfn nor \.xen_p2m/);
  const whole = dumpBytes(hvm);
  await assertRefused(whole.subarray(0, whole.length - 100), /runs past the end of the file/);
  await assertRefused(whole.subarray(0, 40), /truncated ELF header/);
});

test('malformed QEMU ELF dumps are refused with what is wrong', async () => {
  const qemu = buildDump({ kind: 'qemu-elf', segments: [{ gfn: 0, frames: 8 }, { gfn: 16, frames: 8 }] });
  await assertRefused(patched(qemu, 'phdr1.p_paddr', 0x1800), /PT_LOAD program header 1 starts at guest-physical 0x1800, not on a page boundary/);
  await assertRefused(patched(qemu, 'phdr2.p_filesz', 9 * PAGE), /PT_LOAD program header 2 has p_filesz 0x9000 > p_memsz 0x8000/);
  await assertRefused(patched(qemu, 'phdr2.p_paddr', 2n ** 52n), /PT_LOAD program header 2 maps guest-physical 0x10000000000000 \+ 0x8000, past 2\^52/);
  await assertRefused(patched(qemu, 'phdr2.p_memsz', 2n ** 63n), /past 2\^52/);
  await assertRefused(patched(qemu, 'phdr2.p_offset', 2n ** 40n), /PT_LOAD program header 2 \(0x8000 bytes at 0x10000000000\) runs past the end of the file/);
  await assertRefused(patched(qemu, 'phdr1.p_offset', 0x40), /PT_LOAD program header 1 \(file 0x40 \+ 0x8000\) overlaps the program header table/);
  await assertRefused(patched(qemu, 'e_phnum', 0xfffe), /program header table past the end of the file/);
  await assertRefused(patched(qemu, 'e_phentsize', 64), /e_phentsize is 64, want 56/);
  await assertRefused(patched(qemu, 'phdr1.p_type', 6, 'phdr2.p_type', 6), /ELF core has no PT_LOAD segments and no \.note\.Xen section: not a memory dump/);
  const whole = dumpBytes(qemu);
  await assertRefused(whole.subarray(0, whole.length - 1), /PT_LOAD program header 2 .* runs past the end of the file/);
});

test('a 64 GiB sparse QEMU dump opens in moments and scans its 16 M frames in bounded memory', async () => {
  const frames = 16 * 1024 * 1024;
  const { path, built } = write({ kind: 'qemu-elf', sparse: true, segments: [{ gfn: 0, frames }] }, 'sparse-64g.elf');
  // Give a few frames real bytes, written where the builder put them.
  const memoryAt = built.size - frames * PAGE;
  const marked = [0, 0x123456, frames - 1];
  const fd = openSync(path, 'r+');
  for (const gfn of marked) writeSync(fd, Buffer.from(`frame ${gfn}`), 0, undefined, memoryAt + gfn * PAGE);
  closeSync(fd);

  const rssBefore = process.memoryUsage().rss;
  const opened = performance.now();
  const source = await openDumpSource(path);
  try {
    const openMs = performance.now() - opened;
    assert.ok(openMs < 3000, `opened in ${openMs.toFixed(0)} ms`);
    assert.equal(await source.frameCount(DUMP_DOMAIN_ID), frames);
    let mapped = 0;
    const scanned = performance.now();
    for (let first = 0; first < frames; first += 1024) {
      const r = await source.mapFrames(DUMP_DOMAIN_ID, first, 1024, { mode: 'observe' });
      for (let i = 0; i < r.codes.length; i++) mapped += r.codes[i] === CODE_MAPPED ? 1 : 0;
    }
    const scanMs = performance.now() - scanned;
    assert.equal(mapped, frames);
    for (const gfn of marked) {
      const r = await source.mapFrames(DUMP_DOMAIN_ID, gfn, 1, { mode: 'observe', copy: true });
      assert.equal(Buffer.from(r.contents!).toString('latin1', 0, `frame ${gfn}`.length), `frame ${gfn}`);
    }
    const growthMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(growthMiB < 64, `RSS grew ${growthMiB.toFixed(1)} MiB`);
    console.log(`# 64 GiB sparse dump: open ${openMs.toFixed(1)} ms, scan of ${frames} frames ${scanMs.toFixed(0)} ms, RSS +${growthMiB.toFixed(1)} MiB`);
  } finally {
    await source.close();
    rmSync(path);
  }
});

test('a 1 GiB sparse xl dump-core streams its pfn table into a few runs', async () => {
  const half = 131072;
  const gfns = [...range(0, half), ...range(0x100000, half)];
  const { path, built } = write({ kind: 'xen-hvm', sparsePages: true, pages: pages(gfns) }, 'sparse-1g.core');
  const opened = performance.now();
  const source = await openDumpSource(path);
  try {
    const openMs = performance.now() - opened;
    assert.ok(openMs < 3000, `opened in ${openMs.toFixed(0)} ms`);
    assert.equal(source.frames, 0x100000 + half);
    assert.equal(source.presentFrames, 2 * half);
    const r = await source.mapFrames(DUMP_DOMAIN_ID, half - 2, 4, { mode: 'observe', copy: true });
    assert.deepEqual([...r.codes], [CODE_MAPPED, CODE_MAPPED, CODE_NOT_IN_DUMP, CODE_NOT_IN_DUMP]);
    assert.equal(built.present, 2 * half);
    console.log(`# 1 GiB sparse xl dump-core (${2 * half} pfns): open ${openMs.toFixed(1)} ms`);
  } finally {
    await source.close();
    rmSync(path);
  }
});
