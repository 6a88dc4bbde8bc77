/**
 * ELF core files of guest-physical memory: QEMU's `dump-guest-memory` (HMP and QMP) and
 * libvirt's `virsh dump --memory-only --format elf`. Layout from QEMU's dump/dump.c (dump_begin,
 * write_elf64_load, get_offset_range): ELF header, a PT_NOTE, one PT_LOAD per memory mapping,
 * the notes, then the memory. Each PT_LOAD maps guest-physical [p_paddr, p_paddr + p_memsz) to
 * file bytes [p_offset, p_offset + p_filesz); the part of p_memsz past p_filesz is not in the
 * file (the gABI's zero fill; QEMU writes it when `begin`/`length` filter a block), nor are the
 * gaps between segments.
 *
 * With `-p` (paging) QEMU writes one PT_LOAD per virtual mapping, so several may map the same
 * physical frames, and a mapping outside guest RAM gets p_offset -1 with p_filesz 0. Linux's
 * /proc/vmcore, also readable here, maps the kernel text twice. Where segments overlap the one
 * earlier in the program header table wins, as in readers that search the table in order
 * (crash, libkdumpfile).
 */
import { hex } from '../numbers';
import type { DumpFile } from './dump-file';
import { type ElfHeader, forEachSegment, layoutOf, PT_LOAD } from './elf';
import { describeFrames, type DumpLayout, MAX_DUMP_FRAMES, PAGE_SIZE, physAddressBits, RunsBuilder } from './layout';

/** The file part of one PT_LOAD, in frames. */
interface Segments {
  count: number;
  start: Float64Array;
  end: Float64Array;
  offset: Float64Array;
  /** Bytes of the last frame in the file: PAGE_SIZE, or less when p_filesz ends mid-page. */
  lastBytes: Float64Array;
}

export async function readQemuElf(file: DumpFile, elf: ElfHeader): Promise<DumpLayout> {
  const segments: Segments = {
    count: 0,
    start: new Float64Array(elf.phnum),
    end: new Float64Array(elf.phnum),
    offset: new Float64Array(elf.phnum),
    lastBytes: new Float64Array(elf.phnum),
  };
  const { ehdrSize, phentsize } = layoutOf(elf);
  const headers = [{ what: 'the ELF header', offset: 0, size: ehdrSize }, { what: 'the program header table', offset: elf.phoff, size: elf.phnum * phentsize }];
  let loads = 0;
  let frames = 0;
  // QEMU's e_machine is the guest's (dump_init: d_machine from the target)
  const addressBits = physAddressBits(elf.machine);
  const addressLimit = 2 ** addressBits;
  await forEachSegment(file, elf, (s) => {
    if (s.type !== PT_LOAD) return;
    loads++;
    const what = `PT_LOAD program header ${s.index}`;
    if (s.filesz > s.memsz) file.fail(`${what} has p_filesz ${big(s.filesz)} > p_memsz ${big(s.memsz)}`);
    if (s.memsz === 0) return;
    if (!(s.paddr <= addressLimit && s.memsz <= addressLimit - s.paddr)) {
      file.fail(`${what} maps guest-physical ${big(s.paddr)} + ${big(s.memsz)}, past 2^${addressBits} (the physical address width of e_machine ${elf.machine})`);
    }
    if (s.paddr % PAGE_SIZE !== 0) file.fail(`${what} starts at guest-physical ${hex(s.paddr)}, not on a page boundary`);
    const start = s.paddr / PAGE_SIZE;
    const end = start + Math.ceil(s.memsz / PAGE_SIZE);
    // p_memsz past p_filesz is not in the file: only this bounds what it makes a scan allocate
    if (end > MAX_DUMP_FRAMES) {
      file.fail(`${what} maps guest-physical ${hex(s.paddr)} + ${hex(s.memsz)} (${hex(s.filesz)} bytes in the file), past the ${describeFrames(MAX_DUMP_FRAMES)} framescope reads from a dump`);
    }
    frames = Math.max(frames, end);
    if (s.filesz === 0) return;
    file.checkRange(what, s.offset, s.filesz);
    // Memory read from the headers would be the file's own metadata shown as guest bytes.
    for (const h of headers) {
      if (s.offset < h.offset + h.size && h.offset < s.offset + s.filesz) file.fail(`${what} (file ${hex(s.offset)} + ${hex(s.filesz)}) overlaps ${h.what}`);
    }
    const n = segments.count++;
    const fileFrames = Math.ceil(s.filesz / PAGE_SIZE);
    segments.start[n] = start;
    segments.end[n] = start + fileFrames;
    segments.offset[n] = s.offset;
    segments.lastBytes[n] = s.filesz - (fileFrames - 1) * PAGE_SIZE;
  });
  if (loads === 0) file.fail('ELF core has no PT_LOAD segments and no .note.Xen section: not a memory dump');
  if (frames === 0) file.fail(`ELF core's ${loads} PT_LOAD segments map no memory (p_memsz 0)`);
  const runs = firstSegmentWins(file, segments);
  return { kind: 'qemu-elf', frames, runs };
}

/**
 * Sweeps the segments' frame ranges in gfn order; between two consecutive boundaries the set of
 * segments covering the frames is fixed, and the one with the lowest index supplies them. A
 * min-heap of covering segments by index, with ended ones dropped lazily, keeps this O(n log n).
 */
function firstSegmentWins(file: DumpFile, seg: Segments) {
  const n = seg.count;
  const boundaries = new Float64Array(2 * n);
  boundaries.set(seg.start.subarray(0, n), 0);
  boundaries.set(seg.end.subarray(0, n), n);
  boundaries.sort();
  const byStart = new Uint32Array(n);
  for (let i = 0; i < n; i++) byStart[i] = i;
  byStart.sort((a, b) => seg.start[a] - seg.start[b]);

  const heap = new MinHeap(n);
  const runs = new RunsBuilder((detail) => file.fail(detail));
  let next = 0;
  for (let k = 0; k + 1 < boundaries.length; k++) {
    const from = boundaries[k];
    const to = boundaries[k + 1];
    if (from === to) continue;
    while (next < n && seg.start[byStart[next]] === from) heap.push(byStart[next++]);
    while (heap.size > 0 && seg.end[heap.top] <= from) heap.pop();
    if (heap.size === 0) continue;
    const w = heap.top;
    const offset = seg.offset[w] + (from - seg.start[w]) * PAGE_SIZE;
    const bytes = to === seg.end[w] ? (to - from - 1) * PAGE_SIZE + seg.lastBytes[w] : (to - from) * PAGE_SIZE;
    runs.add(from, to - from, offset, bytes);
  }
  return runs.finish((gfn) => file.fail(`frame ${hex(gfn)} placed twice`)); // the sweep never does this
}

/** Segment indices, smallest on top. */
class MinHeap {
  private readonly items: Uint32Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Uint32Array(capacity);
  }

  get top(): number {
    return this.items[0];
  }

  push(v: number): void {
    const a = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent] <= v) break;
      a[i] = a[parent];
      i = parent;
    }
    a[i] = v;
  }

  pop(): void {
    const a = this.items;
    const v = a[--this.size];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && a[child + 1] < a[child]) child++;
      if (a[child] >= v) break;
      a[i] = a[child];
      i = child;
    }
    a[i] = v;
  }
}

function big(n: number): string {
  return Number.isFinite(n) ? hex(n) : '>= 2^53';
}
