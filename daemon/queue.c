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
 *
 * Everything read from a client segment is untrusted: ring indexes are
 * checked against the daemon's own (ring.h), requests are copied before
 * they are validated, stamps and tickets are mere numbers.  A client that
 * breaks a ring is marked faulty and disconnected; nothing it writes
 * reaches another client's state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "futex.h"
#include "monotime.h"
#include "queue.h"

#define BELL_STRIKES  16          /* empty wake-ups before a doorbell is muted */
#define BELL_MUTE_NS  10000000u   /* for 10 ms, doubling while it goes on ... */
#define BELL_MUTE_MAX 1000000000u /* ... up to 1 s */
#define LOCK_SLICE_MS 50          /* the supervisor's waits for a lock */
#define SPIN_PAUSES   32          /* between looks while spinning: ~1 us */

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

/* --- locks and small helpers --------------------------------------------- */

static void qrepair(void *arg);
static void arepair(void *arg);

/* A lock that cannot be made consistent again means a repair itself died;
 * nothing safe is left to do in this process.  The supervisor waits in
 * slices, so it can deal with a holder that does not run. */
static void
lock(struct queue *q, struct plock *l, plock_repair_fn repair)
{
	int e = q->stuck != NULL ?
	    plock_lock_watched(l, q->self, repair, q, LOCK_SLICE_MS, q->stuck,
	    q->stuck_arg) : plock_lock(l, q->self, repair, q);

	if (e != 0)
		abort();
}

void
q_lock(struct queue *q)
{
	lock(q, &q->d->qlock, qrepair);
}

void
q_unlock(struct queue *q)
{
	plock_unlock(&q->d->qlock);
}

void
q_alock(struct queue *q)
{
	lock(q, &q->d->alock, arepair);
}

void
q_aunlock(struct queue *q)
{
	plock_unlock(&q->d->alock);
}

int
q_client_live(const struct queue *q, uint32_t c, uint32_t gen)
{
	const struct dclient *dc = &q->d->cl[c];

	return c < MP_MAX_CLIENTS && atomic_load(&dc->state) == DC_ACTIVE &&
	    atomic_load(&dc->gen) == gen;
}

void
q_notify(struct queue *q, char what)
{
	/* A full pipe already says it: the supervisor reads it all. */
	if (q->notify_fd >= 0 && write(q->notify_fd, &what, 1) < 0)
		return;
}

void
q_mark_faulty(struct queue *q, uint32_t c)
{
	struct dclient *dc = &q->d->cl[c];

	if (atomic_load(&dc->state) != DC_ACTIVE)
		return;
	atomic_store(&dc->state, DC_FAULTY);
	atomic_fetch_and(&q->d->active, ~(1ull << c));
	atomic_fetch_add(&q->d->epoch, 1);
	q->d->faults++;
	q_notify(q, NOTIFY_FAULT);      /* the supervisor disconnects it */
}

/* --- completion ----------------------------------------------------------- */

/* Wake client c if it sleeps in mp_wait: a raw FUTEX_WAKE on its own word
 * is all we ever do to its memory besides the rings. */
static void
wake_client(struct queue *q, uint32_t c)
{
	const struct cseg_view *seg = q_client_seg(q, c);

	if (seg == NULL)
		return;
	/* Pairs with the client's store of waiting then re-check of the ring. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&seg->h->waiting, memory_order_relaxed)) {
		atomic_fetch_add(&seg->h->wake, 1);
		futex_wake(&seg->h->wake, 1);
	}
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
	const struct cseg_view *seg = NULL;
	int live = q_client_live(q, c, ws->gen), pushed = 0;
	struct ring_view rv;
	struct wire_res wr;

	if (live && (seg = q_client_seg(q, c)) == NULL)
		live = 0;       /* cannot happen: a worker that could not be
		                 * told of this client is killed at once */
	if (ws->res.handle != 0) {
		q_alock(q);
		if (live)
			slab_publish(&q->arena, ws->res.handle);
		else
			slab_cancel(&q->arena, ws->res.handle);
		q_aunlock(q);
	}
	fault(q, QF_PUBLISHED);
	if (live && dc->cq_tail != ws->cq_pos)
		pushed = 1;             /* pushed before a death: not again */
	else if (live) {
		memset(&wr, 0, sizeof wr);
		wr.res = ws->res;
		wr.ticket = ws->ticket;
		cseg_cq(seg, &rv, &dc->cq_tail);
		if (ring_push(&rv, &wr) == RING_OK)
			pushed = 1;
		else
			q_mark_faulty(q, c);    /* honest clients never fill it */
	}
	fault(q, QF_PUSHED);
	if (pushed)
		q_count_slot(q, w);
	fault(q, QF_COUNTED);
	if (live && dc->taken > 0)
		dc->taken--;
	atomic_store(&ws->need_page, 0);
	ws->done++;
	atomic_store_explicit(&ws->state, WS_IDLE, memory_order_release);
	return pushed;
}

/* Complete the request in slot w with res (qlock held): 1 if pushed. */
static int
complete_locked(struct queue *q, uint32_t w, const mp_result *res)
{
	struct wslot *ws = &q->d->w[w];
	uint64_t start = atomic_load(&ws->start_ns);

	ws->res = *res;
	ws->res.user_data = ws->req.user_data;   /* the slot's copy is trusted */
	ws->res.queue_ns = start > ws->submit_ns &&
	    start - ws->submit_ns < 3600000000000ull ?
	    start - ws->submit_ns : 0;           /* a client's clock is a hint */
	ws->cq_pos = q->d->cl[ws->client].cq_tail;
	atomic_store_explicit(&ws->note.phase, NOTE_NONE, memory_order_relaxed);
	atomic_store_explicit(&ws->state, WS_COMPLETING, memory_order_release);
	return finish_completion(q, w);
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
		    q_client_live(q, ws->client, ws->gen))
			d->cl[ws->client].taken++;
	}
	for (k = d->retry_head; k != d->retry_tail; k++) {
		struct retry_entry *e = &d->retry[k % Q_RETRY_CAP];

		if (q_client_live(q, e->client, e->gen))
			d->cl[e->client].taken++;
	}
}

/* Undo or finish a take that a death interrupted (qlock held). */
static void
settle_take(struct queue *q, struct wslot *ws)
{
	uint32_t now = ws->src == Q_SRC_RETRY ? q->d->retry_head :
	    q->d->cl[ws->client].lane_head[ws->lane];

	if (now == ws->pos) {
		atomic_store(&ws->need_page, 0);
		atomic_store(&ws->state, WS_IDLE);
	} else
		atomic_store(&ws->state, WS_BUSY);
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
q_init(struct queue *q, void *dmem, struct inst_hdr *inst,
    const struct slab_arena *arena, const struct seg_geometry *geo,
    uint32_t nclients, uint32_t nworkers)
{
	struct dseg *d = dmem;
	uint32_t i;

	if (nworkers == 0 || nworkers > MP_MAX_WORKERS || nclients == 0 ||
	    nclients > MP_MAX_CLIENTS || !geometry_ok(geo))
		return -1;
	memset(q, 0, sizeof *q);
	memset(d, 0, sizeof *d);
	if (plock_init(&d->qlock) != 0 || plock_init(&d->alock) != 0)
		return -1;
	d->nclients = nclients;
	d->nworkers = nworkers;
	q->d = d;
	q->inst = inst;
	q->arena = *arena;
	q->geo = *geo;
	q->self = getpid();
	q->chan = -1;
	for (i = 0; i < MP_MAX_WORKERS; i++)
		q->wchan[i] = -1;
	q->notify_fd = -1;
	return 0;
}

/* --- admission ------------------------------------------------------------ */

static void drain_client(struct queue *q, uint32_t c,
    const struct cseg_view *seg);

/* A free page not yet set aside for a taken request. */
static int
page_free(struct queue *q)
{
	uint32_t w, committed = 0;

	for (w = 0; w < q->d->nworkers; w++)
		committed += atomic_load(&q->d->w[w].need_page);
	return slab_free_pages(&q->arena) > committed;
}

/* The arena can take one more request's mesh (qlock held), counting the
 * slabs clients have handed back and nobody freed yet. */
static int
arena_room(struct queue *q)
{
	uint32_t c;

	if (page_free(q))
		return 1;
	q_alock(q);
	for (c = 0; c < q->d->nclients; c++)
		drain_client(q, c, q_client_seg(q, c));
	q_aunlock(q);
	return page_free(q);
}

/* Bytes client c holds, plus a page for each request it has in progress,
 * stay under its cap. */
static int
under_cap(struct queue *q, uint32_t c)
{
	const struct arena_hdr *ah = q->arena.h;

	return ah->owner_cap == 0 ||
	    __atomic_load_n(&ah->owner_used[c], __ATOMIC_RELAXED) +
	    (uint64_t)q->d->cl[c].taken * ah->page_size < ah->owner_cap;
}

/* Client c may have one more request in flight (qlock held): its result
 * will find room in the completion ring (in flight = taken + completed and
 * not yet polled stays below the ring's capacity), and the client is under
 * its arena cap, counting what it has handed back and nobody freed yet. */
static int
client_room(struct queue *q, uint32_t c, const struct cseg_view *seg)
{
	struct dclient *dc = &q->d->cl[c];
	struct ring_view rv;
	int64_t used;

	cseg_cq(seg, &rv, &dc->cq_tail);
	if ((used = ring_used(&rv)) == RING_CORRUPT) {
		q_mark_faulty(q, c);
		return 0;
	}
	if ((uint64_t)dc->taken + (uint64_t)used >= q->geo.cq_cap)
		return 0;
	if (under_cap(q, c))
		return 1;
	q_alock(q);
	drain_client(q, c, seg);
	q_aunlock(q);
	return under_cap(q, c);
}

/* The most urgent lane of client c with a request in it, or -1.  A broken
 * lane marks the client faulty (it is served no more). */
static int
ready_lane(struct queue *q, uint32_t c, const struct cseg_view *seg)
{
	struct dclient *dc = &q->d->cl[c];
	struct ring_view rv;
	uint32_t lane;
	int64_t n;

	for (lane = 0; lane < MP_LANES; lane++) {
		cseg_lane(seg, lane, &rv, &dc->lane_head[lane]);
		if ((n = ring_count(&rv)) == RING_CORRUPT) {
			q_mark_faulty(q, c);
			return -1;
		}
		if (n > 0)
			return (int)lane;
	}
	return -1;
}

/* --- taking --------------------------------------------------------------- */

/* Move a request into slot w (qlock held): the copy is made, TAKING. */
static void
take_into(struct queue *q, struct wslot *ws, uint32_t c, uint32_t gen,
    uint32_t lane, uint32_t src, uint32_t pos)
{
	ws->client = c;
	ws->gen = gen;
	ws->lane = lane;
	ws->src = src;
	ws->pos = pos;
	atomic_store(&ws->start_ns, mono_ns());
	memset(&ws->res, 0, sizeof ws->res);
	atomic_store(&ws->need_page, 1);
	atomic_store_explicit(&ws->state, WS_TAKING, memory_order_release);
	fault(q, QF_TAKE_COPIED);
}

static int
take_retry(struct queue *q, struct wslot *ws)
{
	struct dseg *d = q->d;

	while (d->retry_head != d->retry_tail) {
		struct retry_entry *e = &d->retry[d->retry_head % Q_RETRY_CAP];

		if (!q_client_live(q, e->client, e->gen)) {
			d->retry_head++;        /* its client has gone */
			continue;
		}
		if (q_client_seg(q, e->client) == NULL || !arena_room(q))
			return 0;
		ws->req = e->req;
		ws->deaths = e->deaths;
		ws->submit_ns = e->submit_ns;
		ws->ticket = e->ticket;
		ws->brushes = e->brushes;
		ws->brush_off = e->brush_off;
		take_into(q, ws, e->client, e->gen, e->lane, Q_SRC_RETRY,
		    d->retry_head);
		__atomic_store_n(&d->retry_head, d->retry_head + 1,
		    __ATOMIC_RELEASE);
		fault(q, QF_TAKE_POPPED);
		atomic_store(&ws->state, WS_BUSY);
		return 1;
	}
	return 0;
}

/* Take lane's oldest request of client c into ws (qlock held). */
static void
take_from(struct queue *q, struct wslot *ws, uint32_t c,
    const struct cseg_view *seg, uint32_t lane)
{
	struct dclient *dc = &q->d->cl[c];
	const struct wire_side *side;
	struct ring_view rv;

	cseg_lane(seg, lane, &rv, &dc->lane_head[lane]);
	ring_peek(&rv, &ws->req);       /* counted by ready_lane just now */
	side = cseg_side(seg, lane, dc->lane_head[lane]);
	ws->ticket = side->ticket;
	ws->submit_ns = side->stamp;
	ws->brushes = side->brushes;
	ws->brush_off = side->brush_off;
	ws->deaths = 0;
	take_into(q, ws, c, atomic_load(&dc->gen), lane, Q_SRC_LANE,
	    dc->lane_head[lane]);
	ring_pop(&rv);
	fault(q, QF_TAKE_POPPED);
	dc->taken++;
	atomic_store(&ws->state, WS_BUSY);
}

/* A client with a request that may be taken now, starting at from; -1 if
 * none.  *arena_full: one was held back only by arena room. */
static int
next_client(struct queue *q, uint32_t from, int *lane, int *arena_full)
{
	uint32_t i, n = q->d->nclients;

	*arena_full = 0;
	for (i = 0; i < n; i++) {
		uint32_t c = (from + i) % n;
		const struct cseg_view *seg;

		if (!(atomic_load(&q->d->active) & (1ull << c)) ||
		    (seg = q_client_seg(q, c)) == NULL)
			continue;
		if ((*lane = ready_lane(q, c, seg)) < 0 || !client_room(q, c, seg))
			continue;
		if (!arena_room(q)) {
			*arena_full = 1;
			return -1;
		}
		return (int)c;
	}
	return -1;
}

/* The request just taken into ws was cancelled by its client before it was
 * taken: complete it unmeshed (qlock held).  1 if so. */
static int
take_cancelled(struct queue *q, uint32_t w)
{
	struct wslot *ws = &q->d->w[w];
	const struct cseg_view *seg = q_client_seg(q, ws->client);
	mp_result res;
	uint32_t t = ws->ticket;

	if (seg == NULL || t >= q->geo.cq_cap ||
	    !(atomic_load(&cseg_cancels(seg)[t / 64]) & (1ull << (t % 64))))
		return 0;
	memset(&res, 0, sizeof res);
	res.status = MP_ECANCELED;
	if (complete_locked(q, w, &res))
		wake_client(q, ws->client);
	return 1;
}

/* Waking for nothing: a doorbell that keeps ringing without work is muted
 * for a while (longer each time it goes on), so a client scribbling on it
 * cannot keep workers spinning.  Its own requests are still found whenever
 * a worker looks, at the latest when the mute ends. */
static void
strike_bells(struct queue *q)
{
	uint64_t m = q->woke_by;

	for (; m != 0; m &= m - 1) {
		struct qbell *b = &q->bell[__builtin_ctzll(m)];

		if (++b->strikes < BELL_STRIKES)
			continue;
		b->strikes = 0;
		b->mute_ns = b->mute_ns == 0 ? BELL_MUTE_NS :
		    b->mute_ns * 2 > BELL_MUTE_MAX ? BELL_MUTE_MAX : b->mute_ns * 2;
		b->mute_until = mono_ns() + b->mute_ns;
	}
	q->woke_by = 0;
}

int
q_take(struct queue *q, uint32_t w, mp_request *out)
{
	struct dseg *d = q->d;
	struct wslot *ws = &d->w[w];
	int got = 0, more = 0, c, lane, arena_full = 0;

	if (q->chan >= 0 && atomic_load(&d->epoch) != q->epoch_seen)
		q_follow(q);
	q_lock(q);
	while (!got) {
		if (take_retry(q, ws))
			got = 1;
		else if ((c = next_client(q, d->rr, &lane, &arena_full)) >= 0) {
			take_from(q, ws, (uint32_t)c, q_client_seg(q, (uint32_t)c),
			    (uint32_t)lane);
			d->rr = ((uint32_t)c + 1) % d->nclients;
			q->bell[c].strikes = 0;
			q->bell[c].mute_ns = 0;
			got = 1;
		} else
			break;
		if (take_cancelled(q, w))
			got = 0;
	}
	if (got) {
		int full2;

		*out = ws->req;
		more = d->retry_head != d->retry_tail ||
		    next_client(q, d->rr, &lane, &full2) >= 0;
	}
	atomic_store(&q->inst->arena_wait, (uint32_t)arena_full);
	q_unlock(q);
	if (!got)
		strike_bells(q);
	else if (more)
		park_kick_one(q->inst, d->park);        /* the wake chain */
	return got;
}

/* --- waiting --------------------------------------------------------------- */

uint32_t
q_pulse(struct queue *q)
{
	uint64_t active = atomic_load(&q->d->active);
	uint32_t p = atomic_load(&q->d->epoch) * 0x9e3779b1u +
	    __atomic_load_n(&q->d->retry_tail, __ATOMIC_ACQUIRE);
	struct ring_view rv;

	for (; active != 0; active &= active - 1) {
		const struct cseg_view *seg = &q->map[__builtin_ctzll(active)].v;
		uint32_t lane;

		if (seg->base == NULL)
			continue;       /* not followed yet: the epoch says so */
		for (lane = 0; lane < MP_LANES; lane++) {
			cseg_lane(seg, lane, &rv, NULL);
			p += ring_tail(&rv);
		}
		cseg_rel(seg, &rv, NULL);
		p = p * 31 + ring_tail(&rv);
	}
	return p;
}

int
q_waiting(struct queue *q)
{
	uint64_t active = atomic_load(&q->d->active);
	struct ring_view rv;

	for (; active != 0; active &= active - 1) {
		uint32_t c = (uint32_t)__builtin_ctzll(active), lane;
		const struct cseg_view *seg = &q->map[c].v;

		for (lane = 0; seg->base != NULL && lane < MP_LANES; lane++) {
			uint32_t head = __atomic_load_n(&q->d->cl[c].lane_head[lane],
			    __ATOMIC_RELAXED);

			cseg_lane(seg, lane, &rv, &head);
			if (ring_count(&rv) > 0)
				return 1;
		}
	}
	return 0;
}

/* The doorbells worker w listens to while parked (those not muted), and
 * the earliest end of a mute (0: none). */
static uint32_t
gather_bells(struct queue *q, struct park_bell *b, uint32_t *who,
    uint64_t *until)
{
	uint64_t active = atomic_load(&q->d->active), now = mono_ns();
	uint32_t n = 0;

	*until = 0;
	for (; active != 0; active &= active - 1) {
		uint32_t c = (uint32_t)__builtin_ctzll(active);
		const struct cseg_view *seg = q_client_seg(q, c);

		if (seg == NULL)
			continue;
		if (q->bell[c].mute_until > now) {
			if (*until == 0 || q->bell[c].mute_until < *until)
				*until = q->bell[c].mute_until;
			continue;
		}
		b[n].word = &seg->h->doorbell;
		b[n].seen = atomic_load(&seg->h->doorbell);
		who[n++] = c;
	}
	return n;
}

/* Back up from parking: the supervisor's watchdog must be running while
 * any worker is (it is stopped once every worker is parked). */
static void
arm_watch(struct queue *q)
{
	uint32_t off = 0;

	if (atomic_load(&q->d->watch) == 0 &&
	    atomic_compare_exchange_strong(&q->d->watch, &off, 1))
		q_notify(q, NOTIFY_WATCH);
}

int
q_worker_wait(struct queue *q, uint32_t w, uint64_t spin_ns, uint32_t pulse)
{
	struct park_bell bells[MP_MAX_CLIENTS];
	uint32_t who[MP_MAX_CLIENTS], n, i;
	uint64_t t0 = mono_ns(), until;
	struct wslot *ws = &q->d->w[w];

	/* Look only now and then: every look pulls the lines the clients
	 * write (their lane tails) away from them, and a client submitting
	 * one request at a time would pay for each of our looks. */
	for (i = 0; spin_ns != 0; i++) {
		uint32_t k;

		if (q_pulse(q) != pulse)
			return 0;
		if ((i & 3) == 3 && mono_ns() - t0 > spin_ns)
			break;
		for (k = 0; k < SPIN_PAUSES; k++)
			cpu_relax();
	}
	if (q->chan >= 0 && atomic_load(&q->d->epoch) != q->epoch_seen)
		q_follow(q);
	atomic_store(&ws->parked_ns, mono_ns());        /* for the autoscaler */
	park_begin(q->inst, q->d->park, w);
	n = gather_bells(q, bells, who, &until);
	if (q_pulse(q) == pulse)        /* the last look, after the bit is set */
		park_sleep(q->d->park, w, bells, n, until);
	park_end(q->inst, q->d->park, w);
	atomic_store(&ws->parked_ns, 0);
	q->woke_by = 0;
	for (i = 0; i < n; i++)
		if (atomic_load(bells[i].word) != bells[i].seen)
			q->woke_by |= 1ull << who[i];
	arm_watch(q);
	return 0;
}

void
q_kick_all(struct queue *q)
{
	park_kick_all(q->inst, q->d->park);
}

/* --- workers ------------------------------------------------------------- */

int
q_worker_start(struct queue *q, uint32_t w)
{
	struct wslot *ws = &q->d->w[w];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	if (q->wchan[w] >= 0)
		close(q->wchan[w]);
	q->wchan[w] = sv[0];
	q_lock(q);
	ws->pid = 0;
	ws->deaths = 0;
	atomic_store(&ws->need_page, 0);
	atomic_store(&ws->state, WS_IDLE);
	q_unlock(q);
	atomic_store(&q->d->park[w].v, PARK_RUNNING);
	return sv[1];
}

void
q_worker_started(struct queue *q, uint32_t w, pid_t pid, int chan)
{
	close(chan);
	if (pid > 0) {
		q->d->w[w].pid = (int32_t)pid;
		return;
	}
	close(q->wchan[w]);
	q->wchan[w] = -1;
	atomic_store(&q->d->w[w].state, WS_EMPTY);
}

void
q_worker_enter(struct queue *q, uint32_t w, int chan)
{
	uint32_t i;

	for (i = 0; i < MP_MAX_WORKERS; i++)
		if (q->wchan[i] >= 0) {
			close(q->wchan[i]);
			q->wchan[i] = -1;
		}
	q->chan = chan;
	q->self = getpid();
	q->stuck = NULL;
	q->d->w[w].pid = (int32_t)q->self;
	memset(q->bell, 0, sizeof q->bell);
	q->epoch_seen = atomic_load(&q->d->epoch) - 1;  /* follow at once */
}

int
q_brushes(struct queue *q, uint32_t w, mp_brush *out, uint32_t max)
{
	const struct wslot *ws = &q->d->w[w];
	const struct cseg_view *seg;
	uint32_t n = ws->brushes, off = ws->brush_off;

	if (n == 0)
		return 0;
	if (n > max || off > q->geo.brush_cap || n > q->geo.brush_cap - off)
		return -1;
	if ((seg = q_client_seg(q, ws->client)) == NULL)
		return 0;
	/* A copy first: the client may write the region while we read it,
	 * and every brush is checked on the copy. */
	memcpy(out, cseg_brushes(seg) + off, (size_t)n * sizeof *out);
	return (int)n;
}

/* --- slabs ---------------------------------------------------------------- */

/* Free what client c handed back (alock held).  Bounded: a client that
 * keeps refilling its ring cannot hold a worker here. */
static void
drain_client(struct queue *q, uint32_t c, const struct cseg_view *seg)
{
	struct dclient *dc = &q->d->cl[c];
	struct ring_view rv;
	uint64_t h;
	uint32_t i;
	int r;

	if (seg == NULL || atomic_load(&dc->state) != DC_ACTIVE)
		return;
	cseg_rel(seg, &rv, &dc->rel_head);
	for (i = 0; i < q->geo.rel_cap; i++) {
		if ((r = ring_peek(&rv, &h)) == RING_CORRUPT)
			q_mark_faulty(q, c);
		if (r != RING_OK)
			return;
		if (slab_free(&q->arena, h, c) != 0)
			dc->bad_releases++;
		ring_pop(&rv);
	}
}

/* What client c has handed back and nobody freed yet (alock held). */
static uint64_t
released_by(struct queue *q, uint32_t c, const struct cseg_view *seg)
{
	struct ring_view rv;
	uint64_t h, sum = 0;
	size_t bytes;
	uint32_t k;

	if (seg == NULL)
		return 0;
	cseg_rel(seg, &rv, &q->d->cl[c].rel_head);
	for (k = 0; ring_peek_at(&rv, k, &h) == RING_OK; k++)
		if (slab_owned(&q->arena, h, c, &bytes))
			sum += bytes;
	return sum;
}

uint64_t
q_released_bytes(struct queue *q)
{
	uint64_t sum = 0;
	uint32_t c;

	q_alock(q);
	for (c = 0; c < q->d->nclients; c++)
		sum += released_by(q, c, q_client_seg(q, c));
	q_aunlock(q);
	return sum;
}

void
q_drain_releases(struct queue *q)
{
	uint32_t c;

	q_alock(q);
	for (c = 0; c < q->d->nclients; c++)
		drain_client(q, c, q_client_seg(q, c));
	q_aunlock(q);
}

uint64_t
q_reserve(struct queue *q, uint32_t w, size_t bytes, void **mem)
{
	struct wslot *ws = &q->d->w[w];
	uint32_t c = ws->client;
	uint64_t h;

	*mem = NULL;
	q_alock(q);
	drain_client(q, c, q_client_seg(q, c));
	if ((h = slab_reserve(&q->arena, bytes, c, w)) != 0) {
		*mem = slab_ptr(&q->arena, h, NULL);
		atomic_store(&ws->need_page, 0);
		fault(q, QF_RESERVED);
	}
	q_aunlock(q);
	return h;
}

/* --- completing and recovering ---------------------------------------- */

void
q_complete(struct queue *q, uint32_t w, const mp_result *res)
{
	uint32_t c = q->d->w[w].client;
	int pushed;

	q_lock(q);
	pushed = complete_locked(q, w, res);
	q_unlock(q);
	if (pushed)
		wake_client(q, c);
}

/* Put the dead slot's request in the retry queue (qlock held): 1, or 0 if
 * it has to fail instead. */
static int
requeue(struct queue *q, struct wslot *ws, uint32_t deaths)
{
	struct dseg *d = q->d;
	struct retry_entry *e;

	if (deaths >= Q_POISON_DEATHS || d->retry_tail - d->retry_head >= Q_RETRY_CAP)
		return 0;
	e = &d->retry[d->retry_tail % Q_RETRY_CAP];
	e->req = ws->req;
	e->submit_ns = ws->submit_ns;
	e->client = ws->client, e->gen = ws->gen;
	e->lane = ws->lane, e->deaths = deaths;
	e->ticket = ws->ticket;
	e->brushes = ws->brushes, e->brush_off = ws->brush_off;
	__atomic_store_n(&d->retry_tail, d->retry_tail + 1, __ATOMIC_RELEASE);
	d->requeued++;
	return 1;
}

int
q_recover(struct queue *q, uint32_t w, int fail_status)
{
	struct dseg *d = q->d;
	struct wslot *ws = &d->w[w];
	int ret = 0, wake = 0;
	uint32_t c = ws->client;

	q_lock(q);               /* repairs first if w died holding it */
	if (atomic_load(&ws->state) == WS_BUSY && q_client_live(q, c, ws->gen)) {
		if (fail_status == 0 && requeue(q, ws, ws->deaths + 1))
			ret = 1;
		else {
			mp_result res;

			memset(&res, 0, sizeof res);
			res.status = fail_status ? fail_status : MP_EWORKER;
			wake = complete_locked(q, w, &res);
			if (fail_status == 0)
				d->poisoned++;
			ret = res.status;
		}
	}
	atomic_store(&ws->need_page, 0);
	atomic_store(&ws->state, WS_EMPTY);
	ws->pid = 0;
	recount_taken(q);
	q_unlock(q);

	q_alock(q);
	slab_drop_holder(&q->arena, w);
	q_aunlock(q);
	if (q->wchan[w] >= 0) {
		close(q->wchan[w]);
		q->wchan[w] = -1;
	}
	/* It may have died parked, or just woken with work it never looked
	 * at: another parked worker takes over. */
	park_forget(q->inst, d->park, w);
	park_kick_one(q->inst, d->park);
	if (wake)
		wake_client(q, c);
	return ret;
}

/* Push a result with status for request r to client c (qlock
 * held).  Room is there: it was counted in flight or checked. */
static int
push_status(struct queue *q, uint32_t c, const mp_request *r, uint32_t ticket,
    int status)
{
	const struct cseg_view *seg = q_client_seg(q, c);
	struct dclient *dc = &q->d->cl[c];
	struct ring_view cq;
	struct wire_res wr;

	if (seg == NULL)
		return 0;
	memset(&wr, 0, sizeof wr);
	wr.res.user_data = r->user_data;
	wr.res.status = status;
	wr.ticket = ticket;
	cseg_cq(seg, &cq, &dc->cq_tail);
	if (ring_push(&cq, &wr) != RING_OK)
		return 0;
	q_count_completion(q, c, &wr.res);
	return 1;
}

/* Fail what waits in client c's lanes (qlock held): how many. */
static uint32_t
fail_lanes(struct queue *q, uint32_t c, int status)
{
	const struct cseg_view *seg = q_client_seg(q, c);
	struct dclient *dc = &q->d->cl[c];
	struct ring_view rv;
	mp_request r;
	uint32_t lane, n = 0;

	for (lane = 0; seg != NULL && lane < MP_LANES; lane++) {
		cseg_lane(seg, lane, &rv, &dc->lane_head[lane]);
		while (ring_peek(&rv, &r) == RING_OK && client_room(q, c, seg) &&
		    push_status(q, c, &r, cseg_side(seg, lane,
		    dc->lane_head[lane])->ticket, status)) {
			ring_pop(&rv);
			n++;
		}
	}
	return n;
}

uint32_t
q_fail_queued(struct queue *q, int status)
{
	struct dseg *d = q->d;
	uint32_t c, n = 0, k;
	uint64_t woke = 0;

	q_lock(q);
	for (; d->retry_head != d->retry_tail; d->retry_head++) {
		struct retry_entry *e = &d->retry[d->retry_head % Q_RETRY_CAP];

		if (q_client_live(q, e->client, e->gen) &&
		    push_status(q, e->client, &e->req, e->ticket, status))
			n++, woke |= 1ull << e->client;
	}
	recount_taken(q);
	for (c = 0; c < d->nclients; c++)
		if (atomic_load(&d->cl[c].state) == DC_ACTIVE &&
		    (k = fail_lanes(q, c, status)) > 0)
			n += k, woke |= 1ull << c;
	q_unlock(q);
	for (c = 0; c < d->nclients; c++)
		if (woke & (1ull << c))
			wake_client(q, c);
	return n;
}
