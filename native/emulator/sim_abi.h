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
/* domctl.h is for "node control tools" only: it asks for this before it may be included */
#define __XEN_TOOLS__ 1
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/domctl.h>
#include <xen/sys/privcmd.h>
#define SIM_ABI_SOURCE "xen"
#define SIM_HAVE_XEN_DOMCTL 1
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
#define __HYPERVISOR_domctl 36
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_maximum_gpfn 14
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMINF_hvm_guest (1U << 1)
#define XEN_DOMINF_running (1U << 5)
#define XEN_X86_EMU_LAPIC (1U << 0)
#define XEN_X86_EMU_PIC (1U << 5)
#define XEN_X86_EMU_VPCI (1U << 10)
#define XEN_X86_EMU_ALL 0x7ffU
#define SIM_ABI_SOURCE "framescope"
#endif

/*
 * struct xen_domctl and its XEN_DOMCTL_getdomaininfo answer, by offset: the emulator answers
 * for one configured interface version, which need not be the installed header's. Offsets
 * from xen/include/public/domctl.h of Xen 4.14-4.22 (x86_64); only arch_config moved (4.16
 * added gpaddr_bits before it). When Xen's header is installed, sim_device.c checks these
 * against it at compile time.
 */
#define SIM_DOMCTL_SIZE 144
#define SIM_DOMCTL_CMD 0
#define SIM_DOMCTL_INTERFACE_VERSION 4
#define SIM_DOMCTL_DOMAIN 8
#define SIM_DOMCTL_U 16
#define SIM_GDI_DOMAIN 0
#define SIM_GDI_FLAGS 4
#define SIM_GDI_TOT_PAGES 8
#define SIM_GDI_MAX_PAGES 16
#define SIM_GDI_SHARED_INFO_FRAME 48
#define SIM_GDI_NR_ONLINE_VCPUS 64
#define SIM_GDI_GPADDR_BITS 96                /* from interface version 0x14 (Xen 4.16) */
#define SIM_GDI_ARCH_CONFIG_OLD 96            /* 0x12, 0x13 (Xen 4.14, 4.15) */
#define SIM_GDI_ARCH_CONFIG 104               /* 0x14 on */
#define SIM_DOMCTL_VERSION_GPADDR_BITS 0x14
/* From 0x16 (Xen 4.18) on, getdomaininfo of a missing domain answers ESRCH; before, it
 * answered the next domain with a higher id (tools compare the id they get back). */
#define SIM_DOMCTL_VERSION_EXACT_DOMAIN 0x16
#define SIM_DOMID_FIRST_RESERVED 0x7ff0U
#define SIM_DOMID_SELF 0x7ff0U

/* struct shared_info of an x86_64 guest: where arch_shared_info's p2m anchors lie. */
#define SIM_SHINFO_MAX_PFN 3088
#define SIM_SHINFO_FRAME_LIST_LIST 3096
#define SIM_SHINFO_P2M_CR3 3112
#define SIM_SHINFO_P2M_VADDR 3120
#define SIM_SHINFO_P2M_GENERATION 3128

#define SIM_PAGE_SIZE 4096UL
#define SIM_PAGE_SHIFT 12
#define SIM_DOMID_INVALID 0x7ff4U

#endif
