/*
 * tokens.c - work tokens and the parking of idle workers (tokens.h).
 *
 * No wake-up is lost: a worker stores PARKED in its word and sets its bit,
 * then looks at the tokens; a client adds tokens, then looks at the bits
 * (all seq_cst).  One of them sees the other.  If the client claims the
 * word (PARKED -> WOKEN) before the worker reaches futex_wait, that wait
 * finds the word changed and returns at once.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tokens.h"

enum { PARK_RUNNING = 0, PARK_PARKED = 1, PARK_WOKEN = 2 };

static void
futex_wake_one(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static int
futex_wait(_Atomic uint32_t *word, uint32_t expect)
{
	return (int)syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expect,
	    NULL, NULL, 0);
}

/* Wake one parked worker not yet claimed by another waker. */
static void
wake_one(struct ctl_hdr *h)
{
	uint64_t mask = atomic_load(&h->parked);

	while (mask != 0) {
		uint32_t w = (uint32_t)__builtin_ctzll(mask), parked = PARK_PARKED;

		mask &= mask - 1;
		if (atomic_compare_exchange_strong(&h->park[w], &parked,
		    PARK_WOKEN)) {
			futex_wake_one(&h->park[w]);
			return;
		}
	}
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

uint32_t
tokens_parked(const struct ctl_hdr *h)
{
	return (uint32_t)__builtin_popcountll(atomic_load(&h->parked));
}

static void
unpark(struct ctl_hdr *h, uint32_t w)
{
	atomic_fetch_and(&h->parked, ~(1ull << w));
	atomic_store(&h->park[w], PARK_RUNNING);
}

int
tokens_park(struct ctl_hdr *h, uint32_t w)
{
	if (w >= CTL_MAX_WORKERS)
		return -1;
	for (;;) {
		int r = 0;

		atomic_store(&h->park[w], PARK_PARKED);
		atomic_fetch_or(&h->parked, 1ull << w);
		if (!tokens_take(h)) {
			r = futex_wait(&h->park[w], PARK_PARKED);
			if (tokens_take(h))
				r = 0;
			else if (r != 0 && errno == EINTR)
				r = -1;
			else
				r = 1;  /* woken for a token someone else took */
		}
		unpark(h, w);
		if (r == 0 && tokens_count(h) != 0)
			wake_one(h);    /* more left: the next one joins in */
		if (r <= 0)
			return r;
	}
}

void
tokens_forget(struct ctl_hdr *h, uint32_t w)
{
	if (w < CTL_MAX_WORKERS)
		unpark(h, w);
}
