/*
 * host_loop.c - how a game uses meshpoold: a 60 Hz frame loop around a
 * moving camera.  Each frame it
 *   - submits the chunks that came into view, nearest first, in a lane
 *     chosen by distance (near = urgent), until the daemon says "full";
 *   - cancels chunks that left the view before their mesh arrived, and
 *     forgets meshes that left it;
 *   - polls finished meshes, "uploads" at most a budget of them (reading
 *     them in place, zero copy), and releases each slab;
 *   - if the daemon goes away (restarted, upgraded, killed), keeps exactly
 *     the requests it never finished (mp_unfinished), connects again once
 *     a second, and submits those again: no chunk is lost or asked twice.
 * It never blocks the frame on the mesher and prints, once a second, how
 * long the mesher's calls took within the frame.
 *
 *   host_loop [-n INSTANCE] [-s SECONDS] [-r RADIUS]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <meshpool.h>

#define TABLE   8192            /* chunks tracked, power of two */
#define BUDGET  16              /* uploads per frame */
#define RETRY_US 1000000        /* reconnect attempts, at most */

enum { EMPTY = 0, PENDING, READY, CANCELLED };

struct chunk { int32_t x, y, z; uint8_t state; };

static struct chunk table[TABLE];

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

/* Submit what the last daemon never finished, still wanted, in order:
 * how many are left for the next frame. */
static int
resubmit(mp_client *mc, mp_request *lost, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++) {
		const mp_request *q = &lost[i];
		struct chunk *c = slot(q->cx, q->cy, q->cz);

		if (c->state != PENDING) {
			if (c->state == CANCELLED)
				forget(c);      /* left the view meanwhile */
			continue;
		}
		lost[k++] = *q;         /* keep, compacted */
	}
	n = k;
	k = mp_submit_batch(mc, lost, (size_t)n);
	memmove(lost, lost + k, (size_t)(n - k) * sizeof *lost);
	return n - k;
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
	long ready = 0, submitted = 0, cancelled = 0, tris = 0, again = 0;
	int reconnects = 0, nlost = 0;
	double worst = 0, total = 0, retry_at = 0;
	mp_request *lost = NULL;
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
	if (radius < 1 || radius > 20 || (r = mp_connect(instance, &mc)) != MP_OK) {
		fprintf(stderr, "host_loop: %s\n", radius < 1 || radius > 20 ?
		    "radius must be 1..20" : mp_strerror(r));
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
			int left = resubmit(mc, lost, nlost);

			again += nlost - left;
			nlost = left;
			full = left > 0;
		}

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
						if (mp_submit(mc, &q) != MP_OK) {
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

			if (c->state == EMPTY || abs(c->x - cam) <= radius + 1)
				continue;
			if (c->state == PENDING && mp_cancel(mc, key(c->x, c->y, c->z)) == MP_OK) {
				c->state = CANCELLED;
				cancelled++;
			} else if (c->state == READY) {
				forget(c);
				i--;            /* the run moved up into slot i */
			}
		}
		/* Finished meshes, at most BUDGET uploads this frame. */
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
			fprintf(stderr, "host_loop: %s: %d requests to submit again\n",
			    mp_strerror(n), nlost);
			mp_disconnect(mc);
			mc = NULL;
			continue;
		}
		for (i = 0; i < n; i++) {
			int32_t cx = (int32_t)(res[i].user_data >> 42 << 11) >> 11;
			int32_t cy = (int32_t)((res[i].user_data >> 21 & 0x1fffff) << 11) >> 11;
			int32_t cz = (int32_t)((res[i].user_data & 0x1fffff) << 11) >> 11;
			struct chunk *c = slot(cx, cy, cz);
			mp_mesh_view v;

			if (c->state == PENDING && res[i].status == MP_OK &&
			    mp_mesh(mc, &res[i], &v) == MP_OK) {
				tris += v.index_count / 3;  /* glBufferData(v.positions...) */
				ready++;
				c->state = READY;
			} else if (c->state != EMPTY)
				forget(c);          /* cancelled or failed */
			mp_release(mc, &res[i]);
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
	mp_disconnect(mc);
	free(lost);
	return 0;
}
