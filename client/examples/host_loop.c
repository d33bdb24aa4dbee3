/*
 * host_loop.c - how a game uses meshpoold: a 60 Hz frame loop around a
 * moving camera that digs a trench as it goes.  Each frame it
 *   - polls finished meshes, "uploads" them (reading them in place, zero
 *     copy), swapping a dig's chunks in together, and releases each slab;
 *   - digs one sphere into the ground at the camera (a ray finds the
 *     ground), finds the chunks that brush changes (mp_edits_chunks),
 *     cancels what is still out for them, and submits them as one group
 *     in lane 0 (mp_submit_group), so the whole hole appears in one frame;
 *   - submits the chunks that came into view, nearest first, in a lane
 *     chosen by distance (near = urgent), until the daemon says "full",
 *     each with the brushes that touch it (mp_submit_edited);
 *   - cancels chunks that left the view before their mesh arrived, and
 *     forgets meshes that left it;
 *   - if the daemon goes away (restarted, upgraded, killed), keeps exactly
 *     the requests it never finished (mp_unfinished) and the digs still
 *     out, connects again once a second, and submits those again: no chunk
 *     is lost or asked twice.
 * It never blocks the frame on the mesher and prints, once a second, how
 * long the mesher's calls took within the frame.
 *
 *   host_loop [-n INSTANCE] [-s SECONDS] [-r RADIUS]
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <meshpool.h>

#define TABLE   8192            /* chunks tracked, power of two */
#define BUDGET  32              /* results polled per frame; a group only
                                 * comes out whole, so also the most chunks
                                 * one dig may re-mesh */
#define DIGS    16              /* dig groups unsent or out at once */
#define RETRY_US 1000000        /* reconnect attempts, at most */
#define DIG     (1ull << 63)    /* user_data of a dig's member: DIG |
                                 * group << 8 | member; else the chunk key */

/* IN_GROUP: a dig group brings its next mesh (the old one stays shown). */
enum { EMPTY = 0, PENDING, READY, CANCELLED, IN_GROUP };

struct chunk { int32_t x, y, z; uint8_t state; };

/* A dig's chunks, meshed and swapped in as one group. */
enum { FREE = 0, UNSENT, OUT };

struct dig {
	int     state, superseded;  /* superseded: cancelled, to be dropped */
	int     n, got, ok;         /* members; results in; of them MP_OK */
	long    poll;               /* the mp_poll call its results came in */
	int32_t c[BUDGET][3];
};

static struct chunk table[TABLE];
static struct dig digs[DIGS];
static long dug, swapped, superseded, split;

static uint64_t
key(int32_t x, int32_t y, int32_t z)
{
	return ((uint64_t)(uint32_t)(x & 0x1fffff) << 42) |
	    ((uint64_t)(uint32_t)(y & 0x1fffff) << 21) | (uint32_t)(z & 0x1fffff);
}

/* The table entry of a chunk (open addressing), or a free one. */
static struct chunk *
slot(int32_t x, int32_t y, int32_t z)
{
	uint64_t h = key(x, y, z) * 0x9e3779b97f4a7c15ull;
	uint32_t i = (uint32_t)(h >> 40) & (TABLE - 1);

	while (table[i].state != EMPTY &&
	    (table[i].x != x || table[i].y != y || table[i].z != z))
		i = (i + 1) & (TABLE - 1);
	return &table[i];
}

/* Forget one entry, keeping the probe chains intact (rehash the run). */
static void
forget(struct chunk *c)
{
	uint32_t i = (uint32_t)(c - table);

	c->state = EMPTY;
	for (i = (i + 1) & (TABLE - 1); table[i].state != EMPTY;
	    i = (i + 1) & (TABLE - 1)) {
		struct chunk tmp = table[i];

		table[i].state = EMPTY;
		*slot(tmp.x, tmp.y, tmp.z) = tmp;
	}
}

/* Submit one chunk with the brushes that touch it: 1 if taken, 0 if the
 * daemon is full (or gone: the poll notices).  A bad request is a bug. */
static int
submit(mp_client *mc, const mp_request *q, const mp_edits *e)
{
	int r = mp_submit_edited(mc, q, e);

	if (r == MP_EINVAL) {
		fprintf(stderr, "host_loop: %s\n", mp_request_problem(q) ?
		    mp_request_problem(q) : "too many brushes in one chunk");
		exit(1);
	}
	return r == MP_OK;
}

/* Submit what the last daemon never finished, still wanted, in order:
 * how many are left for the next frame.  Digs go again as groups. */
static int
resubmit(mp_client *mc, const mp_edits *e, mp_request *lost, int n)
{
	int i, k = 0, sent = 0;

	for (i = 0; i < n; i++) {
		const mp_request *q = &lost[i];
		struct chunk *c = slot(q->cx, q->cy, q->cz);

		if (q->user_data & DIG || c->state != PENDING) {
			if (c->state == CANCELLED)
				forget(c);      /* left the view meanwhile */
			continue;
		}
		lost[k++] = *q;         /* keep, compacted */
	}
	while (sent < k && submit(mc, &lost[sent], e))
		sent++;
	memmove(lost, lost + sent, (size_t)(k - sent) * sizeof *lost);
	return k - sent;
}

/* --- digging ------------------------------------------------------------ */

/* The dig group, unsent or out and not superseded, that brings chunk c's
 * next mesh, or NULL. */
static struct dig *
dig_of(const int32_t c[3])
{
	int i, k;

	for (i = 0; i < DIGS; i++)
		for (k = 0; digs[i].state != FREE && !digs[i].superseded &&
		    k < digs[i].n; k++)
			if (memcmp(digs[i].c[k], c, sizeof digs[i].c[k]) == 0)
				return &digs[i];
	return NULL;
}

/* Add c to d's chunks unless it is there: 0, or -1 when d is full. */
static int
dig_add(struct dig *d, const int32_t c[3])
{
	int k;

	for (k = 0; k < d->n; k++)
		if (memcmp(d->c[k], c, sizeof d->c[k]) == 0)
			return 0;
	if (d->n == BUDGET)
		return -1;
	memcpy(d->c[d->n++], c, sizeof d->c[0]);
	return 0;
}

/* d's chunks go out again in a newer group: cancel its requests still
 * out (its results will be dropped), or just drop it if it never left. */
static void
dig_supersede(mp_client *mc, struct dig *d)
{
	uint64_t group = (uint64_t)(d - digs) << 8;
	int k;

	superseded++;
	if (d->state == UNSENT) {
		d->state = FREE;
		return;
	}
	d->superseded = 1;
	for (k = 0; k < d->n; k++)      /* MP_ENOENT: that one is in */
		(void)mp_cancel(mc, DIG | group | (uint64_t)k);
}

/* Submit d as one group in lane 0, every chunk with the brushes that touch
 * it: 1 if taken, 0 if not now (it stays unsent). */
static int
dig_submit(mp_client *mc, struct dig *d, const mp_edits *e)
{
	mp_request q[BUDGET];
	int k, r;

	for (k = 0; k < d->n; k++) {
		mp_request_init(&q[k]);
		q[k].cx = d->c[k][0], q[k].cy = d->c[k][1], q[k].cz = d->c[k][2];
		q[k].priority = 0;
		q[k].user_data = DIG | (uint64_t)(d - digs) << 8 | (uint64_t)k;
	}
	if ((r = mp_submit_group(mc, q, (size_t)d->n, e)) == MP_EINVAL) {
		for (k = 0; k < d->n && mp_request_problem(&q[k]) == NULL; k++)
			;
		fprintf(stderr, "host_loop: %s\n", k < d->n ?
		    mp_request_problem(&q[k]) : "too many brushes in one chunk");
		exit(1);
	}
	if (r != MP_OK)
		return 0;
	d->state = OUT;
	d->got = d->ok = 0;
	return 1;
}

/* One sphere dug at the ground under (x, z).  The chunks it changes, and
 * those of any dig still out that shares one of them (superseded, so no
 * two groups race for a chunk), go out as one new group.  Nothing is dug
 * this frame if that group would be too large or no group is free. */
static void
dig(mp_client *mc, mp_edits *e, float x, float z)
{
	float from[3] = { x, 40.0f, z }, down[3] = { 0.0f, -1.0f, 0.0f };
	mp_brush b = { .shape = MP_BRUSH_SPHERE, .op = MP_EDIT_SUBTRACT,
	    .radius = 3.0f };
	struct dig *d = NULL, *old[BUDGET];
	int32_t lo[3], hi[3], c[3];
	mp_request like;
	int i, k, nold = 0, r;

	for (i = 0; i < DIGS && d == NULL; i++)
		if (digs[i].state == FREE)
			d = &digs[i];
	mp_request_init(&like);
	if (d == NULL || mp_edits_raycast(e, &like.field, from, down, 80.0f,
	    b.a) != MP_OK)
		return;                 /* no group free, or no ground here */
	if ((r = mp_edits_chunks(&b, &like, lo, hi)) != MP_OK) {
		fprintf(stderr, "host_loop: %s\n", mp_brush_problem(&b) ?
		    mp_brush_problem(&b) : mp_strerror(r));
		exit(1);
	}
	memset(d, 0, sizeof *d);
	for (c[0] = lo[0]; c[0] <= hi[0]; c[0]++)
		for (c[1] = lo[1]; c[1] <= hi[1]; c[1]++)
			for (c[2] = lo[2]; c[2] <= hi[2]; c[2]++) {
				struct dig *o = dig_of(c);

				if (dig_add(d, c) != 0)
					return;
				for (k = 0; o != NULL && k < nold && old[k] != o; k++)
					;
				if (o != NULL && k == nold)
					old[nold++] = o;
			}
	for (k = 0; k < nold; k++)
		for (i = 0; i < old[k]->n; i++)
			if (dig_add(d, old[k]->c[i]) != 0)
				return;
	if ((r = mp_edits_add(e, &b)) != MP_OK) {
		fprintf(stderr, "host_loop: %s\n", mp_strerror(r));
		exit(1);
	}
	for (k = 0; k < nold; k++)
		dig_supersede(mc, old[k]);
	for (k = 0; k < d->n; k++) {
		struct chunk *t = slot(d->c[k][0], d->c[k][1], d->c[k][2]);

		/* A plain request still out would bring a mesh without this
		 * hole; MP_ENOENT means its result is already in. */
		if (t->state == PENDING)
			(void)mp_cancel(mc, key(t->x, t->y, t->z));
		t->x = d->c[k][0], t->y = d->c[k][1], t->z = d->c[k][2];
		t->state = IN_GROUP;
	}
	d->state = UNSENT;
	dug++;
	(void)dig_submit(mc, d, e);     /* not taken: it goes next frame */
}

/* The daemon went: digs out go again (unsent), superseded ones are gone
 * with their results. */
static void
digs_lost(void)
{
	int i;

	for (i = 0; i < DIGS; i++)
		if (digs[i].state == OUT)
			digs[i].state = digs[i].superseded ? FREE : UNSENT;
}

/* The dig group a result belongs to, or NULL for a plain chunk's. */
static struct dig *
dig_at(const mp_result *r)
{
	return r->user_data & DIG ? &digs[r->user_data >> 8 & (DIGS - 1)] : NULL;
}

/* The dig results of one mp_poll call, res[0..n): a group is in whole
 * (never split across calls); if all of it meshed, swap all its chunks in
 * now, together.  A superseded group is dropped; a failed one's chunks are
 * forgotten, to be asked for again as they are in view.  The triangles. */
static long
land_digs(mp_client *mc, const mp_result *res, int n, long poll)
{
	struct dig *d;
	long tris = 0;
	int i, k;

	for (i = 0; i < n; i++) {
		if ((d = dig_at(&res[i])) == NULL)
			continue;
		if (d->got++ == 0)
			d->poll = poll;
		else if (d->poll != poll)
			split++;
		d->ok += res[i].status == MP_OK;
	}
	for (i = 0; i < n; i++) {
		if ((d = dig_at(&res[i])) == NULL || d->state != OUT ||
		    d->got < d->n)
			continue;
		for (k = i; k < n && !d->superseded; k++) {  /* members: i on */
			const int32_t *c;
			struct chunk *t;
			mp_mesh_view v;

			if (dig_at(&res[k]) != d)
				continue;
			c = d->c[res[k].user_data & 0xff];
			t = slot(c[0], c[1], c[2]);
			if (d->ok == d->n && mp_mesh(mc, &res[k], &v) == MP_OK) {
				tris += v.index_count / 3;  /* glBufferData(...) */
				t->state = READY;
			} else if (t->state == IN_GROUP)
				forget(t);
		}
		swapped += !d->superseded && d->ok == d->n;
		d->state = FREE;
	}
	return tris;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
	const char *instance = NULL;
	int seconds = 10, radius = 6, ch, r, frame = 0, x, z, y, d, i;
	long ready = 0, submitted = 0, cancelled = 0, tris = 0, again = 0, polls = 0;
	int reconnects = 0, nlost = 0;
	double worst = 0, total = 0, retry_at = 0;
	mp_request *lost = NULL;
	mp_edits *edits;
	mp_client *mc;

	while ((ch = getopt(argc, argv, "n:s:r:")) != -1) {
		if (ch == 'n')
			instance = optarg;
		else if (ch == 's')
			seconds = atoi(optarg);
		else if (ch == 'r')
			radius = atoi(optarg);
		else
			return 2;
	}
	if (radius < 1 || radius > 20) {
		fprintf(stderr, "host_loop: radius must be 1..20\n");
		return 1;
	}
	if ((r = mp_edits_new(&edits)) != MP_OK) {
		fprintf(stderr, "host_loop: %s\n", mp_strerror(r));
		return 1;
	}
	if (mp_connect(instance, &mc) != MP_OK) {
		fprintf(stderr, "host_loop: %s\n", mp_connect_problem());
		return 1;
	}
	for (frame = 0; frame < seconds * 60; frame++) {
		double t0 = now_us(), spent;
		int cam = frame / 10;           /* one chunk every 10 frames */
		mp_result res[BUDGET];
		int full = 0, n;

		if (mc == NULL) {               /* the daemon went away */
			if (t0 < retry_at || mp_connect(instance, &mc) != MP_OK) {
				mc = NULL;
				if (t0 >= retry_at)
					retry_at = t0 + RETRY_US;
				goto rest_of_frame;
			}
			reconnects++;
		}
		if (nlost > 0) {
			int left = resubmit(mc, edits, lost, nlost);

			again += nlost - left;
			nlost = left;
			full = left > 0;
		}
		for (i = 0; i < DIGS; i++)      /* refused or lost before */
			if (digs[i].state == UNSENT && !dig_submit(mc, &digs[i], edits))
				break;

		/* Finished meshes first (room for a whole group), so the dig
		 * below does not supersede a group that is already done. */
		if ((n = mp_poll(mc, res, BUDGET)) < 0) {
			/* Everything it finished has been polled: what is still
			 * out was lost with it.  Keep those to submit again. */
			size_t out = mp_pending(mc);

			free(lost);
			if ((lost = calloc(out + 1, sizeof *lost)) == NULL) {
				fprintf(stderr, "host_loop: out of memory\n");
				break;
			}
			nlost = mp_unfinished(mc, lost, out);
			digs_lost();
			fprintf(stderr, "host_loop: %s: %d requests to submit again\n",
			    mp_strerror(n), nlost);
			mp_disconnect(mc);
			mc = NULL;
			continue;
		}
		tris += land_digs(mc, res, n, ++polls);
		for (i = 0; i < n; i++) {
			int32_t cx = (int32_t)(res[i].user_data >> 42 << 11) >> 11;
			int32_t cy = (int32_t)((res[i].user_data >> 21 & 0x1fffff) << 11) >> 11;
			int32_t cz = (int32_t)((res[i].user_data & 0x1fffff) << 11) >> 11;
			struct chunk *c;
			mp_mesh_view v;

			if (dig_at(&res[i]) != NULL) {
				mp_release(mc, &res[i]);    /* landed above */
				continue;
			}
			if ((c = slot(cx, cy, cz))->state == IN_GROUP)
				;                   /* a dig brings its mesh */
			else if (c->state == PENDING && res[i].status == MP_OK &&
			    mp_mesh(mc, &res[i], &v) == MP_OK) {
				tris += v.index_count / 3;  /* glBufferData(v.positions...) */
				ready++;
				c->state = READY;
			} else if (c->state != EMPTY)
				forget(c);          /* cancelled or failed */
			mp_release(mc, &res[i]);
		}

		/* Dig where the camera is (3.2 world units a frame). */
		dig(mc, edits, (float)frame * 3.2f + 16.0f,
		    16.0f + 8.0f * sinf((float)frame / 20.0f));

		/* Into view: nearest first, lane by distance. */
		for (d = 0; d <= radius && !full; d++)
			for (x = cam - d; x <= cam + d && !full; x++)
				for (z = -d; z <= d && !full; z++)
					for (y = -1; y <= 0 && !full; y++) {
						struct chunk *c;
						mp_request q;

						if (abs(x - cam) != d && abs(z) != d)
							continue;       /* ring d only */
						if ((c = slot(x, y, z))->state != EMPTY)
							continue;
						mp_request_init(&q);
						q.cx = x, q.cy = y, q.cz = z;
						q.user_data = key(x, y, z);
						q.priority = (uint8_t)(d < 2 ? 0 : d < 4 ? 1 :
						    d < 6 ? 2 : 3);
						if (!submit(mc, &q, edits)) {
							full = 1;       /* try again next frame */
							break;
						}
						c->x = x, c->y = y, c->z = z;
						c->state = PENDING;
						submitted++;
					}
		/* Out of view: cancel what is still coming, drop what is here. */
		for (i = 0; i < TABLE; i++) {
			struct chunk *c = &table[i];

			if (c->state == EMPTY || c->state == IN_GROUP ||
			    abs(c->x - cam) <= radius + 1)
				continue;
			if (c->state == PENDING && mp_cancel(mc, key(c->x, c->y, c->z)) == MP_OK) {
				c->state = CANCELLED;
				cancelled++;
			} else if (c->state == READY) {
				forget(c);
				i--;            /* the run moved up into slot i */
			}
		}
rest_of_frame:
		spent = now_us() - t0;
		total += spent;
		if (spent > worst)
			worst = spent;
		if (frame % 60 == 59) {
			printf("t=%2ds  mesher calls per frame: avg %6.1f us, worst %7.1f us"
			    "  | meshes %ld, in flight %zu, cancelled %ld, triangles %ld\n",
			    frame / 60 + 1, total / 60, worst, ready,
			    mc != NULL ? mp_pending(mc) : (size_t)nlost, cancelled, tris);
			total = worst = 0;
		}
		{       /* the rest of the frame: the game's own work */
			struct timespec ts = { 0, 16666667 - (long)(now_us() - t0) * 1000 };

			if (ts.tv_nsec > 0)
				nanosleep(&ts, NULL);
		}
	}
	printf("submitted %ld, meshes %ld, cancelled %ld, reconnected %d times, "
	    "submitted again %ld\n", submitted, ready, cancelled, reconnects, again);
	printf("dug %ld, groups swapped %ld, superseded %ld, split %ld\n", dug,
	    swapped, superseded, split);
	mp_disconnect(mc);
	mp_edits_free(edits);
	free(lost);
	return 0;
}
