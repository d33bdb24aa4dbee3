/*
 * worker.c - the worker loop (worker.h).
 *
 * A worker keeps no timer of its own: request timeouts are enforced by
 * the supervisor's watchdog (supervisor.c), which also catches a worker
 * that is stopped or wedged and so could not time itself out.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mesh.h"
#include "mesher.h"
#include "request.h"
#include "transvoxel.h"
#include "monotime.h"
#include "worker.h"

/* What the SIGTERM handler needs: this worker's slot, set once at start,
 * and whether to leave after the request in hand.  A worker is a single
 * process and keeps no other state outside its stack. */
static struct wslot *self;
static volatile sig_atomic_t retiring;

struct worker_scratch {          /* a worker's own memory, made at start */
	struct tv_scratch *tv;
	struct mesh        mesh;
	mp_brush          *brushes;  /* MP_MAX_BRUSHES: the request's, copied */
};

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

/* Copy m into a slab reserved for the request in slot w: its handle, or 0
 * if the mesh is larger than a slab (admission set a page aside, so the
 * arena cannot be full). */
static uint64_t
store(struct queue *q, uint32_t w, const struct mesh *m)
{
	struct mesh_slab_map map = mesh_slab_map(m->nv, m->ni);
	unsigned char *dst;
	void *mem;
	uint64_t h;

	if ((h = q_reserve(q, w, (size_t)map.bytes, &mem)) == 0)
		return 0;
	dst = mem;
	memcpy(dst, m->pos, (size_t)map.normals);
	memcpy(dst + map.normals, m->nrm, (size_t)map.normals);
	memcpy(dst + map.indices, m->idx, (size_t)(map.materials - map.indices));
	memcpy(dst + map.materials, m->mat, m->nv);
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
			pause();        /* until the watchdog kills it */
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
ask_to_grow(struct queue *q)
{
	uint32_t i;

	if (!atomic_load(&q->d->grow_ok) || !q_waiting(q))
		return;
	for (i = 0; i < MP_MAX_WORKERS; i++) {
		uint32_t st = atomic_load(&q->d->w[i].state);

		if (st == WS_IDLE)
			return;         /* someone can take it */
	}
	if (atomic_exchange(&q->d->grow_asked, 1) != 0)
		return;         /* asked already */
	q_notify(q, NOTIFY_GROW);
}

/* Mesh the request in slot w (r, its trusted copy) with the brushes it
 * carries, into a slab: the result in *res. */
static void
mesh_one(struct queue *q, uint32_t w, const mp_request *r,
    struct worker_scratch *ws, mp_result *res)
{
	struct mesh *m = &ws->mesh;
	int nb;

	if ((nb = q_brushes(q, w, ws->brushes, MP_MAX_BRUSHES)) < 0) {
		res->status = MP_EINVAL;
		return;
	}
	fault_injection(r);
	if ((res->status = mesh_chunk(r, ws->brushes, (size_t)nb, ws->tv, m)) != 0 ||
	    m->nv == 0)
		return;
	if (mesh_slab_map(m->nv, m->ni).bytes > q->arena.h->page_size) {
		res->status = MP_ENOMEM;     /* larger than the largest slab */
		return;
	}
	memcpy(res->aabb_min, m->aabb_min, sizeof res->aabb_min);
	memcpy(res->aabb_max, m->aabb_max, sizeof res->aabb_max);
	res->vertex_count = m->nv;
	res->index_count = m->ni;
	if ((res->handle = store(q, w, m)) == 0)
		res->status = MP_ENOMEM;
}

void
worker_main(struct queue *q, uint32_t w, const struct worker_opts *o)
{
	struct worker_scratch ws;
	struct sigaction sa;
	mp_request r;
	mp_result res;

	fault_at_start();
#ifdef MP_FAULT_INJECTION
	q->fault = fault_point;
#endif
	ws.tv = tv_scratch_new();
	ws.brushes = malloc(MP_MAX_BRUSHES * sizeof *ws.brushes);
	if (ws.tv == NULL || ws.brushes == NULL) {
		log_msg(LOG_ERR, "worker %u: out of memory at start", w);
		_exit(1);
	}
	mesh_init(&ws.mesh);
	self = &q->d->w[w];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		uint32_t pulse = q_pulse(q);
		uint64_t t0;

		if (!q_take(q, w, &r)) {
			q_worker_wait(q, w, o->spin_ns, pulse);
			continue;
		}
		ask_to_grow(q);
		t0 = mono_ns();
		memset(&res, 0, sizeof res);
		mesh_one(q, w, &r, &ws, &res);
		res.compute_ns = mono_ns() - t0;
		q_complete(q, w, &res);
		if (retiring)
			_exit(0);
	}
}
