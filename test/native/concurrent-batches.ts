/** Worker for the emulator's thread-safety test: many batches, each checked against the layout. */
import { parentPort, workerData } from 'node:worker_threads';

import { loadEmulator } from '../../native/emulator';
import { PrivcmdDevice } from '../../native/privcmd-device';
import { errno } from '../../native/syscalls';
import { LAYOUT, TEST_DOMID } from '../fakes/emulator-host';

async function run(): Promise<void> {
  const { seed, batches } = workerData as { seed: number; batches: number };
  const dev = PrivcmdDevice.open(loadEmulator().syscalls);
  const bad: string[] = [];
  let done = 0;
  try {
    for (let b = 0; b < batches; b++) {
      const first = ((b * 97 + seed * 31) % 0x180) + 0xc0;
      const gfns = BigUint64Array.from({ length: 256 }, (_, i) => BigInt(first + i));
      const r = await dev.mapBatch(TEST_DOMID, gfns, { copy: b % 3 === 0 });
      r.codes.forEach((code, i) => {
        const g = first + i;
        const inRam = g < LAYOUT.hole[0] || g > LAYOUT.enomem[1];
        const ok = inRam ? code === 0 || code === errno.ENOENT : code !== 0 && code !== errno.ENOENT;
        if (!ok && bad.length < 10) bad.push(`gfn 0x${g.toString(16)}: ${code}`);
      });
      done++;
    }
  } finally {
    dev.close();
  }
  parentPort!.postMessage({ batches: done, bad });
}

void run();
