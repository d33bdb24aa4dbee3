/*
 * worker.c - the worker loop (worker.h).
 *
 * Timeouts need no help from the supervisor: while it is up (not parked),
 * a worker runs a periodic ITIMER_REAL watchdog, a quarter of
 * request_timeout (10 ms .. 1 s).  Its handler finds the request in the
 * worker's own slot overdue, restores SIGALRM's default action and raises
 * it; the supervisor reaps the worker, sees SIGALRM and completes the
 * request with MP_ETIMEDOUT.  The timer is stopped before the worker
 * parks, so an idle daemon has no timer at all, and a busy worker makes no
 * system call per request for it (arming a one-shot timer around every
 * request cost two).
 */
#include <signal.h>
#include <stdlib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mesh.h"
#include "request.h"
#include "tokens.h"
#include "transvoxel.h"
#include "monotime.h"
#include "worker.h"

/* What the signal handlers need (SIGTERM: does this worker hold a request;
 * SIGALRM: is it overdue), set once at start or around meshing; a worker
 * is a single process and keeps no other state outside its stack. */
static struct wslot *self;
static _Atomic uint32_t *timeout_ms;     /* the daemon's, may change on reload */
static uint32_t watching_ms;             /* the timeout the watchdog was set for */
static volatile sig_atomic_t retiring;
static volatile sig_atomic_t meshing;   /* the timeout covers meshing only,
                                         * not waiting for arena room */

/* SIGTERM asks a worker to leave (scale down, stop): at once if it holds
 * no request (dying anywhere outside one is recoverable by design), else
 * right after it completes the one it holds. */
static void
on_term(int sig)
{
	(void)sig;
	if (atomic_load(&self->state) == WS_IDLE)
		_exit(0);
	retiring = 1;
}


/* Run the watchdog for a timeout of ms (0: stop it). */
static void
watch(uint32_t ms)
{
	struct itimerval it;
	uint32_t period = ms / 4 < 10 ? 10 : ms / 4 > 1000 ? 1000 : ms / 4;

	memset(&it, 0, sizeof it);
	if (ms != 0) {
		it.it_interval.tv_sec = period / 1000;
		it.it_interval.tv_usec = (long)(period % 1000) * 1000;
		it.it_value = it.it_interval;
	}
	setitimer(ITIMER_REAL, &it, NULL);
	watching_ms = ms;
}

/* The watchdog's tick: end this worker if its request is overdue. */
static void
on_alarm(int sig)
{
	uint64_t limit = (uint64_t)atomic_load(timeout_ms) * 1000000u;

	if (limit != 0 && meshing && mono_ns() - self->start_ns > limit) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

static void
parking(int asleep)
{
	watch(asleep ? 0 : atomic_load(timeout_ms));
}

/* Copy m into a slab reserved for the request in slot w.  The arena being
 * full is backpressure: wait, with a growing pause, until clients release. */
static uint64_t
store(struct queue *q, uint32_t w, const struct mesh *m)
{
	size_t vb = (size_t)m->nv * 12, bytes = mesh_slab_bytes(m->nv, m->ni);
	useconds_t pause = 50;
	unsigned char *dst;
	void *mem;
	uint64_t h;

	while ((h = q_reserve(q, w, bytes, &mem)) == 0) {
		usleep(pause);
		if (pause < 20000)
			pause *= 2;
	}
	dst = mem;
	memcpy(dst, m->pos, vb);
	memcpy(dst + vb, m->nrm, vb);
	memcpy(dst + 2 * vb, m->idx, (size_t)m->ni * 4);
	return h;
}

#ifdef MP_FAULT_INJECTION
/* Test builds only (tests/meshpoold-fi, never installed): field seeds that
 * make a worker crash or hang, to prove recovery and timeouts. */
#define FI_CRASH_SEED 0xfa11deadu
#define FI_HANG_SEED  0xfa11f00du
#define FI_QLOCK_SEED 0xfa11b0c5u     /* die holding the queue lock */
#define FI_ALOCK_SEED 0xfa11a7e5u     /* die holding the arena lock */

/* Called by queue.c at its fault points, inside the locks. */
static void
fault_point(int point)
{
	uint32_t seed = self->req.field.seed;

	if ((seed == FI_QLOCK_SEED && point == QF_PUSHED) ||
	    (seed == FI_ALOCK_SEED && point == QF_RESERVED))
		raise(SIGKILL);
}

/* A worker that dies as soon as it starts (a broken install, say). */
static void
fault_at_start(void)
{
	if (getenv("MESHPOOL_FI_DIE_AT_START") != NULL)
		_exit(3);
}

static void
fault_injection(const mp_request *r)
{
	if (r->field.seed == FI_CRASH_SEED)
		raise(SIGSEGV);
	if (r->field.seed == FI_HANG_SEED)
		for (;;)
			pause();        /* until request_timeout's SIGALRM */
}
#else
#define fault_injection(r) ((void)0)
#define fault_at_start() ((void)0)
#endif

/* More requests wait and every worker is busy: ask the supervisor for one
 * more worker (it decides: dynamic mode, max_workers, memory).  Only when
 * it could say yes, and once until it has read the ask: a pool at its
 * size costs no system call and no supervisor wake-up per request. */
static void
ask_to_grow(struct queue *q, const struct worker_opts *o)
{
	char g = NOTIFY_GROW;
	uint32_t i;

	if (o->grow_fd < 0 || !atomic_load(&q->d->grow_ok) ||
	    tokens_count(q->ctl.h) == 0)
		return;
	for (i = 0; i < Q_MAX_WORKERS; i++) {
		uint32_t st = atomic_load(&q->d->w[i].state);

		if (st == WS_IDLE)
			return;         /* someone can take it */
	}
	if (atomic_exchange(&q->d->grow_asked, 1) != 0)
		return;         /* asked already */
	if (write(o->grow_fd, &g, 1) < 0)
		return;         /* pipe full: the supervisor knows already */
}

static void
mesh_one(struct queue *q, uint32_t w, const struct worker_opts *o,
    const mp_request *r, struct tv_scratch *s, struct mesh *m, mp_result *res)
{
	struct noise_field nf;
	struct tv_chunk c;
	struct field f;

	(void)o;
	if (request_problem(r) != NULL) {
		res->status = MP_EINVAL;
		return;
	}
	request_chunk(r, &c);
	request_field(r, &nf);
	f = noise_field_as_field(&nf);
	meshing = 1;
	fault_injection(r);
	if (tv_extract(&c, &f, s, m) != 0)
		res->status = MP_ENOMEM;
	meshing = 0;
	if (res->status != 0 || m->nv == 0)
		return;
	if (mesh_slab_bytes(m->nv, m->ni) > q->arena.h->page_size) {
		res->status = MP_ENOMEM;     /* larger than the largest slab */
		return;
	}
	memcpy(res->aabb_min, m->aabb_min, sizeof res->aabb_min);
	memcpy(res->aabb_max, m->aabb_max, sizeof res->aabb_max);
	res->vertex_count = m->nv;
	res->index_count = m->ni;
	res->handle = store(q, w, m);
}

void
worker_main(struct queue *q, uint32_t w, const struct worker_opts *o)
{
	struct tv_scratch *s = tv_scratch_new();
	struct mesh m;
	mp_request r;
	mp_result res;

	fault_at_start();
#ifdef MP_FAULT_INJECTION
	q->fault = fault_point;
#endif
	if (s == NULL) {
		log_msg(LOG_ERR, "worker %u: out of memory at start", w);
		_exit(1);
	}
	mesh_init(&m);
	self = &q->d->w[w];
	self->pid = getpid();
	timeout_ms = &q->d->timeout_ms;
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		sa.sa_handler = on_alarm;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGALRM, &sa, NULL);
	}
	q->parking = parking;
	watch(atomic_load(timeout_ms));
	for (;;) {
		uint64_t t0;

		if (q_worker_wait(q, w, o->spin_ns) != 0 || !q_take(q, w, &r))
			continue;
		ask_to_grow(q, o);
		t0 = mono_ns();
		memset(&res, 0, sizeof res);
		mesh_one(q, w, o, &r, s, &m, &res);
		res.compute_ns = mono_ns() - t0;
		q_complete(q, w, &res);
		if (retiring)
			_exit(0);
		if (atomic_load(timeout_ms) != watching_ms)
			watch(atomic_load(timeout_ms));     /* reloaded */
	}
}
