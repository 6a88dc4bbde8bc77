/**
 * Memory of `framescope serve` under hostile clients, against its own idle level: the RSS of
 * the serve process (its mapper worker included) at rest after a client has used it, while 20
 * clients ask for a 16 MiB scan record again and again and never read the answers, and after
 * they leave; then the same with 4 clients sending a 255 MiB message each at once. Target:
 * back within 10 % of idle once the clients are gone.
 */
import fs from 'node:fs';

import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';

import { clientFrame, OPCODE, RawWebSocket } from '../test/fakes/raw-websocket';
import { serve } from './serve';

const SLOW_CLIENTS = 20;
/** bigmem-64g: its record is 16.8 MB of codes. */
const BIG_DOMAIN = 5;
/** Each slow client asks for the record this often. */
const PACE_MS = 100;
const LARGE_SENDERS = 4;
const LARGE_MESSAGE_BYTES = 255 * 1024 * 1024;
/** Past the server's stall timeout (10 s), so that it has had the chance to drop whom it should. */
const FLOOD_MS = 15_000;
/** After the clients leave, RSS is watched this long for its return within RETURN_RATIO of idle. */
const SETTLE_MS = 60_000;
const RETURN_RATIO = 1.1;
const IDLE_WINDOW_MS = 10_000;
const SAMPLE_MS = 100;
const MiB = 1024 * 1024;

export interface ServeMemoryPhase {
  /** The most RSS seen while the clients were connected. */
  peakMiB: number;
  peakRatio: number;
  /** RSS once back within RETURN_RATIO of idle (or when SETTLE_MS ran out), and how long after the clients left. */
  afterMiB: number;
  afterRatio: number;
  returnedAfterS: number | null;
  /** Clients the server closed before they left on their own. */
  dropped: number;
  /** The server passed RSS_CEILING and was killed (the later figures are then missing). */
  killed: boolean;
}

export interface ServeMemoryResult {
  /** RSS just after start, and at rest after a client used it (the idle level the ratios are against). */
  freshMiB: number;
  idleMiB: number;
  slowReaders: ServeMemoryPhase;
  largeSenders: ServeMemoryPhase;
}

function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server past this is killed, so that the benchmark cannot take the machine down with it. */
const RSS_CEILING = 4 * 1024 * MiB;

class CeilingReached extends Error {
  constructor(readonly peak: number) {
    super(`the server passed ${RSS_CEILING / MiB} MiB RSS and was killed`);
  }
}

/** Samples RSS every SAMPLE_MS until `done` resolves or `ms` pass; the highest seen. */
async function peakWhile(pid: number, ms: number, done: Promise<unknown>): Promise<number> {
  let peak = rssBytes(pid);
  let finished = false;
  void done.then(() => (finished = true), () => (finished = true));
  const deadline = Date.now() + ms;
  while (!finished && Date.now() < deadline) {
    await sleep(SAMPLE_MS);
    peak = Math.max(peak, rssBytes(pid));
    if (peak > RSS_CEILING) {
      process.kill(pid, 'SIGKILL');
      throw new CeilingReached(peak);
    }
  }
  return peak;
}

/**
 * RSS at rest: once it has stopped falling (no more than 1 % over IDLE_WINDOW_MS, as the
 * collections after the warm-up finish), the median of the last window's samples.
 */
async function restingRss(pid: number): Promise<number> {
  const samples: number[] = [];
  const deadline = Date.now() + SETTLE_MS;
  const perWindow = IDLE_WINDOW_MS / 500;
  for (;;) {
    samples.push(rssBytes(pid));
    const window = samples.slice(-perWindow);
    if (window.length === perWindow && (window[0] - window[window.length - 1] <= window[0] * 0.01 || Date.now() > deadline)) {
      return window.sort((a, b) => a - b)[Math.floor(window.length / 2)];
    }
    await sleep(500);
  }
}

/**
 * What a user does first, reading every answer: the page's calls, some frames, a scan of
 * bigmem-64g and its record, twice; then the client leaves. Returns the scan's id.
 */
async function warmUp(wsUrl: string): Promise<string> {
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let id = 0;
  const replies = new Map<number, (v: unknown) => void>();
  ws.on('message', (data: Buffer) => {
    const m = decode(data) as { t: string; id?: number; event?: { type: string } };
    if (m.t !== 'event' && m.id !== undefined) replies.get(m.id)?.(m);
    if (m.t === 'event' && m.event?.type === 'end') replies.get(-2)?.(m);
  });
  const call = (method: string, args: unknown[]) => new Promise((resolve) => {
    const n = ++id;
    replies.set(n, resolve);
    ws.send(encode({ t: 'call', id: n, method, args }));
  });
  await call('hostInfo', []);
  await call('listDomains', []);
  for (let gfn = 0; gfn < 200; gfn++) await call('readFrame', [{ domain: 3, gfn }]);
  const ended = new Promise((resolve) => replies.set(-2, resolve));
  const started = await call('startScan', [{ domain: BIG_DOMAIN }]) as { value: { scanId: string } };
  await ended;
  for (let i = 0; i < 2; i++) await call('scanRecord', [started.value.scanId]);
  ws.close();
  await new Promise((r) => ws.once('close', r));
  return started.value.scanId;
}

async function phase(pid: number, idle: number, open: () => Promise<RawWebSocket[]>, act: (clients: RawWebSocket[]) => Promise<unknown>, ms: number): Promise<ServeMemoryPhase> {
  const clients = await open();
  let peak: number;
  try {
    peak = await peakWhile(pid, ms, act(clients));
  } catch (e) {
    for (const c of clients) c.destroy();
    if (!(e instanceof CeilingReached)) throw e;
    return { peakMiB: e.peak / MiB, peakRatio: e.peak / idle, afterMiB: NaN, afterRatio: NaN, returnedAfterS: null, dropped: NaN, killed: true };
  }
  // a client the server dropped sees the end of its socket once it reads what the kernel holds
  for (const c of clients) c.socket.resume();
  await Promise.all(clients.map((c) => c.until(() => false, 3000)));
  const dropped = clients.filter((c) => c.closed).length;
  for (const c of clients) c.destroy();
  const left = Date.now();
  let after = rssBytes(pid);
  while (after > idle * RETURN_RATIO && Date.now() - left < SETTLE_MS) {
    await sleep(SAMPLE_MS);
    after = rssBytes(pid);
  }
  const returnedAfterS = after <= idle * RETURN_RATIO ? (Date.now() - left) / 1000 : null;
  return { peakMiB: peak / MiB, peakRatio: peak / idle, afterMiB: after / MiB, afterRatio: after / idle, returnedAfterS, dropped, killed: false };
}

export async function benchServeMemory(log: (line: string) => void): Promise<ServeMemoryResult> {
  const { url, child } = await serve(['--backend', 'sim', '--sim-clock', 'stepped']);
  try {
    const u = new URL(url);
    const token = u.searchParams.get('token')!;
    const target = `/api?token=${token}`;
    const pid = child.pid!;
    const open = (n: number) => () => Promise.all(Array.from({ length: n }, () => RawWebSocket.open(u.hostname, Number(u.port), target)));

    const fresh = await restingRss(pid);
    const scanId = await warmUp(`ws://${u.host}${target}`);
    const idle = await restingRss(pid);
    log(`serve memory (RSS of the serve process and its mapper worker): ${(fresh / MiB).toFixed(0)} MiB just started, ` +
      `idle ${(idle / MiB).toFixed(0)} MiB at rest after a client scanned bigmem-64g and read its record`);

    const slowReaders = await phase(pid, idle, open(SLOW_CLIENTS), async (clients) => {
      for (const c of clients) c.stopReading();
      let id = 0;
      const deadline = Date.now() + FLOOD_MS;
      while (Date.now() < deadline) {
        for (const c of clients) c.write(clientFrame(OPCODE.binary, encode({ t: 'call', id: ++id, method: 'scanRecord', args: [scanId] })));
        await sleep(PACE_MS);
      }
    }, FLOOD_MS + 1000);

    const killed = { peakMiB: NaN, peakRatio: NaN, afterMiB: NaN, afterRatio: NaN, returnedAfterS: null, dropped: NaN, killed: true };
    const largeSenders = slowReaders.killed ? killed : await phase(pid, idle, open(LARGE_SENDERS), async (clients) => {
      const message = clientFrame(OPCODE.binary, encode({ t: 'call', id: 1, method: 'importSnapshot', args: [{ fileName: 'x.fsnap', bytes: new Uint8Array(LARGE_MESSAGE_BYTES) }] }));
      for (const c of clients) c.write(message);
      // each gets its answer (a bad snapshot) in turn
      await Promise.all(clients.map((c) => c.until(() => c.messages().length > 0, 120_000)));
    }, 130_000);

    const row = (name: string, p: ServeMemoryPhase) => p.killed
      ? log(`  ${name}: ${Number.isNaN(p.peakMiB) ? 'not run (the server was killed before)' : `passed ${(RSS_CEILING / MiB).toFixed(0)} MiB (${p.peakRatio.toFixed(2)}x idle): killed`}`)
      : log(`  ${name}: peak ${p.peakMiB.toFixed(0)} MiB (${p.peakRatio.toFixed(2)}x idle), ${p.dropped} dropped by the server; after they left ` +
        `${p.afterMiB.toFixed(0)} MiB (${p.afterRatio.toFixed(2)}x idle), ${p.returnedAfterS === null ? `not back within ${RETURN_RATIO}x in ${SETTLE_MS / 1000} s` : `back within ${RETURN_RATIO}x in ${p.returnedAfterS.toFixed(1)} s`}`);
    row(`${SLOW_CLIENTS} clients asking for a 16 MiB record every ${PACE_MS} ms, never reading`, slowReaders);
    row(`${LARGE_SENDERS} clients sending ${LARGE_MESSAGE_BYTES / MiB} MiB each at once`, largeSenders);
    return { freshMiB: fresh / MiB, idleMiB: idle / MiB, slowReaders, largeSenders };
  } finally {
    child.kill('SIGINT');
  }
}
