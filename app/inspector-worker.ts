/**
 * The mapper worker: owns the frame source (the privcmd descriptor, real or emulated, or a
 * dump file) and runs every batch, so that the thread serving the UI, the IPC or the
 * WebSocket never waits on an ioctl.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { BackendOptions, openFrameSource } from './backend';
import { FromWorker, INSPECTOR_METHODS, toWireError, ToWorker, transferablesOf } from './inspector-protocol';
import { InspectorService } from './inspector-service';

const port = parentPort;
if (!port) throw new Error('inspector-worker.js runs as a worker thread');

export interface WorkerOptions extends BackendOptions {
  /** Whether openSource may open dump files (the desktop app: yes; a server: no). */
  allowOpenSource?: boolean;
}

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function main(): Promise<void> {
  const options = workerData as WorkerOptions;
  let service: InspectorService;
  try {
    service = new InspectorService(await openFrameSource(options), {
      openSource: options.allowOpenSource
        ? (request) => openFrameSource(request.kind === 'dump' ? { dump: request.path } : { ...options, dump: undefined })
        : undefined,
    });
  } catch (e) {
    post({ kind: 'failed', error: toWireError(e) });
    return;
  }
  // Chunks are fresh buffers nobody keeps: transfer them. Results are copied: some (scan
  // records) are the service's own memory, which a transfer would take away from it.
  service.onEvent((event) => post({ kind: 'event', event }, event.type === 'chunk' ? transferablesOf(event.data) : []));

  port!.on('message', async (message: ToWorker) => {
    if (message.kind === 'close') {
      await service.close();
      post({ kind: 'closed' });
      port!.close();
      return;
    }
    const { id, method, args } = message;
    try {
      if (!INSPECTOR_METHODS.includes(method)) throw new Error(`no such method: ${String(method)}`);
      const value = await (service[method] as (...a: unknown[]) => Promise<unknown>).apply(service, args);
      post({ kind: 'result', id, value });
    } catch (e) {
      post({ kind: 'error', id, error: toWireError(e) });
    }
  });
  post({ kind: 'ready' });
}

void main();
