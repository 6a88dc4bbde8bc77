#!/usr/bin/env node
/**
 * The framescope command line: list domains, scan a domain's frames, dump one frame. It runs
 * the same inspector service (in the same mapper worker) as the desktop app and the server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';

import type { DomainInfo, FrameRead, InspectorEvent, PrivcmdAbiName, ScanSummary, SearchHit, SearchSummary } from './api';
import type { BackendOptions } from './backend';
import { BackendChoice, resolveBackend } from './backend-choice';
import { chunkCodes } from './chunk-codec';
import { changedRuns, DIFF_MAX_RUNS, diffScans } from './diff';
import { OWN_CODE_DESCRIPTIONS } from './frame-status';
import { hexDump } from './hex-dump';
import { Inspector, startInspector } from './inspector-client';
import { hex } from './numbers';
import { scanToEnd } from './scan-to-end';
import { parsePattern } from './search';
import { DEFAULT_HOST } from './server/address';
// light: node's own modules only (the server itself loads for serve alone)
import { isLoopbackAddress, isWildcardAddress } from './server/http-guard';
import { socketDirectoryProblem, socketPathTooLong } from './socket-path';
import { MAX_BATCH, unscannedCodes } from './scanner';
import type { SnapshotHeader } from './snapshot';
import { FRAMESCOPE_VERSION } from './version';

const USAGE = `usage: framescope [--backend sim|xen] [--sim-config FILE] [--sim-clock realtime|stepped]
                  [--attach SOCKET] [--abi auto|v1|v2] <command> [options]

commands:
  domains [--json]                          list the host's domains
  scan --domain ID|NAME [--range FIRST-LAST] [--mode observe|retry] [--batch N] [--json]
       [--out FILE.fsnap|FILE.csv|FILE.json] [--profile]
                                            map every frame of the range and count the results;
                                            --out saves a snapshot or the statuses as runs;
                                            --profile says where the time went (mmap, ioctl, ...)
  diff A.fsnap B.fsnap [--max-runs N] [--json]
                                            frames that changed between two snapshots, and
                                            where: runs of the same change (the first N, 10000)
  search --domain ID|NAME (--string TEXT [--utf16] | --hex BYTES) [--range FIRST-LAST]
       [--max-hits N] [--json]              find bytes in the mapped frames of a range
  serve [--listen HOST:PORT] [--domain ID|NAME]
                                            serve the UI and the API over HTTP (loopback by
                                            default, a random token in the printed URL): how a
                                            headless dom0 is inspected over an SSH tunnel
  serve --unix PATH [--socket-group GROUP] [--domain ID|NAME]
                                            serve the API on a Unix socket whose permissions
                                            decide who may connect (no token): run it as root and
                                            attach the app or the CLI with --attach PATH, so they
                                            never run as root. --domain confines it to one domain
                                            (IOCTL_PRIVCMD_RESTRICT).
  read --domain ID|NAME --gfn N [--mode observe|retry]
                                            hex dump of one frame
  scan --dump FILE ..., read --dump FILE --gfn N
                                            the same on a memory dump: xl dump-core, QEMU or
                                            libvirt ELF (virsh dump --memory-only), raw image

Numbers may be decimal or hex (0x...). Without /dev/xen/privcmd framescope runs on a
simulated host (the privcmd emulator); --backend forces either. --sim-config describes
another simulated host (docs/sim-config.md); --sim-clock stepped freezes its paging.
--abi picks the privcmd ioctl: auto (V2, or V1 on kernels without it), v1 (even where
the kernel has V2: to compare the two), v2 (never fall back).
Observe mode never retries, but asking Xen to map a paged-out frame already makes it page
the frame in: scanning is not passive. Retry mode waits (bounded) for those frames.`;

/** A mistake in the command line: exit code 2 and the usage hint. */
export class UsageError extends Error {}

const GLOBAL_OPTIONS = {
  backend: { type: 'string' },
  attach: { type: 'string' },
  dump: { type: 'string' },
  'sim-config': { type: 'string' },
  'sim-clock': { type: 'string' },
  abi: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export function parseNumber(text: string, what: string): number {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^[0-9]+$/.test(t) ? parseInt(t, 10) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${what}: '${text}' is not a number (decimal or 0x hex)`);
  return n;
}

export function parseRange(text: string): { first: number; last: number } {
  const m = /^\s*([^-\s]+)\s*-\s*([^-\s]+)\s*$/.exec(text);
  if (!m) throw new UsageError(`--range: '${text}' is not FIRST-LAST`);
  const first = parseNumber(m[1], '--range');
  const last = parseNumber(m[2], '--range');
  if (last < first) throw new UsageError(`--range: last frame ${m[2]} is before first frame ${m[1]}`);
  return { first, last };
}

function parseMode(text: string | undefined): 'observe' | 'retry' | undefined {
  if (text === undefined || text === 'observe' || text === 'retry') return text;
  throw new UsageError(`--mode: '${text}' is neither observe nor retry`);
}

interface CommandOptions extends BackendOptions {
  /** A framescope serve --unix socket to work through instead of a device of our own. */
  attach?: string;
  /** The privcmd ioctl every mapping call asks for; unset: auto. */
  abi?: PrivcmdAbiName;
}

function parseAbi(text: string | undefined): PrivcmdAbiName | undefined {
  if (text === undefined || text === 'auto') return undefined;
  if (text === 'v1' || text === 'v2') return text;
  throw new UsageError(`--abi: '${text}' is none of auto, v1 and v2`);
}

function backendOptions(values: { backend?: string; 'sim-config'?: string; 'sim-clock'?: string; attach?: string; dump?: string; abi?: string }): CommandOptions {
  const b = values.backend;
  const clock = values['sim-clock'];
  if (b !== undefined && b !== 'sim' && b !== 'xen') throw new UsageError(`--backend: '${b}' is neither sim nor xen`);
  if (clock !== undefined && clock !== 'realtime' && clock !== 'stepped') throw new UsageError(`--sim-clock: '${clock}' is neither realtime nor stepped`);
  if ((values['sim-config'] || clock) && b === 'xen') throw new UsageError('--sim-config and --sim-clock describe a simulated host: they cannot go with --backend xen');
  if (values.attach && (b || values['sim-config'] || clock)) throw new UsageError('--attach uses the backend of the framescope serve it attaches to: it cannot go with --backend, --sim-config or --sim-clock');
  if (values.dump && (values.attach || b || values['sim-config'] || clock)) throw new UsageError('--dump inspects a file: it cannot go with --attach, --backend, --sim-config or --sim-clock');
  const abi = parseAbi(values.abi);
  if (values.dump && values.abi !== undefined) throw new UsageError('--abi picks a privcmd ioctl: it cannot go with --dump');
  return { backend: (b ?? 'auto') as BackendChoice, simConfig: values['sim-config'], simClock: clock, attach: values.attach, dump: values.dump, abi };
}

/** A range the domain holds: past its end is a mistake in the command line, not a failure. */
export function checkRange(domain: DomainInfo, range: { first: number; last: number } | undefined): void {
  if (!range || domain.frames === null || range.last < domain.frames) return;
  throw new UsageError(`--range ${hex(range.first)}-${hex(range.last)} goes past the end of domain ${domain.id} (last frame ${hex(domain.frames - 1)})`);
}

/** A domain by id or name; without either, the only domain there is (a dump's). */
export async function resolveDomain(inspector: Inspector, text: string | undefined): Promise<DomainInfo> {
  const domains = await inspector.listDomains();
  if (text === undefined) {
    if (domains.length === 1) return domains[0];
    throw new UsageError('--domain ID|NAME is needed: there is more than one domain');
  }
  const byId = /^(0x[0-9a-f]+|[0-9]+)$/i.test(text) ? parseNumber(text, '--domain') : null;
  const found = domains.find((d) => (byId !== null ? d.id === byId : d.name === text));
  if (!found) {
    const known = domains.map((d) => `${d.id} (${d.name})`).join(', ') || 'none';
    throw new UsageError(`unknown domain '${text}'; this host has: ${known}`);
  }
  return found;
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: !!process.stderr.isTTY,
};

/** `scan --dump FILE`: the command's --dump, checked like the global one. */
function withDumpOption(options: CommandOptions, dump: string | undefined): CommandOptions {
  if (dump === undefined) return options;
  if (options.dump && options.dump !== dump) throw new UsageError('--dump given twice');
  if (options.attach || options.simConfig || options.simClock || options.backend !== 'auto') {
    throw new UsageError('--dump inspects a file: it cannot go with --attach, --backend, --sim-config or --sim-clock');
  }
  if (options.abi) throw new UsageError('--abi picks a privcmd ioctl: it cannot go with --dump');
  return { ...options, dump };
}

async function withInspector<T>(options: CommandOptions, io: Io, body: (inspector: Inspector) => Promise<T>): Promise<T> {
  if (!options.attach && !options.dump && options.backend === 'auto' && resolveBackend(options) === 'sim') {
    io.err('framescope: no /dev/xen/privcmd here: using the simulated host (privcmd emulator)\n');
  }
  // loaded only for --attach: ws and msgpack are not free to load
  const inspector = options.attach ? await (await import('./remote-inspector')).connectRemoteInspector(options.attach) : await startInspector(options);
  try {
    return await body(inspector);
  } finally {
    await inspector.close();
  }
}

function formatKiB(kib: number | null): string {
  if (kib === null) return '-';
  return kib >= 1024 * 1024 ? `${(kib / 1024 / 1024).toFixed(1)} GiB` : `${(kib / 1024).toFixed(0)} MiB`;
}

function table(rows: string[][], alignRight: boolean[]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (alignRight[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd()).join('\n') + '\n';
}

const KIB_PER_PAGE = 4;

/** The hypervisor's count (XENMEM_*_reservation) when it gave one, else xenstore's. */
function sizeKiB(pages: number | null | undefined, xenstoreKiB: number | null): number | null {
  return pages === null || pages === undefined ? xenstoreKiB : pages * KIB_PER_PAGE;
}

async function commandDomains(args: string[], options: BackendOptions, io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  return withInspector(options, io, async (inspector) => {
    const domains = await inspector.listDomains();
    if (values.json) {
      io.out(JSON.stringify(domains, null, 2) + '\n');
    } else {
      const rows = [['ID', 'NAME', 'TYPE', 'MEMORY', 'MAX', 'FRAMES']];
      for (const d of domains) {
        rows.push([String(d.id), d.name, d.type ? d.type.toUpperCase() : '-', formatKiB(sizeKiB(d.currentPages, d.memoryKiB)),
          formatKiB(sizeKiB(d.maxPages, d.maxMemoryKiB)), d.frames === null ? '-' : `0x${d.frames.toString(16)}`]);
      }
      io.out(table(rows, [true, false, false, true, true, true]));
    }
    for (const why of new Set(domains.map((d) => d.typeError).filter((w) => w))) io.err(`framescope: note: type unknown: ${why}\n`);
    return 0;
  });
}

export function formatSummary(s: ScanSummary, name: string): string {
  const pct = (n: number) => (s.scanned ? ((100 * n) / s.scanned).toFixed(1) : '0.0') + '%';
  const rate = s.durationMs > 0 ? `${((s.scanned / s.durationMs) * 1000 / 1e6).toFixed(2)} M frames/s` : '';
  let text = `domain ${s.domain} (${name})  gfn 0x${s.first.toString(16)}-0x${s.last.toString(16)}  ${s.scanned}/${s.frames} frames  ` +
    `abi ${s.abi ?? '-'}  mode ${s.mode}  ${(s.durationMs / 1000).toFixed(2)} s  ${rate}\n`;
  text += table([
    ['STATUS', 'FRAMES', 'SHARE'],
    ['mapped', String(s.counts.mapped), pct(s.counts.mapped)],
    ['paged', String(s.counts.paged), pct(s.counts.paged)],
    ['invalid', String(s.counts.invalid), pct(s.counts.invalid)],
  ], [false, true, true]);
  const errnos = Object.entries(s.errnos).sort((a, b) => b[1] - a[1]);
  if (errnos.length) text += table([['ERRNO', 'FRAMES'], ...errnos.map(([k, v]) => [k, String(v)])], [false, true]);
  if (s.retry) text += `retry: ${s.retry.recovered} of ${s.retry.retried} paged frames came back; ${s.retry.timedOutBatches} batches ran out of time\n`;
  if (s.mode === 'observe' && s.counts.paged > 0) text += 'note: mapping a paged-out frame asks Xen to page it in, so this scan nudged those frames\n';
  if (s.cancelled) text += 'stopped before the end of the range\n';
  if (s.profile) text += formatProfile(s);
  return text;
}

/** Where a scan's time went, in ns a frame; "other" is the scan loop's time outside the stages. */
export function formatProfile(s: ScanSummary): string {
  const p = s.profile!;
  const perFrame = (ms: number) => (s.scanned ? ((ms * 1e6) / s.scanned).toFixed(1) : '-');
  const staged = p.mmapMs + p.ioctlMs + p.munmapMs + p.decodeMs + p.chunksMs;
  return `profile: ${p.batches} batches; ns a frame: mmap ${perFrame(p.mmapMs)}  ioctl ${perFrame(p.ioctlMs)}  ` +
    `munmap ${perFrame(p.munmapMs)}  decode ${perFrame(p.decodeMs)}  chunks ${perFrame(p.chunksMs)}  ` +
    `other ${perFrame(Math.max(0, s.durationMs - staged))}\n`;
}

async function commandScan(args: string[], options: CommandOptions, io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      domain: { type: 'string' },
      range: { type: 'string' },
      mode: { type: 'string' },
      batch: { type: 'string' },
      json: { type: 'boolean' },
      out: { type: 'string' },
      dump: { type: 'string' },
      profile: { type: 'boolean' },
    },
    strict: true,
  });
  options = withDumpOption(options, values.dump);
  if (!values.domain && !options.dump) throw new UsageError('scan needs --domain ID|NAME (or --dump FILE)');
  const range = values.range ? parseRange(values.range) : undefined;
  const mode = parseMode(values.mode);
  const batch = values.batch !== undefined ? parseNumber(values.batch, '--batch') : undefined;
  if (batch !== undefined && (batch < 1 || batch > MAX_BATCH)) throw new UsageError(`--batch: ${batch} is not 1-${MAX_BATCH} frames`);
  // the snapshot codec (and zod) only for --out
  const files = values.out !== undefined ? await import('./export-files') : undefined;
  const outFormat = files && values.out !== undefined ? files.exportFormatOf(values.out) : undefined;
  // before the scan, which may take minutes, not after it
  if (files && values.out !== undefined) files.checkWritableTarget(values.out);
  return withInspector(options, io, async (inspector) => {
    const domain = await resolveDomain(inspector, values.domain);
    checkRange(domain, range);
    let stop: (() => void) | undefined;
    let codes: Uint8Array = new Uint8Array(0);
    let first = 0;
    const onSigint = () => stop?.();
    process.once('SIGINT', onSigint);
    const summary = await scanToEnd(inspector, { domain: domain.id, ...range, mode, batch, abi: options.abi, ...(values.profile ? { profile: true } : {}) }, (chunk) => {
      if (outFormat) codes.set(chunkCodes(chunk), chunk.first - first);
      if (io.isTTY && !values.json) io.err(`\rscanning: ${chunk.scanned} frames, ${(chunk.elapsedMs / 1000).toFixed(1)} s`);
    }, (started) => {
      stop = () => void inspector.stopScan(started.scanId);
      if (outFormat) codes = unscannedCodes(started.frames);
      first = started.first;
    }).finally(() => process.removeListener('SIGINT', onSigint));
    if (io.isTTY && !values.json) io.err('\r\x1b[K');
    if (values.json) io.out(JSON.stringify(summary, null, 2) + '\n');
    else io.out(formatSummary(summary, domain.name));
    if (files && outFormat && summary.scanned > 0) {
      const bytes = files.exportScan(outFormat, summary, codes, domain.name, await inspector.hostInfo());
      deferSignals(() => files.writeFileAtomic(values.out!, bytes));
      if (!values.json) io.out(`written to ${values.out}\n`);
    }
    if (summary.error) {
      io.err(`framescope: ${summary.error}\n`);
      return 1;
    }
    return summary.cancelled ? 130 : 0;
  });
}

/**
 * Runs a synchronous `body` (a file write) with SIGINT and SIGTERM held: with a listener
 * installed they cannot kill the process in the middle of it, and a listener runs only once
 * `body` has returned, its temporary file renamed or removed. Then a signal that came is raised
 * again with its default action, so the process ends as it was asked to.
 */
function deferSignals<T>(body: () => T): T {
  let received: NodeJS.Signals | null = null;
  const hold = (signal: NodeJS.Signals) => (received ??= signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  try {
    return body();
  } finally {
    // A signal that came during `body` waits in libuv's signal pipe, read in the loop's poll
    // phase: the second immediate runs after a poll phase has passed, the first may not.
    setImmediate(() => setImmediate(() => {
      process.removeListener('SIGINT', hold);
      process.removeListener('SIGTERM', hold);
      if (received) process.kill(process.pid, received);
    }));
  }
}

function explainFailedRead(r: FrameRead): string {
  const why = r.codeName === 'ENOENT'
    ? 'it is paged out; asking for it made Xen start paging it in (try --mode retry)'
    : r.codeName === 'EINVAL' ? 'no page there (a hole, a ballooned-out or unpopulated frame)'
    : OWN_CODE_DESCRIPTIONS[r.codeName] ?? 'the hypervisor refused to map it';
  return `gfn 0x${r.gfn.toString(16)} of domain ${r.domain} did not map: ${r.codeName}: ${why}`;
}

async function commandRead(args: string[], options: CommandOptions, io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { domain: { type: 'string' }, gfn: { type: 'string' }, mode: { type: 'string' }, dump: { type: 'string' } },
    strict: true,
  });
  options = withDumpOption(options, values.dump);
  if (!values.domain && !options.dump) throw new UsageError('read needs --domain ID|NAME (or --dump FILE)');
  if (values.gfn === undefined) throw new UsageError('read needs --gfn N');
  const gfn = parseNumber(values.gfn, '--gfn');
  const mode = parseMode(values.mode);
  return withInspector(options, io, async (inspector) => {
    const domain = await resolveDomain(inspector, values.domain);
    if (domain.frames !== null && gfn >= domain.frames) {
      throw new UsageError(`--gfn 0x${gfn.toString(16)} is past the end of domain ${domain.id} (last frame 0x${(domain.frames - 1).toString(16)})`);
    }
    const r = await inspector.readFrame({ domain: domain.id, gfn, mode, abi: options.abi });
    if (!r.bytes) {
      io.err(`framescope: ${explainFailedRead(r)}\n`);
      return 1;
    }
    io.out(hexDump(r.bytes, gfn * r.bytes.length));
    return 0;
  });
}

/** Changed runs the text output of diff lists; --json lists up to --max-runs. */
const DIFF_TEXT_RUNS = 10;

async function commandDiff(args: string[], _options: BackendOptions, io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args, options: { json: { type: 'boolean' }, 'max-runs': { type: 'string' } }, strict: true, allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError('diff needs two snapshot files: framescope diff A.fsnap B.fsnap');
  const maxRuns = values['max-runs'] !== undefined ? parseNumber(values['max-runs'], '--max-runs') : DIFF_MAX_RUNS;
  const { readSnapshotFile } = await import('./export-files');
  const [a, b] = positionals.map(readSnapshotFile);
  const sideA = { first: a.header.first, codes: a.codes };
  const sideB = { first: b.header.first, codes: b.codes };
  const d = diffScans(sideA, sideB);
  const runs = changedRuns(sideA, sideB, values.json ? maxRuns : Math.min(maxRuns, DIFF_TEXT_RUNS));
  if (a.header.domain.id !== b.header.domain.id || a.header.domain.name !== b.header.domain.name) {
    io.err(`framescope: note: the snapshots are of different domains (${a.header.domain.name} and ${b.header.domain.name})\n`);
  }
  const { changedMask: _mask, ...result } = d;
  if (values.json) {
    io.out(JSON.stringify({ a: a.header, b: b.header, ...result, ...runs }, null, 2) + '\n');
    return 0;
  }
  const describe = (label: string, h: SnapshotHeader) =>
    `${label}: ${h.domain.name} (domain ${h.domain.id})  ${h.takenAt}  gfn 0x${h.first.toString(16)}-0x${h.last.toString(16)}  ${h.backend}\n`;
  let text = describe('A', a.header) + describe('B', b.header);
  text += d.compared ? `compared ${d.compared} frames (gfn 0x${d.first!.toString(16)}-0x${d.last!.toString(16)}), ${d.changed} changed\n` : 'the snapshots cover no common frames\n';
  const rows = Object.entries(d.transitions).sort((x, y) => y[1] - x[1]);
  if (rows.length) text += table([['TRANSITION', 'FRAMES'], ...rows.map(([k, v]) => [k, String(v)])], [false, true]);
  const codes = Object.entries(d.codeTransitions).sort((x, y) => y[1] - x[1]);
  if (codes.length) text += table([['CODES', 'FRAMES'], ...codes.map(([k, v]) => [k, String(v)])], [false, true]);
  if (runs.runs.length) {
    text += table([['FIRST', 'LAST', 'FRAMES', 'CHANGE'], ...runs.runs.map((r) => [hex(r.first), hex(r.last), String(r.frames), `${r.fromName}→${r.toName}`])],
      [false, false, true, false]);
    if (runs.runsTruncated) text += `… and ${runs.runsTotal - runs.runs.length} more runs, ${runs.runsTotal} in all (--json lists up to --max-runs of them)\n`;
  }
  io.out(text);
  return 0;
}

/** HOST:PORT, [IPV6]:PORT, :PORT or PORT. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:\s[\]]*)):(\d+)$/i.exec(text) ?? (/^\d+$/.test(text) ? [text, undefined, '', text] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) throw new UsageError(`--listen: '${text}' is not HOST:PORT`);
  return { host: m[1] ?? (m[2] || DEFAULT_HOST), port };
}


function printable(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}

async function commandSearch(args: string[], options: CommandOptions, io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      domain: { type: 'string' }, range: { type: 'string' }, string: { type: 'string' }, hex: { type: 'string' },
      utf16: { type: 'boolean' }, 'max-hits': { type: 'string' }, json: { type: 'boolean' }, dump: { type: 'string' },
    },
    strict: true,
  });
  options = withDumpOption(options, values.dump);
  if (!values.domain && !options.dump) throw new UsageError('search needs --domain ID|NAME (or --dump FILE)');
  if ((values.string === undefined) === (values.hex === undefined)) throw new UsageError('search needs --string TEXT or --hex BYTES (one of them)');
  if (values.utf16 && values.hex !== undefined) throw new UsageError('--utf16 goes with --string');
  const range = values.range ? parseRange(values.range) : undefined;
  const maxHits = values['max-hits'] !== undefined ? parseNumber(values['max-hits'], '--max-hits') : undefined;
  // checked here too, so that a bad pattern is a usage error before any inspector starts
  try {
    parsePattern({ text: values.string, hex: values.hex, encoding: values.utf16 ? 'utf16le' : 'ascii' });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return withInspector(options, io, async (inspector) => {
    const domain = await resolveDomain(inspector, values.domain);
    checkRange(domain, range);
    const hits: SearchHit[] = [];
    let searchId: string | null = null;
    let finish: (s: SearchSummary) => void = () => {};
    const ended = new Promise<SearchSummary>((resolve) => (finish = resolve));
    const held: InspectorEvent[] = [];
    const handle = (e: InspectorEvent) => {
      if (e.type === 'search-hits' && e.searchId === searchId) {
        hits.push(...e.hits);
        if (io.isTTY && !values.json) io.err(`\rsearching: ${e.scanned || hits.length} ${e.scanned ? 'frames' : 'hits'}`);
      }
      if (e.type === 'search-end' && e.searchId === searchId) finish(e.summary);
    };
    const off = inspector.onEvent((e) => (searchId === null ? held.push(e) : handle(e)));
    const onSigint = () => searchId && void inspector.stopSearch(searchId);
    process.once('SIGINT', onSigint);
    try {
      const started = await inspector.startSearch({
        domain: domain.id, ...range, text: values.string, hex: values.hex, encoding: values.utf16 ? 'utf16le' : 'ascii', maxHits, abi: options.abi,
      });
      searchId = started.searchId;
      held.splice(0).forEach(handle);
      const summary = await ended;
      if (io.isTTY && !values.json) io.err('\r\x1b[K');
      if (values.json) {
        io.out(JSON.stringify({
          domain: domain.id, first: started.first, last: started.last, ...summary,
          matches: hits.map((h) => ({ gfn: h.gfn, offset: h.offset, address: h.gfn * 4096 + h.offset, context: Buffer.from(h.context).toString('hex'), contextOffset: h.contextOffset })),
        }, null, 2) + '\n');
      } else {
        const rows = [['GFN', 'OFFSET', 'ADDRESS', 'CONTEXT']];
        for (const h of hits) {
          rows.push([`0x${h.gfn.toString(16)}`, `0x${h.offset.toString(16).padStart(3, '0')}`, `0x${(h.gfn * 4096 + h.offset).toString(16)}`, printable(h.context)]);
        }
        if (hits.length) io.out(table(rows, [true, true, true, false]));
        const mb = summary.bytesSearched / 1e6;
        io.out(`${summary.hits} hit${summary.hits === 1 ? '' : 's'}${summary.truncated ? ' (more not listed: raise --max-hits)' : ''} in ${summary.mappedFrames} mapped frames ` +
          `of domain ${domain.id} (${domain.name}), ${mb.toFixed(1)} MB searched in ${(summary.durationMs / 1000).toFixed(2)} s\n`);
      }
      if (summary.error) {
        io.err(`framescope: ${summary.error}\n`);
        return 1;
      }
      return summary.cancelled ? 130 : 0;
    } finally {
      off();
      process.removeListener('SIGINT', onSigint);
    }
  });
}

/** A group's id from /etc/group (there is no getgrnam in Node). */
export function groupId(name: string, groupFile = '/etc/group'): number {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of fs.readFileSync(groupFile, 'utf8').split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && /^\d+$/.test(gid ?? '')) return Number(gid);
  }
  throw new UsageError(`--socket-group: no group named '${name}'`);
}

async function commandServe(args: string[], options: CommandOptions, io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { listen: { type: 'string' }, unix: { type: 'string' }, 'socket-group': { type: 'string' }, domain: { type: 'string' } },
    strict: true,
  });
  if (options.attach) throw new UsageError('serve serves a device of its own: it cannot go with --attach');
  if (values.unix && values.listen) throw new UsageError('serve listens on --unix or on --listen, not both');
  if (values['socket-group'] && !values.unix) throw new UsageError('--socket-group goes with --unix');
  if (values.unix !== undefined) {
    const tooLong = socketPathTooLong(values.unix);
    if (tooLong) throw new UsageError(`--unix: ${tooLong}`);
    // checked before a device is opened, so that nothing else is said first
    const noDirectory = socketDirectoryProblem(values.unix);
    if (noDirectory) throw noDirectory;
  }
  const listen = values.listen ? parseListen(values.listen) : { host: DEFAULT_HOST, port: 0 };
  const socketGid = values['socket-group'] ? groupId(values['socket-group']) : undefined;
  const staticDir = path.join(__dirname, '..', 'ui');
  let onlyDomain: number | undefined;
  if (values.domain && /^(0x[0-9a-f]+|[0-9]+)$/i.test(values.domain)) {
    onlyDomain = parseNumber(values.domain, '--domain');
  } else if (values.domain) {
    // a name needs the listing of an unconfined inspector; confinement then needs only the id
    onlyDomain = await withInspector(options, io, async (inspector) => (await resolveDomain(inspector, values.domain!)).id);
  }
  return withInspector({ ...options, onlyDomain }, io, async (inspector) => {
    const { startServer } = await import('./server');
    const server = await startServer({ api: inspector, host: listen.host, port: listen.port, staticDir, socketPath: values.unix, socketGid });
    const info = await inspector.hostInfo();
    if (!values.unix && !isLoopbackAddress(server.host)) {
      const where = isWildcardAddress(server.host) ? `every address of this host (${server.host})` : server.host;
      io.err(`framescope: warning: listening on ${where}, port ${server.port}: the traffic is plain HTTP, not encrypted (the token ` +
        `and guest memory included), and whoever reaches this port with the token can read guest memory. Prefer the default ` +
        `(loopback) and an SSH tunnel: ssh -L 8080:127.0.0.1:${server.port} ${os.hostname()}, then open the URL with port 8080\n`);
    }
    const scope = onlyDomain !== undefined ? ` (domain ${onlyDomain} only)` : '';
    io.out(values.unix
      ? `framescope ${FRAMESCOPE_VERSION} serving ${info.description}${scope}\nattach with: framescope --attach ${values.unix} ... (or the app: framescope --attach ${values.unix})\n`
      : `framescope ${FRAMESCOPE_VERSION} serving ${info.description}${scope}\nopen ${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  });
}

const COMMANDS: Record<string, (args: string[], options: CommandOptions, io: Io) => Promise<number>> = {
  serve: commandServe,
  domains: commandDomains,
  scan: commandScan,
  read: commandRead,
  diff: commandDiff,
  search: commandSearch,
};

/** The commands that map frames, so that --abi means something to them. */
const ABI_COMMANDS = new Set(['scan', 'read', 'search']);

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  try {
    const { values, tokens } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, tokens: true });
    // Global options end at the first positional: the command; the rest is the command's.
    const commandToken = tokens.find((t) => t.kind === 'positional');
    const at = commandToken ? commandToken.index : argv.length;
    const global = parseArgs({ args: argv.slice(0, at), options: GLOBAL_OPTIONS, strict: true }).values;
    if (global.version) {
      io.out(`framescope ${FRAMESCOPE_VERSION}\n`);
      return 0;
    }
    if (global.help || values.help || !commandToken) {
      io.out(USAGE + '\n');
      return commandToken || global.help || values.help ? 0 : 2;
    }
    const command = COMMANDS[argv[at]];
    if (!command) throw new UsageError(`unknown command '${argv[at]}'`);
    if (global.abi !== undefined && !ABI_COMMANDS.has(argv[at])) {
      throw new UsageError(`--abi goes with ${[...ABI_COMMANDS].join(', ')}${argv[at] === 'serve' ? ': the served UI picks the ioctl in its status bar' : ''}`);
    }
    return await command(argv.slice(at + 1), backendOptions(global), io);
  } catch (e) {
    const err = e as Error & { code?: string };
    const usage = e instanceof UsageError || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'));
    io.err(`framescope: ${err.message}\n${usage ? "run 'framescope --help' for usage\n" : ''}`);
    return usage ? 2 : 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
