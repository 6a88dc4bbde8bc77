/*
 * privcmd_sim: an emulator of Linux's /dev/xen/privcmd on a simulated Xen host.
 *
 * framescope loads this library with koffi in place of libc: the device calls below have
 * libc's signatures under a "sim_" prefix, so the binding runs the same code on both.
 * The behaviour follows shared/reference/privcmd-semantics.md; sim_host_* and friends are
 * the control API that builds the simulated host and turns the test knobs.
 */
#ifndef PRIVCMD_SIM_H
#define PRIVCMD_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- device calls: libc's signatures; non-emulated fds and paths go to libc ---- */
int sim_open(const char *path, int flags);
int sim_close(int fd);
int sim_ioctl(int fd, unsigned long request, void *arg);
void *sim_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int sim_munmap(void *addr, size_t len);
void *sim_memcpy(void *dst, const void *src, size_t n);
int sim_mlock(const void *addr, size_t len);
int sim_munlock(const void *addr, size_t len);

/* ---- the simulated host ---- */
enum sim_frame_kind {
    SIM_RAM = 0,       /* maps, may page out */
    SIM_HOLE = 1,      /* -EINVAL: no page there (VGA hole, PCI hole, past RAM) */
    SIM_BALLOONED = 2, /* -EINVAL: ballooned out */
    SIM_PERM = 3,      /* -EPERM: PV guest pfn this caller may not map */
    SIM_BUSY = 4,      /* -EBUSY */
    SIM_NOMEM = 5,     /* -ENOMEM: un-sharing a shared page failed */
    SIM_PAGED = 6      /* RAM that starts paged out (layout only; stored as RAM + paged) */
};

enum sim_domain_type { SIM_HVM = 0, SIM_PVH = 1, SIM_PV = 2 };

/* How a PV guest publishes its p2m in its shared info (arch_shared_info). */
enum sim_p2m_form {
    SIM_P2M_NONE = 0, /* not published: pfn_to_mfn_frame_list_list and p2m_cr3 are 0; frame
                         numbers then answer by the layout, number for number */
    SIM_P2M_LIST = 1, /* the virtually mapped list (p2m_cr3, p2m_vaddr); the tree field ~0 */
    SIM_P2M_TREE = 2, /* the 3-level frame-list tree only (pfn_to_mfn_frame_list_list) */
    SIM_P2M_BOTH = 3, /* both, as Linux publishes them */
};

/* A p2m built to break its reader, for tests. */
enum sim_p2m_hostile {
    SIM_P2M_SOUND = 0,
    SIM_P2M_LOOP = 1,         /* list: an L2 entry points back at the L3 table; tree: the
                                 frame-list list names itself as a frame list */
    SIM_P2M_OUT_OF_RANGE = 2, /* p2m entries past 2^40, and into memory the guest does not own */
    SIM_P2M_BAD_TABLE = 3,    /* list: the L3 entry names a frame the guest does not own;
                                 tree: so does the first frame-list entry */
    SIM_P2M_BAD_VADDR = 4,    /* p2m_vaddr is not a canonical address */
    SIM_P2M_IN_PROGRESS = 5,  /* p2m_generation stays odd: an update never ends */
    SIM_P2M_HUGE = 6,         /* max_pfn claims 2^40 frames */
};
#define SIM_P2M_HOSTILE_MAX SIM_P2M_HUGE
/* A PV guest's pfns and its p2m pages stay below this many frames (64 GiB). */
#define SIM_PV_FRAMES_MAX (1ULL << 24)

typedef struct sim_domain_info {
    uint32_t domid;
    uint32_t type;
    uint64_t frames;          /* maximum gpfn + 1 */
    uint64_t target_kib;      /* memory/target */
    uint64_t static_max_kib;  /* memory/static-max */
    uint64_t ram_frames;
    uint64_t paged_frames;    /* paged out or being paged in */
    uint64_t pending_pageins;
    char name[64];
} sim_domain_info_t;

typedef struct sim_stats {
    uint64_t open_fds;
    uint64_t live_vmas;
    uint64_t mapped_pages;     /* foreign frames currently mapped in live VMAs */
    uint64_t mmapbatch_calls;
    uint64_t pagein_requests;  /* page-ins started by mapping a paged frame */
    uint64_t pagein_dropped;   /* requests dropped because the paging ring was full */
    uint64_t pageouts;
    uint64_t pageins;          /* page-ins completed */
    uint64_t mmapbatch_v1_calls; /* of mmapbatch_calls, those through the V1 ioctl */
} sim_stats_t;

/* Empties the host (closing nothing: live fds and VMAs keep working on an empty host). */
int sim_host_reset(uint64_t seed);
/* The built-in default host, modelled on shared/reference/real-layouts. */
int sim_host_load_default(uint64_t seed);
int sim_host_shutdown(void);

int sim_domain_add(uint32_t domid, const char *name, uint32_t type, uint64_t frames,
                   uint64_t target_kib, uint64_t static_max_kib);
int sim_domain_set_range(uint32_t domid, uint64_t first, uint64_t last, uint32_t kind);
int sim_domain_set_paging(uint32_t domid, double out_per_s, double in_per_s,
                          uint32_t latency_min_ms, uint32_t latency_max_ms,
                          double initial_paged_fraction, double max_paged_fraction,
                          uint32_t ring_size);
int sim_domain_plant(uint32_t domid, uint64_t gfn, uint32_t offset, const uint8_t *bytes,
                     uint32_t len);
/* Publishes a PV guest's p2m in the given form (its layout decides the entries). */
int sim_domain_set_p2m(uint32_t domid, uint32_t form, uint32_t hostile);
/* The machine frame a PV guest's pfn lives in, or -1 with errno EINVAL when its p2m entry
 * is invalid (and ESRCH / EINVAL for no such PV guest or pfn). For tests. */
int64_t sim_domain_mfn(uint32_t domid, uint64_t pfn);
int sim_domain_destroy(uint32_t domid);
int sim_domain_count(void);
int sim_domain_info(int index, sim_domain_info_t *out);
/* Kind (low 3 bits) and paging state (bits 3-4: 0 resident, 1 paged, 2 paging in) of one
 * frame, or -1 with errno ESRCH / EINVAL. For tests. */
int sim_frame_state(uint32_t domid, uint64_t gfn);
int sim_page_out(uint32_t domid, uint64_t gfn);

/* Knobs, by name (see sim_knobs in sim_device.c): no_v2, v2_errno, v1_quirk, enoent_rule,
 * efault_at_call, destroy_domid, destroy_after_calls, eperm, open_errno, alias_2_40,
 * self_domid, domctl_version. */
int sim_set_knob(const char *name, int64_t value);
int64_t sim_get_knob(const char *name);

/* Clock: 0 real time (a paging daemon thread runs), 1 stepped (time moves only in
 * sim_clock_advance, so a test sees every transition deterministically). */
int sim_clock_set_mode(int stepped);
int sim_clock_advance(uint64_t ms);
uint64_t sim_clock_now_ms(void);

int sim_stats(sim_stats_t *out);

/* ABI the library was built with: sizes, offsets and ioctl numbers by name, -1 if unknown. */
int64_t sim_abi_value(const char *name);
/* "xen" when built against Xen's <xen/sys/privcmd.h>, "framescope" otherwise. */
const char *sim_abi_source(void);

#endif
