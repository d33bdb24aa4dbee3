/*
 * queue.c - taking, completing and recovering requests (see queue.h).
 *
 * Exactly once.  A request is always in exactly one of: a client's lane
 * ring, the retry queue, a worker slot, a completion ring.  Each move from
 * one to the next happens under qlock and is made of steps that a repair
 * can finish or undo by looking at the slot alone:
 *
 *   take:      copy into slot, state TAKING, pop the ring, state BUSY.
 *              Repair: trusted ring index still at slot->pos -> not popped,
 *              the copy is dropped; else the slot owns it (BUSY).
 *   complete:  state COMPLETING, publish or cancel the slab, push the
 *              result, state IDLE.  Repair: completion ring index still at
 *              slot->cq_pos -> push it now; publishing is idempotent.
 *
 * A BUSY slot whose worker died is recovered by the supervisor once it has
 * reaped the worker: the request goes to the retry queue, or fails.
 *
 * The retry queue never overflows: a worker takes from it before any lane,
 * so a worker can take from a lane only when it is empty, and each entry
 * comes from a BUSY slot.  Hence retries + BUSY slots <= workers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "queue.h"
#include "tokens.h"

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}


static void
fault(const struct queue *q, int point)
{
	if (q->fault != NULL)
		q->fault(point);
}

static int
client_live(const struct queue *q, uint32_t c, uint32_t gen)
{
	const struct dclient *dc = &q->d->cl[c];

	return atomic_load(&dc->state) == DC_ACTIVE && dc->gen == gen;
}

static void
mark_faulty(struct queue *q, uint32_t c)
{
	char one = 'F';

	atomic_store(&q->d->cl[c].state, DC_FAULTY);
	q->d->faults++;
	/* Tell the supervisor, which disconnects it; a full pipe already
	 * says so. */
	if (q->notify_fd >= 0 && write(q->notify_fd, &one, 1) < 0)
		return;
}

static void qrepair(void *arg);
static void arepair(void *arg);

/* A lock that cannot be made consistent again means a repair itself died;
 * nothing safe is left to do in this process. */
static void
qlock(struct queue *q)
{
	if (plock_lock(&q->d->qlock, qrepair, q) != 0)
		abort();
}

static void
alock(struct queue *q)
{
	if (plock_lock(&q->d->alock, arepair, q) != 0)
		abort();
}

/* --- completion ----------------------------------------------------------- */

static uint32_t
hist_bucket(uint64_t ns)
{
	uint32_t lg = ns < 8 ? 0 : 63 - (uint32_t)__builtin_clzll(ns) - 2;

	/* Power of two lg+2, then the next three bits: 8 steps per octave. */
	return ns < 8 ? (uint32_t)ns : (lg + 1) * 8 + (uint32_t)((ns >> lg) & 7);
}

static uint64_t
hist_value(uint32_t b)
{
	return b < 8 ? b : (uint64_t)(8 + b % 8) << (b / 8 - 1);
}

/* Figures for status, kept as completions happen (qlock held). */
static void
count_completion(struct queue *q, const mp_result *res)
{
	struct dseg *d = q->d;
	uint64_t sec = mono_ns() / 1000000000u;
	uint32_t b = hist_bucket(res->compute_ns);

	d->completed++;
	if (res->status < 0 && res->status > -16)
		d->failed_by[-res->status]++;
	if (res->status != 0)
		d->failed++;
	if (d->rate[sec % 16].sec != sec) {
		d->rate[sec % 16].sec = sec;
		d->rate[sec % 16].n = 0;
	}
	d->rate[sec % 16].n++;
	d->hist[b < Q_HIST ? b : Q_HIST - 1]++;
}

static void
wake_client(struct queue *q, uint32_t c)
{
	struct ctl_client *cc = ctl_client(&q->ctl, c);

	/* Pairs with the client's store of waiting then re-check of the ring. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&cc->waiting, memory_order_relaxed))
		sem_post(&cc->cq_sem);
}

/* Slot w is COMPLETING: finish it (qlock held).  Safe to run again on a
 * slot whose worker died anywhere inside it.  1 if the result is (now) in
 * the client's completion ring. */
static int
finish_completion(struct queue *q, uint32_t w)
{
	struct wslot *ws = &q->d->w[w];
	uint32_t c = ws->client;
	struct dclient *dc = &q->d->cl[c];
	int live = client_live(q, c, ws->gen), pushed = 0;
	struct ring_view rv;

	if (ws->res.handle != 0) {
		alock(q);
		if (live)
			slab_publish(&q->arena, ws->res.handle);
		else
			slab_cancel(&q->arena, ws->res.handle);
		plock_unlock(&q->d->alock);
	}
	fault(q, QF_PUBLISHED);
	if (live && dc->cq_tail != ws->cq_pos)
		pushed = 1;             /* pushed before a death: not again */
	else if (live) {
		ctl_cq(&q->ctl, c, &rv, &dc->cq_tail);
		if (ring_push(&rv, &ws->res) == RING_OK) {
			pushed = 1;
			dc->completed++;
			if (ws->res.status != 0)
				dc->failed++;
			count_completion(q, &ws->res);
		} else
			mark_faulty(q, c);      /* honest clients never fill it */
	}
	fault(q, QF_PUSHED);
	if (live && dc->taken > 0)
		dc->taken--;
	ws->done++;
	atomic_store_explicit(&ws->state, WS_IDLE, memory_order_release);
	return pushed;
}

/* --- repair after a death under a lock ---------------------------------- */

static void
recount_taken(struct queue *q)
{
	struct dseg *d = q->d;
	uint32_t i, k;

	for (i = 0; i < d->nclients; i++)
		d->cl[i].taken = 0;
	for (i = 0; i < d->nworkers; i++) {
		struct wslot *ws = &d->w[i];

		if (atomic_load(&ws->state) == WS_BUSY && ws->client < d->nclients &&
		    client_live(q, ws->client, ws->gen))
			d->cl[ws->client].taken++;
	}
	for (k = d->retry_head; k != d->retry_tail; k++) {
		struct retry_entry *e = &d->retry[k % Q_RETRY_CAP];

		if (client_live(q, e->client, e->gen))
			d->cl[e->client].taken++;
	}
}

/* Undo or finish a take that a death interrupted (qlock held). */
static void
settle_take(struct queue *q, struct wslot *ws)
{
	uint32_t now = ws->src == Q_SRC_RETRY ? q->d->retry_head :
	    q->d->cl[ws->client].lane_head[ws->lane];

	atomic_store(&ws->state, now == ws->pos ? WS_IDLE : WS_BUSY);
}

/* Only the holder of qlock is ever TAKING or COMPLETING, so after its
 * death any slot in those states is the dead holder's. */
static void
qrepair(void *arg)
{
	struct queue *q = arg;
	uint32_t i;

	for (i = 0; i < q->d->nworkers; i++) {
		struct wslot *ws = &q->d->w[i];

		if (atomic_load(&ws->state) == WS_TAKING)
			settle_take(q, ws);
		else if (atomic_load(&ws->state) == WS_COMPLETING)
			finish_completion(q, i);
	}
	recount_taken(q);
	q->d->qrepairs++;
}

static void
arepair(void *arg)
{
	struct queue *q = arg;

	slab_repair(&q->arena);
	q->d->arepairs++;
}

/* --- setup ---------------------------------------------------------------- */

size_t
q_bytes(void)
{
	return (sizeof(struct dseg) + 4095) / 4096 * 4096;
}

int
q_init(struct queue *q, void *dmem, const struct ctl_view *ctl,
    const struct slab_arena *arena, uint32_t nworkers)
{
	struct dseg *d = dmem;

	if (nworkers == 0 || nworkers > Q_MAX_WORKERS ||
	    nworkers > SLAB_HOLDERS || ctl->geo.nclients > SLAB_OWNERS)
		return -1;
	memset(d, 0, sizeof *d);
	if (plock_init(&d->qlock) != 0 || plock_init(&d->alock) != 0)
		return -1;
	d->nclients = ctl->geo.nclients;
	d->nworkers = nworkers;
	q->d = d;
	q->ctl = *ctl;
	q->arena = *arena;
	q->notify_fd = -1;
	q->fault = NULL;
	return 0;
}

uint32_t
q_client_open(struct queue *q, uint32_t slot, pid_t pid)
{
	struct dclient *dc = &q->d->cl[slot];
	uint32_t gen;

	qlock(q);
	alock(q);
	slab_reclaim_owner(&q->arena, slot);
	gen = ++dc->gen;
	if (gen == 0)
		gen = dc->gen = 1;
	memset(dc->lane_head, 0, sizeof dc->lane_head);
	dc->cq_tail = dc->rel_head = dc->taken = 0;
	dc->completed = dc->failed = dc->bad_releases = 0;
	dc->pid = (int32_t)pid;
	ctl_reset_slot(&q->ctl, slot, gen);
	atomic_store(&dc->state, DC_ACTIVE);
	plock_unlock(&q->d->alock);
	plock_unlock(&q->d->qlock);
	return gen;
}

void
q_client_close(struct queue *q, uint32_t slot)
{
	struct dclient *dc = &q->d->cl[slot];

	qlock(q);
	alock(q);
	atomic_store(&dc->state, DC_FREE);
	dc->pid = 0;
	dc->taken = 0;
	/* Retry entries of this generation are skipped when they come up; a
	 * worker busy on it cancels its slab when it completes. */
	slab_reclaim_owner(&q->arena, slot);
	plock_unlock(&q->d->alock);
	plock_unlock(&q->d->qlock);
}

void
q_worker_start(struct queue *q, uint32_t w, pid_t pid)
{
	struct wslot *ws = &q->d->w[w];

	qlock(q);
	ws->pid = (int32_t)pid;
	ws->deaths = 0;
	atomic_store(&ws->state, WS_IDLE);
	plock_unlock(&q->d->qlock);
}

/* --- taking --------------------------------------------------------------- */

int
q_worker_wait(struct queue *q, uint32_t w, uint64_t spin_ns)
{
	struct ctl_hdr *h = q->ctl.h;
	uint64_t t0 = spin_ns ? mono_ns() : 0;
	uint32_t i;
	int r;

	for (i = 0; spin_ns != 0; i++) {
		if (tokens_take(h))
			return 0;
		if ((i & 63) == 63 && mono_ns() - t0 > spin_ns)
			break;
		cpu_relax();
	}
	atomic_store(&q->d->w[w].parked_ns, mono_ns());   /* for the autoscaler */
	if (q->parking != NULL)
		q->parking(1);
	r = tokens_park(h, w);
	if (q->parking != NULL)
		q->parking(0);
	atomic_store(&q->d->w[w].parked_ns, 0);
	return r;
}

static void drain_client(struct queue *q, uint32_t c);

/* One more request of client c in progress cannot push its arena use over
 * the cap, even if it needs a whole page. */
static int
under_cap(struct queue *q, uint32_t c)
{
	const struct arena_hdr *ah = q->arena.h;

	return __atomic_load_n(&ah->owner_used[c], __ATOMIC_RELAXED) +
	    (uint64_t)(q->d->cl[c].taken + 1) * ah->page_size <= ah->owner_cap;
}

/* Client c can have one more request in flight (qlock held).  In flight =
 * taken by the daemon + completed and not yet polled, which must stay
 * below the completion ring's capacity so a push always finds room; and
 * each taken request may need up to a page of the client's arena cap. */
static int
has_room(struct queue *q, uint32_t c)
{
	struct dclient *dc = &q->d->cl[c];
	const struct arena_hdr *ah = q->arena.h;
	struct ring_view rv;
	int64_t used;

	ctl_cq(&q->ctl, c, &rv, &dc->cq_tail);
	if ((used = ring_used(&rv)) == RING_CORRUPT) {
		mark_faulty(q, c);
		return 0;
	}
	if ((uint64_t)dc->taken + (uint64_t)used >= q->ctl.geo.cq_cap)
		return 0;
	if (ah->owner_cap == 0 || under_cap(q, c))
		return 1;
	/* At the cap: count what it has handed back but nobody freed yet. */
	alock(q);
	drain_client(q, c);
	plock_unlock(&q->d->alock);
	return under_cap(q, c);
}

/* Move a request into slot w (qlock held): copy, TAKING, pop, BUSY. */
static void
take_into(struct queue *q, struct wslot *ws, uint32_t c, uint32_t gen,
    uint32_t lane, uint32_t src, uint32_t pos)
{
	ws->client = c;
	ws->gen = gen;
	ws->lane = lane;
	ws->src = src;
	ws->pos = pos;
	ws->start_ns = mono_ns();
	memset(&ws->res, 0, sizeof ws->res);
	atomic_store_explicit(&ws->state, WS_TAKING, memory_order_release);
	fault(q, QF_TAKE_COPIED);
}

static int
take_retry(struct queue *q, struct wslot *ws)
{
	struct dseg *d = q->d;

	while (d->retry_head != d->retry_tail) {
		struct retry_entry *e = &d->retry[d->retry_head % Q_RETRY_CAP];

		if (!client_live(q, e->client, e->gen)) {
			d->retry_head++;        /* its client has gone */
			continue;
		}
		ws->req = e->req;
		ws->deaths = e->deaths;
		ws->submit_ns = e->submit_ns;
		take_into(q, ws, e->client, e->gen, e->lane, Q_SRC_RETRY,
		    d->retry_head);
		d->retry_head++;
		fault(q, QF_TAKE_POPPED);
		atomic_store(&ws->state, WS_BUSY);
		return 1;
	}
	return 0;
}

static int
take_lane(struct queue *q, struct wslot *ws, uint32_t lane, int *skipped)
{
	struct dseg *d = q->d;
	uint32_t i, n = d->nclients;

	for (i = 0; i < n; i++) {
		uint32_t c = (d->rr[lane] + i) % n;
		struct dclient *dc = &d->cl[c];
		struct ring_view rv;
		int r;

		if (atomic_load(&dc->state) != DC_ACTIVE)
			continue;
		ctl_lane(&q->ctl, c, lane, &rv, &dc->lane_head[lane]);
		if ((r = ring_peek(&rv, &ws->req)) == RING_CORRUPT)
			mark_faulty(q, c);
		if (r != RING_OK)
			continue;
		if (!has_room(q, c)) {
			if (*skipped < 0)
				*skipped = (int)c;
			continue;
		}
		ws->deaths = 0;
		ws->submit_ns = atomic_load_explicit(&ctl_stamps(&q->ctl, c, lane)
		    [dc->lane_head[lane] & (q->ctl.geo.lane_cap - 1)],
		    memory_order_relaxed);
		take_into(q, ws, c, dc->gen, lane, Q_SRC_LANE,
		    dc->lane_head[lane]);
		ring_pop(&rv);
		fault(q, QF_TAKE_POPPED);
		dc->taken++;
		atomic_store(&ws->state, WS_BUSY);
		d->rr[lane] = (c + 1) % n;
		return 1;
	}
	return 0;
}

int
q_take(struct queue *q, uint32_t w, mp_request *out)
{
	struct wslot *ws = &q->d->w[w];
	uint32_t lane;
	int got, skipped = -1;

	qlock(q);
	got = take_retry(q, ws);
	for (lane = 0; !got && lane < CTL_LANES; lane++)
		got = take_lane(q, ws, lane, &skipped);
	if (got)
		*out = ws->req;
	else if (skipped >= 0) {
		/* Our token was for a request that has to wait for room: the
		 * client owes itself a token back once it makes some. */
		atomic_fetch_add(&ctl_client(&q->ctl, (uint32_t)skipped)->owed, 1);
		atomic_thread_fence(memory_order_seq_cst);
	}
	plock_unlock(&q->d->qlock);
	return got;
}

/* --- slabs ---------------------------------------------------------------- */

/* Free what client c handed back (alock held).  Bounded: a client that
 * keeps refilling its ring cannot hold a worker here. */
static void
drain_client(struct queue *q, uint32_t c)
{
	struct dclient *dc = &q->d->cl[c];
	struct ring_view rv;
	uint64_t h;
	uint32_t i;
	int r;

	if (atomic_load(&dc->state) != DC_ACTIVE)
		return;
	ctl_rel(&q->ctl, c, &rv, &dc->rel_head);
	for (i = 0; i < q->ctl.geo.rel_cap; i++) {
		if ((r = ring_peek(&rv, &h)) == RING_CORRUPT)
			mark_faulty(q, c);
		if (r != RING_OK)
			return;
		if (slab_free(&q->arena, h, c) != 0)
			dc->bad_releases++;
		ring_pop(&rv);
	}
}

void
q_drain_releases(struct queue *q)
{
	uint32_t c;

	alock(q);
	for (c = 0; c < q->d->nclients; c++)
		drain_client(q, c);
	plock_unlock(&q->d->alock);
}

uint64_t
q_reserve(struct queue *q, uint32_t w, size_t bytes, void **mem)
{
	struct wslot *ws = &q->d->w[w];
	uint32_t c = ws->client, i;
	uint64_t h;

	*mem = NULL;
	alock(q);
	drain_client(q, c);
	if ((h = slab_reserve(&q->arena, bytes, c, w)) == 0) {
		for (i = 0; i < q->d->nclients; i++)
			drain_client(q, i);
		h = slab_reserve(&q->arena, bytes, c, w);
	}
	if (h != 0) {
		*mem = slab_ptr(&q->arena, h, NULL);
		fault(q, QF_RESERVED);
	}
	plock_unlock(&q->d->alock);
	return h;
}

/* --- completing and recovering ---------------------------------------- */

void
q_complete(struct queue *q, uint32_t w, const mp_result *res)
{
	struct wslot *ws = &q->d->w[w];
	uint32_t c = ws->client;
	int pushed;

	qlock(q);
	ws->res = *res;
	ws->res.user_data = ws->req.user_data;   /* the slot's copy is trusted */
	ws->res.queue_ns = ws->start_ns > ws->submit_ns &&
	    ws->start_ns - ws->submit_ns < 3600000000000ull ?
	    ws->start_ns - ws->submit_ns : 0;        /* a client's clock is a hint */
	ws->cq_pos = q->d->cl[c].cq_tail;
	atomic_store_explicit(&ws->state, WS_COMPLETING, memory_order_release);
	pushed = finish_completion(q, w);
	plock_unlock(&q->d->qlock);
	if (pushed)
		wake_client(q, c);
}

int
q_recover(struct queue *q, uint32_t w, int fail_status)
{
	struct dseg *d = q->d;
	struct wslot *ws = &d->w[w];
	int ret = 0, wake = 0;
	uint32_t c = ws->client;

	qlock(q);               /* repairs first if w died holding it */
	if (atomic_load(&ws->state) == WS_BUSY && client_live(q, c, ws->gen)) {
		uint32_t deaths = ws->deaths + 1;

		if (fail_status == 0 && deaths < Q_POISON_DEATHS &&
		    d->retry_tail - d->retry_head < Q_RETRY_CAP) {
			struct retry_entry *e = &d->retry[d->retry_tail % Q_RETRY_CAP];

			e->req = ws->req;
			e->submit_ns = ws->submit_ns;
			e->client = c, e->gen = ws->gen;
			e->lane = ws->lane, e->deaths = deaths;
			d->retry_tail++;
			d->requeued++;
			ret = 1;
		} else {
			memset(&ws->res, 0, sizeof ws->res);
			ws->res.user_data = ws->req.user_data;
			ws->res.status = fail_status ? fail_status : MP_EWORKER;
			ws->cq_pos = d->cl[c].cq_tail;
			atomic_store(&ws->state, WS_COMPLETING);
			wake = finish_completion(q, w);
			if (fail_status == 0)
				d->poisoned++;
			ret = ws->res.status;
		}
	}
	atomic_store(&ws->state, WS_EMPTY);
	ws->pid = 0;
	recount_taken(q);
	plock_unlock(&d->qlock);

	alock(q);
	slab_drop_holder(&q->arena, w);
	plock_unlock(&d->alock);
	/* It may have died parked, or being woken; then the token it may have
	 * held, and the retried request's (adding them wakes a parked one). */
	tokens_forget(q->ctl.h, w);
	tokens_add(q->ctl.h, ret == 1 ? 2 : 1);
	if (wake)
		wake_client(q, c);
	return ret;
}

/* Push a result with status for r into client c's completion ring
 * (qlock held).  Room is there: r was counted in flight or checked. */
static int
push_status(struct queue *q, uint32_t c, const mp_request *r, int status)
{
	struct dclient *dc = &q->d->cl[c];
	struct ring_view cq;
	mp_result res;

	memset(&res, 0, sizeof res);
	res.user_data = r->user_data;
	res.status = status;
	ctl_cq(&q->ctl, c, &cq, &dc->cq_tail);
	if (ring_push(&cq, &res) != RING_OK)
		return 0;
	dc->completed++, dc->failed++;
	count_completion(q, &res);
	return 1;
}

uint32_t
q_fail_queued(struct queue *q, int status)
{
	struct dseg *d = q->d;
	uint32_t c, lane, n = 0;
	uint64_t woke = 0;
	mp_request r;

	qlock(q);
	for (; d->retry_head != d->retry_tail; d->retry_head++) {
		struct retry_entry *e = &d->retry[d->retry_head % Q_RETRY_CAP];

		if (client_live(q, e->client, e->gen) &&
		    push_status(q, e->client, &e->req, status))
			n++, woke |= 1ull << e->client;
	}
	recount_taken(q);
	for (c = 0; c < d->nclients; c++) {
		if (atomic_load(&d->cl[c].state) != DC_ACTIVE)
			continue;
		for (lane = 0; lane < CTL_LANES; lane++) {
			struct ring_view rv;

			ctl_lane(&q->ctl, c, lane, &rv, &d->cl[c].lane_head[lane]);
			while (ring_peek(&rv, &r) == RING_OK && has_room(q, c) &&
			    push_status(q, c, &r, status)) {
				ring_pop(&rv);
				n++, woke |= 1ull << c;
			}
		}
	}
	plock_unlock(&d->qlock);
	for (c = 0; c < d->nclients; c++)
		if (woke & (1ull << c))
			wake_client(q, c);
	return n;
}

void
q_stats(struct queue *q, struct q_stats *st)
{
	struct dseg *d = q->d;
	uint32_t i, lane;

	memset(st, 0, sizeof *st);
	for (i = 0; i < d->nworkers; i++) {
		uint32_t s = atomic_load(&d->w[i].state);

		if (s == WS_TAKING || s == WS_BUSY || s == WS_COMPLETING)
			st->busy_workers++;
	}
	for (i = 0; i < d->nclients; i++) {
		struct dclient *dc = &d->cl[i];

		if (atomic_load(&dc->state) == DC_FREE)
			continue;
		st->clients++;
		st->in_flight += dc->taken;
		for (lane = 0; lane < CTL_LANES; lane++) {
			struct ring_view rv;
			uint32_t head = dc->lane_head[lane];
			int64_t n;

			ctl_lane(&q->ctl, i, lane, &rv, &head);
			if ((n = ring_count(&rv)) > 0)
				st->queued += (uint32_t)n;
		}
	}
	st->completed = d->completed;
	st->failed = d->failed;
	memcpy(st->failed_by, d->failed_by, sizeof st->failed_by);
	{
		uint64_t sec = mono_ns() / 1000000000u, n = 0, total = 0, seen = 0;
		uint32_t k;

		for (k = 0; k < 16; k++)        /* this second and the 9 before */
			if (d->rate[k].sec <= sec && d->rate[k].sec + 10 > sec)
				n += d->rate[k].n;
		st->rate_10s = n / 10.0;
		for (k = 0; k < Q_HIST; k++)
			total += d->hist[k];
		for (k = 0; k < Q_HIST && total > 0; k++) {
			seen += d->hist[k];
			if (st->p50_us == 0 && seen * 2 >= total)
				st->p50_us = hist_value(k) / 1e3;
			if (seen * 100 >= total * 99) {
				st->p99_us = hist_value(k) / 1e3;
				break;
			}
		}
	}
	st->requeued = d->requeued;
	st->poisoned = d->poisoned;
	st->faults = d->faults;
}
