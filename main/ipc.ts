/**
 * The IPC between the renderer and the inspector: one invoke channel for every FramescopeApi
 * call, validated by the same schemas as the WebSocket (app/api-schema.ts); events go through
 * a MessagePort, binary and small (scan chunks are one byte per frame).
 */
import { BrowserWindow, ipcMain, IpcMainInvokeEvent, MessageChannelMain } from 'electron';

import { invokeApi } from '../app/api-schema';
import type { Inspector } from '../app/inspector-client';
import { toWireError } from '../app/inspector-protocol';
import { CHANNEL_CALL, CHANNEL_EVENTS, isTrustedSender } from './ipc-guard';

function senderFacts(event: IpcMainInvokeEvent, win: BrowserWindow) {
  return {
    frameUrl: event.senderFrame?.url,
    isMainFrame: event.senderFrame === event.sender.mainFrame,
    isAppWindow: !win.isDestroyed() && event.sender === win.webContents,
  };
}

export function setupIpc(inspector: Inspector, getWindow: () => BrowserWindow | null): void {
  ipcMain.handle(CHANNEL_CALL, async (event, method: unknown, args: unknown) => {
    const win = getWindow();
    if (!win || !isTrustedSender(senderFacts(event, win))) {
      // Not our page: no answer that could tell it anything.
      throw new Error('refused');
    }
    try {
      return { ok: true, value: await invokeApi(inspector, method, args) };
    } catch (e) {
      // Errors as data: Electron would otherwise wrap the message in its own text.
      return { ok: false, error: toWireError(e) };
    }
  });
}

/** Each load of the page gets a fresh port; scan events flow to it until the page goes. */
export function connectEventPort(inspector: Inspector, win: BrowserWindow): void {
  let unsubscribe: (() => void) | undefined;
  win.webContents.on('did-finish-load', () => {
    unsubscribe?.();
    const { port1, port2 } = new MessageChannelMain();
    unsubscribe = inspector.onEvent((event) => port1.postMessage(event));
    port1.start();
    win.webContents.postMessage(CHANNEL_EVENTS, null, [port2]);
  });
  win.on('closed', () => unsubscribe?.());
}
