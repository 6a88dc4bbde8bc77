/**
 * `xl dump-core` files. Layout from Xen's tools/libs/guest/xg_core.c and xg_core.h (before Xen
 * 4.15: tools/libxc/xc_core.c, xc_core.h) and docs/misc/dump-core-format.txt: an ELF64 ET_CORE
 * file with no program headers and named sections —
 *   .note.Xen        notes named "Xen": DUMPCORE_NONE, DUMPCORE_HEADER (struct
 *                    xen_dumpcore_elfnote_header_desc: magic, nr_vcpus, nr_pages, page_size),
 *                    DUMPCORE_XEN_VERSION, DUMPCORE_FORMAT_VERSION (major << 32 | minor, now 0.1)
 *   .xen_prstatus    vcpu_guest_context_t[nr_vcpus]
 *   .xen_shared_info the shared info page (optional)
 *   .xen_pages       nr_pages pages, in the order of the table below
 *   .xen_pfn         uint64_t pfn[nr_pages] (HVM and other auto-translated guests), or
 *   .xen_p2m         struct xen_dumpcore_p2m { uint64_t pfn, gmfn; }[nr_pages] (PV guests)
 * The spec says readers must go by section names, not order, and must not rely on the table's
 * order. Entries whose pfn is XC_CORE_INVALID_PFN (~0) pad a dump whose guest shrank while it was
 * taken (`xl dump-core` of a live domain): their pages are zeroes and hold no frame.
 */
import { hex } from '../numbers';
import type { DumpFile } from './dump-file';
import { type ElfHeader, type ElfSection, layoutOf, parseNotes, SHT_NOBITS, SHT_NOTE, u64 } from './elf';
import { describeFrames, type DumpLayout, MAX_DUMP_FRAMES, PAGE_SIZE, RunsBuilder } from './layout';

export const SEC_NOTE = '.note.Xen';
export const SEC_PAGES = '.xen_pages';
export const SEC_PFN = '.xen_pfn';
export const SEC_P2M = '.xen_p2m';

/** xen/include/public/elfnote.h */
export const XEN_ELFNOTE_DUMPCORE_HEADER = 0x2000001;
export const XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION = 0x2000003;
export const XEN_NOTE_NAME = 'Xen';
/** xenctrl.h: xch_magic of a PV and of an HVM guest's dump. */
export const XC_CORE_MAGIC = 0xf00febed;
export const XC_CORE_MAGIC_HVM = 0xf00febee;
const HEADER_DESC_BYTES = 32;
const SUPPORTED_FORMAT_MAJOR = 0;

/** Xen writes four notes, about 1.4 KiB. */
const MAX_NOTE_SECTION_BYTES = 1 << 20;
/** The pfn table is streamed this many entries at a time. */
const TABLE_CHUNK_ENTRIES = 1 << 16;

export function isXenCore(sections: ElfSection[]): boolean {
  return sections.some((s) => s.name === SEC_NOTE);
}

/** HVM (and Arm) guests are auto-translated and get .xen_pfn; x86 PV guests get .xen_p2m. */
export function xenCoreKind(file: DumpFile, sections: ElfSection[]): 'xen-hvm' | 'xen-pv' {
  const pfn = sections.some((s) => s.name === SEC_PFN);
  const p2m = sections.some((s) => s.name === SEC_P2M);
  if (pfn && p2m) file.fail(`xen dump-core has both ${SEC_PFN} and ${SEC_P2M}`);
  if (!pfn && !p2m) file.fail(`xen dump-core has neither ${SEC_PFN} nor ${SEC_P2M}: cannot place its pages`);
  return pfn ? 'xen-hvm' : 'xen-pv';
}

interface CoreHeader {
  magic: number;
  nrPages: number;
  pageSize: number;
}

export async function readXenCore(file: DumpFile, elf: ElfHeader, sections: ElfSection[]): Promise<DumpLayout> {
  // dump-core-format.txt: "ELFCLASS64 is always used independent of architecture".
  if (elf.elfClass !== 64) file.fail('xen dump-core must be ELFCLASS64');
  const kind = xenCoreKind(file, sections);
  const tableName = kind === 'xen-hvm' ? SEC_PFN : SEC_P2M;
  const entrySize = kind === 'xen-hvm' ? 8 : 16;
  checkNoOverlap(file, elf, sections);

  const header = await readCoreHeader(file, section(file, sections, SEC_NOTE));
  if (header.pageSize !== PAGE_SIZE) file.fail(`page size ${count(header.pageSize)} is not supported (only ${PAGE_SIZE}-byte pages)`);

  const pages = section(file, sections, SEC_PAGES);
  const table = section(file, sections, tableName);
  if (pages.type === SHT_NOBITS || table.type === SHT_NOBITS) file.fail(`${SEC_PAGES} and ${tableName} must hold file data (not SHT_NOBITS)`);
  if (table.size % entrySize !== 0) file.fail(`${tableName} is ${table.size} bytes, not a multiple of its ${entrySize}-byte entries`);
  if (pages.size % PAGE_SIZE !== 0) file.fail(`${SEC_PAGES} is ${pages.size} bytes, not a whole number of pages`);
  const entries = table.size / entrySize;
  const pageCount = pages.size / PAGE_SIZE;
  if (pageCount !== entries) file.fail(`${SEC_PAGES} holds ${pageCount} pages but ${tableName} lists ${entries}`);
  if (header.nrPages !== entries) file.fail(`${tableName} lists ${entries} pages but the dump-core header note says ${count(header.nrPages)}`);

  const runs = new RunsBuilder((detail) => file.fail(detail));
  for (let first = 0; first < entries; first += TABLE_CHUNK_ENTRIES) {
    const n = Math.min(TABLE_CHUNK_ENTRIES, entries - first);
    const chunk = await file.read(tableName, table.offset + first * entrySize, n * entrySize);
    for (let j = 0; j < n; j++) {
      // The pfn is the first field of both entry kinds; a p2m entry's gmfn (a machine frame)
      // means nothing away from the host that wrote it.
      const lo = chunk.readUInt32LE(j * entrySize);
      const hi = chunk.readUInt32LE(j * entrySize + 4);
      if (lo === 0xffffffff && hi === 0xffffffff) continue; // XC_CORE_INVALID_PFN
      const i = first + j;
      // one page in the file may name any pfn: the extent a scan allocates for is bounded here
      const pfn = hi * 0x100000000 + lo;
      if (pfn >= MAX_DUMP_FRAMES) {
        file.fail(`${tableName} entry ${i}: pfn 0x${hi ? hi.toString(16) + lo.toString(16).padStart(8, '0') : lo.toString(16)} is beyond the ${describeFrames(MAX_DUMP_FRAMES)} framescope reads from a dump`);
      }
      runs.add(pfn, 1, pages.offset + i * PAGE_SIZE, PAGE_SIZE);
    }
  }
  // Xen never lists a pfn twice; a file that does is damaged, and no choice of copy is right.
  const placed = runs.finish((gfn) => file.fail(`pfn ${hex(gfn)} is listed more than once in ${tableName}`));
  if (placed.count === 0) file.fail(`${tableName} lists no valid pfn`);
  return { kind, frames: placed.end, runs: placed };
}

function section(file: DumpFile, sections: ElfSection[], name: string): ElfSection {
  const found = sections.filter((s) => s.name === name);
  if (found.length === 0) file.fail(`xen dump-core has no ${name} section`);
  if (found.length > 1) file.fail(`xen dump-core has ${found.length} ${name} sections`);
  return found[0];
}

async function readCoreHeader(file: DumpFile, notes: ElfSection): Promise<CoreHeader> {
  if (notes.type !== SHT_NOTE) file.fail(`${SEC_NOTE} is not SHT_NOTE (type ${notes.type})`);
  if (notes.size > MAX_NOTE_SECTION_BYTES) file.fail(`${SEC_NOTE} is ${notes.size} bytes (at most ${MAX_NOTE_SECTION_BYTES} are read)`);
  const xenNotes = parseNotes(file, SEC_NOTE, await file.read(SEC_NOTE, notes.offset, notes.size)).filter((n) => n.name === XEN_NOTE_NAME);

  const version = xenNotes.find((n) => n.type === XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION);
  if (version && version.desc.length >= 8) {
    const major = version.desc.readUInt32LE(4);
    const minor = version.desc.readUInt32LE(0);
    if (major !== SUPPORTED_FORMAT_MAJOR) file.fail(`dump-core format version ${major}.${minor} is not supported (only ${SUPPORTED_FORMAT_MAJOR}.x)`);
  }

  const headers = xenNotes.filter((n) => n.type === XEN_ELFNOTE_DUMPCORE_HEADER);
  if (headers.length === 0) file.fail(`${SEC_NOTE} has no dump-core header note`);
  if (headers.length > 1) file.fail(`${SEC_NOTE} has ${headers.length} dump-core header notes`);
  const desc = headers[0].desc;
  if (desc.length < HEADER_DESC_BYTES) file.fail(`dump-core header note is ${desc.length} bytes, want ${HEADER_DESC_BYTES}`);
  const magic = u64(desc, 0);
  if (magic !== XC_CORE_MAGIC && magic !== XC_CORE_MAGIC_HVM) file.fail(`dump-core header magic is ${count(magic, true)}, want ${hex(XC_CORE_MAGIC)} or ${hex(XC_CORE_MAGIC_HVM)}`);
  return { magic, nrPages: u64(desc, 16), pageSize: u64(desc, 24) };
}

/**
 * The headers and every section holding file bytes must not overlap: overlapping ranges mean
 * the table and the pages (or the headers) would be read from the same bytes.
 */
function checkNoOverlap(file: DumpFile, elf: ElfHeader, sections: ElfSection[]): void {
  const { ehdrSize, shentsize } = layoutOf(elf);
  const ranges = [
    { what: 'the ELF header', offset: 0, size: ehdrSize },
    { what: 'the section header table', offset: elf.shoff, size: elf.shnum * shentsize },
    ...sections
      .filter((s) => s.index > 0 && s.type !== SHT_NOBITS && s.size > 0)
      .map((s) => ({ what: `section ${s.name || s.index}`, offset: s.offset, size: s.size })),
  ].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < ranges.length; i++) {
    const a = ranges[i - 1];
    const b = ranges[i];
    if (b.offset < a.offset + a.size) file.fail(`${a.what} and ${b.what} overlap in the file`);
  }
}

function count(n: number, asHex = false): string {
  if (!Number.isFinite(n)) return '>= 2^53';
  return asHex ? hex(n) : String(n);
}
