/*
 * The built-in default host: what framescope shows when no Xen host is at hand. Its guests
 * are modelled on what IOCTL_PRIVCMD_MMAPBATCH_V2 answered on real guests
 * (shared/reference/real-layouts), plus larger guests with paging under way.
 */
#include <stdint.h>
#include <string.h>

#include "privcmd_sim.h"

struct run {
    uint64_t first, last;
};

/* RAM runs of hvm-64MiB.ranges (an HVM guest in its firmware); all else answered -EINVAL */
static const struct run hvm_64mib_ram[] = {
    { 0x0, 0x9f }, { 0xc0, 0x3fff }, { 0xfc000, 0xfc00a }, { 0xfc100, 0xfc100 },
    { 0xfdfff, 0xfdfff }, { 0xfeff0, 0xfefff },
};

/* RAM runs of pvh-128MiB-ballooned-to-77MiB.ranges (a PVH guest after xl mem-set) */
static const struct run pvh_128mib_ballooned_ram[] = {
    { 0x0, 0x11f }, { 0x390, 0x3ff }, { 0x1000, 0x1e01 }, { 0x2000, 0x28ea },
    { 0x28f1, 0x29bf }, { 0x29ca, 0x3043 }, { 0x3306, 0x4202 }, { 0x4400, 0x44ff },
    { 0x4a00, 0x4a00 }, { 0x4be6, 0x5607 }, { 0x560c, 0x561b }, { 0x561e, 0x561e },
    { 0x5625, 0x5627 }, { 0x5629, 0x5643 }, { 0x5664, 0x5664 }, { 0x5666, 0x567d },
    { 0x5700, 0x6091 }, { 0x6400, 0x67e8 }, { 0x67ea, 0x67ed }, { 0x67f0, 0x683f },
    { 0x6842, 0x6967 }, { 0x696c, 0x69ff }, { 0x7a00, 0x7a3d }, { 0x7c00, 0x7dff },
    { 0x7e43, 0x7eff }, { 0x7f80, 0x7fff }, { 0xffff, 0xffff }, { 0xfc000, 0xfc008 },
    { 0xfeff8, 0xfefff },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define KIB_PER_FRAME 4
#define MIB(n) ((uint64_t)(n) * 1024)

/* Marks everything a hole (or ballooned below `balloon_end`), then the RAM runs. */
static void layout(uint32_t domid, uint64_t frames, const struct run *ram, size_t n,
                   uint64_t balloon_end)
{
    if (balloon_end)
        sim_domain_set_range(domid, 0, balloon_end - 1, SIM_BALLOONED);
    if (balloon_end < frames)
        sim_domain_set_range(domid, balloon_end, frames - 1, SIM_HOLE);
    for (size_t i = 0; i < n; i++)
        sim_domain_set_range(domid, ram[i].first, ram[i].last, SIM_RAM);
}

/* An HVM guest with `below` frames of RAM under the PCI hole and `above` over 4 GiB. */
static void hvm_guest(uint32_t domid, const char *name, uint64_t below, uint64_t above)
{
    uint64_t frames = above ? 0x100000 + above : 0x100000;
    uint64_t kib = (below - 0x20 + above) * KIB_PER_FRAME;
    sim_domain_add(domid, name, SIM_HVM, frames, kib, kib);
    struct run ram[5];
    size_t n = 0;
    ram[n++] = (struct run){ 0x0, 0x9f };              /* the VGA hole 0xa0-0xbf follows */
    ram[n++] = (struct run){ 0xc0, below - 1 };
    ram[n++] = (struct run){ 0xfc000, 0xfc00a };        /* firmware tables */
    ram[n++] = (struct run){ 0xfeff0, 0xfefff };        /* special pages: xenstore, console */
    if (above)
        ram[n++] = (struct run){ 0x100000, 0x100000 + above - 1 };
    layout(domid, frames, ram, n, 0);
}

static void plant(uint32_t domid, uint64_t gfn, uint32_t offset, const char *text)
{
    sim_domain_plant(domid, gfn, offset, (const uint8_t *)text, (uint32_t)strlen(text) + 1);
}

static void plant_utf16(uint32_t domid, uint64_t gfn, uint32_t offset, const char *ascii)
{
    uint8_t buf[256];
    size_t n = strlen(ascii);
    for (size_t i = 0; i <= n && 2 * i + 1 < sizeof buf; i++) {
        buf[2 * i] = (uint8_t)ascii[i];
        buf[2 * i + 1] = 0;
    }
    sim_domain_plant(domid, gfn, offset, buf, (uint32_t)(2 * n + 2));
}

int sim_host_load_default(uint64_t seed)
{
    sim_host_reset(seed);

    /* A PV dom0, the domain framescope runs in (the self_domid knob): mapping its frames
     * answers ESRCH, as Xen answers a domain naming itself as the foreign domain. Xen 4.17
     * said 0x50000 frames (XENMEM_maximum_gpfn) for a dom0 of 1 GiB. Seen from elsewhere (the
     * knob changed), its pfns answer as a PV guest's pfns sent as machine frames do: EPERM,
     * EBUSY, and EINVAL past its memory. */
    sim_domain_add(0, "Domain-0", SIM_PV, 0x50000, MIB(1024), MIB(1024));
    sim_domain_set_range(0, 0x0, 0xff, SIM_PERM);
    sim_domain_set_range(0, 0x100, 0x3ffff, SIM_BUSY);
    sim_domain_set_range(0, 0x40000, 0x4ffff, SIM_HOLE);

    sim_domain_add(1, "hvm-firmware", SIM_HVM, 0x100000, MIB(64), MIB(64));
    layout(1, 0x100000, hvm_64mib_ram, N(hvm_64mib_ram), 0);
    sim_domain_set_paging(1, 20, 15, 12, 50, 0.10, 0.5, 64);
    plant(1, 0xfeffc, 0x40, "xenstore ring: /local/domain/1/name = hvm-firmware");

    sim_domain_add(2, "pvh-ballooned", SIM_PVH, 0x100000, MIB(77), MIB(128));
    layout(2, 0x100000, pvh_128mib_ballooned_ram, N(pvh_128mib_ballooned_ram), 0x8000);
    sim_domain_set_paging(2, 10, 10, 12, 50, 0.05, 0.3, 64);

    hvm_guest(3, "web-01", 0x80000, 0);                 /* 2 GiB */
    sim_domain_set_paging(3, 400, 300, 12, 50, 0.15, 0.4, 64);
    plant(3, 0x1234, 0x100, "FRAMESCOPE-MARKER web-01 gfn 0x1234");
    /* straddles the boundary between frames 0x2000 and 0x2001, for search tests */
    plant(3, 0x2000, 4090, "BOUNDARY-MARKER");
    plant_utf16(3, 0x4242, 0x200, "C:\\framescope\\utf16-marker.txt");

    hvm_guest(4, "db-02", 0xf0000, 0x110000);           /* 8 GiB, memory above 4 GiB */
    sim_domain_set_range(4, 0x150000, 0x15003f, SIM_NOMEM); /* shared pages that cannot unshare */
    sim_domain_set_paging(4, 2000, 1500, 12, 50, 0.20, 0.3, 64);

    hvm_guest(5, "bigmem-64g", 0xf0000, 0xf10000);      /* 64 GiB: 16.8 M frames */
    sim_domain_set_paging(5, 500, 400, 12, 50, 0.02, 0.1, 64);

    /* A PV guest of 256 MiB ballooned down: privcmd takes its machine frames, which framescope
     * finds through the p2m it publishes as current Linux does (the virtually mapped list).
     * Where the balloon took pages the p2m has invalid entries, and over 0x7a00-0x7bff and
     * past 0xa000 whole p2m pages of them (the shared "missing" page). */
    sim_domain_add(6, "pv-guest", SIM_PV, 0x10000, MIB(160), MIB(256));
    sim_domain_set_range(6, 0x3000, 0x30ff, SIM_BALLOONED);
    sim_domain_set_range(6, 0x4801, 0x4801, SIM_BALLOONED);
    sim_domain_set_range(6, 0x7a00, 0x7bff, SIM_BALLOONED);
    sim_domain_set_range(6, 0xa000, 0xffff, SIM_BALLOONED);
    sim_domain_set_p2m(6, SIM_P2M_LIST, SIM_P2M_SOUND);
    plant(6, 0x1234, 0x100, "FRAMESCOPE-MARKER pv-guest pfn 0x1234");
    return 0;
}
