/**
 * Saving and opening files the way the environment allows: the desktop app's native dialogs,
 * or in a browser a download (a Blob behind an <a download>) and a file input.
 */
import type { FileSink } from '../store/types';
import { desktopBridge } from './desktop';

/** How long a download's object URL stays valid: the download has started long before. */
const REVOKE_AFTER_MS = 60_000;

function download(fileName: string, bytes: Uint8Array, mime: string): string {
  // A copy into a plain ArrayBuffer: the Blob must not see a view of shared or larger memory.
  const blob = new Blob([bytes.slice()], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  return fileName;
}

export function createFileSink(): FileSink {
  return {
    async save({ fileName, bytes, mime }) {
      const desktop = desktopBridge();
      if (!desktop) return download(fileName, bytes, mime);
      const target = await desktop.chooseSaveFile({ defaultName: fileName });
      if (!target) return null;
      await desktop.writeFile(target.handle, bytes);
      return target.path;
    },
  };
}

/** Opens the file picker of a snapshot: registered by the hidden file input (SnapshotInput). */
export const snapshotPicker: { open: (() => void) | null } = { open: null };

export async function readFileBytes(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}
