/*
 * plock.c - robust, process-shared mutex with repair on owner death.
 */
#include <errno.h>

#include "plock.h"

int
plock_init(struct plock *l)
{
	pthread_mutexattr_t a;
	int e;

	if ((e = pthread_mutexattr_init(&a)) != 0)
		return e;
	if ((e = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED)) == 0 &&
	    (e = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)) == 0)
		e = pthread_mutex_init(&l->m, &a);
	pthread_mutexattr_destroy(&a);
	return e;
}

int
plock_lock(struct plock *l, plock_repair_fn repair, void *arg)
{
	int e = pthread_mutex_lock(&l->m);

	if (e == EOWNERDEAD) {
		/* We hold it; the state under it may be half-updated. */
		if (repair != NULL)
			repair(arg);
		e = pthread_mutex_consistent(&l->m);
	}
	return e;
}

void
plock_unlock(struct plock *l)
{
	pthread_mutex_unlock(&l->m);
}
