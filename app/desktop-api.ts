/**
 * What the desktop app adds to FramescopeApi: native dialogs, files dropped on the window,
 * recent files and menu commands. The preload exposes it as window.framescopeDesktop; in a
 * plain browser (the headless server) it is absent and the UI uses downloads and file inputs.
 */
import type { HostInfo } from './api';

/** Commands the native menus send to the page, which runs them like its own shortcuts. */
export const MENU_COMMANDS = [
  'open-snapshot', 'save-snapshot', 'diff-snapshots', 'export-csv', 'export-json', 'export-png-view',
  'export-png-whole', 'find', 'rescan', 'toggle-auto-rescan', 'page-in', 'fit', 'zoom-in', 'zoom-out',
  'show-shortcuts', 'show-timeline',
] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

export interface SaveFileRequest {
  /** Suggested name; the user picks the place. */
  defaultName: string;
  bytes: Uint8Array;
  title?: string;
}

export interface OpenedFile {
  fileName: string;
  bytes: Uint8Array;
}

export interface DesktopBridge {
  /** File ▸ Open Dump…: a native dialog, then the dump is inspected; null when cancelled. */
  openDumpDialog(): Promise<HostInfo | null>;
  /** A dump file dropped on the window. */
  openDroppedFile(file: Blob): Promise<HostInfo>;
  openRecentDump(path: string): Promise<HostInfo>;
  recentDumps(): Promise<string[]>;
  /** Back from a dump to the host (or its simulated stand-in). */
  inspectHost(): Promise<HostInfo>;
  /** A native save dialog; the path written, or null when cancelled. */
  saveFile(request: SaveFileRequest): Promise<string | null>;
  /** A native open dialog for a snapshot (.fsnap); null when cancelled. */
  openSnapshotDialog(): Promise<OpenedFile | null>;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
