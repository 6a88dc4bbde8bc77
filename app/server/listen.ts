/** Binding the server: a TCP address, or a Unix socket opened only to its owner and group. */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

import { socketDirectoryProblem, socketPathTooLong } from '../socket-path';

export function listenTcp(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Listens on a Unix socket created with no permissions for anyone but its owner, then opened
 * to the group: no moment in which others may connect. A stale socket left by a server that
 * died is replaced; a live one is an error. A path longer than sun_path is refused (the kernel
 * would bind it cut short), and a missing directory is said to be one (bind says EACCES).
 */
export async function listenUnix(server: http.Server, socketPath: string, mode: number, gid: number | undefined): Promise<void> {
  const tooLong = socketPathTooLong(socketPath);
  if (tooLong) throw Object.assign(new Error(tooLong), { code: 'ENAMETOOLONG' });
  const noDirectory = socketDirectoryProblem(socketPath);
  if (noDirectory) throw noDirectory;
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
