/**
 * A careful reader of little-endian ELF core files, ELFCLASS64 and ELFCLASS32 (QEMU writes
 * ELFCLASS32 for a 32-bit guest whose memory ends below 4 GiB). It reads the headers, the
 * program and section header tables and note sections, bounding every count and offset by the
 * file size and by the limits below before using it. Layouts: the gABI ("Tool Interface
 * Standard ELF Specification 1.2") and glibc's <elf.h> (Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr,
 * Elf64_Nhdr and their 32-bit twins).
 */
import { hex } from '../numbers';
import type { DumpFile } from './dump-file';

export const ET_CORE = 4;
export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_STRTAB = 3;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
/** e_phnum of a file with more program headers than 16 bits hold: the count is in section 0's sh_info. */
const PN_XNUM = 0xffff;
/** e_shstrndx too big for 16 bits: the index is in section 0's sh_link. */
const SHN_XINDEX = 0xffff;

export const MAX_PROGRAM_HEADERS = 1 << 20;
export const MAX_SECTIONS = 4096;
export const MAX_SECTION_NAMES_BYTES = 1 << 20;
export const MAX_NOTES = 4096;
/** Program headers are read this many bytes at a time. */
const TABLE_CHUNK_BYTES = 1 << 20;

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export interface ClassLayout {
  /** sizeof(Elf64_Ehdr), sizeof(Elf64_Phdr), sizeof(Elf64_Shdr) or the Elf32 ones. */
  ehdrSize: number;
  phentsize: number;
  shentsize: number;
}
const ELF64: ClassLayout = { ehdrSize: 64, phentsize: 56, shentsize: 64 };
const ELF32: ClassLayout = { ehdrSize: 52, phentsize: 32, shentsize: 40 };

export interface ElfHeader {
  elfClass: 32 | 64;
  type: number;
  machine: number;
  phoff: number;
  /** The real count, PN_XNUM resolved. */
  phnum: number;
  shoff: number;
  /** The real count, e_shnum = 0 with sections resolved. */
  shnum: number;
  shstrndx: number;
}

export interface ElfSegment {
  index: number;
  type: number;
  offset: number;
  paddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Buffer;
}

export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC);
}

/**
 * A 64-bit field as a Number: exact below 2^53, Infinity above. No file offset, size or physical
 * address framescope accepts comes near 2^53, so Infinity fails every bound check (they compare,
 * never add: see DumpFile.checkRange) without BigInt arithmetic on hot paths.
 */
export function u64(buf: Buffer, pos: number): number {
  const lo = buf.readUInt32LE(pos);
  const hi = buf.readUInt32LE(pos + 4);
  return hi >= 0x200000 ? Infinity : hi * 0x100000000 + lo;
}

export function layoutOf(header: ElfHeader): ClassLayout {
  return header.elfClass === 64 ? ELF64 : ELF32;
}

export async function readElfHeader(file: DumpFile): Promise<ElfHeader> {
  const ident = await file.read('ELF identification', 0, Math.min(16, file.size));
  if (!isElf(ident)) file.fail('not an ELF file');
  if (ident.length < 16) file.fail(`truncated ELF header (${file.size} bytes)`);
  const elfClass = ident[4] === 2 ? 64 : ident[4] === 1 ? 32 : file.fail(`unknown ELF class ${ident[4]}`);
  if (ident[5] === 2) file.fail('big-endian ELF: only little-endian dumps are supported');
  if (ident[5] !== 1) file.fail(`unknown ELF data encoding ${ident[5]}`);
  if (ident[6] !== 1) file.fail(`unknown ELF version ${ident[6]}`);
  const layout = elfClass === 64 ? ELF64 : ELF32;
  if (file.size < layout.ehdrSize) file.fail(`truncated ELF header (${file.size} of ${layout.ehdrSize} bytes)`);
  const h = await file.read('ELF header', 0, layout.ehdrSize);
  // e_ehsize is not checked: QEMU 7.2 writes 8 there.
  const field = elfClass === 64
    ? { phoff: u64(h, 32), shoff: u64(h, 40), phentsize: h.readUInt16LE(54), phnum: h.readUInt16LE(56), shentsize: h.readUInt16LE(58), shnum: h.readUInt16LE(60), shstrndx: h.readUInt16LE(62) }
    : { phoff: h.readUInt32LE(28), shoff: h.readUInt32LE(32), phentsize: h.readUInt16LE(42), phnum: h.readUInt16LE(44), shentsize: h.readUInt16LE(46), shnum: h.readUInt16LE(48), shstrndx: h.readUInt16LE(50) };
  const header: ElfHeader = {
    elfClass,
    type: h.readUInt16LE(16),
    machine: h.readUInt16LE(18),
    phoff: field.phoff,
    phnum: field.phnum,
    shoff: field.shoff,
    shnum: field.shnum,
    shstrndx: field.shstrndx,
  };
  if (header.type !== ET_CORE) file.fail(`ELF file is not a core dump (e_type ${header.type}, want ET_CORE = ${ET_CORE})`);
  // gABI: a file without a table has e_phoff / e_shoff 0; a table at offset 0 would be the header itself.
  if (header.phoff === 0 && header.phnum !== 0) file.fail(`e_phnum is ${header.phnum} but e_phoff is 0`);
  if (header.shoff === 0 && header.shnum !== 0) file.fail(`e_shnum is ${header.shnum} but e_shoff is 0`);
  if (header.phnum === PN_XNUM && header.shoff === 0) file.fail('e_phnum is PN_XNUM but there is no section header 0 to hold the count');
  if (header.shoff !== 0) {
    if (field.shentsize !== layout.shentsize) file.fail(`e_shentsize is ${field.shentsize}, want ${layout.shentsize}`);
    await resolveExtendedCounts(file, header, layout);
  }
  if (header.phnum > 0 && field.phentsize !== layout.phentsize) file.fail(`e_phentsize is ${field.phentsize}, want ${layout.phentsize}`);
  if (header.phnum > MAX_PROGRAM_HEADERS) file.fail(`${header.phnum} program headers (at most ${MAX_PROGRAM_HEADERS} are read)`);
  if (header.shnum > MAX_SECTIONS) file.fail(`${header.shnum} section headers (at most ${MAX_SECTIONS} are read)`);
  if (header.phnum > 0) tableInFile(file, 'program header table', header.phoff, header.phnum, layout.phentsize);
  if (header.shnum > 0) tableInFile(file, 'section header table', header.shoff, header.shnum, layout.shentsize);
  if (header.shnum > 0 && header.shstrndx >= header.shnum) file.fail(`e_shstrndx ${header.shstrndx} is not a section (${header.shnum} sections)`);
  return header;
}

/** gABI "Sections": counts that overflow the ELF header's 16-bit fields live in section 0. */
async function resolveExtendedCounts(file: DumpFile, header: ElfHeader, layout: ClassLayout): Promise<void> {
  const wantsSection0 = header.shnum === 0 || header.shstrndx === SHN_XINDEX || header.phnum === PN_XNUM;
  if (!wantsSection0) return;
  tableInFile(file, 'section header 0', header.shoff, 1, layout.shentsize);
  const s0 = await file.read('section header 0', header.shoff, layout.shentsize);
  const s0size = header.elfClass === 64 ? u64(s0, 32) : s0.readUInt32LE(20);
  const s0link = s0.readUInt32LE(header.elfClass === 64 ? 40 : 24);
  const s0info = s0.readUInt32LE(header.elfClass === 64 ? 44 : 28);
  if (header.shnum === 0) {
    if (s0size > MAX_SECTIONS) file.fail(`section 0 gives ${count(s0size)} section headers (at most ${MAX_SECTIONS} are read)`);
    header.shnum = s0size;
  }
  if (header.shstrndx === SHN_XINDEX) header.shstrndx = s0link;
  if (header.phnum === PN_XNUM) header.phnum = s0info;
}

function count(n: number): string {
  return Number.isFinite(n) ? String(n) : '>= 2^53';
}

function tableInFile(file: DumpFile, what: string, offset: number, entries: number, entrySize: number): void {
  if (!(offset <= file.size && entries * entrySize <= file.size - offset)) {
    file.fail(`${what} past the end of the file (${entries} entries at ${Number.isFinite(offset) ? hex(offset) : '>= 2^53'}, file ${hex(file.size)} bytes)`);
  }
}

/** Calls `visit` for every program header, reading the table a chunk at a time. */
export async function forEachSegment(file: DumpFile, header: ElfHeader, visit: (segment: ElfSegment) => void): Promise<void> {
  const { phentsize } = layoutOf(header);
  const perChunk = Math.floor(TABLE_CHUNK_BYTES / phentsize);
  for (let first = 0; first < header.phnum; first += perChunk) {
    const n = Math.min(perChunk, header.phnum - first);
    const table = await file.read('program header table', header.phoff + first * phentsize, n * phentsize);
    for (let i = 0; i < n; i++) visit(parseSegment(table, i * phentsize, first + i, header.elfClass));
  }
}

function parseSegment(b: Buffer, p: number, index: number, elfClass: 32 | 64): ElfSegment {
  if (elfClass === 64) {
    return { index, type: b.readUInt32LE(p), offset: u64(b, p + 8), paddr: u64(b, p + 24), filesz: u64(b, p + 32), memsz: u64(b, p + 40) };
  }
  return { index, type: b.readUInt32LE(p), offset: b.readUInt32LE(p + 4), paddr: b.readUInt32LE(p + 12), filesz: b.readUInt32LE(p + 16), memsz: b.readUInt32LE(p + 20) };
}

/** Every section header with its name; sections holding file bytes are checked to lie inside the file. */
export async function readSections(file: DumpFile, header: ElfHeader): Promise<ElfSection[]> {
  if (header.shnum === 0) return [];
  const { shentsize } = layoutOf(header);
  const table = await file.read('section header table', header.shoff, header.shnum * shentsize);
  const raw: Array<Omit<ElfSection, 'name'> & { nameOffset: number }> = [];
  for (let i = 0; i < header.shnum; i++) {
    const p = i * shentsize;
    const s = header.elfClass === 64
      ? { nameOffset: table.readUInt32LE(p), type: table.readUInt32LE(p + 4), offset: u64(table, p + 24), size: u64(table, p + 32), link: table.readUInt32LE(p + 40), info: table.readUInt32LE(p + 44) }
      : { nameOffset: table.readUInt32LE(p), type: table.readUInt32LE(p + 4), offset: table.readUInt32LE(p + 16), size: table.readUInt32LE(p + 20), link: table.readUInt32LE(p + 24), info: table.readUInt32LE(p + 28) };
    raw.push({ index: i, ...s });
  }
  const names = await readSectionNames(file, header, raw[header.shstrndx]);
  return raw.map(({ nameOffset, ...s }) => {
    const section = { ...s, name: s.index === 0 ? '' : sectionName(file, names, nameOffset, s.index) };
    // Section 0 is reserved; its size and link fields may hold the extended counts.
    if (s.index > 0 && s.type !== SHT_NOBITS && s.size > 0) file.checkRange(`section ${section.name || s.index}`, s.offset, s.size);
    return section;
  });
}

async function readSectionNames(file: DumpFile, header: ElfHeader, strtab: { index: number; type: number; offset: number; size: number }): Promise<Buffer> {
  if (header.shstrndx === 0) return Buffer.alloc(0);
  if (strtab.type !== SHT_STRTAB) file.fail(`section name table (section ${strtab.index}) is not SHT_STRTAB (type ${strtab.type})`);
  if (strtab.size > MAX_SECTION_NAMES_BYTES) file.fail(`section name table is ${strtab.size} bytes (at most ${MAX_SECTION_NAMES_BYTES} are read)`);
  return file.read('section name table', strtab.offset, strtab.size);
}

function sectionName(file: DumpFile, names: Buffer, offset: number, index: number): string {
  if (names.length === 0) return '';
  if (offset >= names.length) file.fail(`section ${index} name offset ${offset} is outside the section name table (${names.length} bytes)`);
  const end = names.indexOf(0, offset);
  if (end < 0) file.fail(`section ${index} name runs off the end of the section name table`);
  return names.toString('latin1', offset, end);
}

/**
 * The notes of a note section or PT_NOTE segment: Elf64_Nhdr (three 4-byte words, the same in
 * both classes), then the name and the descriptor, each padded to 4 bytes.
 */
export function parseNotes(file: DumpFile, what: string, data: Buffer): ElfNote[] {
  const notes: ElfNote[] = [];
  let p = 0;
  while (p + 12 <= data.length) {
    if (notes.length === MAX_NOTES) file.fail(`${what} holds more than ${MAX_NOTES} notes`);
    const namesz = data.readUInt32LE(p);
    const descsz = data.readUInt32LE(p + 4);
    const type = data.readUInt32LE(p + 8);
    const nameAt = p + 12;
    if (namesz > data.length - nameAt) file.fail(`${what}: note ${notes.length} name (${namesz} bytes) runs past the end of the notes`);
    const descAt = nameAt + align4(namesz);
    if (descAt > data.length || descsz > data.length - descAt) file.fail(`${what}: note ${notes.length} descriptor (${descsz} bytes) runs past the end of the notes`);
    const nameBytes = data.subarray(nameAt, nameAt + namesz);
    const nul = nameBytes.indexOf(0);
    notes.push({ name: nameBytes.toString('latin1', 0, nul < 0 ? namesz : nul), type, desc: data.subarray(descAt, descAt + descsz) });
    p = Math.min(descAt + align4(descsz), data.length);
  }
  if (p !== data.length) file.fail(`${what} ends with ${data.length - p} bytes that are not a note`);
  return notes;
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
