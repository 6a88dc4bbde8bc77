/**
 * Frames from a dump file instead of a live host: `xl dump-core` (xen-core.ts), QEMU / libvirt
 * ELF dumps (qemu-elf.ts) or a raw image (raw.ts), told apart by their content, never their
 * name. The file is one pseudo-domain; frames it holds map (code 0), frames it records as absent
 * or does not cover are CODE_NOT_IN_DUMP. Contents come from positioned reads of the runs that
 * hold them; the file is never loaded whole.
 */
import { basename } from 'node:path';

import type { DomainInfo, PrivcmdAbiName } from '../api';
import { FrameSource, MapFramesOptions, MappedFrames, SourceDescription, UnknownDomainError } from '../frame-source';
import { CODE_MAPPED, CODE_NOT_IN_DUMP } from '../frame-status';
import { hex } from '../numbers';
import { DumpFile } from './dump-file';
import { isElf, readElfHeader, readSections } from './elf';
import { refuseForeignFormat, SIGNATURE_BYTES } from './foreign-formats';
import { type DumpKind, type DumpLayout, type FrameRuns, PAGE_SIZE } from './layout';
import { readQemuElf } from './qemu-elf';
import { readRawImage } from './raw';
import { isXenCore, readXenCore, xenCoreKind } from './xen-core';

export { DumpFormatError } from './dump-file';
export type { DumpKind } from './layout';

/** The dump's one pseudo-domain. */
export const DUMP_DOMAIN_ID = 0;

/** One call copies at most this many frames (256 MiB); the scanner asks for at most 16 K. */
export const MAX_COPY_FRAMES = 65536;

/** Opens and indexes a dump; a file it cannot use is a DumpFormatError naming the file. */
export async function openDumpSource(path: string): Promise<DumpFrameSource> {
  const file = await DumpFile.open(path);
  try {
    return new DumpFrameSource(file, await readLayout(file));
  } catch (e) {
    await file.close();
    throw e;
  }
}

/** The dump's kind, from the headers only (the page tables are not read). */
export async function detectDumpKind(path: string): Promise<DumpKind> {
  const file = await DumpFile.open(path);
  try {
    return await detectKind(file);
  } finally {
    await file.close();
  }
}

async function detectKind(file: DumpFile): Promise<DumpKind> {
  const head = await readHead(file);
  if (!isElf(head)) return 'raw';
  const sections = await readSections(file, await readElfHeader(file));
  return isXenCore(sections) ? xenCoreKind(file, sections) : 'qemu-elf';
}

async function readLayout(file: DumpFile): Promise<DumpLayout> {
  const head = await readHead(file);
  if (!isElf(head)) return readRawImage(file);
  const elf = await readElfHeader(file);
  const sections = await readSections(file, elf);
  return isXenCore(sections) ? readXenCore(file, elf, sections) : readQemuElf(file, elf);
}

async function readHead(file: DumpFile): Promise<Buffer> {
  if (file.size === 0) file.fail('empty file');
  const head = await file.read('file header', 0, Math.min(file.size, SIGNATURE_BYTES));
  refuseForeignFormat(file, head);
  return head;
}

export class DumpFrameSource implements FrameSource {
  readonly abi: PrivcmdAbiName | null = null;
  readonly kind: DumpKind;
  /** Highest gfn + 1. */
  readonly frames: number;
  /** Frames the file holds. */
  readonly presentFrames: number;
  private readonly runs: FrameRuns;

  constructor(private readonly file: DumpFile, layout: DumpLayout) {
    this.kind = layout.kind;
    this.frames = layout.frames;
    this.runs = layout.runs;
    this.presentFrames = layout.runs.present;
  }

  get path(): string {
    return this.file.path;
  }

  describe(): SourceDescription {
    return { backend: 'dump', simulated: false, description: `${this.kind} ${this.file.path} (${this.presentFrames} frames present of ${this.frames})` };
  }

  async listDomains(): Promise<DomainInfo[]> {
    return [{
      id: DUMP_DOMAIN_ID,
      name: basename(this.file.path),
      memoryKiB: this.presentFrames * (PAGE_SIZE / 1024),
      maxMemoryKiB: null,
      frames: this.frames,
    }];
  }

  async frameCount(domain: number): Promise<number> {
    this.checkDomain(domain);
    return this.frames;
  }

  async mapFrames(domain: number, first: number, count: number, options: MapFramesOptions): Promise<MappedFrames> {
    this.checkDomain(domain);
    this.checkRange(first, count, !!options.copy);
    const codes = new Uint8Array(count).fill(CODE_NOT_IN_DUMP);
    const contents = options.copy ? new Uint8Array(count * PAGE_SIZE) : undefined;
    const reads = new ReadPlan();
    const end = first + count;
    const runs = this.runs;
    for (let i = Math.max(0, runs.indexAtOrBefore(first)); i < runs.count && runs.gfn(i) < end; i++) {
      const runStart = runs.gfn(i);
      const from = Math.max(first, runStart);
      const to = Math.min(end, runStart + runs.frames(i));
      if (from >= to) continue;
      codes.fill(CODE_MAPPED, from - first, to - first);
      if (!contents) continue;
      const skipped = (from - runStart) * PAGE_SIZE;
      reads.add((from - first) * PAGE_SIZE, runs.offset(i) + skipped, Math.min((to - from) * PAGE_SIZE, runs.bytes(i) - skipped));
    }
    if (contents) await reads.run(this.file, contents);
    return { codes, contents, abi: null, retried: 0, recovered: 0, retryTimedOut: false };
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private checkDomain(domain: number): void {
    if (domain !== DUMP_DOMAIN_ID) throw new UnknownDomainError(domain, `no such domain (a dump file holds only domain ${DUMP_DOMAIN_ID})`);
  }

  private checkRange(first: number, count: number, copy: boolean): void {
    if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`bad frame range: first ${first}, count ${count}`);
    }
    if (first + count > this.frames) {
      throw new RangeError(`frames ${hex(first)}-${hex(first + count - 1)} are past the end of the dump (last frame ${hex(this.frames - 1)})`);
    }
    if (copy && count > MAX_COPY_FRAMES) throw new RangeError(`cannot copy ${count} frames in one call (at most ${MAX_COPY_FRAMES})`);
  }
}

/** Reads into one buffer, each a run of consecutive file bytes going to consecutive buffer bytes. */
class ReadPlan {
  private readonly reads: Array<{ target: number; position: number; length: number }> = [];

  add(target: number, position: number, length: number): void {
    const last = this.reads[this.reads.length - 1];
    if (last && last.target + last.length === target && last.position + last.length === position) {
      last.length += length;
    } else {
      this.reads.push({ target, position, length });
    }
  }

  async run(file: DumpFile, into: Uint8Array): Promise<void> {
    for (const r of this.reads) await file.readInto(into, r.target, r.length, r.position);
  }
}
