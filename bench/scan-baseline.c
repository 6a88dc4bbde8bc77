/*
 * The baseline for `npm run bench`: the same scan as framescope's TypeScript pipeline (same
 * emulator, host, domain, range and batch size), written directly in C. For each batch: mmap
 * a privcmd VMA, IOCTL_PRIVCMD_MMAPBATCH_V2, turn each frame's error into a status byte and
 * count it, munmap. Each stage is timed, as framescope's profile times its own.
 *
 * usage: scan-baseline DOMID FIRST COUNT BATCH REPEATS
 *   -> prints {"frames":..,"seconds":..,"stages":{"mmap":..,"ioctl":..,"decode":..,"munmap":..}} (seconds)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../native/emulator/privcmd_sim.h"
#include "../native/emulator/sim_abi.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s DOMID FIRST COUNT BATCH REPEATS\n", argv[0]);
        return 2;
    }
    unsigned dom = (unsigned)strtoul(argv[1], NULL, 0);
    uint64_t first = strtoull(argv[2], NULL, 0);
    uint64_t count = strtoull(argv[3], NULL, 0);
    unsigned batch = (unsigned)strtoul(argv[4], NULL, 0);
    int repeats = atoi(argv[5]);

    sim_clock_set_mode(1); /* frozen host: every repeat does the same work */
    sim_host_load_default(1);
    int fd = sim_open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        perror("sim_open");
        return 1;
    }
    xen_pfn_t *arr = malloc(batch * sizeof *arr);
    int *err = malloc(batch * sizeof *err);
    uint8_t *codes = malloc(count);
    double histogram[256];
    memset(histogram, 0, sizeof histogram);
    double mmap_s = 0, ioctl_s = 0, decode_s = 0, munmap_s = 0;

    double start = now_s();
    for (int r = 0; r < repeats; r++) {
        for (uint64_t at = 0; at < count; at += batch) {
            unsigned n = (unsigned)(count - at < batch ? count - at : batch);
            for (unsigned i = 0; i < n; i++)
                arr[i] = first + at + i;
            double t0 = now_s();
            void *addr = sim_mmap(NULL, (size_t)n * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (addr == MAP_FAILED) {
                perror("sim_mmap");
                return 1;
            }
            double t1 = now_s();
            privcmd_mmapbatch_v2_t m = { .num = n, .dom = (domid_t)dom, .addr = (uintptr_t)addr,
                                         .arr = arr, .err = err };
            if (sim_ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m) < 0 && errno != ENOENT) {
                perror("IOCTL_PRIVCMD_MMAPBATCH_V2");
                return 1;
            }
            double t2 = now_s();
            for (unsigned i = 0; i < n; i++) {
                codes[at + i] = (uint8_t)-err[i];
                histogram[codes[at + i]]++;
            }
            double t3 = now_s();
            sim_munmap(addr, (size_t)n * 4096);
            double t4 = now_s();
            mmap_s += t1 - t0;
            ioctl_s += t2 - t1;
            decode_s += t3 - t2;
            munmap_s += t4 - t3;
        }
    }
    double seconds = now_s() - start;
    printf("{\"frames\":%llu,\"seconds\":%.6f,\"mapped\":%.0f,\"paged\":%.0f,"
           "\"stages\":{\"mmap\":%.6f,\"ioctl\":%.6f,\"decode\":%.6f,\"munmap\":%.6f}}\n",
           (unsigned long long)count * (unsigned long long)repeats, seconds, histogram[0],
           histogram[ENOENT], mmap_s, ioctl_s, decode_s, munmap_s);
    sim_close(fd);
    return 0;
}
