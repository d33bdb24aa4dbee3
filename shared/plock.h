/*
 * plock.h - process-shared robust mutex for daemon-side state (never taken
 * by clients, so a stopped or dead client cannot stall the daemon).
 *
 * If the holder dies (a worker SIGKILLed mid-update), the next locker gets
 * the lock with the state possibly half-changed: plock_lock then calls the
 * caller's repair function, which rebuilds the invariants (from the dead
 * worker's slot), and only then marks the mutex consistent.
 */
#ifndef MP_PLOCK_H
#define MP_PLOCK_H

#include <pthread.h>

struct plock {
	pthread_mutex_t m;
};

typedef void (*plock_repair_fn)(void *arg);

/* Initialise in shared memory: 0 or an errno value. */
int  plock_init(struct plock *l);
/* 0 when held (after repair if the last holder died), or an errno value
 * (ENOTRECOVERABLE if an earlier repair was never completed). */
int  plock_lock(struct plock *l, plock_repair_fn repair, void *arg);
void plock_unlock(struct plock *l);

#endif
