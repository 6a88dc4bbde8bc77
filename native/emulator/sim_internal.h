/* Internals shared by the host model (sim_host.c) and the device (sim_device.c). */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privcmd_sim.h"

/* Frame state byte: kind in bits 0-2, paging state in bits 3-4, "has planted bytes" in bit 7. */
#define FS_KIND_MASK 0x07
#define FS_PAGING_SHIFT 3
#define FS_PAGING_MASK (0x03 << FS_PAGING_SHIFT)
#define FS_RESIDENT 0
#define FS_PAGED 1
#define FS_PAGING_IN 2
#define FS_PLANTED 0x80

/* Regions of this many frames map consecutive pages of the content pool, so that one mmap
 * call maps a whole run of them. */
#define POOL_REGION_FRAMES 64

typedef struct sim_pending {
    uint64_t gfn;
    uint64_t ready_ms;
} sim_pending_t;

typedef struct sim_plant {
    uint64_t gfn;
    uint32_t offset;
    uint32_t len;
    uint8_t *bytes;
} sim_plant_t;

typedef struct sim_run {
    uint64_t first;
    uint64_t count;
    uint64_t ram_before; /* RAM frames in earlier runs: lets a random RAM index find its gfn */
} sim_run_t;

/*
 * A PV guest's machine frames and the p2m it publishes (sim_pv.c). Its RAM pfns live in a
 * region of machine frames of its own, shuffled within blocks of 64 so that pfn and mfn differ;
 * after the region come the pages of the p2m itself ("meta" pages: shared info, page tables,
 * frame lists, p2m pages), whose content is generated when they are mapped.
 */
typedef struct sim_pv {
    uint64_t mfn_base;   /* first machine frame of the guest's region */
    uint64_t region;     /* machine frames for RAM pfns: frames rounded up to 64 */
    uint32_t form;       /* enum sim_p2m_form */
    uint32_t hostile;    /* enum sim_p2m_hostile */
    uint64_t generation; /* p2m_generation: +2 for every layout change */
    uint64_t n_p2m;      /* p2m pages: 512 entries each */
    uint64_t n_fl;       /* frame-list pages of the 3-level tree */
    uint64_t n_l1;       /* L1 page tables mapping the linear p2m list */
} sim_pv_t;

typedef struct sim_domain {
    uint32_t domid;
    uint32_t type;
    char name[64];
    uint64_t frames;
    uint64_t target_kib;
    uint64_t static_max_kib;
    uint8_t *state;
    bool destroyed;

    uint64_t ram_frames;
    uint64_t paged_frames; /* paged out or being paged in */
    sim_run_t *ram_runs;   /* rebuilt lazily after layout changes */
    size_t n_ram_runs;
    bool ram_runs_dirty;

    /* The paging daemon (xenpaging): rates in frames per second; carries keep the
     * fractional part between ticks so that low rates still page. */
    double out_per_s, in_per_s, out_carry, in_carry;
    uint32_t latency_min_ms, latency_max_ms;
    double max_paged_fraction;
    uint32_t ring_size; /* Xen's paging request ring: requests past it are dropped */
    sim_pending_t *pending;
    size_t n_pending, cap_pending;
    uint64_t *paged_list; /* candidates for spontaneous page-in; stale entries skipped */
    size_t n_paged_list, cap_paged_list;
    uint64_t rng;
    uint64_t last_ms;

    sim_plant_t *plants;
    size_t n_plants;
    uint64_t batch_calls; /* counted for the destroy_after_calls knob */

    uint64_t populated_frames; /* frames with a page (any kind but hole and ballooned) */
    sim_pv_t *pv;              /* PV guests only */
} sim_domain_t;

typedef struct sim_knobs {
    int64_t no_v2;
    int64_t v2_errno;
    int64_t v1_quirk;
    int64_t enoent_rule; /* 0: ENOENT when the last frame of a 512-frame block is paged (real
                            PV dom0); 1: ENOENT when any frame is paged (documented rule) */
    int64_t efault_after_calls; /* -1 off; else that many calls succeed, the next gets EFAULT */
    int64_t destroy_domid;
    int64_t destroy_after_calls; /* -1 off */
    int64_t eperm;
    int64_t open_errno;
    int64_t alias_2_40;
    int64_t self_domid;     /* the domain the caller runs in (-1: none): mapping it is ESRCH */
    int64_t domctl_version; /* the XEN_DOMCTL_INTERFACE_VERSION this hypervisor accepts */
} sim_knobs_t;

typedef struct sim_host {
    pthread_mutex_t lock;
    uint64_t seed;
    sim_domain_t **domains;
    size_t n_domains, cap_domains;

    int pool_fd;
    uint32_t pool_pages;
    uint8_t *pool; /* the pool's pages, mapped once for building planted frames */

    int stepped;
    uint64_t virtual_ms;
    uint64_t start_ns;
    pthread_t daemon;
    bool daemon_running;
    bool daemon_stop;

    sim_knobs_t knobs;
    sim_stats_t stats;
} sim_host_t;

extern sim_host_t g_host;

void host_init_once(void);
uint64_t host_now_ms_locked(void);
void host_advance_all_locked(uint64_t now);
sim_domain_t *host_find_domain_locked(uint32_t domid);
void host_destroy_domain_locked(sim_domain_t *d);
/* 0 when the frame maps, else the negative errno the driver would report. Starts a
 * page-in when the frame is paged out, as asking Xen to map it does. */
int host_frame_result_locked(sim_domain_t *d, uint64_t gfn, uint64_t now);
/* Pool page holding the frame's content. */
uint32_t host_content_page(const sim_domain_t *d, uint64_t gfn);
/* Writes the frame's planted bytes over a copy of its content. */
void host_apply_plants(const sim_domain_t *d, uint64_t gfn, uint8_t *page);
void device_reset_knobs_locked(void);
/* Populated frames and RAM runs, rebuilt after layout changes. */
void host_refresh_counts_locked(sim_domain_t *d);

/* ---- PV guests (sim_pv.c) ---- */
/* Meta pages, by index from the first mfn after the region. */
enum {
    PV_META_SHINFO = 0,
    PV_META_MISSING = 1, /* the p2m page every all-invalid stretch of the list points to */
    PV_META_FLL = 2,
    PV_META_L4 = 3,
    PV_META_L3 = 4,
    PV_META_L2 = 5,
    PV_META_L1 = 6, /* n_l1 of them, then n_fl frame lists, then n_p2m p2m pages */
};
sim_pv_t *pv_create(uint32_t domid, uint64_t frames);
uint64_t pv_meta_first(const sim_pv_t *pv);
uint64_t pv_meta_count(const sim_pv_t *pv);
/* The p2m size the guest claims (max_pfn in its shared info). */
uint64_t pv_max_pfn(const sim_domain_t *d);
/*
 * What a machine frame number given for a PV guest is: 0 and *pfn set for one of its pfns,
 * 0 and *meta set (>= 0) for a page of its p2m, else the negative errno Xen answers (a frame
 * it does not own). `writable`: the mapping asked for is writable, which Xen refuses for
 * pages typed as page tables.
 */
int pv_resolve_locked(const sim_domain_t *d, uint64_t mfn, bool writable, uint64_t *pfn, int64_t *meta);
/* Writes meta page `index` of the guest into `page`. */
void pv_meta_content_locked(const sim_domain_t *d, int64_t index, uint8_t *page);
/* The p2m entry of a pfn, as the guest's p2m pages hold it. */
uint64_t pv_p2m_entry_locked(const sim_domain_t *d, uint64_t pfn);

#endif
