/**
 * Where each guest frame of a dump lives in the file, as sorted runs: gfns [gfn, gfn + frames)
 * are bytes [offset, offset + bytes) of the file. One run stands for any number of consecutive
 * pages, so the index of a 64 GiB dump written in order is a handful of entries, not 16 M.
 * Runs live in typed arrays (24-32 bytes each) and are found by binary search.
 */
import { MAX_FILE_FRAMES } from '../frame-status';
import { hex } from '../numbers';

export const PAGE_SIZE = 4096;

/**
 * Physical addresses above 2^52 (x86-64's and Arm's widest MAXPHYADDR) are refused, so gfns stay
 * below 2^40 and frame counts exact in a Number.
 */
export const MAX_PHYS_ADDR_BITS = 52;
export const MAX_PHYS_ADDR = 2 ** MAX_PHYS_ADDR_BITS;

/**
 * The most frames a dump may span, highest gfn + 1 (absent frames count): scanning a dump
 * costs a byte a frame, and the part of a segment past its file data (p_memsz > p_filesz) or
 * a pfn far past the rest is not in the file, so nothing else bounds it.
 */
export const MAX_DUMP_FRAMES = MAX_FILE_FRAMES;

/** e_machine values (glibc <elf.h>) whose physical address width is known. */
const EM_386 = 3;
const EM_ARM = 40;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

/**
 * Physical address bits of an ELF dump's machine: x86-64 MAXPHYADDR is at most 52 (Intel SDM
 * vol. 3A 4.1.4), 32-bit x86 with PAE 36, Armv7 LPAE 40, Armv8.2 LPA 52. A machine not listed
 * gets the widest framescope accepts.
 */
export function physAddressBits(machine: number): number {
  switch (machine) {
    case EM_386: return 36;
    case EM_ARM: return 40;
    case EM_X86_64:
    case EM_AARCH64:
    default:
      return MAX_PHYS_ADDR_BITS;
  }
}

/** "2^30 frames (4 TiB)": what a frame bound means in memory. */
export function describeFrames(frames: number): string {
  const bits = Math.log2(frames);
  const tib = (frames * PAGE_SIZE) / 2 ** 40;
  return `${Number.isInteger(bits) ? `2^${bits}` : frames} frames (${tib >= 1 ? `${tib} TiB` : `${(frames * PAGE_SIZE) / 2 ** 30} GiB`})`;
}

/**
 * At most this many runs (~128 MiB of index): only a pathologically scattered dump needs more,
 * and refusing it keeps a hostile file from growing the index without bound.
 */
export const MAX_RUNS = 1 << 22;

export type DumpKind = 'xen-hvm' | 'xen-pv' | 'qemu-elf' | 'raw';

export interface DumpLayout {
  kind: DumpKind;
  /** Highest gfn + 1, counting frames the dump records as absent. */
  frames: number;
  runs: FrameRuns;
}

export class FrameRuns {
  /** Frames the dump holds. */
  readonly present: number;

  constructor(
    readonly count: number,
    private readonly gfns: Float64Array,
    private readonly lengths: Float64Array,
    private readonly offsets: Float64Array,
    /** Bytes the file holds for the run: frames * PAGE_SIZE, less for a partial last page. */
    private readonly byteLengths: Float64Array,
  ) {
    let present = 0;
    for (let i = 0; i < count; i++) present += lengths[i];
    this.present = present;
  }

  /** Highest gfn held + 1 (0 for no runs). */
  get end(): number {
    return this.count === 0 ? 0 : this.gfns[this.count - 1] + this.lengths[this.count - 1];
  }

  gfn(i: number): number { return this.gfns[i]; }
  frames(i: number): number { return this.lengths[i]; }
  offset(i: number): number { return this.offsets[i]; }
  bytes(i: number): number { return this.byteLengths[i]; }

  /** Index of the last run starting at or before gfn, or -1. */
  indexAtOrBefore(gfn: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.gfns[mid] <= gfn) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}

/**
 * Collects runs as a format reader streams through its tables, merging each piece into the
 * previous run when it continues it both in gfn and in the file.
 */
export class RunsBuilder {
  private gfns = new Float64Array(1024);
  private lengths = new Float64Array(1024);
  private offsets = new Float64Array(1024);
  private byteLengths = new Float64Array(1024);
  private count = 0;
  private sorted = true;

  /** `fail` throws the reader's DumpFormatError. */
  constructor(private readonly fail: (detail: string) => never) {}

  add(gfn: number, frames: number, offset: number, bytes: number): void {
    const last = this.count - 1;
    if (last >= 0) {
      const lastEnd = this.gfns[last] + this.lengths[last];
      const lastFull = this.byteLengths[last] === this.lengths[last] * PAGE_SIZE;
      if (lastEnd === gfn && lastFull && this.offsets[last] + this.byteLengths[last] === offset) {
        this.lengths[last] += frames;
        this.byteLengths[last] += bytes;
        return;
      }
      if (gfn < lastEnd) this.sorted = false;
    }
    if (this.count === this.gfns.length) this.grow();
    const i = this.count++;
    this.gfns[i] = gfn;
    this.lengths[i] = frames;
    this.offsets[i] = offset;
    this.byteLengths[i] = bytes;
  }

  /** Sorts the runs by gfn; a gfn held by two runs is `duplicate(gfn)`'s to report. */
  finish(duplicate: (gfn: number) => never): FrameRuns {
    const n = this.count;
    if (!this.sorted) this.sortByGfn();
    for (let i = 1; i < n; i++) {
      if (this.gfns[i] < this.gfns[i - 1] + this.lengths[i - 1]) duplicate(this.gfns[i]);
    }
    return new FrameRuns(n, this.gfns.slice(0, n), this.lengths.slice(0, n), this.offsets.slice(0, n), this.byteLengths.slice(0, n));
  }

  private grow(): void {
    if (this.count >= MAX_RUNS) {
      this.fail(`frames are scattered over more than ${MAX_RUNS} runs (last at gfn ${hex(this.gfns[this.count - 1])}): refusing to index them`);
    }
    const size = Math.min(this.gfns.length * 2, MAX_RUNS);
    const grown = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.gfns = grown(this.gfns);
    this.lengths = grown(this.lengths);
    this.offsets = grown(this.offsets);
    this.byteLengths = grown(this.byteLengths);
  }

  private sortByGfn(): void {
    const n = this.count;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => this.gfns[a] - this.gfns[b]);
    const permuted = (a: Float64Array) => {
      const b = new Float64Array(a.length);
      for (let i = 0; i < n; i++) b[i] = a[order[i]];
      return b;
    };
    this.gfns = permuted(this.gfns);
    this.lengths = permuted(this.lengths);
    this.offsets = permuted(this.offsets);
    this.byteLengths = permuted(this.byteLengths);
    this.sorted = true;
  }
}
