/**
 * The inspector behind the window and everything that reaches it: the inspector itself (a
 * mapper worker of our own, or a privileged `framescope serve --unix`), the IPC of the API
 * and of the desktop's additions, and the menus. main.ts calls setupInspector once the app is
 * ready; the desktop wiring test calls the very same function.
 */
import fs from 'node:fs';
import { BrowserWindow } from 'electron';

import { BackendOptions } from '../app/backend';
import { Inspector, startInspector } from '../app/inspector-client';
import { apiProxy, toWireError } from '../app/inspector-protocol';
import { connectRemoteInspector, DEFAULT_SOCKET_PATH } from '../app/remote-inspector';
import type { WorkerOptions } from '../app/inspector-worker';
import { desktopActions, setupDesktopIpc } from './desktop';
import { setupIpc } from './ipc';
import { setupMenu } from './menu';

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `electron . --backend sim --sim-config FILE`: the CLI's backend options. */
function backendOptionsFromArgs(argv: string[]): BackendOptions {
  const value = (name: string) => argValue(argv, name);
  const backend = value('--backend');
  const clock = value('--sim-clock');
  return {
    backend: backend === 'sim' || backend === 'xen' ? backend : 'auto',
    simConfig: value('--sim-config'),
    simClock: clock === 'stepped' || clock === 'realtime' ? clock : undefined,
  };
}

/**
 * What the desktop's own mapper worker is started with: the backend the command line names,
 * and leave to open dumps (File ▸ Open Dump, a drop, the recent list, back to the host), which
 * only the desktop has: its user chose the file. A server never gets it.
 */
function desktopWorkerOptions(argv: string[]): WorkerOptions {
  return { ...backendOptionsFromArgs(argv), allowOpenSource: true };
}

/**
 * The inspector the window talks to: a privileged `framescope serve --unix` when asked to
 * attach (or when this user may not open privcmd but one is running), else a mapper worker
 * of our own.
 */
async function openInspector(argv: string[]): Promise<Inspector> {
  const attach = argValue(argv, '--attach');
  if (attach) return connectRemoteInspector(attach);
  try {
    return await startInspector(desktopWorkerOptions(argv));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((code === 'EACCES' || code === 'EPERM') && fs.existsSync(DEFAULT_SOCKET_PATH)) return connectRemoteInspector(DEFAULT_SOCKET_PATH);
    throw e;
  }
}

/** Stands in when no inspector could start: every call answers why, and the UI shows it. */
function failedInspector(error: unknown): Inspector {
  const wire = toWireError(error);
  const fail = async (): Promise<never> => {
    throw Object.assign(new Error(wire.message), { name: wire.name, code: wire.code });
  };
  return { ...apiProxy(fail), onEvent: () => () => {}, close: async () => {} };
}

/**
 * Opens the inspector the command line asks for and registers what reaches it: the API's IPC,
 * the desktop's IPC (dialogs, dumps, files) and the menus. Never rejects: an inspector that
 * could not start answers every call with why.
 */
export async function setupInspector(argv: string[], getWindow: () => BrowserWindow | null): Promise<Inspector> {
  const inspector = await openInspector(argv).catch(failedInspector);
  const getInspector = () => inspector;
  const actions = desktopActions(getInspector, getWindow, () => setupMenu(getInspector, getWindow, actions));
  setupIpc(inspector, getWindow);
  setupDesktopIpc(actions, getWindow);
  setupMenu(getInspector, getWindow, actions);
  return inspector;
}
