/*
 * The simulated Xen host: domains, their frames, the paging daemon and the clock.
 * Everything here runs under g_host.lock; the public functions take it, the *_locked ones
 * expect it held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sim_abi.h"
#include "sim_internal.h"

sim_host_t g_host = { .lock = PTHREAD_MUTEX_INITIALIZER, .pool_fd = -1 };

/* ---- randomness: deterministic from the seed ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t rng_next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    return mix64(*s);
}

/* ---- the content pool: pages that look like memory, shared by every guest ---- */

enum { SEC_ZERO, SEC_TEXT, SEC_CODE, SEC_DATA, SEC_MIXED, SEC_COUNT };
static const uint32_t section_pages[SEC_COUNT] = { 64, 448, 448, 448, 128 };
static uint32_t section_start[SEC_COUNT];

static const char *const words[] = {
    "xen", "privcmd", "balloon", "grant", "evtchn", "vcpu", "domain", "kernel", "paging",
    "frame", "memory", "linux", "systemd", "journal", "sshd", "nginx", "postgres", "worker",
    "request", "session", "buffer", "socket", "cgroup", "netfront", "blkfront", "xenbus",
    "hypercall", "scheduler", "timer", "interrupt", "irq", "page", "cache", "inode", "dentry",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *word(uint64_t *r) { return words[rng_next(r) % N_WORDS]; }

static size_t put_str(uint8_t *p, size_t room, const char *s)
{
    size_t n = strlen(s) + 1; /* strings in memory keep their NUL */
    if (n > room)
        n = room;
    memcpy(p, s, n);
    return n;
}

static void gen_text(uint8_t *page, uint64_t *r)
{
    char line[192];
    size_t at = 0;
    while (at < SIM_PAGE_SIZE) {
        switch (rng_next(r) % 7) {
        case 0:
            snprintf(line, sizeof line, "[%5u.%06u] %s: %s %s %s", (unsigned)(rng_next(r) % 9000),
                     (unsigned)(rng_next(r) % 1000000), word(r), word(r), word(r), word(r));
            break;
        case 1:
            snprintf(line, sizeof line, "/usr/lib/x86_64-linux-gnu/lib%s.so.%u", word(r),
                     (unsigned)(rng_next(r) % 7));
            break;
        case 2:
            snprintf(line, sizeof line, "%s=%s", rng_next(r) % 2 ? "PATH" : "HOME",
                     rng_next(r) % 2 ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
                                     : "/root");
            break;
        case 3:
            snprintf(line, sizeof line, "GET /%s/%s HTTP/1.1\r\nHost: %s.example.org\r\n",
                     word(r), word(r), word(r));
            break;
        case 4: {
            /* Windows guests keep their strings in UTF-16LE */
            char ascii[64];
            snprintf(ascii, sizeof ascii, "C:\\Windows\\System32\\%s.dll", word(r));
            size_t n = strlen(ascii);
            for (size_t i = 0; i <= n && at + 1 < SIM_PAGE_SIZE; i++) {
                page[at++] = (uint8_t)ascii[i];
                page[at++] = 0;
            }
            continue;
        }
        case 5:
            snprintf(line, sizeof line, "%s_%s_%s", word(r), word(r), word(r));
            break;
        default:
            memset(line, 0, 16);
            at += 8 + rng_next(r) % 24; /* padding between allocations */
            continue;
        }
        at += put_str(page + at, SIM_PAGE_SIZE - (at < SIM_PAGE_SIZE ? at : SIM_PAGE_SIZE), line);
    }
}

static void gen_code(uint8_t *page, uint64_t *r)
{
    static const uint8_t prologue[] = { 0x55, 0x48, 0x89, 0xe5, 0x41, 0x57, 0x41, 0x56 };
    static const uint8_t epilogue[] = { 0x41, 0x5e, 0x41, 0x5f, 0x5d, 0xc3 };
    static const uint8_t nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
    size_t at = 0;
    while (at + 16 < SIM_PAGE_SIZE) {
        uint64_t k = rng_next(r) % 8;
        if (k == 0) {
            memcpy(page + at, prologue, sizeof prologue);
            at += sizeof prologue;
        } else if (k == 1) {
            memcpy(page + at, epilogue, sizeof epilogue);
            at += sizeof epilogue;
            while (at % 16 && at < SIM_PAGE_SIZE)
                page[at++] = 0xcc; /* int3 padding up to the next function */
        } else if (k == 2) {
            page[at++] = 0xe8; /* call rel32 */
            uint32_t rel = (uint32_t)rng_next(r);
            memcpy(page + at, &rel, 4);
            at += 4;
        } else if (k == 3) {
            memcpy(page + at, nop5, sizeof nop5);
            at += sizeof nop5;
        } else {
            const uint8_t mov[] = { 0x48, 0x8b, (uint8_t)(0x45 + (rng_next(r) % 4) * 8),
                                    (uint8_t)(rng_next(r) & 0xf8) };
            memcpy(page + at, mov, sizeof mov);
            at += sizeof mov;
        }
    }
}

static void gen_data(uint8_t *page, uint64_t *r)
{
    uint64_t *q = (uint64_t *)page;
    for (size_t i = 0; i < SIM_PAGE_SIZE / 8; i++) {
        switch (rng_next(r) % 6) {
        case 0: q[i] = 0xffff888000000000ULL + (rng_next(r) % 0x40000000ULL) * 8; break;
        case 1: q[i] = 0xffffffff81000000ULL + (rng_next(r) % 0x1000000ULL); break;
        case 2: q[i] = rng_next(r) % 4096; break;
        case 3: q[i] = 0; break;
        default: q[i] = (rng_next(r) % 2) ? 0xffffffffffffffffULL : rng_next(r) % 100;
        }
    }
}

static void gen_mixed(uint8_t *page, uint64_t *r, uint32_t index)
{
    uint64_t *q = (uint64_t *)page;
    if (index % 2) { /* page-table-like entries */
        for (size_t i = 0; i < SIM_PAGE_SIZE / 8; i++)
            q[i] = (rng_next(r) % 3) ? ((rng_next(r) % 0x100000) << 12) | 0x067 : 0;
    } else { /* high entropy: compressed or encrypted data */
        for (size_t i = 0; i < SIM_PAGE_SIZE / 8; i++)
            q[i] = rng_next(r);
    }
}

static int pool_build_locked(uint64_t seed)
{
    uint32_t total = 0;
    for (int s = 0; s < SEC_COUNT; s++) {
        section_start[s] = total;
        total += section_pages[s];
    }
    int fd = memfd_create("privcmd-sim-pool", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)total * SIM_PAGE_SIZE) < 0) {
        close(fd);
        return -1;
    }
    uint8_t *p = mmap(NULL, (size_t)total * SIM_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                      fd, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return -1;
    }
    uint64_t r = seed ^ 0x5eed5eed5eedULL;
    for (int s = 0; s < SEC_COUNT; s++) {
        for (uint32_t i = 0; i < section_pages[s]; i++) {
            uint8_t *page = p + (size_t)(section_start[s] + i) * SIM_PAGE_SIZE;
            switch (s) {
            case SEC_ZERO: break; /* ftruncate gave zeroes */
            case SEC_TEXT: gen_text(page, &r); break;
            case SEC_CODE: gen_code(page, &r); break;
            case SEC_DATA: gen_data(page, &r); break;
            default: gen_mixed(page, &r, i);
            }
        }
    }
    if (g_host.pool) {
        munmap(g_host.pool, (size_t)g_host.pool_pages * SIM_PAGE_SIZE);
        close(g_host.pool_fd); /* live mappings keep the old file alive */
    }
    g_host.pool = p;
    g_host.pool_fd = fd;
    g_host.pool_pages = total;
    return 0;
}

uint32_t host_content_page(const sim_domain_t *d, uint64_t gfn)
{
    uint64_t h = mix64(g_host.seed ^ ((uint64_t)d->domid * 0x100000001b3ULL) ^
                       ((gfn / POOL_REGION_FRAMES) * 0x9e3779b97f4a7c15ULL));
    uint64_t pick = h % 100;
    int s = pick < 35 ? SEC_ZERO : pick < 55 ? SEC_TEXT : pick < 75 ? SEC_CODE
          : pick < 92 ? SEC_DATA : SEC_MIXED;
    uint32_t regions = section_pages[s] / POOL_REGION_FRAMES;
    uint32_t base = section_start[s] + POOL_REGION_FRAMES * (uint32_t)((h >> 20) % regions);
    return base + (uint32_t)(gfn % POOL_REGION_FRAMES);
}

void host_apply_plants(const sim_domain_t *d, uint64_t gfn, uint8_t *page)
{
    for (size_t i = 0; i < d->n_plants; i++) {
        const sim_plant_t *pl = &d->plants[i];
        if (pl->gfn == gfn)
            memcpy(page + pl->offset, pl->bytes, pl->len);
    }
}

/* ---- clock and the paging daemon ---- */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t host_now_ms_locked(void)
{
    if (g_host.stepped)
        return g_host.virtual_ms;
    return (mono_ns() - g_host.start_ns) / 1000000ULL;
}

static bool populated(uint8_t s)
{
    int kind = s & FS_KIND_MASK;
    return kind != SIM_HOLE && kind != SIM_BALLOONED;
}

static void rebuild_ram_runs(sim_domain_t *d)
{
    free(d->ram_runs);
    d->ram_runs = NULL;
    d->n_ram_runs = 0;
    size_t cap = 0;
    uint64_t ram = 0;
    d->populated_frames = 0;
    for (uint64_t g = 0; g < d->frames; g++)
        d->populated_frames += populated(d->state[g]);
    for (uint64_t g = 0; g < d->frames;) {
        if ((d->state[g] & FS_KIND_MASK) != SIM_RAM) {
            g++;
            continue;
        }
        uint64_t first = g;
        while (g < d->frames && (d->state[g] & FS_KIND_MASK) == SIM_RAM)
            g++;
        if (d->n_ram_runs == cap) {
            cap = cap ? cap * 2 : 16;
            d->ram_runs = realloc(d->ram_runs, cap * sizeof *d->ram_runs);
        }
        d->ram_runs[d->n_ram_runs++] = (sim_run_t){ first, g - first, ram };
        ram += g - first;
    }
    d->ram_frames = ram;
    d->ram_runs_dirty = false;
}

void host_refresh_counts_locked(sim_domain_t *d)
{
    if (d->ram_runs_dirty)
        rebuild_ram_runs(d);
}

static uint64_t random_ram_gfn(sim_domain_t *d)
{
    if (d->ram_runs_dirty)
        rebuild_ram_runs(d);
    if (!d->ram_frames)
        return UINT64_MAX;
    uint64_t k = rng_next(&d->rng) % d->ram_frames;
    size_t lo = 0, hi = d->n_ram_runs;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (d->ram_runs[mid].ram_before <= k)
            lo = mid;
        else
            hi = mid;
    }
    return d->ram_runs[lo].first + (k - d->ram_runs[lo].ram_before);
}

static void paged_list_push(sim_domain_t *d, uint64_t gfn)
{
    if (d->n_paged_list == d->cap_paged_list) {
        /* Drop stale entries before growing: the list only needs the frames still paged. */
        size_t w = 0;
        for (size_t i = 0; i < d->n_paged_list; i++) {
            uint8_t s = d->state[d->paged_list[i]];
            if (((s & FS_PAGING_MASK) >> FS_PAGING_SHIFT) == FS_PAGED)
                d->paged_list[w++] = d->paged_list[i];
        }
        d->n_paged_list = w;
        if (w * 2 >= d->cap_paged_list) {
            d->cap_paged_list = d->cap_paged_list ? d->cap_paged_list * 2 : 1024;
            d->paged_list = realloc(d->paged_list, d->cap_paged_list * sizeof(uint64_t));
        }
    }
    d->paged_list[d->n_paged_list++] = gfn;
}

static int paging_of(uint8_t s) { return (s & FS_PAGING_MASK) >> FS_PAGING_SHIFT; }

static void set_paging(sim_domain_t *d, uint64_t gfn, int paging)
{
    d->state[gfn] = (uint8_t)((d->state[gfn] & ~FS_PAGING_MASK) | (paging << FS_PAGING_SHIFT));
}

static bool page_out_locked(sim_domain_t *d, uint64_t gfn)
{
    if (gfn >= d->frames || (d->state[gfn] & FS_KIND_MASK) != SIM_RAM ||
        paging_of(d->state[gfn]) != FS_RESIDENT)
        return false;
    set_paging(d, gfn, FS_PAGED);
    d->paged_frames++;
    paged_list_push(d, gfn);
    g_host.stats.pageouts++;
    return true;
}

static void page_in_done_locked(sim_domain_t *d, uint64_t gfn)
{
    set_paging(d, gfn, FS_RESIDENT);
    d->paged_frames--;
    g_host.stats.pageins++;
}

static void page_out_random_locked(sim_domain_t *d)
{
    if (d->ram_runs_dirty)
        rebuild_ram_runs(d);
    if ((double)d->paged_frames >= d->max_paged_fraction * (double)d->ram_frames)
        return;
    for (int attempt = 0; attempt < 8; attempt++) {
        if (page_out_locked(d, random_ram_gfn(d)))
            return;
    }
}

static void page_in_random_locked(sim_domain_t *d)
{
    while (d->n_paged_list) {
        size_t i = rng_next(&d->rng) % d->n_paged_list;
        uint64_t gfn = d->paged_list[i];
        d->paged_list[i] = d->paged_list[--d->n_paged_list];
        if (paging_of(d->state[gfn]) == FS_PAGED) {
            page_in_done_locked(d, gfn);
            return;
        }
    }
}

static void domain_advance_locked(sim_domain_t *d, uint64_t now)
{
    if (d->destroyed || now <= d->last_ms)
        return;
    double dt_s = (double)(now - d->last_ms) / 1000.0;
    d->last_ms = now;

    for (size_t i = 0; i < d->n_pending;) {
        if (d->pending[i].ready_ms <= now) {
            uint64_t gfn = d->pending[i].gfn;
            if (paging_of(d->state[gfn]) == FS_PAGING_IN)
                page_in_done_locked(d, gfn);
            d->pending[i] = d->pending[--d->n_pending];
        } else {
            i++;
        }
    }
    /* A long jump in time must not stall the host: never more work than the guest has frames. */
    if (d->out_per_s > 0) {
        d->out_carry = fmin(d->out_carry + d->out_per_s * dt_s, (double)d->frames);
        uint64_t n = (uint64_t)d->out_carry;
        d->out_carry -= (double)n;
        while (n--)
            page_out_random_locked(d);
    }
    if (d->in_per_s > 0) {
        d->in_carry = fmin(d->in_carry + d->in_per_s * dt_s, (double)d->frames);
        uint64_t n = (uint64_t)d->in_carry;
        d->in_carry -= (double)n;
        while (n--)
            page_in_random_locked(d);
    }
}

void host_advance_all_locked(uint64_t now)
{
    for (size_t i = 0; i < g_host.n_domains; i++)
        domain_advance_locked(g_host.domains[i], now);
}

#define DAEMON_TICK_MS 10

static void *daemon_main(void *unused)
{
    (void)unused;
    for (;;) {
        struct timespec ts = { 0, DAEMON_TICK_MS * 1000000L };
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&g_host.lock);
        if (g_host.daemon_stop) {
            pthread_mutex_unlock(&g_host.lock);
            return NULL;
        }
        host_advance_all_locked(host_now_ms_locked());
        pthread_mutex_unlock(&g_host.lock);
    }
}

static void daemon_start_locked(void)
{
    if (g_host.daemon_running || g_host.stepped)
        return;
    g_host.daemon_stop = false;
    if (pthread_create(&g_host.daemon, NULL, daemon_main, NULL) == 0)
        g_host.daemon_running = true;
}

/* Called with the lock held; drops it while joining so the daemon can finish its tick. */
static void daemon_stop_locked(void)
{
    if (!g_host.daemon_running)
        return;
    g_host.daemon_stop = true;
    pthread_mutex_unlock(&g_host.lock);
    pthread_join(g_host.daemon, NULL);
    pthread_mutex_lock(&g_host.lock);
    g_host.daemon_running = false;
}

/* ---- domains ---- */

sim_domain_t *host_find_domain_locked(uint32_t domid)
{
    for (size_t i = 0; i < g_host.n_domains; i++) {
        if (g_host.domains[i]->domid == domid && !g_host.domains[i]->destroyed)
            return g_host.domains[i];
    }
    return NULL;
}

static void free_domain(sim_domain_t *d)
{
    for (size_t i = 0; i < d->n_plants; i++)
        free(d->plants[i].bytes);
    free(d->plants);
    free(d->pending);
    free(d->paged_list);
    free(d->ram_runs);
    free(d->state);
    free(d->pv);
    free(d);
}

void host_destroy_domain_locked(sim_domain_t *d)
{
    d->destroyed = true; /* kept until reset so that in-flight callers see ESRCH, not freed memory */
}

static void request_pagein_locked(sim_domain_t *d, uint64_t gfn, uint64_t now)
{
    if (d->n_pending >= d->ring_size) {
        g_host.stats.pagein_dropped++;
        return;
    }
    if (d->n_pending == d->cap_pending) {
        d->cap_pending = d->cap_pending ? d->cap_pending * 2 : 64;
        d->pending = realloc(d->pending, d->cap_pending * sizeof *d->pending);
    }
    uint32_t span = d->latency_max_ms - d->latency_min_ms;
    uint64_t latency = d->latency_min_ms + (span ? rng_next(&d->rng) % (span + 1) : 0);
    d->pending[d->n_pending++] = (sim_pending_t){ gfn, now + latency };
    set_paging(d, gfn, FS_PAGING_IN);
    g_host.stats.pagein_requests++;
}

int host_frame_result_locked(sim_domain_t *d, uint64_t gfn, uint64_t now)
{
    if (!d)
        return -ESRCH;
    if (gfn >= d->frames)
        return -EINVAL;
    uint8_t s = d->state[gfn];
    switch (s & FS_KIND_MASK) {
    case SIM_HOLE:
    case SIM_BALLOONED: return -EINVAL;
    case SIM_PERM: return -EPERM;
    case SIM_BUSY: return -EBUSY;
    case SIM_NOMEM: return -ENOMEM;
    default: break;
    }
    switch (paging_of(s)) {
    case FS_RESIDENT: return 0;
    case FS_PAGED: request_pagein_locked(d, gfn, now); return -ENOENT;
    default: return -ENOENT; /* being paged in */
    }
}

/* ---- public control API ---- */

void host_init_once(void)
{
    if (g_host.pool)
        return;
    g_host.start_ns = mono_ns();
    g_host.seed = 1;
    pool_build_locked(g_host.seed);
    device_reset_knobs_locked();
}

#define LOCKED(body)                                                                            \
    do {                                                                                        \
        pthread_mutex_lock(&g_host.lock);                                                       \
        host_init_once();                                                                       \
        body;                                                                                   \
        pthread_mutex_unlock(&g_host.lock);                                                     \
    } while (0)

static void reset_locked(uint64_t seed)
{
    for (size_t i = 0; i < g_host.n_domains; i++)
        free_domain(g_host.domains[i]);
    g_host.n_domains = 0;
    if (seed != g_host.seed || !g_host.pool) {
        g_host.seed = seed;
        pool_build_locked(seed);
    }
    memset(&g_host.stats, 0, sizeof g_host.stats);
    device_reset_knobs_locked();
}

int sim_host_reset(uint64_t seed)
{
    LOCKED(reset_locked(seed));
    return 0;
}

int sim_host_shutdown(void)
{
    LOCKED(daemon_stop_locked());
    return 0;
}

int sim_domain_add(uint32_t domid, const char *name, uint32_t type, uint64_t frames,
                   uint64_t target_kib, uint64_t static_max_kib)
{
    if (domid >= SIM_DOMID_INVALID || !name || !frames || type > SIM_PV) {
        errno = EINVAL;
        return -1;
    }
    int ret = 0;
    LOCKED({
        for (size_t i = 0; i < g_host.n_domains; i++) {
            if (g_host.domains[i]->domid == domid) {
                if (!g_host.domains[i]->destroyed) {
                    errno = EEXIST;
                    ret = -1;
                    break;
                }
                /* the id of a destroyed domain is reused, as Xen does */
                free_domain(g_host.domains[i]);
                g_host.domains[i] = g_host.domains[--g_host.n_domains];
                break;
            }
        }
        sim_domain_t *d = ret ? NULL : calloc(1, sizeof *d);
        uint8_t *state = d ? calloc(frames, 1) : NULL;
        sim_pv_t *pv = state && type == SIM_PV ? pv_create(domid, frames) : NULL;
        if (!ret && (!d || !state || (type == SIM_PV && !pv))) {
            free(d);
            free(state);
            d = NULL;
            errno = ENOMEM;
            ret = -1;
        }
        if (d) {
            d->domid = domid;
            d->type = type;
            snprintf(d->name, sizeof d->name, "%s", name);
            d->frames = frames;
            d->target_kib = target_kib;
            d->static_max_kib = static_max_kib;
            d->state = state; /* all RAM, resident */
            d->pv = pv;
            d->ram_runs_dirty = true;
            d->rng = g_host.seed ^ mix64(domid + 1);
            d->ring_size = 64;
            d->max_paged_fraction = 1.0;
            d->last_ms = host_now_ms_locked();
            if (g_host.n_domains == g_host.cap_domains) {
                g_host.cap_domains = g_host.cap_domains ? g_host.cap_domains * 2 : 8;
                g_host.domains = realloc(g_host.domains, g_host.cap_domains * sizeof(void *));
            }
            g_host.domains[g_host.n_domains++] = d;
        }
    });
    return ret;
}

int sim_domain_set_range(uint32_t domid, uint64_t first, uint64_t last, uint32_t kind)
{
    int ret = 0;
    LOCKED({
        sim_domain_t *d = host_find_domain_locked(domid);
        if (!d || first > last || last >= d->frames || kind > SIM_PAGED) {
            errno = d ? EINVAL : ESRCH;
            ret = -1;
        } else {
            for (uint64_t g = first; g <= last; g++) {
                if (paging_of(d->state[g]) != FS_RESIDENT)
                    d->paged_frames--;
                d->state[g] = (uint8_t)((d->state[g] & FS_PLANTED) |
                                        (kind == SIM_PAGED ? SIM_RAM : kind));
            }
            d->ram_runs_dirty = true;
            if (d->pv)
                d->pv->generation += 2; /* the guest updated its p2m: before and after */
            if (kind == SIM_PAGED) {
                for (uint64_t g = first; g <= last; g++)
                    page_out_locked(d, g);
            }
        }
    });
    return ret;
}

int sim_domain_set_paging(uint32_t domid, double out_per_s, double in_per_s,
                          uint32_t latency_min_ms, uint32_t latency_max_ms,
                          double initial_paged_fraction, double max_paged_fraction,
                          uint32_t ring_size)
{
    if (out_per_s < 0 || in_per_s < 0 || latency_min_ms > latency_max_ms ||
        initial_paged_fraction < 0 || initial_paged_fraction > 1 || max_paged_fraction < 0 ||
        max_paged_fraction > 1 || ring_size == 0) {
        errno = EINVAL;
        return -1;
    }
    int ret = 0;
    LOCKED({
        sim_domain_t *d = host_find_domain_locked(domid);
        if (!d) {
            errno = ESRCH;
            ret = -1;
        } else {
            d->out_per_s = out_per_s;
            d->in_per_s = in_per_s;
            d->latency_min_ms = latency_min_ms;
            d->latency_max_ms = latency_max_ms;
            d->max_paged_fraction = max_paged_fraction;
            d->ring_size = ring_size;
            if (d->ram_runs_dirty)
                rebuild_ram_runs(d);
            uint64_t want = (uint64_t)(initial_paged_fraction * (double)d->ram_frames);
            for (uint64_t tries = 0; d->paged_frames < want && tries < want * 4; tries++)
                page_out_locked(d, random_ram_gfn(d));
            if (out_per_s > 0 || in_per_s > 0)
                daemon_start_locked();
        }
    });
    return ret;
}

int sim_domain_plant(uint32_t domid, uint64_t gfn, uint32_t offset, const uint8_t *bytes,
                     uint32_t len)
{
    if (!bytes || !len || offset >= SIM_PAGE_SIZE) {
        errno = EINVAL;
        return -1;
    }
    int ret = 0;
    LOCKED({
        sim_domain_t *d = host_find_domain_locked(domid);
        uint64_t pages = (offset + (uint64_t)len + SIM_PAGE_SIZE - 1) / SIM_PAGE_SIZE;
        if (!d || gfn + pages > d->frames) {
            errno = d ? EINVAL : ESRCH;
            ret = -1;
        } else {
            /* bytes that run past the page go on at the start of the next frame */
            while (len) {
                uint32_t n = (uint32_t)SIM_PAGE_SIZE - offset;
                if (n > len)
                    n = len;
                d->plants = realloc(d->plants, (d->n_plants + 1) * sizeof *d->plants);
                sim_plant_t *pl = &d->plants[d->n_plants++];
                pl->gfn = gfn;
                pl->offset = offset;
                pl->len = n;
                pl->bytes = malloc(n);
                memcpy(pl->bytes, bytes, n);
                d->state[gfn] |= FS_PLANTED;
                bytes += n;
                len -= n;
                gfn++;
                offset = 0;
            }
        }
    });
    return ret;
}

int sim_domain_destroy(uint32_t domid)
{
    int ret = 0;
    LOCKED({
        sim_domain_t *d = host_find_domain_locked(domid);
        if (!d) {
            errno = ESRCH;
            ret = -1;
        } else {
            host_destroy_domain_locked(d);
        }
    });
    return ret;
}

int sim_domain_count(void)
{
    int n = 0;
    LOCKED({
        for (size_t i = 0; i < g_host.n_domains; i++)
            n += !g_host.domains[i]->destroyed;
    });
    return n;
}

int sim_domain_info(int index, sim_domain_info_t *out)
{
    int ret = -1;
    LOCKED({
        int live = 0;
        for (size_t i = 0; i < g_host.n_domains && out; i++) {
            sim_domain_t *d = g_host.domains[i];
            if (d->destroyed || live++ != index)
                continue;
            domain_advance_locked(d, host_now_ms_locked());
            if (d->ram_runs_dirty)
                rebuild_ram_runs(d);
            memset(out, 0, sizeof *out);
            out->domid = d->domid;
            out->type = d->type;
            out->frames = d->frames;
            out->target_kib = d->target_kib;
            out->static_max_kib = d->static_max_kib;
            out->ram_frames = d->ram_frames;
            out->paged_frames = d->paged_frames;
            out->pending_pageins = d->n_pending;
            snprintf(out->name, sizeof out->name, "%s", d->name);
            ret = 0;
        }
        if (ret)
            errno = ESRCH;
    });
    return ret;
}

int sim_frame_state(uint32_t domid, uint64_t gfn)
{
    int ret = -1;
    LOCKED({
        sim_domain_t *d = host_find_domain_locked(domid);
        if (!d) {
            errno = ESRCH;
        } else if (gfn >= d->frames) {
            errno = EINVAL;
        } else {
            domain_advance_locked(d, host_now_ms_locked());
            ret = d->state[gfn] & (FS_KIND_MASK | FS_PAGING_MASK);
        }
    });
    return ret;
}

int sim_page_out(uint32_t domid, uint64_t gfn)
{
    int ret = -1;
    LOCKED({
        sim_domain_t *d = host_find_domain_locked(domid);
        if (!d)
            errno = ESRCH;
        else if (!page_out_locked(d, gfn))
            errno = EINVAL;
        else
            ret = 0;
    });
    return ret;
}

int sim_clock_set_mode(int stepped)
{
    LOCKED({
        uint64_t now = host_now_ms_locked();
        if (stepped && !g_host.stepped) {
            daemon_stop_locked();
            g_host.stepped = 1;
            g_host.virtual_ms = now;
        } else if (!stepped && g_host.stepped) {
            g_host.stepped = 0;
            /* continue real time from where the stepped clock stood */
            g_host.start_ns = mono_ns() - g_host.virtual_ms * 1000000ULL;
            for (size_t i = 0; i < g_host.n_domains; i++) {
                if (g_host.domains[i]->out_per_s > 0 || g_host.domains[i]->in_per_s > 0)
                    daemon_start_locked();
            }
        }
    });
    return 0;
}

int sim_clock_advance(uint64_t ms)
{
    int ret = 0;
    LOCKED({
        if (!g_host.stepped) {
            errno = EINVAL;
            ret = -1;
        } else {
            /* in daemon-sized ticks, so a stepped run sees what real time would */
            while (ms) {
                uint64_t step = ms < DAEMON_TICK_MS ? ms : DAEMON_TICK_MS;
                g_host.virtual_ms += step;
                ms -= step;
                host_advance_all_locked(g_host.virtual_ms);
            }
        }
    });
    return ret;
}

uint64_t sim_clock_now_ms(void)
{
    uint64_t now = 0;
    LOCKED(now = host_now_ms_locked());
    return now;
}
