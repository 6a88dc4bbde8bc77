/**
 * Where frames come from: the privcmd device (real or emulated) or, later, a dump file. The
 * scanner and the inspector service work on this interface only.
 */
import type { BatchStages } from '../native/privcmd-device';
import type { Backend, DomainInfo, GuestType, PrivcmdAbiName, ScanMode } from './api';

export interface MapFramesOptions {
  mode: ScanMode;
  /** Copy the contents of mapped frames out. */
  copy?: boolean;
  retryTimeoutMs?: number;
  signal?: AbortSignal;
  /** The ioctl to use; unset lets the device choose (V2, V1 where the kernel lacks it). */
  abi?: PrivcmdAbiName;
  /** Where a privcmd source adds the time its batches spend in each stage. */
  stages?: BatchStages;
  /** Where the codes may go (count bytes): a source may answer with a view of it rather than an array of its own. */
  into?: Uint8Array;
}

export interface MappedFrames {
  /** One frame code per frame (see frame-status.ts). */
  codes: Uint8Array;
  /** count * pageSize bytes when asked for; frames that did not map read as zeroes. */
  contents?: Uint8Array;
  abi: PrivcmdAbiName | null;
  retried: number;
  recovered: number;
  retryTimedOut: boolean;
}

export interface SourceDescription {
  backend: Backend;
  simulated: boolean;
  description: string;
}

export interface FrameSource {
  describe(): SourceDescription;
  readonly abi: PrivcmdAbiName | null;
  listDomains(): Promise<DomainInfo[]>;
  /** Highest gfn + 1; throws a clear error for a domain that does not exist. */
  frameCount(domain: number): Promise<number>;
  /** Frames [first, first + count) of the domain, in one batch. */
  mapFrames(domain: number, first: number, count: number, options: MapFramesOptions): Promise<MappedFrames>;
  /**
   * The same answer without awaiting, where the source can give it at once; null where it
   * cannot (then mapFrames). Saves a scan a turn of the event loop per batch.
   */
  mapFramesNow?(domain: number, first: number, count: number, options: MapFramesOptions): MappedFrames | null;
  /**
   * The domain framescope runs in (a dom0: 0), null when unknown or when there is none (a
   * dump). Xen refuses to map a domain's own frames through privcmd: every one answers ESRCH.
   */
  ownDomain?(): Promise<number | null>;
  /** PV, PVH or HVM; null, with why when known, when the hypervisor would not say. */
  guestType?(domain: number): Promise<{ type: GuestType | null; why?: string }>;
  close(): Promise<void>;
}

/** A domain id or name the source does not know, or one that went away. */
export class UnknownDomainError extends Error {
  constructor(readonly domain: number | string, detail = 'no such domain') {
    super(`domain ${domain}: ${detail}`);
    this.name = 'UnknownDomainError';
  }
}
