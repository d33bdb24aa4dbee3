/*
 * port.c - the client's end of a slot (port.h).
 */
#include <errno.h>
#include <time.h>

#include "monotime.h"
#include "port.h"
#include "tokens.h"

void
port_open(struct port *p, const struct ctl_view *ctl, uint32_t slot,
    uint32_t gen)
{
	uint32_t i;

	p->ctl = *ctl;
	p->cc = ctl_client(ctl, slot);
	for (i = 0; i < CTL_LANES; i++)
		ctl_lane(ctl, slot, i, &p->lane[i], NULL);
	ctl_cq(ctl, slot, &p->cq, NULL);
	ctl_rel(ctl, slot, &p->rel, NULL);
	p->slot = slot;
	p->gen = gen;
	p->in_flight = 0;
}

int
port_submit(struct port *p, const mp_request *r)
{
	return port_submit_batch(p, r, 1) == 1 ? MP_OK :
	    (r->priority >= CTL_LANES ? MP_EINVAL : MP_EAGAIN);
}

size_t
port_submit_batch(struct port *p, const mp_request *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ring_view *lane;
		uint32_t tail;

		if (r[i].priority >= CTL_LANES || p->in_flight >= p->ctl.geo.cq_cap)
			break;
		/* The submit time goes beside the item, published with it. */
		lane = &p->lane[r[i].priority];
		tail = atomic_load_explicit(&lane->r->tail, memory_order_relaxed);
		atomic_store_explicit(&ctl_stamps(&p->ctl, p->slot, r[i].priority)
		    [tail & (lane->cap - 1)], mono_ns(), memory_order_relaxed);
		if (ring_push(lane, &r[i]) != RING_OK)
			break;
		p->in_flight++;
	}
	/* One token per request, added once for the batch: no system call
	 * unless a worker is parked and not yet woken by someone else. */
	if (i > 0)
		tokens_add(p->ctl.h, (uint32_t)i);
	return i;
}

/* The daemon spent work tokens on our requests while we had no room; we
 * have made room (polled or released): give them back so those requests
 * get taken.  Pairs with the daemon's check-then-owe (both seq_cst). */
static void
repay(struct port *p)
{
	uint32_t k;

	if (atomic_load(&p->cc->owed) == 0)
		return;
	if ((k = atomic_exchange(&p->cc->owed, 0)) > 0)
		tokens_add(p->ctl.h, k);
}

int
port_poll(struct port *p, mp_result *out, size_t max)
{
	size_t n = 0;
	int r;

	while (n < max && (r = ring_peek(&p->cq, &out[n])) == RING_OK) {
		ring_pop(&p->cq);
		n++;
	}
	if (n == 0 && ring_count(&p->cq) == RING_CORRUPT)
		return MP_EPROTO;
	p->in_flight -= (uint32_t)n < p->in_flight ? (uint32_t)n : p->in_flight;
	if (n > 0)
		repay(p);
	return (int)n;
}

/* Enough results to stop waiting (a broken ring also stops it). */
static int
results_waiting(const struct port *p, uint32_t want)
{
	int64_t n = ring_count(&p->cq);

	return n < 0 || n >= (int64_t)want;
}

int
port_wait(struct port *p, int timeout_ms)
{
	return port_wait_count(p, 1, timeout_ms);
}

int
port_wait_count(struct port *p, uint32_t want, int timeout_ms)
{
	struct timespec until;
	int r = 0;

	if (results_waiting(p, want))
		return 1;
	clock_gettime(CLOCK_REALTIME, &until);
	if (timeout_ms > 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	atomic_store(&p->cc->waiting, 1);
	/* Pairs with the worker's fence between push and reading waiting:
	 * either it sees us waiting, or we see its result here. */
	atomic_thread_fence(memory_order_seq_cst);
	while (!results_waiting(p, want) && timeout_ms != 0) {
		r = timeout_ms < 0 ? sem_wait(&p->cc->cq_sem) :
		    sem_timedwait(&p->cc->cq_sem, &until);
		if (r != 0 && errno == ETIMEDOUT)
			break;
	}
	atomic_store(&p->cc->waiting, 0);
	while (sem_trywait(&p->cc->cq_sem) == 0)
		;       /* stale tokens would end the next wait early */
	return results_waiting(p, want);
}

int
port_release(struct port *p, uint64_t handle)
{
	if (ring_push(&p->rel, &handle) != RING_OK)
		return MP_EAGAIN;
	atomic_thread_fence(memory_order_seq_cst);
	repay(p);
	return MP_OK;
}
