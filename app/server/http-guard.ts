/**
 * Who may talk to the headless server, and the headers every answer carries: the per-start
 * token (query or cookie), the Host check against DNS rebinding and the Origin check of
 * WebSocket handshakes.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; " +
    "base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export const NOT_AUTHORISED = 'not authorised: open the URL framescope serve printed (it carries ?token=)';

/** Caller-chosen tokens: URL- and cookie-safe characters only, and not guessable in a hurry. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;

/** Compares candidates with the token in constant time. */
export function tokenMatcher(token: string): (candidate: string | null | undefined) => boolean {
  const tokenBytes = Buffer.from(token);
  return (candidate) => {
    if (candidate == null) return false;
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };
}

export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) out.push(part.slice(eq + 1).trim());
  }
  return out;
}

/** Path and query of a request target, the path left raw (still percent-encoded). */
export function splitTarget(target: string): { pathname: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  return q < 0
    ? { pathname: target, query: new URLSearchParams() }
    : { pathname: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function urlHost(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const HOST_HEADER = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;
/** Where a Host header names no port: plain HTTP's. */
const DEFAULT_HTTP_PORT = 80;

/**
 * The token cookie's name for a request: cookies ignore ports, so the name carries the port the
 * browser used (the Host header's: through an SSH tunnel, the tunnel's). Each framescope the
 * browser reaches on one host name then has a cookie of its own, and sees no other's.
 */
export const TOKEN_COOKIE_PREFIX = 'framescope_token_';

export function tokenCookieName(hostHeader: string | undefined): string {
  const port = HOST_HEADER.exec(hostHeader?.trim() ?? '')?.[2];
  return `${TOKEN_COOKIE_PREFIX}${port ? Number(port) : DEFAULT_HTTP_PORT}`;
}

/** Addresses that mean "every address of this host" once bound. */
export function isWildcardAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopbackAddress(address: string): boolean {
  const a = unbracket(address).toLowerCase();
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  return a === '::1' || (net.isIPv4(v4) && v4.startsWith('127.'));
}

/**
 * DNS rebinding: a page of evil.example that re-resolves its name to 127.0.0.1 reaches this
 * server, but its requests still say Host: evil.example. The port is not checked, because an
 * SSH tunnel may forward any local port here. `bound` are the names the server was asked to
 * listen on and the address it is bound to; bound to a wildcard address (however it was
 * spelled: 0, 0.0.0.0, ::), it is meant to be reached by the host's addresses, which cannot be
 * rebound: any IP literal is accepted.
 */
export function isAllowedHost(header: string | undefined, bound: readonly string[]): boolean {
  if (!header) return false;
  const m = HOST_HEADER.exec(header.trim());
  if (!m) return false;
  const name = m[1].toLowerCase();
  if (LOOPBACK_NAMES.has(name) || bound.some((b) => name === urlHost(unbracket(b).toLowerCase()))) return true;
  return bound.some(isWildcardAddress) && net.isIP(unbracket(name)) !== 0;
}

/**
 * Browsers send Origin on every WebSocket handshake, and a page cannot forge it. Our own page
 * has the origin of the Host it loaded from (already checked), whichever port a tunnel uses.
 */
export function isOwnOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host?.toLowerCase();
  return origin.toLowerCase() === `http://${host}` || origin.toLowerCase() === `https://${host}`;
}

export function sendText(res: http.ServerResponse, status: number, text: string): void {
  const body = `${text}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers a refused upgrade as plain HTTP, then drops the socket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, text: string): void {
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
