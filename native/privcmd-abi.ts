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
export const __HYPERVISOR_domctl = 36;
export const XENMEM_current_reservation = 3;
export const XENMEM_maximum_reservation = 4;
export const XENMEM_maximum_gpfn = 14;
/** The caller's own domain, where a domid is expected (memory_op takes it). */
export const DOMID_SELF = 0x7ff0;

// xen/include/public/domctl.h: not a stable ABI. Each release may change it and bumps
// XEN_DOMCTL_INTERFACE_VERSION; Xen answers any other version with EACCES.
export const XEN_DOMCTL_getdomaininfo = 5;
export const XEN_DOMINF_dying = 1 << 0;
export const XEN_DOMINF_hvm_guest = 1 << 1;
/** arch_config.emulation_flags: HVM guests have an emulated PIC, PVH guests do not. */
export const XEN_X86_EMU_PIC = 1 << 5;

/** struct xen_domctl (x86_64), by offset: the same from Xen 4.14 to 4.22. */
export const XEN_DOMCTL_LAYOUT = { size: 144, cmd: 0, interfaceVersion: 4, domain: 8, u: 16 } as const;
/** struct xen_domctl_getdomaininfo, by offset inside xen_domctl.u; arch_config moves. */
export const GETDOMAININFO_LAYOUT = { domain: 0, flags: 4, totPages: 8, maxPages: 16, sharedInfoFrame: 48 } as const;

export interface DomctlInterface {
  version: number;
  /** The Xen releases that speak it. */
  releases: string;
  /** Offset of getdomaininfo's arch_config (4.16 put gpaddr_bits before it). */
  archConfig: number;
}

/** Newest first, read off xen/include/public/domctl.h at each release tag (x86_64). */
export const DOMCTL_INTERFACES: readonly DomctlInterface[] = [
  { version: 0x18, releases: '4.22', archConfig: 104 },
  { version: 0x17, releases: '4.19-4.21', archConfig: 104 },
  { version: 0x16, releases: '4.18', archConfig: 104 },
  { version: 0x15, releases: '4.17', archConfig: 104 },
  { version: 0x14, releases: '4.16', archConfig: 104 },
  { version: 0x13, releases: '4.15', archConfig: 96 },
  { version: 0x12, releases: '4.14', archConfig: 96 },
];

/** struct shared_info of an x86_64 guest: where arch_shared_info keeps the p2m anchors. */
export const SHARED_INFO_LAYOUT = {
  maxPfn: 3088,
  frameListList: 3096,
  p2mCr3: 3112,
  p2mVaddr: 3120,
  p2mGeneration: 3128,
} as const;
