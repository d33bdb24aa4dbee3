/*
 * rings.c - the view's LOD rings, the rule of "meshpoolctl demo" made to
 * follow a camera.
 *
 * Level L covers chunks [c_L - k, c_L + k)^2 of its own size on x and z,
 * y chunks -1 and 0 (the seed terrain stays within +-10), minus the hole
 * that level L-1 covers (in the same two layers).  A chunk of level L >= 1
 * has a transition bit on each face whose neighbour is in that hole, i.e.
 * one level finer, and an edge bit on each edge whose diagonal chunk is.
 *
 * demo.c's centres are all 0; here c_L follows the camera.  c_L is even,
 * so level L's region is a whole number of level L+1 chunks and is
 * exactly the hole of L+1; rounding puts c_L within one chunk of 2 c_{L+1},
 * so for k >= 4 the hole keeps at least one chunk of level L+1 around it
 * on every side and no chunk ever meets one two levels away.  The finest
 * ring moves in steps of two of its chunks, the next in steps of two of
 * its own, and so on.
 */
#include <math.h>
#include <string.h>

#include "meshpool.h"
#include "rings.h"

struct square { int32_t x0, z0, x1, z1; };      /* [x0, x1) x [z0, z1) */

float
rings_chunk_size(int lod)
{
	return RING_CELLS * RING_VOXEL * (float)(1 << lod);
}

size_t
rings_count(int k)
{
	size_t side = 2 * (size_t)k, hole = (size_t)k;

	return 2 * (side * side + (RING_LEVELS - 1) * (side * side - hole * hole));
}

static int
in_square(const struct square *s, int32_t x, int32_t z)
{
	return x >= s->x0 && x < s->x1 && z >= s->z0 && z < s->z1;
}

/* Level lod's centre: even, the nearest to (x, z). */
static int32_t
centre(int lod, float x)
{
	return 2 * (int32_t)floor(x / (2.0 * rings_chunk_size(lod)) + 0.5);
}

void
rings_centres(float x, float z, int32_t centres[RING_LEVELS][2])
{
	int lod;

	for (lod = 0; lod < RING_LEVELS; lod++) {
		centres[lod][0] = centre(lod, x);
		centres[lod][1] = centre(lod, z);
	}
}

/* Level lod's region around world (x, z), in its own chunk coordinates. */
static struct square
region(int k, int lod, float x, float z)
{
	int32_t cx = centre(lod, x), cz = centre(lod, z);
	struct square q = { cx - k, cz - k, cx + k, cz + k };

	return q;
}

/* Region of level lod - 1 in level lod's coordinates (its coordinates
 * are even: see the top). */
static struct square
hole(int k, int lod, float x, float z)
{
	struct square f = region(k, lod - 1, x, z), h;

	h.x0 = f.x0 / 2, h.z0 = f.z0 / 2, h.x1 = f.x1 / 2, h.z1 = f.z1 / 2;
	return h;
}

/* Is the place of chunk (x, y, z) covered one level finer: in the hole,
 * in one of the two layers? */
static int
finer(const struct square *h, int32_t x, int32_t y, int32_t z)
{
	return (y == -1 || y == 0) && in_square(h, x, z);
}

static int
hole_finer(void *ctx, int32_t x, int32_t y, int32_t z)
{
	return finer(ctx, x, y, z);
}

/* Transition, edge and corner bits of a chunk around hole h, so the mesher can
 * give transition cells their full width where two neighbouring chunks
 * both have them. */
static void
set_neighbours(const struct square *h, struct ring_chunk *c)
{
	mp_request r;

	mp_request_init(&r);
	r.cx = c->x, r.cy = c->y, r.cz = c->z;
	r.lod = (uint8_t)c->lod;
	mp_request_set_neighbours(&r, hole_finer, (void *)(uintptr_t)h);
	c->transitions = r.transitions;
	c->edges = r.edges;
	c->corners = r.corners;
}

size_t
rings_layout(int k, float x, float z, struct ring_chunk *out)
{
	size_t n = 0;
	int lod;

	for (lod = 0; lod < RING_LEVELS; lod++) {
		struct square r = region(k, lod, x, z);
		struct square h = { 0, 0, 0, 0 };
		int32_t cx, cz, cy;

		if (lod > 0)
			h = hole(k, lod, x, z);
		for (cx = r.x0; cx < r.x1; cx++)
			for (cz = r.z0; cz < r.z1; cz++) {
				if (lod > 0 && in_square(&h, cx, cz))
					continue;       /* level lod - 1 covers it */
				for (cy = -1; cy <= 0; cy++) {
					struct ring_chunk *c = &out[n++];

					c->x = cx, c->y = cy, c->z = cz;
					c->lod = (uint8_t)lod;
					c->transitions = 0;
					c->edges = 0;
					c->corners = 0;
					if (lod > 0)
						set_neighbours(&h, c);
				}
			}
	}
	return n;
}

int
rings_cmp_place(const void *a, const void *b)
{
	const struct ring_chunk *p = a, *q = b;

	if (p->lod != q->lod)
		return p->lod < q->lod ? -1 : 1;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	if (p->z != q->z)
		return p->z < q->z ? -1 : 1;
	return 0;
}

int
rings_cmp(const void *a, const void *b)
{
	const struct ring_chunk *p = a, *q = b;
	int c = rings_cmp_place(a, b);

	if (c != 0)
		return c;
	if (p->transitions != q->transitions)
		return p->transitions < q->transitions ? -1 : 1;
	if (p->edges != q->edges)
		return p->edges < q->edges ? -1 : 1;
	return (p->corners > q->corners) - (p->corners < q->corners);
}
