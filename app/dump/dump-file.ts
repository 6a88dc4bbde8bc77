/**
 * A dump file opened for positioned reads, and the one error every format reader throws for a
 * file it cannot use. Readers never load a file whole: they read headers and tables in bounded
 * pieces through this class, and every read is checked against the size the file had at open.
 */
import { open, type FileHandle } from 'node:fs/promises';

import { hex } from '../numbers';

/** A dump file that is malformed, truncated, hostile or of a format framescope does not read. */
export class DumpFormatError extends Error {
  constructor(readonly path: string, readonly detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'DumpFormatError';
  }
}

export class DumpFile {
  private closed = false;

  private constructor(readonly path: string, readonly size: number, private readonly handle: FileHandle) {}

  /** Opens a regular file read-only; open errors (ENOENT, EACCES) come through as Node reports them. */
  static async open(path: string): Promise<DumpFile> {
    const handle = await open(path, 'r');
    try {
      const stat = await handle.stat();
      // A block device reports size 0 here; reading one would need its own size probe.
      if (!stat.isFile()) throw new DumpFormatError(path, 'not a regular file');
      return new DumpFile(path, stat.size, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  fail(detail: string): never {
    throw new DumpFormatError(this.path, detail);
  }

  /**
   * Fails unless [offset, offset + length) lies inside the file. Written as two comparisons,
   * never a sum, so that huge or Infinity fields (see u64 in elf.ts) cannot wrap or turn NaN.
   */
  checkRange(what: string, offset: number, length: number): void {
    if (!(offset <= this.size && length <= this.size - offset)) {
      this.fail(`${what} (${describeSpan(offset, length)}) runs past the end of the file (${hex(this.size)} bytes)`);
    }
  }

  /** Exactly `length` bytes at `offset`; callers bound `length` before asking. */
  async read(what: string, offset: number, length: number): Promise<Buffer> {
    this.checkRange(what, offset, length);
    const buffer = Buffer.alloc(length);
    await this.readInto(buffer, 0, length, offset);
    return buffer;
  }

  /** Fills target[targetOffset, targetOffset + length) from the file at `position`. */
  async readInto(target: Uint8Array, targetOffset: number, length: number, position: number): Promise<void> {
    if (this.closed) throw new Error(`${this.path}: dump file is closed`);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(target, targetOffset + done, length - done, position + done);
      if (bytesRead === 0) {
        this.fail(`read of ${hex(length)} bytes at ${hex(position)} came up short at ${hex(position + done)} (file truncated while open?)`);
      }
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

function describeSpan(offset: number, length: number): string {
  const n = (v: number) => (Number.isFinite(v) ? hex(v) : '>= 2^53');
  return `${n(length)} bytes at ${n(offset)}`;
}
