/**
 * The page's commands, one function each: the desktop menus send them (onMenuCommand), the
 * keyboard runs them (commandForKey), and the buttons call the same functions. Every action
 * of the app is reachable by keyboard in a plain browser too.
 */
import { viewPng, wholeGridPng } from '../export/png';
import { desktopBridge } from '../platform/desktop';
import { snapshotPicker } from '../platform/files';
import type { PageCommand } from '../shortcuts';
import { errorMessage } from '../store/errors';
import { isPhaseActive, isScanActive } from '../store';
import type { FramescopeStore } from '../store/types';

const ZOOM_STEP = 1.5;
/** A menu command and a key press of the same command this close together are one press. */
const SAME_PRESS_MS = 400;

export type CommandSource = 'keyboard' | 'menu' | 'button';

export async function openSnapshot(store: FramescopeStore): Promise<void> {
  const desktop = desktopBridge();
  if (!desktop) {
    snapshotPicker.open?.();
    return;
  }
  try {
    const file = await desktop.openSnapshotDialog();
    if (file) await store.getState().importSnapshot(file.fileName, file.bytes);
  } catch (e) {
    store.getState().notify('error', `Could not open the snapshot: ${errorMessage(e)}`);
  }
}

export async function exportPng(store: FramescopeStore, whole: boolean): Promise<void> {
  const s = store.getState();
  const name = s.pastView?.record.domainName ?? s.domains.find((d) => d.id === s.domainId)?.name ?? 'grid';
  const stem = `${name.replace(/[^\w.-]+/g, '_')}-${whole ? 'grid' : 'view'}`;
  try {
    if (whole) {
      const { bytes, scale, cols, rows } = await wholeGridPng(s);
      const per = scale.level === 0 ? '1 px a frame' : `1 px per ${4 ** scale.level} frames`;
      const shape = s.layoutSpec.kind === 'hilbert' ? 'Hilbert curve' : `${cols} frames per row, ${rows} rows`;
      await s.saveBytes(`${stem}-${scale.width}x${scale.height}.png`, bytes, 'image/png', `whole grid (${shape}, ${per})`);
    } else {
      const png = await viewPng(s);
      await s.saveBytes(`${stem}.png`, png.bytes, 'image/png', `view (${png.width}×${png.height} px)`);
    }
  } catch (e) {
    s.notify('error', `Could not make the PNG: ${errorMessage(e)}`);
  }
}

/** Escape: the first of these that applies. */
function escape(store: FramescopeStore): boolean {
  const s = store.getState();
  if (s.dialog) s.openDialog(null);
  else if (isScanActive(s.scan)) void s.stopScan();
  else if (s.search && isPhaseActive(s.search.phase)) void s.stopSearch();
  else if (s.boxRange) s.setBoxRange(null);
  else if (s.highlight) s.setHighlight(null);
  else if (s.selectedGfn !== null) s.selectFrame(null);
  else return false;
  return true;
}

function focusSearch(): void {
  // After React has shown the panel.
  requestAnimationFrame(() => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="search-text"]');
    input?.focus();
    input?.select();
  });
}

/** Runs a command; false when it had nothing to do (the key is then left alone). */
export function runCommand(store: FramescopeStore, command: PageCommand): boolean {
  const s = store.getState();
  switch (command) {
    case 'open-snapshot': void openSnapshot(store); return true;
    case 'save-snapshot': void s.exportScan('snapshot'); return true;
    case 'diff-snapshots': s.openDialog('diff'); return true;
    case 'export-csv': void s.exportScan('csv'); return true;
    case 'export-json': void s.exportScan('json'); return true;
    case 'export-png-view': void exportPng(store, false); return true;
    case 'export-png-whole': void exportPng(store, true); return true;
    case 'find': s.setSearchOpen(true); focusSearch(); return true;
    case 'rescan': void s.rescan(); return true;
    case 'toggle-auto-rescan': s.toggleAutoRescan(); return true;
    case 'page-in': void s.startPageIn(); return true;
    case 'fit': s.fit(); return true;
    case 'zoom-in': s.zoomBy(ZOOM_STEP); return true;
    case 'zoom-out': s.zoomBy(1 / ZOOM_STEP); return true;
    case 'show-shortcuts': s.openDialog(s.dialog === 'shortcuts' ? null : 'shortcuts'); return true;
    case 'show-timeline': s.setTimelineOpen(!s.timelineOpen); return true;
    case 'escape': return escape(store);
    case 'highlight-next': return s.highlight !== null && s.stepHighlight(1) !== null;
    case 'highlight-previous': return s.highlight !== null && s.stepHighlight(-1) !== null;
  }
}

/**
 * Runs commands from several sources, dropping the second of a key press and a menu command
 * that are the same press: in the desktop app a menu accelerator may reach the page as a key
 * as well as a menu command.
 */
export function commandRunner(store: FramescopeStore): (command: PageCommand, source: CommandSource) => boolean {
  let last: { command: PageCommand; source: CommandSource; at: number } | null = null;
  return (command, source) => {
    const now = performance.now();
    if (last && last.command === command && last.source !== source && source !== 'button' && now - last.at < SAME_PRESS_MS) {
      last = null;
      return true;
    }
    last = { command, source, at: now };
    return runCommand(store, command);
  };
}
