/**
 * Search throughput: MB/s of guest memory framescope searches (mapping the frames through the
 * emulated privcmd, copying them out, looking for the pattern) against `grep -c -F` over the
 * same bytes written to a file and already in the page cache, both measured here, now.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { loadEmulator } from '../native/emulator';
import { PrivcmdFrameSource } from '../app/privcmd-source';
import { CODE_MAPPED } from '../app/frame-status';
import { parsePattern, searchFrames, SEARCH_BATCH } from '../app/search';

const DOMAIN = 3; // web-01
const FIRST = 0;
const LAST = 0x7ffff; // its RAM: 2 GiB of gfns, about 1.8 GB mapped
const NEEDLE = 'framescope-bench-needle'; // absent: every byte is searched
const ROUNDS = 3;

export interface SearchBenchResult {
  bytes: number;
  framescopeMBps: number;
  grepMBps: number;
  ratio: number;
}

export async function benchSearch(log: (line: string) => void): Promise<SearchBenchResult> {
  const emu = loadEmulator();
  emu.setClockMode('stepped');
  emu.loadDefaultHost(1);
  const source = await PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    description: { backend: 'sim', simulated: true, description: 'bench' },
    listDomains: async () => [],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fs-search-bench-'));
  const file = path.join(dir, 'mapped-frames.bin');
  try {
    // the same bytes framescope searches: every mapped frame of the range, in order
    const fd = fs.openSync(file, 'w');
    let bytes = 0;
    for (let gfn = FIRST; gfn <= LAST; gfn += SEARCH_BATCH) {
      const count = Math.min(SEARCH_BATCH, LAST - gfn + 1);
      const r = await source.mapFrames(DOMAIN, gfn, count, { mode: 'observe', copy: true });
      for (let i = 0; i < count; i++) {
        if (r.codes[i] !== CODE_MAPPED) continue;
        fs.writeSync(fd, r.contents!, i * 4096, 4096);
        bytes += 4096;
      }
    }
    fs.closeSync(fd);

    const pattern = parsePattern({ text: NEEDLE });
    const ours: number[] = [];
    const grep: number[] = [];
    spawnSync('grep', ['-c', '-a', '-F', NEEDLE, file]); // into the page cache
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const summary = await searchFrames(source, { domain: DOMAIN, first: FIRST, last: LAST, pattern });
      const seconds = (performance.now() - started) / 1000;
      if (summary.bytesSearched !== bytes || summary.hits !== 0) throw new Error(`search covered ${summary.bytesSearched} bytes, the file ${bytes}`);
      ours.push(bytes / 1e6 / seconds);
      const t = performance.now();
      const g = spawnSync('grep', ['-c', '-a', '-F', NEEDLE, file], { encoding: 'utf8' });
      grep.push(bytes / 1e6 / ((performance.now() - t) / 1000));
      if (g.stdout.trim() !== '0') throw new Error(`grep found the needle: ${g.stdout}`);
    }
    const best = (v: number[]) => Math.max(...v);
    const result = { bytes, framescopeMBps: best(ours), grepMBps: best(grep), ratio: best(ours) / best(grep) };
    log(`search ${(bytes / 1e9).toFixed(2)} GB of mapped frames: framescope ${result.framescopeMBps.toFixed(0)} MB/s, ` +
      `grep -c ${result.grepMBps.toFixed(0)} MB/s (file in page cache), ratio ${result.ratio.toFixed(2)}`);
    return result;
  } finally {
    await source.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
