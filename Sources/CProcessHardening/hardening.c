#include "CProcessHardening.h"

#include <malloc.h>

#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int synod_set_undumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : errno; }

int synod_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0) == 0 ? 0 : errno;
}

int synod_lock_memory(unsigned long long *limit) {
    struct rlimit current;
    if (getrlimit(RLIMIT_MEMLOCK, &current) != 0) return errno;
    *limit = (unsigned long long)current.rlim_cur;
    if (current.rlim_cur != RLIM_INFINITY && current.rlim_cur < (1ull << 30)) return -1;
    return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 0 : errno;
}

long long synod_raise_open_files_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    }
    return (long long)limit.rlim_cur;
}

int synod_release_free_memory(void) { return malloc_trim(0); }
