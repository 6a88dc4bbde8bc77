/**
 * Writers of real dump files for the dump-source tests, byte for byte as the tools that make them
 * lay them out:
 *  - xen-hvm / xen-pv: Xen's tools/libs/guest/xg_core.c (xc_domain_dumpcore_via_callback):
 *    ELF header, section headers (null, .shstrtab, .note.Xen, .xen_prstatus, [.xen_shared_info],
 *    .xen_pages, .xen_pfn | .xen_p2m), the four "Xen" notes, vcpu contexts, shared info,
 *    padding to a page, pages, the pfn / p2m table, then the section name table;
 *  - qemu-elf: QEMU's dump/dump.c (dump_begin): ELF header, PT_NOTE, PT_LOADs, [section 0
 *    holding the PN_XNUM count], the notes, then memory; with `qemu72: true`, QEMU 7.2's order
 *    instead (section headers right after the ELF header, .shstrtab after the memory);
 *  - raw: the pages back to back.
 * Page contents are deterministic (pageContent) so tests can check placement byte for byte.
 * A built dump is a list of pieces over a zero background; writeDump writes them with positioned
 * writes and sets the size with ftruncate, so a `sparse` dump's memory costs no disk.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

export const PAGE = 4096;

// ELF constants (glibc <elf.h>) and Xen's (xg_core.h, xen/include/public/elfnote.h).
const ET_CORE = 4;
const EM_386 = 3;
const EM_X86_64 = 62;
const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;
const SHT_NOTE = 7;
const PN_XNUM = 0xffff;
const XEN_ELFNOTE_DUMPCORE_NONE = 0x2000000;
const XEN_ELFNOTE_DUMPCORE_HEADER = 0x2000001;
const XEN_ELFNOTE_DUMPCORE_XEN_VERSION = 0x2000002;
const XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION = 0x2000003;
export const XC_CORE_MAGIC = 0xf00febed;
export const XC_CORE_MAGIC_HVM = 0xf00febee;
/** xen_dumpcore_elfnote_xen_version_desc on x86-64: 2 * 8 + 16 + 144 + 1024 + 64 + 8 + 8. */
const XEN_VERSION_DESC_BYTES = 1280;
/** Stands in for sizeof(vcpu_guest_context_any_t) on x86-64; framescope never looks inside. */
const VCPU_CONTEXT_BYTES = 5168;
/** QEMU's notes for one x86-64 vCPU: NT_PRSTATUS "CORE" and its "QEMU" QEMUCPUState. */
const PRSTATUS_DESC_BYTES = 336;
const QEMU_CPU_STATE_BYTES = 440;

/** "gfn 0x1a2b seed 7\n", then bytes that depend on gfn, seed and position. */
export function pageContent(gfn: number, seed = 0): Uint8Array {
  const page = new Uint8Array(PAGE);
  for (let i = 0; i < PAGE; i++) page[i] = (gfn * 131 + i * 7 + seed * 13 + (i >> 8) * 29) & 0xff;
  const label = Buffer.from(`gfn 0x${gfn.toString(16)} seed ${seed}\n`, 'latin1');
  page.set(label, 0);
  return page;
}

/** A field a fuzzer may set to hostile values: absolute file offset and width. */
export interface FieldRef {
  name: string;
  offset: number;
  size: 2 | 4 | 8;
}

export interface BuiltDump {
  kind: DumpSpec['kind'];
  size: number;
  /** Everything outside the pieces is zero. */
  pieces: Array<{ offset: number; bytes: Uint8Array }>;
  fields: FieldRef[];
  /** Highest gfn + 1 and frames held, as the reader should report them. */
  frames: number;
  present: number;
  /** The bytes the reader should return for gfn, or null when the dump does not hold it. */
  expect(gfn: number): Uint8Array | null;
}

export interface PageSpec {
  /** null: an XC_CORE_INVALID_PFN entry (a padding page that holds no frame). */
  gfn: number | null;
  bytes?: Uint8Array;
  fill?: number;
}

export interface XenDumpSpec {
  kind: 'xen-hvm' | 'xen-pv';
  /** In .xen_pages order. */
  pages: PageSpec[];
  seed?: number;
  nrVcpus?: number;
  /** Default: PV guests have one, HVM guests not. */
  sharedInfo?: boolean;
  /** Header note overrides, for malformed files. */
  pageSize?: number;
  nrPages?: number;
  magic?: number;
  formatMajor?: number;
  /** Leave .xen_pages a hole: every page reads as zeroes. */
  sparsePages?: boolean;
}

export interface QemuSegmentSpec {
  gfn: number;
  /** p_memsz in frames. */
  frames: number;
  /** p_filesz in frames (default frames); the last one holds tailBytes bytes (default a page). */
  fileFrames?: number;
  tailBytes?: number;
  /** Page seed for this segment's copy of its frames (default the dump's). */
  seed?: number;
}

export interface QemuElfSpec {
  kind: 'qemu-elf';
  segments: QemuSegmentSpec[];
  elfClass?: 32 | 64;
  seed?: number;
  /** Put the program header count in section 0 (PN_XNUM), as QEMU does past 65534 segments. */
  xnum?: boolean;
  /** QEMU 7.2's layout: section headers after the ELF header and a .shstrtab after the memory. */
  qemu72?: boolean;
  /** Leave the memory a hole. */
  sparse?: boolean;
}

export interface RawSpec {
  kind: 'raw';
  frames: number;
  /** Bytes of the last frame (default a whole page). */
  tailBytes?: number;
  seed?: number;
}

export type DumpSpec = XenDumpSpec | QemuElfSpec | RawSpec;

export function buildDump(spec: DumpSpec): BuiltDump {
  switch (spec.kind) {
    case 'xen-hvm':
    case 'xen-pv':
      return buildXenCore(spec);
    case 'qemu-elf':
      return buildQemuElf(spec);
    case 'raw':
      return buildRaw(spec);
  }
}

/** The whole file in memory (for small dumps and the fuzzer). */
export function dumpBytes(built: BuiltDump): Buffer {
  const out = Buffer.alloc(built.size);
  for (const p of built.pieces) out.set(p.bytes, p.offset);
  return out;
}

export function writeDump(path: string, spec: DumpSpec): BuiltDump {
  const built = buildDump(spec);
  const fd = openSync(path, 'w');
  try {
    for (const p of built.pieces) {
      for (let done = 0; done < p.bytes.length;) done += writeSync(fd, p.bytes, done, p.bytes.length - done, p.offset + done);
    }
    ftruncateSync(fd, built.size);
  } finally {
    closeSync(fd);
  }
  return built;
}

/** A little-endian buffer whose named fields are recorded for the fuzzer. */
class Block {
  readonly bytes: Buffer;

  constructor(readonly offset: number, size: number, private readonly fields: FieldRef[]) {
    this.bytes = Buffer.alloc(size);
  }

  u16(at: number, value: number, name?: string): void {
    this.bytes.writeUInt16LE(value, at);
    this.note(name, at, 2);
  }

  u32(at: number, value: number, name?: string): void {
    this.bytes.writeUInt32LE(value >>> 0, at);
    this.note(name, at, 4);
  }

  u64(at: number, value: number | bigint, name?: string): void {
    this.bytes.writeBigUInt64LE(BigInt(value), at);
    this.note(name, at, 8);
  }

  /** A 64-bit field in ELFCLASS64, a 32-bit one in ELFCLASS32. */
  word(elfClass: 32 | 64, at: number, value: number, name?: string): void {
    if (elfClass === 64) this.u64(at, value, name);
    else this.u32(at, value, name);
  }

  private note(name: string | undefined, at: number, size: 2 | 4 | 8): void {
    if (name) this.fields.push({ name, offset: this.offset + at, size });
  }
}

function elfHeader(block: Block, h: { elfClass: 32 | 64; machine: number; abiVersion: number; phoff: number; phnum: number; shoff: number; shnum: number; shstrndx: number }): void {
  const b = block.bytes;
  b.set([0x7f, 0x45, 0x4c, 0x46, h.elfClass === 64 ? 2 : 1, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */, 0 /* ELFOSABI_SYSV */, h.abiVersion], 0);
  block.u16(16, ET_CORE, 'e_type');
  block.u16(18, h.machine);
  block.u32(20, 1);
  if (h.elfClass === 64) {
    block.u64(32, h.phoff, 'e_phoff');
    block.u64(40, h.shoff, 'e_shoff');
    block.u16(52, 64);
    block.u16(54, 56, 'e_phentsize');
    block.u16(56, h.phnum, 'e_phnum');
    block.u16(58, 64, 'e_shentsize');
    block.u16(60, h.shnum, 'e_shnum');
    block.u16(62, h.shstrndx, 'e_shstrndx');
  } else {
    block.u32(28, h.phoff, 'e_phoff');
    block.u32(32, h.shoff, 'e_shoff');
    block.u16(40, 52);
    block.u16(42, 32, 'e_phentsize');
    block.u16(44, h.phnum, 'e_phnum');
    block.u16(46, 40, 'e_shentsize');
    block.u16(48, h.shnum, 'e_shnum');
    block.u16(50, h.shstrndx, 'e_shstrndx');
  }
}

interface SectionHeader {
  name: number;
  type: number;
  offset: number;
  size: number;
  link?: number;
  info?: number;
  addralign?: number;
  entsize?: number;
}

/** Elf64_Shdr / Elf32_Shdr at `at` in the block. */
function sectionHeader(block: Block, elfClass: 32 | 64, at: number, s: SectionHeader, label: string): void {
  block.u32(at, s.name, `${label}.sh_name`);
  block.u32(at + 4, s.type, `${label}.sh_type`);
  if (elfClass === 64) {
    block.u64(at + 24, s.offset, `${label}.sh_offset`);
    block.u64(at + 32, s.size, `${label}.sh_size`);
    block.u32(at + 40, s.link ?? 0, `${label}.sh_link`);
    block.u32(at + 44, s.info ?? 0, `${label}.sh_info`);
    block.u64(at + 48, s.addralign ?? 0);
    block.u64(at + 56, s.entsize ?? 0);
  } else {
    block.u32(at + 16, s.offset, `${label}.sh_offset`);
    block.u32(at + 20, s.size, `${label}.sh_size`);
    block.u32(at + 24, s.link ?? 0, `${label}.sh_link`);
    block.u32(at + 28, s.info ?? 0, `${label}.sh_info`);
    block.u32(at + 32, s.addralign ?? 0);
    block.u32(at + 36, s.entsize ?? 0);
  }
}

/** Elf_Nhdr, name and descriptor, each padded to 4 bytes; returns the bytes written. */
function note(block: Block, at: number, name: string, type: number, desc: Uint8Array, label: string): number {
  const nameBytes = Buffer.from(`${name}\0`, 'latin1');
  block.u32(at, nameBytes.length, `${label}.namesz`);
  block.u32(at + 4, desc.length, `${label}.descsz`);
  block.u32(at + 8, type, `${label}.type`);
  block.bytes.set(nameBytes, at + 12);
  const descAt = at + 12 + align4(nameBytes.length);
  block.bytes.set(desc, descAt);
  return descAt + align4(desc.length) - at;
}

function noteSize(name: string, descBytes: number): number {
  return 12 + align4(name.length + 1) + align4(descBytes);
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

function strtab(names: string[]): { bytes: Buffer; index: Map<string, number> } {
  const index = new Map<string, number>();
  let text = '\0';
  for (const n of names) {
    index.set(n, text.length);
    text += `${n}\0`;
  }
  return { bytes: Buffer.from(text, 'latin1'), index };
}

function pageBytes(p: PageSpec, fallbackGfn: number, seed: number): Uint8Array {
  if (p.bytes) {
    const page = new Uint8Array(PAGE);
    page.set(p.bytes.subarray(0, PAGE));
    return page;
  }
  if (p.fill !== undefined) return new Uint8Array(PAGE).fill(p.fill);
  return p.gfn === null ? new Uint8Array(PAGE) : pageContent(fallbackGfn, seed);
}

function buildXenCore(spec: XenDumpSpec): BuiltDump {
  const fields: FieldRef[] = [];
  const seed = spec.seed ?? 0;
  const pv = spec.kind === 'xen-pv';
  const nr = spec.pages.length;
  const nrVcpus = spec.nrVcpus ?? 1;
  const sharedInfo = spec.sharedInfo ?? pv;
  const tableName = pv ? '.xen_p2m' : '.xen_pfn';
  const entrySize = pv ? 16 : 8;
  const names = strtab(['.shstrtab', '.note.Xen', '.xen_prstatus', ...(sharedInfo ? ['.xen_shared_info'] : []), '.xen_pages', tableName]);
  const shnum = 6 + (sharedInfo ? 1 : 0);

  // Offsets in the order xc_domain_dumpcore_via_callback computes them.
  const shoff = 64;
  const notesAt = shoff + shnum * 64;
  const notesSize = noteSize('Xen', 0) + noteSize('Xen', 32) + noteSize('Xen', XEN_VERSION_DESC_BYTES) + noteSize('Xen', 8);
  const prstatusAt = notesAt + notesSize;
  const sharedAt = prstatusAt + nrVcpus * VCPU_CONTEXT_BYTES;
  const pagesAt = Math.ceil((sharedAt + (sharedInfo ? PAGE : 0)) / PAGE) * PAGE;
  const tableAt = pagesAt + nr * PAGE;
  const strtabAt = tableAt + nr * entrySize;
  const size = strtabAt + names.bytes.length;

  const head = new Block(0, pagesAt, fields);
  elfHeader(head, { elfClass: 64, machine: EM_X86_64, abiVersion: 1, phoff: 0, phnum: 0, shoff, shnum, shstrndx: 1 });
  const sections: Array<[string, SectionHeader]> = [
    ['.shstrtab', { name: names.index.get('.shstrtab')!, type: SHT_STRTAB, offset: strtabAt, size: names.bytes.length }],
    ['.note.Xen', { name: names.index.get('.note.Xen')!, type: SHT_NOTE, offset: notesAt, size: notesSize }],
    ['.xen_prstatus', { name: names.index.get('.xen_prstatus')!, type: SHT_PROGBITS, offset: prstatusAt, size: nrVcpus * VCPU_CONTEXT_BYTES, addralign: 8, entsize: VCPU_CONTEXT_BYTES }],
    ...(sharedInfo ? [['.xen_shared_info', { name: names.index.get('.xen_shared_info')!, type: SHT_PROGBITS, offset: sharedAt, size: PAGE, addralign: 8, entsize: PAGE }] as [string, SectionHeader]] : []),
    ['.xen_pages', { name: names.index.get('.xen_pages')!, type: SHT_PROGBITS, offset: pagesAt, size: nr * PAGE, addralign: PAGE, entsize: PAGE }],
    [tableName, { name: names.index.get(tableName)!, type: SHT_PROGBITS, offset: tableAt, size: nr * entrySize, addralign: 8, entsize: entrySize }],
  ];
  sections.forEach(([label, s], i) => sectionHeader(head, 64, shoff + (i + 1) * 64, s, label));

  let at = notesAt;
  at += note(head, at, 'Xen', XEN_ELFNOTE_DUMPCORE_NONE, new Uint8Array(0), 'note.none');
  const header = new Block(0, 32, []);
  header.u64(0, spec.magic ?? (pv ? XC_CORE_MAGIC : XC_CORE_MAGIC_HVM));
  header.u64(8, nrVcpus);
  header.u64(16, spec.nrPages ?? nr);
  header.u64(24, spec.pageSize ?? PAGE);
  const headerDescAt = at + 16;
  at += note(head, at, 'Xen', XEN_ELFNOTE_DUMPCORE_HEADER, header.bytes, 'note.header');
  fields.push({ name: 'xch_magic', offset: headerDescAt, size: 8 }, { name: 'xch_nr_pages', offset: headerDescAt + 16, size: 8 }, { name: 'xch_page_size', offset: headerDescAt + 24, size: 8 });
  const version = new Block(0, XEN_VERSION_DESC_BYTES, []);
  version.u64(0, 4);
  version.u64(8, 19);
  version.bytes.write('.0', 16, 'latin1');
  version.u64(XEN_VERSION_DESC_BYTES - 8, PAGE);
  at += note(head, at, 'Xen', XEN_ELFNOTE_DUMPCORE_XEN_VERSION, version.bytes, 'note.xen_version');
  const format = new Block(0, 8, []);
  format.u64(0, (BigInt(spec.formatMajor ?? 0) << 32n) | 1n);
  const formatDescAt = at + 16;
  note(head, at, 'Xen', XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION, format.bytes, 'note.format_version');
  fields.push({ name: 'format_version', offset: formatDescAt, size: 8 });

  const table = new Block(tableAt, nr * entrySize, fields);
  const placed = new Map<number, Uint8Array>();
  const zeroPage = new Uint8Array(PAGE);
  const pieces: BuiltDump['pieces'] = [{ offset: 0, bytes: head.bytes }];
  spec.pages.forEach((p, i) => {
    const pfn = p.gfn === null ? 0xffffffffffffffffn : BigInt(p.gfn);
    const label = i < 4 || i === nr - 1 ? `${tableName}[${i}]` : undefined;
    table.u64(i * entrySize, pfn, label);
    if (pv) table.u64(i * entrySize + 8, p.gfn === null ? 0xffffffffffffffffn : BigInt(0x100000 + i));
    const bytes = spec.sparsePages ? zeroPage : pageBytes(p, p.gfn ?? i, seed);
    if (!spec.sparsePages) pieces.push({ offset: pagesAt + i * PAGE, bytes });
    if (p.gfn !== null && !placed.has(p.gfn)) placed.set(p.gfn, bytes);
  });
  pieces.push({ offset: tableAt, bytes: table.bytes }, { offset: strtabAt, bytes: names.bytes });
  let frames = 0;
  for (const gfn of placed.keys()) frames = Math.max(frames, gfn + 1);
  return { kind: spec.kind, size, pieces, fields, frames, present: placed.size, expect: (gfn) => placed.get(gfn) ?? null };
}

function buildQemuElf(spec: QemuElfSpec): BuiltDump {
  const fields: FieldRef[] = [];
  const elfClass = spec.elfClass ?? 64;
  const seed = spec.seed ?? 0;
  const ehdrSize = elfClass === 64 ? 64 : 52;
  const phentsize = elfClass === 64 ? 56 : 32;
  const shentsize = elfClass === 64 ? 64 : 40;
  const phnum = 1 + spec.segments.length;
  const names = strtab(['.shstrtab']);
  const shnum = spec.qemu72 ? 2 : spec.xnum ? 1 : 0;

  // dump_begin: ELF header, [7.2: section headers], PT_NOTE + PT_LOADs, [section 0], notes, memory.
  const shoff = !shnum ? 0 : spec.qemu72 ? ehdrSize : ehdrSize + phnum * phentsize;
  const phoff = spec.qemu72 ? ehdrSize + shnum * shentsize : ehdrSize;
  const notesAt = Math.max(phoff + phnum * phentsize, shoff + shnum * shentsize);
  const notesSize = noteSize('CORE', PRSTATUS_DESC_BYTES) + noteSize('QEMU', QEMU_CPU_STATE_BYTES);
  const memoryAt = notesAt + notesSize;
  const fileBytes = spec.segments.map((s) => {
    const fileFrames = s.fileFrames ?? s.frames;
    return fileFrames === 0 ? 0 : (fileFrames - 1) * PAGE + (s.tailBytes ?? PAGE);
  });
  const memoryBytes = fileBytes.reduce((a, b) => a + b, 0);
  const strtabAt = memoryAt + memoryBytes;
  const size = strtabAt + (spec.qemu72 ? names.bytes.length : 0);

  const head = new Block(0, memoryAt, fields);
  elfHeader(head, {
    elfClass, machine: elfClass === 64 ? EM_X86_64 : EM_386, abiVersion: 0,
    phoff, phnum: spec.xnum ? PN_XNUM : phnum, shoff, shnum: spec.qemu72 ? 2 : spec.xnum ? 1 : 0, shstrndx: spec.qemu72 ? 1 : 0,
  });
  if (shnum) {
    sectionHeader(head, elfClass, shoff, { name: 0, type: 0, offset: 0, size: 0, info: spec.xnum ? phnum : 0 }, 'section0');
    if (spec.qemu72) sectionHeader(head, elfClass, shoff + shentsize, { name: names.index.get('.shstrtab')!, type: SHT_STRTAB, offset: strtabAt, size: names.bytes.length }, '.shstrtab');
  }

  const programHeader = (i: number, h: { type: number; offset: number; paddr: number; filesz: number; memsz: number }) => {
    const at = phoff + i * phentsize;
    const label = `phdr${i}`;
    head.u32(at, h.type, `${label}.p_type`);
    if (elfClass === 64) {
      head.u64(at + 8, h.offset, `${label}.p_offset`);
      head.u64(at + 16, h.paddr);
      head.u64(at + 24, h.paddr, `${label}.p_paddr`);
      head.u64(at + 32, h.filesz, `${label}.p_filesz`);
      head.u64(at + 40, h.memsz, `${label}.p_memsz`);
    } else {
      head.u32(at + 4, h.offset, `${label}.p_offset`);
      head.u32(at + 8, h.paddr);
      head.u32(at + 12, h.paddr, `${label}.p_paddr`);
      head.u32(at + 16, h.filesz, `${label}.p_filesz`);
      head.u32(at + 20, h.memsz, `${label}.p_memsz`);
    }
  };
  programHeader(0, { type: PT_NOTE, offset: notesAt, paddr: 0, filesz: notesSize, memsz: notesSize });

  let at = notesAt;
  at += note(head, at, 'CORE', 1 /* NT_PRSTATUS */, new Uint8Array(PRSTATUS_DESC_BYTES), 'note.prstatus');
  note(head, at, 'QEMU', 0, new Uint8Array(QEMU_CPU_STATE_BYTES), 'note.qemu');

  const pieces: BuiltDump['pieces'] = [{ offset: 0, bytes: head.bytes }];
  const fileStart: number[] = [];
  let offset = memoryAt;
  spec.segments.forEach((s, i) => {
    programHeader(i + 1, { type: PT_LOAD, offset, paddr: s.gfn * PAGE, filesz: fileBytes[i], memsz: s.frames * PAGE });
    fileStart.push(offset);
    if (!spec.sparse) {
      const fileFrames = s.fileFrames ?? s.frames;
      for (let f = 0; f < fileFrames; f++) {
        const length = f === fileFrames - 1 ? (s.tailBytes ?? PAGE) : PAGE;
        pieces.push({ offset: offset + f * PAGE, bytes: pageContent(s.gfn + f, s.seed ?? seed).subarray(0, length) });
      }
    }
    offset += fileBytes[i];
  });
  if (spec.qemu72) pieces.push({ offset: strtabAt, bytes: names.bytes });
  const frames = spec.segments.reduce((max, s) => (s.frames > 0 ? Math.max(max, s.gfn + s.frames) : max), 0);
  return {
    kind: 'qemu-elf', size, pieces, fields, frames, present: unionFrames(spec.segments.map((s) => [s.gfn, s.gfn + (s.fileFrames ?? s.frames)])),
    // The first segment holding the frame in the file supplies it, as the reader promises.
    expect: (gfn) => {
      const i = spec.segments.findIndex((s) => gfn >= s.gfn && gfn < s.gfn + (s.fileFrames ?? s.frames));
      if (i < 0) return null;
      const s = spec.segments[i];
      const page = new Uint8Array(PAGE);
      if (spec.sparse) return page;
      const last = gfn === s.gfn + (s.fileFrames ?? s.frames) - 1;
      page.set(pageContent(gfn, s.seed ?? seed).subarray(0, last ? (s.tailBytes ?? PAGE) : PAGE));
      return page;
    },
  };
}

function unionFrames(ranges: number[][]): number {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

function buildRaw(spec: RawSpec): BuiltDump {
  const seed = spec.seed ?? 0;
  const tail = spec.tailBytes ?? PAGE;
  const size = spec.frames === 0 ? 0 : (spec.frames - 1) * PAGE + tail;
  const bytes = new Uint8Array(size);
  for (let gfn = 0; gfn < spec.frames; gfn++) bytes.set(pageContent(gfn, seed).subarray(0, Math.min(PAGE, size - gfn * PAGE)), gfn * PAGE);
  return {
    kind: 'raw', size, pieces: [{ offset: 0, bytes }], fields: [], frames: spec.frames, present: spec.frames,
    expect: (gfn) => {
      if (gfn >= spec.frames) return null;
      const page = new Uint8Array(PAGE);
      page.set(bytes.subarray(gfn * PAGE, Math.min(size, gfn * PAGE + PAGE)));
      return page;
    },
  };
}
