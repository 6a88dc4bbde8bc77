/** Writing scans to files (snapshots, CSV, JSON) and reading snapshots back, for the CLI and the app. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { HostInfo, ScanSummary } from './api';
import { runsToCsv, scanToJson } from './runs-export';
import { decodeSnapshot, encodeSnapshot, MAX_SNAPSHOT_BYTES, Snapshot, snapshotHeaderFor, SNAPSHOT_EXTENSION } from './snapshot';

export type ExportFormat = 'snapshot' | 'csv' | 'json';

export function exportFormatOf(file: string): ExportFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === SNAPSHOT_EXTENSION) return 'snapshot';
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  throw Object.assign(new Error(`--out: '${file}' must end in ${SNAPSHOT_EXTENSION} (snapshot), .csv or .json`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
}

/** The file's bytes. A snapshot holds only the frames scanned (a stopped scan's prefix). */
export function exportScan(format: ExportFormat, summary: ScanSummary, codes: Uint8Array, domainName: string,
  host: Pick<HostInfo, 'backend' | 'description' | 'hostname'>): Uint8Array {
  if (format === 'csv') return Buffer.from(runsToCsv(summary.first, codes));
  if (format === 'json') return Buffer.from(scanToJson(summary, codes));
  const scanned = summary.scanned;
  const partial: ScanSummary = { ...summary, last: summary.first + scanned - 1, frames: scanned };
  return encodeSnapshot({ header: snapshotHeaderFor(partial, domainName, host), codes: codes.subarray(0, scanned) });
}

/** Names tried before giving up: each is 64 random bits, so a second try means someone is planting them. */
const TEMP_NAME_TRIES = 8;
/** The temporary file is its owner's alone until it has its name. */
const TEMP_MODE = 0o600;
/** Created exclusively, never through a symbolic link (O_EXCL alone refuses one; O_NOFOLLOW says so twice). */
const TEMP_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
/** What a new file gets before the umask, as fs.writeFile gives it. */
const NEW_FILE_MODE = 0o666;

/** A new temporary name beside `file` for each try; random, so another user cannot plant it in advance. */
export type TempNamer = (file: string, attempt: number) => string;

const randomTempName: TempNamer = (file) => path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);

/** The process's umask, read without setting it (process.umask() sets it twice, racing other threads). */
function currentUmask(): number {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
    if (m) return parseInt(m[1], 8);
  } catch {
    // not Linux, or no /proc: the usual default
  }
  return 0o022;
}

/** The mode the written file ends with: an existing file's own, else a new file's. */
function finalMode(file: string): number {
  try {
    const st = fs.statSync(file);
    if (st.isFile()) return st.mode & 0o7777;
  } catch {
    // no such file yet
  }
  return NEW_FILE_MODE & ~currentUmask();
}

function errorText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Written beside the target and renamed over it, so a failed or interrupted write never leaves
 * half a file: a temporary file with a random name, created exclusively (a symbolic link planted
 * at its name is never followed), mode 0600 until it is renamed, fsynced before the rename and
 * the directory after it. It is removed on every failure. The writes are synchronous: a signal
 * handler (the CLI's) runs only once the file is whole or gone.
 */
export function writeFileAtomic(file: string, data: Uint8Array, tempName: TempNamer = randomTempName): void {
  const mode = finalMode(file);
  let tmp: string | null = null;
  let fd: number | null = null;
  try {
    for (let attempt = 0; fd === null; attempt++) {
      const name = tempName(file, attempt);
      try {
        fd = fs.openSync(name, TEMP_FLAGS, TEMP_MODE);
        tmp = name;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'EEXIST' && code !== 'ELOOP') || attempt + 1 >= TEMP_NAME_TRIES) throw e;
      }
    }
    for (let done = 0; done < data.byteLength;) done += fs.writeSync(fd, data, done, data.byteLength - done);
    fs.fsyncSync(fd);
    fs.renameSync(tmp!, file);
    tmp = null;
    // through the descriptor: the name may already be someone else's to change
    fs.fchmodSync(fd, mode);
  } catch (e) {
    throw new Error(`cannot write ${file}: ${errorText(e)}`);
  } finally {
    if (fd !== null) fs.closeSync(fd);
    if (tmp !== null) fs.rmSync(tmp, { force: true });
  }
  syncDirectory(path.dirname(file));
}

/** Makes the rename itself durable where the file system allows a directory to be fsynced. */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    fs.fsyncSync(fd);
  } catch {
    // some file systems refuse (EINVAL): the file is written, only its durability is the kernel's
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/**
 * Fails unless `file` can be written: its directory exists, is a directory and is writable,
 * and the file, if it exists, is not a directory. Checked before a long scan, not after it.
 */
export function checkWritableTarget(file: string): void {
  const dir = path.dirname(path.resolve(file));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch (e) {
    throw new Error(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `no directory ${dir}` : errorText(e)}`);
  }
  if (!st.isDirectory()) throw new Error(`cannot write ${file}: ${dir} is not a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new Error(`cannot write ${file}: the directory ${dir} is not writable`);
  }
  try {
    if (fs.statSync(file).isDirectory()) throw new Error(`cannot write ${file}: it is a directory`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/**
 * A snapshot file's bytes, at most MAX_SNAPSHOT_BYTES: the size is checked on the open file
 * (fstat, so it cannot change between the check and the read), and anything but a regular
 * file (a device such as /dev/zero, a FIFO, a directory) is refused before a byte is read.
 */
export function readSnapshotBytes(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : errorText(e)}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new Error(`${file}: is a directory`);
    if (!st.isFile()) throw new Error(`${file}: not a regular file (a snapshot is a .fsnap file)`);
    if (st.size > MAX_SNAPSHOT_BYTES) throw new Error(`${file}: ${st.size} bytes is too large for a snapshot (at most ${MAX_SNAPSHOT_BYTES})`);
    const data = Buffer.alloc(st.size);
    let done = 0;
    while (done < data.length) {
      const n = fs.readSync(fd, data, done, data.length - done, done);
      if (n === 0) break;
      done += n;
    }
    // a file that shrank while being read is truncated: the decoder says so
    return done === data.length ? data : data.subarray(0, done);
  } finally {
    fs.closeSync(fd);
  }
}

export function readSnapshotFile(file: string): Snapshot {
  return decodeSnapshot(readSnapshotBytes(file), file);
}
