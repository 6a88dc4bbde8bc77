/**
 * Files dropped on the window: a snapshot (.fsnap) opens as one, anywhere; any other file is a
 * memory dump, which only the desktop app may open (the main process reads it). The hidden
 * file input is how a browser opens a snapshot (Ctrl+Shift+O clicks it).
 */
import { useEffect, useRef, useState } from 'react';

import { desktopBridge } from '../platform/desktop';
import { readFileBytes, snapshotPicker } from '../platform/files';
import { errorMessage } from '../store/errors';
import { useFs } from '../store/react';

const SNAPSHOT_EXTENSION = '.fsnap';

function hasFiles(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes('Files') ?? false;
}

export function FileDrop() {
  const importSnapshot = useFs((s) => s.importSnapshot);
  const notify = useFs((s) => s.notify);
  const [over, setOver] = useState(false);
  const depth = useRef(0);

  useEffect(() => {
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setOver(true);
    };
    const overHandler = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    };
    const drop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      // Never let the browser navigate to the file: that would leave the app.
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      if (file.name.toLowerCase().endsWith(SNAPSHOT_EXTENSION)) {
        void readFileBytes(file).then((bytes) => importSnapshot(file.name, bytes), (err) => notify('error', `${file.name}: ${errorMessage(err)}`));
        return;
      }
      const desktop = desktopBridge();
      if (!desktop) {
        notify('error', `${file.name}: memory dumps are opened by the desktop app (framescope serve may not open files); snapshots (.fsnap) open here`);
        return;
      }
      desktop.dropFile(file).then((dropped) => desktop.openDump(dropped.handle))
        .catch((err) => notify('error', `Could not open ${file.name}: ${errorMessage(err)}`));
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [importSnapshot, notify]);

  if (!over) return null;
  const desktop = desktopBridge() !== null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div className="drop-card">
        <strong>{desktop ? 'Drop a memory dump to inspect it' : 'Drop a snapshot to open it'}</strong>
        <span>{desktop ? 'xl dump-core, QEMU/libvirt ELF or raw; or a snapshot (.fsnap)' : 'framescope snapshots (.fsnap)'}</span>
      </div>
    </div>
  );
}

export function SnapshotInput() {
  const input = useRef<HTMLInputElement>(null);
  const importSnapshot = useFs((s) => s.importSnapshot);
  const notify = useFs((s) => s.notify);
  useEffect(() => {
    snapshotPicker.open = () => input.current?.click();
    return () => {
      snapshotPicker.open = null;
    };
  }, []);
  return (
    <input ref={input} type="file" accept={SNAPSHOT_EXTENSION} className="visually-hidden" data-testid="snapshot-input" tabIndex={-1} aria-hidden="true"
      onChange={(e) => {
        const file = e.target.files?.[0];
        e.target.value = '';
        if (!file) return;
        readFileBytes(file).then((bytes) => importSnapshot(file.name, bytes), (err) => notify('error', `${file.name}: ${errorMessage(err)}`));
      }} />
  );
}
