// prctl(2) is variadic, so Swift cannot call it: these wrap the two calls the signer
// process makes on itself.
#ifndef CPROCESSHARDENING_H
#define CPROCESSHARDENING_H

/// No core dumps and no ptrace attach by the same user (PR_SET_DUMPABLE 0). 0 or errno.
int synod_set_undumpable(void);

/// Deliver `signal` to this process when its parent dies (PR_SET_PDEATHSIG). 0 or errno.
int synod_set_parent_death_signal(int signal);

#endif

#ifndef CPROCESSHARDENING_LOCK
#define CPROCESSHARDENING_LOCK
/// Locks all present and future memory into RAM (mlockall) when RLIMIT_MEMLOCK is
/// unlimited or at least 1 GiB (a smaller limit would make later allocations fail).
/// Returns 0 when locked, -1 when the limit is too small (written to `limit`), or errno.
int synod_lock_memory(unsigned long long *limit);
#endif
