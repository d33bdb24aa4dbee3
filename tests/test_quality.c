/*
 * test_quality.c - mesh quality of LOD ring layouts, the shape a host
 * streams: levels 0..2 around the origin (each level a 2k x 2k square of
 * its own chunks minus the centre the finer level covers), two chunk layers
 * (cy -1 and 0), transition bits on faces toward the finer ring and edge
 * bits on edges whose diagonal chunk is in it, as a host sets them.  For
 * heightmaps whose noise lattice lands on chunk seams, planes exactly at
 * integer heights (one on the seam between the two layers), volumes,
 * grid-aligned box edits and brushes of every kind (thin features, a
 * tunnel, forty random ones), the welded mesh must have, off the rim:
 * no open edge, no non-manifold edge, no triangle with two equal vertices,
 * no sliver (area under 1e-6 of its cell face), no fold (a triangle facing
 * against the mean of its vertex normals), and no seam vertex with two
 * normals (every chunk that has it gives it the same one, also where a
 * finer ring's corner meets three coarser chunks).  The same holds
 * welded at a tolerance of 1e-3 voxel, which must find no two distinct
 * vertices that close.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "field_edits.h"
#include "field_noise.h"
#include "fnv.h"
#include "meshcheck.h"
#include "testfield.h"

#define RING_LEVELS 3
#define RING_CELLS  32
#define WELD_TOL    1e-3f       /* voxels */
#define SLIVER      1e-6        /* of the cell face */
#define MANY_BRUSHES 200        /* test_many_random_brushes */


static int
inside(int x, int z, int h)
{
	return x >= -h && x < h && z >= -h && z < h;
}

/* A chunk of the ring layout: level lev, chunk coords (x, y, z) of that
 * level, k chunks a side. */
struct ring_chunk {
	int lev, c[3], k;
};

/* The finer level covers the centre square of k/2 chunks a side of this
 * level, in both chunk layers (y -1 and 0), all x and z columns alike. */
static int
ring_finer(const void *ctx, const int o[3])
{
	const struct ring_chunk *r = ctx;
	int y = r->c[1] + o[1];

	return r->lev > 0 && (y == -1 || y == 0) &&
	    inside(r->c[0] + o[0], r->c[2] + o[2], r->k / 2);
}

/* Call fn for every chunk of the ring layout of k chunks a side, in one
 * order, with its ring place and its request bits set as a host sets
 * them: how many chunks. */
typedef void ring_fn(void *ctx, const struct ring_chunk *rc,
    const struct tv_chunk *c);

static int
each_ring_chunk(int k, float voxel, ring_fn *fn, void *ctx)
{
	int lev, x, y, z, n = 0;

	for (lev = 0; lev < RING_LEVELS; lev++)
		for (z = -k; z < k; z++)
			for (x = -k; x < k; x++)
				for (y = -1; y <= 0; y++) {
					int64_t span = (int64_t)RING_CELLS << lev;
					struct tv_chunk c;
					struct ring_chunk rc;

					if (lev > 0 && inside(x, z, k / 2))
						continue;
					c.g0[0] = x * span, c.g0[1] = y * span;
					c.g0[2] = z * span;
					c.cells = RING_CELLS, c.lod = lev, c.voxel = voxel;
					rc.lev = lev, rc.k = k;
					rc.c[0] = x, rc.c[1] = y, rc.c[2] = z;
					c.transitions = layout_transitions(ring_finer, &rc);
					c.edges = layout_edges(ring_finer, &rc);
					c.corners = layout_corners(ring_finer, &rc);
					fn(ctx, &rc, &c);
					n++;
				}
	return n;
}

struct ring_mesh {
	const struct field *f;
	struct mc_mesh *m;
};

static void
mesh_one(void *ctx, const struct ring_chunk *rc, const struct tv_chunk *c)
{
	struct ring_mesh *r = ctx;
	float cell = (float)(1 << rc->lev) * c->voxel;

	r->m->tag = cell * cell;
	assert_true(mesh_chunk_into(r->m, scr, r->f, c) >= 0);
}

/* Mesh the ring layout of k chunks a side into m; each triangle is tagged
 * with the area of its chunk's cell face. */
static void
mesh_ring(const struct field *f, int k, float voxel, struct mc_mesh *m)
{
	struct ring_mesh r = { f, m };

	mc_init(m);
	each_ring_chunk(k, voxel, mesh_one, &r);
}

static void
print_counts(const char *name, const char *weld, const struct mc_quality *q,
    uint32_t near)
{
	print_message("# %-22s %-5s %7u tris: open %u, non-manifold %u, "
	    "degenerate %u, slivers %u, folds %u, near pairs %u, two normals "
	    "%u\n", name, weld, q->tris, q->open, q->nonmanifold, q->degenerate,
	    q->slivers, q->folds, near, q->split_normals);
}

static void
assert_clean(const struct mc_quality *q)
{
	assert_int_equal(q->open, 0);
	assert_int_equal(q->nonmanifold, 0);
	assert_int_equal(q->degenerate, 0);
	assert_int_equal(q->slivers, 0);
	assert_int_equal(q->folds, 0);
	assert_int_equal(q->split_normals, 0);
}

/* Mesh the rings of field f, weld exactly and at WELD_TOL, and check that
 * nothing is wrong. */
static void
check_rings(const char *name, const struct field *f, int k)
{
	float voxel = 1.0f, rim = (float)k * RING_CELLS * (1 << (RING_LEVELS - 1));
	float lo[3] = { -rim, -1e30f, -rim }, hi[3] = { rim, 1e30f, rim };
	struct mc_mesh m, t;
	struct mc_quality exact, tol;
	uint32_t near;

	mesh_ring(f, k, voxel, &m);
	mc_quality(&m, lo, hi, 1e-6f * rim, SLIVER, &exact);
	near = mc_weld_near(&m, WELD_TOL * voxel, &t);
	mc_quality(&t, lo, hi, 1e-6f * rim, SLIVER, &tol);
	print_counts(name, "exact", &exact, 0);
	print_counts(name, "1e-3", &tol, near);
	if (exact.open || exact.nonmanifold || exact.degenerate ||
	    exact.slivers || exact.folds || exact.split_normals ||
	    near) {
		char path[80];

		snprintf(path, sizeof path, "quality-fail-%s.obj", name);
		mc_write_obj(&m, path);
	}
	assert_true(exact.tris > 10000);
	assert_int_equal(near, 0);
	assert_clean(&exact);
	assert_clean(&tol);
	mc_free(&m);
	mc_free(&t);
}

static void
noise(mp_field *f, uint32_t kind, float freq, float amp, float offset)
{
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->seed = 42;
	f->octaves = 4;
	f->frequency = freq;
	f->amplitude = amp;
	f->offset = offset;
}

static void
check_noise_rings(const char *name, const mp_field *mf, int k)
{
	struct noise_field nf;
	struct field f;

	noise_field_init(&nf, mf);
	f = noise_field_as_field(&nf);
	check_rings(name, &f, k);
}

/* The seed workload's terrain, as the demo meshes it. */
static void
test_seed_heightmap(void **state)
{
	mp_field f;

	(void)state;
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 10.0f, 0.0f);
	check_noise_rings("seed-heightmap", &f, 4);
}

/* Noise lattices on chunk seams: every 40 and every 32 voxels the noise is
 * exactly 0, so the surface passes through lattice points at y = 0, the
 * seam between the two chunk layers.  At 1/32 the surface passes through
 * every chunk corner on that seam; its last fold (3 before folded
 * triangles' edges were flipped, 1 before a bent chord's vertex leaned its
 * normal toward the closing) was a 0.04 voxel bump closed on a transition
 * face's edge line there. */
static void
test_heightmap_lattice_on_seams(void **state)
{
	mp_field f;

	(void)state;
	noise(&f, MP_FIELD_HEIGHTMAP, 1.0f / 40, 10.0f, 0.0f);
	check_noise_rings("heightmap-f1_40", &f, 2);
	noise(&f, MP_FIELD_HEIGHTMAP, 1.0f / 32, 12.0f, 0.0f);
	check_noise_rings("heightmap-f1_32", &f, 2);
}

/* Flat planes exactly at integer heights: a whole plane of samples is 0,
 * at y = 0 on the seam between the layers and at y = 3 inside them. */
static void
test_planes(void **state)
{
	mp_field f;

	(void)state;
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 0.0f, 0.0f);
	check_noise_rings("plane-y0", &f, 2);
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 0.0f, 3.0f);
	check_noise_rings("plane-y3", &f, 2);
}

static void
test_volumes(void **state)
{
	mp_field f;

	(void)state;
	noise(&f, MP_FIELD_VOLUME, 0.05f, 12.0f, 0.0f);
	check_noise_rings("volume-f.05", &f, 2);
	noise(&f, MP_FIELD_VOLUME, 1.0f / 32, 8.0f, 0.0f);
	check_noise_rings("volume-f1_32", &f, 2);
}

/* Grid-aligned boxes added and carved, across chunk seams and ring
 * boundaries, on a flat floor and on the seed terrain. */
static void
add_box(struct boxes *b, float x0, float y0, float z0, float x1, float y1,
    float z1, int carve)
{
	b->box[b->n].lo[0] = x0, b->box[b->n].lo[1] = y0, b->box[b->n].lo[2] = z0;
	b->box[b->n].hi[0] = x1, b->box[b->n].hi[1] = y1, b->box[b->n].hi[2] = z1;
	b->box[b->n].carve = carve;
	b->n++;
}

static void
check_box_rings(const char *name, const mp_field *mf)
{
	struct noise_field nf;
	struct field base, f;
	struct boxes b;

	noise_field_init(&nf, mf);
	base = noise_field_as_field(&nf);
	memset(&b, 0, sizeof b);
	b.base = &base;
	add_box(&b, 50, -6, -20, 80, 9, 12, 0);         /* across x = 64 */
	add_box(&b, -140, -4, -40, -100, 16, -8, 0);    /* across x = -128 */
	add_box(&b, -20, -12, 40, 24, 4, 90, 1);        /* carved, across z = 64 */
	add_box(&b, 100, -16, 100, 160, 20, 140, 1);    /* carved, ring corner */
	add_box(&b, -30, 0, -30, -10, 6, -10, 0);       /* on the layer seam */
	f = boxes_as_field(&b);
	check_rings(name, &f, 2);
}

static void
test_box_edits(void **state)
{
	mp_field f;

	(void)state;
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 0.0f, 2.0f);
	check_box_rings("floor-boxes", &f);
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 10.0f, 0.0f);
	check_box_rings("seed-boxes", &f);
}

/* Real brushes (the edit set's field) over the rings of field mf. */
static void
check_brush_rings(const char *name, const mp_field *mf, const mp_brush *b,
    size_t n)
{
	struct brush_prep prep[MANY_BRUSHES];
	struct noise_field nf;
	struct edits_field ef;
	struct field f;

	assert_true(n <= MANY_BRUSHES);
	noise_field_init(&nf, mf);
	edits_field_init(&ef, &nf, b, n, prep);
	f = edits_field_as_field(&ef);
	check_rings(name, &f, 2);
}

static mp_brush
brush(int shape, int op, float ax, float ay, float az, float bx, float by,
    float bz, float radius, float smooth)
{
	mp_brush b = { .shape = (uint8_t)shape, .op = (uint8_t)op,
	    .material = (uint8_t)(1 + op), .a = { ax, ay, az },
	    .b = { bx, by, bz }, .radius = radius, .smooth = smooth };

	return b;
}

/* Brushes as a game makes them, across chunk seams and ring boundaries:
 * boxes with their faces on lattice planes (built and dug), spheres dug
 * and built, smooth and sharp, a painted patch, thin capsules on a floor,
 * a capsule tunnel: no fold.  The hard ones are features thinner than a
 * cell, which the samples cannot show and the central-difference normals
 * (two cells wide) misread; meshed at one LOD everywhere, with no
 * transition face, they fold in the same places, so they are not a seam's:
 *   - the tunnel grazes the ground and lattice planes: where its roof
 *     breaks through at a shallow angle it leaves a lip thinner than a
 *     cell (a sample solid between two air ones, on y = 2 at LOD 1, the
 *     ground's height there), and where its side is tangent to a lattice
 *     plane (z = -88 at x = 0) the samples on that plane are a few
 *     hundredths either side of 0; meshed at LOD 0 everywhere with the
 *     gradient normals alone the same tunnel had 79 folds along its
 *     length, at LOD 1 29;
 *   - the smoothed dig is a tunnel just under a floor, its roof thinner
 *     than a LOD 2 cell (4 voxels) and broken through at LOD 2's samples;
 *   - the built capsule over a floor exactly on lattice plane y = 2: a
 *     gap under a voxel between it and the floor where it dips (LOD 0),
 *     and at LOD 1 and 2 the crease where it meets the floor and the
 *     capsule itself (6 voxels across: a cell and a half at LOD 2).
 * What took the folds away, in order (tunnel, thin capsules): the
 * vertices inside a chunk of a folded triangle take the normal of their
 * fan (24 -> 9, 26 -> 10); a folded triangle's edge is flipped where both
 * new triangles face along their normals (9 -> 8, 10 -> 8); a vertex on
 * one chunk face whose gradient is suspect and more than 60 degrees from
 * the fan of the four cells around its edge takes that fan's normal,
 * which both chunks make alike (8 -> 7, 8 -> 0); so does one on a chunk
 * edge line, from the finest lattice around the line (7 -> 5); and at any
 * angle (5 -> 4); the folds left after the fan normals are flipped once
 * more (4 -> 0). */

static void
test_brush_edits(void **state)
{
	const mp_brush set[] = {
		brush(MP_BRUSH_BOX, MP_EDIT_ADD, 50, -6, -20, 80, 9, 12, 0, 0),
		brush(MP_BRUSH_BOX, MP_EDIT_ADD, -140, -4, -40, -100, 16, -8, 0, 0),
		brush(MP_BRUSH_BOX, MP_EDIT_SUBTRACT, -20, -12, 40, 24, 4, 90, 0, 0),
		brush(MP_BRUSH_BOX, MP_EDIT_SUBTRACT, 100, -16, 100, 160, 20, 140,
		    0, 0),
		brush(MP_BRUSH_BOX, MP_EDIT_ADD, -30, 0, -30, -10, 6, -10, 0, 0),
		brush(MP_BRUSH_SPHERE, MP_EDIT_SUBTRACT, 64, 0, 64, 0, 0, 0, 9, 0),
		brush(MP_BRUSH_SPHERE, MP_EDIT_ADD, -64, 6, 0, 0, 0, 0, 7, 2),
		brush(MP_BRUSH_SPHERE, MP_EDIT_SUBTRACT, -120, -3, 90, 0, 0, 0, 11,
		    3),
		brush(MP_BRUSH_BOX, MP_EDIT_PAINT, -50, -20, -50, 50, 20, 50, 0, 0),
	};
	const mp_brush tunnel = brush(MP_BRUSH_CAPSULE, MP_EDIT_SUBTRACT, -180,
	    0, -90, 180, -4, -70, 8, 0);
	const mp_brush thin[] = {
		brush(MP_BRUSH_CAPSULE, MP_EDIT_SUBTRACT, -200, 4, 30, 200, -6, 50,
		    5, 4),
		brush(MP_BRUSH_CAPSULE, MP_EDIT_ADD, 30, 2, -150, 40, 12, 150, 3, 0),
	};
	mp_field f;

	(void)state;
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 0.0f, 2.0f);
	check_brush_rings("floor-brushes", &f, set, sizeof set / sizeof set[0]);
	check_brush_rings("floor-thin", &f, thin, 2);
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 10.0f, 0.0f);
	check_brush_rings("seed-brushes", &f, set, sizeof set / sizeof set[0]);
	check_brush_rings("seed-tunnel", &f, &tunnel, 1);
}

/* A small xorshift generator, so the random brush set is the same on
 * every machine. */
static uint32_t
next_random(uint32_t *state)
{
	uint32_t v = *state;

	v ^= v << 13;
	v ^= v >> 17;
	v ^= v << 5;
	return *state = v;
}

/* A float in [lo, hi). */
static float
random_in(uint32_t *state, float lo, float hi)
{
	return lo + (hi - lo) * (float)(next_random(state) >> 8) / 16777216.0f;
}

/* A coordinate in [-200, 200), every other one within 3 voxels of a chunk
 * seam of some level (a multiple of 32, 64 or 128), so brushes sit across
 * seams and ring boundaries. */
static float
random_coord(uint32_t *state)
{
	float seam;

	if (next_random(state) & 1)
		return random_in(state, -200.0f, 200.0f);
	seam = 32.0f * (float)((int)(next_random(state) % 13) - 6);
	return seam + random_in(state, -3.0f, 3.0f);
}

/* Brush i of the random set: every shape and operation, radii (and box
 * half sides) of 3 to 12 voxels, sharp and smooth, around the ground of
 * the seed terrain (y within +-10). */
static mp_brush
random_brush(uint32_t *state, int i)
{
	int shape = i % 3, op = (int)(next_random(state) % 7);
	float x = random_coord(state), y = random_in(state, -10.0f, 10.0f);
	float z = random_coord(state), r = random_in(state, 3.0f, 12.0f);
	float smooth = (next_random(state) & 1) ? random_in(state, 1.0f, 4.0f) :
	    0.0f;

	op = op < 3 ? MP_EDIT_ADD : op < 6 ? MP_EDIT_SUBTRACT : MP_EDIT_PAINT;
	if (shape == MP_BRUSH_SPHERE)
		return brush(shape, op, x, y, z, 0, 0, 0, r, smooth);
	if (shape == MP_BRUSH_BOX) {
		float hy = random_in(state, 3.0f, 12.0f);
		float hz = random_in(state, 3.0f, 12.0f);
		float round = (next_random(state) & 1) ? 0.0f :
		    random_in(state, 0.0f, 1.5f);

		return brush(shape, op, x - r, y - hy, z - hz, x + r, y + hy,
		    z + hz, round, smooth);
	}
	return brush(shape, op, x, y, z, x + random_in(state, -40.0f, 40.0f),
	    y + random_in(state, -6.0f, 6.0f), z + random_in(state, -40.0f,
	    40.0f), r, smooth);
}

/* Forty random brushes (a fixed seed) on the seed terrain: what a player
 * digging and building about leaves: no fold (50 before normals were kept
 * pointing from the solid end of their edge to the air end, 18 before a
 * folded triangle's vertices inside the chunk took their fan's normal, 13
 * before folded triangles' edges were flipped, 8 before a vertex on one
 * chunk face took its four cells' fan normal where its gradient is
 * suspect and more than 60 degrees from it, 5 before it took it wherever
 * its gradient is suspect), all of them at features thinner than a cell
 * as above (a brush's rim grazing the ground near y = 0). */
#define RANDOM_BRUSHES      40


/* The first n random brushes of the fixed seed on the seed terrain. */
static void
check_random_brushes(const char *name, int n)
{
	mp_brush set[MANY_BRUSHES];
	uint32_t seed = 20240611;
	mp_field f;
	int i;

	assert_true(n <= MANY_BRUSHES);
	for (i = 0; i < n; i++) {
		set[i] = random_brush(&seed, i);
		assert_null(brush_problem(&set[i]));
	}
	noise(&f, MP_FIELD_HEIGHTMAP, 0.02f, 10.0f, 0.0f);
	check_brush_rings(name, &f, set, (size_t)n);
}

static void
test_random_brushes(void **state)
{
	(void)state;
	check_random_brushes("seed-random", RANDOM_BRUSHES);
}

/* Two hundred of them, crowding the rings: brushes overlap into sheets
 * and lips thinner than a cell everywhere, and still nothing is wrong
 * (there were 14 folds, and a seam vertex with two normals, before a
 * vertex was told shared by how it was made rather than where the shift
 * left it and flat folds in a transition face were tented; 4 before a
 * folded triangle's vertex of this chunk alone took the normal its whole
 * fan faces along; 1 before a box vertex whose four cells' fan wraps
 * round a lip took the direction its most turned-away triangle faces
 * along best, rather than the fan's mean). */

/* --- which chunks the brushes change, over the rings --------------------- */

#define RING_CHUNKS_MAX 2048

struct ring_hashes {
	const struct field *f;
	uint64_t h[RING_CHUNKS_MAX];
	int n;
};

static void
hash_one(void *ctx, const struct ring_chunk *rc, const struct tv_chunk *c)
{
	struct ring_hashes *r = ctx;
	struct mesh m;
	uint64_t h = FNV_SEED;

	(void)rc;
	assert_true(r->n < RING_CHUNKS_MAX);
	mesh_init(&m);
	assert_int_equal(tv_extract(c, r->f, scr, &m), 0);
	h = fnv(h, &m.nv, sizeof m.nv);
	h = fnv(h, &m.ni, sizeof m.ni);
	h = fnv(h, m.pos, (size_t)m.nv * 3 * sizeof *m.pos);
	h = fnv(h, m.nrm, (size_t)m.nv * 3 * sizeof *m.nrm);
	h = fnv(h, m.mat, m.nv);
	h = fnv(h, m.idx, (size_t)m.ni * sizeof *m.idx);
	r->h[r->n++] = h;
	mesh_free(&m);
}

struct ring_reported {
	const mp_brush *b;
	size_t nb;
	const struct ring_hashes *before, *after;
	int n, changed, reported;
};

/* Is chunk c of ring level lev in the box mp_edits_chunks gives for one
 * of the brushes at that level? */
static int
reported(const struct ring_reported *r, const struct ring_chunk *rc)
{
	mp_request like;
	int32_t lo[3], hi[3];
	size_t k;
	int a;

	mp_request_init(&like);
	like.lod = (uint8_t)rc->lev;
	for (k = 0; k < r->nb; k++) {
		assert_int_equal(mp_edits_chunks(&r->b[k], &like, lo, hi), MP_OK);
		for (a = 0; a < 3 && rc->c[a] >= lo[a] && rc->c[a] <= hi[a]; a++)
			;
		if (a == 3)
			return 1;
	}
	return 0;
}

static void
check_one(void *ctx, const struct ring_chunk *rc, const struct tv_chunk *c)
{
	struct ring_reported *r = ctx;
	int i = r->n++, in = reported(r, rc);

	(void)c;
	if (!in && r->before->h[i] != r->after->h[i])
		fail_msg("level %d chunk %d %d %d changed but was not reported",
		    rc->lev, rc->c[0], rc->c[1], rc->c[2]);
	r->changed += r->before->h[i] != r->after->h[i];
	r->reported += in;
}

/* The two hundred random brushes over rings of four chunks a side (the
 * brushes reach 240 voxels out: LOD 0, LOD 1 and the seam between them,
 * at chunk corners, faces and lattice planes), transition faces, edge and
 * corner bits as a host sets them: every chunk whose mesh (positions,
 * normals, materials, triangles) the brushes change is in a box
 * mp_edits_chunks reports for one of them at its level, so re-meshing
 * exactly those gives the mesh of re-meshing everything.  Reporting one
 * chunk fewer on one side fails it. */
static void
test_ring_chunks_reported(void **state)
{
	static struct ring_hashes before, after;
	struct brush_prep prep[MANY_BRUSHES];
	mp_brush set[MANY_BRUSHES];
	struct ring_reported r;
	struct noise_field nf;
	struct edits_field ef;
	struct field base, edited;
	uint32_t seed = 20240611;
	mp_field mf;
	int i, n;

	(void)state;
	for (i = 0; i < MANY_BRUSHES; i++)
		set[i] = random_brush(&seed, i);
	noise(&mf, MP_FIELD_HEIGHTMAP, 0.02f, 10.0f, 0.0f);
	noise_field_init(&nf, &mf);
	base = noise_field_as_field(&nf);
	edits_field_init(&ef, &nf, set, MANY_BRUSHES, prep);
	edited = edits_field_as_field(&ef);
	before.f = &base, before.n = 0;
	after.f = &edited, after.n = 0;
	n = each_ring_chunk(4, 1.0f, hash_one, &before);
	assert_int_equal(each_ring_chunk(4, 1.0f, hash_one, &after), n);
	memset(&r, 0, sizeof r);
	r.b = set, r.nb = MANY_BRUSHES, r.before = &before, r.after = &after;
	each_ring_chunk(4, 1.0f, check_one, &r);
	print_message("# %d ring chunks: %d changed, %d reported\n", n,
	    r.changed, r.reported);
	assert_true(r.changed > n / 4);         /* the brushes did something */
	assert_true(r.reported < n);            /* and not everywhere */
}

static void
test_many_random_brushes(void **state)
{
	(void)state;
	check_random_brushes("seed-random-200", MANY_BRUSHES);
}

/* LOD 15 chunks of the seed terrain: the edges are 32,768 voxels long, and
 * no vertex may leave the terrain band (offset +- amplitude) by more than a
 * voxel (a clamp measured along the edge put them 32 voxels out). */
static void
test_lod15_within_band(void **state)
{
	int x, y, z;
	uint32_t total = 0, i;

	(void)state;
	for (z = -1; z <= 0; z++)
		for (y = -1; y <= 0; y++)
			for (x = -1; x <= 0; x++) {
				mp_request r;
				mp_mesh_buf b;

				mp_request_init(&r);
				r.lod = MP_MAX_LOD;
				r.cx = x, r.cy = y, r.cz = z;
				assert_int_equal(mp_mesh_local(&r, &b), 0);
				for (i = 0; i < b.vertex_count; i++)
					assert_true(fabsf(b.positions[3 * i + 1] -
					    r.field.offset) <= fabsf(r.field.amplitude) +
					    r.voxel_size);
				total += b.vertex_count;
				mp_mesh_buf_free(&b);
			}
	assert_true(total > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_heightmap),
		cmocka_unit_test(test_heightmap_lattice_on_seams),
		cmocka_unit_test(test_planes),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_box_edits),
		cmocka_unit_test(test_brush_edits),
		cmocka_unit_test(test_random_brushes),
		cmocka_unit_test(test_many_random_brushes),
		cmocka_unit_test(test_ring_chunks_reported),
		cmocka_unit_test(test_lod15_within_band),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
