/**
 * The system calls framescope makes, bound with koffi either to libc or to the privcmd
 * emulator, which exports the same functions under a "sim_" prefix. The prototypes below are
 * the only ones in the project; everything above this file is identical on both.
 */
import koffi, { type LibraryHandle } from 'koffi';

import { errnoMessage, errnoName } from './frame-result';

import './privcmd-abi'; // registers the struct names used in the prototypes

// Linux's generic values (identical on x86_64 and arm64).
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FAILED = 0xffffffffffffffffn;

export const errno = koffi.os.errno as Readonly<Record<string, number>>;

export interface MmapBatchV1 {
  num: number;
  dom: number;
  addr: bigint;
  arr: bigint;
}

export interface MmapBatchV2 extends MmapBatchV1 {
  err: bigint;
}

export interface Hypercall {
  op: bigint;
  arg: bigint[];
}

/** Where a pointer is expected: a native address or a JS buffer koffi passes in place. */
export type Memory = bigint | Uint8Array | Uint16Array | Int32Array | BigUint64Array;

export interface Syscalls {
  readonly provider: 'libc' | 'emulator';
  open(path: string, flags: number): number;
  close(fd: number): number;
  ioctlMmapBatch(fd: number, request: number, arg: MmapBatchV1): number;
  ioctlMmapBatchV2(fd: number, request: number, arg: MmapBatchV2): number;
  ioctlHypercall(fd: number, request: number, arg: Hypercall): number;
  ioctlRestrict(fd: number, request: number, domid: Uint16Array): number;
  /** ioctl with a struct the caller encoded itself: no koffi struct conversion per call. */
  ioctlRaw(fd: number, request: number, arg: Uint8Array): number;
  mmap(addr: bigint | null, length: number, prot: number, flags: number, fd: number, offset: number): bigint;
  munmap(addr: bigint, length: number): number;
  memcpy(dst: Memory, src: Memory, n: number): bigint;
  mlock(addr: bigint, length: number): number;
  munlock(addr: bigint, length: number): number;
  /** errno as the last call on this thread left it. */
  errno(): number;
  /** Sets errno: a call that succeeds leaves it as it was. */
  setErrno(value: number): void;
}

export function bindSyscalls(lib: LibraryHandle, provider: Syscalls['provider']): Syscalls {
  const p = provider === 'emulator' ? 'sim_' : '';
  const fn = (proto: string) => lib.func(proto.replace('%', p));
  // ioctl is variadic: one fixed prototype per request struct.
  const ioctlV1 = fn('int %ioctl(int fd, unsigned long request, const privcmd_mmapbatch *arg)');
  const ioctlV2 = fn('int %ioctl(int fd, unsigned long request, const privcmd_mmapbatch_v2 *arg)');
  const ioctlHypercall = fn('int %ioctl(int fd, unsigned long request, const privcmd_hypercall *arg)');
  const ioctlRestrict = fn('int %ioctl(int fd, unsigned long request, const domid_t *arg)');
  const ioctlRaw = fn('int %ioctl(int fd, unsigned long request, void *arg)');
  const open = fn('int %open(const char *path, int flags)');
  const close = fn('int %close(int fd)');
  const mmap = fn('void *%mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
  const munmap = fn('int %munmap(void *addr, size_t length)');
  const memcpy = fn('void *%memcpy(void *dst, const void *src, size_t n)');
  const mlock = fn('int %mlock(const void *addr, size_t length)');
  const munlock = fn('int %munlock(const void *addr, size_t length)');
  return {
    provider,
    open: (path, flags) => open(path, flags),
    close: (fd) => close(fd),
    ioctlMmapBatch: (fd, request, arg) => ioctlV1(fd, request, arg),
    ioctlMmapBatchV2: (fd, request, arg) => ioctlV2(fd, request, arg),
    ioctlHypercall: (fd, request, arg) => ioctlHypercall(fd, request, arg),
    ioctlRestrict: (fd, request, domid) => ioctlRestrict(fd, request, domid),
    ioctlRaw: (fd, request, arg) => ioctlRaw(fd, request, arg),
    // koffi 3 hands pointers over as BigInt; a failed mmap returns MAP_FAILED, i.e. (void *)-1
    mmap: (addr, length, prot, flags, fd, offset) => BigInt.asUintN(64, mmap(addr, length, prot, flags, fd, offset) ?? 0n),
    munmap: (addr, length) => munmap(addr, length),
    memcpy: (dst, src, n) => memcpy(dst, src, n),
    mlock: (addr, length) => mlock(addr, length),
    munlock: (addr, length) => munlock(addr, length),
    errno: () => koffi.errno(),
    setErrno: (value) => void koffi.errno(value),
  };
}

let libc: Syscalls | undefined;

export function loadLibc(): Syscalls {
  libc ??= bindSyscalls(koffi.load('libc.so.6'), 'libc');
  return libc;
}

export { errnoMessage, errnoName };

/** A system call failed; `errno` says why. */
export class SyscallError extends Error {
  readonly code: string;

  constructor(readonly call: string, readonly errno: number, detail?: string) {
    super(`${call}${detail ? ` (${detail})` : ''}: ${errnoName(errno)} (${errnoMessage(errno)})`);
    this.name = 'SyscallError';
    this.code = errnoName(errno);
  }
}
