/*
 * The privcmd ABI the emulator implements. Xen's own header (Debian's libxen-dev installs it
 * as <xen/sys/privcmd.h>) is the authority when present; otherwise the definitions below,
 * transcribed from Linux include/uapi/xen/privcmd.h, stand in. The library reports which
 * one it was built with and the resulting layout (sim_abi_value), and a test compares that
 * with the koffi structs of native/privcmd-abi.ts.
 */
#ifndef SIM_ABI_H
#define SIM_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>

#if __has_include(<xen/sys/privcmd.h>) && !defined(SIM_WITHOUT_XEN_HEADER)
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/sys/privcmd.h>
#define SIM_ABI_SOURCE "xen"
#else
#include <linux/types.h>

typedef uint16_t domid_t;
typedef uint64_t xen_pfn_t;

typedef struct privcmd_hypercall {
    __u64 op;
    __u64 arg[5];
} privcmd_hypercall_t;

typedef struct privcmd_mmapbatch {
    int num;
    domid_t dom;
    __u64 addr;
    xen_pfn_t *arr;
} privcmd_mmapbatch_t;

typedef struct privcmd_mmapbatch_v2 {
    unsigned int num;
    domid_t dom;
    __u64 addr;
    const xen_pfn_t *arr;
    int *err;
} privcmd_mmapbatch_v2_t;

#define PRIVCMD_MMAPBATCH_MFN_ERROR 0xf0000000U
#define PRIVCMD_MMAPBATCH_PAGED_ERROR 0x80000000U

#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(privcmd_hypercall_t))
#define IOCTL_PRIVCMD_MMAPBATCH _IOC(_IOC_NONE, 'P', 3, sizeof(privcmd_mmapbatch_t))
#define IOCTL_PRIVCMD_MMAPBATCH_V2 _IOC(_IOC_NONE, 'P', 4, sizeof(privcmd_mmapbatch_v2_t))
#define IOCTL_PRIVCMD_RESTRICT _IOC(_IOC_NONE, 'P', 6, sizeof(domid_t))

#define __HYPERVISOR_memory_op 12
#define XENMEM_maximum_gpfn 14
#define SIM_ABI_SOURCE "framescope"
#endif

#define SIM_PAGE_SIZE 4096UL
#define SIM_PAGE_SHIFT 12
#define SIM_DOMID_INVALID 0x7ff4U

#endif
