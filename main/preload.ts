/**
 * The preload: exposes FramescopeApi as window.framescope and the desktop's additions
 * (dialogs, dropped files, menus) as window.framescopeDesktop, and nothing else. It runs
 * sandboxed, where only 'electron' can be required, so it imports types alone; the channel
 * names and the method list repeat main/ipc-guard.ts and app/inspector-protocol.ts (a test
 * keeps them equal).
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';

import type { FramescopeApi, InspectorEvent } from '../app/api';
import type { DesktopBridge, MenuCommand } from '../app/desktop-api';

const CHANNEL_CALL = 'framescope:call';
const CHANNEL_EVENTS = 'framescope:events';
const CHANNEL_DESKTOP = 'framescope:desktop';
const CHANNEL_MENU = 'framescope:menu';

const API_METHODS = [
  'hostInfo', 'listDomains', 'startScan', 'stopScan', 'readFrame', 'pageIn', 'listScans', 'scanRecord',
  'exportScan', 'importSnapshot', 'diffScans', 'startSearch', 'stopSearch', 'openSource',
] as const;

type Reply = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; code?: string } };

function unwrap(reply: Reply): never {
  if (reply.ok) return reply.value as never;
  const error = new Error(reply.error.message) as Error & { code?: string };
  error.name = reply.error.name;
  error.code = reply.error.code;
  throw error;
}

const call = async (method: string, args: unknown[]) => unwrap(await ipcRenderer.invoke(CHANNEL_CALL, method, args));
const desktop = async (action: string, arg?: unknown) => unwrap(await ipcRenderer.invoke(CHANNEL_DESKTOP, action, arg));

const listeners = new Set<(event: InspectorEvent) => void>();

ipcRenderer.on(CHANNEL_EVENTS, (event) => {
  const [port] = event.ports;
  port.onmessage = (message: { data: InspectorEvent }) => {
    for (const listener of listeners) listener(message.data);
  };
});

const api = Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as Omit<FramescopeApi, 'onEvent'>;

contextBridge.exposeInMainWorld('framescope', {
  ...api,
  onEvent: (listener: (event: InspectorEvent) => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
} satisfies FramescopeApi);

const menuListeners = new Set<(command: MenuCommand) => void>();
ipcRenderer.on(CHANNEL_MENU, (_event, command: MenuCommand) => {
  for (const listener of menuListeners) listener(command);
});

/**
 * A dropped File's path, read here where the page cannot reach: a File the page built itself
 * (or any Blob) has none, and is refused before main is asked.
 */
function droppedPath(file: Blob): string {
  let dropped = '';
  try {
    dropped = webUtils.getPathForFile(file as File);
  } catch {
    // not a File at all
  }
  if (!dropped) throw new Error('only a file dropped from the disk can be opened');
  return dropped;
}

contextBridge.exposeInMainWorld('framescopeDesktop', {
  openDumpDialog: () => desktop('openDumpDialog'),
  // The page never names a path: main is given the path of the file dropped and hands back a
  // handle; every other file the page may name comes from a dialog main showed.
  dropFile: async (file: Blob) => desktop('registerDrop', droppedPath(file)),
  openDump: (handle) => desktop('openDump', handle),
  recentDumps: () => desktop('recentDumps'),
  inspectHost: () => desktop('inspectHost'),
  chooseSaveFile: (request) => desktop('chooseSaveFile', request),
  writeFile: (handle, bytes) => desktop('writeFile', { handle, bytes }),
  openSnapshotDialog: () => desktop('openSnapshotDialog'),
  onMenuCommand: (listener) => {
    menuListeners.add(listener);
    return () => {
      menuListeners.delete(listener);
    };
  },
} satisfies DesktopBridge);
