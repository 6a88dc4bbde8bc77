/**
 * The mapper worker: owns the frame source (the privcmd descriptor, real or emulated) and
 * runs every batch, so that the thread serving the UI, the IPC or the WebSocket never waits
 * on an ioctl.
 */
import { parentPort, workerData } from 'node:worker_threads';

import { BackendOptions, openFrameSource } from './backend';
import { FromWorker, INSPECTOR_METHODS, toWireError, ToWorker, transferablesOf } from './inspector-protocol';
import { InspectorService } from './inspector-service';

const port = parentPort;
if (!port) throw new Error('inspector-worker.js runs as a worker thread');

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function main(): Promise<void> {
  let service: InspectorService;
  try {
    service = new InspectorService(await openFrameSource(workerData as BackendOptions));
  } catch (e) {
    post({ kind: 'failed', error: toWireError(e) });
    return;
  }
  service.onScanEvent((event) => post({ kind: 'event', event }, event.type === 'chunk' ? transferablesOf(event.codes) : []));

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
      post({ kind: 'result', id, value }, transferablesOf(value));
    } catch (e) {
      post({ kind: 'error', id, error: toWireError(e) });
    }
  });
  post({ kind: 'ready' });
}

void main();
