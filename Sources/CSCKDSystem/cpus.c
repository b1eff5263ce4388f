#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "sckd_system.h"

/// ceil(quota / period) from cgroup v2's cpu.max ("max 100000" when unlimited), or 0.
static int cgroup_quota_cpus(void) {
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (!f) return 0;
    char quota[32] = {0};
    long period = 0;
    int fields = fscanf(f, "%31s %ld", quota, &period);
    fclose(f);
    if (fields != 2 || period <= 0 || quota[0] == 'm') return 0;
    long q = 0;
    if (sscanf(quota, "%ld", &q) != 1 || q <= 0) return 0;
    return (int)((q + period - 1) / period);
}

int sckd_available_cpus(void) {
    int n = 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
    if (n <= 0) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int quota = cgroup_quota_cpus();
    if (quota > 0 && quota < n) n = quota;
    return n > 0 ? n : 1;
}
