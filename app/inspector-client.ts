/**
 * Starts the mapper worker and speaks to it: the returned Inspector implements FramescopeApi
 * for whoever runs on the main thread (CLI, Electron main process, headless server).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { FramescopeApi, InspectorEvent } from './api';
import { apiProxy, FromWorker, InspectorMethod, RemoteError, ToWorker } from './inspector-protocol';
import type { WorkerOptions } from './inspector-worker';

export interface Inspector extends FramescopeApi {
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 2000;

export function startInspector(options: WorkerOptions = {}): Promise<Inspector> {
  const worker = new Worker(path.join(__dirname, 'inspector-worker.js'), { workerData: options });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Set<(event: InspectorEvent) => void>();
  let nextId = 1;
  let dead: Error | null = null;

  const call = (method: InspectorMethod, args: unknown[]) => new Promise<unknown>((resolve, reject) => {
    if (dead) return reject(dead);
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ kind: 'call', id, method, args } satisfies ToWorker);
  });

  const failAll = (e: Error) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };

  return new Promise<Inspector>((resolve, reject) => {
    const inspector: Inspector = {
      ...apiProxy(call),
      onEvent: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: async () => {
        if (dead) return;
        const exited = new Promise<void>((r) => worker.once('exit', () => r()));
        worker.postMessage({ kind: 'close' } satisfies ToWorker);
        const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      },
    };

    worker.on('message', (message: FromWorker) => {
      switch (message.kind) {
        case 'ready':
          resolve(inspector);
          break;
        case 'failed':
          reject(new RemoteError(message.error));
          void worker.terminate();
          break;
        case 'result':
          pending.get(message.id)?.resolve(message.value);
          pending.delete(message.id);
          break;
        case 'error':
          pending.get(message.id)?.reject(new RemoteError(message.error));
          pending.delete(message.id);
          break;
        case 'event':
          for (const listener of listeners) listener(message.event);
          break;
        case 'closed':
          failAll(new Error('the inspector is closed'));
          break;
      }
    });
    worker.on('error', (e) => {
      failAll(e);
      reject(e);
    });
    worker.on('exit', (code) => {
      const e = new Error(`the mapper worker exited (code ${code})`);
      if (!dead) failAll(e);
      reject(e);
    });
  });
}
