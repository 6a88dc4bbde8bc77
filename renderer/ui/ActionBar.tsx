/**
 * The top bar's actions: find, timeline, snapshots (open, save, diff), exports and the
 * shortcuts list. Each says its shortcut; each runs the command the key and the menu run.
 */
import { useEffect, useRef, useState } from 'react';

import { useFramescopeStore, useFs } from '../store/react';
import { exportPng, openSnapshot } from './commands';
import { RegionsButton } from './RegionsPanel';

function ExportMenu() {
  const store = useFramescopeStore();
  const exportScan = useFs((s) => s.exportScan);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('pointerdown', close);
    return () => window.removeEventListener('pointerdown', close);
  }, [open]);

  const item = (testId: string, label: string, keys: string, run: () => void) => (
    <button type="button" role="menuitem" className="menu-item" data-testid={testId} onClick={() => {
      setOpen(false);
      run();
    }}>
      {label} <kbd>{keys}</kbd>
    </button>
  );

  return (
    <div className="menu" ref={root} onKeyDown={(e) => {
      if (e.key === 'Escape' && open) {
        e.preventDefault();
        setOpen(false);
      }
    }}>
      <button type="button" className="btn btn-small" data-testid="export-button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}
        title="Export the scan on show: statuses as CSV or JSON, the grid as PNG">
        Export ▾
      </button>
      {open && (
        <div className="menu-list" role="menu">
          {item('export-csv', 'Statuses as CSV', 'Ctrl+E', () => void exportScan('csv'))}
          {item('export-json', 'Statuses as JSON', 'Ctrl+Shift+E', () => void exportScan('json'))}
          <div className="menu-sep" />
          {item('export-png-view', 'Grid as PNG: the view', 'Ctrl+P', () => void exportPng(store, false))}
          {item('export-png-whole', 'Grid as PNG: the whole grid', 'Ctrl+Shift+P', () => void exportPng(store, true))}
        </div>
      )}
    </div>
  );
}

export function ActionBar() {
  const store = useFramescopeStore();
  const searchOpen = useFs((s) => s.searchOpen);
  const timelineOpen = useFs((s) => s.timelineOpen);
  const setSearchOpen = useFs((s) => s.setSearchOpen);
  const setTimelineOpen = useFs((s) => s.setTimelineOpen);
  const exportScan = useFs((s) => s.exportScan);
  const openDialog = useFs((s) => s.openDialog);
  const busy = useFs((s) => s.busy);

  return (
    <div className="action-bar" role="toolbar" aria-label="Tools">
      <button type="button" className={`btn btn-small${searchOpen ? ' is-pressed' : ''}`} data-testid="find-button" aria-pressed={searchOpen}
        onClick={() => setSearchOpen(!searchOpen)} title="Search memory for a string or bytes (Ctrl+F)">
        Find
      </button>
      <button type="button" className={`btn btn-small${timelineOpen ? ' is-pressed' : ''}`} data-testid="timeline-button" aria-pressed={timelineOpen}
        onClick={() => setTimelineOpen(!timelineOpen)} title="Counts of each status over the session's scans (Ctrl+T)">
        Timeline
      </button>
      <RegionsButton />
      <span className="toolbar-sep" />
      <button type="button" className="btn btn-small" data-testid="open-snapshot-button" onClick={() => void openSnapshot(store)}
        title="Open a snapshot file (.fsnap) and show it (Ctrl+Shift+O)">
        Open…
      </button>
      <button type="button" className="btn btn-small" data-testid="save-snapshot-button" onClick={() => void exportScan('snapshot')}
        title="Save the scan on show as a snapshot file (Ctrl+S)">
        Save
      </button>
      <button type="button" className="btn btn-small" data-testid="diff-button" onClick={() => openDialog('diff')}
        title="Compare two of the session's scans or snapshots (Ctrl+D)">
        Diff…
      </button>
      <ExportMenu />
      <span className="toolbar-sep" />
      <button type="button" className="btn btn-small btn-icon-small" data-testid="shortcuts-button" onClick={() => openDialog('shortcuts')}
        title="Keyboard shortcuts (F1 or ?)" aria-label="Keyboard shortcuts">
        ?
      </button>
      {busy && (
        <span className="busy-note" role="status">
          <span className="spinner-small" aria-hidden="true" />
          <span className="busy-text" title={busy}>{busy}</span>
        </span>
      )}
    </div>
  );
}
