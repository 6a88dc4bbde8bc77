import type { ChildProcess } from 'node:child_process';

/**
 * The URL a starting `framescope serve` (or `npm start` falling back to it) prints; rejects,
 * with what it said on stderr, if it exits first.
 */
export function servedUrl(child: ChildProcess, what = 'framescope serve'): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.stderr?.on('data', (d) => (err += d));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${err}`)));
  });
}
