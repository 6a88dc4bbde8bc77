/*
 * The reference framescope's real-Xen test compares it with: the privcmd MMAPBATCH ioctls,
 * done by hand in C, in dom0.
 *
 *   probe DOMID v1|v2 START COUNT OUT [BATCH]   frames START..START+COUNT-1, BATCH per ioctl
 *   probe DOMID v1|v2 @LIST OUT [BATCH]         the frame numbers in LIST (one per line)
 *
 * OUT gets one int32 per frame: V2, the err[] value; V1, 0 (mapped), -ENOENT (PAGED_ERROR) or
 * -1 (MFN_ERROR: V1 has no errno). Every batch gets a fresh VMA, as framescope maps. stdout:
 * "time_ms=T scan_ms=S ioctls=N mapped=M marker_frame=G marker_index=I" (G: the first frame
 * holding the guest's marker, I its index in the list, or -1): T the time of the ioctls alone, S
 * that of everything a scan does (mmap, ioctl, reading the answers, munmap; not the marker search).
 *
 * PROBE_RO=1 maps read-only, as framescope maps a PV guest (Xen refuses writable mappings of its
 * page-table pages: EBUSY).
 *
 * Build: gcc -O2 -Wall -o probe probe.c   (libxen-dev's headers)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>

#define PAGE 4096UL
#define MARKER "FSXEN-GUEST-MARKER-"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static xen_pfn_t *read_list(const char *file, unsigned long *n)
{
    FILE *f = fopen(file, "r");
    if (!f) { perror(file); exit(2); }
    unsigned long cap = 1024;
    xen_pfn_t *v = malloc(cap * sizeof *v);
    char line[128];
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        char *end;
        unsigned long long x = strtoull(line, &end, 0);
        if (end == line) continue;
        if (*n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = (xen_pfn_t)x;
    }
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: probe DOMID v1|v2 START COUNT OUT [BATCH] | probe DOMID v1|v2 @LIST OUT [BATCH]\n");
        return 2;
    }
    domid_t dom = (domid_t)strtoul(argv[1], NULL, 0);
    int v1 = strcmp(argv[2], "v1") == 0;
    unsigned long n;
    xen_pfn_t *frames;
    int argi;
    if (argv[3][0] == '@') {
        frames = read_list(argv[3] + 1, &n);
        argi = 4;
    } else {
        unsigned long start = strtoul(argv[3], NULL, 0);
        n = strtoul(argv[4], NULL, 0);
        frames = malloc(n * sizeof *frames);
        for (unsigned long i = 0; i < n; i++) frames[i] = start + i;
        argi = 5;
    }
    if (argi >= argc || n == 0) { fprintf(stderr, "probe: need OUT and at least one frame\n"); return 2; }
    const char *out = argv[argi];
    unsigned long batch = argi + 1 < argc ? strtoul(argv[argi + 1], NULL, 0) : n;
    if (batch == 0) batch = n;

    int prot = getenv("PROBE_RO") && strcmp(getenv("PROBE_RO"), "1") == 0 ? PROT_READ : PROT_READ | PROT_WRITE;
    int fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("open /dev/xen/privcmd"); return 1; }
    int32_t *res = calloc(n, sizeof *res);
    xen_pfn_t *arr = malloc(batch * sizeof *arr);
    int *err = malloc(batch * sizeof *err);
    double ioctl_ms = 0, scan_ms = 0;
    unsigned long ioctls = 0, mapped = 0;
    long marker_frame = -1, marker_index = -1;

    for (unsigned long at = 0; at < n; at += batch) {
        unsigned long k = n - at < batch ? n - at : batch;
        double start = now_ms(), search_ms = 0;
        unsigned char *va = mmap(NULL, k * PAGE, prot, MAP_SHARED, fd, 0);
        if (va == MAP_FAILED) { perror("mmap /dev/xen/privcmd"); return 1; }
        memcpy(arr, frames + at, k * sizeof *arr);
        double t0 = now_ms();
        int rc;
        if (v1) {
            privcmd_mmapbatch_t b = { .num = (int)k, .dom = dom, .addr = (uintptr_t)va, .arr = arr };
            rc = ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH, &b);
        } else {
            privcmd_mmapbatch_v2_t b = { .num = (unsigned)k, .dom = dom, .addr = (uintptr_t)va, .arr = arr, .err = err };
            rc = ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &b);
        }
        int e = errno;
        ioctl_ms += now_ms() - t0;
        ioctls++;
        /* ENOENT only says some frame is paged out; the per-frame answers are still valid. */
        if (rc < 0 && e != ENOENT) { fprintf(stderr, "probe: ioctl: %s\n", strerror(e)); return 1; }
        for (unsigned long i = 0; i < k; i++) {
            int32_t r;
            if (v1) {
                uint32_t nib = (uint32_t)arr[i] & 0xf0000000u;
                r = nib == 0 ? 0 : nib == 0x80000000u ? -ENOENT : -1;
            } else {
                r = err[i];
            }
            res[at + i] = r;
            if (r != 0) continue;
            mapped++;
            if (marker_frame >= 0) continue;
            double s0 = now_ms();
            if (memmem(va + i * PAGE, PAGE, MARKER, strlen(MARKER))) {
                marker_frame = (long)frames[at + i];
                marker_index = (long)(at + i);
            }
            search_ms += now_ms() - s0;
        }
        munmap(va, k * PAGE);
        scan_ms += now_ms() - start - search_ms;
    }
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(res, sizeof *res, n, f) != n || fclose(f) != 0) { perror(out); return 1; }
    printf("time_ms=%.1f scan_ms=%.1f ioctls=%lu mapped=%lu marker_frame=%ld marker_index=%ld\n", ioctl_ms, scan_ms, ioctls, mapped,
           marker_frame, marker_index);
    return 0;
}
