/**
 * What is inspected: the simulated host's badge, or "dump: <file>" while a dump is open; and
 * in the desktop app, the dumps (open one, the recent ones, back to the host). A browser has
 * no dumps to open (the server may not open files), so it shows none of that.
 */
import { useEffect, useRef, useState } from 'react';

import type { ChosenFile } from '../../app/desktop-api';
import { desktopBridge } from '../platform/desktop';
import { errorMessage } from '../store/errors';
import { useFs } from '../store/react';

export function SourceBadge() {
  const host = useFs((s) => s.host);
  // The one domain of a dump is named after its file.
  const dumpName = useFs((s) => s.domains[0]?.name ?? null);
  if (!host) return null;
  if (host.backend === 'dump') {
    return (
      <span className="dump-badge" data-testid="dump-badge" title={host.description}>
        dump: {dumpName ?? host.description}
      </span>
    );
  }
  if (!host.simulated) return null;
  return (
    <span className="sim-badge" data-testid="sim-badge" title={host.description}>
      Simulated host
    </span>
  );
}

export function DumpMenu() {
  const desktop = desktopBridge();
  const host = useFs((s) => s.host);
  const notify = useFs((s) => s.notify);
  const [open, setOpen] = useState(false);
  const [recent, setRecent] = useState<ChosenFile[] | null>(null);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open || !desktop) return;
    let live = true;
    desktop.recentDumps().then((list) => live && setRecent(list), () => live && setRecent([]));
    const close = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('pointerdown', close);
    return () => {
      live = false;
      window.removeEventListener('pointerdown', close);
    };
  }, [open, desktop]);

  if (!desktop) return null;
  const act = (what: string, job: () => Promise<unknown>) => {
    setOpen(false);
    job().catch((e) => notify('error', `${what}: ${errorMessage(e)}`));
  };

  return (
    <div className="menu" ref={root}>
      <button type="button" className="btn btn-small" data-testid="dumps-button" aria-haspopup="menu" aria-expanded={open}
        onClick={() => setOpen(!open)} title="Inspect a memory dump instead of the host (Ctrl+O)">
        Dumps ▾
      </button>
      {open && (
        <div className="menu-list" role="menu" data-testid="dumps-menu" onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          <button type="button" role="menuitem" className="menu-item" onClick={() => act('Open dump', () => desktop.openDumpDialog())}>
            Open dump… <kbd>Ctrl+O</kbd>
          </button>
          {host?.backend === 'dump' && (
            <button type="button" role="menuitem" className="menu-item" data-testid="back-to-host" onClick={() => act('Back to the host', () => desktop.inspectHost())}>
              Back to the host
            </button>
          )}
          <div className="menu-heading">Recent dumps</div>
          {recent === null && <div className="menu-note">Loading…</div>}
          {recent?.length === 0 && <div className="menu-note">None yet</div>}
          {recent?.map((file) => (
            <button key={file.handle} type="button" role="menuitem" className="menu-item menu-path" data-testid="recent-dump" title={file.path}
              onClick={() => act(`Open ${file.path}`, () => desktop.openDump(file.handle))}>
              {file.path}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
