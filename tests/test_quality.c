/*
 * test_quality.c - mesh quality of LOD ring layouts, the shape a host
 * streams: levels 0..2 around the origin (each level a 2k x 2k square of
 * its own chunks minus the centre the finer level covers), two chunk layers
 * (cy -1 and 0), transition bits on faces toward the finer ring.  For
 * heightmaps whose noise lattice lands on chunk seams, planes exactly at
 * integer heights (one on the seam between the two layers), volumes and
 * grid-aligned box edits, the welded mesh must have, off the outer rim:
 * no open edge, no non-manifold edge, no triangle with two equal vertices,
 * no sliver (area under 1e-6 of its cell face), no fold (a triangle facing
 * against the mean of its vertex normals).  The same holds welded at a
 * tolerance of 1e-3 voxel, which must find no two distinct vertices that
 * close.  Folds and slivers are counted and printed but not yet asserted:
 * a few remain in the transition wedges beside plain faces (see
 * docs/decisions.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "field_noise.h"
#include "meshcheck.h"
#include "testfield.h"

#define RING_LEVELS 3
#define RING_CELLS  32
#define WELD_TOL    1e-3f       /* voxels */
#define SLIVER      1e-6        /* of the cell face */

struct counts {
	uint32_t tris, open, nonmanifold, degenerate, slivers, folds, near;
};

static struct tv_scratch *scr;

static int
setup(void **state)
{
	(void)state;
	return (scr = tv_scratch_new()) == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	tv_scratch_free(scr);
	return 0;
}

static int
inside(int x, int z, int h)
{
	return x >= -h && x < h && z >= -h && z < h;
}

/* Transition bits of ring chunk (x, z) of level lev: faces toward the
 * centre square that the finer level covers. */
static unsigned
ring_transitions(int lev, int x, int z, int k)
{
	if (lev == 0)
		return 0;
	return (inside(x - 1, z, k / 2) ? MP_TRANS_NX : 0) |
	    (inside(x + 1, z, k / 2) ? MP_TRANS_PX : 0) |
	    (inside(x, z - 1, k / 2) ? MP_TRANS_NZ : 0) |
	    (inside(x, z + 1, k / 2) ? MP_TRANS_PZ : 0);
}

/* Mesh the ring layout of k chunks a side into m; each triangle is tagged
 * with the area of its chunk's cell face. */
static void
mesh_ring(const struct field *f, int k, float voxel, struct mc_mesh *m)
{
	int lev, x, y, z;

	mc_init(m);
	for (lev = 0; lev < RING_LEVELS; lev++)
		for (z = -k; z < k; z++)
			for (x = -k; x < k; x++)
				for (y = -1; y <= 0; y++) {
					int64_t span = (int64_t)RING_CELLS << lev;
					struct tv_chunk c;
					float cell = (float)(1 << lev) * voxel;

					if (lev > 0 && inside(x, z, k / 2))
						continue;
					c.g0[0] = x * span, c.g0[1] = y * span;
					c.g0[2] = z * span;
					c.cells = RING_CELLS, c.lod = lev, c.voxel = voxel;
					c.transitions = ring_transitions(lev, x, z, k);
					m->tag = cell * cell;
					assert_true(mesh_chunk_into(m, scr, f, &c) >= 0);
				}
}

static uint32_t
count_slivers(const struct mc_mesh *m)
{
	uint32_t t, n = 0;

	for (t = 0; t < m->nt; t++) {
		const float *a = m->pos + 3 * m->tri[3 * t];
		const float *b = m->pos + 3 * m->tri[3 * t + 1];
		const float *c = m->pos + 3 * m->tri[3 * t + 2];
		double u[3], v[3], x, y, z;
		int i;

		for (i = 0; i < 3; i++)
			u[i] = (double)b[i] - a[i], v[i] = (double)c[i] - a[i];
		x = u[1] * v[2] - u[2] * v[1];
		y = u[2] * v[0] - u[0] * v[2];
		z = u[0] * v[1] - u[1] * v[0];
		if (sqrt(x * x + y * y + z * z) / 2 < SLIVER * m->tags[t])
			n++;
	}
	return n;
}

static void
measure(const struct mc_mesh *m, float rim, struct counts *c)
{
	float lo[3] = { -rim, -1e30f, -rim }, hi[3] = { rim, 1e30f, rim };
	struct mc_edge_report r;

	mc_check_edges(m, lo, hi, 1e-6f * rim, &r);
	c->tris = m->nt;
	c->open = r.bad_count + r.bad_orientation;
	c->nonmanifold = r.nonmanifold;
	c->degenerate = m->ndegenerate;
	c->slivers = count_slivers(m);
	c->folds = mc_count_misoriented(m, 0.0);
}

static void
print_counts(const char *name, const char *weld, const struct counts *c)
{
	print_message("# %-22s %-5s %7u tris: open %u, non-manifold %u, "
	    "degenerate %u, slivers %u, folds %u, near pairs %u\n", name, weld,
	    c->tris, c->open, c->nonmanifold, c->degenerate, c->slivers,
	    c->folds, c->near);
}

/* Mesh the rings of field f, weld exactly and at WELD_TOL, and check. */
static void
check_rings(const char *name, const struct field *f, int k)
{
	float voxel = 1.0f, rim = (float)k * RING_CELLS * (1 << (RING_LEVELS - 1));
	struct mc_mesh m, t;
	struct counts exact, tol;

	mesh_ring(f, k, voxel, &m);
	measure(&m, rim, &exact);
	exact.near = 0;
	tol.near = mc_weld_near(&m, WELD_TOL * voxel, &t);
	measure(&t, rim, &tol);
	print_counts(name, "exact", &exact);
	print_counts(name, "1e-3", &tol);
	if (exact.open || exact.nonmanifold || exact.degenerate || tol.near) {
		char path[80];

		snprintf(path, sizeof path, "quality-fail-%s.obj", name);
		mc_write_obj(&m, path);
	}
	assert_true(exact.tris > 10000);
	assert_int_equal(exact.open, 0);
	assert_int_equal(exact.nonmanifold, 0);
	assert_int_equal(exact.degenerate, 0);
	assert_int_equal(tol.near, 0);
	assert_int_equal(tol.open, 0);
	assert_int_equal(tol.nonmanifold, 0);
	assert_int_equal(tol.degenerate, 0);
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
 * seam between the two chunk layers. */
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
		cmocka_unit_test(test_lod15_within_band),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
