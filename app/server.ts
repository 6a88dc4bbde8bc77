/**
 * The headless server (`framescope serve`): serves the built renderer and a WebSocket that
 * carries FramescopeApi, so a dom0 without a display can be inspected from a laptop through
 * an SSH tunnel, and the UI can be tested in a plain browser.
 *
 * Everything needs the per-start token (?token= or the cookie set from it). The token is what
 * keeps other local users and web pages out: binding loopback alone does not, since any
 * process on the host and any page in the user's browser can reach 127.0.0.1.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { Decoder, Encoder } from '@msgpack/msgpack';
import { RawData, WebSocket, WebSocketServer } from 'ws';

import type { FramescopeApi, InspectorEvent, WireToClient } from './api';
import { invokeApi } from './api-schema';
import { toWireError, WireError } from './inspector-protocol';
import { DEFAULT_HOST } from './server-address';

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

export { DEFAULT_HOST };
export const TOKEN_COOKIE = 'framescope_token';
export const API_PATH = '/api';

const TOKEN_BYTES = 32;
/** Caller-chosen tokens: URL- and cookie-safe characters only, and not guessable in a hurry. */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;
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

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; " +
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_AUTHORISED = 'not authorised: open the URL framescope serve printed (it carries ?token=)';

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
  const tokenBytes = Buffer.from(token);
  const encoder = new Encoder({ ignoreUndefined: true });
  const decoder = new Decoder();
  const clients = new Set<Client>();
  const stats: ServerStats = { connections: 0, bytesSent: 0, chunkBytesSent: 0, chunkFrames: 0 };
  let closing: Promise<void> | null = null;

  const matchesToken = (candidate: string | null | undefined): boolean => {
    if (candidate == null) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };
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
    try {
      const value = await invokeApi(api, message.method, message.args);
      send(client, { t: 'result', id, value });
    } catch (e) {
      send(client, { t: 'error', id, error: toWireError(e) });
    } finally {
      client.callsInFlight--;
    }
  }

  if (options.socketPath) await listenUnix(httpServer, options.socketPath, options.socketMode ?? 0o660, options.socketGid);
  else await listen(httpServer, options.port ?? 0, host);
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
    stats: () => ({ ...stats }),
  };
}

async function realStaticDir(dir: string): Promise<string> {
  try {
    const real = await fs.promises.realpath(dir);
    if ((await fs.promises.stat(real)).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw new Error(`staticDir ${dir} is not a directory: build the renderer first (npm run build)`);
}

/**
 * Listens on a Unix socket created with no permissions for anyone but its owner, then opened
 * to the group: no moment in which others may connect. A stale socket left by a server that
 * died is replaced; a live one is an error.
 */
async function listenUnix(server: http.Server, socketPath: string, mode: number, gid: number | undefined): Promise<void> {
  if (fs.existsSync(socketPath)) {
    if (!fs.lstatSync(socketPath).isSocket()) throw new Error(`${socketPath} exists and is not a socket`);
    const live = await new Promise<boolean>((resolve) => {
      const probe = net.connect(socketPath, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (live) throw new Error(`${socketPath}: another framescope serve is already listening there`);
    fs.rmSync(socketPath);
  }
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  if (gid !== undefined) fs.chownSync(socketPath, -1, gid);
  fs.chmodSync(socketPath, mode);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Serves one file of the renderer. Browsers normalise dot segments before sending, so a
 * request that still has them, encoded or not, is crafted: refuse it outright.
 */
async function serveStatic(root: string, rawPath: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!rawPath.startsWith('/') || /%2e|%2f|%5c|%00|\\|\0/i.test(rawPath)) return sendText(res, 400, 'bad path');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return sendText(res, 400, 'bad path');
  }
  const segments = decoded.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return sendText(res, 400, 'bad path');
  if (decoded === '/') decoded = '/index.html';
  // Hidden files and directory listings are never part of the renderer.
  if (decoded.endsWith('/') || segments.some((s) => s.startsWith('.'))) return sendText(res, 404, 'not found');

  const file = await realFileInside(root, path.resolve(root, '.' + decoded));
  if (!file) return sendText(res, 404, 'not found');
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[path.extname(file.path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': file.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(fs.createReadStream(file.path), res);
}

/** The regular file at `candidate` once symlinks are resolved, if it is still inside root. */
async function realFileInside(root: string, candidate: string): Promise<{ path: string; size: number } | null> {
  if (!isInside(root, candidate)) return null;
  try {
    const real = await fs.promises.realpath(candidate);
    if (!isInside(root, real)) return null;
    const stat = await fs.promises.stat(real);
    return stat.isFile() ? { path: real, size: stat.size } : null;
  } catch {
    return null;
  }
}

function isInside(root: string, p: string): boolean {
  return p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  const body = `${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers a refused upgrade as plain HTTP, then drops the socket. */
function refuseUpgrade(socket: Duplex, status: number, reason: string, text: string): void {
  const body = `${text}\n`;
  const headers = [
    `HTTP/1.1 ${status} ${reason}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}

/** Path and query of a request target, the path left raw (still percent-encoded). */
function splitTarget(target: string): { pathname: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  return q < 0
    ? { pathname: target, query: new URLSearchParams() }
    : { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function urlHost(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * DNS rebinding: a page of evil.example that re-resolves its name to 127.0.0.1 reaches this
 * server, but its requests still say Host: evil.example. The port is not checked, because an
 * SSH tunnel may forward any local port here. Bound to a wildcard address, the server is meant
 * to be reached by the host's addresses, which cannot be rebound: any IP literal is accepted.
 */
function isAllowedHost(header: string | undefined, boundHost: string): boolean {
  if (!header) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(header.trim());
  if (!m) return false;
  const name = m[1].toLowerCase();
  if (LOOPBACK_NAMES.has(name) || name === urlHost(boundHost.toLowerCase())) return true;
  const wildcard = boundHost === '0.0.0.0' || boundHost === '::';
  return wildcard && net.isIP(unbracket(name)) !== 0;
}

/**
 * Browsers send Origin on every WebSocket handshake, and a page cannot forge it. Our own page
 * has the origin of the Host it loaded from (already checked), whichever port a tunnel uses.
 */
function isOwnOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host?.toLowerCase();
  return origin.toLowerCase() === `http://${host}` || origin.toLowerCase() === `https://${host}`;
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
