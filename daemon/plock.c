/*
 * plock.c - robust, process-shared mutex with repair on owner death.
 */
#include <errno.h>
#include <time.h>

#include "monotime.h"
#include "plock.h"

int
plock_init(struct plock *l)
{
	pthread_mutexattr_t a;
	int e;

	atomic_store(&l->holder, 0);
	atomic_store(&l->since_ns, 0);
	if ((e = pthread_mutexattr_init(&a)) != 0)
		return e;
	if ((e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) == 0 &&
	    (e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) == 0)
		e = pthread_mutex_init(&l->m, &a);
	pthread_mutexattr_destroy(&a);
	return e;
}

/* The lock is ours (e is what the lock call said): repair if need be. */
static int
acquired(struct plock *l, int e, pid_t self, plock_repair_fn repair,
    void *arg)
{
	if (e == EOWNERDEAD) {
		/* We hold it; the state under it may be half-updated. */
		if (repair != NULL)
			repair(arg);
		e = pthread_mutex_consistent(&l->m);
	}
	if (e == 0) {
		atomic_store(&l->since_ns, mono_ns());
		atomic_store(&l->holder, (int32_t)self);
	}
	return e;
}

int
plock_lock(struct plock *l, pid_t self, plock_repair_fn repair, void *arg)
{
	return plock_lock_watched(l, self, repair, arg, PLOCK_SLICE_MS, NULL,
	    NULL);
}

int
plock_lock_watched(struct plock *l, pid_t self, plock_repair_fn repair,
    void *arg, int slice_ms, plock_stuck_fn stuck, void *sarg)
{
	struct timespec until;
	uint64_t since;
	pid_t who;
	int e;

	/* Free (the common case): no clock read, no deadline. */
	if ((e = pthread_mutex_trylock(&l->m)) != EBUSY)
		return acquired(l, e, self, repair, arg);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)slice_ms * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		e = pthread_mutex_clocklock(&l->m, CLOCK_MONOTONIC, &until);
		if (e != ETIMEDOUT)
			return acquired(l, e, self, repair, arg);
		if (stuck != NULL && (who = plock_holder(l, &since)) != 0)
			stuck(who, mono_ns() - since, sarg);
	}
}

void
plock_unlock(struct plock *l)
{
	atomic_store(&l->holder, 0);
	pthread_mutex_unlock(&l->m);
}

pid_t
plock_holder(const struct plock *l, uint64_t *since_ns)
{
	pid_t who = atomic_load(&l->holder);

	if (since_ns != NULL)
		*since_ns = atomic_load(&l->since_ns);
	return who;
}
