/**
 * glibc's allocator, from the outside. Freed memory below its trim threshold stays in its
 * arenas: a server that once held hundreds of MB of socket reads (each 64 KiB, scattered among
 * live blocks) keeps that RSS for good unless asked to give it back with malloc_trim. And
 * blocks of up to 32 MiB come from the arenas too once a mapped block that size was freed
 * (the threshold moves up by itself), unless the threshold is set.
 */
import koffi from 'koffi';

/** mallopt's parameter for the size from which a block gets a mapping of its own. */
const M_MMAP_THRESHOLD = -3;

interface Glibc {
  trim(pad: number): number;
  mallopt(param: number, value: number): number;
}

let glibc: Glibc | null | undefined;

function bind(): Glibc | null {
  if (glibc === undefined) {
    try {
      const lib = koffi.load('libc.so.6');
      const trim = lib.func('int malloc_trim(size_t pad)');
      const mallopt = lib.func('int mallopt(int param, int value)');
      glibc = { trim: (pad) => trim(pad) as number, mallopt: (param, value) => mallopt(param, value) as number };
    } catch {
      glibc = null; // musl and others: no malloc_trim, and they return memory on their own
    }
  }
  return glibc;
}

/** Returns the free memory of every arena to the kernel (malloc_trim(0)); false without glibc. */
export function releaseFreedMemory(): boolean {
  const g = bind();
  if (!g) return false;
  g.trim(0);
  return true;
}

/** Blocks of `bytes` and more get a mapping of their own, unmapped when freed; false without glibc. */
export function mapAllocationsFrom(bytes: number): boolean {
  const g = bind();
  return g !== null && g.mallopt(M_MMAP_THRESHOLD, bytes) === 1;
}
