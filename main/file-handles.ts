/**
 * The files the page may name, each by an opaque handle main hands out and keeps: files the
 * user chose in a dialog or dropped on the window, and the recent dumps main remembers. The
 * page never sends a path, so a compromised page reads or overwrites only what the user chose.
 * Kept free of Electron imports so that tests run it under plain Node.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { ChosenFile, FileHandle } from '../app/desktop-api';

/**
 * What a handle lets the page do: `read` (a dump to inspect: chosen, dropped or recent), or
 * `write` (a file a save dialog chose: written once, then the handle is spent).
 */
export type FileMode = 'read' | 'write';

/** Handles kept at once; the oldest is forgotten first (the recent list alone holds 10). */
export const MAX_FILE_HANDLES = 64;

const HANDLE_BYTES = 16;
/** 16 random bytes in base64url: what a handle looks like, for the IPC schemas. */
export const FILE_HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export class FileHandleError extends Error {
  constructor(message: string, readonly code: 'EBADF' | 'EPERM') {
    super(message);
    this.name = 'FileHandleError';
  }
}

interface Entry {
  path: string;
  mode: FileMode;
}

export class FileHandles {
  /** In the order registered or last re-registered: the first is the oldest. */
  private readonly entries = new Map<FileHandle, Entry>();

  constructor(private readonly limit = MAX_FILE_HANDLES) {}

  get size(): number {
    return this.entries.size;
  }

  /** A handle for `filePath`; the same one again for a path already known in that mode. */
  register(filePath: string, mode: FileMode): ChosenFile {
    let handle = [...this.entries].find(([, e]) => e.path === filePath && e.mode === mode)?.[0];
    if (handle) this.entries.delete(handle);
    else handle = randomBytes(HANDLE_BYTES).toString('base64url');
    this.entries.set(handle, { path: filePath, mode });
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    return { handle, name: path.basename(filePath), path: filePath };
  }

  /** The path `handle` stands for, if it was handed out for `mode`; a write handle is spent. */
  take(handle: FileHandle, mode: FileMode): string {
    const entry = this.entries.get(handle);
    if (!entry) throw new FileHandleError('that file is no longer known to the app: choose it again', 'EBADF');
    if (entry.mode !== mode) {
      throw new FileHandleError(mode === 'write' ? `${path.basename(entry.path)} was not chosen to be saved to` : `${path.basename(entry.path)} was chosen to be saved to, not opened`, 'EPERM');
    }
    if (mode === 'write') this.entries.delete(handle);
    return entry.path;
  }
}
