/*
 * watchdog.c - timeouts enforced from outside the workers.
 *
 * A worker cannot time itself out if it is stopped (SIGSTOP), wedged or
 * asleep where it should not be, so the supervisor does it: a periodic
 * timer, a quarter of request_timeout (10 ms .. 1 s), that
 *
 *   - kills a worker whose request has run past request_timeout (the
 *     request completes with MP_ETIMEDOUT when the worker is reaped);
 *   - kills a worker stopped for longer than STOP_GRACE_NS: it may hold a
 *     lock, or be the one a client's wake-up went to (its request, if any,
 *     is put back, as for any death);
 *   - kills a worker that has held a daemon lock for LOCK_STUCK_NS
 *     (nothing under those locks takes more than microseconds).
 *
 * The timer runs only while some worker is not parked.  Workers that come
 * back from parking while it is off set dseg->watch and write NOTIFY_WATCH
 * (once, not per request); the tick that finds every worker parked clears
 * the flag and stops.  Dekker-ordered: the worker clears its parked bit,
 * then reads the flag; the tick clears the flag, then reads the bits.  So
 * an idle instance has no timer and no wake-up.
 */
#include <signal.h>
#include <stdio.h>

#include "log.h"
#include "monotime.h"
#include "supervisor.h"

#define WATCH_MIN_MS   10
#define WATCH_MAX_MS   1000
#define STOP_GRACE_NS  1000000000ull    /* stopped this long: replaced */
#define STOPPED_TICK_MS 100
#define LOCK_STUCK_NS  2000000000ull    /* a lock held this long: its holder */

/* A quarter of request_timeout, 10 ms .. 1 s; while a worker is stopped,
 * often enough to replace it soon after its grace. */
static uint32_t
period_ms(const struct supervisor *sv)
{
	uint32_t t = atomic_load(&sv->q.d->timeout_ms) / 4, i;

	for (i = 0; i < MP_MAX_WORKERS; i++)
		if (sv->w[i].pid > 0 && sv->w[i].stopped_ns != 0)
			return STOPPED_TICK_MS;
	return t == 0 || t > WATCH_MAX_MS ? WATCH_MAX_MS :
	    t < WATCH_MIN_MS ? WATCH_MIN_MS : t;
}

void
watch_arm(struct supervisor *sv)
{
	struct timeval tv;
	uint32_t ms = period_ms(sv);

	atomic_store(&sv->q.d->watch, 1);
	if (sv->watch_timer == NULL || evtimer_pending(sv->watch_timer, NULL))
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (long)(ms % 1000) * 1000;
	evtimer_add(sv->watch_timer, &tv);
}

/* The worker of pid, or -1 (the supervisor, or a pid long gone). */
static int
worker_of(const struct supervisor *sv, pid_t pid)
{
	uint32_t i;

	for (i = 0; pid > 0 && i < MP_MAX_WORKERS; i++)
		if (sv->w[i].pid == pid)
			return (int)i;
	return -1;
}

void
watch_lock_stuck(pid_t holder, uint64_t held_ns, void *arg)
{
	struct supervisor *sv = arg;
	int i = worker_of(sv, holder);
	char why[64];

	if (i < 0 || held_ns < LOCK_STUCK_NS)
		return;
	snprintf(why, sizeof why, "held a daemon lock for %.1f s", held_ns / 1e9);
	sv_kill_worker(sv, (uint32_t)i, why);
}

static void
check_locks(struct supervisor *sv, uint64_t now)
{
	struct plock *locks[2] = { &sv->q.d->qlock, &sv->q.d->alock };
	uint64_t since;
	pid_t who;
	int k;

	for (k = 0; k < 2; k++)
		if ((who = plock_holder(locks[k], &since)) != 0 && now > since)
			watch_lock_stuck(who, now - since, sv);
}

/* Kill what is overdue; 1 if some live worker is not parked (or stopped),
 * so the watchdog must keep running. */
static int
check_workers(struct supervisor *sv, uint64_t now)
{
	uint64_t limit = (uint64_t)atomic_load(&sv->q.d->timeout_ms) * 1000000u;
	uint64_t parked = atomic_load(&sv->q.inst->parked);
	uint32_t i;
	int running = 0;

	for (i = 0; i < MP_MAX_WORKERS; i++) {
		struct sv_worker *w = &sv->w[i];
		const struct wslot *ws = &sv->q.d->w[i];
		uint32_t st = atomic_load(&ws->state);
		uint64_t start = atomic_load(&ws->start_ns);

		if (w->pid <= 0)
			continue;
		if (!(parked & (1ull << i)) || w->stopped_ns != 0)
			running = 1;
		if (limit != 0 && !w->timed_out && st >= WS_TAKING &&
		    now > start && now - start > limit) {
			w->timed_out = 1;
			sv_kill_worker(sv, i, "ran past request_timeout");
		} else if (w->stopped_ns != 0 && now - w->stopped_ns > STOP_GRACE_NS)
			sv_kill_worker(sv, i, "stayed stopped");
	}
	return running;
}

void
watch_tick(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	uint64_t now = mono_ns();

	(void)fd, (void)what;
	check_locks(sv, now);
	if (!check_workers(sv, now)) {
		atomic_store(&sv->q.d->watch, 0);
		/* Pairs with a worker clearing its parked bit, then reading the
		 * flag: one of us sees the other. */
		if (!check_workers(sv, mono_ns()))
			return;
	}
	watch_arm(sv);
}
