/**
 * Every limit of the headless server, in one place (the README's "Limits" lists them): what a
 * client may hold of the server's memory, sockets and mapper time, and what happens past it.
 */
import { MAX_SNAPSHOT_BYTES } from '../snapshot';

const KiB = 1024;
const MiB = 1024 * KiB;

/** WebSocket clients connected at once; the next handshake gets HTTP 503. */
export const MAX_CONNECTIONS = 32;
/** Sockets of any kind (page loads, handshakes, WebSockets); past it a new one is closed unanswered. */
export const MAX_SOCKETS = 2 * MAX_CONNECTIONS;
/** A request's headers (a WebSocket handshake's too) must arrive within this, and a socket not be silent longer before its request is in; or it is closed. */
export const HEADERS_TIMEOUT_MS = 10_000;

/** Any call but importSnapshot fits in this: the largest is a search pattern (4 KiB of hex). */
export const MAX_CALL_BYTES = 64 * KiB;
/** importSnapshot's message: the largest snapshot the app opens, and the call around it (ws keeps it as an int32: below 2 GiB). */
export const MAX_IMPORT_BYTES = MAX_SNAPSHOT_BYTES + MAX_CALL_BYTES;
/**
 * Messages larger than a call being received at once, over all clients; the others wait, their
 * sockets left unread, so that what arrives is held once and not once per client.
 */
export const MAX_LARGE_MESSAGES_ARRIVING = 1;
/** Values and nesting of a message larger than a call, checked before it is decoded (importSnapshot has 9 and 3). */
export const MAX_LARGE_MESSAGE_VALUES = 32;
export const MAX_LARGE_MESSAGE_DEPTH = 8;
/** Calls one connection may have running at once; more get EBUSY instead of piling up. */
export const MAX_CALLS_IN_FLIGHT = 64;
/**
 * Calls whose answer may be large (a scan's record, an export, a diff: up to a byte a frame, 16 MiB
 * for a 64 GiB guest) running at once over the whole server; the others wait their turn. The
 * mapper worker answers faster than they can be sent, and its answers wait in memory.
 */
export const MAX_LARGE_ANSWERS_RUNNING = 2;

/**
 * Bytes sent to one client that its socket has not taken yet. A client that lets this much
 * pile up is dropped; a single reply larger than this is answered EMSGSIZE instead.
 */
export const MAX_QUEUED_BYTES_PER_CONNECTION = 64 * MiB;
/** While more than this is queued for a client, its next messages wait unread: it gets no more answers to not read. */
export const READ_PAUSE_QUEUED_BYTES = 1 * MiB;
/** The same over all clients together: past it, the clients with the most queued are dropped. */
export const MAX_QUEUED_BYTES_TOTAL = 256 * MiB;
/** A client with bytes queued whose socket takes none of them for this long is dropped; so is a large message that stops arriving for this long. */
export const STALL_TIMEOUT_MS = 10_000;
/** How often stalls are looked for. */
export const STALL_CHECK_MS = 1000;

/** Scans (and page-ins) one connection may have running: the UI runs one at a time. */
export const MAX_SCANS_PER_CONNECTION = 4;
/** Scans running on the whole server: each holds its frame codes (a byte a frame) until it ends. */
export const MAX_SCANS_TOTAL = 16;
/** Searches one connection may have running: the UI runs one at a time. */
export const MAX_SEARCHES_PER_CONNECTION = 2;
/** Searches running on the whole server: each copies every mapped frame it reads. */
export const MAX_SEARCHES_TOTAL = 8;

/** The limits a server runs with; tests and benchmarks may lower them. */
export interface ServerLimits {
  maxConnections: number;
  headersTimeoutMs: number;
  maxImportBytes: number;
  maxQueuedBytesPerConnection: number;
  maxQueuedBytesTotal: number;
  stallTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxConnections: MAX_CONNECTIONS,
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  maxImportBytes: MAX_IMPORT_BYTES,
  maxQueuedBytesPerConnection: MAX_QUEUED_BYTES_PER_CONNECTION,
  maxQueuedBytesTotal: MAX_QUEUED_BYTES_TOTAL,
  stallTimeoutMs: STALL_TIMEOUT_MS,
};

/** 65536 → "64 KiB", for error messages. */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}
