/**
 * Starts the mapper worker and speaks to it: the returned Inspector implements FramescopeApi
 * for whoever runs on the main thread (CLI, Electron main process, headless server).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { FramescopeApi } from './api';
import { ApiConnection, FromWorker, RemoteError, ToWorker } from './inspector-protocol';
import type { WorkerOptions } from './inspector-worker';

export interface Inspector extends FramescopeApi {
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 2000;

export function startInspector(options: WorkerOptions = {}): Promise<Inspector> {
  const worker = new Worker(path.join(__dirname, 'inspector-worker.js'), { workerData: options });
  const connection = new ApiConnection((id, method, args) => worker.postMessage({ kind: 'call', id, method, args } satisfies ToWorker));

  return new Promise<Inspector>((resolve, reject) => {
    const inspector: Inspector = {
      ...connection.api(),
      close: async () => {
        if (connection.closed) return;
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
          connection.answer(message.id, message.value);
          break;
        case 'error':
          connection.refuse(message.id, message.error);
          break;
        case 'event':
          connection.event(message.event);
          break;
        case 'closed':
          connection.close(new Error('the inspector is closed'));
          break;
      }
    });
    worker.on('error', (e) => {
      connection.close(e);
      reject(e);
    });
    worker.on('exit', (code) => {
      const e = new Error(`the mapper worker exited (code ${code})`);
      connection.close(e);
      reject(e);
    });
  });
}
