/**
 * The preload: exposes FramescopeApi as window.framescope, and nothing else. It runs
 * sandboxed, where only 'electron' can be required, so it imports types alone; the channel
 * names repeat main/ipc-guard.ts (a test keeps the two equal).
 */
import { contextBridge, ipcRenderer } from 'electron';

import type { FramescopeApi, ScanEvent } from '../app/api';

const CHANNEL_CALL = 'framescope:call';
const CHANNEL_EVENTS = 'framescope:events';

type Reply = { ok: true; value: unknown } | { ok: false; error: { name: string; message: string; code?: string } };

async function call(method: string, args: unknown[]): Promise<never> {
  const reply = (await ipcRenderer.invoke(CHANNEL_CALL, method, args)) as Reply;
  if (reply.ok) return reply.value as never;
  const error = new Error(reply.error.message) as Error & { code?: string };
  error.name = reply.error.name;
  error.code = reply.error.code;
  throw error;
}

const listeners = new Set<(event: ScanEvent) => void>();

ipcRenderer.on(CHANNEL_EVENTS, (event) => {
  const [port] = event.ports;
  port.onmessage = (message: { data: ScanEvent }) => {
    for (const listener of listeners) listener(message.data);
  };
});

const api: FramescopeApi = {
  hostInfo: () => call('hostInfo', []),
  listDomains: () => call('listDomains', []),
  startScan: (request) => call('startScan', [request]),
  stopScan: (scanId) => call('stopScan', [scanId]),
  readFrame: (request) => call('readFrame', [request]),
  onScanEvent: (listener) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('framescope', api);
