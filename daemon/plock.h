/*
 * plock.h - process-shared robust mutex for daemon-side state (never taken
 * by clients, so a stopped or dead client cannot stall the daemon).
 *
 * If the holder dies (a worker SIGKILLed mid-update), the next locker gets
 * the lock with the state possibly half-changed: plock_lock then calls the
 * caller's repair function, which rebuilds the invariants (from the dead
 * worker's slot), and only then marks the mutex consistent.
 *
 * A holder that is alive but does not run (stopped, wedged) is found from
 * outside: the lock records who holds it since when, the supervisor's
 * watchdog kills a holder that keeps it too long (nothing under these locks
 * takes more than microseconds), and the supervisor's own waits for it are
 * sliced so it can do so while waiting.
 *
 * Every wait is sliced, the workers' too: a robust mutex can lose a wakeup
 * when a waiter is SIGKILLed just as the unlock's one wake picked it and
 * another process takes the lock before the dead waiter could pass on
 * that others wait (the kernel wakes for a dead waiter only if the lock is
 * then free).  A waiter left asleep so looks again after PLOCK_SLICE_MS
 * instead of never; an uncontended or briefly contended lock never sees
 * the slice end, so this costs nothing when idle.
 */
#ifndef MP_PLOCK_H
#define MP_PLOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

struct plock {
	pthread_mutex_t m;
	_Atomic int32_t  holder;     /* pid, 0 when free */
	_Atomic uint64_t since_ns;   /* CLOCK_MONOTONIC when taken */
};

#define PLOCK_SLICE_MS 100      /* longest sleep before looking again */

typedef void (*plock_repair_fn)(void *arg);
/* Called while waiting, every slice: the holder and how long it has held. */
typedef void (*plock_stuck_fn)(pid_t holder, uint64_t held_ns, void *arg);

/* Initialise in shared memory: 0 or an errno value. */
int  plock_init(struct plock *l);
/* 0 when held (after repair if the last holder died), or an errno value
 * (ENOTRECOVERABLE if an earlier repair was never completed).  self is the
 * caller's pid (passed in: getpid() is a system call). */
int  plock_lock(struct plock *l, pid_t self, plock_repair_fn repair,
         void *arg);
/* The same, calling stuck every slice_ms while it waits. */
int  plock_lock_watched(struct plock *l, pid_t self, plock_repair_fn repair,
         void *arg, int slice_ms, plock_stuck_fn stuck, void *sarg);
void plock_unlock(struct plock *l);
/* The holder (0: free) and since when, for a watchdog. */
pid_t plock_holder(const struct plock *l, uint64_t *since_ns);

#endif
