/**
 * A seeded, bounded fuzz of the WebSocket API of a real `framescope serve` (started as the CLI
 * starts it, on the simulated host): random and mutated MessagePack, wrong types, lying
 * lengths, unknown methods, floods, broken frames, and the attacks of issue 10 as fixed cases.
 * Every message must get one reply (an error, or a result for what happens to be a valid call)
 * or the connection a clean close (a close frame with a code); the server must stay up and
 * answer a valid call at the end. FRAMESCOPE_FUZZ_SEED=n replays a run; FRAMESCOPE_FUZZ_CASES
 * scales the cases (1000 = as given), as for the parsers' fuzz targets.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

import { Encoder } from '@msgpack/msgpack';

import { prng } from '../fakes/fuzz';
import { clientFrame, OPCODE, RawWebSocket } from '../fakes/raw-websocket';
import { servedUrl } from '../fakes/served-url';

const CLI = path.join(__dirname, '../../app/cli.js');
const SEED = Number(process.env.FRAMESCOPE_FUZZ_SEED ?? 0x5eed10);
const CASES = Math.max(1, Math.round(400 * Number(process.env.FRAMESCOPE_FUZZ_CASES ?? 1000) / 1000));
const REPLY_MS = 10_000;
/** Close codes ws sends for a broken frame: protocol error, bad UTF-8, too big. */
const CLEAN_CLOSES = new Set([1002, 1007, 1009]);
/** Nil for undefined, 64-bit integers for BigInts: every value MessagePack can carry. */
const encoder = new Encoder({ ignoreUndefined: false, useBigInt64: true });
const encode = (value: unknown) => encoder.encode(value);

class Fuzz {
  readonly random: () => number;

  constructor(seed: number) {
    this.random = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }

  /** Any MessagePack value, nested up to `depth`. */
  value(depth = 3): unknown {
    const kinds = depth > 0 ? 12 : 9;
    switch (this.int(kinds)) {
      case 0: return null;
      case 1: return this.random() < 0.5;
      case 2: return this.pick([0, -1, 1, 0x7f, 0x80, 0xffff, 0x10000, 2 ** 31, 2 ** 32, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
      case 3: return this.pick([0.5, -0.0, 1e308, Number.NaN, Infinity, -Infinity, 3.0000001]);
      case 4: return this.pick(['', 'x', '__proto__', 'constructor', '\u0000', '\ud800', 'é'.repeat(this.int(40)), 'a'.repeat(this.int(5000))]);
      case 5: return this.bytes(this.int(64));
      case 6: return BigInt(this.pick(['18446744073709551615', '-9223372036854775808', '9007199254740993']));
      case 7: return new Date(this.pick([0, -1, 8.64e15, 1e12]));
      case 8: return undefined;
      case 9: return Array.from({ length: this.int(6) }, () => this.value(depth - 1));
      case 10: return Object.fromEntries(Array.from({ length: this.int(6) }, () => [this.pick(['domain', 'gfn', 'first', 'last', 'mode', 'batch', 'text', 'hex', 'scanId', 'a', 'b', 'bytes', 'fileName', 'kind', 'path', 'format', '__proto__', 'x']), this.value(depth - 1)]));
      default: return { domain: this.pick([3, 5, -1, 0x7ff0, 1.5, '3']), first: this.value(0), last: this.value(0) };
    }
  }
}

const METHODS = ['hostInfo', 'listDomains', 'startScan', 'stopScan', 'readFrame', 'pageIn', 'listScans', 'scanRecord',
  'exportScan', 'importSnapshot', 'diffScans', 'startSearch', 'stopSearch', 'openSource'];
const NOT_METHODS = ['onEvent', 'close', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'deleteEverything', '', 'listdomains'];

/** Calls that are valid, to be sent as they are or mutated. */
const VALID_CALLS: Array<[string, unknown[]]> = [
  ['hostInfo', []],
  ['listDomains', []],
  ['readFrame', [{ domain: 3, gfn: 0x1234 }]],
  ['readFrame', [{ domain: 3, gfn: 0x1234, mode: 'retry' }]],
  ['listScans', []],
  ['scanRecord', ['no-such-scan']],
  ['stopScan', ['no-such-scan']],
  ['startScan', [{ domain: 3, first: 0, last: 0xfff }]],
  ['startSearch', [{ domain: 3, first: 0x1000, last: 0x2fff, text: 'framescope' }]],
  ['exportScan', [{ scanId: 'no-such-scan', format: 'csv' }]],
  ['diffScans', [{ a: 'x', b: 'y' }]],
  ['importSnapshot', [{ fileName: 'x.fsnap', bytes: new Uint8Array(64) }]],
  ['openSource', [{ kind: 'host' }]],
];

type Outcome = { kind: 'reply'; message: Record<string, unknown> } | { kind: 'closed'; code: number | null };

class Target {
  private socket: RawWebSocket | null = null;
  private seen = 0;

  constructor(private readonly host: string, private readonly port: number, private readonly target: string) {}

  async connection(): Promise<RawWebSocket> {
    if (!this.socket || this.socket.closed) {
      this.socket = await RawWebSocket.open(this.host, this.port, this.target);
      this.seen = 0;
    }
    return this.socket;
  }

  /** Replies (not events) received so far on this connection. */
  private replies(ws: RawWebSocket): Array<Record<string, unknown>> {
    return (ws.messages() as Array<Record<string, unknown>>).filter((m) => m.t !== 'event');
  }

  /** Sends raw bytes as one frame (or as given) and waits for `expected` replies or the close. */
  async exchange(send: (ws: RawWebSocket) => void, expected = 1): Promise<Outcome[]> {
    const ws = await this.connection();
    const before = this.seen;
    send(ws);
    const arrived = await ws.until(() => this.replies(ws).length >= before + expected, REPLY_MS);
    const replies = this.replies(ws);
    this.seen = replies.length;
    const outcomes: Outcome[] = replies.slice(before).map((message) => ({ kind: 'reply', message }));
    if (!arrived) {
      // no reply: the only other allowed outcome is a close frame, then the end of the socket
      await ws.until(() => ws.closed, REPLY_MS);
      outcomes.push({ kind: 'closed', code: ws.closeCode });
      if (!ws.closed) ws.destroy();
    }
    return outcomes;
  }

  close(): void {
    this.socket?.destroy();
  }
}

function checkOutcomes(what: string, outcomes: Outcome[]): void {
  for (const o of outcomes) {
    if (o.kind === 'closed') {
      assert.ok(o.code !== null && CLEAN_CLOSES.has(o.code), `${what}: the server dropped the socket without a clean close (code ${o.code})`);
      continue;
    }
    const m = o.message;
    assert.ok(m.t === 'result' || m.t === 'error', `${what}: a reply is a result or an error: ${JSON.stringify(m).slice(0, 200)}`);
    assert.equal(typeof m.id, 'number', `${what}: the reply has an id`);
    if (m.t === 'error') {
      const e = m.error as { name?: unknown; message?: unknown; code?: unknown };
      assert.equal(typeof e.name, 'string', what);
      assert.equal(typeof e.message, 'string', what);
      assert.ok(!/\n\s+at /.test(String(e.message)), `${what}: no stack trace in ${e.message}`);
    }
  }
}

function serve(): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, [CLI, '--sim-clock', 'stepped', 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return servedUrl(child).then((url) => ({ child, url: new URL(url) }));
}

/** One message of the fuzz: a description and the bytes of one binary frame, or a frame-level act. */
interface Case {
  what: string;
  payload?: Uint8Array;
  /** Written as is: broken frames, floods. */
  raw?: (ws: RawWebSocket) => void;
  replies?: number;
}

function makeCase(f: Fuzz, n: number): Case {
  const id = n + 1;
  const call = (method: unknown, args: unknown) => encode({ t: 'call', id, method, args });
  switch (f.int(10)) {
    case 0: { // a valid call
      const [method, args] = f.pick(VALID_CALLS);
      return { what: `valid ${method}`, payload: call(method, args) };
    }
    case 1: { // a valid call's bytes, mutated
      const [method, args] = f.pick(VALID_CALLS);
      const bytes = Uint8Array.from(call(method, args));
      const flips = 1 + f.int(4);
      for (let i = 0; i < flips; i++) bytes[f.int(bytes.length)] = f.int(256);
      const cut = f.random() < 0.3 ? bytes.subarray(0, f.int(bytes.length)) : bytes;
      return { what: `mutated ${method}`, payload: cut };
    }
    case 2: // a known method, arguments of any type
      return { what: 'wrong types', payload: call(f.pick(METHODS), f.random() < 0.7 ? [f.value()] : f.value()) };
    case 3: // not a method
      return { what: 'not a method', payload: call(f.random() < 0.7 ? f.pick(NOT_METHODS) : f.value(1), []) };
    case 4: // not a call at all
      return { what: 'not a call', payload: encode(f.value()) };
    case 5: // random bytes
      return { what: 'random bytes', payload: f.bytes(f.int(200)) };
    case 6: { // lying lengths: a header that claims far more than follows
      const head = f.pick([[0xdb, 0xff, 0xff, 0xff, 0xff], [0xc6, 0xff, 0xff, 0xff, 0xff], [0xdd, 0xff, 0xff, 0xff, 0xff],
        [0xdf, 0xff, 0xff, 0xff, 0xff], [0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01], [0xda, 0xff, 0xff]]);
      const prefix = f.random() < 0.5 ? [0x84, 0xa1, 0x74, 0xa4, 0x63, 0x61, 0x6c, 0x6c, 0xa2, 0x69, 0x64, 0x01, 0xa6, 0x6d, 0x65, 0x74, 0x68, 0x6f, 0x64] : [];
      return { what: 'lying length', payload: Uint8Array.from([...prefix, ...head, ...f.bytes(f.int(16))]) };
    }
    case 7: // a text frame, valid UTF-8 or not
      return { what: 'text frame', raw: (ws) => ws.send(OPCODE.text, f.random() < 0.5 ? Buffer.from(JSON.stringify({ t: 'call', id, method: 'listDomains', args: [] })) : Uint8Array.from([0xc3, 0x28, 0xff])) };
    case 8: { // a flood: many calls in one write, all answered (some with EBUSY)
      const count = 50 + f.int(150);
      const frames = Array.from({ length: count }, (_, i) => encode({ t: 'call', id: id * 1000 + i, method: f.pick(['listDomains', 'readFrame', 'hostInfo']), args: f.random() < 0.5 ? [] : [{ domain: 3, gfn: i }] }));
      return { what: `flood of ${count}`, raw: (ws) => ws.write(Buffer.concat(frames.map((p) => frameOf(p)))), replies: count };
    }
    default: { // a broken frame: the server closes the connection with a code
      const broken: Array<[string, (ws: RawWebSocket) => void]> = [
        ['reserved opcode', (ws) => ws.send(0x3 + f.int(5), f.bytes(4))],
        ['reserved control opcode', (ws) => ws.send(0xb + f.int(5), f.bytes(4))],
        ['RSV bits set', (ws) => ws.send(OPCODE.binary, call('listDomains', []), { rsv: 1 + f.int(7) })],
        ['unmasked frame', (ws) => ws.send(OPCODE.binary, call('listDomains', []), { mask: false })],
        ['continuation without a start', (ws) => ws.send(OPCODE.continuation, f.bytes(8))],
        ['fragmented ping', (ws) => ws.send(OPCODE.ping, f.bytes(4), { fin: false })],
        ['ping over 125 bytes', (ws) => ws.send(OPCODE.ping, f.bytes(126))],
        ['length past the import limit', (ws) => ws.send(OPCODE.binary, f.bytes(16), { declaredLength: 600 * 1024 * 1024 })],
        ['length of 2^63', (ws) => ws.send(OPCODE.binary, f.bytes(16), { declaredLength: 2 ** 62 * 2 })],
        ['close with a bad code', (ws) => ws.send(OPCODE.close, Uint8Array.from([0x03, 0xe7]))],
      ];
      const [what, raw] = f.pick(broken);
      return { what, raw };
    }
  }
}

function frameOf(payload: Uint8Array): Buffer {
  return clientFrame(OPCODE.binary, payload);
}

test(`WebSocket API fuzz (seed ${SEED}, ${CASES} cases): every message gets a reply or a clean close; the server stays up`, { timeout: 300_000 }, async () => {
  const { child, url } = await serve();
  const target = new Target(url.hostname, Number(url.port), `/api${url.search}`);
  const f = new Fuzz(SEED);
  try {
    for (let n = 0; n < CASES; n++) {
      const c = makeCase(f, n);
      const what = `seed ${SEED} case ${n} (${c.what})`;
      const outcomes = await target.exchange((ws) => (c.raw ? c.raw(ws) : ws.send(OPCODE.binary, c.payload!)), c.replies ?? 1);
      checkOutcomes(what, outcomes);
      assert.equal(child.exitCode, null, `${what}: the server exited`);
    }

    // the attacks of issue 10, as fixed cases
    const fixed = new Target(url.hostname, Number(url.port), `/api${url.search}`);
    // 120 scans of bigmem-64g on one connection: four run, the rest are refused with the limit
    const scans = await fixed.exchange((ws) => ws.write(Buffer.concat(Array.from({ length: 120 }, (_, i) =>
      frameOf(encode({ t: 'call', id: i + 1, method: 'startScan', args: [{ domain: 5 }] }))))), 120);
    checkOutcomes('120 scans', scans);
    const refused = scans.filter((o) => o.kind === 'reply' && o.message.t === 'error');
    assert.equal(refused.length, 116, 'all but four refused');
    assert.ok(refused.every((o) => o.kind === 'reply' && /too many scans running on this connection \(limit 4\)/.test(String((o.message.error as { message: string }).message))));
    // a small call padded past 64 KiB: refused by size, the connection kept
    const padded = await fixed.exchange((ws) => ws.send(OPCODE.binary, encode({ t: 'call', id: 500, method: 'listDomains', args: ['x'.repeat(70_000)] })));
    assert.equal(padded[0].kind === 'reply' && (padded[0].message.error as { code: string }).code, 'EMSGSIZE');
    // a 1 MB snapshot of garbage: an error, not a crash
    const garbage = await fixed.exchange((ws) => ws.send(OPCODE.binary, encode({ t: 'call', id: 501, method: 'importSnapshot', args: [{ fileName: 'bomb.fsnap', bytes: new Uint8Array(1 << 20).fill(0x41) }] })));
    checkOutcomes('garbage snapshot', garbage);
    assert.equal(garbage[0].kind === 'reply' && garbage[0].message.t, 'error');
    fixed.close();

    // still up: a fresh client's valid call is answered
    const after = new Target(url.hostname, Number(url.port), `/api${url.search}`);
    const [answer] = await after.exchange((ws) => ws.send(OPCODE.binary, encode({ t: 'call', id: 1, method: 'listDomains', args: [] })));
    assert.equal(answer.kind === 'reply' && answer.message.t, 'result', 'the server answers a valid call after the fuzz');
    assert.equal(answer.kind === 'reply' && (answer.message.value as unknown[]).length, 7); // the default host's domains
    after.close();
  } finally {
    target.close();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
});
