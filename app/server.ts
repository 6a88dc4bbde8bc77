/**
 * The headless server (`framescope serve`): serves the built renderer and a WebSocket that
 * carries FramescopeApi, so a dom0 without a display can be inspected from a laptop through
 * an SSH tunnel, and the UI can be tested in a plain browser.
 *
 * Everything needs the per-start token (?token= or the cookie set from it). The token is what
 * keeps other local users and web pages out: binding loopback alone does not, since any
 * process on the host and any page in the user's browser can reach 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

import { Decoder, Encoder } from '@msgpack/msgpack';
import { RawData, WebSocket, WebSocketServer } from 'ws';

import type { FramescopeApi, InspectorEvent, WireToClient } from './api';
import { invokeApi } from './api-schema';
import { toWireError, WireError } from './inspector-protocol';
import {
  cookieValues, isAllowedHost, isOwnOrigin, NOT_AUTHORISED, refuseUpgrade, SECURITY_HEADERS, sendText, splitTarget,
  TOKEN_PATTERN, tokenMatcher, unbracket, urlHost,
} from './server/http-guard';
import { listenTcp, listenUnix } from './server/listen';
import { JobKind, jobKindOf, JobSlot, JobTracker } from './server/jobs';
import { realStaticDir, serveStatic } from './server/static-files';

export {
  MAX_SCANS_PER_CONNECTION, MAX_SCANS_TOTAL, MAX_SEARCHES_PER_CONNECTION, MAX_SEARCHES_TOTAL,
} from './server/jobs';

export interface ServerOptions {
  api: FramescopeApi;
  /** Address to bind; loopback unless the caller chooses otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** Default: 32 random bytes, base64url. */
  token?: string;
  /**
   * Listen on this Unix socket instead of TCP. Its file permissions decide who may connect, so
   * no token is asked for: this is how an unprivileged UI attaches to a privileged server.
   */
  socketPath?: string;
  /** Permissions of the socket file; default 0660 (owner and group). */
  socketMode?: number;
  /** Group that owns the socket file (a gid), so that its members may connect. */
  socketGid?: number;
  /** Largest message a client may send (default MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
}

export interface ServerStats {
  /** WebSocket clients connected now. */
  connections: number;
  /** Bytes of every WebSocket message sent. */
  bytesSent: number;
  /** Bytes of the messages that carried scan chunks, and the frames in them. */
  chunkBytesSent: number;
  chunkFrames: number;
  /** Scans (page-ins too) and searches running for the WebSocket clients, started or starting. */
  scansRunning: number;
  searchesRunning: number;
}

export interface RunningServer {
  /** What the user opens: http://HOST:PORT/?token=TOKEN, or unix:PATH for a Unix socket. */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
  stats(): ServerStats;
}

export const DEFAULT_HOST = '127.0.0.1';
export const TOKEN_COOKIE = 'framescope_token';
export const API_PATH = '/api';

const TOKEN_BYTES = 32;
/** Largest message a client may send: calls are small but for a snapshot being opened (a
 * 16 M-frame guest's is a few MB), so this only stops abuse. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** Calls one connection may have running at once; more get EBUSY instead of piling up. */
const MAX_CALLS_IN_FLIGHT = 64;
/** A client that reads slower than this much queued output is dropped, not buffered forever. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** How long close() lets clients finish the WebSocket closing handshake. */
const CLOSE_GRACE_MS = 1000;
/** Reply id for messages whose own id could not be read. */
const UNKNOWN_ID = -1;

/** One WebSocket client. */
interface Client {
  ws: WebSocket;
  callsInFlight: number;
  unsubscribe: () => void;
  /** Settles once the client is unsubscribed and forgotten. */
  closed: Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { api } = options;
  const host = unbracket(options.host ?? DEFAULT_HOST);
  const token = options.token ?? randomBytes(TOKEN_BYTES).toString('base64url');
  if (!TOKEN_PATTERN.test(token)) throw new TypeError('token: 16 to 256 characters of A-Z a-z 0-9 . _ ~ -');
  const root = await realStaticDir(options.staticDir);
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder();
  const clients = new Set<Client>();
  const stats = { connections: 0, bytesSent: 0, chunkBytesSent: 0, chunkFrames: 0 };
  const jobs = new JobTracker<Client>((kind: JobKind, id: string) => {
    const stopping = kind === 'scan' ? api.stopScan(id) : api.stopSearch(id);
    // the job may have ended meanwhile, or the api be closing: nothing left to stop then
    stopping.catch(() => {});
  });
  const unsubscribeJobs = api.onEvent((event) => jobs.onEvent(event));
  let closing: Promise<void> | null = null;

  const matchesToken = tokenMatcher(token);
  const authorise = (req: http.IncomingMessage, query: URLSearchParams) => {
    // On a Unix socket the kernel already checked the file's permissions.
    if (options.socketPath) return { ok: true, byQuery: false };
    const byQuery = matchesToken(query.get('token'));
    return { ok: byQuery || cookieValues(req.headers.cookie, TOKEN_COOKIE).some(matchesToken), byQuery };
  };
  const allowedHost = (req: http.IncomingMessage) => isAllowedHost(req.headers.host, host);

  const httpServer = http.createServer((req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const { pathname, query } = splitTarget(req.url ?? '');
    if (!allowedHost(req)) return sendText(res, 403, 'forbidden: unexpected Host header');
    const auth = authorise(req, query);
    if (!auth.ok) return sendText(res, 401, NOT_AUTHORISED);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed');
    }
    // The page's own asset requests and its WebSocket carry no ?token: the cookie covers them.
    if (auth.byQuery) res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    if (pathname === '/healthz') return sendText(res, 200, 'ok');
    await serveStatic(root, pathname, req, res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? MAX_MESSAGE_BYTES, perMessageDeflate: false });

  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const { pathname, query } = splitTarget(req.url ?? '');
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable', 'server closing');
    if (!allowedHost(req)) return refuseUpgrade(socket, 403, 'Forbidden', 'forbidden: unexpected Host header');
    if (!authorise(req, query).ok) return refuseUpgrade(socket, 401, 'Unauthorized', NOT_AUTHORISED);
    if (!isOwnOrigin(req)) return refuseUpgrade(socket, 403, 'Forbidden', 'forbidden: foreign Origin');
    if (pathname !== API_PATH) return refuseUpgrade(socket, 404, 'Not Found', 'not found');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  });

  function accept(ws: WebSocket): void {
    let forget = () => {};
    const client: Client = { ws, callsInFlight: 0, unsubscribe: () => {}, closed: new Promise((r) => (forget = r)) };
    clients.add(client);
    stats.connections = clients.size;
    client.unsubscribe = api.onEvent((event) => sendEvent(client, event));
    ws.on('message', (data, isBinary) => void onMessage(client, data, isBinary));
    // ws reports bad frames (too big, bad opcode) here and closes the socket itself.
    ws.on('error', () => {});
    ws.on('close', () => {
      client.unsubscribe();
      jobs.forget(client);
      clients.delete(client);
      stats.connections = clients.size;
      forget();
    });
  }

  /** Encodes and sends one message; returns its size, or 0 when it was not sent. */
  function send(client: Client, message: WireToClient): number {
    if (client.ws.readyState !== WebSocket.OPEN) return 0;
    const bytes = encoder.encode(message);
    client.ws.send(bytes);
    stats.bytesSent += bytes.byteLength;
    if (client.ws.bufferedAmount > MAX_BUFFERED_BYTES) client.ws.terminate();
    return bytes.byteLength;
  }

  function sendEvent(client: Client, event: InspectorEvent): void {
    // Runs inside the api's event loop: a failure here must not reach the other listeners.
    try {
      const size = send(client, { t: 'event', event });
      if (event.type === 'chunk' && size > 0) {
        stats.chunkBytesSent += size;
        stats.chunkFrames += event.count;
      }
    } catch {
      client.ws.terminate();
    }
  }

  function sendError(client: Client, id: number, error: WireError): void {
    send(client, { t: 'error', id, error });
  }

  async function onMessage(client: Client, data: RawData, isBinary: boolean): Promise<void> {
    if (!isBinary) return sendError(client, UNKNOWN_ID, protocolError('text frames are not accepted: send one MessagePack value per binary frame'));
    let message: unknown;
    try {
      message = decoder.decode(rawBytes(data));
    } catch (e) {
      return sendError(client, UNKNOWN_ID, protocolError(`the message is not MessagePack (${e instanceof Error ? e.message : String(e)})`));
    }
    if (!isRecord(message)) return sendError(client, UNKNOWN_ID, protocolError('a message must be a map'));
    const id = message.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      return sendError(client, UNKNOWN_ID, protocolError('a message needs an id: a non-negative integer'));
    }
    if (message.t !== 'call') return sendError(client, id, protocolError(`unknown message type ${JSON.stringify(message.t)?.slice(0, 40)}; expected 'call'`));
    if (client.callsInFlight >= MAX_CALLS_IN_FLIGHT) {
      return sendError(client, id, { name: 'ServerBusy', message: `more than ${MAX_CALLS_IN_FLIGHT} calls in flight on this connection`, code: 'EBUSY' });
    }
    client.callsInFlight++;
    let slot: JobSlot | undefined;
    try {
      const kind = jobKindOf(message.method);
      if (kind) slot = jobs.reserve(client, kind);
      const value = await invokeApi(api, message.method, message.args);
      slot?.started(startedJobId(value));
      send(client, { t: 'result', id, value });
    } catch (e) {
      slot?.abandon();
      send(client, { t: 'error', id, error: toWireError(e) });
    } finally {
      client.callsInFlight--;
    }
  }

  if (options.socketPath) await listenUnix(httpServer, options.socketPath, options.socketMode ?? 0o660, options.socketGid);
  else await listenTcp(httpServer, options.port ?? 0, host);
  const port = options.socketPath ? 0 : (httpServer.address() as net.AddressInfo).port;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      const leaving = [...clients];
      for (const c of leaving) c.ws.close(1001, 'server closing');
      // Upgraded sockets keep the listener open until they end; a silent client must not.
      const timer = setTimeout(() => { for (const c of leaving) c.ws.terminate(); }, CLOSE_GRACE_MS);
      await Promise.all([closed, ...leaving.map((c) => c.closed)]);
      clearTimeout(timer);
      unsubscribeJobs();
      wss.close();
      if (options.socketPath) await fs.promises.rm(options.socketPath, { force: true });
    })();
    return closing;
  };

  return {
    url: options.socketPath ? `unix:${options.socketPath}` : `http://${urlHost(host)}:${port}/?token=${token}`,
    host,
    port,
    token,
    close,
    stats: () => {
      const running = jobs.running();
      return { ...stats, scansRunning: running.scan, searchesRunning: running.search };
    },
  };
}

/** The id in what startScan, pageIn or startSearch answered. */
function startedJobId(value: unknown): string {
  const v = value as { scanId?: unknown; searchId?: unknown };
  return String(v.scanId ?? v.searchId);
}

function protocolError(message: string): WireError {
  return { name: 'ProtocolError', message, code: 'EPROTO' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function rawBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
