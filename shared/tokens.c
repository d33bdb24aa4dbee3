/*
 * tokens.c - work tokens and the worker eventcount (tokens.h).
 *
 * Lost wake-ups are ruled out by the seq_cst pairing of two counters: a
 * worker counts itself in sleepers, then looks at tokens; a client adds
 * tokens, then looks at sleepers.  One of them sees the other.  The futex
 * word wake_seq closes the window between a worker's last look and its
 * futex_wait: a wake bumps it first, so that wait returns at once.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tokens.h"

static void
futex_wake_one(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int
futex_wait(_Atomic uint32_t *word, uint32_t seen)
{
	return (int)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, seen, NULL,
	    NULL, 0);
}

/* Wake one parked worker unless none is parked or one is already waking. */
static void
wake_one(struct ctl_hdr *h)
{
	if (atomic_load(&h->sleepers) == 0)
		return;
	if (atomic_exchange(&h->waking, 1) != 0)
		return;         /* that one passes the wake on if need be */
	atomic_fetch_add(&h->wake_seq, 1);
	futex_wake_one(&h->wake_seq);
}

void
tokens_add(struct ctl_hdr *h, uint32_t n)
{
	atomic_fetch_add(&h->tokens, n);
	wake_one(h);
}

int
tokens_take(struct ctl_hdr *h)
{
	uint32_t t = atomic_load_explicit(&h->tokens, memory_order_relaxed);

	while (t != 0)
		if (atomic_compare_exchange_weak(&h->tokens, &t, t - 1))
			return 1;
	return 0;
}

uint32_t
tokens_count(const struct ctl_hdr *h)
{
	return atomic_load_explicit(&h->tokens, memory_order_relaxed);
}

int
tokens_park(struct ctl_hdr *h)
{
	for (;;) {
		uint32_t seen = atomic_load(&h->wake_seq);
		int got, r = 0;

		atomic_fetch_add(&h->sleepers, 1);
		if (!(got = tokens_take(h)))
			r = futex_wait(&h->wake_seq, seen);
		atomic_fetch_sub(&h->sleepers, 1);
		/* Whoever leaves the park clears waking (the wake may have been
		 * meant for it), so a wake never stays claimed by nobody; at
		 * worst a second wake goes out. */
		atomic_store(&h->waking, 0);
		if (got || tokens_take(h)) {
			if (tokens_count(h) != 0)
				wake_one(h);    /* more left: the next one joins in */
			return 0;
		}
		if (r != 0 && errno == EINTR)
			return -1;
	}
}

void
tokens_rewake(struct ctl_hdr *h)
{
	atomic_store(&h->waking, 0);
	if (tokens_count(h) != 0)
		wake_one(h);
}
