/**
 * Batch mapping of guest frames through /dev/xen/privcmd, as privcmd-semantics.md describes:
 * reserve a VMA, issue IOCTL_PRIVCMD_MMAPBATCH_V2 (or V1 on kernels without it), decode each
 * frame's result, optionally retry paged-out frames and copy contents out, and always release
 * the mapping.
 */
import koffi from 'koffi';

import {
  __HYPERVISOR_domctl,
  privcmd_mmapbatch,
  privcmd_mmapbatch_v2,
  IOCTL_PRIVCMD_HYPERCALL,
  IOCTL_PRIVCMD_MMAPBATCH,
  IOCTL_PRIVCMD_MMAPBATCH_V2,
  IOCTL_PRIVCMD_RESTRICT,
  PAGE_SIZE,
  PRIVCMD_MMAPBATCH_PAGED_ERROR,
  V1_GFN_LIMIT,
  XEN_DOMCTL_LAYOUT,
  XENMEM_current_reservation,
  XENMEM_maximum_gpfn,
  XENMEM_maximum_reservation,
  __HYPERVISOR_memory_op,
} from './privcmd-abi';
import { FRAME_V1_NO_ERRNO, FRAME_V1_UNADDRESSABLE } from './frame-result';
import {
  errno,
  MAP_ANONYMOUS,
  MAP_FAILED,
  MAP_PRIVATE,
  MAP_SHARED,
  O_CLOEXEC,
  O_RDWR,
  PROT_READ,
  PROT_WRITE,
  SyscallError,
  Syscalls,
} from './syscalls';

import { PRIVCMD_PATH } from './privcmd-path';

export { PRIVCMD_PATH };

export { FRAME_V1_NO_ERRNO, FRAME_V1_UNADDRESSABLE };

export type PrivcmdAbi = 'v2' | 'v1';

export type PagedPolicy =
  | { mode: 'observe' }
  | {
      mode: 'retry';
      /** Overall bound for one batch: libxenforeignmemory retries forever, framescope must not. */
      timeoutMs: number;
      firstDelayMs?: number;
      maxDelayMs?: number;
    };

export interface MapBatchOptions {
  paged?: PagedPolicy;
  /** Copy mapped frames' contents out (failed frames' bytes stay zero). */
  copy?: boolean;
  /**
   * Map without PROT_WRITE. Xen refuses writable foreign mappings of pages typed as page
   * tables (get_page_from_l1e: -EBUSY), which a PV guest's p2m is reached through.
   */
  readOnly?: boolean;
  signal?: AbortSignal;
  /**
   * Which ioctl to use for this batch: unset (auto) uses V2 and falls back to V1 where the
   * kernel lacks V2; 'v1' uses V1 even where V2 exists (to run that path on a real driver);
   * 'v2' never falls back.
   */
  abi?: PrivcmdAbi;
  /** Where to add the time this batch spends in each stage (for profiling a scan). */
  stages?: BatchStages;
  /**
   * Where to write the codes (its first gfns.length bytes), saving the batch a typed array of
   * its own: allocating one cost more than decoding into it.
   */
  into?: Uint8Array;
}

/** Milliseconds in each stage of mapping batches, summed. */
export interface BatchStages {
  mmapMs: number;
  ioctlMs: number;
  munmapMs: number;
  /** Turning the ioctl's per-frame results into codes. */
  decodeMs: number;
}

export interface BatchResult {
  codes: Uint8Array;
  abi: PrivcmdAbi;
  /** frames.length * PAGE_SIZE bytes when copy was asked for; page-aligned. */
  contents?: Buffer;
  /** Paged frames retried, how many came back, and whether the retry bound cut it short. */
  retried: number;
  recovered: number;
  retryTimedOut: boolean;
}

const ENOENT = errno.ENOENT;
const DEFAULT_FIRST_DELAY_MS = 1;
const DEFAULT_MAX_DELAY_MS = 64;

const V2_NUM = koffi.offsetof(privcmd_mmapbatch_v2, 'num');
const V2_DOM = koffi.offsetof(privcmd_mmapbatch_v2, 'dom');
const V2_ADDR = koffi.offsetof(privcmd_mmapbatch_v2, 'addr');
const V2_ARR = koffi.offsetof(privcmd_mmapbatch_v2, 'arr');
const V2_ERR = koffi.offsetof(privcmd_mmapbatch_v2, 'err');
const V1_NUM = koffi.offsetof(privcmd_mmapbatch, 'num');
const V1_DOM = koffi.offsetof(privcmd_mmapbatch, 'dom');
const V1_ADDR = koffi.offsetof(privcmd_mmapbatch, 'addr');
const V1_ARR = koffi.offsetof(privcmd_mmapbatch, 'arr');

/**
 * The memory one batch's ioctl works on, kept for the device's life: the gfns the kernel reads,
 * the errors it writes, and both request structs, encoded here once with those two addresses so
 * that a batch only writes its count, domain and VMA into them. An ArrayBuffer's contents live
 * outside V8's heap and never move, so the kernel may keep their addresses for the call.
 */
class BatchBuffers {
  gfns = new BigUint64Array(0);
  errs = new Int32Array(0);
  readonly v2 = new Uint8Array(new ArrayBuffer(koffi.sizeof(privcmd_mmapbatch_v2)));
  readonly v1 = new Uint8Array(new ArrayBuffer(koffi.sizeof(privcmd_mmapbatch)));
  private readonly v2View = new DataView(this.v2.buffer);
  private readonly v1View = new DataView(this.v1.buffer);

  /** Room for n frames; grows by doubling, never shrinks. */
  ensure(n: number): void {
    if (n <= this.gfns.length) return;
    const size = Math.max(n, this.gfns.length * 2, 256);
    this.gfns = new BigUint64Array(new ArrayBuffer(size * 8));
    this.errs = new Int32Array(new ArrayBuffer(size * 4));
    const arr = koffi.address(this.gfns);
    this.v2View.setBigUint64(V2_ARR, arr, true);
    this.v2View.setBigUint64(V2_ERR, koffi.address(this.errs), true);
    this.v1View.setBigUint64(V1_ARR, arr, true);
  }

  /** Writes the gfns first..first+n-1 in place: a scan's batches are consecutive frames. */
  fillConsecutive(first: number, n: number): void {
    this.ensure(n);
    fillConsecutiveGfns(new Uint32Array(this.gfns.buffer, 0, n * 2), first);
  }

  /** Copies the batch's gfns in, as 32-bit words: TypedArray.set on BigUint64Arrays converts each element to a BigInt. */
  put(gfns: BigUint64Array): void {
    this.ensure(gfns.length);
    new Uint32Array(this.gfns.buffer, 0, gfns.length * 2).set(new Uint32Array(gfns.buffer, gfns.byteOffset, gfns.length * 2));
  }

  /** The V2 request for n frames (already in `gfns`) of `domid` into the VMA at `addr`. */
  v2For(n: number, domid: number, addr: bigint): Uint8Array {
    this.v2View.setUint32(V2_NUM, n, true);
    this.v2View.setUint16(V2_DOM, domid, true);
    this.v2View.setBigUint64(V2_ADDR, addr, true);
    return this.v2;
  }

  v1For(n: number, domid: number, addr: bigint): Uint8Array {
    this.v1View.setInt32(V1_NUM, n, true);
    this.v1View.setUint16(V1_DOM, domid, true);
    this.v1View.setBigUint64(V1_ADDR, addr, true);
    return this.v1;
  }
}

/**
 * Writes the gfns first..first+n-1 into `words` (n pairs of 32-bit halves, little-endian): no
 * BigInt per frame.
 */
export function fillConsecutiveGfns(words: Uint32Array, first: number): void {
  const count = words.length >>> 1;
  const high = Math.floor(first / 0x100000000);
  if (Math.floor((first + count - 1) / 0x100000000) === high) {
    // the high word is the same for the whole batch (always, below 16 TiB)
    const low = first % 0x100000000;
    for (let i = 0; i < count; i++) {
      words[2 * i] = low + i;
      words[2 * i + 1] = high;
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const g = first + i;
    words[2 * i] = g >>> 0;
    words[2 * i + 1] = Math.floor(g / 0x100000000);
  }
}

const NOTHING_COPIED_ELSEWHERE: ReadonlySet<number> = new Set();

/**
 * A page-aligned Buffer. Copies into a buffer whose address is not page-aligned while the
 * source is run ~10x slower on x86 (4K aliasing between loads and stores).
 */
export function alignedBuffer(bytes: number): Buffer {
  const raw = Buffer.alloc(bytes + PAGE_SIZE);
  const misalign = Number(koffi.address(raw) % BigInt(PAGE_SIZE));
  const start = misalign ? PAGE_SIZE - misalign : 0;
  return raw.subarray(start, start + bytes);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PrivcmdDevice {
  /** Null until the first batch tells which ioctl the kernel has. */
  private abi: PrivcmdAbi | null = null;
  /** Whether this kernel has the 3.7 V1 quirk (every entry flagged when any frame failed). */
  private v1Quirk: 'unknown' | 'absent' | 'present' = 'unknown';
  private readonly buffers = new BatchBuffers();
  private hypercallPage = 0n;
  private closed = false;

  private constructor(private readonly sys: Syscalls, readonly fd: number, readonly path: string) {}

  static open(sys: Syscalls, path = PRIVCMD_PATH): PrivcmdDevice {
    const fd = sys.open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) throw new SyscallError(`open ${path}`, sys.errno());
    return new PrivcmdDevice(sys, fd, path);
  }

  get detectedAbi(): PrivcmdAbi | null {
    return this.abi;
  }

  get v1QuirkState(): 'unknown' | 'absent' | 'present' {
    return this.v1Quirk;
  }

  /** Forces V1, as on a kernel without V2 (for tests and for comparing the two). */
  forceAbi(abi: PrivcmdAbi): void {
    this.abi = abi;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.hypercallPage) {
      this.sys.munlock(this.hypercallPage, PAGE_SIZE);
      this.sys.munmap(this.hypercallPage, PAGE_SIZE);
    }
    this.sys.close(this.fd);
  }

  /** The domain's highest guest frame number, through XENMEM_maximum_gpfn. */
  maximumGpfn(domid: number): number {
    return this.memoryOp(XENMEM_maximum_gpfn, 'XENMEM_maximum_gpfn', domid);
  }

  /** Pages the domain holds now (XENMEM_current_reservation: Xen's tot_pages). */
  currentReservation(domid: number): number {
    return this.memoryOp(XENMEM_current_reservation, 'XENMEM_current_reservation', domid);
  }

  /** Pages the domain may hold (XENMEM_maximum_reservation: Xen's max_pages). */
  maximumReservation(domid: number): number {
    return this.memoryOp(XENMEM_maximum_reservation, 'XENMEM_maximum_reservation', domid);
  }

  /**
   * One XEN_DOMCTL: `op` holds a struct xen_domctl (XEN_DOMCTL_LAYOUT.size bytes), which
   * Xen reads and answers in place; the answer comes back. A refused call is a SyscallError
   * (EACCES: Xen speaks another interface version).
   */
  domctl(op: Uint8Array): Uint8Array {
    if (op.length !== XEN_DOMCTL_LAYOUT.size) throw new RangeError(`a struct xen_domctl is ${XEN_DOMCTL_LAYOUT.size} bytes, not ${op.length}`);
    const page = this.hypercallBuffer();
    this.sys.memcpy(page, op, op.length);
    const ret = this.sys.ioctlHypercall(this.fd, IOCTL_PRIVCMD_HYPERCALL, {
      op: BigInt(__HYPERVISOR_domctl),
      arg: [page, 0n, 0n, 0n, 0n],
    });
    if (ret < 0) throw new SyscallError('XEN_DOMCTL', this.sys.errno());
    const answer = new Uint8Array(op.length);
    this.sys.memcpy(answer, page, op.length);
    return answer;
  }

  /** A XENMEM_* query about one domain, whose answer is the hypercall's return value. */
  private memoryOp(cmd: number, name: string, domid: number): number {
    const page = this.hypercallBuffer();
    this.sys.memcpy(page, Uint16Array.of(domid), 2); // struct xen_memory_domain { domid_t domid; }
    // The kernel passes the hypercall's long through ioctl(2), whose int keeps its low 32 bits:
    // an answer of 2^31 or more comes back negative with errno untouched.
    this.sys.setErrno(0);
    const ret = this.sys.ioctlHypercall(this.fd, IOCTL_PRIVCMD_HYPERCALL, {
      op: BigInt(__HYPERVISOR_memory_op),
      arg: [BigInt(cmd), page, 0n, 0n, 0n],
    });
    if (ret < 0 && this.sys.errno() === 0) {
      throw new HypercallRangeError(`${name} (domain ${domid}) answered 2^31 or more, more than the ioctl can carry`);
    }
    if (ret < 0) throw new SyscallError(name, this.sys.errno(), `domain ${domid}`);
    return ret;
  }

  /**
   * Xen reads and writes hypercall arguments in our memory during the call: they must stay
   * resident. libxencall takes such buffers from /dev/xen/hypercall; a locked page serves.
   */
  private hypercallBuffer(): bigint {
    this.assertOpen();
    if (!this.hypercallPage) {
      const p = this.sys.mmap(null, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p === MAP_FAILED) throw new SyscallError('mmap', this.sys.errno(), 'hypercall buffer');
      if (this.sys.mlock(p, PAGE_SIZE) < 0) {
        const e = this.sys.errno();
        this.sys.munmap(p, PAGE_SIZE);
        throw new SyscallError('mlock', e, 'hypercall buffer');
      }
      this.hypercallPage = p;
    }
    return this.hypercallPage;
  }

  /** From now on this descriptor maps frames of `domid` only (IOCTL_PRIVCMD_RESTRICT). */
  restrict(domid: number): void {
    this.assertOpen();
    if (this.sys.ioctlRestrict(this.fd, IOCTL_PRIVCMD_RESTRICT, Uint16Array.of(domid)) < 0) {
      throw new SyscallError('IOCTL_PRIVCMD_RESTRICT', this.sys.errno(), `domain ${domid}`);
    }
  }

  /**
   * mapBatch of the consecutive frames first..first+count-1, at once: a scan's common case
   * (V2 known to work, observing) without a turn of the event loop per batch, the gfns written
   * straight into the ioctl's buffer. Null where mapBatch is needed instead: V1, retries, or
   * before a first batch has told which ioctl the kernel has.
   */
  mapConsecutiveNow(domid: number, first: number, count: number, opts: MapBatchOptions = {}): BatchResult | null {
    if (this.abi !== 'v2' || opts.abi === 'v1' || opts.paged?.mode === 'retry') return null;
    this.assertOpen();
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`mapConsecutiveNow needs at least one frame, not ${count}`);
    if (opts.into && opts.into.length !== count) throw new RangeError(`room for ${opts.into.length} codes, not ${count}`);
    this.buffers.fillConsecutive(first, count);
    const prot = opts.readOnly ? PROT_READ : PROT_READ | PROT_WRITE;
    const addr = this.mapVma(count, prot, opts.stages);
    try {
      const codes = opts.into ?? new Uint8Array(count);
      const ok = this.callV2Loaded(domid, addr, count, codes, opts.stages);
      if (ok !== true) throw new SyscallError('IOCTL_PRIVCMD_MMAPBATCH_V2', ok, `domain ${domid}`);
      const contents = opts.copy ? alignedBuffer(count * PAGE_SIZE) : undefined;
      if (contents) this.copyOut(addr, codes, contents, NOTHING_COPIED_ELSEWHERE);
      return { codes, abi: 'v2', contents, retried: 0, recovered: 0, retryTimedOut: false };
    } finally {
      this.unmapVma(addr, count, opts.stages);
    }
  }

  /** A fresh privcmd VMA of n pages. */
  private mapVma(n: number, prot: number, stages: BatchStages | undefined): bigint {
    const mmapStart = stages ? performance.now() : 0;
    const addr = this.sys.mmap(null, n * PAGE_SIZE, prot, MAP_SHARED, this.fd, 0);
    if (stages) stages.mmapMs += performance.now() - mmapStart;
    if (addr === MAP_FAILED) throw new SyscallError('mmap', this.sys.errno(), `${n} frames of ${this.path}`);
    return addr;
  }

  /** Unmapping the VMA releases every foreign frame in it. */
  private unmapVma(addr: bigint, n: number, stages: BatchStages | undefined): void {
    const munmapStart = stages ? performance.now() : 0;
    this.sys.munmap(addr, n * PAGE_SIZE);
    if (stages) stages.munmapMs += performance.now() - munmapStart;
  }

  /**
   * Maps `gfns` of domain `domid` in one batch and reports each frame's result. The caller
   * range-checks the gfns against the domain's frame count: the hypervisor may alias frame
   * numbers past it onto low frames instead of refusing them.
   */
  async mapBatch(domid: number, gfns: BigUint64Array, opts: MapBatchOptions = {}): Promise<BatchResult> {
    this.assertOpen();
    if (gfns.length === 0) throw new RangeError('mapBatch needs at least one frame');
    if (opts.into && opts.into.length !== gfns.length) throw new RangeError(`room for ${opts.into.length} codes, not ${gfns.length}`);
    if (this.usesV1(opts) && gfns.some((g) => g >= BigInt(V1_GFN_LIMIT))) return this.mapBatchSplitForV1(domid, gfns, opts);

    const n = gfns.length;
    const length = n * PAGE_SIZE;
    const prot = opts.readOnly ? PROT_READ : PROT_READ | PROT_WRITE;
    const stages = opts.stages;
    const addr = this.mapVma(n, prot, stages);
    try {
      const codes = opts.into ?? new Uint8Array(n);
      // Frames whose contents were copied from elsewhere (V1 re-probes) rather than this VMA.
      const copiedElsewhere = new Set<number>(); // (empty but for V1 on a quirky kernel)
      const contents = opts.copy ? alignedBuffer(length) : undefined;
      const abi = this.issueBatch(domid, addr, gfns, codes, contents, copiedElsewhere, prot, opts.abi, stages);
      const result: BatchResult = { codes, abi, contents, retried: 0, recovered: 0, retryTimedOut: false };
      if (opts.paged?.mode === 'retry') await this.retryPaged(domid, addr, gfns, codes, opts.paged, opts.signal, result, abi);
      if (contents) this.copyOut(addr, codes, contents, copiedElsewhere);
      return result;
    } catch (e) {
      if (!(e instanceof V1FallbackNeedsSplit)) throw e;
    } finally {
      this.unmapVma(addr, n, stages);
    }
    // The kernel has no V2 and this batch holds frames V1 cannot carry: map the rest with V1.
    const before = this.abi;
    this.abi = 'v1';
    try {
      return await this.mapBatchSplitForV1(domid, gfns, opts);
    } catch (e) {
      this.abi = before;
      throw e;
    }
  }

  /** Whether a batch with these options goes through V1. */
  private usesV1(opts: MapBatchOptions): boolean {
    return opts.abi === 'v1' || (opts.abi === undefined && this.abi === 'v1');
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.path} is closed`);
  }

  /** The first mapping call on the fresh VMA: V2, or V1 where the kernel lacks V2. */
  private issueBatch(domid: number, addr: bigint, gfns: BigUint64Array, codes: Uint8Array,
    contents: Buffer | undefined, copiedElsewhere: Set<number>, prot: number, asked: PrivcmdAbi | undefined,
    stages: BatchStages | undefined): PrivcmdAbi {
    if (asked === 'v1') {
      // Asked for, not detected: what the kernel has stays unknown.
      this.callV1First(domid, addr, gfns, codes, contents, copiedElsewhere, prot, stages);
      return 'v1';
    }
    if (this.abi !== 'v1' || asked === 'v2') {
      const ok = this.callV2(domid, addr, gfns, codes, stages);
      if (ok === true) {
        this.abi = 'v2';
        return 'v2';
      }
      // ENOTTY: no V2 in this kernel. EINVAL: old kernels answer an unknown number so, but so
      // does a bad range; only a V1 success below proves the former.
      const noV2 = ok === errno.ENOTTY || (ok === errno.EINVAL && this.abi === null);
      if (noV2 && asked === 'v2') {
        throw new SyscallError('IOCTL_PRIVCMD_MMAPBATCH_V2', ok, `domain ${domid}: V2 was asked for, and this kernel may not have it (try --abi auto or v1)`);
      }
      if (!noV2) throw new SyscallError('IOCTL_PRIVCMD_MMAPBATCH_V2', ok, `domain ${domid}`);
      if (gfns.some((g) => g >= BigInt(V1_GFN_LIMIT))) {
        // The VMA is still fresh (the failed V2 call did not lock it); redo the batch split.
        throw new V1FallbackNeedsSplit();
      }
    }
    this.callV1First(domid, addr, gfns, codes, contents, copiedElsewhere, prot, stages);
    this.abi = 'v1';
    return 'v1';
  }

  /** V2 on [addr, addr + n pages). True when `err` is valid, else the call's errno. */
  private callV2(domid: number, addr: bigint, gfns: BigUint64Array, codes: Uint8Array, stages?: BatchStages): true | number {
    this.buffers.put(gfns);
    return this.callV2Loaded(domid, addr, gfns.length, codes, stages);
  }

  /** callV2 of the n gfns already in the ioctl's buffer. */
  private callV2Loaded(domid: number, addr: bigint, n: number, codes: Uint8Array, stages?: BatchStages): true | number {
    const b = this.buffers;
    const ioctlStart = stages ? performance.now() : 0;
    const ret = this.sys.ioctlRaw(this.fd, IOCTL_PRIVCMD_MMAPBATCH_V2, b.v2For(n, domid, addr));
    const decodeStart = stages ? performance.now() : 0;
    if (stages) stages.ioctlMs += decodeStart - ioctlStart;
    // ENOENT only says some frame is paged out; err is still valid. Never decide from it.
    if (ret < 0) {
      const e = this.sys.errno();
      if (e !== ENOENT) return e;
    }
    const errs = b.errs;
    for (let i = 0; i < n; i++) codes[i] = -errs[i];
    if (stages) stages.decodeMs += performance.now() - decodeStart;
    return true;
  }

  /** V1 on [addr, addr + n pages): results come back as nibbles in arr. */
  private callV1(domid: number, addr: bigint, gfns: BigUint64Array, codes: Uint8Array, stages?: BatchStages): { flagged: number; paged: number } {
    const n = gfns.length;
    const b = this.buffers;
    b.put(gfns);
    const ioctlStart = stages ? performance.now() : 0;
    const ret = this.sys.ioctlRaw(this.fd, IOCTL_PRIVCMD_MMAPBATCH, b.v1For(n, domid, addr));
    const decodeStart = stages ? performance.now() : 0;
    if (stages) stages.ioctlMs += decodeStart - ioctlStart;
    if (ret < 0 && this.sys.errno() !== ENOENT) {
      throw new SyscallError('IOCTL_PRIVCMD_MMAPBATCH', this.sys.errno(), `domain ${domid}`);
    }
    const back = b.gfns;
    // Compare each entry with the gfn sent, as libxenforeignmemory does: the nibble sits in
    // bits 28-31 of the low word, which are zero in every gfn V1 is given.
    const sent32 = new Uint32Array(gfns.buffer, gfns.byteOffset, n * 2);
    const back32 = new Uint32Array(back.buffer, 0, n * 2); // the kernel wrote the entries back in place
    let flagged = 0;
    let paged = 0;
    for (let i = 0; i < n; i++) {
      const diff = (back32[2 * i] ^ sent32[2 * i]) >>> 0;
      if (diff === 0 && back32[2 * i + 1] === sent32[2 * i + 1]) {
        codes[i] = 0;
      } else if (diff === PRIVCMD_MMAPBATCH_PAGED_ERROR) {
        codes[i] = ENOENT;
        flagged++;
        paged++;
      } else {
        // MFN_ERROR (or an entry altered in a way V1 does not define): failed, errno unknown
        codes[i] = FRAME_V1_NO_ERRNO;
        flagged++;
      }
    }
    if (stages) stages.decodeMs += performance.now() - decodeStart;
    return { flagged, paged };
  }

  private callV1First(domid: number, addr: bigint, gfns: BigUint64Array, codes: Uint8Array,
    contents: Buffer | undefined, copiedElsewhere: Set<number>, prot: number, stages: BatchStages | undefined): void {
    const { flagged } = this.callV1(domid, addr, gfns, codes, stages);
    const n = gfns.length;
    if (flagged === 0 || this.v1Quirk === 'absent') return;
    if (flagged < n) {
      // A quirky kernel flags every entry of a batch with an error; this one flagged only some.
      this.v1Quirk = 'absent';
      return;
    }
    // Every entry flagged: either every frame failed, or this is the 3.7 quirk, which flags
    // mapped frames with MFN_ERROR too (PAGED_ERROR still only marks paged frames). Believe
    // nothing until each MFN-flagged frame has been asked for alone.
    for (let i = 0; i < n; i++) {
      if (codes[i] !== FRAME_V1_NO_ERRNO) continue;
      const probe = this.probeV1Alone(domid, gfns[i], contents, i, prot);
      codes[i] = probe;
      if (probe === 0) {
        this.v1Quirk = 'present';
        if (contents) copiedElsewhere.add(i);
      }
    }
  }

  /** One frame in a fresh one-page VMA with V1: an unambiguous answer for that frame. */
  private probeV1Alone(domid: number, gfn: bigint, contents: Buffer | undefined, index: number, prot: number): number {
    const addr = this.sys.mmap(null, PAGE_SIZE, prot, MAP_SHARED, this.fd, 0);
    if (addr === MAP_FAILED) throw new SyscallError('mmap', this.sys.errno(), `re-probe of gfn ${gfn}`);
    try {
      const code = new Uint8Array(1);
      this.callV1(domid, addr, BigUint64Array.of(gfn), code);
      if (code[0] === 0 && contents) {
        this.sys.memcpy(contents.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE), addr, PAGE_SIZE);
      }
      return code[0];
    } finally {
      this.sys.munmap(addr, PAGE_SIZE);
    }
  }

  /**
   * Retries each paged-out frame alone at its own address (filling the hole the first call
   * left), with exponential backoff, until none is paged or the policy's time is up.
   */
  private async retryPaged(domid: number, addr: bigint, gfns: BigUint64Array, codes: Uint8Array,
    policy: Extract<PagedPolicy, { mode: 'retry' }>, signal: AbortSignal | undefined, result: BatchResult,
    abi: PrivcmdAbi): Promise<void> {
    let pending: number[] = [];
    for (let i = 0; i < codes.length; i++) if (codes[i] === ENOENT) pending.push(i);
    result.retried = pending.length;
    const deadline = Date.now() + policy.timeoutMs;
    let delay = policy.firstDelayMs ?? DEFAULT_FIRST_DELAY_MS;
    const one = new Uint8Array(1);
    while (pending.length > 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        result.retryTimedOut = true;
        return;
      }
      if (signal?.aborted) return;
      // Xen needs time to page the frame in; asking again at once only refills its ring.
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
      const still: number[] = [];
      for (const i of pending) {
        const at = addr + BigInt(i * PAGE_SIZE);
        const g = gfns.subarray(i, i + 1);
        if (abi === 'v1') {
          this.callV1(domid, at, g, one);
        } else {
          const ok = this.callV2(domid, at, g, one);
          if (ok !== true) throw new SyscallError('IOCTL_PRIVCMD_MMAPBATCH_V2', ok, `retry of gfn ${gfns[i]}`);
        }
        codes[i] = one[0];
        if (one[0] === ENOENT) still.push(i);
        else if (one[0] === 0) result.recovered++;
      }
      pending = still;
    }
  }

  /** One memcpy per run of mapped frames. Never touches a failed frame's page: that is SIGBUS. */
  private copyOut(addr: bigint, codes: Uint8Array, contents: Buffer, copiedElsewhere: ReadonlySet<number>): void {
    const n = codes.length;
    for (let i = 0; i < n;) {
      if (codes[i] !== 0 || copiedElsewhere.has(i)) {
        i++;
        continue;
      }
      let end = i + 1;
      while (end < n && codes[end] === 0 && !copiedElsewhere.has(end)) end++;
      this.sys.memcpy(contents.subarray(i * PAGE_SIZE, end * PAGE_SIZE), addr + BigInt(i * PAGE_SIZE), (end - i) * PAGE_SIZE);
      i = end;
    }
  }

  /** Under V1, frames at or above 2^28 are not sent at all; the rest map as one batch. */
  private async mapBatchSplitForV1(domid: number, gfns: BigUint64Array, opts: MapBatchOptions): Promise<BatchResult> {
    const n = gfns.length;
    const limit = BigInt(V1_GFN_LIMIT);
    const low: number[] = [];
    for (let i = 0; i < n; i++) if (gfns[i] < limit) low.push(i);
    const codes = (opts.into ?? new Uint8Array(n)).fill(FRAME_V1_UNADDRESSABLE);
    const contents = opts.copy ? alignedBuffer(n * PAGE_SIZE) : undefined;
    const result: BatchResult = { codes, abi: 'v1', contents, retried: 0, recovered: 0, retryTimedOut: false };
    if (low.length === 0) return result;
    // the frames V1 can send are a shorter batch, into codes of its own
    const sub = await this.mapBatch(domid, BigUint64Array.from(low, (i) => gfns[i]), { ...opts, into: undefined });
    low.forEach((i, k) => {
      codes[i] = sub.codes[k];
      if (contents && sub.contents) sub.contents.copy(contents, i * PAGE_SIZE, k * PAGE_SIZE, (k + 1) * PAGE_SIZE);
    });
    return { ...result, retried: sub.retried, recovered: sub.recovered, retryTimedOut: sub.retryTimedOut };
  }
}

/** A hypercall answered a number the ioctl's int return value cannot hold. */
export class HypercallRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HypercallRangeError';
  }
}

/** Raised inside issueBatch when the V1 fallback must drop frames V1 cannot address. */
class V1FallbackNeedsSplit extends Error {}
