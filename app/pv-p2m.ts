/**
 * A PV guest's p2m: which machine frame holds each of its pfns. privcmd maps a PV guest's
 * memory by machine frame number, so framescope reads the p2m the guest publishes in its
 * shared info and translates every batch of pfns, as Xen's own dump code does
 * (tools/libs/guest/xg_core_x86.c). Two forms exist:
 *
 * - the virtually mapped list (current Linux): p2m_vaddr in the address space whose top page
 *   table p2m_cr3 names, read by walking L4 -> L3 -> L2 -> L1 to the p2m pages; preferred
 *   whenever p2m_cr3 is set, as Xen's tools do;
 * - the 3-level tree: pfn_to_mfn_frame_list_list names a page of frame-list mfns, each naming
 *   up to 512 p2m pages.
 *
 * The guest writes all of it, so nothing in it is trusted: every read is bounded by the p2m
 * size, a structure that refers back to itself is refused, and entries that cannot be machine
 * frames are "no machine frame". Each batch re-reads its p2m pages together with the shared
 * info (and, for the tree, the frame lists above them) and checks that the structure it walked
 * still stands, so a guest that changes its p2m (ballooning) is seen as it is now.
 */
import { codeName } from './frame-status';
import { hex } from './numbers';

const PAGE_SIZE = 4096;
const ENTRIES_PER_PAGE = 512;
/** A pfn whose p2m entry names no machine frame. */
export const NO_MFN = -1;
/** Machine addresses have 52 bits on x86: an entry at or above this (~0, identity or foreign bits) is no frame. */
export const MFN_LIMIT = 2 ** 40;
/**
 * The largest p2m framescope reads, 8 TiB of pfns (a p2m-page list of 32 MiB): also the most
 * XENMEM_maximum_gpfn can report through the ioctl's int, for a PV guest the max_pfn it wrote.
 */
export const PV_MAX_PFNS = 2 ** 31;
/** Machine frames asked for in one read while walking. */
const READ_CHUNK = 1024;
/** Attempts at a consistent read before giving up on a guest that keeps changing its p2m. */
const MAX_ATTEMPTS = 5;
const RETRY_DELAY_MS = 2;

// xen/include/public/arch-x86/xen.h: arch_shared_info of an x86_64 guest, by offset
const SHINFO = { maxPfn: 3088, frameListList: 3096, p2mCr3: 3112, p2mVaddr: 3120, p2mGeneration: 3128 } as const;
const ALL_ONES = (1n << 64n) - 1n;
// xg_core_x86.c: the virtual range Xen keeps for itself in a 64-bit PV guest
const HYPERVISOR_VIRT_START = 0xffff800000000000n;
const HYPERVISOR_VIRT_END = 0xffff87ffffffffffn;
const VADDR_MASK = (1n << 48n) - 1n;
const PTE_PRESENT = 1n;
const PTE_PSE = 0x80n;
const PTE_MFN_MASK = 0x000ffffffffff000n;

/** Maps machine frames of the guest read-only and hands back each one's code and bytes. */
export interface MachineFrames {
  read(mfns: number[]): Promise<{ codes: Uint8Array; contents: Uint8Array }>;
}

/** The p2m cannot be read or makes no sense: one line saying what and where. */
export class P2mError extends Error {
  constructor(message: string, readonly retry = false) {
    super(message);
    this.name = 'P2mError';
  }
}

interface SharedInfo {
  maxPfn: bigint;
  frameListList: bigint;
  p2mCr3: bigint;
  p2mVaddr: bigint;
  p2mGeneration: bigint;
}

type Walk =
  | { form: 'list'; anchor: SharedInfo; pages: Float64Array }
  | { form: 'tree'; anchor: SharedInfo; frameLists: Float64Array; pages: Float64Array };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function u64(page: Uint8Array, at: number): bigint {
  return new DataView(page.buffer, page.byteOffset, page.byteLength).getBigUint64(at, true);
}

/** An entry as a machine frame, or NO_MFN when it cannot be one. */
function entryMfn(view: DataView, at: number): number {
  const hi = view.getUint32(at + 4, true);
  if (hi >= MFN_LIMIT / 2 ** 32) return NO_MFN;
  return hi * 2 ** 32 + view.getUint32(at, true);
}

const isCanonical = (v: bigint) => BigInt.asIntN(64, v) >> 47n === BigInt.asIntN(64, v) >> 63n;
const hexBig = (v: bigint) => `0x${v.toString(16)}`;

export class PvP2m {
  private walk: Walk | null = null;
  private readonly p2mFrames: number;

  /**
   * @param size the pfns the p2m covers: Xen's maximum gpfn + 1, which for a PV guest is the
   *   max_pfn of its shared info
   */
  constructor(private readonly domain: number, private readonly frames: MachineFrames, readonly sharedInfoFrame: number, private readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1 || size > PV_MAX_PFNS) {
      throw new P2mError(`domain ${domain} claims ${hex(size)} pfns (max_pfn in its shared info), more than framescope reads (${hex(PV_MAX_PFNS)}): its p2m is not read`);
    }
    this.p2mFrames = Math.ceil(size / ENTRIES_PER_PAGE);
  }

  /** Which form the guest publishes, once read. */
  get form(): 'list' | 'tree' | null {
    return this.walk?.form ?? null;
  }

  /** The machine frame of each pfn of [first, first + count): NO_MFN where its entry names none. */
  async translate(first: number, count: number): Promise<Float64Array> {
    if (first < 0 || count < 1 || first + count > this.size) {
      throw new RangeError(`pfns ${hex(first)}-${hex(first + count - 1)} are outside the p2m of domain ${this.domain} (${hex(this.size)} pfns)`);
    }
    let last: P2mError | null = null;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(RETRY_DELAY_MS << attempt);
      try {
        this.walk ??= await this.readWalk();
        const mfns = await this.readEntries(this.walk, first, count);
        if (mfns) return mfns;
        last = new P2mError(`the p2m of domain ${this.domain} kept changing while framescope read it (${MAX_ATTEMPTS} tries)`);
      } catch (e) {
        if (!(e instanceof P2mError) || !e.retry) throw e;
        last = e;
      }
      this.walk = null; // walk again: the structure moved
    }
    throw new P2mError(last!.message);
  }

  /** Machine frames in chunks, each of which must map; `each` sees every page in order. */
  private async readPages(mfns: ArrayLike<number>, what: (i: number) => string, each: (page: Uint8Array, i: number) => void): Promise<void> {
    for (let start = 0; start < mfns.length; start += READ_CHUNK) {
      const chunk = Array.from({ length: Math.min(READ_CHUNK, mfns.length - start) }, (_, k) => mfns[start + k]);
      const r = await this.frames.read(chunk);
      chunk.forEach((mfn, k) => {
        if (r.codes[k] !== 0) throw new P2mError(`${what(start + k)} of domain ${this.domain} (mfn ${hex(mfn)}) did not map: ${codeName(r.codes[k])}`);
        each(r.contents.subarray(k * PAGE_SIZE, (k + 1) * PAGE_SIZE), start + k);
      });
    }
  }

  private parseSharedInfo(page: Uint8Array): SharedInfo {
    return {
      maxPfn: u64(page, SHINFO.maxPfn),
      frameListList: u64(page, SHINFO.frameListList),
      p2mCr3: u64(page, SHINFO.p2mCr3),
      p2mVaddr: u64(page, SHINFO.p2mVaddr),
      p2mGeneration: u64(page, SHINFO.p2mGeneration),
    };
  }

  private async readWalk(): Promise<Walk> {
    let info: SharedInfo | null = null;
    await this.readPages([this.sharedInfoFrame], () => 'the shared info page', (page) => (info = this.parseSharedInfo(page)));
    const si = info!;
    if (si.p2mCr3 !== 0n) {
      if (si.p2mGeneration & 1n) {
        throw new P2mError(`the p2m of domain ${this.domain} is being changed (p2m_generation ${hexBig(si.p2mGeneration)} stays odd)`, true);
      }
      return { form: 'list', anchor: si, pages: await this.walkList(si) };
    }
    if (si.frameListList !== 0n && si.frameListList !== ALL_ONES) return { form: 'tree', anchor: si, ...(await this.walkTree(si)) };
    throw new P2mError(`domain ${this.domain} is a PV guest that has not published its p2m (p2m_cr3 and pfn_to_mfn_frame_list_list are ` +
      `${hexBig(si.p2mCr3)} and ${hexBig(si.frameListList)} in its shared info): its pfns cannot be translated to machine frames`);
  }

  /** The linear list: the page tables from p2m_cr3 down to the mfn of every p2m page. */
  private async walkList(si: SharedInfo): Promise<Float64Array> {
    const vaddr = si.p2mVaddr;
    const end = vaddr + BigInt(this.p2mFrames * PAGE_SIZE) - 1n;
    if (!isCanonical(vaddr) || !isCanonical(end) || end >= 1n << 64n || (vaddr & 0xfffn) !== 0n ||
      (vaddr <= HYPERVISOR_VIRT_END && end > HYPERVISOR_VIRT_START)) {
      throw new P2mError(`the p2m list of domain ${this.domain} at ${hexBig(vaddr)}-${hexBig(end)} is not a range a guest can map ` +
        '(not canonical, not page-aligned, or inside the hypervisor\'s)');
    }
    const tableLevel = new Map<number, number>(); // mfn of every page table seen, and its level
    let tables: number[] = [Number(si.p2mCr3 >> 12n)]; // xen_pfn_to_cr3 of a 64-bit guest: mfn << 12
    let off = 0n;
    for (let level = 4; level >= 1; level--) {
      for (const mfn of tables) {
        const seen = tableLevel.get(mfn);
        if (seen !== undefined && seen !== level) throw this.loop(`its level-${level} page table (mfn ${hex(mfn)}) is also its level-${seen} table`);
        tableLevel.set(mfn, level);
      }
      const shift = BigInt(level * 9 + 3);
      const first = Number(((vaddr - off) & VADDR_MASK) >> shift);
      const last = Number(((end - off) & VADDR_MASK) >> shift);
      const next = new Float64Array(last - first + 1);
      // entry i of the tables read lies in table i / 512: map only the tables holding [first, last]
      const pages = tables.slice(Math.floor(first / ENTRIES_PER_PAGE), Math.floor(last / ENTRIES_PER_PAGE) + 1);
      const base = Math.floor(first / ENTRIES_PER_PAGE) * ENTRIES_PER_PAGE;
      await this.readPages(pages, () => `a level-${level} page table of the p2m list`, (page, p) => {
        const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
        for (let k = 0; k < ENTRIES_PER_PAGE; k++) {
          const idx = base + p * ENTRIES_PER_PAGE + k;
          if (idx < first || idx > last) continue;
          const pte = view.getBigUint64(k * 8, true);
          const where = `the entry for ${hexBig(off + (BigInt(idx) << shift))} in its level-${level} page table`;
          if (!(pte & PTE_PRESENT)) throw new P2mError(`the p2m list of domain ${this.domain} is not mapped: ${where} is not present`);
          if (level > 1 && pte & PTE_PSE) throw new P2mError(`the p2m list of domain ${this.domain} is mapped by a large page (${where}): framescope reads 4 KiB mappings only`);
          const mfn = Number((pte & PTE_MFN_MASK) >> 12n);
          if (mfn === 0) throw new P2mError(`the p2m list of domain ${this.domain} names machine frame 0 in ${where}`);
          next[idx - first] = mfn;
        }
      });
      tables = Array.from(next);
      off = vaddr & ((VADDR_MASK >> shift) << shift);
    }
    for (const mfn of tables) {
      const seen = tableLevel.get(mfn);
      if (seen !== undefined) throw this.loop(`a p2m page (mfn ${hex(mfn)}) is its level-${seen} page table`);
    }
    if (tables.length !== this.p2mFrames) throw new P2mError(`the p2m list of domain ${this.domain} has ${tables.length} pages, not ${this.p2mFrames}`);
    return Float64Array.from(tables);
  }

  /** The 3-level tree: the frame-list list, its frame lists, the mfn of every p2m page. */
  private async walkTree(si: SharedInfo): Promise<{ frameLists: Float64Array; pages: Float64Array }> {
    const nLists = Math.ceil(this.p2mFrames / ENTRIES_PER_PAGE);
    if (nLists > ENTRIES_PER_PAGE) {
      throw new P2mError(`the p2m tree of domain ${this.domain} cannot describe ${hex(this.size)} pfns (one frame-list list holds ${hex(ENTRIES_PER_PAGE ** 3)})`);
    }
    if (si.frameListList >= BigInt(MFN_LIMIT)) throw new P2mError(`domain ${this.domain} names ${hexBig(si.frameListList)} as its p2m frame-list list, which is no machine frame`);
    const fll = Number(si.frameListList);
    const frameLists = new Float64Array(nLists);
    await this.readPages([fll], () => 'the p2m frame-list list', (page) => {
      const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
      for (let j = 0; j < nLists; j++) frameLists[j] = this.treeEntry(view, j, 'frame-list list');
    });
    for (const mfn of frameLists) if (mfn === fll) throw this.loop(`its frame-list list (mfn ${hex(fll)}) names itself as a frame list`);
    const pages = new Float64Array(this.p2mFrames);
    await this.readPages(frameLists, (j) => `p2m frame list ${j}`, (page, j) => {
      const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
      for (let k = 0; k < ENTRIES_PER_PAGE && j * ENTRIES_PER_PAGE + k < this.p2mFrames; k++) pages[j * ENTRIES_PER_PAGE + k] = this.treeEntry(view, k, `frame list ${j}`);
    });
    const structure = new Set([fll, ...frameLists]);
    for (const mfn of pages) if (structure.has(mfn)) throw this.loop(`a p2m page (mfn ${hex(mfn)}) is one of its frame lists`);
    return { frameLists, pages };
  }

  private treeEntry(view: DataView, index: number, where: string): number {
    const mfn = entryMfn(view, index * 8);
    if (mfn === NO_MFN || mfn === 0) {
      throw new P2mError(`the p2m tree of domain ${this.domain} names no machine frame in entry ${index} of its ${where}`);
    }
    return mfn;
  }

  private loop(what: string): P2mError {
    return new P2mError(`the p2m of domain ${this.domain} loops: ${what}`);
  }

  /**
   * One read of the shared info, the tree's frame lists over these pages and the p2m pages
   * themselves; null when the walk no longer holds (the guest changed its p2m).
   */
  private async readEntries(walk: Walk, first: number, count: number): Promise<Float64Array | null> {
    const k0 = Math.floor(first / ENTRIES_PER_PAGE);
    const k1 = Math.floor((first + count - 1) / ENTRIES_PER_PAGE);
    const j0 = Math.floor(k0 / ENTRIES_PER_PAGE);
    const j1 = Math.floor(k1 / ENTRIES_PER_PAGE);
    const lists = walk.form === 'tree' ? [Number(walk.anchor.frameListList), ...walk.frameLists.subarray(j0, j1 + 1)] : [];
    const wanted = [this.sharedInfoFrame, ...lists, ...walk.pages.subarray(k0, k1 + 1)];
    const r = await this.frames.read(wanted);
    const page = (i: number) => r.contents.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
    wanted.forEach((mfn, i) => {
      if (r.codes[i] !== 0) throw new P2mError(`a page of the p2m of domain ${this.domain} (mfn ${hex(mfn)}) did not map: ${codeName(r.codes[i])}`, true);
    });
    const si = this.parseSharedInfo(page(0));
    const a = walk.anchor;
    if (si.p2mCr3 !== a.p2mCr3 || si.p2mVaddr !== a.p2mVaddr || si.frameListList !== a.frameListList || si.p2mGeneration !== a.p2mGeneration) return null;
    if (walk.form === 'tree') {
      const fll = new DataView(page(1).buffer, page(1).byteOffset, PAGE_SIZE);
      for (let j = j0; j <= j1; j++) if (entryMfn(fll, j * 8) !== walk.frameLists[j]) return null;
      for (let k = k0; k <= k1; k++) {
        const list = page(2 + Math.floor(k / ENTRIES_PER_PAGE) - j0);
        if (entryMfn(new DataView(list.buffer, list.byteOffset, PAGE_SIZE), (k % ENTRIES_PER_PAGE) * 8) !== walk.pages[k]) return null;
      }
    }
    const entries = 1 + lists.length;
    const view = new DataView(r.contents.buffer, r.contents.byteOffset + entries * PAGE_SIZE, (k1 - k0 + 1) * PAGE_SIZE);
    const mfns = new Float64Array(count);
    const offset = first - k0 * ENTRIES_PER_PAGE;
    for (let i = 0; i < count; i++) mfns[i] = entryMfn(view, (offset + i) * 8);
    return mfns;
  }
}
