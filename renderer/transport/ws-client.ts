/**
 * FramescopeApi over the headless server's WebSocket (app/server.ts), for the renderer when
 * it runs in a plain browser. Every message is one binary frame holding a MessagePack value.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';

import type { FramescopeApi, InspectorEvent, WireToClient, WireToServer } from '../../app/api';

export type ConnectionState = 'open' | 'closed';

export interface WebSocketApi extends FramescopeApi {
  close(): void;
  /** Calls `cb` at once with the current state, then on every change; returns the unsubscribe. */
  onConnectionChange(cb: (state: ConnectionState) => void): () => void;
}

type CallMethod = Exclude<keyof FramescopeApi, 'onEvent'>;

/** FramescopeApi's calls; the browser cannot import app/'s list, so a test keeps this one equal to it. */
export const API_METHODS = [
  'hostInfo', 'listDomains', 'startScan', 'stopScan', 'readFrame', 'pageIn', 'listScans', 'scanRecord',
  'exportScan', 'importSnapshot', 'diffScans', 'startSearch', 'stopSearch', 'openSource',
] as const satisfies readonly CallMethod[];

/** An error the server answered with, its name and code kept. */
export class ApiCallError extends Error {
  readonly code?: string;

  constructor(error: { name: string; message: string; code?: string }) {
    super(error.message);
    this.name = error.name;
    this.code = error.code;
  }
}

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The server's WebSocket URL for the page at `location`, with the page's token. */
export function webSocketUrlFromLocation(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token');
  return `${scheme}//${location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** Opens the WebSocket; resolves once it is open, rejects if it cannot be opened. */
export function connectWebSocketApi(url: string): Promise<WebSocketApi> {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  // undefined must vanish, not become nil: the server's schemas refuse null for optional fields.
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder();
  const pending = new Map<number, PendingCall>();
  const eventListeners = new Set<(event: InspectorEvent) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState | 'connecting' = 'connecting';
  let nextId = 1;

  const call = (method: CallMethod, args: unknown[]) => new Promise<unknown>((resolve, reject) => {
    if (state !== 'open') return reject(connectionError('not connected to the framescope server'));
    const id = nextId++;
    pending.set(id, { resolve, reject });
    socket.send(encoder.encode({ t: 'call', id, method, args } satisfies WireToServer));
  });

  const notify = <T>(listeners: Set<(value: T) => void>, value: T) => {
    for (const listener of listeners) {
      // One failing listener must not starve the others; the error is still reported.
      try {
        listener(value);
      } catch (e) {
        queueMicrotask(() => { throw e; });
      }
    }
  };

  const onMessage = (event: MessageEvent) => {
    if (!(event.data instanceof ArrayBuffer)) return;
    let message: WireToClient;
    try {
      message = decoder.decode(event.data) as WireToClient;
    } catch (e) {
      console.warn('framescope: undecodable message from the server', e);
      return;
    }
    switch (message?.t) {
      case 'result':
        pending.get(message.id)?.resolve(message.value);
        pending.delete(message.id);
        break;
      case 'error':
        if (!pending.has(message.id)) {
          console.warn('framescope: the server refused a message', message.error);
          break;
        }
        pending.get(message.id)?.reject(new ApiCallError(message.error));
        pending.delete(message.id);
        break;
      case 'event':
        notify(eventListeners, message.event);
        break;
    }
  };

  const calls = Object.fromEntries(API_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as Pick<FramescopeApi, CallMethod>;
  const api: WebSocketApi = {
    ...calls,
    onEvent: (listener) => {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    close: () => socket.close(1000),
    onConnectionChange: (cb) => {
      stateListeners.add(cb);
      cb(state === 'open' ? 'open' : 'closed');
      return () => stateListeners.delete(cb);
    },
  };

  return new Promise<WebSocketApi>((resolve, reject) => {
    socket.addEventListener('open', () => {
      state = 'open';
      notify(stateListeners, 'open');
      resolve(api);
    });
    socket.addEventListener('message', onMessage);
    // Browsers say nothing about why a handshake failed (a 401 looks like any lost connection).
    socket.addEventListener('error', () => {
      if (state === 'connecting') reject(connectionError(`could not connect to ${withoutQuery(url)} (is the server running, and the page's token current?)`));
    });
    socket.addEventListener('close', () => {
      const wasOpen = state === 'open';
      state = 'closed';
      reject(connectionError(`could not connect to ${withoutQuery(url)}`));
      const lost = connectionError('the connection to the framescope server closed');
      for (const p of pending.values()) p.reject(lost);
      pending.clear();
      if (wasOpen) notify(stateListeners, 'closed');
    });
  });
}

function connectionError(message: string): ApiCallError {
  return new ApiCallError({ name: 'ConnectionError', message, code: 'ECONNRESET' });
}

/** The URL without its query: the token must not end up in error messages and logs. */
function withoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
