/*
 * port.c - the client's end of a client segment (port.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "futex.h"
#include "monotime.h"
#include "park.h"
#include "port.h"

int
port_open(struct port *p, const struct cseg_view *seg,
    const struct inst_hdr *inst)
{
	uint32_t i, cap = seg->geo.cq_cap;

	memset(p, 0, sizeof *p);
	p->seg = *seg;
	p->inst = inst;
	for (i = 0; i < MP_LANES; i++)
		cseg_lane(seg, i, &p->lane[i], NULL);
	cseg_cq(seg, &p->cq, NULL);
	cseg_rel(seg, &p->rel, NULL);
	p->last_seq = atomic_load(&inst->park_seq) - 1;
	p->tab = calloc(cap, sizeof *p->tab);
	p->free = calloc(cap, sizeof *p->free);
	if (p->tab == NULL || p->free == NULL) {
		port_close(p);
		return -1;
	}
	for (i = 0; i < cap; i++)
		p->free[i] = cap - 1 - i;
	p->nfree = cap;
	return 0;
}

void
port_close(struct port *p)
{
	free(p->tab);
	free(p->free);
	p->tab = NULL;
	p->free = NULL;
	p->nfree = 0;
}

int
port_submit(struct port *p, const mp_request *r)
{
	return port_submit_batch(p, r, 1) == 1 ? MP_OK :
	    (r->priority >= MP_LANES ? MP_EINVAL : MP_EAGAIN);
}

static void
set_cancel_bit(struct port *p, uint32_t t, int on)
{
	_Atomic uint64_t *bits = cseg_cancels(&p->seg);

	if (on)
		atomic_fetch_or_explicit(&bits[t / 64], 1ull << (t % 64),
		    memory_order_relaxed);
	else if (atomic_load_explicit(&bits[t / 64], memory_order_relaxed) &
	    (1ull << (t % 64)))
		atomic_fetch_and_explicit(&bits[t / 64], ~(1ull << (t % 64)),
		    memory_order_relaxed);
}

size_t
port_submit_batch(struct port *p, const mp_request *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ring_view *lane;
		struct wire_side *side;
		uint32_t t;

		if (r[i].priority >= MP_LANES || p->nfree == 0)
			break;
		t = p->free[p->nfree - 1];
		lane = &p->lane[r[i].priority];
		if (ring_used(lane) >= (int64_t)lane->cap || ring_used(lane) < 0)
			break;  /* full: its side entry is still the oldest's */
		/* The side entry and the cancel bit go out with the item's
		 * release store. */
		side = cseg_side(&p->seg, r[i].priority, ring_tail(lane));
		side->stamp = mono_ns();
		side->ticket = t;
		set_cancel_bit(p, t, 0);
		if (ring_push(lane, &r[i]) != RING_OK)
			break;
		p->nfree--;
		p->tab[t].req = r[i];
		p->tab[t].seq = p->next_seq++;
		p->tab[t].used = 1;
		p->tab[t].cancelled = 0;
		p->in_flight++;
	}
	if (i > 0)
		doorbell_ring(p->seg.h, p->inst, &p->last_seq);
	return i;
}

/* The result for ticket t is in: free the ticket; a cancelled request's
 * result becomes MP_ECANCELED and its slab goes back at once. */
static void
settle(struct port *p, mp_result *res, uint32_t t)
{
	struct port_entry *e;

	if (t >= p->seg.geo.cq_cap || !p->tab[t].used)
		return;         /* not a ticket of ours: only our own memory
		                 * could say so, and the result still counts */
	e = &p->tab[t];
	e->used = 0;
	p->free[p->nfree++] = t;
	p->in_flight--;
	if (!e->cancelled)
		return;
	if (res->handle != 0)
		port_release(p, res->handle);
	res->status = MP_ECANCELED;
	res->handle = 0;
	res->vertex_count = res->index_count = 0;
}

int
port_poll(struct port *p, mp_result *out, size_t max)
{
	struct wire_res wr;
	size_t n = 0;

	while (n < max && ring_peek(&p->cq, &wr) == RING_OK) {
		ring_pop(&p->cq);
		out[n] = wr.res;
		settle(p, &out[n], wr.ticket);
		n++;
	}
	if (n == 0 && ring_count(&p->cq) == RING_CORRUPT)
		return MP_EPROTO;
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
	struct cseg_hdr *h = p->seg.h;
	uint64_t until = timeout_ms < 0 ? UINT64_MAX :
	    mono_ns() + (uint64_t)timeout_ms * 1000000u;

	if (results_waiting(p, want) || timeout_ms == 0)
		return results_waiting(p, want);
	atomic_store(&h->waiting, 1);
	for (;;) {
		uint32_t v = atomic_load(&h->wake);
		uint64_t now;

		/* Pairs with the worker's fence between push and reading
		 * waiting: either it sees us waiting, or we see its result. */
		atomic_thread_fence(memory_order_seq_cst);
		if (results_waiting(p, want) || (now = mono_ns()) >= until)
			break;
		futex_wait(&h->wake, v, until == UINT64_MAX ? -1 :
		    (int)((until - now + 999999) / 1000000));
	}
	atomic_store(&h->waiting, 0);
	return results_waiting(p, want);
}

/* Requests wait in our lanes (taken ones do not count). */
static int
lanes_waiting(const struct port *p)
{
	uint32_t i;

	for (i = 0; i < MP_LANES; i++)
		if (ring_used(&p->lane[i]) > 0)
			return 1;
	return 0;
}

int
port_release(struct port *p, uint64_t handle)
{
	if (ring_push(&p->rel, &handle) != RING_OK)
		return MP_EAGAIN;
	/* A worker need only hear of it if our requests wait for room, or
	 * someone's wait for arena room. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&p->inst->parked, memory_order_relaxed) != 0 &&
	    (atomic_load(&p->inst->arena_wait) || lanes_waiting(p)))
		doorbell_ring(p->seg.h, p->inst, &p->last_seq);
	return MP_OK;
}

int
port_cancel(struct port *p, uint64_t user_data)
{
	uint32_t t, best = UINT32_MAX;

	for (t = 0; t < p->seg.geo.cq_cap; t++) {
		const struct port_entry *e = &p->tab[t];

		if (e->used && !e->cancelled && e->req.user_data == user_data &&
		    (best == UINT32_MAX || e->seq < p->tab[best].seq))
			best = t;
	}
	if (best == UINT32_MAX)
		return MP_ENOENT;
	p->tab[best].cancelled = 1;
	set_cancel_bit(p, best, 1);     /* a worker yet to take it skips it */
	return MP_OK;
}

size_t
port_unfinished(const struct port *p, mp_request *out, size_t max)
{
	uint64_t after = 0;
	size_t n = 0;
	uint32_t t;

	/* Oldest first by selection: at most cq_cap entries, and only when a
	 * host recovers from a lost daemon, so no allocation to fail. */
	while (n < max && n < p->in_flight) {
		uint32_t best = UINT32_MAX;

		for (t = 0; t < p->seg.geo.cq_cap; t++)
			if (p->tab[t].used && (n == 0 || p->tab[t].seq > after) &&
			    (best == UINT32_MAX || p->tab[t].seq < p->tab[best].seq))
				best = t;
		if (best == UINT32_MAX)
			break;
		out[n++] = p->tab[best].req;
		after = p->tab[best].seq;
	}
	return n;
}
