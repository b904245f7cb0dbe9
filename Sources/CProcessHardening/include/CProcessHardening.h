// prctl(2) is variadic and the rlimit constants do not reach Swift, so the few process
// settings Synod makes on itself are wrapped here.
#ifndef CPROCESSHARDENING_H
#define CPROCESSHARDENING_H

/// No core dumps and no ptrace attach by the same user (PR_SET_DUMPABLE 0). 0 or errno.
int synod_set_undumpable(void);

/// Deliver `signal` to this process when its parent dies (PR_SET_PDEATHSIG). 0 or errno.
int synod_set_parent_death_signal(int signal);

/// Locks all present and future memory into RAM (mlockall) when RLIMIT_MEMLOCK is
/// unlimited or at least 1 GiB (a smaller limit would make later allocations fail).
/// Returns 0 when locked, -1 when the limit is too small (written to `limit`), or errno.
int synod_lock_memory(unsigned long long *limit);

/// Raises the soft limit on open descriptors to the hard limit, so a host with many axons
/// and validators does not run out before the axons' connection caps apply. Returns the
/// new soft limit, or -1.
long long synod_raise_open_files_limit(void);

/// Gives memory malloc holds free back to the system (malloc_trim), after a burst of
/// allocations (a host opening a thousand plugins). Returns 1 when memory was released.
int synod_release_free_memory(void);

#endif
