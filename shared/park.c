/*
 * park.c - parking idle workers and waking them (park.h).
 */
#include <errno.h>
#include <string.h>

#include "futex.h"
#include "park.h"

#define WAITV_MAX 128           /* the kernel's limit per futex_waitv */

_Static_assert(MP_MAX_CLIENTS + 1 <= WAITV_MAX,
    "a parked worker listens to its own word and every client's doorbell");

int
park_supported(void)
{
	/* No futexes at all: EINVAL where the call exists, ENOSYS where not. */
	return syscall(SYS_futex_waitv, NULL, 0, 0, NULL, CLOCK_MONOTONIC) == -1 &&
	    errno != ENOSYS;
}

void
park_begin(struct inst_hdr *ih, struct park_word *pw, uint32_t w)
{
	atomic_store(&pw[w].v, PARK_PARKED);
	atomic_fetch_or(&ih->parked, 1ull << w);
	atomic_fetch_add(&ih->park_seq, 1);
}

int
park_sleep(struct park_word *pw, uint32_t w, const struct park_bell *b,
    uint32_t nbells, uint64_t until_ns)
{
	struct futex_waitv v[WAITV_MAX];
	struct timespec ts;
	uint32_t i, n = 0;
	long r;

	memset(v, 0, sizeof v);
	v[n].uaddr = (uintptr_t)&pw[w].v;
	v[n].val = PARK_PARKED;
	v[n++].flags = FUTEX_32;
	for (i = 0; i < nbells && n < WAITV_MAX; i++) {
		v[n].uaddr = (uintptr_t)b[i].word;
		v[n].val = b[i].seen;
		v[n++].flags = FUTEX_32;
	}
	if (until_ns != 0) {
		ts.tv_sec = (time_t)(until_ns / 1000000000u);
		ts.tv_nsec = (long)(until_ns % 1000000000u);
	}
	r = syscall(SYS_futex_waitv, v, n, 0, until_ns ? &ts : NULL,
	    CLOCK_MONOTONIC);
	return r >= 1 ? (int)r - 1 : -1;
}

void
park_end(struct inst_hdr *ih, struct park_word *pw, uint32_t w)
{
	atomic_fetch_and(&ih->parked, ~(1ull << w));
	atomic_store(&pw[w].v, PARK_RUNNING);
}

int
park_kick(struct park_word *pw, uint32_t w)
{
	uint32_t parked = PARK_PARKED;

	if (!atomic_compare_exchange_strong(&pw[w].v, &parked, PARK_WOKEN))
		return 0;
	futex_wake(&pw[w].v, 1);
	return 1;
}

int
park_kick_one(struct inst_hdr *ih, struct park_word *pw)
{
	uint64_t mask = atomic_load(&ih->parked);

	for (; mask != 0; mask &= mask - 1)
		if (park_kick(pw, (uint32_t)__builtin_ctzll(mask)))
			return 1;
	return 0;
}

int
park_kick_all(struct inst_hdr *ih, struct park_word *pw)
{
	uint64_t mask = atomic_load(&ih->parked);
	int n = 0;

	for (; mask != 0; mask &= mask - 1)
		n += park_kick(pw, (uint32_t)__builtin_ctzll(mask));
	return n;
}

void
park_forget(struct inst_hdr *ih, struct park_word *pw, uint32_t w)
{
	park_end(ih, pw, w);
}

void
doorbell_ring(struct cseg_hdr *cs, const struct inst_hdr *ih,
    uint32_t *last_seq)
{
	uint32_t seq;

	/* Pairs with park_begin: either that worker's last look sees what we
	 * published, or we see it parked here. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&ih->parked, memory_order_relaxed) == 0)
		return;
	seq = atomic_load_explicit(&ih->park_seq, memory_order_relaxed);
	if (seq == *last_seq)
		return;         /* rung since the last worker parked */
	*last_seq = seq;
	atomic_fetch_add(&cs->doorbell, 1);
	futex_wake(&cs->doorbell, 1);
}
