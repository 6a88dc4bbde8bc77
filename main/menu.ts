/**
 * The native menus. File opens dumps and snapshots and exports; View drives the grid, the
 * rescans and the search; Help lists every shortcut and shows About (backend and ABI).
 * Commands that act on the page go to it as menu commands (app/desktop-api.ts).
 */
import { app, BrowserWindow, dialog, Menu, MenuItemConstructorOptions } from 'electron';

import type { MenuCommand } from '../app/desktop-api';
import type { Inspector } from '../app/inspector-client';
import type { DesktopActions } from './desktop';
import { recentDumps } from './desktop';
import { CHANNEL_MENU } from './ipc-guard';

/** Every shortcut of the app, menus' and page's alike: Help ▸ Keyboard Shortcuts shows this. */
export const KEYBOARD_SHORTCUTS: Array<[string, string]> = [
  ['Ctrl+O', 'open a memory dump'],
  ['Ctrl+Shift+O', 'open a snapshot'],
  ['Ctrl+S', 'save the current scan as a snapshot'],
  ['Ctrl+D', 'diff two scans or snapshots'],
  ['Ctrl+E / Ctrl+Shift+E', 'export the statuses as CSV / JSON'],
  ['Ctrl+P / Ctrl+Shift+P', 'export the grid as PNG: the view / the whole grid'],
  ['Enter or F5', 'scan (rescan) the range'],
  ['Ctrl+R', 'auto-rescan on or off'],
  ['Ctrl+I', 'page in the selected range (retry policy)'],
  ['Ctrl+F', 'search memory for a string or bytes'],
  ['Ctrl+T', 'show the timeline'],
  ['Arrows, PageUp/PageDown, Home/End', 'pan the grid'],
  ['+ / - (or the wheel)', 'zoom around the cursor'],
  ['0', 'fit the grid to the window'],
  ['N / Shift+N', 'next / previous frame of the status or errno the legend highlights'],
  ['Shift+drag', 'select a box of frames (rescan, page in, search it)'],
  ['Click', 'select a frame and show its bytes'],
  ['Escape', 'stop the running scan or search, clear the selection'],
  ['F1 or ?', 'this list'],
];

async function showAbout(inspector: Inspector, win: BrowserWindow | null): Promise<void> {
  const info = await inspector.hostInfo().catch(() => null);
  const detail = [
    info ? `Inspecting: ${info.description}` : 'Inspecting: (the inspector is not answering)',
    info ? `Backend: ${info.backend}${info.simulated ? ' (simulated host)' : ''}` : '',
    `Batch ioctl: ${info?.abi === 'v2' ? 'IOCTL_PRIVCMD_MMAPBATCH_V2' : info?.abi === 'v1' ? 'IOCTL_PRIVCMD_MMAPBATCH (V1 fallback)' : 'not used yet'}`,
    info ? `Host: ${info.hostname}` : '',
    `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}`,
  ].filter(Boolean).join('\n');
  await showInfo(win, 'About framescope', `framescope ${app.getVersion()}`, detail);
}

async function showShortcuts(win: BrowserWindow | null): Promise<void> {
  await showInfo(win, 'Keyboard shortcuts', 'Keyboard shortcuts', KEYBOARD_SHORTCUTS.map(([keys, what]) => `${keys}: ${what}`).join('\n'));
}

async function showInfo(win: BrowserWindow | null, title: string, message: string, detail: string): Promise<void> {
  const options = { type: 'info' as const, title, message, detail };
  await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options));
}

/** Builds the menus; called again when the recent dumps change. */
export function setupMenu(inspector: () => Inspector, getWindow: () => BrowserWindow | null, actions: DesktopActions): void {
  const send = (command: MenuCommand) => () => getWindow()?.webContents.send(CHANNEL_MENU, command);
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({ label, accelerator, click: send(command) });
  const quietly = (p: Promise<unknown>) => void p.catch((e: Error) => dialog.showErrorBox('framescope', e.message));

  const recent = recentDumps();
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open Dump…', accelerator: 'CmdOrCtrl+O', click: () => quietly(actions.openDumpDialog()) },
        {
          label: 'Open Recent Dump',
          enabled: recent.length > 0,
          submenu: recent.map((p) => ({ label: p, click: () => quietly(actions.openDump(p)) })),
        },
        { label: 'Inspect the Host', click: () => quietly(actions.inspectHost()) },
        { type: 'separator' },
        item('Open Snapshot…', 'open-snapshot', 'CmdOrCtrl+Shift+O'),
        item('Save Snapshot…', 'save-snapshot', 'CmdOrCtrl+S'),
        item('Diff…', 'diff-snapshots', 'CmdOrCtrl+D'),
        {
          label: 'Export',
          submenu: [
            item('Statuses as CSV…', 'export-csv', 'CmdOrCtrl+E'),
            item('Statuses as JSON…', 'export-json', 'CmdOrCtrl+Shift+E'),
            item('Grid as PNG (View)…', 'export-png-view', 'CmdOrCtrl+P'),
            item('Grid as PNG (Whole)…', 'export-png-whole', 'CmdOrCtrl+Shift+P'),
          ],
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { label: 'Edit', submenu: [{ role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    {
      label: 'View',
      submenu: [
        item('Rescan', 'rescan', 'F5'),
        item('Auto-rescan', 'toggle-auto-rescan', 'CmdOrCtrl+R'),
        item('Page In Selection', 'page-in', 'CmdOrCtrl+I'),
        item('Find in Memory…', 'find', 'CmdOrCtrl+F'),
        item('Timeline', 'show-timeline', 'CmdOrCtrl+T'),
        { type: 'separator' },
        item('Fit Grid', 'fit'),
        item('Zoom In', 'zoom-in'),
        item('Zoom Out', 'zoom-out'),
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Keyboard Shortcuts', accelerator: 'F1', click: () => void showShortcuts(getWindow()) },
        { type: 'separator' },
        { label: 'About framescope', click: () => void showAbout(inspector(), getWindow()) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
