/** The built renderer's files, served without ever leaving their directory. */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { sendText } from './http-guard';

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

export async function realStaticDir(dir: string): Promise<string> {
  try {
    const real = await fs.promises.realpath(dir);
    if ((await fs.promises.stat(real)).isDirectory()) return real;
  } catch {
    // reported below
  }
  throw new Error(`staticDir ${dir} is not a directory: build the renderer first (npm run build)`);
}

/**
 * Serves one file of the renderer. Browsers normalise dot segments before sending, so a
 * request that still has them, encoded or not, is crafted: refuse it outright.
 */
export async function serveStatic(root: string, rawPath: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
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
