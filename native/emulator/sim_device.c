/*
 * The emulated /dev/xen/privcmd: file descriptors, privcmd VMAs and the ioctls, following
 * drivers/xen/privcmd.c (privcmd_ioctl_mmap_batch and friends) as privcmd-semantics.md
 * describes it.
 *
 * A privcmd VMA is a MAP_SHARED mapping of an empty memfd, so touching any page that was not
 * filled raises SIGBUS, exactly as the driver's fault handler (VM_FAULT_SIGBUS) does. Mapping
 * a frame replaces its page with the frame's content page (MAP_FIXED over the pool), and
 * munmap of the range releases everything, as on the real device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim_abi.h"
#include "sim_internal.h"

#define PRIVCMD_PATH "/dev/xen/privcmd"
/* The driver remaps in blocks of this many frames; on a PV dom0 the ioctl reports ENOENT only
 * when the last frame of some block was paged (privcmd-semantics.md, observed on Xen 4.17). */
#define REMAP_BLOCK 512
#define GFN_ALIAS_BITS 40

typedef struct sim_fd {
    int fd;
    int32_t restricted; /* -1, or the only domain this fd may touch (IOCTL_PRIVCMD_RESTRICT) */
} sim_fd_t;

typedef struct sim_vma {
    uintptr_t start;
    size_t npages;
    int prot;
    bool locked;     /* the first mapping call happened: only holes may be filled now */
    uint8_t *mapped; /* one byte a page */
} sim_vma_t;

static sim_fd_t *fds;
static size_t n_fds, cap_fds;
static sim_vma_t *vmas;
static size_t n_vmas, cap_vmas;
static int unbacked_fd = -1; /* empty memfd: every page of a mapping of it raises SIGBUS */
static int64_t calls_since_efault_knob;

/* ---- knobs ---- */

static const struct {
    const char *name;
    size_t offset;
} knob_table[] = {
#define KNOB(n) { #n, offsetof(sim_knobs_t, n) }
    KNOB(no_v2),       KNOB(v2_errno), KNOB(v1_quirk),  KNOB(enoent_rule),
    KNOB(efault_after_calls), KNOB(destroy_domid), KNOB(destroy_after_calls),
    KNOB(eperm),       KNOB(open_errno), KNOB(alias_2_40), KNOB(self_domid),
    KNOB(domctl_version),
#undef KNOB
};

void device_reset_knobs_locked(void)
{
    g_host.knobs = (sim_knobs_t){
        .no_v2 = 0,
        .v2_errno = ENOTTY,
        .v1_quirk = 0,
        .enoent_rule = 0,
        .efault_after_calls = -1,
        .destroy_domid = -1,
        .destroy_after_calls = -1,
        .eperm = 0,
        .open_errno = 0,
        .alias_2_40 = 1,
        .self_domid = 0,         /* a dom0 */
        .domctl_version = 0x15,  /* Xen 4.17, as on the testbed */
    };
}

static int64_t *knob_slot(const char *name)
{
    for (size_t i = 0; name && i < sizeof knob_table / sizeof knob_table[0]; i++) {
        if (!strcmp(knob_table[i].name, name))
            return (int64_t *)((char *)&g_host.knobs + knob_table[i].offset);
    }
    return NULL;
}

int sim_set_knob(const char *name, int64_t value)
{
    int ret = 0;
    pthread_mutex_lock(&g_host.lock);
    host_init_once();
    int64_t *slot = knob_slot(name);
    if (!slot) {
        errno = ENOENT;
        ret = -1;
    } else {
        *slot = value;
        if (!strcmp(name, "efault_after_calls"))
            calls_since_efault_knob = 0;
    }
    pthread_mutex_unlock(&g_host.lock);
    return ret;
}

int64_t sim_get_knob(const char *name)
{
    pthread_mutex_lock(&g_host.lock);
    host_init_once();
    int64_t *slot = knob_slot(name);
    int64_t v = slot ? *slot : -1;
    pthread_mutex_unlock(&g_host.lock);
    if (!slot)
        errno = ENOENT;
    return v;
}

/* ---- file descriptors ---- */

static sim_fd_t *find_fd_locked(int fd)
{
    for (size_t i = 0; i < n_fds; i++) {
        if (fds[i].fd == fd)
            return &fds[i];
    }
    return NULL;
}

int sim_open(const char *path, int flags)
{
    if (!path || strcmp(path, PRIVCMD_PATH))
        return open(path, flags);
    int ret;
    pthread_mutex_lock(&g_host.lock);
    host_init_once();
    if (g_host.knobs.open_errno) {
        errno = (int)g_host.knobs.open_errno;
        ret = -1;
    } else {
        /* a real descriptor, so that the number is unique and close() behaves */
        ret = open("/dev/null", O_RDWR | (flags & O_CLOEXEC));
        if (ret >= 0) {
            if (n_fds == cap_fds) {
                cap_fds = cap_fds ? cap_fds * 2 : 8;
                fds = realloc(fds, cap_fds * sizeof *fds);
            }
            fds[n_fds++] = (sim_fd_t){ ret, -1 };
            g_host.stats.open_fds++;
        }
    }
    pthread_mutex_unlock(&g_host.lock);
    return ret;
}

int sim_close(int fd)
{
    pthread_mutex_lock(&g_host.lock);
    sim_fd_t *f = find_fd_locked(fd);
    if (f) {
        *f = fds[--n_fds];
        g_host.stats.open_fds--;
    }
    pthread_mutex_unlock(&g_host.lock);
    return close(fd);
}

/* ---- VMAs ---- */

static sim_vma_t *find_vma_locked(uintptr_t addr)
{
    for (size_t i = 0; i < n_vmas; i++) {
        if (addr >= vmas[i].start && addr < vmas[i].start + vmas[i].npages * SIM_PAGE_SIZE)
            return &vmas[i];
    }
    return NULL;
}

static size_t count_mapped(const uint8_t *m, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += m[i];
    return c;
}

void *sim_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    pthread_mutex_lock(&g_host.lock);
    host_init_once();
    bool ours = find_fd_locked(fd) != NULL;
    void *p = MAP_FAILED;
    if (!ours) {
        pthread_mutex_unlock(&g_host.lock);
        return mmap(addr, len, prot, flags, fd, off);
    }
    if (!len || len % SIM_PAGE_SIZE) {
        errno = EINVAL;
        goto out;
    }
    if (unbacked_fd < 0)
        unbacked_fd = memfd_create("privcmd-sim-unmapped", MFD_CLOEXEC);
    p = mmap(addr, len, prot, MAP_SHARED | (flags & MAP_FIXED), unbacked_fd, 0);
    if (p == MAP_FAILED)
        goto out;
    uint8_t *mapped = calloc(len / SIM_PAGE_SIZE, 1);
    if (!mapped) {
        munmap(p, len);
        p = MAP_FAILED;
        errno = ENOMEM;
        goto out;
    }
    if (n_vmas == cap_vmas) {
        cap_vmas = cap_vmas ? cap_vmas * 2 : 16;
        vmas = realloc(vmas, cap_vmas * sizeof *vmas);
    }
    vmas[n_vmas++] = (sim_vma_t){ (uintptr_t)p, len / SIM_PAGE_SIZE, prot, false, mapped };
    g_host.stats.live_vmas++;
out:
    pthread_mutex_unlock(&g_host.lock);
    return p;
}

int sim_munmap(void *addr, size_t len)
{
    uintptr_t lo = (uintptr_t)addr;
    uintptr_t hi = lo + ((len + SIM_PAGE_SIZE - 1) & ~(SIM_PAGE_SIZE - 1));
    pthread_mutex_lock(&g_host.lock);
    for (size_t i = 0; i < n_vmas;) {
        sim_vma_t *v = &vmas[i];
        uintptr_t vlo = v->start, vhi = v->start + v->npages * SIM_PAGE_SIZE;
        if (hi <= vlo || lo >= vhi) {
            i++;
            continue;
        }
        size_t cut_first = (lo > vlo ? lo - vlo : 0) / SIM_PAGE_SIZE;
        size_t cut_end = ((hi < vhi ? hi : vhi) - vlo) / SIM_PAGE_SIZE;
        g_host.stats.mapped_pages -= count_mapped(v->mapped + cut_first, cut_end - cut_first);
        if (cut_first == 0 && cut_end == v->npages) {
            free(v->mapped);
            *v = vmas[--n_vmas];
            g_host.stats.live_vmas--;
            continue;
        }
        if (cut_first > 0 && cut_end < v->npages) {
            /* a hole in the middle splits the VMA; both halves stay locked, as in Linux */
            sim_vma_t tail = { vlo + cut_end * SIM_PAGE_SIZE, v->npages - cut_end, v->prot,
                               v->locked, malloc(v->npages - cut_end) };
            memcpy(tail.mapped, v->mapped + cut_end, tail.npages);
            v->npages = cut_first;
            if (n_vmas == cap_vmas) {
                cap_vmas *= 2;
                vmas = realloc(vmas, cap_vmas * sizeof *vmas);
                v = &vmas[i];
            }
            vmas[n_vmas++] = tail;
            g_host.stats.live_vmas++;
        } else if (cut_first == 0) {
            memmove(v->mapped, v->mapped + cut_end, v->npages - cut_end);
            v->start += cut_end * SIM_PAGE_SIZE;
            v->npages -= cut_end;
        } else {
            v->npages = cut_first;
        }
        i++;
    }
    int ret = munmap(addr, len);
    pthread_mutex_unlock(&g_host.lock);
    return ret;
}

void *sim_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
int sim_mlock(const void *addr, size_t len) { return mlock(addr, len); }
int sim_munlock(const void *addr, size_t len) { return munlock(addr, len); }

/* ---- IOCTL_PRIVCMD_MMAPBATCH and _V2 ---- */

/* Maps page `index` of the VMA onto frame content: runs of frames whose content pages are
 * consecutive in the pool take one mmap call. Returns -ENOMEM where mmap fails. */
/* Frames whose content is built for them rather than taken from the pool. */
static bool built_page(const sim_domain_t *d, const uint64_t *gfns, const int64_t *metas, unsigned i)
{
    return metas[i] >= 0 || (d->state[gfns[i]] & FS_PLANTED);
}

static void map_frames_locked(sim_domain_t *d, sim_vma_t *v, size_t first_page,
                              const uint64_t *gfns, const int64_t *metas, int *errs, unsigned num,
                              int prot)
{
    for (unsigned i = 0; i < num;) {
        if (errs[i]) {
            i++;
            continue;
        }
        uint8_t *page = (uint8_t *)v->start + (first_page + i) * SIM_PAGE_SIZE;
        if (built_page(d, gfns, metas, i)) {
            void *p = mmap(page, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (p == MAP_FAILED) {
                errs[i++] = -ENOMEM;
                continue;
            }
            if (metas[i] >= 0) {
                pv_meta_content_locked(d, metas[i], p);
            } else {
                memcpy(p, g_host.pool + (size_t)host_content_page(d, gfns[i]) * SIM_PAGE_SIZE,
                       SIM_PAGE_SIZE);
                host_apply_plants(d, gfns[i], p);
            }
            if ((prot & (PROT_READ | PROT_WRITE)) != (PROT_READ | PROT_WRITE))
                mprotect(p, SIM_PAGE_SIZE, prot);
            v->mapped[first_page + i] = 1;
            i++;
            continue;
        }
        uint32_t pool_page = host_content_page(d, gfns[i]);
        unsigned run = 1;
        while (i + run < num && !errs[i + run] && !built_page(d, gfns, metas, i + run) &&
               host_content_page(d, gfns[i + run]) == pool_page + run)
            run++;
        void *p = mmap(page, (size_t)run * SIM_PAGE_SIZE, prot, MAP_PRIVATE | MAP_FIXED,
                       g_host.pool_fd, (off_t)pool_page * SIM_PAGE_SIZE);
        for (unsigned k = 0; k < run; k++) {
            if (p == MAP_FAILED)
                errs[i + k] = -ENOMEM;
            else
                v->mapped[first_page + i + k] = 1;
        }
        i += run;
    }
}

static bool enoent_result(const int *errs, unsigned num)
{
    if (g_host.knobs.enoent_rule) {
        for (unsigned i = 0; i < num; i++) {
            if (errs[i] == -ENOENT)
                return true;
        }
        return false;
    }
    for (unsigned end = REMAP_BLOCK; ; end += REMAP_BLOCK) {
        unsigned last = (end < num ? end : num) - 1;
        if (errs[last] == -ENOENT)
            return true;
        if (end >= num)
            return false;
    }
}

static long mmap_batch_locked(sim_fd_t *f, void *udata, int version)
{
    privcmd_mmapbatch_v2_t m;
    if (!udata)
        return -EFAULT;
    if (version == 1) {
        const privcmd_mmapbatch_t *v1 = udata;
        if (v1->num <= 0)
            return -EINVAL;
        m.num = (unsigned)v1->num;
        m.dom = v1->dom;
        m.addr = v1->addr;
        m.arr = v1->arr;
        m.err = NULL;
    } else {
        m = *(const privcmd_mmapbatch_v2_t *)udata;
        if (m.num == 0)
            return -EINVAL;
        if (!m.err)
            return -EFAULT;
    }
    if (!m.arr)
        return -EFAULT;

    uint64_t now = host_now_ms_locked();
    host_advance_all_locked(now);
    g_host.stats.mmapbatch_calls++;
    if (version == 1)
        g_host.stats.mmapbatch_v1_calls++;

    if (g_host.knobs.eperm)
        return -EPERM;
    if (f->restricted >= 0 && f->restricted != m.dom)
        return -EPERM;
    if (g_host.knobs.efault_after_calls >= 0 &&
        calls_since_efault_knob++ == g_host.knobs.efault_after_calls) {
        g_host.knobs.efault_after_calls = -1;
        if (m.err) /* not meaningful after a failed call: make sure nobody trusts it */
            memset(m.err, 0x7f, (size_t)m.num * sizeof(int));
        return -EFAULT;
    }
    if (version == 2)
        memset(m.err, 0, (size_t)m.num * sizeof(int)); /* the driver zeroes err first */

    sim_vma_t *v = find_vma_locked((uintptr_t)m.addr);
    if (!v || m.addr % SIM_PAGE_SIZE)
        return -EINVAL;
    size_t first_page = ((uintptr_t)m.addr - v->start) / SIM_PAGE_SIZE;
    if (!v->locked) {
        /* the first call on a fresh VMA must cover it exactly */
        if (first_page != 0 || m.num != v->npages)
            return -EINVAL;
    } else {
        /* later calls may only fill holes */
        if (first_page + m.num > v->npages)
            return -EINVAL;
        for (unsigned i = 0; i < m.num; i++) {
            if (v->mapped[first_page + i])
                return -EINVAL;
        }
    }
    v->locked = true;

    /* Xen's get_pg_owner: "Cannot specify itself as foreign domain" -> ESRCH in every slot */
    sim_domain_t *d = m.dom == g_host.knobs.self_domid ? NULL : host_find_domain_locked(m.dom);
    if (d && g_host.knobs.destroy_after_calls >= 0 && g_host.knobs.destroy_domid == m.dom &&
        d->batch_calls++ >= (uint64_t)g_host.knobs.destroy_after_calls) {
        host_destroy_domain_locked(d);
        g_host.knobs.destroy_after_calls = -1;
        d = NULL;
    }

    int *errs = malloc((size_t)m.num * sizeof(int));
    uint64_t *gfns = malloc((size_t)m.num * sizeof(uint64_t));
    int64_t *metas = malloc((size_t)m.num * sizeof(int64_t));
    if (!errs || !gfns || !metas) {
        free(errs);
        free(gfns);
        free(metas);
        return -ENOMEM;
    }
    bool any_error = false;
    for (unsigned i = 0; i < m.num; i++) {
        uint64_t gfn = m.arr[i];
        /* a PV dom0 silently aliases frame numbers at and above 2^40 onto low frames */
        if (g_host.knobs.alias_2_40)
            gfn &= (1ULL << GFN_ALIAS_BITS) - 1;
        metas[i] = -1;
        gfns[i] = gfn;
        if (d && d->pv) {
            /* a PV guest's frames are named by machine frame number */
            errs[i] = pv_resolve_locked(d, gfn, v->prot & PROT_WRITE, &gfns[i], &metas[i]);
            if (errs[i] || metas[i] >= 0)
                continue;
        }
        errs[i] = host_frame_result_locked(d, gfns[i], now);
    }
    if (d)
        map_frames_locked(d, v, first_page, gfns, metas, errs, m.num, v->prot);
    for (unsigned i = 0; i < m.num; i++) {
        if (errs[i])
            any_error = true;
        else
            g_host.stats.mapped_pages++;
    }

    if (version == 2) {
        for (unsigned i = 0; i < m.num; i++) {
            if (errs[i])
                m.err[i] = errs[i];
        }
    } else if (any_error) {
        xen_pfn_t *arr = (xen_pfn_t *)m.arr;
        for (unsigned i = 0; i < m.num; i++) {
            /* Linux 3.7 flagged every entry of a batch with any error; today only failures */
            if (errs[i] || g_host.knobs.v1_quirk)
                arr[i] |= errs[i] == -ENOENT ? PRIVCMD_MMAPBATCH_PAGED_ERROR
                                             : PRIVCMD_MMAPBATCH_MFN_ERROR;
        }
    }
    long ret = enoent_result(errs, m.num) ? -ENOENT : 0;
    free(errs);
    free(gfns);
    free(metas);
    return ret;
}

/* ---- IOCTL_PRIVCMD_HYPERCALL and _RESTRICT ---- */

#ifdef SIM_HAVE_XEN_DOMCTL
_Static_assert(sizeof(struct xen_domctl) == SIM_DOMCTL_SIZE, "xen_domctl size");
_Static_assert(offsetof(struct xen_domctl, interface_version) == SIM_DOMCTL_INTERFACE_VERSION, "interface_version");
_Static_assert(offsetof(struct xen_domctl, domain) == SIM_DOMCTL_DOMAIN, "domain");
_Static_assert(offsetof(struct xen_domctl, u) == SIM_DOMCTL_U, "u");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, flags) == SIM_GDI_FLAGS, "flags");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, tot_pages) == SIM_GDI_TOT_PAGES, "tot_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, max_pages) == SIM_GDI_MAX_PAGES, "max_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, shared_info_frame) == SIM_GDI_SHARED_INFO_FRAME, "shared_info_frame");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, arch_config) ==
               (XEN_DOMCTL_INTERFACE_VERSION >= SIM_DOMCTL_VERSION_GPADDR_BITS ? SIM_GDI_ARCH_CONFIG : SIM_GDI_ARCH_CONFIG_OLD),
               "arch_config");
_Static_assert(offsetof(struct shared_info, arch.max_pfn) == SIM_SHINFO_MAX_PFN, "max_pfn");
_Static_assert(offsetof(struct shared_info, arch.pfn_to_mfn_frame_list_list) == SIM_SHINFO_FRAME_LIST_LIST, "fll");
_Static_assert(offsetof(struct shared_info, arch.p2m_cr3) == SIM_SHINFO_P2M_CR3, "p2m_cr3");
_Static_assert(offsetof(struct shared_info, arch.p2m_vaddr) == SIM_SHINFO_P2M_VADDR, "p2m_vaddr");
_Static_assert(offsetof(struct shared_info, arch.p2m_generation) == SIM_SHINFO_P2M_GENERATION, "p2m_generation");
#endif

/* rcu_lock_domain_by_any_id: DOMID_SELF is the caller's own domain. */
static sim_domain_t *domain_by_any_id_locked(uint32_t domid)
{
    if (domid == SIM_DOMID_SELF)
        domid = g_host.knobs.self_domid < 0 ? SIM_DOMID_INVALID : (uint32_t)g_host.knobs.self_domid;
    return host_find_domain_locked(domid);
}

/* XENMEM_current_reservation, _maximum_reservation, _maximum_gpfn (xen/common/memory.c) */
static long memory_op_locked(uint64_t cmd, const domid_t *dom)
{
    if (cmd != XENMEM_maximum_gpfn && cmd != XENMEM_current_reservation && cmd != XENMEM_maximum_reservation)
        return -ENOSYS;
    if (!dom)
        return -EFAULT;
    sim_domain_t *d = domain_by_any_id_locked(*dom);
    if (!d)
        return -ESRCH;
    host_advance_all_locked(host_now_ms_locked()); /* paging moves tot_pages */
    if (cmd == XENMEM_maximum_gpfn) /* for a PV guest: the max_pfn of its shared info, less one */
        return (long)((d->pv ? pv_max_pfn(d) : d->frames) - 1);
    if (cmd == XENMEM_maximum_reservation)
        return (long)(d->static_max_kib / (SIM_PAGE_SIZE / 1024));
    host_refresh_counts_locked(d);
    return (long)(d->populated_frames - d->paged_frames); /* paged-out pages are given back */
}

static void put_u16(uint8_t *p, size_t at, uint16_t v) { memcpy(p + at, &v, sizeof v); }
static void put_u32(uint8_t *p, size_t at, uint32_t v) { memcpy(p + at, &v, sizeof v); }
static void put_u64(uint8_t *p, size_t at, uint64_t v) { memcpy(p + at, &v, sizeof v); }

/* XEN_DOMCTL_getdomaininfo, laid out for the configured interface version. */
static long getdomaininfo_locked(uint8_t *op, uint32_t version)
{
    uint16_t domid;
    memcpy(&domid, op + SIM_DOMCTL_DOMAIN, sizeof domid);
    sim_domain_t *d = NULL;
    if (version >= SIM_DOMCTL_VERSION_EXACT_DOMAIN) {
        d = host_find_domain_locked(domid);
    } else {
        if (domid >= SIM_DOMID_FIRST_RESERVED)
            return -EINVAL;
        for (size_t i = 0; i < g_host.n_domains; i++) {
            sim_domain_t *c = g_host.domains[i];
            if (!c->destroyed && c->domid >= domid && (!d || c->domid < d->domid))
                d = c;
        }
    }
    if (!d)
        return -ESRCH;
    host_advance_all_locked(host_now_ms_locked());
    host_refresh_counts_locked(d);
    uint8_t *u = op + SIM_DOMCTL_U;
    memset(u, 0, SIM_DOMCTL_SIZE - SIM_DOMCTL_U);
    put_u16(u, SIM_GDI_DOMAIN, (uint16_t)d->domid);
    put_u32(u, SIM_GDI_FLAGS, XEN_DOMINF_running | (d->type == SIM_PV ? 0 : XEN_DOMINF_hvm_guest));
    put_u64(u, SIM_GDI_TOT_PAGES, d->populated_frames - d->paged_frames);
    put_u64(u, SIM_GDI_MAX_PAGES, d->static_max_kib / (SIM_PAGE_SIZE / 1024));
    /* a PV guest's shared info is named by mfn; an HVM guest's gfn is whatever it chose */
    put_u64(u, SIM_GDI_SHARED_INFO_FRAME, d->pv ? pv_meta_first(d->pv) + PV_META_SHINFO : ~0ULL);
    put_u32(u, SIM_GDI_NR_ONLINE_VCPUS, 1);
    size_t arch = SIM_GDI_ARCH_CONFIG_OLD;
    if (version >= SIM_DOMCTL_VERSION_GPADDR_BITS) {
        u[SIM_GDI_GPADDR_BITS] = 40;
        arch = SIM_GDI_ARCH_CONFIG;
    }
    /* emulation_flags: what Xen accepts for an HVM and a PVH domU (emulation_flags_ok) */
    uint32_t emulation = d->type == SIM_HVM ? (XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI)
                       : d->type == SIM_PVH ? XEN_X86_EMU_LAPIC : 0;
    put_u32(u, arch, emulation);
    put_u16(op, SIM_DOMCTL_DOMAIN, (uint16_t)d->domid);
    return 0;
}

/* do_domctl: the interface version first, as Xen checks it before anything else */
static long domctl_locked(uint8_t *op)
{
    if (!op)
        return -EFAULT;
    uint32_t cmd, version;
    memcpy(&cmd, op + SIM_DOMCTL_CMD, sizeof cmd);
    memcpy(&version, op + SIM_DOMCTL_INTERFACE_VERSION, sizeof version);
    if (version != (uint64_t)g_host.knobs.domctl_version)
        return -EACCES;
    if (cmd == XEN_DOMCTL_getdomaininfo)
        return getdomaininfo_locked(op, version);
    return -ENOSYS;
}

static long hypercall_locked(sim_fd_t *f, void *udata)
{
    if (!udata)
        return -EFAULT;
    if (f->restricted >= 0)
        return -EPERM;
    const privcmd_hypercall_t *h = udata;
    if (h->op == __HYPERVISOR_memory_op)
        return memory_op_locked(h->arg[0], (const domid_t *)(uintptr_t)h->arg[1]);
    if (h->op == __HYPERVISOR_domctl)
        return domctl_locked((uint8_t *)(uintptr_t)h->arg[0]);
    return -ENOSYS;
}

static long restrict_locked(sim_fd_t *f, void *udata)
{
    if (!udata)
        return -EFAULT;
    domid_t dom = *(const domid_t *)udata;
    if (f->restricted >= 0 && f->restricted != dom)
        return -EINVAL;
    f->restricted = dom;
    return 0;
}

int sim_ioctl(int fd, unsigned long request, void *arg)
{
    pthread_mutex_lock(&g_host.lock);
    host_init_once();
    sim_fd_t *f = find_fd_locked(fd);
    if (!f) {
        pthread_mutex_unlock(&g_host.lock);
        return ioctl(fd, request, arg);
    }
    long ret;
    switch (request) {
    case IOCTL_PRIVCMD_MMAPBATCH_V2:
        ret = g_host.knobs.no_v2 ? -g_host.knobs.v2_errno : mmap_batch_locked(f, arg, 2);
        break;
    case IOCTL_PRIVCMD_MMAPBATCH:
        ret = mmap_batch_locked(f, arg, 1);
        break;
    case IOCTL_PRIVCMD_HYPERCALL:
        ret = hypercall_locked(f, arg);
        break;
    case IOCTL_PRIVCMD_RESTRICT:
        ret = restrict_locked(f, arg);
        break;
    default:
        ret = -ENOTTY;
    }
    pthread_mutex_unlock(&g_host.lock);
    if (ret < 0) {
        errno = (int)-ret;
        return -1;
    }
    return (int)ret;
}

int sim_stats(sim_stats_t *out)
{
    if (!out) {
        errno = EFAULT;
        return -1;
    }
    pthread_mutex_lock(&g_host.lock);
    *out = g_host.stats;
    pthread_mutex_unlock(&g_host.lock);
    return 0;
}

/* ---- the ABI the library was built with ---- */

int64_t sim_abi_value(const char *name)
{
    static const struct {
        const char *name;
        int64_t value;
    } abi[] = {
        { "sizeof_privcmd_hypercall", sizeof(privcmd_hypercall_t) },
        { "offsetof_privcmd_hypercall_arg", offsetof(privcmd_hypercall_t, arg) },
        { "sizeof_privcmd_mmapbatch", sizeof(privcmd_mmapbatch_t) },
        { "offsetof_privcmd_mmapbatch_num", offsetof(privcmd_mmapbatch_t, num) },
        { "offsetof_privcmd_mmapbatch_dom", offsetof(privcmd_mmapbatch_t, dom) },
        { "offsetof_privcmd_mmapbatch_addr", offsetof(privcmd_mmapbatch_t, addr) },
        { "offsetof_privcmd_mmapbatch_arr", offsetof(privcmd_mmapbatch_t, arr) },
        { "sizeof_privcmd_mmapbatch_v2", sizeof(privcmd_mmapbatch_v2_t) },
        { "offsetof_privcmd_mmapbatch_v2_num", offsetof(privcmd_mmapbatch_v2_t, num) },
        { "offsetof_privcmd_mmapbatch_v2_dom", offsetof(privcmd_mmapbatch_v2_t, dom) },
        { "offsetof_privcmd_mmapbatch_v2_addr", offsetof(privcmd_mmapbatch_v2_t, addr) },
        { "offsetof_privcmd_mmapbatch_v2_arr", offsetof(privcmd_mmapbatch_v2_t, arr) },
        { "offsetof_privcmd_mmapbatch_v2_err", offsetof(privcmd_mmapbatch_v2_t, err) },
        { "sizeof_domid_t", sizeof(domid_t) },
        { "sizeof_xen_pfn_t", sizeof(xen_pfn_t) },
        { "IOCTL_PRIVCMD_HYPERCALL", (int64_t)IOCTL_PRIVCMD_HYPERCALL },
        { "IOCTL_PRIVCMD_MMAPBATCH", (int64_t)IOCTL_PRIVCMD_MMAPBATCH },
        { "IOCTL_PRIVCMD_MMAPBATCH_V2", (int64_t)IOCTL_PRIVCMD_MMAPBATCH_V2 },
        { "IOCTL_PRIVCMD_RESTRICT", (int64_t)IOCTL_PRIVCMD_RESTRICT },
        { "PRIVCMD_MMAPBATCH_MFN_ERROR", (int64_t)PRIVCMD_MMAPBATCH_MFN_ERROR },
        { "PRIVCMD_MMAPBATCH_PAGED_ERROR", (int64_t)PRIVCMD_MMAPBATCH_PAGED_ERROR },
        { "__HYPERVISOR_memory_op", __HYPERVISOR_memory_op },
        { "__HYPERVISOR_domctl", __HYPERVISOR_domctl },
        { "XENMEM_maximum_gpfn", XENMEM_maximum_gpfn },
        { "XENMEM_current_reservation", XENMEM_current_reservation },
        { "XENMEM_maximum_reservation", XENMEM_maximum_reservation },
        { "XEN_DOMCTL_getdomaininfo", XEN_DOMCTL_getdomaininfo },
        { "XEN_DOMINF_hvm_guest", XEN_DOMINF_hvm_guest },
        { "XEN_X86_EMU_PIC", XEN_X86_EMU_PIC },
#ifdef SIM_HAVE_XEN_DOMCTL
        /* the installed header's own version and layout */
        { "XEN_DOMCTL_INTERFACE_VERSION", XEN_DOMCTL_INTERFACE_VERSION },
        { "sizeof_xen_domctl", sizeof(struct xen_domctl) },
        { "offsetof_xen_domctl_interface_version", offsetof(struct xen_domctl, interface_version) },
        { "offsetof_xen_domctl_domain", offsetof(struct xen_domctl, domain) },
        { "offsetof_xen_domctl_u", offsetof(struct xen_domctl, u) },
        { "offsetof_getdomaininfo_flags", offsetof(struct xen_domctl_getdomaininfo, flags) },
        { "offsetof_getdomaininfo_tot_pages", offsetof(struct xen_domctl_getdomaininfo, tot_pages) },
        { "offsetof_getdomaininfo_max_pages", offsetof(struct xen_domctl_getdomaininfo, max_pages) },
        { "offsetof_getdomaininfo_shared_info_frame", offsetof(struct xen_domctl_getdomaininfo, shared_info_frame) },
        { "offsetof_getdomaininfo_arch_config", offsetof(struct xen_domctl_getdomaininfo, arch_config) },
        { "offsetof_shared_info_max_pfn", offsetof(struct shared_info, arch.max_pfn) },
        { "offsetof_shared_info_pfn_to_mfn_frame_list_list", offsetof(struct shared_info, arch.pfn_to_mfn_frame_list_list) },
        { "offsetof_shared_info_p2m_cr3", offsetof(struct shared_info, arch.p2m_cr3) },
        { "offsetof_shared_info_p2m_vaddr", offsetof(struct shared_info, arch.p2m_vaddr) },
        { "offsetof_shared_info_p2m_generation", offsetof(struct shared_info, arch.p2m_generation) },
#endif
    };
    for (size_t i = 0; name && i < sizeof abi / sizeof abi[0]; i++) {
        if (!strcmp(abi[i].name, name))
            return abi[i].value;
    }
    return -1;
}

const char *sim_abi_source(void) { return SIM_ABI_SOURCE; }
