/*
 * port.c - the client's end of a client segment (port.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "futex.h"
#include "monotime.h"
#include "brushlog.h"
#include "port.h"

/* After publishing (release stores), ring our doorbell if a worker sleeps
 * and we have not rung since it parked (daemon/park.h tells the other
 * half).  *last_seq is our memory of park_seq at our last ring. */
static void
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
	p->groups = calloc(cap, sizeof *p->groups);
	p->next = calloc(cap, sizeof *p->next);
	p->free_groups = calloc(cap, sizeof *p->free_groups);
	if (p->tab == NULL || p->free == NULL || p->groups == NULL ||
	    p->next == NULL || p->free_groups == NULL ||
	    brushlog_init(&p->brushes, seg->geo.brush_cap, cap) != 0) {
		port_close(p);
		return -1;
	}
	for (i = 0; i < cap; i++) {
		p->free[i] = cap - 1 - i;
		p->free_groups[i] = cap - 1 - i;
	}
	p->nfree = p->nfree_groups = cap;
	return 0;
}

void
port_close(struct port *p)
{
	free(p->tab);
	free(p->free);
	free(p->groups);
	free(p->next);
	free(p->free_groups);
	brushlog_free(&p->brushes);
	p->tab = NULL;
	p->free = p->next = p->free_groups = NULL;
	p->groups = NULL;
	p->nfree = p->nfree_groups = 0;
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

/* Room in r's lane for one more item (the lane must exist). */
static int
lane_room(const struct port *p, uint8_t lane, uint32_t more)
{
	int64_t used = ring_used(&p->lane[lane]);

	return used >= 0 && (uint64_t)used + more <= p->lane[lane].cap;
}

/* Publish r under a free ticket, its brushes (already in the input region)
 * at off; room was checked.  The ticket. */
static uint32_t
publish(struct port *p, const mp_request *r, uint32_t off, uint32_t nb,
    uint32_t group)
{
	const struct ring_view *lane = &p->lane[r->priority];
	uint32_t t = p->free[--p->nfree];
	struct wire_side *side = cseg_side(&p->seg, r->priority, ring_tail(lane));
	struct port_entry *e = &p->tab[t];

	/* The side entry and the cancel bit go out with the item's release
	 * store. */
	side->stamp = mono_ns();
	side->ticket = t;
	side->brushes = nb;
	side->brush_off = off;
	set_cancel_bit(p, t, 0);
	ring_push(lane, r);
	e->req = *r;
	e->seq = p->next_seq++;
	e->group = group;
	e->used = 1;
	e->cancelled = e->arrived = 0;
	p->in_flight++;
	return t;
}

int
port_submit(struct port *p, const mp_request *r)
{
	return port_submit_batch(p, r, 1) == 1 ? MP_OK :
	    (r->priority >= MP_LANES ? MP_EINVAL : MP_EAGAIN);
}

size_t
port_submit_batch(struct port *p, const mp_request *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (r[i].priority >= MP_LANES || p->nfree == 0 ||
		    !lane_room(p, r[i].priority, 1))
			break;
		publish(p, &r[i], 0, 0, 0);
	}
	if (i > 0)
		doorbell_ring(p->seg.h, p->inst, &p->last_seq);
	return i;
}

/* Copy b[0..nb) into the input region for ticket-to-be t: its offset. */
static int
store_brushes(struct port *p, uint32_t t, const mp_brush *b, uint32_t nb,
    uint32_t *off)
{
	*off = 0;
	if (nb == 0)
		return 0;
	if (brushlog_alloc(&p->brushes, t, nb, off) != 0)
		return -1;
	memcpy(cseg_brushes(&p->seg) + *off, b, (size_t)nb * sizeof *b);
	return 0;
}

int
port_submit_brushes(struct port *p, const mp_request *r, const mp_brush *b,
    uint32_t nb)
{
	uint32_t off;

	if (r->priority >= MP_LANES || nb > MP_MAX_BRUSHES)
		return MP_EINVAL;
	if (p->nfree == 0 || !lane_room(p, r->priority, 1) ||
	    store_brushes(p, p->free[p->nfree - 1], b, nb, &off) != 0)
		return MP_EAGAIN;
	publish(p, r, off, nb, 0);
	doorbell_ring(p->seg.h, p->inst, &p->last_seq);
	return MP_OK;
}

/* Whether the group could fit at all, with nothing else in flight: no more
 * members than tickets, in a lane than it holds, brushes than the input
 * region holds.  If not, waiting would never help. */
static int
group_can_fit(const struct port *p, const mp_request *r, size_t n,
    const uint32_t *nb)
{
	uint64_t per_lane[MP_LANES] = { 0 }, brushes = 0;
	size_t i;

	if (n > p->seg.geo.cq_cap)
		return 0;
	for (i = 0; i < n; i++) {
		if (r[i].priority >= MP_LANES ||
		    (nb != NULL && nb[i] > MP_MAX_BRUSHES))
			return 0;
		per_lane[r[i].priority]++;
		brushes += nb != NULL ? nb[i] : 0;
	}
	for (i = 0; i < MP_LANES; i++)
		if (per_lane[i] > p->lane[i].cap)
			return 0;
	return brushes <= p->brushes.cap;
}

/* Whether the whole group fits now: tickets, lanes, input region, a
 * group. */
static int
group_fits(const struct port *p, const mp_request *r, size_t n,
    const uint32_t *nb)
{
	struct brushlog trial = p->brushes;
	uint32_t per_lane[MP_LANES] = { 0 }, off;
	size_t i;

	if (n > p->nfree || p->nfree_groups == 0)
		return 0;
	for (i = 0; i < n; i++) {
		per_lane[r[i].priority]++;
		if (nb != NULL && brushlog_fit(&trial, nb[i], &off) != 0)
			return 0;
	}
	for (i = 0; i < MP_LANES; i++)
		if (per_lane[i] > 0 && !lane_room(p, (uint8_t)i, per_lane[i]))
			return 0;
	return 1;
}

int
port_submit_group(struct port *p, const mp_request *r, size_t n,
    const mp_brush *const *b, const uint32_t *nb)
{
	struct port_group *g;
	uint32_t slot, prev = UINT32_MAX, t, off;
	size_t i;

	if (n == 0)
		return MP_OK;
	if (!group_can_fit(p, r, n, b != NULL ? nb : NULL))
		return MP_EINVAL;
	if (!group_fits(p, r, n, b != NULL ? nb : NULL))
		return MP_EAGAIN;
	slot = p->free_groups[--p->nfree_groups];
	g = &p->groups[slot];
	g->size = g->left = (uint32_t)n;
	for (i = 0; i < n; i++) {
		uint32_t k = b != NULL ? nb[i] : 0;

		t = p->free[p->nfree - 1];
		store_brushes(p, t, k ? b[i] : NULL, k, &off);   /* fits */
		publish(p, &r[i], off, k, slot + 1);
		if (prev == UINT32_MAX)
			g->first = t;
		else
			p->next[prev] = t;
		prev = t;
	}
	doorbell_ring(p->seg.h, p->inst, &p->last_seq);
	return MP_OK;
}

/* Ticket t is done with: it, and its brush block, go back. */
static void
free_ticket(struct port *p, uint32_t t)
{
	p->tab[t].used = 0;
	p->free[p->nfree++] = t;
	p->in_flight--;
	brushlog_release(&p->brushes, t);
}

/* A cancelled request's result becomes MP_ECANCELED, its slab back. */
static void
apply_cancel(struct port *p, mp_result *res)
{
	if (res->handle != 0)
		port_release(p, res->handle);
	res->status = MP_ECANCELED;
	res->handle = 0;
	res->vertex_count = res->index_count = 0;
}

/* Hand out whole groups whose results are all in, as long as room allows
 * a whole one: how many results were written. */
static size_t
hand_out_groups(struct port *p, mp_result *out, size_t room)
{
	uint32_t s, t, k;
	size_t n = 0;

	for (s = 0; s < p->seg.geo.cq_cap && p->ready > 0; s++) {
		struct port_group *g = &p->groups[s];

		if (g->size == 0 || g->left != 0 || g->size > room - n)
			continue;
		for (t = g->first, k = 0; k < g->size; k++) {
			uint32_t next = p->next[t];

			out[n++] = p->tab[t].res;
			free_ticket(p, t);
			t = next;
		}
		p->held -= g->size;
		g->size = 0;
		p->free_groups[p->nfree_groups++] = s;
		p->ready--;
	}
	return n;
}

/* A result for ticket t came in: 1 if it is out[*] now (not held for its
 * group). */
static int
take_result(struct port *p, mp_result *res, uint32_t t)
{
	struct port_entry *e;

	if (t >= p->seg.geo.cq_cap || !p->tab[t].used || p->tab[t].arrived)
		return 1;       /* not a ticket of ours: only our own memory
		                 * could say so, and the result still counts */
	e = &p->tab[t];
	if (e->cancelled)
		apply_cancel(p, res);
	if (e->group == 0) {
		free_ticket(p, t);
		return 1;
	}
	e->res = *res;
	e->arrived = 1;
	p->held++;
	if (--p->groups[e->group - 1].left == 0)
		p->ready++;
	return 0;
}

int
port_poll(struct port *p, mp_result *out, size_t max)
{
	struct wire_res wr;
	size_t n = 0;

	if (p->ready > 0)
		n += hand_out_groups(p, out, max);
	while (n < max && ring_peek(&p->cq, &wr) == RING_OK) {
		ring_pop(&p->cq);
		out[n] = wr.res;
		n += (size_t)take_result(p, &out[n], wr.ticket);
	}
	if (p->ready > 0 && n < max)
		n += hand_out_groups(p, out + n, max - n);
	if (n == 0 && ring_count(&p->cq) == RING_CORRUPT)
		return MP_EPROTO;
	return (int)n;
}

/* Enough results to stop waiting (a broken ring also stops it): with
 * all set, want results in, counting those held for their groups (for
 * mp_drain); else want to poll, where a group counts once it is whole. */
static int
results_waiting(const struct port *p, uint32_t want, int all)
{
	int64_t n = ring_count(&p->cq);

	if (n < 0)
		return 1;
	n += all ? p->held : p->ready;
	return n >= (int64_t)want;
}

int
port_wait_results(struct port *p, uint32_t want, int all, int timeout_ms)
{
	struct cseg_hdr *h = p->seg.h;
	uint64_t until = timeout_ms < 0 ? UINT64_MAX :
	    mono_ns() + (uint64_t)timeout_ms * 1000000u;

	if (results_waiting(p, want, all) || timeout_ms == 0)
		return results_waiting(p, want, all);
	atomic_store(&h->waiting, 1);
	for (;;) {
		uint32_t v = atomic_load(&h->wake);
		uint64_t now;

		/* Pairs with the worker's fence between push and reading
		 * waiting: either it sees us waiting, or we see its result. */
		atomic_thread_fence(memory_order_seq_cst);
		if (results_waiting(p, want, all) || (now = mono_ns()) >= until)
			break;
		futex_wait(&h->wake, v, until == UINT64_MAX ? -1 :
		    (int)((until - now + 999999) / 1000000));
	}
	atomic_store(&h->waiting, 0);
	return results_waiting(p, want, all);
}

int
port_wait(struct port *p, int timeout_ms)
{
	return port_wait_results(p, 1, 0, timeout_ms);
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

		if (e->used && !e->cancelled && !e->arrived &&
		    e->req.user_data == user_data &&
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
