/**
 * The headless server (`framescope serve`): serves the built renderer and a WebSocket that
 * carries FramescopeApi, so a dom0 without a display can be inspected from a laptop through
 * an SSH tunnel, and the UI can be tested in a plain browser.
 *
 * Everything needs the per-start token (?token= or the cookie set from it). The token is what
 * keeps other local users and web pages out: binding loopback alone does not, since any
 * process on the host and any page in the user's browser can reach 127.0.0.1.
 *
 * What a client may hold of the server is bounded (server/limits.ts, the README's "Limits"):
 * connections, calls and jobs running, bytes arriving and bytes queued for it, and how long its
 * socket may stall. Past a bound a call gets an error; a client that does not read is dropped.
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
import { toWireError } from './inspector-protocol';
import { collectGarbage, RECLAIM_AFTER_BYTES, releaseFreedMemory, tuneAllocator } from './memory';
import { readCall } from './server/calls';
import {
  cookieValues, isAllowedHost, isOwnOrigin, NOT_AUTHORISED, refuseUpgrade, SECURITY_HEADERS, sendText, splitTarget,
  tokenCookieName, TOKEN_PATTERN, tokenMatcher, unbracket, urlHost,
} from './server/http-guard';
import { JobKind, jobKindOf, JobSlot, JobTracker } from './server/jobs';
import {
  DEFAULT_LIMITS, formatBytes, MAX_CALL_BYTES, MAX_CALLS_IN_FLIGHT, MAX_LARGE_ANSWERS_RUNNING, MAX_LARGE_MESSAGES_ARRIVING,
  MAX_SOCKETS, READ_PAUSE_QUEUED_BYTES, ServerLimits, STALL_CHECK_MS,
} from './server/limits';
import { listenTcp, listenUnix } from './server/listen';
import { realStaticDir, serveStatic } from './server/static-files';
import { DEFAULT_HOST } from './server/address';

export * from './server/limits';

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
  /** Lower limits than DEFAULT_LIMITS (tests and benchmarks). */
  limits?: Partial<ServerLimits>;
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
  /** Bytes sent to clients that their sockets have not taken yet, over all clients. */
  queuedBytes: number;
  /** The most queuedBytes has been. */
  queuedBytesPeak: number;
  /** Bytes of the messages being received now, over all clients (counted per socket read). */
  arrivingBytes: number;
  /** Clients dropped for queueing too much or stalling, and handshakes refused for MAX_CONNECTIONS. */
  clientsDropped: number;
  connectionsRefused: number;
}

export interface RunningServer {
  /** What the user opens: http://HOST:PORT/?token=TOKEN, or unix:PATH for a Unix socket. */
  url: string;
  /** The address bound (0.0.0.0 or :: for every address, however it was asked for). */
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
  stats(): ServerStats;
}

export { DEFAULT_HOST };
export { isLoopbackAddress, isWildcardAddress, TOKEN_COOKIE_PREFIX, tokenCookieName } from './server/http-guard';
export const API_PATH = '/api';

const TOKEN_BYTES = 32;
/** The methods whose answers may be large: as large as a scan's record. */
const LARGE_ANSWERS = new Set(['scanRecord', 'exportScan', 'diffScans']);
/** How long close() lets clients finish the WebSocket closing handshake. */
const CLOSE_GRACE_MS = 1000;
/** Pings are answered while a client has no more than this queued: a ping flood cannot queue pongs. */
const PONG_QUEUE_BYTES = MAX_CALL_BYTES;
/**
 * How often freed memory is returned to the kernel (a few µs when there is none), and the
 * server looks whether a burst of traffic is over, to collect its garbage (memory.ts).
 */
const RECLAIM_CHECK_MS = 2000;
/** The header of a control frame (at most 125 bytes): 2 bytes, and the client's 4-byte mask. */
const CONTROL_FRAME_HEADER_BYTES = 6;
/** The header of a pong the server sends (unmasked). */
const PONG_HEADER_BYTES = 2;

/** One WebSocket client. */
interface Client {
  ws: WebSocket;
  callsInFlight: number;
  /** Bytes handed to the socket whose writes have not completed. */
  queued: number;
  /** When a write last completed, or the queue last became non-empty. */
  lastProgressAt: number;
  /** Bytes of the message arriving now, and when some last arrived. */
  arriving: number;
  lastDataAt: number;
  /** Its socket is not being read: it waits to send a large message, or has too much queued. */
  paused: boolean;
  /** Dropped or closed: its queue is no longer counted. */
  gone: boolean;
  /** Settles once the client is forgotten. */
  closed: Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { api } = options;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const host = unbracket(options.host ?? DEFAULT_HOST);
  const token = options.token ?? randomBytes(TOKEN_BYTES).toString('base64url');
  if (!TOKEN_PATTERN.test(token)) throw new TypeError('token: 16 to 256 characters of A-Z a-z 0-9 . _ ~ -');
  const root = await realStaticDir(options.staticDir);
  tuneAllocator();
  let encoder = new Encoder({ ignoreUndefined: true });
  /** Encodes a message; an encoder whose buffer grew for a large one is replaced, so that the buffer goes too. */
  const encode = (message: WireToClient): Uint8Array => {
    const bytes = encoder.encode(message);
    if (bytes.byteLength > MAX_CALL_BYTES) encoder = new Encoder({ ignoreUndefined: true });
    return bytes;
  };
  const decoder = new Decoder();
  const clients = new Set<Client>();
  const stats = { bytesSent: 0, chunkBytesSent: 0, chunkFrames: 0, queuedBytesPeak: 0, clientsDropped: 0, connectionsRefused: 0 };
  let queuedTotal = 0;
  /** Bytes in and out, and at the last look (see reclaimTimer): the same twice means quiet. */
  let traffic = 0;
  let trafficAtLastCheck = 0;
  /** Bytes that became garbage since the last collection: messages read, answers sent or dropped. */
  let garbage = 0;
  /** Clients receiving a message larger than a call, and those waiting for their turn (unread). */
  const largeArriving = new Set<Client>();
  const waitingToArrive: Client[] = [];
  /** Calls with large answers running, and those waiting for their turn. */
  let largeAnswersRunning = 0;
  const waitingToAnswer: Array<() => void> = [];
  const jobs = new JobTracker<Client>((kind: JobKind, id: string) => {
    const stopping = kind === 'scan' ? api.stopScan(id) : api.stopSearch(id);
    // the job may have ended meanwhile, or the api be closing: nothing left to stop then
    stopping.catch(() => {});
  });
  const unsubscribe = api.onEvent((event) => {
    jobs.onEvent(event);
    broadcast(event);
  });
  let closing: Promise<void> | null = null;

  const matchesToken = tokenMatcher(token);
  const authorise = (req: http.IncomingMessage, query: URLSearchParams) => {
    // On a Unix socket the kernel already checked the file's permissions.
    if (options.socketPath) return { ok: true, byQuery: false };
    const byQuery = matchesToken(query.get('token'));
    return { ok: byQuery || cookieValues(req.headers.cookie, tokenCookieName(req.headers.host)).some(matchesToken), byQuery };
  };
  /** What the server was asked to listen on, and the address it bound (known once listening). */
  const bound = [host];
  const allowedHost = (req: http.IncomingMessage) => isAllowedHost(req.headers.host, bound);

  // Node looks for late headers every connectionsCheckingInterval (30 s by default): often
  // enough here that the timeout means what it says.
  const httpServer = http.createServer({
    headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
  }, (req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  });
  httpServer.maxConnections = MAX_SOCKETS;
  // and a socket that says nothing at all: no request has begun for headersTimeout to watch
  // (ws turns this off for the sockets it takes over)
  httpServer.setTimeout(limits.headersTimeoutMs);

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
    if (auth.byQuery) res.setHeader('Set-Cookie', `${tokenCookieName(req.headers.host)}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    if (pathname === '/healthz') return sendText(res, 200, 'ok');
    await serveStatic(root, pathname, req, res);
  }

  // Pongs are ours to send (see onPing), so that they are counted and bounded like the rest.
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxImportBytes, perMessageDeflate: false, autoPong: false });

  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const { pathname, query } = splitTarget(req.url ?? '');
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable', 'server closing');
    if (!allowedHost(req)) return refuseUpgrade(socket, 403, 'Forbidden', 'forbidden: unexpected Host header');
    if (!authorise(req, query).ok) return refuseUpgrade(socket, 401, 'Unauthorized', NOT_AUTHORISED);
    if (!isOwnOrigin(req)) return refuseUpgrade(socket, 403, 'Forbidden', 'forbidden: foreign Origin');
    if (pathname !== API_PATH) return refuseUpgrade(socket, 404, 'Not Found', 'not found');
    if (clients.size >= limits.maxConnections) {
      stats.connectionsRefused++;
      return refuseUpgrade(socket, 503, 'Service Unavailable', `too many connections (limit ${limits.maxConnections}): close another framescope page or client first`);
    }
    // ws answers synchronously here (no verifyClient), so clients.size is exact for the next one.
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, socket));
  });

  function accept(ws: WebSocket, socket: Duplex): void {
    let forget = () => {};
    const now = Date.now();
    const client: Client = {
      ws, callsInFlight: 0, queued: 0, lastProgressAt: now, arriving: 0, lastDataAt: now, paused: false, gone: false,
      closed: new Promise((r) => (forget = r)),
    };
    clients.add(client);
    // Counted before ws reads the same bytes: the messages and control frames it finds in them
    // then take their bytes off again (a message's end, approximately: the rest of that read).
    socket.prependListener('data', (data: Buffer) => onData(client, data.byteLength));
    ws.on('message', (data, isBinary) => {
      messageArrived(client);
      void onMessage(client, data, isBinary);
    });
    ws.on('ping', (data) => onPing(client, data));
    ws.on('pong', (data) => controlFrameArrived(client, data));
    // ws reports bad frames (too big, bad opcode) here and closes the socket itself.
    ws.on('error', () => {});
    ws.on('close', () => {
      release(client);
      clients.delete(client);
      jobs.forget(client);
      forget();
    });
  }

  /** Stops counting a client's queue and arrivals, and lets the next large message in. */
  function release(client: Client): void {
    if (client.gone) return;
    client.gone = true;
    garbage += client.queued;
    queuedTotal -= client.queued;
    client.queued = 0;
    client.arriving = 0;
    const waiting = waitingToArrive.indexOf(client);
    if (waiting >= 0) waitingToArrive.splice(waiting, 1);
    if (largeArriving.delete(client)) admitWaiting();
  }

  function drop(client: Client): void {
    if (client.gone) return;
    stats.clientsDropped++;
    release(client);
    client.ws.terminate();
  }

  function onData(client: Client, bytes: number): void {
    traffic += bytes;
    garbage += bytes;
    if (client.gone) return;
    client.arriving += bytes;
    client.lastDataAt = Date.now();
    if (client.arriving <= MAX_CALL_BYTES || largeArriving.has(client)) return;
    if (largeArriving.size < MAX_LARGE_MESSAGES_ARRIVING) {
      largeArriving.add(client);
    } else if (!waitingToArrive.includes(client)) {
      waitingToArrive.push(client);
      updateReading(client);
    }
  }

  function messageArrived(client: Client): void {
    client.arriving = 0;
    // a waiting client's message may have been read whole before its socket paused
    const waiting = waitingToArrive.indexOf(client);
    if (waiting >= 0) {
      waitingToArrive.splice(waiting, 1);
      updateReading(client);
    }
    if (largeArriving.delete(client)) admitWaiting();
  }

  /** Control frames are no part of a message: they count for nothing arriving. */
  function controlFrameArrived(client: Client, data: Buffer): void {
    client.arriving = Math.max(0, client.arriving - data.byteLength - CONTROL_FRAME_HEADER_BYTES);
  }

  /** Lets waiting clients read again; the first to go over MAX_CALL_BYTES takes the free place. */
  function admitWaiting(): void {
    for (const c of waitingToArrive.splice(0)) updateReading(c);
  }

  /**
   * Reads a client's socket or not: not while it waits for its turn to send a large message,
   * nor while it has more than READ_PAUSE_QUEUED_BYTES queued (a client that does not read
   * its answers gets no more calls answered).
   */
  function updateReading(client: Client): void {
    const pause = !client.gone && (client.queued > READ_PAUSE_QUEUED_BYTES || waitingToArrive.includes(client));
    if (pause === client.paused) return;
    client.paused = pause;
    if (pause) client.ws.pause();
    else client.ws.resume();
  }

  function onPing(client: Client, data: Buffer): void {
    controlFrameArrived(client, data);
    if (client.gone || client.queued > PONG_QUEUE_BYTES) return;
    const bytes = data.byteLength + PONG_HEADER_BYTES;
    enqueue(client, bytes);
    client.ws.pong(data, undefined, () => settle(client, bytes));
  }

  function enqueue(client: Client, bytes: number): void {
    if (client.queued === 0) client.lastProgressAt = Date.now();
    client.queued += bytes;
    queuedTotal += bytes;
    stats.queuedBytesPeak = Math.max(stats.queuedBytesPeak, queuedTotal);
    updateReading(client);
  }

  function settle(client: Client, bytes: number): void {
    garbage += bytes;
    if (client.gone) return;
    client.queued -= bytes;
    queuedTotal -= bytes;
    client.lastProgressAt = Date.now();
    updateReading(client);
  }

  /**
   * Queues `bytes` for a client if the limits allow: a client over its own limit is dropped;
   * over the total, the clients with the most queued go first. False if not sent.
   */
  function deliver(client: Client, bytes: Uint8Array): boolean {
    if (client.gone || client.ws.readyState !== WebSocket.OPEN) return false;
    const size = bytes.byteLength;
    if (client.queued + size > limits.maxQueuedBytesPerConnection) {
      drop(client);
      return false;
    }
    while (queuedTotal + size > limits.maxQueuedBytesTotal) {
      let fullest = client;
      for (const c of clients) if (!c.gone && c.queued > fullest.queued) fullest = c;
      drop(fullest);
      if (fullest === client) return false;
    }
    enqueue(client, size);
    traffic += size;
    client.ws.send(bytes, () => settle(client, size));
    stats.bytesSent += size;
    return true;
  }

  function reply(client: Client, message: WireToClient & { id: number }): void {
    if (client.gone) return;
    let bytes = encode(message);
    if (bytes.byteLength > limits.maxQueuedBytesPerConnection) {
      const method = message.t === 'result' ? 'the answer' : 'the error';
      bytes = encode({ t: 'error', id: message.id, error: { name: 'ServerLimit', code: 'EMSGSIZE',
        message: `${method} is ${bytes.byteLength} bytes, more than the server queues for one client (${formatBytes(limits.maxQueuedBytesPerConnection)})` } });
    }
    deliver(client, bytes);
  }

  function broadcast(event: InspectorEvent): void {
    if (clients.size === 0) return;
    // Runs inside the api's event loop: a failure here must not reach its other listeners.
    try {
      const bytes = encode({ t: 'event', event });
      for (const client of clients) {
        if (deliver(client, bytes) && event.type === 'chunk') {
          stats.chunkBytesSent += bytes.byteLength;
          stats.chunkFrames += event.count;
        }
      }
    } catch {
      for (const client of clients) drop(client);
    }
  }

  /** Waits until a call with a large answer may run. */
  async function turnToAnswer(): Promise<void> {
    if (largeAnswersRunning >= MAX_LARGE_ANSWERS_RUNNING) await new Promise<void>((resolve) => waitingToAnswer.push(resolve));
    largeAnswersRunning++;
  }

  function answered(): void {
    largeAnswersRunning--;
    waitingToAnswer.shift()?.();
  }

  async function onMessage(client: Client, data: RawData, isBinary: boolean): Promise<void> {
    // ws may still hand over what it had read when the client was dropped
    if (client.gone) return;
    const call = readCall(decoder, data, isBinary);
    if (!call.ok) return reply(client, { t: 'error', id: call.id, error: call.error });
    const { id } = call;
    if (client.callsInFlight >= MAX_CALLS_IN_FLIGHT) {
      return reply(client, { t: 'error', id, error: { name: 'ServerBusy', message: `more than ${MAX_CALLS_IN_FLIGHT} calls in flight on this connection`, code: 'EBUSY' } });
    }
    client.callsInFlight++;
    const large = typeof call.method === 'string' && LARGE_ANSWERS.has(call.method);
    let slot: JobSlot | undefined;
    try {
      if (large) await turnToAnswer();
      // a client that left while its call waited gets nothing done for it
      if (client.gone) return;
      const kind = jobKindOf(call.method);
      if (kind) slot = jobs.reserve(client, kind);
      const value = await invokeApi(api, call.method, call.args);
      slot?.started(startedJobId(value));
      reply(client, { t: 'result', id, value });
    } catch (e) {
      slot?.abandon();
      reply(client, { t: 'error', id, error: toWireError(e) });
    } finally {
      if (large) answered();
      client.callsInFlight--;
    }
  }

  /** Drops clients whose sockets take nothing of what is queued, or whose large message stopped arriving. */
  const stallTimer = setInterval(() => {
    const now = Date.now();
    for (const c of clients) {
      const stalledOut = c.queued > 0 && now - c.lastProgressAt > limits.stallTimeoutMs;
      const stalledIn = largeArriving.has(c) && now - c.lastDataAt > limits.stallTimeoutMs;
      if (stalledOut || stalledIn) drop(c);
    }
  }, Math.min(STALL_CHECK_MS, limits.stallTimeoutMs));
  stallTimer.unref();
  // After a burst, once a whole interval has passed without traffic, collect; trim every time.
  const reclaimTimer = setInterval(() => {
    const quiet = traffic === trafficAtLastCheck;
    trafficAtLastCheck = traffic;
    if (quiet && garbage >= RECLAIM_AFTER_BYTES) {
      garbage = 0;
      collectGarbage();
    }
    releaseFreedMemory();
  }, RECLAIM_CHECK_MS);
  reclaimTimer.unref();

  try {
    if (options.socketPath) await listenUnix(httpServer, options.socketPath, options.socketMode ?? 0o660, options.socketGid);
    else await listenTcp(httpServer, options.port ?? 0, host);
  } catch (e) {
    clearInterval(stallTimer);
    clearInterval(reclaimTimer);
    unsubscribe();
    throw e;
  }
  const address = options.socketPath ? null : (httpServer.address() as net.AddressInfo);
  const port = address?.port ?? 0;
  if (address) bound.push(address.address);
  // A wildcard is no address to open: the URL names this host's loopback, which it includes.
  const urlAddress = !address ? host : address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : host;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(stallTimer);
      clearInterval(reclaimTimer);
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      const leaving = [...clients];
      for (const c of leaving) c.ws.close(1001, 'server closing');
      // Upgraded sockets keep the listener open until they end; a silent client must not.
      const timer = setTimeout(() => { for (const c of leaving) c.ws.terminate(); }, CLOSE_GRACE_MS);
      await Promise.all([closed, ...leaving.map((c) => c.closed)]);
      clearTimeout(timer);
      unsubscribe();
      wss.close();
      if (options.socketPath) await fs.promises.rm(options.socketPath, { force: true });
    })();
    return closing;
  };

  return {
    url: options.socketPath ? `unix:${options.socketPath}` : `http://${urlHost(urlAddress)}:${port}/?token=${token}`,
    host: address?.address ?? host,
    port,
    token,
    close,
    stats: () => {
      const running = jobs.running();
      let arrivingBytes = 0;
      for (const c of clients) arrivingBytes += c.arriving;
      return {
        ...stats, connections: clients.size, scansRunning: running.scan, searchesRunning: running.search,
        queuedBytes: queuedTotal, arrivingBytes,
      };
    },
  };
}

/** The id in what startScan, pageIn or startSearch answered. */
function startedJobId(value: unknown): string {
  const v = value as { scanId?: unknown; searchId?: unknown };
  return String(v.scanId ?? v.searchId);
}
