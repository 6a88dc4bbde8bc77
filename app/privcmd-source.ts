/**
 * Frames from /dev/xen/privcmd: the real device through libc, or the emulator through the
 * same calls. Domain names and sizes come from a lister (xenstore on a real host, the
 * emulator's host model on the simulated one); frame counts always come from the hypervisor.
 */
import { PrivcmdDevice, PRIVCMD_PATH } from '../native/privcmd-device';
import { errno, SyscallError, Syscalls } from '../native/syscalls';
import type { DomainInfo, PrivcmdAbiName } from './api';
import {
  FrameSource,
  MapFramesOptions,
  MappedFrames,
  SourceDescription,
  UnknownDomainError,
} from './frame-source';
import { hex } from './numbers';

/** What the lister knows of a domain before the hypervisor is asked for its size. */
export type ListedDomain = Omit<DomainInfo, 'frames'>;

export interface PrivcmdSourceOptions {
  syscalls: Syscalls;
  description: SourceDescription;
  listDomains: () => Promise<ListedDomain[]>;
  devicePath?: string;
}

export const DEFAULT_RETRY_TIMEOUT_MS = 2000;

export class PrivcmdFrameSource implements FrameSource {
  private readonly frameCounts = new Map<number, number>();

  private constructor(private readonly device: PrivcmdDevice, private readonly options: PrivcmdSourceOptions) {}

  /** Opens the device; a missing device or a refused open is a SyscallError naming the path. */
  static open(options: PrivcmdSourceOptions): PrivcmdFrameSource {
    return new PrivcmdFrameSource(PrivcmdDevice.open(options.syscalls, options.devicePath ?? PRIVCMD_PATH), options);
  }

  describe(): SourceDescription {
    return this.options.description;
  }

  get abi(): PrivcmdAbiName | null {
    return this.device.detectedAbi;
  }

  /** For tests and for comparing the two ioctls on one host. */
  forceAbi(abi: PrivcmdAbiName): void {
    this.device.forceAbi(abi);
  }

  async listDomains(): Promise<DomainInfo[]> {
    const listed = await this.options.listDomains();
    return listed.map((d) => ({ ...d, frames: this.tryFrameCount(d.id) }));
  }

  async frameCount(domain: number): Promise<number> {
    try {
      const frames = this.device.maximumGpfn(domain) + 1;
      this.frameCounts.set(domain, frames);
      return frames;
    } catch (e) {
      if (e instanceof SyscallError && e.errno === errno.ESRCH) throw new UnknownDomainError(domain);
      throw e;
    }
  }

  async mapFrames(domain: number, first: number, count: number, options: MapFramesOptions): Promise<MappedFrames> {
    await this.checkRange(domain, first, count);
    const result = await this.device.mapBatch(domain, gfnArray(first, count), {
      paged: options.mode === 'retry'
        ? { mode: 'retry', timeoutMs: options.retryTimeoutMs ?? DEFAULT_RETRY_TIMEOUT_MS }
        : { mode: 'observe' },
      copy: options.copy,
      signal: options.signal,
    });
    return {
      codes: result.codes,
      contents: result.contents,
      abi: result.abi,
      retried: result.retried,
      recovered: result.recovered,
      retryTimedOut: result.retryTimedOut,
    };
  }

  /** Restricts the descriptor to one domain (IOCTL_PRIVCMD_RESTRICT); sizes must be known first. */
  restrict(domain: number): void {
    this.device.restrict(domain);
  }

  async close(): Promise<void> {
    this.device.close();
  }

  private tryFrameCount(domain: number): number | null {
    try {
      const frames = this.device.maximumGpfn(domain) + 1;
      this.frameCounts.set(domain, frames);
      return frames;
    } catch {
      return null; // the hypervisor would not say (restricted descriptor, domain gone)
    }
  }

  /**
   * Every gfn is checked against the domain's size here: a PV dom0 silently maps frame
   * numbers at or above 2^40 onto low frames instead of refusing them.
   */
  private async checkRange(domain: number, first: number, count: number): Promise<void> {
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

export { hex };

/** gfns first..first+count-1, written as 32-bit halves: no BigInt per frame. */
export function gfnArray(first: number, count: number): BigUint64Array {
  const gfns = new BigUint64Array(count);
  const words = new Uint32Array(gfns.buffer);
  for (let i = 0; i < count; i++) {
    const g = first + i;
    words[2 * i] = g >>> 0;
    words[2 * i + 1] = Math.floor(g / 0x100000000);
  }
  return gfns;
}
