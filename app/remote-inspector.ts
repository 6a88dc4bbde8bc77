/**
 * Attaching to a privileged `framescope serve --unix PATH` from an unprivileged process (the
 * Electron main process, or the CLI with --attach): the same FramescopeApi, carried by the
 * server's WebSocket protocol over the Unix socket. The socket file's permissions decide who
 * may connect, so the UI never runs as root.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { WebSocket } from 'ws';

import type { FramescopeApi, WireToClient, WireToServer } from './api';
import type { Inspector } from './inspector-client';
import { ApiConnection } from './inspector-protocol';
import { API_PATH } from './server';

export { DEFAULT_SOCKET_PATH } from './socket-path';

/** Why attaching failed, in one line with what to do. */
export class AttachError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'AttachError';
  }
}

function explain(socketPath: string, code: string | undefined, message: string): AttachError {
  if (code === 'EACCES' || code === 'EPERM') {
    return new AttachError(`permission denied on ${socketPath}: its owner or group may connect; ask for membership of the socket's group (it gives access to guest memory)`, code);
  }
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new AttachError(`nothing is serving at ${socketPath}: start it on this host with sudo framescope serve --unix ${socketPath}`, code);
  }
  return new AttachError(`cannot attach to ${socketPath}: ${message}`, code ?? 'EIO');
}

export function connectRemoteInspector(socketPath: string): Promise<Inspector> {
  const ws = new WebSocket(`ws+unix://${socketPath}:${API_PATH}`, { perMessageDeflate: false });
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder();
  const connection = new ApiConnection((id, method, args) => ws.send(encoder.encode({ t: 'call', id, method, args } satisfies WireToServer)));

  ws.on('message', (data: Buffer) => {
    let message: WireToClient;
    try {
      message = decoder.decode(data) as WireToClient;
    } catch {
      return; // not ours to answer: the server speaks MessagePack
    }
    if (message.t === 'event') connection.event(message.event);
    else if (message.t === 'result') connection.answer(message.id, message.value);
    else connection.refuse(message.id, message.error);
  });

  const inspector: Inspector = {
    ...connection.api(),
    close: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1000);
      await closed;
    },
  } satisfies FramescopeApi & { close(): Promise<void> };

  return new Promise<Inspector>((resolve, reject) => {
    ws.once('open', () => resolve(inspector));
    // before 'open' an error means we never got in; after it, 'close' follows and says so
    ws.on('error', (e: NodeJS.ErrnoException) => reject(explain(socketPath, e.code, e.message)));
    ws.once('unexpected-response', (_req, res) => reject(explain(socketPath, 'EPROTO', `the server answered HTTP ${res.statusCode}`)));
    ws.on('close', () => connection.close(new AttachError(`the framescope serve at ${socketPath} went away`, 'ECONNRESET')));
  });
}
