/**
 * Frames from /dev/xen/privcmd: the real device through libc, or the emulator through the
 * same calls. Domain names and sizes come from a lister (xenstore on a real host, the
 * emulator's host model on the simulated one); frame counts always come from the hypervisor.
 *
 * Frames of a domain are mapped through a descriptor restricted to that domain
 * (IOCTL_PRIVCMD_RESTRICT), so that a bug or a hostile request can never reach another
 * domain through it; the unrestricted descriptor only asks for sizes. With `onlyDomain`, the
 * whole source serves one domain and even that descriptor is restricted.
 */
import { alignedBuffer, BatchResult, fillConsecutiveGfns, MapBatchOptions, PrivcmdDevice, PRIVCMD_PATH } from '../native/privcmd-device';
import { errno, SyscallError, Syscalls } from '../native/syscalls';
import type { DomainInfo, GuestType, PrivcmdAbiName } from './api';
import {
  FrameSource,
  MapFramesOptions,
  MappedFrames,
  SourceDescription,
  UnknownDomainError,
} from './frame-source';
import { CODE_NO_MFN } from './frame-status';
import { hex } from './numbers';
import { NO_MFN, P2mError, PvP2m } from './pv-p2m';
import { DomainInfoReader, DomctlVersionError, XenDomainInfo } from './xen-domctl';

/** What the lister knows of a domain before the hypervisor is asked for its size. */
export type ListedDomain = Omit<DomainInfo, 'frames'>;

export interface PrivcmdSourceOptions {
  syscalls: Syscalls;
  description: SourceDescription;
  listDomains: () => Promise<ListedDomain[]>;
  devicePath?: string;
  /** Serve this domain only: every other domain is refused, and the device is restricted. */
  onlyDomain?: number;
  /** The domain framescope runs in (xenstore's `domid`), null when it cannot be told. */
  ownDomain?: () => Promise<number | null>;
}

/** What the hypervisor says of a domain: getdomaininfo, or why it would not say. */
interface DomainFacts {
  info: XenDomainInfo | null;
  /** Why `info` is null, when it is not that the domain is missing. */
  error?: string;
}

interface DomainSizes {
  currentPages: number | null;
  maxPages: number | null;
}

export const DEFAULT_RETRY_TIMEOUT_MS = 2000;
const OBSERVE = { mode: 'observe' } as const;
/** Bounds of the gfn-list pool: a few lists each for a few lengths (a scan's batch, its last, a page-in's). */
const GFN_POOL_PER_LENGTH = 4;
const GFN_POOL_LENGTHS = 8;
const PAGE_SIZE = 4096;
/** Restricted descriptors kept open; the least recently used beyond this is closed. */
const MAX_DOMAIN_DEVICES = 16;

export class PrivcmdFrameSource implements FrameSource {
  private readonly frameCounts = new Map<number, number>();
  private readonly domainDevices = new Map<number, PrivcmdDevice>();
  /** Free gfn lists by length (see mapRange). */
  private readonly gfnPool = new Map<number, BigUint64Array[]>();
  /** The most recently used of domainDevices: most batches go to the domain the last one did. */
  private lastDeviceDomain = -1;
  private lastDevice: PrivcmdDevice | null = null;
  private lastAbi: PrivcmdAbiName | null = null;
  private forcedAbi: PrivcmdAbiName | null = null;
  /** Kernels before Linux 4.11 have no IOCTL_PRIVCMD_RESTRICT: then the main descriptor maps. */
  private restrictWorks = true;
  private own: Promise<number | null> | undefined;
  private readonly domainInfo: DomainInfoReader;
  private readonly facts = new Map<number, DomainFacts>();
  private readonly sizes = new Map<number, DomainSizes>();
  /** The p2m of each PV guest mapped so far. */
  private readonly p2ms = new Map<number, PvP2m>();
  /** With onlyDomain, after open: the main descriptor may not make hypercalls any more. */
  private mainRestricted = false;

  private constructor(private readonly device: PrivcmdDevice, private readonly options: PrivcmdSourceOptions) {
    this.domainInfo = new DomainInfoReader((op) => device.domctl(op));
  }

  /** Opens the device; a missing device or a refused open is a SyscallError naming the path. */
  static async open(options: PrivcmdSourceOptions): Promise<PrivcmdFrameSource> {
    const source = new PrivcmdFrameSource(PrivcmdDevice.open(options.syscalls, options.devicePath ?? PRIVCMD_PATH), options);
    if (options.onlyDomain !== undefined) {
      try {
        // hypercalls first: a restricted descriptor may not make them any more
        await source.frameCount(options.onlyDomain);
        source.askSizes(options.onlyDomain);
        source.askFacts(options.onlyDomain);
        source.device.restrict(options.onlyDomain);
        source.mainRestricted = true;
      } catch (e) {
        source.device.close();
        throw e;
      }
    }
    return source;
  }

  describe(): SourceDescription {
    return this.options.description;
  }

  get abi(): PrivcmdAbiName | null {
    return this.lastAbi;
  }

  /** For tests and for comparing the two ioctls on one host. */
  forceAbi(abi: PrivcmdAbiName): void {
    this.forcedAbi = abi;
    this.device.forceAbi(abi);
    for (const d of this.domainDevices.values()) d.forceAbi(abi);
  }

  /** Names from the lister; sizes and types from the hypervisor, for every domain (Domain-0 too). */
  async listDomains(): Promise<DomainInfo[]> {
    const listed = await this.options.listDomains();
    const only = this.options.onlyDomain;
    return listed.filter((d) => only === undefined || d.id === only).map((d) => {
      const facts = this.askFacts(d.id);
      return {
        ...d,
        frames: this.knownOrAskedFrameCount(d.id),
        ...this.askSizes(d.id),
        type: facts.info?.type ?? null,
        ...(facts.error ? { typeError: facts.error } : {}),
      };
    });
  }

  /** PV, PVH or HVM, as XEN_DOMCTL_getdomaininfo says; null with the reason when it would not. */
  async guestType(domain: number): Promise<{ type: GuestType | null; why?: string }> {
    this.checkAllowed(domain);
    const facts = this.facts.get(domain) ?? this.askFacts(domain);
    return { type: facts.info?.type ?? null, why: facts.error };
  }

  async frameCount(domain: number): Promise<number> {
    this.checkAllowed(domain);
    const known = this.options.onlyDomain === domain ? this.frameCounts.get(domain) : undefined;
    if (known !== undefined) return known;
    let frames: number;
    try {
      frames = this.device.maximumGpfn(domain) + 1;
    } catch (e) {
      if (e instanceof SyscallError && e.errno === errno.ESRCH) throw new UnknownDomainError(domain);
      throw e;
    }
    this.frameCounts.set(domain, frames);
    return frames;
  }

  /**
   * Frames by gfn; a PV guest's by pfn, translated through its p2m to the machine frames
   * privcmd wants, a pfn whose entry names none answering CODE_NO_MFN without being sent.
   */
  async mapFrames(domain: number, first: number, count: number, options: MapFramesOptions): Promise<MappedFrames> {
    // Checked without awaiting where the answer is known (every batch but a domain's first):
    // each await is a turn of the microtask queue per batch.
    if (!this.rangeKnownGood(domain, first, count)) await this.checkRange(domain, first, count);
    const batch = {
      paged: options.mode === 'retry'
        ? { mode: 'retry' as const, timeoutMs: options.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS }
        : OBSERVE,
      copy: options.copy,
      signal: options.signal,
      abi: options.abi,
      stages: options.stages,
      into: options.into,
    };
    const p2m = this.facts.get(domain)?.info?.type === 'pv' || !this.facts.has(domain) ? await this.p2mFor(domain) : null;
    const result = p2m
      ? await this.mapThroughP2m(domain, p2m, first, count, batch)
      : await this.mapRange(domain, first, count, batch);
    this.lastAbi = result.abi;
    return {
      codes: result.codes,
      contents: result.contents,
      abi: result.abi,
      retried: result.retried,
      recovered: result.recovered,
      retryTimedOut: result.retryTimedOut,
    };
  }

  /**
   * mapFrames at once, where that needs no turn of the event loop (the frames are known to be
   * in range, the domain is not PV, observing, and the device has one ready): a scan's batches
   * after its first. Null where mapFrames is needed.
   */
  mapFramesNow(domain: number, first: number, count: number, options: MapFramesOptions): MappedFrames | null {
    if (options.mode === 'retry' || !this.rangeKnownGood(domain, first, count)) return null;
    const facts = this.facts.get(domain);
    if (!facts || facts.info?.type === 'pv') return null;
    const r = this.deviceFor(domain).mapConsecutiveNow(domain, first, count,
      { copy: options.copy, abi: options.abi, stages: options.stages, into: options.into });
    if (r) this.lastAbi = r.abi;
    return r;
  }

  /**
   * mapBatch of gfns first..first+count-1, the list taken from a pool: the scans mapFramesNow
   * cannot serve (V1, retries) map batch after batch of one length, and allocating a typed array
   * for each was the largest cost they had in JS.
   */
  private async mapRange(domain: number, first: number, count: number, batch: MapBatchOptions): Promise<BatchResult> {
    const pooled = this.gfnPool.get(count)?.pop();
    const gfns = pooled ? fillGfns(pooled, first) : gfnArray(first, count);
    try {
      return await this.deviceFor(domain).mapBatch(domain, gfns, batch);
    } finally {
      let free = this.gfnPool.get(count);
      if (!free && this.gfnPool.size < GFN_POOL_LENGTHS) this.gfnPool.set(count, (free = []));
      if (free && free.length < GFN_POOL_PER_LENGTH) free.push(gfns);
    }
  }

  /** A PV guest's p2m reader; null for HVM and PVH guests, and for the domain framescope runs in. */
  private async p2mFor(domain: number): Promise<PvP2m | null> {
    const facts = this.facts.get(domain) ?? this.askFacts(domain);
    if (facts.info?.type !== 'pv' || (await this.ownDomain()) === domain) return null;
    const known = this.p2ms.get(domain);
    if (known && known.sharedInfoFrame === facts.info.sharedInfoFrame) return known;
    const p2m = new PvP2m(domain, {
      // read-only: Xen refuses writable mappings of the page tables the list is reached through
      read: async (mfns) => {
        const r = await this.deviceFor(domain).mapBatch(domain, frameArray(mfns), { copy: true, readOnly: true });
        return { codes: r.codes, contents: r.contents! };
      },
    }, facts.info.sharedInfoFrame, await this.frameCount(domain));
    this.p2ms.set(domain, p2m);
    return p2m;
  }

  private async mapThroughP2m(domain: number, p2m: PvP2m, first: number, count: number,
    batch: MapBatchOptions): Promise<BatchResult> {
    let mfns: Float64Array;
    try {
      mfns = await p2m.translate(first, count);
    } catch (e) {
      // the domain may have been replaced by another of the same id: ask again once
      if (!(e instanceof P2mError) || this.mainRestricted) throw e;
      this.facts.delete(domain);
      const again = await this.p2mFor(domain);
      if (!again || again === p2m) throw e;
      return this.mapThroughP2m(domain, again, first, count, batch);
    }
    const sent: number[] = [];
    for (let i = 0; i < count; i++) if (mfns[i] !== NO_MFN) sent.push(i);
    const codes = new Uint8Array(count).fill(CODE_NO_MFN);
    const contents = batch.copy ? alignedBuffer(count * PAGE_SIZE) : undefined;
    if (sent.length === 0) return { codes, contents, abi: this.lastAbi ?? 'v2', retried: 0, recovered: 0, retryTimedOut: false };
    const r = await this.deviceFor(domain).mapBatch(domain, frameArray(sent.map((i) => mfns[i])), { ...batch, readOnly: true, into: undefined });
    // runs of pfns sent one after another come back one after another: copy them as runs
    for (let k = 0; k < sent.length;) {
      let end = k + 1;
      while (end < sent.length && sent[end] === sent[end - 1] + 1) end++;
      codes.set(r.codes.subarray(k, end), sent[k]);
      if (contents && r.contents) r.contents.copy(contents, sent[k] * PAGE_SIZE, k * PAGE_SIZE, end * PAGE_SIZE);
      k = end;
    }
    return { ...r, codes, contents };
  }

  /** Asked once: the domain a process runs in does not change. */
  ownDomain(): Promise<number | null> {
    this.own ??= (this.options.ownDomain?.() ?? Promise.resolve(null)).catch(() => null);
    return this.own;
  }

  async close(): Promise<void> {
    for (const d of this.domainDevices.values()) d.close();
    this.domainDevices.clear();
    this.lastDevice = null;
    this.device.close();
  }

  private checkAllowed(domain: number): void {
    const only = this.options.onlyDomain;
    if (only !== undefined && domain !== only) throw new UnknownDomainError(domain, `this framescope serves domain ${only} only`);
  }

  /** A descriptor restricted to `domain`, opened on first use. */
  private deviceFor(domain: number): PrivcmdDevice {
    if (this.options.onlyDomain !== undefined || !this.restrictWorks) return this.device;
    if (domain === this.lastDeviceDomain && this.lastDevice) return this.lastDevice;
    let d = this.domainDevices.get(domain);
    if (d) {
      this.lastDeviceDomain = domain;
      this.lastDevice = d;
      // most recently used last, so the first is the one to close
      this.domainDevices.delete(domain);
      this.domainDevices.set(domain, d);
      return d;
    }
    d = PrivcmdDevice.open(this.options.syscalls, this.options.devicePath ?? PRIVCMD_PATH);
    try {
      d.restrict(domain);
    } catch (e) {
      d.close();
      if (e instanceof SyscallError && (e.errno === errno.ENOTTY || e.errno === errno.EINVAL)) {
        this.restrictWorks = false;
        return this.device;
      }
      throw e;
    }
    if (this.forcedAbi) d.forceAbi(this.forcedAbi);
    this.domainDevices.set(domain, d);
    this.lastDeviceDomain = domain;
    this.lastDevice = d;
    if (this.domainDevices.size > MAX_DOMAIN_DEVICES) {
      const [oldest, device] = this.domainDevices.entries().next().value!;
      device.close();
      this.domainDevices.delete(oldest);
    }
    return d;
  }

  /** XENMEM_current_reservation and _maximum_reservation: a stable ABI, unlike the domctl. */
  private askSizes(domain: number): DomainSizes {
    const known = this.sizes.get(domain);
    if (this.mainRestricted) return known ?? { currentPages: null, maxPages: null };
    const ask = (query: () => number) => {
      try {
        return query();
      } catch {
        return null; // the hypervisor would not say (domain gone meanwhile)
      }
    };
    const sizes = { currentPages: ask(() => this.device.currentReservation(domain)), maxPages: ask(() => this.device.maximumReservation(domain)) };
    this.sizes.set(domain, sizes);
    return sizes;
  }

  private askFacts(domain: number): DomainFacts {
    if (this.mainRestricted) return this.facts.get(domain) ?? { info: null };
    let facts: DomainFacts;
    try {
      facts = { info: this.domainInfo.read(domain) };
    } catch (e) {
      if (e instanceof UnknownDomainError) facts = { info: null };
      else if (e instanceof DomctlVersionError) facts = { info: null, error: e.message };
      else facts = { info: null, error: `XEN_DOMCTL_getdomaininfo of domain ${domain}: ${(e as Error).message}` };
    }
    this.facts.set(domain, facts);
    return facts;
  }

  private knownOrAskedFrameCount(domain: number): number | null {
    if (this.options.onlyDomain === domain) return this.frameCounts.get(domain) ?? null;
    try {
      const frames = this.device.maximumGpfn(domain) + 1;
      this.frameCounts.set(domain, frames);
      return frames;
    } catch {
      return null; // the hypervisor would not say (domain gone meanwhile)
    }
  }

  /** Whether the range is inside the domain's frame count as last asked (checkRange's common case). */
  private rangeKnownGood(domain: number, first: number, count: number): boolean {
    const frames = this.frameCounts.get(domain);
    const only = this.options.onlyDomain;
    return frames !== undefined && (only === undefined || only === domain) && Number.isSafeInteger(first) && first >= 0 &&
      Number.isSafeInteger(count) && count >= 1 && first + count <= frames;
  }

  /**
   * Every gfn is checked against the domain's size here: a PV dom0 silently maps frame
   * numbers at or above 2^40 onto low frames instead of refusing them.
   */
  private async checkRange(domain: number, first: number, count: number): Promise<void> {
    this.checkAllowed(domain);
    if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`bad frame range: first ${first}, count ${count}`);
    }
    let frames = this.frameCounts.get(domain);
    if (frames === undefined || first + count > frames) frames = await this.frameCount(domain);
    if (first + count > frames) {
      throw new RangeError(`frames ${hex(first)}-${hex(first + count - 1)} are past the end of domain ${domain} (last frame ${hex(frames - 1)})`);
    }
  }
}


/** gfns first..first+count-1, written as 32-bit halves: no BigInt per frame. */
export function gfnArray(first: number, count: number): BigUint64Array {
  return fillGfns(new BigUint64Array(count), first);
}

function fillGfns(gfns: BigUint64Array, first: number): BigUint64Array {
  fillConsecutiveGfns(new Uint32Array(gfns.buffer, gfns.byteOffset, gfns.length * 2), first);
  return gfns;
}

/** Frame numbers as the ioctl takes them, written as 32-bit halves. */
function frameArray(frames: ArrayLike<number>): BigUint64Array {
  const out = new BigUint64Array(frames.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < frames.length; i++) {
    words[2 * i] = frames[i] >>> 0;
    words[2 * i + 1] = Math.floor(frames[i] / 0x100000000);
  }
  return out;
}
