/*
 * stream.c - keep the GPU's set of chunk meshes equal to the rings around
 * the camera.
 *
 * Every chunk of the view has a slot in a pool.  A request's user_data is
 * its slot and the slot's generation, so a result for a slot that has
 * since been freed or reused (cancelled, left the view) is recognised and
 * dropped, whatever order results come back in.
 *
 * When the rings move, a chunk whose place stays in the view but whose
 * transition faces or edges change is a new request; the old mesh is kept on
 * screen ("retiring") until the new one is uploaded, so the seam between
 * two rings never opens.  A future dig tool re-meshes edited chunks the
 * same way: a new request for the place, the old mesh drawn until then.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meshpool.h"
#include "monotime.h"
#include "rings.h"
#include "stream.h"

#define POLL_BATCH  64
#define RETRY_NS    1000000000ull   /* reconnect attempts, at most */
#define NO_SLOT     UINT32_MAX

/* Lanes by distance from the camera, in world units. */
#define LANE0_DIST   96.0f
#define LANE1_DIST  256.0f
#define LANE2_DIST  512.0f

enum { FREE = 0, WANTED, PENDING, READY, RETIRING };

struct chunk {
	struct ring_chunk key;
	uint8_t  state;
	uint32_t gen;           /* bumped whenever the slot is freed */
	uint32_t old;           /* retiring mesh this one replaces, or NO_SLOT */
	float    dist;          /* from the camera when last queued */
	struct gpu_mesh gpu;
};

struct stream {
	struct stream_opts opts;
	mp_client *mc;                  /* NULL: local, or the daemon is gone */
	uint64_t retry_at;

	struct chunk *pool;
	uint32_t cap, *free_slots, nfree;

	/* The view: scratch for the layout, matched against the pool. */
	struct ring_chunk *want;
	uint8_t *matched;
	uint32_t *retire_for;           /* per want: mesh it replaces */
	size_t nwant;
	int32_t centres[RING_LEVELS][2];        /* of the last layout */
	int laid_out, requeue;

	uint32_t *queue;                /* WANTED slots, nearest first */
	struct gpu_mesh **draw;         /* what stream_meshes hands out */
	size_t qhead, qlen;

	struct stream_counts counts;
};

static uint64_t
user_data(const struct stream *s, uint32_t slot)
{
	return (uint64_t)slot << 32 | s->pool[slot].gen;
}

static uint32_t
slot_alloc(struct stream *s)
{
	return s->nfree > 0 ? s->free_slots[--s->nfree] : NO_SLOT;
}

/* Free a slot and its mesh, and the mesh it was to replace. */
static void
slot_free(struct stream *s, uint32_t slot)
{
	struct chunk *c = &s->pool[slot];

	if (c->old != NO_SLOT)
		slot_free(s, c->old);
	render_free(&c->gpu);
	c->state = FREE;
	c->old = NO_SLOT;
	c->gen++;
	s->free_slots[s->nfree++] = slot;
}

static void
chunk_centre(const struct ring_chunk *k, float p[3])
{
	float size = rings_chunk_size(k->lod);

	p[0] = ((float)k->x + 0.5f) * size;
	p[1] = ((float)k->y + 0.5f) * size;
	p[2] = ((float)k->z + 0.5f) * size;
}

static float
distance_to(const struct ring_chunk *k, const float eye[3])
{
	float p[3];

	chunk_centre(k, p);
	return sqrtf((p[0] - eye[0]) * (p[0] - eye[0]) +
	    (p[1] - eye[1]) * (p[1] - eye[1]) + (p[2] - eye[2]) * (p[2] - eye[2]));
}

static int
cmp_dist(const void *a, const void *b, void *arg)
{
	const struct chunk *pool = arg;
	float x = pool[*(const uint32_t *)a].dist, y = pool[*(const uint32_t *)b].dist;

	return (x > y) - (x < y);
}

/* The queue: every WANTED chunk, nearest first. */
static void
rebuild_queue(struct stream *s, const float eye[3])
{
	uint32_t i;

	s->qhead = s->qlen = 0;
	for (i = 0; i < s->cap; i++) {
		struct chunk *c = &s->pool[i];

		if (c->state != WANTED)
			continue;
		c->dist = distance_to(&c->key, eye);
		s->queue[s->qlen++] = i;
	}
	qsort_r(s->queue, s->qlen, sizeof *s->queue, cmp_dist, s->pool);
	s->requeue = 0;
}

/* A chunk left the view.  If its place is still in the view (only its
 * transition faces change), its mesh stays up until the new one is in. */
static void
leave(struct stream *s, uint32_t slot)
{
	struct chunk *c = &s->pool[slot];
	const struct ring_chunk *w = bsearch(&c->key, s->want, s->nwant,
	    sizeof *s->want, rings_cmp_place);
	uint32_t heir = NO_SLOT;

	if (c->state == PENDING && s->mc != NULL &&
	    mp_cancel(s->mc, user_data(s, slot)) == MP_OK)
		s->counts.cancelled++;
	if (w != NULL) {
		if (c->state == READY && c->gpu.vao != 0) {
			heir = slot;            /* keep the mesh on screen */
		} else {
			heir = c->old;          /* hand on what it was replacing */
			c->old = NO_SLOT;
		}
		s->retire_for[w - s->want] = heir;
	}
	if (heir == slot) {
		c->state = RETIRING;
		c->gen++;                   /* no result is for it any more */
	} else {
		slot_free(s, slot);
	}
}

/* The rings moved: free what left, add what came, queue nearest first. */
static void
relayout(struct stream *s, const struct camera *cam)
{
	uint32_t i;
	size_t j;

	s->nwant = rings_layout(s->opts.half_size, cam->eye[0], cam->eye[2], s->want);
	qsort(s->want, s->nwant, sizeof *s->want, rings_cmp);
	memset(s->matched, 0, s->nwant);
	for (j = 0; j < s->nwant; j++)
		s->retire_for[j] = NO_SLOT;
	for (i = 0; i < s->cap; i++) {
		struct chunk *c = &s->pool[i];
		const struct ring_chunk *w;

		if (c->state == FREE || c->state == RETIRING)
			continue;
		w = bsearch(&c->key, s->want, s->nwant, sizeof *s->want, rings_cmp);
		if (w != NULL)
			s->matched[w - s->want] = 1;
		else
			leave(s, i);
	}
	for (j = 0; j < s->nwant; j++) {
		uint32_t slot;

		if (s->matched[j] || (slot = slot_alloc(s)) == NO_SLOT)
			continue;       /* the pool holds two views: never empty */
		s->pool[slot].key = s->want[j];
		s->pool[slot].state = WANTED;
		s->pool[slot].old = s->retire_for[j];
	}
	s->counts.in_view = s->nwant;
	rebuild_queue(s, cam->eye);
}

/* Has the camera crossed into another layout? */
static int
moved(struct stream *s, const struct camera *cam)
{
	int32_t c[RING_LEVELS][2];

	rings_centres(cam->eye[0], cam->eye[2], c);
	if (s->laid_out && memcmp(c, s->centres, sizeof c) == 0)
		return 0;
	memcpy(s->centres, c, sizeof c);
	s->laid_out = 1;
	return 1;
}

static uint8_t
lane(float dist)
{
	return (uint8_t)(dist < LANE0_DIST ? 0 : dist < LANE1_DIST ? 1 :
	    dist < LANE2_DIST ? 2 : 3);
}

static void
make_request(const struct stream *s, uint32_t slot, mp_request *r)
{
	const struct chunk *c = &s->pool[slot];

	mp_request_init(r);             /* the seed terrain, 32 cells of 1 */
	r->user_data = user_data(s, slot);
	r->cx = c->key.x, r->cy = c->key.y, r->cz = c->key.z;
	r->lod = c->key.lod;
	r->transitions = c->key.transitions;
	r->edges = c->key.edges;
	r->priority = lane(c->dist);
}

/* The next WANTED chunk of the queue, or NO_SLOT. */
static uint32_t
queue_peek(struct stream *s)
{
	while (s->qhead < s->qlen) {
		uint32_t slot = s->queue[s->qhead];

		if (s->pool[slot].state == WANTED)
			return slot;
		s->qhead++;             /* freed or re-laid out since */
	}
	return NO_SLOT;
}

/* Nearest first, until the daemon is full. */
static void
submit(struct stream *s)
{
	uint32_t slot;

	while ((slot = queue_peek(s)) != NO_SLOT) {
		mp_request r;

		make_request(s, slot, &r);
		if (mp_submit(s->mc, &r) != MP_OK)
			break;          /* full (or going): next frame */
		s->pool[slot].state = PENDING;
		s->qhead++;
		s->counts.submitted++;
	}
}

/* The chunk's mesh is in: draw it instead of the one it replaces. */
static void
finish(struct stream *s, struct chunk *c)
{
	if (c->old != NO_SLOT) {
		slot_free(s, c->old);
		c->old = NO_SLOT;
	}
	c->state = READY;
	s->counts.done++;
	if (c->gpu.vao != 0)
		s->counts.uploaded++;
}

static void
upload_view(struct chunk *c, const mp_result *res, const mp_mesh_view *v)
{
	struct render_mesh m = {
		.positions = v->positions, .normals = v->normals,
		.materials = v->materials, .indices = v->indices,
		.vertex_count = v->vertex_count, .index_count = v->index_count,
	};

	memcpy(m.lo, res->aabb_min, sizeof m.lo);
	memcpy(m.hi, res->aabb_max, sizeof m.hi);
	render_upload(&c->gpu, &m, c->key.lod);
}

static void
upload_buf(struct chunk *c, const mp_mesh_buf *b)
{
	struct render_mesh m = {
		.positions = b->positions, .normals = b->normals,
		.materials = b->materials, .indices = b->indices,
		.vertex_count = b->vertex_count, .index_count = b->index_count,
	};

	memcpy(m.lo, b->aabb_min, sizeof m.lo);
	memcpy(m.hi, b->aabb_max, sizeof m.hi);
	render_upload(&c->gpu, &m, c->key.lod);
}

/* One result: upload it if it is still wanted; 1 if it was. */
static int
take_result(struct stream *s, const mp_result *res)
{
	uint32_t slot = (uint32_t)(res->user_data >> 32);
	struct chunk *c = slot < s->cap ? &s->pool[slot] : NULL;
	mp_mesh_view v;
	uint64_t t0 = mono_ns();
	int used = 0;

	if (c == NULL || c->gen != (uint32_t)res->user_data || c->state != PENDING) {
		/* Cancelled or left the view: nothing to do. */
	} else if (res->status == MP_OK && mp_mesh(s->mc, res, &v) == MP_OK) {
		upload_view(c, res, &v);
		finish(s, c);
		used = 1;
	} else {
		c->state = WANTED;      /* ask again (arena full, timed out...) */
		s->requeue = 1;
		s->counts.failed++;
	}
	mp_release(s->mc, res);
	s->counts.upload_ns += mono_ns() - t0;
	return used;
}

/* The daemon went away: what was in flight is wanted again. */
static void
lost_daemon(struct stream *s)
{
	uint32_t i;

	for (i = 0; i < s->cap; i++)
		if (s->pool[i].state == PENDING) {
			s->pool[i].state = WANTED;
			s->pool[i].gen++;
			s->counts.resubmitted++;
		}
	mp_disconnect(s->mc);
	s->mc = NULL;
	s->counts.connected = 0;
	s->requeue = 1;
	s->retry_at = mono_ns() + RETRY_NS;
}

/* Poll up to the budget of meshes; how many chunks finished, or
 * MP_EDISCONNECTED. */
static int
take_results(struct stream *s)
{
	int budget = s->opts.budget, finished = 0;

	while (budget > 0) {
		mp_result res[POLL_BATCH];
		int ask = budget < POLL_BATCH ? budget : POLL_BATCH;
		int n = mp_poll(s->mc, res, (size_t)ask), i;

		if (n < 0)
			return n;
		for (i = 0; i < n; i++)
			if (take_result(s, &res[i])) {
				finished++;
				/* Empty chunks cost no upload: not in the budget. */
				budget -= s->pool[res[i].user_data >> 32].gpu.vao != 0;
			}
		if (n < ask)
			break;          /* nothing more ready */
	}
	return finished;
}

/* --local: mesh the nearest chunks here, the frame waits for each. */
static int
mesh_here(struct stream *s)
{
	int budget = s->opts.budget, finished = 0;
	uint32_t slot;

	while (budget > 0 && (slot = queue_peek(s)) != NO_SLOT) {
		struct chunk *c = &s->pool[slot];
		mp_mesh_buf b;
		mp_request r;
		uint64_t t0;

		make_request(s, slot, &r);
		if (mp_mesh_local(&r, &b) != MP_OK) {
			s->counts.failed++;
			s->qhead++;     /* stays WANTED: asked again on a relayout */
			continue;
		}
		t0 = mono_ns();
		upload_buf(c, &b);
		s->counts.upload_ns += mono_ns() - t0;
		mp_mesh_buf_free(&b);
		s->qhead++;
		s->counts.submitted++;
		finish(s, c);
		finished++;
		budget -= c->gpu.vao != 0;
	}
	return finished;
}

/* Connect again, at most once a second: 1 when connected. */
static int
reconnect(struct stream *s)
{
	uint64_t now = mono_ns();

	if (now < s->retry_at)
		return 0;
	if (mp_connect(s->opts.instance, &s->mc) != MP_OK) {
		s->mc = NULL;
		s->retry_at = now + RETRY_NS;
		return 0;
	}
	s->counts.connected = 1;
	return 1;
}

static int
with_daemon(struct stream *s)
{
	int n;

	if (s->mc == NULL && !reconnect(s))
		return 0;
	submit(s);
	if ((n = take_results(s)) == MP_EDISCONNECTED) {
		lost_daemon(s);
		return s->opts.reconnect ? 0 : MP_EDISCONNECTED;
	}
	return n;
}

int
stream_frame(struct stream *s, const struct camera *cam)
{
	s->counts.upload_ns = 0;
	if (moved(s, cam))
		relayout(s, cam);
	else if (s->requeue)
		rebuild_queue(s, cam->eye);
	return s->opts.local ? mesh_here(s) : with_daemon(s);
}

size_t
stream_meshes(struct stream *s, struct gpu_mesh *const **list)
{
	size_t n = 0, missing = 0;
	uint32_t i;

	for (i = 0; i < s->cap; i++) {
		struct chunk *c = &s->pool[i];

		if (c->state == WANTED || c->state == PENDING)
			missing++;
		if ((c->state == READY || c->state == RETIRING) && c->gpu.vao != 0)
			s->draw[n++] = &c->gpu;
	}
	s->counts.missing = missing;
	*list = s->draw;
	return n;
}

const struct stream_counts *
stream_counts(const struct stream *s)
{
	return &s->counts;
}

int
stream_open(struct stream **out, const struct stream_opts *o)
{
	struct stream *s = calloc(1, sizeof *s);
	size_t view;
	uint32_t i;
	int r = MP_ENOMEM;

	*out = NULL;
	if (s == NULL)
		return MP_ENOMEM;
	s->opts = *o;
	view = rings_count(o->half_size);
	s->cap = (uint32_t)(2 * view);  /* a view, and the meshes it replaces */
	s->pool = calloc(s->cap, sizeof *s->pool);
	s->free_slots = calloc(s->cap, sizeof *s->free_slots);
	s->queue = calloc(s->cap, sizeof *s->queue);
	s->draw = calloc(s->cap, sizeof *s->draw);
	s->want = calloc(view, sizeof *s->want);
	s->matched = calloc(view, 1);
	s->retire_for = calloc(view, sizeof *s->retire_for);
	if (!s->pool || !s->free_slots || !s->queue || !s->draw || !s->want || !s->matched ||
	    !s->retire_for)
		goto fail;
	for (i = 0; i < s->cap; i++) {
		s->pool[i].old = NO_SLOT;
		s->free_slots[s->nfree++] = s->cap - 1 - i;
	}
	if (!o->local) {
		if ((r = mp_connect(o->instance, &s->mc)) != MP_OK)
			goto fail;
		s->counts.connected = 1;
	}
	*out = s;
	return MP_OK;
fail:
	s->mc = NULL;
	stream_close(s);
	return r;
}

void
stream_close(struct stream *s)
{
	uint32_t i;

	if (s == NULL)
		return;
	if (s->pool != NULL)
		for (i = 0; i < s->cap; i++)
			render_free(&s->pool[i].gpu);
	if (s->mc != NULL)
		mp_disconnect(s->mc);
	free(s->pool), free(s->free_slots), free(s->queue), free(s->draw);
	free(s->want), free(s->matched), free(s->retire_for);
	free(s);
}
