import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

import { decode, encode } from '@msgpack/msgpack';
import ts from 'typescript';
import WebSocket from 'ws';

import type { FramescopeApi, InspectorEvent, ScanChunk, ScanEnd, SearchEndEvent, WireToClient } from '../../app/api';
import { chunkCodes } from '../../app/chunk-codec';
import { statusOf } from '../../app/frame-status';
import { startInspector } from '../../app/inspector-client';
import { scanToEnd } from '../../app/scan-to-end';
import {
  MAX_CALL_BYTES, MAX_CONNECTIONS, MAX_LARGE_ANSWERS_RUNNING, MAX_SCANS_PER_CONNECTION, MAX_SOCKETS, MAX_SCANS_TOTAL, MAX_SEARCHES_PER_CONNECTION, RunningServer,
  ServerLimits, startServer, tokenCookieName, TOKEN_COOKIE_PREFIX,
} from '../../app/server';
import { clientFrame, OPCODE, RawWebSocket } from '../fakes/raw-websocket';
import {
  FAKE_BAD_GFN, FAKE_DOMAINS, FAKE_FRAME_ERROR, FakeApi, fakeFrameBytes,
} from '../fakes/fake-api';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const INDEX_HTML = '<!doctype html><title>framescope test page</title><script type="module" src="/assets/app.js"></script>\n';
const APP_JS = 'console.log("framescope test asset");\n';
/** Outside staticDir: no request may ever return it. */
const SECRET = 'SECRET-OUTSIDE-STATIC-DIR';
const WAIT_MS = 5000;
/** A broken transport tends to hang rather than throw: fail instead. */
const TEST_OPTIONS = { timeout: 20_000 };

// ---------------------------------------------------------------------------------------
// Fixtures

interface Fixture {
  server: RunningServer;
  api: FakeApi;
}

function makeStaticDir(): { base: string; staticDir: string } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'framescope-server-'));
  const staticDir = path.join(base, 'renderer');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), INDEX_HTML);
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), APP_JS);
  fs.writeFileSync(path.join(staticDir, '.hidden'), SECRET);
  fs.writeFileSync(path.join(base, 'package.json'), JSON.stringify({ name: SECRET }));
  fs.symlinkSync(path.join(base, 'package.json'), path.join(staticDir, 'escape.json'));
  return { base, staticDir };
}

async function withServer(body: (f: Fixture) => Promise<void>, api: FakeApi = new FakeApi(), limits?: Partial<ServerLimits>): Promise<void> {
  const { base, staticDir } = makeStaticDir();
  const server = await startServer({ api, staticDir, limits });
  try {
    await body({ server, api });
  } finally {
    await server.close();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// HTTP and WebSocket helpers

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: the path goes out exactly as written (no URL normalisation). */
function request(server: RunningServer, rawPath: string,
  options: { method?: string; headers?: Record<string, string>; setHost?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { method = 'GET', headers, setHost = true } = options;
    const req = http.request({ host: server.host, port: server.port, path: rawPath, method, headers, setHost }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const withToken = (server: RunningServer, p: string) => `${p}${p.includes('?') ? '&' : '?'}token=${server.token}`;
/** The token cookie as the browser sends it to `server` reached directly (Host: 127.0.0.1:PORT). */
const cookieName = (server: RunningServer) => `${TOKEN_COOKIE_PREFIX}${server.port}`;
const cookie = (server: RunningServer, value: string) => ({ Cookie: `${cookieName(server)}=${value}` });

function wsUrl(server: RunningServer, query = `?token=${server.token}`): string {
  return `ws://${server.host}:${server.port}/api${query}`;
}

/** Opens a WebSocket, or reports the HTTP status that refused it. */
function tryUpgrade(url: string, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    ws.once('error', reject);
  });
}

async function refusedStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  const r = await tryUpgrade(url, options);
  if ('ws' in r) {
    r.ws.close();
    return 101;
  }
  return r.status;
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

type Reply2 = Exclude<WireToClient, { t: 'event' }>;

/** Speaks the wire protocol by hand, to send what a correct client never would. */
class WireClient {
  readonly replies: Reply2[] = [];
  readonly events: InspectorEvent[] = [];
  textFramesReceived = 0;
  private nextId = 1;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) this.textFramesReceived++;
      const m = decode(data) as WireToClient;
      if (m.t === 'event') this.events.push(m.event);
      else this.replies.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  }

  static async open(server: RunningServer): Promise<WireClient> {
    const r = await tryUpgrade(wsUrl(server));
    assert.ok('ws' in r, 'the WebSocket should open');
    return new WireClient(r.ws);
  }

  until(condition: () => boolean, what: string): Promise<void> {
    const check = (resolve: () => void) => (condition() ? resolve() : this.waiters.push(() => check(resolve)));
    return withTimeout(new Promise<void>(check), what);
  }

  async reply(): Promise<Reply2> {
    await this.until(() => this.replies.length > 0, 'a reply');
    return this.replies.shift()!;
  }

  send(value: unknown): void {
    this.ws.send(encode(value, { ignoreUndefined: true }));
  }

  async call(method: string, args: unknown[]): Promise<Reply2> {
    const id = this.nextId++;
    this.send({ t: 'call', id, method, args });
    const r = await this.reply();
    assert.equal(r.id, id);
    return r;
  }

  close(): void {
    this.ws.close();
  }
}

function chunkEvent(scanId: string, first: number, frames: number): ScanChunk {
  const codes = new Uint8Array(frames);
  for (let i = 0; i < frames; i++) codes[i] = i % 7 === 0 ? 2 : 0;
  return { type: 'chunk', scanId, first, count: frames, encoding: 'raw', data: codes, scanned: first + frames, elapsedMs: 1.5 };
}

// ---------------------------------------------------------------------------------------
// The browser client, compiled here: renderer/ is not part of the node build, and the file
// uses only the WebSocket API that `ws` also provides.

type WsClientApi = FramescopeApi & {
  close(): void;
  onConnectionChange(cb: (state: 'open' | 'closed') => void): () => void;
};

interface WsClientModule {
  connectWebSocketApi(url: string): Promise<WsClientApi>;
  webSocketUrlFromLocation(location: { protocol: string; host: string; search: string }): string;
}

let wsClientModule: WsClientModule | null = null;

function loadWsClient(): WsClientModule {
  if (wsClientModule) return wsClientModule;
  const file = path.join(REPO_ROOT, 'renderer', 'transport', 'ws-client.ts');
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const module = { exports: {} as WsClientModule };
  const wrapped = vm.runInThisContext(Module.wrap(out.outputText), { filename: file }) as
    (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  wrapped(module.exports, Module.createRequire(file), module, file, path.dirname(file));
  // Node 20 has no global WebSocket; ws implements the browser's interface.
  Object.assign(globalThis, { WebSocket });
  wsClientModule = module.exports;
  return wsClientModule;
}

async function connectClient(server: RunningServer): Promise<WsClientApi> {
  const client = loadWsClient();
  return client.connectWebSocketApi(client.webSocketUrlFromLocation(new URL(server.url)));
}

// ---------------------------------------------------------------------------------------
// Startup and authentication

test('the printed URL carries the token, loads index.html and sets the token cookie', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const url = new URL(server.url);
    assert.equal(url.protocol, 'http:');
    assert.equal(url.hostname, '127.0.0.1');
    assert.equal(Number(url.port), server.port);
    assert.notEqual(server.port, 0);
    assert.equal(url.searchParams.get('token'), server.token);
    assert.match(server.token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url');

    const r = await request(server, url.pathname + url.search);
    assert.equal(r.status, 200);
    assert.equal(r.body, INDEX_HTML);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    const setCookie = r.headers['set-cookie']?.[0] ?? '';
    assert.match(setCookie, new RegExp(`^framescope_token_${server.port}=${server.token};`), 'the name carries the port');
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/']) assert.ok(setCookie.split('; ').includes(attr), `cookie has ${attr}`);
  });
});

test('the token cookie is named for the port the browser used; another framescope\'s cookie is ignored, not an error', TEST_OPTIONS, async () => {
  await withServer(async ({ server: a }) => {
    await withServer(async ({ server: b }) => {
      // each sets a cookie of its own name: the browser keeps both, and sends both to either
      const setA = (await request(a, withToken(a, '/'))).headers['set-cookie']?.[0] ?? '';
      const setB = (await request(b, withToken(b, '/'))).headers['set-cookie']?.[0] ?? '';
      assert.ok(setA.startsWith(`framescope_token_${a.port}=`) && setB.startsWith(`framescope_token_${b.port}=`), `${setA} / ${setB}`);
      for (const set of [setA, setB]) for (const attr of ['HttpOnly', 'SameSite=Strict']) assert.ok(set.split('; ').includes(attr), `${set} has ${attr}`);
      const jar = `${setA.split(';')[0]}; ${setB.split(';')[0]}`;
      assert.equal((await request(a, '/', { headers: { Cookie: jar } })).status, 200);
      assert.equal((await request(b, '/', { headers: { Cookie: jar } })).status, 200);
      // only the other's cookie, or its name with garbage: as if there were none
      for (const other of [setB.split(';')[0], `framescope_token_${b.port}=%%%;;=`, `${TOKEN_COOKIE_PREFIX}=${a.token}`, `framescope_token=${a.token}`]) {
        const r = await request(a, '/', { headers: { Cookie: other } });
        assert.equal(r.status, 401, other);
        assert.equal(r.body.trim(), (await request(a, '/')).body.trim(), 'the same answer as without a cookie');
      }
      // through a tunnel the browser's port is the tunnel's, and so is the cookie's name
      const tunnelled = await request(a, withToken(a, '/'), { headers: { Host: 'localhost:9000' } });
      assert.ok(tunnelled.headers['set-cookie']?.[0]?.startsWith(`framescope_token_9000=${a.token};`));
      assert.equal((await request(a, '/', { headers: { Host: 'localhost:9000', Cookie: `framescope_token_9000=${a.token}` } })).status, 200);
      assert.equal((await request(a, '/', { headers: { Host: 'localhost:9000', Cookie: `framescope_token_${a.port}=${a.token}` } })).status, 401);
      assert.equal(tokenCookieName('localhost'), 'framescope_token_80');
    });
  });
});

test('two servers get different tokens', TEST_OPTIONS, async () => {
  await withServer(async ({ server: a }) => {
    await withServer(async ({ server: b }) => {
      assert.notEqual(a.token, b.token);
      assert.equal((await request(a, '/', { headers: cookie(a, b.token) })).status, 401);
    });
  });
});

test('an asset loads with the cookie alone, with the right type; HEAD has no body', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const r = await request(server, '/assets/app.js', { headers: cookie(server, server.token) });
    assert.equal(r.status, 200);
    assert.equal(r.body, APP_JS);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers['set-cookie'], undefined, 'the cookie is set only from ?token');

    const head = await request(server, '/assets/app.js', { method: 'HEAD', headers: cookie(server, server.token) });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength(APP_JS)));
  });
});

test('without token or cookie: 401 for the page, an asset, /healthz and the WebSocket', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/healthz', '/nonexistent']) {
      const r = await request(server, p);
      assert.equal(r.status, 401, p);
      assert.equal(r.body.trim().split('\n').length, 1, 'a one-line body');
      assert.ok(!r.body.includes('framescope test'), 'no content leaks');
    }
    const ws = await tryUpgrade(wsUrl(server, ''));
    assert.ok('status' in ws);
    assert.equal(ws.status, 401);
    assert.equal(server.stats().connections, 0, 'no client was accepted');
  });
});

test('a wrong token or cookie is refused, whatever its length', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const sameLength = server.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    for (const bad of [sameLength, 'short', server.token + 'x', '']) {
      assert.equal((await request(server, `/?token=${encodeURIComponent(bad)}`)).status, 401, `token ${bad}`);
      assert.equal((await request(server, '/', { headers: cookie(server, bad) })).status, 401, `cookie ${bad}`);
      assert.equal(await refusedStatus(wsUrl(server, `?token=${encodeURIComponent(bad)}`)), 401, `upgrade ${bad}`);
    }
    assert.equal((await request(server, '/', { headers: { Cookie: `other=1; ${cookieName(server)}=${server.token}` } })).status, 200);
  });
});

test('a Host header that is not this server is refused with 403 (DNS rebinding)', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.2', 'localhost.evil.example', '127.0.0.1:80:80']) {
      const r = await request(server, withToken(server, '/'), { headers: { Host: host } });
      assert.equal(r.status, 403, `Host: ${host}`);
    }
    const noHost = await request(server, withToken(server, '/'), { setHost: false });
    assert.ok(noHost.status === 400 || noHost.status === 403, `no Host: ${noHost.status}`);
    assert.equal(await refusedStatus(wsUrl(server), { headers: { Host: 'evil.example' } }), 403);
    // An SSH tunnel may forward any local port: only the name matters.
    for (const host of ['localhost:9999', `127.0.0.1:${server.port}`, '[::1]:8080', 'LOCALHOST']) {
      assert.equal((await request(server, withToken(server, '/'), { headers: { Host: host } })).status, 200, `Host: ${host}`);
    }
  });
});

test('a WebSocket upgrade from a foreign Origin is refused; our own origin and none are accepted', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `http://localhost:${server.port}`]) {
      assert.equal(await refusedStatus(wsUrl(server), { origin }), 403, `Origin: ${origin}`);
    }
    assert.equal(await refusedStatus(wsUrl(server), { origin: `http://127.0.0.1:${server.port}` }), 101);
    assert.equal(await refusedStatus(wsUrl(server), { origin: 'http://localhost:9000', headers: { Host: 'localhost:9000' } }), 101, 'through a tunnel');
    assert.equal(await refusedStatus(wsUrl(server)), 101);
  });
});

test('the WebSocket lives only at /api', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    assert.equal(await refusedStatus(`ws://${server.host}:${server.port}/other?token=${server.token}`), 404);
  });
});

// ---------------------------------------------------------------------------------------
// Static files

test('no path escapes staticDir: dot segments, encoded or not, symlinks, NUL, hidden files', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    // Crafted paths (a browser never sends dot segments) are refused before any lookup.
    const crafted = [
      '/../package.json', '/assets/../../package.json', '/%2e%2e/package.json', '/%2E%2E/package.json',
      '/..%2fpackage.json', '/%2e%2e%2fpackage.json', '/assets/..%5c..%5cpackage.json', '/..\\package.json',
      '/index.html%00.js', '/./index.html', '/%', 'package.json',
    ];
    const missing = ['/escape.json', '/.hidden', '/%252e%252e/package.json'];
    for (const [paths, status] of [[crafted, 400], [missing, 404]] as const) {
      for (const p of paths) {
        const r = await request(server, p, { headers: cookie(server, server.token) });
        assert.equal(r.status, status, p);
        assert.ok(!r.body.includes(SECRET), `${p} must not return the file`);
      }
    }
  });
});

test('static files: 404 for missing files and directories, 405 for other methods', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const auth = { headers: cookie(server, server.token) };
    assert.equal((await request(server, '/missing.js', auth)).status, 404);
    assert.equal((await request(server, '/assets', auth)).status, 404);
    assert.equal((await request(server, '/assets/', auth)).status, 404);
    const post = await request(server, '/index.html', { method: 'POST', ...auth });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await request(server, '/index.html?v=1', auth)).body, INDEX_HTML, 'the query is not part of the path');
  });
});

test('every response has the CSP and the other security headers', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const replies = [
      await request(server, withToken(server, '/')),
      await request(server, '/assets/app.js', { headers: cookie(server, server.token) }),
      await request(server, '/missing', { headers: cookie(server, server.token) }),
      await request(server, '/'),
      await request(server, '/', { headers: { Host: 'evil.example' } }),
    ];
    for (const r of replies) {
      const csp = String(r.headers['content-security-policy']);
      for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]) {
        assert.ok(csp.includes(directive), `${r.status}: CSP has ${directive}`);
      }
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'no-referrer');
      assert.equal(r.headers['cache-control'], 'no-store');
    }
  });
});

test('/healthz answers ok when authorised', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const r = await request(server, withToken(server, '/healthz'));
    assert.equal(r.status, 200);
    assert.equal(r.body.trim(), 'ok');
  });
});

test('startServer refuses a staticDir that does not exist and a weak token', TEST_OPTIONS, async () => {
  const api = new FakeApi();
  await assert.rejects(startServer({ api, staticDir: path.join(os.tmpdir(), 'framescope-no-such-dir') }), /not a directory/);
  await assert.rejects(startServer({ api, staticDir: os.tmpdir(), token: 'short' }), /token/);
  await assert.rejects(startServer({ api, staticDir: os.tmpdir(), token: 'has spaces and; semicolons' }), /token/);
});

test('an IPv6 host is bracketed in the URL', TEST_OPTIONS, async (t) => {
  const { base, staticDir } = makeStaticDir();
  let server: RunningServer;
  try {
    server = await startServer({ api: new FakeApi(), staticDir, host: '::1' });
  } catch (e) {
    fs.rmSync(base, { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') return t.skip('no IPv6 loopback here');
    throw e;
  }
  try {
    assert.equal(server.url, `http://[::1]:${server.port}/?token=${server.token}`);
    assert.equal((await request(server, withToken(server, '/'))).status, 200);
  } finally {
    await server.close();
    fs.rmSync(base, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------
// The WebSocket protocol

test('a call round-trips: listDomains, and binary stays binary', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const client = await WireClient.open(server);
    const r = await client.call('listDomains', []);
    assert.equal(r.t, 'result');
    assert.deepEqual(r.t === 'result' && r.value, FAKE_DOMAINS);
    assert.deepEqual(api.calls.at(-1), { method: 'listDomains', args: [] });

    const before = server.stats().bytesSent;
    const read = await client.call('readFrame', [{ domain: 3, gfn: 7 }]);
    assert.equal(read.t, 'result');
    const bytes = (read.t === 'result' && (read.value as { bytes: unknown }).bytes);
    assert.ok(bytes instanceof Uint8Array, 'frame bytes arrive as binary');
    assert.deepEqual(new Uint8Array(bytes), fakeFrameBytes(7));
    assert.ok(server.stats().bytesSent - before < 4096 + 200, 'a frame costs its 4 KiB plus a little, not a JSON array');
    assert.equal(client.textFramesReceived, 0);
    client.close();
  });
});

test('a call with bad arguments gets the one-line validation error; the socket still works', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const client = await WireClient.open(server);
    const bad = await client.call('startScan', [{ domain: 'three' }]);
    assert.equal(bad.t, 'error');
    if (bad.t !== 'error') return;
    assert.equal(bad.error.name, 'ApiValidationError');
    assert.equal(bad.error.code, 'EINVAL');
    assert.match(bad.error.message, /^startScan: argument 0\.domain: /);
    assert.ok(!bad.error.message.includes('\n'));

    const unknown = await client.call('deleteEverything', []);
    assert.equal(unknown.t === 'error' && unknown.error.name, 'ApiValidationError');
    assert.match(unknown.t === 'error' ? unknown.error.message : '', /no such method/);
    assert.ok(!api.calls.some((c) => c.method === 'startScan'), 'nothing invalid reached the api');

    const failing = await client.call('readFrame', [{ domain: 3, gfn: FAKE_BAD_GFN }]);
    assert.deepEqual(failing.t === 'error' && failing.error, FAKE_FRAME_ERROR, 'the api error keeps its name and code');

    assert.equal((await client.call('listDomains', [])).t, 'result');
    client.close();
  });
});

test('garbage, text frames and malformed messages get error replies, not a crash', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const client = await WireClient.open(server);
    const expectProtocolError = async (what: string, id: number, pattern: RegExp) => {
      const r = await client.reply();
      assert.equal(r.t, 'error', what);
      if (r.t !== 'error') return;
      assert.equal(r.id, id, what);
      assert.equal(r.error.code, 'EPROTO', what);
      assert.match(r.error.message, pattern, what);
    };

    client.ws.send(Buffer.from([0xc1, 0xff, 0x00]));
    await expectProtocolError('garbage bytes', -1, /not MessagePack/);
    client.ws.send(Buffer.from([0x92, 0x01]));
    await expectProtocolError('a truncated value', -1, /not MessagePack/);
    client.ws.send(JSON.stringify({ t: 'call', id: 1, method: 'listDomains', args: [] }));
    await expectProtocolError('a text frame', -1, /text frames/);
    client.send([1, 2, 3]);
    await expectProtocolError('an array', -1, /map/);
    client.send({ t: 'call', method: 'listDomains', args: [] });
    await expectProtocolError('no id', -1, /id/);
    client.send({ t: 'call', id: 'x', method: 'listDomains', args: [] });
    await expectProtocolError('a string id', -1, /id/);
    client.send({ t: 'call', id: 1.5, method: 'listDomains', args: [] });
    await expectProtocolError('a fractional id', -1, /id/);
    client.send({ id: 41, method: 'listDomains', args: [] });
    await expectProtocolError('no t', 41, /message type/);
    client.send({ t: 'result', id: 42, value: 1 });
    await expectProtocolError('a wrong t', 42, /message type/);
    client.send({ t: 'call', id: 43, method: 'listDomains', args: 'not an array' });
    const r = await client.reply();
    assert.match(r.t === 'error' ? r.error.message : '', /arguments must be an array/);

    assert.equal((await client.call('listDomains', [])).t, 'result', 'the connection is still usable');
    client.close();
  });
});

test('an oversized message closes only that connection', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const big = await WireClient.open(server);
    big.ws.send(Buffer.alloc(64 * 1024 + 1));
    assert.equal(await withTimeout(big.closed, 'the close'), 1009);
    const other = await WireClient.open(server);
    assert.equal((await other.call('listDomains', [])).t, 'result');
    other.close();
  }, new FakeApi(), { maxImportBytes: 64 * 1024 });
});

test('calls in flight per connection are capped; the others all complete', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const client = await WireClient.open(server);
    api.hold();
    const total = 65;
    for (let id = 1; id <= total; id++) client.send({ t: 'call', id, method: 'listDomains', args: [] });
    await client.until(() => client.replies.length === 1, 'the refusal');
    const refused = client.replies.shift()!;
    assert.equal(refused.t === 'error' && refused.error.code, 'EBUSY');
    assert.equal(refused.id, total);
    api.release();
    await client.until(() => client.replies.length === total - 1, 'the held calls');
    assert.ok(client.replies.every((r) => r.t === 'result'));
    client.close();
  });
});

test('scan events reach every client; stats count chunk frames and bytes; close unsubscribes', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const a = await WireClient.open(server);
    const b = await WireClient.open(server);
    await a.call('listDomains', []);
    await b.call('listDomains', []);
    assert.equal(api.listenerCount, 1, 'the server listens once, whatever the number of its clients');
    assert.equal(server.stats().connections, 2);

    const frames = [65536, 65536, 1000];
    let first = 0;
    for (const n of frames) {
      api.emit(chunkEvent('s1', first, n));
      first += n;
    }
    await a.until(() => a.events.length === frames.length, 'the chunks');
    await b.until(() => b.events.length === frames.length, 'the chunks');
    const got = a.events[2] as ScanChunk;
    assert.equal(got.type, 'chunk');
    assert.equal(got.first, 131072);
    assert.ok(got.data instanceof Uint8Array);
    assert.deepEqual(new Uint8Array(chunkCodes(got)), chunkCodes(chunkEvent('s1', 131072, 1000)));

    const stats = server.stats();
    const sent = 2 * frames.reduce((x, y) => x + y, 0);
    assert.equal(stats.chunkFrames, sent);
    assert.ok(stats.chunkBytesSent >= sent, 'at least a byte per frame');
    assert.ok(stats.chunkBytesSent <= sent + 2 * frames.length * 200, `about a byte per frame, not ${stats.chunkBytesSent / sent}`);
    assert.ok(stats.bytesSent > stats.chunkBytesSent, 'bytesSent counts the call replies too');

    a.close();
    await withTimeout(a.closed, 'the close');
    await b.until(() => server.stats().connections === 1, 'the close to be seen');
    api.emit(chunkEvent('s1', first, 16));
    await b.until(() => b.events.length === frames.length + 1, 'the chunk after the close');
    assert.equal(server.stats().chunkFrames, sent + 16, 'a closed client is sent nothing');
    b.close();
  });
});

test('close() stops listening and closes the clients', TEST_OPTIONS, async () => {
  const { base, staticDir } = makeStaticDir();
  const api = new FakeApi();
  const server = await startServer({ api, staticDir });
  try {
    const client = await WireClient.open(server);
    await withTimeout(server.close(), 'close()');
    assert.equal(await withTimeout(client.closed, 'the client close'), 1001);
    assert.equal(api.listenerCount, 0, 'the server stops listening to the api');
    await assert.rejects(request(server, '/'), { code: 'ECONNREFUSED' });
    await server.close();
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------
// Limits on scans and searches

const endOf = (scanId: string) => ({ type: 'end', scanId, summary: { cancelled: true } }) as unknown as ScanEnd;
const searchEndOf = (searchId: string) => ({ type: 'search-end', searchId, summary: { cancelled: true } }) as unknown as SearchEndEvent;

function startedId(r: Reply2, key: 'scanId' | 'searchId'): string {
  assert.equal(r.t, 'result', `a start is accepted: ${JSON.stringify(r)}`);
  return (r.t === 'result' && (r.value as Record<string, string>)[key]) || '';
}

function assertBusy(r: Reply2, pattern: RegExp): void {
  assert.equal(r.t, 'error');
  if (r.t !== 'error') return;
  assert.equal(r.error.code, 'EBUSY');
  assert.match(r.error.message, pattern);
}

test('scans and searches running are capped per connection and in total, with a clear EBUSY; an end frees the slot', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const a = await WireClient.open(server);
    const scans: string[] = [];
    for (let i = 0; i < MAX_SCANS_PER_CONNECTION; i++) scans.push(startedId(await a.call('startScan', [{ domain: 3 }]), 'scanId'));
    const starts = api.calls.filter((c) => c.method === 'startScan').length;
    assertBusy(await a.call('startScan', [{ domain: 3 }]), /^too many scans running on this connection \(limit 4\)/);
    assert.equal(api.calls.filter((c) => c.method === 'startScan').length, starts, 'a refused start never reaches the api');
    for (let i = 0; i < MAX_SEARCHES_PER_CONNECTION; i++) startedId(await a.call('startSearch', [{ domain: 3, text: 'x' }]), 'searchId');
    assertBusy(await a.call('startSearch', [{ domain: 3, text: 'x' }]), /^too many searches running on this connection \(limit 2\)/);
    assert.deepEqual({ scans: server.stats().scansRunning, searches: server.stats().searchesRunning }, { scans: 4, searches: 2 });

    api.emit(endOf(scans[0]));
    scans[0] = startedId(await a.call('startScan', [{ domain: 3 }]), 'scanId');

    const others: WireClient[] = [];
    while (server.stats().scansRunning < MAX_SCANS_TOTAL) {
      const c = await WireClient.open(server);
      others.push(c);
      for (let i = 0; i < MAX_SCANS_PER_CONNECTION; i++) startedId(await c.call('startScan', [{ domain: 3 }]), 'scanId');
    }
    const late = await WireClient.open(server);
    assertBusy(await late.call('startScan', [{ domain: 3 }]), /^too many scans running on this server \(limit 16\)/);
    api.emit(endOf(scans[1]));
    startedId(await late.call('startScan', [{ domain: 3 }]), 'scanId');
    for (const c of [a, late, ...others]) c.close();
  });
});

test('a client\'s scans and searches are stopped when it disconnects, also one whose start was still in flight', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const a = await WireClient.open(server);
    const scans = [startedId(await a.call('startScan', [{ domain: 3 }]), 'scanId'), startedId(await a.call('startScan', [{ domain: 3 }]), 'scanId')];
    const search = startedId(await a.call('startSearch', [{ domain: 3, text: 'x' }]), 'searchId');
    api.hold();
    a.send({ t: 'call', id: 99, method: 'startScan', args: [{ domain: 3 }] });
    await withTimeout((async () => { while (api.calls.at(-1)?.method !== 'startScan' || api.calls.length < 4) await new Promise((r) => setTimeout(r, 5)); })(), 'the held start');
    a.ws.terminate();
    await withTimeout(a.closed, 'the close');
    api.release();
    const stopped = () => api.calls.filter((c) => c.method === 'stopScan' || c.method === 'stopSearch').map((c) => c.args[0]);
    await withTimeout((async () => { while (stopped().length < 4) await new Promise((r) => setTimeout(r, 5)); })(), 'the stops');
    assert.deepEqual(new Set(stopped()), new Set([...scans, search, 'fake-scan-3']));
    assert.equal(server.stats().scansRunning, 3, 'a stopped scan counts until it ends');
    for (const id of [...scans, 'fake-scan-3']) api.emit(endOf(id));
    api.emit(searchEndOf(search));
    assert.deepEqual([server.stats().scansRunning, server.stats().searchesRunning], [0, 0]);
  });
});

// ---------------------------------------------------------------------------------------
// Limits on connections, message sizes and queues

const clientFrameOf = (payload: Uint8Array) => clientFrame(OPCODE.binary, payload);
const rawOpen = (server: RunningServer) => RawWebSocket.open(server.host, server.port, `/api?token=${server.token}`);
const KiB = 1024;
const MiB = 1024 * KiB;

test('connections are capped: the one past the limit gets 503 saying so; a free place is taken again', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const open: WireClient[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) open.push(await WireClient.open(server));
    const refused = await tryUpgrade(wsUrl(server));
    assert.ok('status' in refused, 'refused');
    assert.equal(refused.status, 503);
    assert.match(refused.body, /^too many connections \(limit 32\)/);
    assert.equal(server.stats().connectionsRefused, 1);
    open.pop()!.close();
    await withTimeout((async () => { while (server.stats().connections === MAX_CONNECTIONS) await new Promise((r) => setTimeout(r, 5)); })(), 'the close');
    const again = await WireClient.open(server);
    assert.equal((await again.call('listDomains', [])).t, 'result');
    for (const c of [again, ...open]) c.close();
  });
});

test('sockets of any kind are capped: the one past MAX_SOCKETS is closed unanswered; headers that never end are cut off', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const open: net.Socket[] = [];
    const connect = () => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(server.port, server.host, () => resolve(s));
      s.on('error', reject);
    });
    for (let i = 0; i < MAX_SOCKETS; i++) open.push(await connect());
    const extra = await connect();
    const ended = await new Promise<boolean>((resolve) => {
      extra.once('close', () => resolve(true));
      setTimeout(() => resolve(false), WAIT_MS);
      extra.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    assert.ok(ended, 'the socket past the limit was closed');
    // the others sent nothing, or half a request: cut off after the timeout, which frees the places
    for (const s of open.slice(0, 10)) s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await withTimeout(Promise.all(open.map((s) => new Promise((r) => (s.destroyed ? r(null) : s.once('close', r))))), 'the silent sockets to be closed');
    assert.equal((await request(server, withToken(server, '/healthz'))).status, 200);
  }, new FakeApi(), { headersTimeoutMs: 500 });
});

test('a call is at most 64 KiB (EMSGSIZE, the connection stays); only importSnapshot may be larger, and not made of many values', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const client = await WireClient.open(server);
    const padded = await client.call('listDomains', ['x'.repeat(MAX_CALL_BYTES)]);
    assert.equal(padded.t, 'error');
    if (padded.t === 'error') {
      assert.equal(padded.error.code, 'EMSGSIZE');
      assert.match(padded.error.message, /^"listDomains": the message is \d+ bytes; a call is at most 64 KiB \(only importSnapshot may be larger\)$/);
    }
    // a large snapshot passes the size rule and reaches the api (which this fake does not have)
    const snapshot = await client.call('importSnapshot', [{ fileName: 'big.fsnap', bytes: new Uint8Array(MiB) }]);
    assert.equal(snapshot.t === 'error' && snapshot.error.message, 'importSnapshot is not part of this fake');

    const expectRefusal = async (what: string, bytes: Uint8Array, pattern: RegExp) => {
      client.ws.send(bytes);
      const r = await client.reply();
      assert.equal(r.t === 'error' && r.error.code, 'EPROTO', what);
      assert.match(r.t === 'error' ? r.error.message : '', pattern, what);
    };
    const manyValues = encode({ t: 'call', id: 7, method: 'importSnapshot', args: new Array(100_000).fill(0) });
    await expectRefusal('100 000 values', manyValues, /^a message over 64 KiB must be one importSnapshot call, and this one has more than 32 values$/);
    const deep = Buffer.concat([Buffer.alloc(MAX_CALL_BYTES + 1, 0x91), Buffer.from([0xc0])]);
    await expectRefusal('nested arrays', deep, /nests deeper than 8$/);
    const lying = Buffer.concat([Buffer.from([0x84]), ...['t', 'call', 'id', 8, 'method', 'importSnapshot', 'args'].map((v) => encode(v)),
      Buffer.from([0xc6, 0xff, 0xff, 0xff, 0xff]), Buffer.alloc(MAX_CALL_BYTES)]);
    await expectRefusal('a bin longer than the message', lying, /ends inside a value$/);
    assert.equal((await client.call('listDomains', [])).t, 'result', 'the connection is still usable');
    client.close();
  });
});

test('clients that never read are dropped before their queues pass the limits, one by one and in total', TEST_OPTIONS, async () => {
  const limits = { maxQueuedBytesPerConnection: 2 * MiB, maxQueuedBytesTotal: 5 * MiB };
  await withServer(async ({ server, api }) => {
    const reader = await WireClient.open(server);
    await reader.call('listDomains', []);
    const slow: RawWebSocket[] = [];
    for (let i = 0; i < 6; i++) slow.push(await rawOpen(server));
    for (const s of slow) s.stopReading();
    let peak = 0;
    // paced by the reader, so that only the slow clients fall behind
    for (let i = 1; i <= 400 && server.stats().connections > 1; i++) {
      api.emit(chunkEvent('s', 0, 256 * KiB));
      peak = Math.max(peak, server.stats().queuedBytes);
      await reader.until(() => reader.events.length === i, 'the reader to keep up');
    }
    const stats = server.stats();
    assert.equal(stats.connections, 1, 'every slow client was dropped');
    assert.equal(stats.clientsDropped, 6);
    assert.ok(peak <= limits.maxQueuedBytesTotal, `queued at most the total limit, not ${peak}`);
    assert.ok(stats.queuedBytesPeak <= limits.maxQueuedBytesTotal, `the server's own peak: ${stats.queuedBytesPeak}`);
    assert.ok(stats.queuedBytesPeak > 2 * MiB, 'more than one slow client held a queue at once (the total limit was what dropped some)');
    assert.equal((await reader.call('listDomains', [])).t, 'result', 'the reader was never dropped');
    reader.close();
  }, new FakeApi(), limits);
});

test('a client whose socket takes nothing of its queue for the stall timeout is dropped; an idle one is not', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const reader = await WireClient.open(server);
    await reader.call('listDomains', []);
    for (let i = 0; i < 2; i++) (await rawOpen(server)).stopReading();
    // past what the kernel's socket buffers take, so that some of it waits in the server
    let sent = 0;
    while (server.stats().queuedBytes === 0 && sent < 400) {
      api.emit(chunkEvent('s', 0, 256 * KiB));
      sent++;
      await reader.until(() => reader.events.length === sent, 'the reader to keep up');
      if (server.stats().queuedBytes > 0) break;
    }
    assert.ok(server.stats().queuedBytes > 0, 'the slow clients have bytes queued');
    await withTimeout((async () => { while (server.stats().clientsDropped < 2) await new Promise((r) => setTimeout(r, 20)); })(), 'the stalled clients to be dropped');
    assert.equal(server.stats().queuedBytes, 0);
    await new Promise((r) => setTimeout(r, 600));
    const after = await rawOpen(server);
    assert.ok(!after.closed, 'a client with nothing queued stays, however long it is quiet');
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(!after.closed);
    assert.equal(server.stats().clientsDropped, 2);
    assert.equal((await reader.call('listDomains', [])).t, 'result');
    after.destroy();
    reader.close();
  }, new FakeApi(), { stallTimeoutMs: 300 });
});

test('a ping flood from a client that never reads queues no more than a call\'s worth of pongs', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const flood = await rawOpen(server);
    flood.stopReading();
    const ping = clientFrame(OPCODE.ping, new Uint8Array(125));
    const pings = 150_000;
    const batch = Buffer.concat(Array.from({ length: 10_000 }, () => ping));
    for (let i = 0; i < pings / 10_000; i++) flood.write(batch);
    await new Promise<void>((resolve) => flood.socket.write(Buffer.alloc(0), () => resolve()));
    const pongs = () => flood.frames.filter((f) => f.opcode === OPCODE.pong).length;
    assert.ok(server.stats().queuedBytesPeak <= MAX_CALL_BYTES + 200, `queued ${server.stats().queuedBytesPeak}`);
    // what the server did queue comes out once the client reads: the kernel's buffers and a call's worth, not a pong a ping
    flood.socket.resume();
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(pongs() > 0, 'pings are answered');
    assert.ok(pongs() < pings / 2, `${pongs()} pongs for ${pings} pings`);
    assert.equal((await (await WireClient.open(server)).call('listDomains', [])).t, 'result');
    flood.destroy();
  });
});

test('calls with large answers run two at a time over the server; the others wait their turn and all complete', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const a = await WireClient.open(server);
    const b = await WireClient.open(server);
    api.hold();
    for (let id = 1; id <= 3; id++) a.send({ t: 'call', id, method: 'scanRecord', args: [`scan-${id}`] });
    for (let id = 1; id <= 2; id++) b.send({ t: 'call', id, method: 'scanRecord', args: [`scan-b${id}`] });
    b.send({ t: 'call', id: 3, method: 'listDomains', args: [] });
    const records = () => api.calls.filter((c) => c.method === 'scanRecord').length;
    await withTimeout((async () => { while (!api.calls.some((c) => c.method === 'listDomains')) await new Promise((r) => setTimeout(r, 5)); })(), 'the small call');
    assert.equal(records(), MAX_LARGE_ANSWERS_RUNNING, 'two records are being made, the others wait; a small call does not');
    api.release();
    await a.until(() => a.replies.length === 3, 'a\'s records');
    await b.until(() => b.replies.length === 3, 'b\'s answers');
    assert.ok([...a.replies, ...b.replies].every((r) => r.t === 'result'));
    assert.equal(records(), 5);
    a.close();
    b.close();
  });
});

test('a client with more than 1 MiB queued is not read until it reads: its calls wait, then are all answered', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const reader = await WireClient.open(server);
    await reader.call('listDomains', []);
    const slow = await rawOpen(server);
    slow.stopReading();
    let sent = 0;
    while (server.stats().queuedBytes <= 1024 * KiB && sent < 400) {
      api.emit(chunkEvent('s', 0, 256 * KiB));
      sent++;
      await reader.until(() => reader.events.length === sent, 'the reader to keep up');
    }
    assert.ok(server.stats().queuedBytes > 1024 * KiB, 'more than 1 MiB queued for the slow client');
    const before = api.calls.length;
    for (let id = 1; id <= 10; id++) slow.send(OPCODE.binary, encode({ t: 'call', id, method: 'listDomains', args: [] }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(api.calls.length, before, 'none of its calls was read');
    slow.socket.resume();
    assert.ok(await slow.until(() => slow.messages().filter((m) => (m as { t: string }).t === 'result').length === 10, WAIT_MS), 'all ten answered once it reads');
    assert.equal(api.calls.length, before + 10);
    slow.destroy();
    reader.close();
  });
});

test('messages larger than a call arrive one at a time: the second waits, unread, until the first is in', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const message = (id: number) => encode({ t: 'call', id, method: 'importSnapshot', args: [{ fileName: 'x.fsnap', bytes: new Uint8Array(MiB) }] });
    const a = await rawOpen(server);
    const b = await rawOpen(server);
    const frameA = Buffer.from(clientFrameOf(message(1)));
    a.write(frameA.subarray(0, frameA.length / 2));
    await withTimeout((async () => { while (server.stats().arrivingBytes < 256 * KiB) await new Promise((r) => setTimeout(r, 5)); })(), 'a half to arrive');
    b.write(clientFrameOf(message(2)));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(b.messages().length, 0, 'b waits while a\'s message arrives');
    const arriving = server.stats().arrivingBytes;
    assert.ok(arriving <= frameA.length / 2 + 4 * MAX_CALL_BYTES, `held ${arriving} bytes: a's half and a little of b's`);
    a.write(frameA.subarray(frameA.length / 2));
    for (const c of [a, b]) {
      assert.ok(await c.until(() => c.messages().length === 1, WAIT_MS), 'an answer');
      assert.equal((c.messages()[0] as { error: { message: string } }).error.message, 'importSnapshot is not part of this fake');
    }
    a.destroy();
    b.destroy();
  });
});

// ---------------------------------------------------------------------------------------
// The browser client (renderer/transport/ws-client.ts)

test('ws-client: the WebSocket URL comes from the page location and its token', TEST_OPTIONS, () => {
  const { webSocketUrlFromLocation } = loadWsClient();
  assert.equal(webSocketUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:8080', search: '?token=abc_-1' }), 'ws://127.0.0.1:8080/api?token=abc_-1');
  assert.equal(webSocketUrlFromLocation({ protocol: 'https:', host: '[::1]:443', search: '?x=1&token=a%2Bb' }), 'wss://[::1]:443/api?token=a%2Bb');
  assert.equal(webSocketUrlFromLocation({ protocol: 'http:', host: 'localhost:9000', search: '' }), 'ws://localhost:9000/api');
});

test('ws-client: every method works against the server, errors keep name and code', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const client = await connectClient(server);
    try {
      assert.equal((await client.hostInfo()).description, 'fake api');
      assert.deepEqual(await client.listDomains(), FAKE_DOMAINS);
      const started = await client.startScan({ domain: 3, first: undefined, last: 0xff });
      assert.equal(started.frames, 0x100);
      assert.deepEqual(api.calls.at(-1), { method: 'startScan', args: [{ domain: 3, last: 0xff }] }, 'undefined fields are left out, not sent as nil');
      assert.equal(await client.stopScan(started.scanId), undefined);
      const read = await client.readFrame({ domain: 3, gfn: 9 });
      assert.ok(read.bytes instanceof Uint8Array);
      assert.deepEqual(new Uint8Array(read.bytes), fakeFrameBytes(9));

      await assert.rejects(client.readFrame({ domain: 3, gfn: FAKE_BAD_GFN }), FAKE_FRAME_ERROR);
      await assert.rejects(client.startScan({ domain: -1 }), (e: Error & { code?: string }) =>
        e.name === 'ApiValidationError' && e.code === 'EINVAL' && /^startScan: argument 0\.domain/.test(e.message));
    } finally {
      client.close();
    }
  });
});

test('ws-client: scan events reach its listeners until they unsubscribe', TEST_OPTIONS, async () => {
  await withServer(async ({ server, api }) => {
    const client = await connectClient(server);
    try {
      const got: InspectorEvent[] = [];
      const off = client.onEvent((e) => got.push(e));
      await client.listDomains(); // the server has subscribed once a call has round-tripped
      api.emit(chunkEvent('s9', 0, 4096));
      await client.listDomains(); // replies follow events sent before them
      assert.equal(got.length, 1);
      const chunk = got[0] as ScanChunk;
      assert.equal(chunk.scanId, 's9');
      assert.ok(chunk.data instanceof Uint8Array);
      assert.equal(chunkCodes(chunk).length, 4096);

      off();
      api.emit(chunkEvent('s9', 4096, 16));
      await client.listDomains();
      assert.equal(got.length, 1);
    } finally {
      client.close();
    }
  });
});

test('ws-client: losing the server rejects pending calls and reports the state', TEST_OPTIONS, async () => {
  const { base, staticDir } = makeStaticDir();
  const api = new FakeApi();
  const server = await startServer({ api, staticDir });
  try {
    const client = await connectClient(server);
    const states: string[] = [];
    client.onConnectionChange((s) => states.push(s));
    assert.deepEqual(states, ['open']);
    api.hold();
    const pending = client.listDomains();
    await withTimeout((async () => { while (api.calls.length === 0) await new Promise((r) => setTimeout(r, 5)); })(), 'the call');
    const closed = server.close();
    await assert.rejects(pending, { name: 'ConnectionError' });
    assert.deepEqual(states, ['open', 'closed']);
    await assert.rejects(client.hostInfo(), { name: 'ConnectionError' });
    api.release();
    await closed;
  } finally {
    api.release();
    await server.close();
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('ws-client: a refused connection rejects without echoing the token', TEST_OPTIONS, async () => {
  await withServer(async ({ server }) => {
    const { connectWebSocketApi } = loadWsClient();
    const wrong = 'W'.repeat(43);
    await assert.rejects(connectWebSocketApi(wsUrl(server, `?token=${wrong}`)), (e: Error) =>
      e.name === 'ConnectionError' && !e.message.includes(wrong));
  });
});

// ---------------------------------------------------------------------------------------
// Against the real inspector (mapper worker, simulated host)

test('real inspector over the WebSocket: a scan of domain 3 arrives whole and matches its summary', TEST_OPTIONS, async () => {
  const { base, staticDir } = makeStaticDir();
  const inspector = await startInspector({ backend: 'sim', simClock: 'stepped' });
  const server = await startServer({ api: inspector, staticDir });
  const client = await connectClient(server);
  try {
    const chunks: ScanChunk[] = [];
    const first = 0;
    const last = 0xffff;
    const summary = await withTimeout(scanToEnd(client, { domain: 3, first, last }, (c) => chunks.push(c)), 'the scan');

    assert.equal(summary.error, null);
    assert.equal(summary.scanned, last - first + 1);
    let next = first;
    const counts = { mapped: 0, paged: 0, invalid: 0 };
    for (const c of chunks) {
      assert.ok(c.data instanceof Uint8Array);
      assert.equal(c.first, next, 'chunks are contiguous and in order');
      next += c.count;
      for (const code of chunkCodes(c)) {
        const s = statusOf(code);
        assert.notEqual(s, 'unscanned');
        if (s !== 'unscanned') counts[s]++;
      }
    }
    assert.equal(next, last + 1, 'the chunks end at the last frame');
    assert.deepEqual(counts, summary.counts);
    assert.ok(counts.mapped > 0 && counts.paged > 0, 'the simulated guest has both mapped and paged frames');

    const stats = server.stats();
    assert.equal(stats.chunkFrames, last - first + 1);
    assert.ok(stats.chunkBytesSent / stats.chunkFrames <= 1.05, `${stats.chunkBytesSent} bytes for ${stats.chunkFrames} frames`);
  } finally {
    client.close();
    await server.close();
    await inspector.close();
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('real inspector: dropping the socket stops its scans and searches at once', TEST_OPTIONS, async () => {
  const { base, staticDir } = makeStaticDir();
  const inspector = await startInspector({ backend: 'sim', simClock: 'stepped' });
  const server = await startServer({ api: inspector, staticDir });
  const watcher = await WireClient.open(server);
  const a = await WireClient.open(server);
  try {
    // bigmem-64g: 16.8 M frames; four scans and two searches of it take minutes
    const scans: string[] = [];
    for (let i = 0; i < 4; i++) scans.push(startedId(await a.call('startScan', [{ domain: 5 }]), 'scanId'));
    const searches: string[] = [];
    for (let i = 0; i < 2; i++) searches.push(startedId(await a.call('startSearch', [{ domain: 5, text: 'nowhere-to-be-found' }]), 'searchId'));
    await watcher.until(() => watcher.events.some((e) => e.type === 'chunk'), 'the scans to run');
    a.ws.terminate();
    const ended = () => watcher.events.filter((e): e is ScanEnd | SearchEndEvent => e.type === 'end' || e.type === 'search-end');
    await watcher.until(() => ended().length === 6, 'every job of the dropped client to end');
    const ids = ended().map((e) => (e.type === 'end' ? e.scanId : e.searchId));
    assert.deepEqual(new Set(ids), new Set([...scans, ...searches]));
    assert.ok(ended().every((e) => e.summary.cancelled), 'stopped, not finished');
    assert.deepEqual([server.stats().scansRunning, server.stats().searchesRunning], [0, 0]);
    assert.equal((await watcher.call('listDomains', [])).t, 'result');
  } finally {
    watcher.close();
    await server.close();
    await inspector.close();
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('startServer refuses a socket path longer than sun_path, and one in a missing directory, with what is wrong', TEST_OPTIONS, async () => {
  const { base, staticDir } = makeStaticDir();
  try {
    const long = path.join(base, 'x'.repeat(120));
    await assert.rejects(startServer({ api: new FakeApi(), staticDir, socketPath: long }), { code: 'ENAMETOOLONG', message: /at most 107/ });
    await assert.rejects(startServer({ api: new FakeApi(), staticDir, socketPath: path.join(base, 'none', 'x.sock') }),
      { code: 'ENOENT', message: `cannot listen on ${path.join(base, 'none', 'x.sock')}: the directory ${path.join(base, 'none')} does not exist (ENOENT)` });
    assert.deepEqual(fs.readdirSync(base).sort(), ['package.json', 'renderer'], 'nothing was bound');
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('bound to every address (0, 0.0.0.0, ::, [::]) the server takes its own IPs as Host; the URL names loopback', TEST_OPTIONS, async () => {
  const { base, staticDir } = makeStaticDir();
  const ownIps = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal).map((a) => a!.address);
  try {
    for (const [asked, wildcard, loopback] of [['0', '0.0.0.0', '127.0.0.1'], ['0.0.0.0', '0.0.0.0', '127.0.0.1'], ['::', '::', '[::1]'], ['[::]', '::', '[::1]']]) {
      const server = await startServer({ api: new FakeApi(), staticDir, host: asked });
      try {
        assert.equal(server.host, wildcard, asked);
        assert.equal(server.url, `http://${loopback}:${server.port}/?token=${server.token}`, asked);
        const withHost = (hostHeader: string) => request(server, withToken(server, '/'), { headers: { Host: hostHeader } });
        // 127.0.0.2 is one of this host's addresses, and no name a page could rebind
        for (const ip of ['127.0.0.2', ...ownIps.filter((a) => net.isIPv4(a) || wildcard === '::')]) {
          const h = net.isIPv6(ip) ? `[${ip}]:${server.port}` : `${ip}:${server.port}`;
          assert.equal((await withHost(h)).status, 200, `${asked}: Host ${h}`);
        }
        assert.equal((await withHost(`evil.example:${server.port}`)).status, 403, asked);
      } finally {
        await server.close();
      }
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
