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

/**
 * An opaque name main gives a file the user chose: in a dialog, by dropping it on the window,
 * or earlier (the recent list). Main keeps what each stands for; the bridge takes handles and
 * never a path, so a page cannot name a file the user did not choose.
 */
export type FileHandle = string;

export interface ChosenFile {
  handle: FileHandle;
  /** The file's name and where it is, to show the user; never sent back. */
  name: string;
  path: string;
}

export interface SaveDialogRequest {
  /** Suggested name; the user picks the place. */
  defaultName: string;
  title?: string;
}

export interface OpenedFile {
  fileName: string;
  bytes: Uint8Array;
}

export interface DesktopBridge {
  /** File ▸ Open Dump…: a native dialog, then the dump is inspected; null when cancelled. */
  openDumpDialog(): Promise<HostInfo | null>;
  /** A file dropped on the window, made known to main: its handle (refused for a File not from the disk). */
  dropFile(file: Blob): Promise<ChosenFile>;
  /** Inspects the dump a handle stands for: one dropped, or from the recent list. */
  openDump(handle: FileHandle): Promise<HostInfo>;
  recentDumps(): Promise<ChosenFile[]>;
  /** Back from a dump to the host (or its simulated stand-in). */
  inspectHost(): Promise<HostInfo>;
  /** A native save dialog: the file chosen, to write once with writeFile; null when cancelled. */
  chooseSaveFile(request: SaveDialogRequest): Promise<ChosenFile | null>;
  /** Writes the file a save dialog chose, whole (replaced atomically); its handle is then spent. */
  writeFile(handle: FileHandle, bytes: Uint8Array): Promise<void>;
  /** A native open dialog for a snapshot (.fsnap); null when cancelled. */
  openSnapshotDialog(): Promise<OpenedFile | null>;
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
