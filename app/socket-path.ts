import fs from 'node:fs';
import path from 'node:path';

/** Where a privileged `framescope serve --unix` listens by default, and where clients look. */
export const DEFAULT_SOCKET_PATH = '/run/framescope/framescope.sock';

/** sockaddr_un's sun_path on Linux: 108 bytes, the terminating NUL included. */
export const SUN_PATH_BYTES = 108;

/** A path the kernel would not bind as given: too long (it would be cut short), or with a NUL. */
export function socketPathTooLong(socketPath: string): string | null {
  const bytes = Buffer.byteLength(socketPath);
  if (socketPath.includes('\0')) return `${JSON.stringify(socketPath)}: a socket path cannot hold a NUL byte`;
  if (bytes + 1 > SUN_PATH_BYTES) {
    return `${socketPath} is ${bytes} bytes; a Unix socket's path is at most ${SUN_PATH_BYTES - 1} ` +
      `(sun_path holds ${SUN_PATH_BYTES} with its NUL): choose a shorter one`;
  }
  return null;
}

/** Why a socket cannot be created at `socketPath` for want of its directory, if that is why. */
export function socketDirectoryProblem(socketPath: string): NodeJS.ErrnoException | null {
  const dir = path.dirname(path.resolve(socketPath));
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return null; // EACCES and the like: bind says it best
    return Object.assign(new Error(`cannot listen on ${socketPath}: the directory ${dir} does not exist (ENOENT)`), { code: 'ENOENT' });
  }
  if (!stat.isDirectory()) {
    return Object.assign(new Error(`cannot listen on ${socketPath}: ${dir} is not a directory (ENOTDIR)`), { code: 'ENOTDIR' });
  }
  return null;
}
