/*
 * stream.c - keep the GPU's set of chunk meshes equal to the rings around
 * the camera, meshed with the world's edits.
 *
 * Every chunk of the view has a slot in a pool.  A request's user_data is
 * its slot and the slot's generation, so a result for a slot that has
 * since been freed or reused (cancelled, left the view) is recognised and
 * dropped, whatever order results come back in.
 *
 * When the rings move, a chunk whose place stays in the view but whose
 * transition faces or edges change is a new request; the old mesh is kept on
 * screen ("retiring") until the new one is uploaded, so the seam between
 * two rings never opens.
 *
 * An edit re-meshes the chunks it changes the same way, but as one group
 * (mp_submit_group), whose results come out of one mp_poll call and are
 * swapped in together: a hole dug across a seam never shows on one side
 * only.  A chunk is in at most one group still to land; a new edit that
 * shares a chunk with one takes all of that group's chunks into its own
 * and cancels it ("superseded").  A chunk that comes into view where a
 * group's edits change the terrain joins that group, so it cannot show
 * an edit before its neighbours do.  A group member's user_data names
 * its group and its place there instead of its slot.
 *
 * A poll must have room for a whole group, so it may bring more meshes
 * than the frame's upload budget: those wait, polled ("arrived"), for the
 * next frames' budgets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshpool.h"
#include "monotime.h"
#include "rings.h"
#include "stream.h"

#define POLL_BATCH  64          /* results one mp_poll may bring */
#define RETRY_NS    1000000000ull   /* reconnect attempts, at most */
#define NO_SLOT     UINT32_MAX

/* Edit groups: how many may be unsent or out at once, their chunks and the
 * edits one may carry (its own and those of the groups it superseded). */
#define GROUPS        32
#define GROUP_MAX     POLL_BATCH        /* a poll has room for the largest */
#define GROUP_EDITS   16
#define NO_GROUP      UINT16_MAX
#define GROUP_BIT     (1ull << 63)      /* | group << 16 | member */

/* Lanes by distance from the camera, in world units. */
#define LANE0_DIST   96.0f
#define LANE1_DIST  256.0f
#define LANE2_DIST  512.0f

/* ARRIVED: its result is polled and waits for an upload budget. */
enum { FREE = 0, WANTED, PENDING, ARRIVED, READY, RETIRING };

struct chunk {
	struct ring_chunk key;
	uint8_t  state;
	uint32_t gen;           /* bumped whenever the slot is freed */
	uint32_t old;           /* retiring mesh this one replaces, or NO_SLOT */
	uint16_t group;         /* the edit group bringing its mesh, or NO_GROUP */
	uint16_t member;        /* its place in that group */
	float    dist;          /* from the camera when last queued */
	struct gpu_mesh gpu;
};

enum { GROUP_FREE = 0, GROUP_UNSENT, GROUP_OUT, GROUP_SUPERSEDED };

struct group {
	uint8_t  state;
	uint8_t  stale;         /* a member's request changed while out */
	uint8_t  split;         /* came in more than one poll (counted) */
	uint32_t n;             /* members; a slot NO_SLOT left the view */
	uint32_t sent, got;     /* members submitted, their results in */
	uint32_t failed;        /* of those in, live and not meshed */
	uint64_t poll;          /* the poll call its first result came in */
	int32_t  lo[RING_LEVELS][3], hi[RING_LEVELS][3];  /* chunks its
	                         * edits change, per LOD (mp_edits_chunks) */
	uint32_t slot[GROUP_MAX];
	uint64_t edit_ns[GROUP_EDITS];
	uint32_t nedits;
};

struct stream {
	struct stream_opts opts;
	mp_client *mc;                  /* NULL: local, or the daemon is gone */
	mp_edits *edits;
	uint64_t retry_at;

	struct chunk *pool;
	uint32_t cap, *free_slots, nfree;

	/* The view: scratch for the layout, matched against the pool. */
	struct ring_chunk *want;
	uint8_t *matched;
	uint32_t *retire_for;           /* per want: mesh it replaces */
	uint32_t *join_for;             /* per want: group << 16 | member */
	size_t nwant;
	int32_t centres[RING_LEVELS][2];        /* of the last layout */
	int laid_out, requeue;

	uint32_t *queue;                /* WANTED slots, nearest first */
	struct gpu_mesh **draw;         /* what stream_meshes hands out */
	size_t qhead, qlen;

	mp_result *held;                /* ARRIVED results, oldest first */
	size_t nheld;
	uint64_t polls;                 /* mp_poll calls made */
	int told_refused;               /* said once why a chunk was refused */

	struct group groups[GROUPS];
	uint64_t landed[GROUPS * GROUP_EDITS];  /* edits swapped in this frame */
	size_t nlanded;

	struct stream_counts counts;
};

static uint64_t
user_data(const struct stream *s, uint32_t slot)
{
	return (uint64_t)slot << 32 | s->pool[slot].gen;
}

static uint64_t
member_data(uint32_t group, uint32_t member)
{
	return GROUP_BIT | (uint64_t)group << 16 | member;
}

static uint32_t
slot_alloc(struct stream *s)
{
	return s->nfree > 0 ? s->free_slots[--s->nfree] : NO_SLOT;
}

/* Free a slot and its mesh, and the mesh it was to replace; a group
 * member leaves its group. */
static void
slot_free(struct stream *s, uint32_t slot)
{
	struct chunk *c = &s->pool[slot];

	if (c->old != NO_SLOT)
		slot_free(s, c->old);
	if (c->group != NO_GROUP)
		s->groups[c->group].slot[c->member] = NO_SLOT;
	render_free(&c->gpu);
	c->state = FREE;
	c->old = NO_SLOT;
	c->group = NO_GROUP;
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
 * transition faces change), its mesh stays up until the new one is in,
 * and if an edit group was to bring its mesh, the new chunk takes its
 * place in the group. */
static void
leave(struct stream *s, uint32_t slot)
{
	struct chunk *c = &s->pool[slot];
	const struct ring_chunk *w = bsearch(&c->key, s->want, s->nwant,
	    sizeof *s->want, rings_cmp_place);
	uint32_t heir = NO_SLOT;

	if (c->state == PENDING && s->mc != NULL) {
		uint64_t ud = c->group == NO_GROUP ? user_data(s, slot) :
		    member_data(c->group, c->member);

		/* A group's member may have been sent or not: MP_ENOENT. */
		if (mp_cancel(s->mc, ud) == MP_OK)
			s->counts.cancelled++;
	}
	if (w != NULL) {
		if (c->state == READY && c->gpu.vao != 0) {
			heir = slot;            /* keep the mesh on screen */
		} else {
			heir = c->old;          /* hand on what it was replacing */
			c->old = NO_SLOT;
		}
		s->retire_for[w - s->want] = heir;
		if (c->group != NO_GROUP)
			s->join_for[w - s->want] = (uint32_t)c->group << 16 | c->member;
	}
	if (heir == slot) {
		c->state = RETIRING;
		c->gen++;                   /* no result is for it any more */
	} else {
		slot_free(s, slot);
	}
}

/* A new chunk of the view takes the place in an edit group of the one it
 * replaces: its request is not the one that went out, so a group out is
 * asked again when it lands. */
static void
join_again(struct stream *s, uint32_t slot, uint32_t join)
{
	struct chunk *c = &s->pool[slot];
	struct group *g = &s->groups[join >> 16];

	c->group = (uint16_t)(join >> 16);
	c->member = (uint16_t)(join & 0xffff);
	c->state = PENDING;
	g->slot[c->member] = slot;
	if (g->state == GROUP_OUT)
		g->stale = 1;
}

static int
in_box(const struct ring_chunk *k, const int32_t lo[3], const int32_t hi[3])
{
	return k->x >= lo[0] && k->x <= hi[0] && k->y >= lo[1] && k->y <= hi[1] &&
	    k->z >= lo[2] && k->z <= hi[2];
}

/* A chunk new to the view where the edits of a group still to land
 * change the terrain waits for that group (asked again whole if it was
 * out): meshed alone, it could show the edit before its neighbours. */
static void
join_new(struct stream *s, uint32_t slot)
{
	const struct ring_chunk *k = &s->pool[slot].key;
	uint32_t i;

	for (i = 0; i < GROUPS; i++) {
		struct group *g = &s->groups[i];

		if ((g->state == GROUP_UNSENT || g->state == GROUP_OUT) &&
		    g->n < GROUP_MAX && in_box(k, g->lo[k->lod], g->hi[k->lod])) {
			join_again(s, slot, i << 16 | g->n++);
			return;
		}
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
		s->retire_for[j] = s->join_for[j] = NO_SLOT;
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
		if (s->join_for[j] != NO_SLOT)
			join_again(s, slot, s->join_for[j]);
		else
			join_new(s, slot);
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
	r->corners = c->key.corners;
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

/* A chunk that can never be meshed (more brushes touch it than a request
 * carries): shown empty rather than asked for again every frame, and the
 * first time, the reason said. */
static void
give_up(struct stream *s, uint32_t slot)
{
	mp_request r;
	const char *why;

	if (!s->told_refused) {
		make_request(s, slot, &r);
		if ((why = mp_request_problem(&r)) == NULL)
			why = "more brushes reach it than a request carries";
		fprintf(stderr, "meshpool-view: chunk (%d, %d, %d) at LOD %u "
		    "refused, shown empty (said once): %s\n", r.cx, r.cy, r.cz,
		    r.lod, why);
		s->told_refused = 1;
	}
	finish(s, &s->pool[slot]);
	s->counts.failed++;
}

/* Nearest first, until the daemon is full. */
static void
submit(struct stream *s)
{
	uint32_t slot;

	while ((slot = queue_peek(s)) != NO_SLOT) {
		mp_request r;
		int err;

		make_request(s, slot, &r);
		err = mp_submit_edited(s->mc, &r, s->edits);
		if (err == MP_EINVAL) {
			give_up(s, slot);
			continue;
		}
		if (err != MP_OK)
			break;          /* full (or going): next frame */
		s->pool[slot].state = PENDING;
		s->qhead++;
		s->counts.submitted++;
	}
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
	render_free(&c->gpu);           /* nothing, unless asked twice */
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
	render_free(&c->gpu);
	render_upload(&c->gpu, &m, c->key.lod);
}

/* The chunk a plain result is for, if it still waits for it (in state),
 * else NULL. */
static struct chunk *
result_chunk(struct stream *s, const mp_result *res, int state)
{
	uint32_t slot = (uint32_t)(res->user_data >> 32);
	struct chunk *c = slot < s->cap ? &s->pool[slot] : NULL;

	return c != NULL && c->gen == (uint32_t)res->user_data &&
	    c->state == state ? c : NULL;
}

/* One plain result for chunk c: upload it, or ask again.  1 if it was
 * uploaded (or empty). */
static int
take_result(struct stream *s, struct chunk *c, const mp_result *res)
{
	mp_mesh_view v;
	uint64_t t0 = mono_ns();
	int used = 0;

	if (res->status == MP_OK && mp_mesh(s->mc, res, &v) == MP_OK) {
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

/* --- edit groups -------------------------------------------------------- */

/* Back to unsent, the uploads of its members dropped: the daemon went, or
 * a member failed or changed while out. */
static void
group_reset(struct stream *s, struct group *g)
{
	uint32_t k;

	for (k = 0; k < g->n; k++)
		if (g->slot[k] != NO_SLOT)
			render_free(&s->pool[g->slot[k]].gpu);
	g->state = GROUP_UNSENT;
}

/* A group that can never be meshed whole: its chunks are asked for one by
 * one (and given up there if they cannot be meshed at all). */
static void
group_dissolve(struct stream *s, struct group *g)
{
	uint32_t k;

	for (k = 0; k < g->n; k++) {
		struct chunk *c;

		if (g->slot[k] == NO_SLOT)
			continue;
		c = &s->pool[g->slot[k]];
		c->group = NO_GROUP;
		c->state = WANTED;
		c->gen++;
	}
	g->state = GROUP_FREE;
	s->requeue = 1;
	s->counts.failed++;
}

/* Submit an unsent group in lane 0: 1 if it went (or is gone), 0 if not
 * now. */
static int
group_submit(struct stream *s, uint32_t gi)
{
	struct group *g = &s->groups[gi];
	mp_request r[GROUP_MAX];
	uint32_t k, n = 0;
	int err;

	for (k = 0; k < g->n; k++) {
		if (g->slot[k] == NO_SLOT)
			continue;
		make_request(s, g->slot[k], &r[n]);
		r[n].user_data = member_data(gi, k);
		r[n++].priority = 0;
	}
	if (n == 0) {
		g->state = GROUP_FREE;  /* every chunk of it left the view */
		return 1;
	}
	if ((err = mp_submit_group(s->mc, r, n, s->edits)) == MP_EINVAL) {
		group_dissolve(s, g);
		return 1;
	}
	if (err != MP_OK)
		return 0;
	g->state = GROUP_OUT;
	g->sent = n;
	g->got = g->failed = 0;
	g->stale = g->split = 0;
	s->counts.submitted += n;
	return 1;
}

/* Every unsent group, oldest slot first: 0 if one had to wait.  *sent
 * counts those that went out. */
static int
submit_groups(struct stream *s, int *sent)
{
	uint32_t i;

	for (i = 0; i < GROUPS; i++) {
		if (s->groups[i].state != GROUP_UNSENT)
			continue;
		if (!group_submit(s, i))
			return 0;
		*sent += s->groups[i].state == GROUP_OUT;
	}
	return 1;
}

static int
groups_out(const struct stream *s)
{
	uint32_t i;

	for (i = 0; i < GROUPS; i++)
		if (s->groups[i].state == GROUP_OUT)
			return 1;
	return 0;
}

/* One member's result: uploaded into its chunk, not yet drawn (the chunk
 * is PENDING until its group lands). */
static void
group_result(struct stream *s, const mp_result *res)
{
	uint32_t gi = (uint32_t)(res->user_data >> 16 & 0xffff);
	uint32_t k = (uint32_t)(res->user_data & 0xffff);
	struct group *g = gi < GROUPS ? &s->groups[gi] : NULL;
	uint64_t t0 = mono_ns();
	mp_mesh_view v;

	if (g == NULL || (g->state != GROUP_OUT && g->state != GROUP_SUPERSEDED) ||
	    k >= g->n)
		goto out;               /* not ours: nothing to do */
	if (g->got++ == 0) {
		g->poll = s->polls;
	} else if (g->poll != s->polls && !g->split) {
		g->split = 1;
		s->counts.split++;
	}
	if (g->state != GROUP_OUT || g->slot[k] == NO_SLOT)
		goto out;               /* superseded, or left the view */
	if (res->status == MP_OK && mp_mesh(s->mc, res, &v) == MP_OK)
		upload_view(&s->pool[g->slot[k]], res, &v);
	else
		g->failed++;
out:
	mp_release(s->mc, res);
	s->counts.upload_ns += mono_ns() - t0;
}

/* Every member is meshed: draw them all from this frame on, instead of
 * what they replace.  How many chunks that finished. */
static int
group_swap(struct stream *s, struct group *g)
{
	uint32_t k, live = 0;

	for (k = 0; k < g->n; k++) {
		struct chunk *c;

		if (g->slot[k] == NO_SLOT)
			continue;
		c = &s->pool[g->slot[k]];
		c->group = NO_GROUP;
		finish(s, c);
		live++;
	}
	if (live > 0) {
		for (k = 0; k < g->nedits; k++)
			s->landed[s->nlanded++] = g->edit_ns[k];
		s->counts.swapped++;
	}
	g->state = GROUP_FREE;
	return (int)live;
}

/* Groups whose every result is in: swapped in, asked again, or (when
 * superseded) forgotten.  How many chunks finished. */
static int
land_groups(struct stream *s)
{
	int finished = 0;
	uint32_t i;

	for (i = 0; i < GROUPS; i++) {
		struct group *g = &s->groups[i];

		if ((g->state != GROUP_OUT && g->state != GROUP_SUPERSEDED) ||
		    g->got < g->sent)
			continue;
		if (g->state == GROUP_SUPERSEDED) {
			g->state = GROUP_FREE;
		} else if (g->stale || g->failed > 0) {
			s->counts.failed += g->failed;
			s->counts.redone++;
			group_reset(s, g);
		} else {
			finished += group_swap(s, g);
		}
	}
	return finished;
}

static uint32_t
group_alloc(const struct stream *s)
{
	uint32_t i;

	for (i = 0; i < GROUPS; i++)
		if (s->groups[i].state == GROUP_FREE)
			return i;
	return NO_GROUP;
}

/* What an edit re-meshes: every chunk of the view it changes at its own
 * LOD, and every chunk of the groups those are in (superseded). */
struct edit_plan {
	int32_t  lo[RING_LEVELS][3], hi[RING_LEVELS][3];
	uint32_t slot[GROUP_MAX], n;
	uint32_t old[GROUPS], nold;
	uint32_t new_slots;             /* READY chunks: a slot each */
	uint32_t nedits;                /* edits the group will carry */
};

static int
plan_has(const struct edit_plan *p, uint32_t slot)
{
	uint32_t i;

	for (i = 0; i < p->n; i++)
		if (p->slot[i] == slot)
			return 1;
	return 0;
}

/* Add a chunk (and its group's chunks): MP_OK, or MP_EAGAIN if that
 * makes the group too large. */
static int
plan_add(const struct stream *s, struct edit_plan *p, uint32_t slot)
{
	const struct chunk *c = &s->pool[slot];
	uint32_t i;

	if (plan_has(p, slot))
		return MP_OK;
	if (p->n == GROUP_MAX)
		return MP_EAGAIN;
	p->slot[p->n++] = slot;
	p->new_slots += c->state == READY;
	if (c->group == NO_GROUP)
		return MP_OK;
	for (i = 0; i < p->nold; i++)
		if (p->old[i] == c->group)
			return MP_OK;
	p->old[p->nold++] = c->group;
	p->nedits += s->groups[c->group].nedits;
	for (i = 0; i < s->groups[c->group].n; i++) {
		uint32_t m = s->groups[c->group].slot[i];

		if (m != NO_SLOT && plan_add(s, p, m) != MP_OK)
			return MP_EAGAIN;
	}
	return MP_OK;
}

static int
plan_edit(const struct stream *s, const mp_brush *b, struct edit_plan *p)
{
	uint32_t i;
	int lod, err;

	memset(p, 0, sizeof *p);
	p->nedits = 1;
	for (lod = 0; lod < RING_LEVELS; lod++) {
		mp_request like;

		mp_request_init(&like);
		like.lod = (uint8_t)lod;
		if ((err = mp_edits_chunks(b, &like, p->lo[lod], p->hi[lod])) != MP_OK)
			return err;
	}
	for (i = 0; i < s->cap; i++) {
		const struct chunk *c = &s->pool[i];

		if (c->state == FREE || c->state == RETIRING ||
		    !in_box(&c->key, p->lo[c->key.lod], p->hi[c->key.lod]))
			continue;
		if ((err = plan_add(s, p, i)) != MP_OK)
			return err;
	}
	return p->nedits <= GROUP_EDITS && p->new_slots <= s->nfree ?
	    MP_OK : MP_EAGAIN;
}

/* Chunk slot becomes member k of group gi: a mesh on screen stays there
 * (retiring) until the group lands; a request still out for it, made
 * without the new brush, is cancelled.  The slot that is the member. */
static uint32_t
join(struct stream *s, uint32_t gi, uint32_t k, uint32_t slot)
{
	struct chunk *c = &s->pool[slot];

	if (c->state == READY) {
		uint32_t heir = slot_alloc(s);  /* planned: there is one */

		s->pool[heir].key = c->key;
		s->pool[heir].old = slot;
		c->state = RETIRING;
		c->gen++;
		c = &s->pool[slot = heir];
	} else if (c->state == PENDING && c->group == NO_GROUP) {
		if (s->mc != NULL && mp_cancel(s->mc, user_data(s, slot)) == MP_OK)
			s->counts.cancelled++;
		c->gen++;
	} else if (c->state == ARRIVED) {
		c->gen++;               /* its result, held, is dropped */
	}
	c->state = PENDING;
	c->group = (uint16_t)gi;
	c->member = (uint16_t)k;
	s->groups[gi].slot[k] = slot;
	return slot;
}

/* A group merged into a newer one: its requests out are cancelled and
 * its results dropped when they come. */
static void
supersede(struct stream *s, uint32_t gi)
{
	struct group *g = &s->groups[gi];
	uint32_t k;

	if (g->state == GROUP_OUT) {
		for (k = 0; k < g->n; k++)      /* MP_ENOENT: that one is in */
			if (s->mc != NULL)
				(void)mp_cancel(s->mc, member_data(gi, k));
		g->state = GROUP_SUPERSEDED;
	} else {
		g->state = GROUP_FREE;
	}
	s->counts.superseded++;
}

/* g's boxes grow to hold o's: it carries o's edits now. */
static void
box_union(struct group *g, const struct group *o)
{
	int lod, i;

	for (lod = 0; lod < RING_LEVELS; lod++)
		for (i = 0; i < 3; i++) {
			if (o->lo[lod][i] < g->lo[lod][i])
				g->lo[lod][i] = o->lo[lod][i];
			if (o->hi[lod][i] > g->hi[lod][i])
				g->hi[lod][i] = o->hi[lod][i];
		}
}

int
stream_edit(struct stream *s, const mp_brush *b)
{
	struct edit_plan p;
	struct group *g;
	uint32_t gi = group_alloc(s), i, k;
	int err;

	if (gi == NO_GROUP)
		return MP_EAGAIN;
	if ((err = plan_edit(s, b, &p)) != MP_OK)
		return err;
	if ((err = mp_edits_add(s->edits, b)) != MP_OK)
		return err;
	s->counts.edits++;
	if (p.n == 0)
		return MP_OK;           /* nothing of the view changes */
	g = &s->groups[gi];
	memset(g, 0, sizeof *g);
	g->edit_ns[g->nedits++] = mono_ns();
	memcpy(g->lo, p.lo, sizeof g->lo);
	memcpy(g->hi, p.hi, sizeof g->hi);
	for (i = 0; i < p.nold; i++) {
		struct group *o = &s->groups[p.old[i]];

		for (k = 0; k < o->nedits; k++)
			g->edit_ns[g->nedits++] = o->edit_ns[k];
		box_union(g, o);
	}
	for (k = 0; k < p.n; k++)
		join(s, gi, k, p.slot[k]);
	g->n = p.n;
	for (i = 0; i < p.nold; i++)
		supersede(s, p.old[i]);
	g->state = GROUP_UNSENT;
	return MP_OK;
}

const mp_edits *
stream_edits(const struct stream *s)
{
	return s->edits;
}

size_t
stream_landed(const struct stream *s, const uint64_t **edit_ns)
{
	*edit_ns = s->landed;
	return s->nlanded;
}

/* --- through the daemon ------------------------------------------------- */

/* The daemon went away: what was in flight is wanted again, groups go out
 * again whole, and results polled but not taken go with the connection. */
static void
lost_daemon(struct stream *s)
{
	uint32_t i;

	for (i = 0; i < s->cap; i++) {
		struct chunk *c = &s->pool[i];

		if ((c->state == PENDING && c->group == NO_GROUP) ||
		    c->state == ARRIVED) {
			c->state = WANTED;
			c->gen++;
			s->counts.resubmitted++;
		}
	}
	for (i = 0; i < GROUPS; i++) {
		struct group *g = &s->groups[i];

		if (g->state == GROUP_SUPERSEDED)
			g->state = GROUP_FREE;
		else if (g->state == GROUP_OUT)
			group_reset(s, g);
	}
	s->nheld = 0;
	mp_disconnect(s->mc);
	s->mc = NULL;
	s->counts.connected = 0;
	s->requeue = 1;
	s->retry_at = mono_ns() + RETRY_NS;
}

/* The results held from earlier polls, oldest first, while the budget
 * lasts.  How many chunks finished. */
static int
take_held(struct stream *s, int *budget)
{
	size_t i, kept = 0;
	int finished = 0;

	for (i = 0; i < s->nheld; i++) {
		const mp_result *res = &s->held[i];
		struct chunk *c = result_chunk(s, res, ARRIVED);

		if (c == NULL) {
			mp_release(s->mc, res);         /* left, or dug since */
		} else if (*budget > 0) {
			if (take_result(s, c, res)) {
				finished++;
				*budget -= c->gpu.vao != 0;
			}
		} else {
			s->held[kept++] = *res;
		}
	}
	s->nheld = kept;
	return finished;
}

/* A plain result just polled: taken now within the budget, else held (its
 * chunk ARRIVED), or dropped if nothing waits for it.  1 if a chunk
 * finished. */
static int
plain_result(struct stream *s, const mp_result *res, int *budget)
{
	struct chunk *c = result_chunk(s, res, PENDING);

	if (c == NULL) {
		mp_release(s->mc, res);         /* cancelled or left the view */
		return 0;
	}
	if (*budget <= 0 && s->nheld < s->cap) {
		/* One held result per chunk waiting: never more than the pool. */
		c->state = ARRIVED;
		s->held[s->nheld++] = *res;
		return 0;
	}
	if (!take_result(s, c, res))
		return 0;
	/* Empty chunks cost no upload: not in the budget. */
	*budget -= c->gpu.vao != 0;
	return 1;
}

/* Poll, always once (a whole group is handed out first, and swapped in
 * at once whatever the budget), then while the frame's budget lasts.  How
 * many chunks finished, or MP_EDISCONNECTED. */
static int
take_results(struct stream *s, int *budget)
{
	int finished;

	finished = take_held(s, budget);
	do {
		mp_result res[POLL_BATCH];
		int n = mp_poll(s->mc, res, POLL_BATCH), i;

		if (n < 0)
			return n;
		s->polls++;
		for (i = 0; i < n; i++) {
			if (res[i].user_data & GROUP_BIT)
				group_result(s, &res[i]);
			else
				finished += plain_result(s, &res[i], budget);
		}
		finished += land_groups(s);
		if (n < POLL_BATCH)
			break;          /* nothing more ready */
	} while (*budget > 0);
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

/*
 * A frame that sent an edit's group waits a little for it: the workers
 * re-mesh a dig's few chunks in well under a millisecond or two, so the
 * edit shows in the frame it was made instead of one or two frames later
 * (a group that takes longer lands in a later frame, as before).  The
 * wait is mp_wait, asleep: no CPU taken from the workers.  How many
 * chunks finished, or MP_EDISCONNECTED.
 */
static int
wait_for_groups(struct stream *s, int *budget)
{
	uint64_t until = mono_ns() + (uint64_t)s->opts.edit_wait_ms * 1000000u;
	int finished = 0, n, err;

	while (groups_out(s) && mono_ns() < until) {
		if ((err = mp_wait(s->mc, 1)) != MP_OK && err != MP_ETIMEDOUT)
			return err == MP_EDISCONNECTED ? err : finished;
		if ((n = take_results(s, budget)) < 0)
			return n;
		finished += n;
	}
	return finished;
}

/* Results first (they make room), then the edit groups, then the view:
 * plain requests wait while a group does, so they cannot keep it out. */
static int
with_daemon(struct stream *s)
{
	int n, more = 0, sent = 0, budget = s->opts.budget;

	if (s->mc == NULL && !reconnect(s))
		return 0;
	if ((n = take_results(s, &budget)) == MP_EDISCONNECTED)
		goto lost;
	if (submit_groups(s, &sent))
		submit(s);
	if (sent > 0 && s->opts.edit_wait_ms > 0 &&
	    (more = wait_for_groups(s, &budget)) == MP_EDISCONNECTED)
		goto lost;
	return n + more;
lost:
	lost_daemon(s);
	return s->opts.reconnect ? 0 : MP_EDISCONNECTED;
}

/* --- in-process (--local) ----------------------------------------------- */

/* Mesh one chunk here into its GL buffers: MP_OK or mp_mesh_local's
 * error. */
static int
mesh_chunk_here(struct stream *s, uint32_t slot)
{
	struct chunk *c = &s->pool[slot];
	mp_mesh_buf b;
	mp_request r;
	uint64_t t0;
	int err;

	make_request(s, slot, &r);
	if ((err = mp_mesh_local_edited(&r, s->edits, &b)) != MP_OK)
		return err;
	t0 = mono_ns();
	upload_buf(c, &b);
	s->counts.upload_ns += mono_ns() - t0;
	mp_mesh_buf_free(&b);
	s->counts.submitted++;
	return MP_OK;
}

/* Every unsent group meshed whole and swapped in, whatever the budget: an
 * edit shows in the frame it was made.  How many chunks finished. */
static int
mesh_groups_here(struct stream *s)
{
	int finished = 0, err = MP_OK;
	uint32_t i, k;

	for (i = 0; i < GROUPS; i++) {
		struct group *g = &s->groups[i];

		if (g->state != GROUP_UNSENT)
			continue;
		for (k = 0; k < g->n && err == MP_OK; k++)
			if (g->slot[k] != NO_SLOT)
				err = mesh_chunk_here(s, g->slot[k]);
		if (err == MP_EINVAL) {
			group_dissolve(s, g);
		} else if (err != MP_OK) {
			s->counts.failed++;
			group_reset(s, g);      /* out of memory: next frame */
		} else {
			finished += group_swap(s, g);
		}
		err = MP_OK;
	}
	return finished;
}

/* --local: mesh the nearest chunks here, the frame waits for each. */
static int
mesh_here(struct stream *s)
{
	int budget = s->opts.budget, finished = mesh_groups_here(s);
	uint32_t slot;

	while (budget > 0 && (slot = queue_peek(s)) != NO_SLOT) {
		struct chunk *c = &s->pool[slot];
		int err = mesh_chunk_here(s, slot);

		s->qhead++;
		if (err == MP_EINVAL) {
			give_up(s, slot);
			continue;
		}
		if (err != MP_OK) {
			s->counts.failed++;
			continue;       /* stays WANTED: asked again on a relayout */
		}
		finish(s, c);
		finished++;
		budget -= c->gpu.vao != 0;
	}
	return finished;
}

int
stream_frame(struct stream *s, const struct camera *cam)
{
	s->counts.upload_ns = 0;
	s->nlanded = 0;
	if (moved(s, cam))
		relayout(s, cam);
	else if (s->requeue)
		rebuild_queue(s, cam->eye);
	return s->opts.local ? mesh_here(s) : with_daemon(s);
}

/* A chunk of the view with nothing on screen yet.  An edited one whose
 * old mesh is still drawn is not: it waits for an update, not a gap. */
static int
missing(const struct chunk *c)
{
	if (c->state != WANTED && c->state != PENDING && c->state != ARRIVED)
		return 0;
	return c->group == NO_GROUP || c->old == NO_SLOT;
}

size_t
stream_meshes(struct stream *s, struct gpu_mesh *const **list)
{
	size_t n = 0, nmissing = 0;
	uint32_t i;

	for (i = 0; i < s->cap; i++) {
		struct chunk *c = &s->pool[i];

		nmissing += missing(c);
		if ((c->state == READY || c->state == RETIRING) && c->gpu.vao != 0)
			s->draw[n++] = &c->gpu;
	}
	s->counts.missing = nmissing;
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
	s->held = calloc(s->cap, sizeof *s->held);
	s->want = calloc(view, sizeof *s->want);
	s->matched = calloc(view, 1);
	s->retire_for = calloc(view, sizeof *s->retire_for);
	s->join_for = calloc(view, sizeof *s->join_for);
	if (!s->pool || !s->free_slots || !s->queue || !s->draw || !s->held ||
	    !s->want || !s->matched || !s->retire_for || !s->join_for)
		goto fail;
	if ((r = mp_edits_new(&s->edits)) != MP_OK)
		goto fail;
	for (i = 0; i < s->cap; i++) {
		s->pool[i].old = NO_SLOT;
		s->pool[i].group = NO_GROUP;
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
	mp_edits_free(s->edits);
	free(s->pool), free(s->free_slots), free(s->queue), free(s->draw);
	free(s->held), free(s->want), free(s->matched), free(s->retire_for);
	free(s->join_for);
	free(s);
}
