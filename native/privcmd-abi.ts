/**
 * The Linux privcmd ABI (include/uapi/xen/privcmd.h) as koffi types. Every struct is declared
 * once here; the ioctl numbers are derived from the structs' sizes with _IOC, as the C header
 * does, and test/native/privcmd-abi.test.ts checks both against the header the emulator was
 * built with.
 */
import koffi from 'koffi';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

export const domid_t = koffi.alias('domid_t', 'uint16_t');
export const xen_pfn_t = koffi.alias('xen_pfn_t', 'uint64_t');

export const privcmd_hypercall = koffi.struct('privcmd_hypercall', {
  op: 'uint64_t',
  arg: koffi.array('uint64_t', 5),
});

export const privcmd_mmapbatch = koffi.struct('privcmd_mmapbatch', {
  num: 'int',
  dom: 'domid_t',
  addr: 'uint64_t',
  arr: 'xen_pfn_t *', // gfns in; failed entries come back OR-ed with an error nibble
});

export const privcmd_mmapbatch_v2 = koffi.struct('privcmd_mmapbatch_v2', {
  num: 'unsigned int',
  dom: 'domid_t',
  addr: 'uint64_t',
  arr: 'const xen_pfn_t *',
  err: 'int *', // one errno per frame, 0 when mapped
});

// include/uapi/asm-generic/ioctl.h
const _IOC_NRSHIFT = 0;
const _IOC_TYPESHIFT = 8;
const _IOC_SIZESHIFT = 16;
const _IOC_DIRSHIFT = 30;
export const _IOC_NONE = 0;

export function _IOC(dir: number, type: string, nr: number, size: number): number {
  // >>> 0 keeps the number unsigned: dir lands in bit 30-31
  return ((dir << _IOC_DIRSHIFT) | (size << _IOC_SIZESHIFT) |
    (type.charCodeAt(0) << _IOC_TYPESHIFT) | (nr << _IOC_NRSHIFT)) >>> 0;
}

export const IOCTL_PRIVCMD_HYPERCALL = _IOC(_IOC_NONE, 'P', 0, koffi.sizeof(privcmd_hypercall));
export const IOCTL_PRIVCMD_MMAPBATCH = _IOC(_IOC_NONE, 'P', 3, koffi.sizeof(privcmd_mmapbatch));
export const IOCTL_PRIVCMD_MMAPBATCH_V2 = _IOC(_IOC_NONE, 'P', 4, koffi.sizeof(privcmd_mmapbatch_v2));
export const IOCTL_PRIVCMD_RESTRICT = _IOC(_IOC_NONE, 'P', 6, koffi.sizeof(domid_t));

/** V1 reports a failed frame by OR-ing one of these into bits 28-31 of its arr entry. */
export const PRIVCMD_MMAPBATCH_MFN_ERROR = 0xf0000000;
export const PRIVCMD_MMAPBATCH_PAGED_ERROR = 0x80000000;
/** Because the nibble lives in bits 28-31, V1 cannot describe frames at or above this. */
export const V1_GFN_LIMIT = 2 ** 28;

/** The driver remaps in blocks of this many frames while holding the mmap write lock. */
export const PRIVCMD_REMAP_BLOCK = 512;

// xen/include/public/xen.h and memory.h
export const __HYPERVISOR_memory_op = 12;
export const XENMEM_maximum_gpfn = 14;
