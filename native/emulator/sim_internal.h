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

#endif
