/**
 * Giving memory back once a burst of work is over. What clients leave behind (messages they
 * sent, answers they never read, snapshots they opened) is garbage until V8 next collects,
 * which an idle process may not do for a long time; and what V8 frees (on a background thread,
 * a little after the collection), glibc keeps in its arenas until asked. So the server collects
 * once a burst is over and trims now and then, and large blocks get mappings of their own:
 * memory returns to its idle level.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

import { mapAllocationsFrom } from '../native/malloc';

export { releaseFreedMemory } from '../native/malloc';

/**
 * Garbage (messages read, answers sent, queues dropped) that makes a burst worth collecting
 * after: a 64 GiB guest's record. A full collection of the server's heap takes milliseconds.
 */
export const RECLAIM_AFTER_BYTES = 16 * 1024 * 1024;
/**
 * Blocks from this size on are mapped, and unmapped when freed: scan records and the answers
 * made of them. Smaller ones (a search's 1 MiB reads) stay in the arenas, where reuse is cheap.
 */
const OWN_MAPPING_BYTES = 4 * 1024 * 1024;

let collect: (() => void) | null | undefined;

/**
 * V8's own full collection. Node gives it only to processes started with --expose-gc; the flag
 * set now exposes it to contexts created from now on, such as this one (in whichever thread
 * asks: each has its own heap).
 */
function fullCollection(): (() => void) | null {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const gc: unknown = vm.runInNewContext('gc');
      collect = typeof gc === 'function' ? () => (gc as () => void)() : null;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** Collects this thread's garbage now. */
export function collectGarbage(): void {
  fullCollection()?.();
}

/** For a long-running process: large blocks get mappings of their own (once per process). */
let tuned = false;
export function tuneAllocator(): void {
  if (tuned) return;
  tuned = true;
  mapAllocationsFrom(OWN_MAPPING_BYTES);
}
