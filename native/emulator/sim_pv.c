/*
 * PV guests: machine frames, and the p2m a PV guest publishes in its shared info, in both of
 * the forms Xen's own dump code reads (tools/libs/guest/xg_core_x86.c):
 *
 * - the 3-level tree: pfn_to_mfn_frame_list_list names a page of mfns of frame-list pages,
 *   each naming up to 512 p2m pages;
 * - the virtually mapped list (current Linux): p2m_vaddr in the address space whose top page
 *   table p2m_cr3 names, walked L4 -> L3 -> L2 -> L1 -> p2m pages.
 *
 * As in Linux (arch/x86/xen/p2m.c), an invalid entry is ~0, a stretch of 512 invalid entries
 * is one shared "missing" p2m page, and non-RAM e820 space is identity-mapped (bit 62).
 * Page tables are typed pages: Xen refuses to map them writable (-EBUSY, get_page_from_l1e);
 * a frame the guest does not own answers -EBUSY too, below 0x100 -EPERM (MMIO, dom_io).
 * Everything here runs under g_host.lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim_abi.h"
#include "sim_internal.h"

#define ENTRIES_PER_PAGE 512ULL
#define SHUFFLE_BLOCK 64ULL
/* Each PV guest's machine frames start at (domid + 1) << this: below 2^40 for every domid. */
#define REGION_SHIFT 25
#define LOW_MMIO_FRAMES 0x100ULL

#define P2M_INVALID (~0ULL)
#define P2M_IDENTITY_BIT (1ULL << 62)
/* Linux keeps the list in vmalloc space; 1 GiB-aligned here, so one L2 table maps it all. */
#define P2M_VADDR 0xffffc90040000000ULL
#define P2M_BAD_VADDR 0x0000900000000000ULL /* not canonical: bits 47-63 differ */
#define PTE_TABLE 0x067ULL                  /* present, rw, user, accessed, dirty */
#define PTE_P2M_PAGE 0x025ULL               /* present, user, accessed: read-only */
#define HUGE_MAX_PFN (1ULL << 40)
/* Frames the hostile p2m entries point at: not the guest's, and past 2^40. */
#define UNOWNED_MFN 0x5000ULL
#define PAST_2_40 (1ULL << 40)

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* An involution: pfn and mfn swap places inside blocks of 64, picked by the block number. */
static uint64_t shuffle(uint64_t x) { return x ^ ((x / SHUFFLE_BLOCK) % SHUFFLE_BLOCK); }

sim_pv_t *pv_create(uint32_t domid, uint64_t frames)
{
    sim_pv_t *pv = calloc(1, sizeof *pv);
    if (!pv)
        return NULL;
    pv->mfn_base = (uint64_t)(domid + 1) << REGION_SHIFT;
    pv->region = ceil_div(frames, SHUFFLE_BLOCK) * SHUFFLE_BLOCK;
    pv->n_p2m = ceil_div(frames, ENTRIES_PER_PAGE);
    pv->n_fl = ceil_div(pv->n_p2m, ENTRIES_PER_PAGE);
    pv->n_l1 = ceil_div(pv->n_p2m, ENTRIES_PER_PAGE);
    return pv;
}

uint64_t pv_meta_first(const sim_pv_t *pv) { return pv->mfn_base + pv->region; }

uint64_t pv_meta_count(const sim_pv_t *pv) { return PV_META_L1 + pv->n_l1 + pv->n_fl + pv->n_p2m; }

static uint64_t meta_mfn(const sim_pv_t *pv, uint64_t index) { return pv_meta_first(pv) + index; }
static uint64_t fl_index(const sim_pv_t *pv, uint64_t j) { return PV_META_L1 + pv->n_l1 + j; }
static uint64_t p2m_index(const sim_pv_t *pv, uint64_t k) { return PV_META_L1 + pv->n_l1 + pv->n_fl + k; }

uint64_t pv_max_pfn(const sim_domain_t *d)
{
    return d->pv && d->pv->hostile == SIM_P2M_HUGE ? HUGE_MAX_PFN : d->frames;
}

static int kind_of(const sim_domain_t *d, uint64_t pfn) { return d->state[pfn] & FS_KIND_MASK; }

uint64_t pv_p2m_entry_locked(const sim_domain_t *d, uint64_t pfn)
{
    const sim_pv_t *pv = d->pv;
    if (pfn >= d->frames)
        return P2M_INVALID;
    if (pv->hostile == SIM_P2M_OUT_OF_RANGE && pfn % ENTRIES_PER_PAGE >= 0x20 && pfn % ENTRIES_PER_PAGE < 0x40)
        return pfn % ENTRIES_PER_PAGE < 0x30 ? PAST_2_40 + pfn : UNOWNED_MFN + pfn;
    switch (kind_of(d, pfn)) {
    case SIM_BALLOONED: return P2M_INVALID;
    case SIM_HOLE: return pfn | P2M_IDENTITY_BIT;
    default: return pv->mfn_base + shuffle(pfn);
    }
}

/* Whether p2m page k holds nothing but invalid entries: then the list and the tree name the
 * shared missing page instead of it. */
static bool p2m_page_missing(const sim_domain_t *d, uint64_t k)
{
    for (uint64_t pfn = k * ENTRIES_PER_PAGE; pfn < (k + 1) * ENTRIES_PER_PAGE; pfn++) {
        if (pv_p2m_entry_locked(d, pfn) != P2M_INVALID)
            return false;
    }
    return true;
}

static uint64_t p2m_page_mfn(const sim_domain_t *d, uint64_t k)
{
    return meta_mfn(d->pv, p2m_page_missing(d, k) ? PV_META_MISSING : p2m_index(d->pv, k));
}

static bool is_page_table(const sim_pv_t *pv, uint64_t index)
{
    return index >= PV_META_L4 && index < PV_META_L1 + pv->n_l1;
}

int pv_resolve_locked(const sim_domain_t *d, uint64_t mfn, bool writable, uint64_t *pfn, int64_t *meta)
{
    const sim_pv_t *pv = d->pv;
    *meta = -1;
    uint64_t first = pv_meta_first(pv);
    if (mfn >= first && mfn < first + pv_meta_count(pv)) {
        if (writable && is_page_table(pv, mfn - first))
            return -EBUSY;
        *meta = (int64_t)(mfn - first);
        return 0;
    }
    if (pv->form == SIM_P2M_NONE) {
        *pfn = mfn; /* no p2m: frame numbers answer by the layout, as they always did */
        return 0;
    }
    if (mfn >= pv->mfn_base && mfn < pv->mfn_base + pv->region) {
        uint64_t p = shuffle(mfn - pv->mfn_base);
        if (p < d->frames && pv_p2m_entry_locked(d, p) == mfn) {
            *pfn = p;
            return 0;
        }
    }
    return mfn < LOW_MMIO_FRAMES ? -EPERM : -EBUSY;
}

static void put64(uint8_t *page, size_t offset, uint64_t value) { memcpy(page + offset, &value, 8); }

static void shared_info(const sim_domain_t *d, uint8_t *page)
{
    const sim_pv_t *pv = d->pv;
    bool tree = pv->form == SIM_P2M_TREE || pv->form == SIM_P2M_BOTH;
    bool list = pv->form == SIM_P2M_LIST || pv->form == SIM_P2M_BOTH;
    put64(page, SIM_SHINFO_MAX_PFN, pv->form == SIM_P2M_NONE ? 0 : pv_max_pfn(d));
    /* ~0: "use the list" (SIF_VIRT_P2M_4TOOLS), 0: not set up */
    put64(page, SIM_SHINFO_FRAME_LIST_LIST, tree ? meta_mfn(pv, PV_META_FLL) : list ? ~0ULL : 0);
    put64(page, SIM_SHINFO_P2M_CR3, list ? meta_mfn(pv, PV_META_L4) << SIM_PAGE_SHIFT : 0);
    put64(page, SIM_SHINFO_P2M_VADDR, !list ? 0 : pv->hostile == SIM_P2M_BAD_VADDR ? P2M_BAD_VADDR : P2M_VADDR);
    put64(page, SIM_SHINFO_P2M_GENERATION, pv->hostile == SIM_P2M_IN_PROGRESS ? pv->generation | 1 : pv->generation);
}

static uint64_t pt_index(uint64_t vaddr, unsigned level) { return (vaddr >> (12 + 9 * (level - 1))) & 511; }

void pv_meta_content_locked(const sim_domain_t *d, int64_t index, uint8_t *page)
{
    const sim_pv_t *pv = d->pv;
    uint64_t *e = (uint64_t *)page;
    memset(page, 0, SIM_PAGE_SIZE);
    uint64_t i = (uint64_t)index;
    if (i == PV_META_SHINFO) {
        shared_info(d, page);
    } else if (i == PV_META_MISSING) {
        memset(page, 0xff, SIM_PAGE_SIZE);
    } else if (i == PV_META_FLL) {
        for (uint64_t j = 0; j < pv->n_fl; j++)
            e[j] = meta_mfn(pv, fl_index(pv, j));
        if (pv->hostile == SIM_P2M_LOOP)
            e[0] = meta_mfn(pv, PV_META_FLL);
        else if (pv->hostile == SIM_P2M_BAD_TABLE)
            e[0] = UNOWNED_MFN;
    } else if (i == PV_META_L4) {
        e[pt_index(P2M_VADDR, 4)] = meta_mfn(pv, PV_META_L3) << SIM_PAGE_SHIFT | PTE_TABLE;
    } else if (i == PV_META_L3) {
        uint64_t to = pv->hostile == SIM_P2M_BAD_TABLE ? UNOWNED_MFN : meta_mfn(pv, PV_META_L2);
        e[pt_index(P2M_VADDR, 3)] = to << SIM_PAGE_SHIFT | PTE_TABLE;
    } else if (i == PV_META_L2) {
        for (uint64_t j = 0; j < pv->n_l1; j++)
            e[pt_index(P2M_VADDR, 2) + j] = meta_mfn(pv, PV_META_L1 + j) << SIM_PAGE_SHIFT | PTE_TABLE;
        if (pv->hostile == SIM_P2M_LOOP)
            e[pt_index(P2M_VADDR, 2)] = meta_mfn(pv, PV_META_L3) << SIM_PAGE_SHIFT | PTE_TABLE;
    } else if (i < PV_META_L1 + pv->n_l1) {
        uint64_t first = (i - PV_META_L1) * ENTRIES_PER_PAGE;
        for (uint64_t k = first; k < first + ENTRIES_PER_PAGE && k < pv->n_p2m; k++)
            e[k - first] = p2m_page_mfn(d, k) << SIM_PAGE_SHIFT | PTE_P2M_PAGE;
    } else if (i < fl_index(pv, pv->n_fl)) {
        uint64_t first = (i - fl_index(pv, 0)) * ENTRIES_PER_PAGE;
        for (uint64_t k = first; k < first + ENTRIES_PER_PAGE && k < pv->n_p2m; k++)
            e[k - first] = p2m_page_mfn(d, k);
    } else {
        uint64_t first = (i - p2m_index(pv, 0)) * ENTRIES_PER_PAGE;
        for (uint64_t k = 0; k < ENTRIES_PER_PAGE; k++)
            e[k] = pv_p2m_entry_locked(d, first + k);
    }
}

/* ---- public control API ---- */

int sim_domain_set_p2m(uint32_t domid, uint32_t form, uint32_t hostile)
{
    int ret = -1;
    pthread_mutex_lock(&g_host.lock);
    host_init_once();
    sim_domain_t *d = host_find_domain_locked(domid);
    if (!d) {
        errno = ESRCH;
    } else if (!d->pv || form > SIM_P2M_BOTH || hostile > SIM_P2M_HOSTILE_MAX ||
               (form != SIM_P2M_NONE && d->frames > SIM_PV_FRAMES_MAX)) {
        errno = EINVAL;
    } else {
        d->pv->form = form;
        d->pv->hostile = hostile;
        ret = 0;
    }
    pthread_mutex_unlock(&g_host.lock);
    return ret;
}

int64_t sim_domain_mfn(uint32_t domid, uint64_t pfn)
{
    int64_t ret = -1;
    pthread_mutex_lock(&g_host.lock);
    host_init_once();
    sim_domain_t *d = host_find_domain_locked(domid);
    if (!d) {
        errno = ESRCH;
    } else if (!d->pv || d->pv->form == SIM_P2M_NONE || pfn >= d->frames) {
        errno = EINVAL;
    } else {
        uint64_t e = pv_p2m_entry_locked(d, pfn);
        if (e == P2M_INVALID || (e & P2M_IDENTITY_BIT))
            errno = EINVAL;
        else
            ret = (int64_t)e;
    }
    pthread_mutex_unlock(&g_host.lock);
    return ret;
}
