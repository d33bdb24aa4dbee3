/*
 * test_edits.c - terrain edits: brushes checked field by field, their
 * shapes, the chunks a brush changes (exactly those: re-meshing them gives
 * the mesh of re-meshing everything), a dug sphere's volume, a built box's
 * faces, the edit set saved and loaded (and refused when damaged, and
 * whole after a kill -9 in the middle of a save), rays, and edited requests
 * through a real daemon: bit-identical to the in-process mesher, groups
 * handed out in one call, bad brush data from a hostile client answered
 * with MP_EINVAL and nobody else harmed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "brush.h"
#include "brush_row.h"
#include "brushlog.h"
#include "daemon_rig.h"
#include "fnv.h"
#include "futex.h"
#include "layout.h"
#include "meshpool.h"
#include "wait.h"

static mp_brush
sphere(uint8_t op, float x, float y, float z, float r)
{
	mp_brush b = { .shape = MP_BRUSH_SPHERE, .op = op, .material = 3,
	    .a = { x, y, z }, .radius = r };

	return b;
}

static mp_brush
box(uint8_t op, float x0, float y0, float z0, float x1, float y1, float z1)
{
	mp_brush b = { .shape = MP_BRUSH_BOX, .op = op, .material = 5,
	    .a = { x0, y0, z0 }, .b = { x1, y1, z1 } };

	return b;
}

/* A flat ground at y = level (a heightmap of amplitude 0). */
static void
flat_request(mp_request *r, float level)
{
	mp_request_init(r);
	r->field.amplitude = 0.0f;
	r->field.offset = level;
}

static uint64_t
hash_buf(const mp_mesh_buf *b)
{
	uint64_t h = FNV_SEED;

	h = fnv(h, b->positions, (size_t)b->vertex_count * 12);
	h = fnv(h, b->normals, (size_t)b->vertex_count * 12);
	h = fnv(h, b->indices, (size_t)b->index_count * 4);
	h = fnv(h, b->materials, b->vertex_count);
	return h ^ b->vertex_count;
}

/* --- brushes -------------------------------------------------------------- */

static void
test_brush_checks(void **state)
{
	mp_brush ok = sphere(MP_EDIT_ADD, 1, 2, 3, 4), b;
	mp_edits *e;

	(void)state;
	assert_null(mp_brush_problem(&ok));
	b = ok, b.shape = 7;
	assert_non_null(strstr(mp_brush_problem(&b), "shape"));
	b = ok, b.op = 9;
	assert_non_null(strstr(mp_brush_problem(&b), "op"));
	b = ok, b.reserved = 1;
	assert_non_null(strstr(mp_brush_problem(&b), "reserved"));
	b = ok, b.a[1] = NAN;
	assert_non_null(strstr(mp_brush_problem(&b), "finite"));
	b = ok, b.a[0] = 3e7f;
	assert_non_null(strstr(mp_brush_problem(&b), "finite"));
	b = ok, b.radius = 0;
	assert_non_null(strstr(mp_brush_problem(&b), "radius > 0"));
	b = ok, b.radius = INFINITY;
	assert_non_null(strstr(mp_brush_problem(&b), "radius"));
	b = ok, b.smooth = -1;
	assert_non_null(strstr(mp_brush_problem(&b), "smooth"));
	b = box(MP_EDIT_ADD, 0, 0, 0, 1, 1, 1);
	assert_null(mp_brush_problem(&b));
	b.b[2] = -1;
	assert_non_null(strstr(mp_brush_problem(&b), "a[i] < b[i]"));
	b = box(MP_EDIT_ADD, 0, 0, 0, 4, 2, 8), b.radius = 1.5f;
	assert_non_null(strstr(mp_brush_problem(&b), "rounding"));
	/* A refused brush is not kept. */
	assert_int_equal(mp_edits_new(&e), MP_OK);
	assert_int_equal(mp_edits_add(e, &ok), MP_OK);
	b = ok, b.op = 9;
	assert_int_equal(mp_edits_add(e, &b), MP_EINVAL);
	assert_int_equal(mp_edits_count(e), 1);
	mp_edits_free(e);
}

/* What a request carries: the brushes touching its chunk, at most
 * MP_MAX_BRUSHES of them. */
static void
test_touching(void **state)
{
	mp_brush in = sphere(MP_EDIT_ADD, 10, 5, 10, 2);
	mp_brush near = sphere(MP_EDIT_ADD, 33, 5, 10, 1);    /* padding */
	mp_brush far = sphere(MP_EDIT_ADD, 100, 5, 10, 2);
	mp_request r;
	mp_mesh_buf m;
	mp_edits *e;
	int i;

	(void)state;
	mp_request_init(&r);
	assert_int_equal(mp_edits_new(&e), MP_OK);
	assert_int_equal(mp_edits_touching(e, &r), 0);
	assert_int_equal(mp_edits_add(e, &in), MP_OK);
	assert_int_equal(mp_edits_add(e, &near), MP_OK);
	assert_int_equal(mp_edits_add(e, &far), MP_OK);
	assert_int_equal(mp_edits_touching(e, &r), 2);
	r.cells = 3;
	assert_int_equal(mp_edits_touching(e, &r), -1);      /* invalid */
	r.cells = 0;
	for (i = 0; i < MP_MAX_BRUSHES; i++)
		assert_int_equal(mp_edits_add(e, &in), MP_OK);
	assert_int_equal(mp_edits_touching(e, &r), MP_MAX_BRUSHES + 2);
	assert_int_equal(mp_mesh_local_edited(&r, e, &m), MP_EINVAL);
	mp_edits_free(e);
}

static void
test_shapes(void **state)
{
	mp_brush s = sphere(MP_EDIT_ADD, 1, 2, 3, 2);
	mp_brush bx = box(MP_EDIT_ADD, 0, 0, 0, 4, 2, 6);
	mp_brush c = { .shape = MP_BRUSH_CAPSULE, .a = { 0, 0, 0 },
	    .b = { 10, 0, 0 }, .radius = 1 };

	(void)state;
	assert_float_equal(brush_sdf(&s, 1, 2, 3), -2.0f, 1e-6);
	assert_float_equal(brush_sdf(&s, 4, 2, 3), 1.0f, 1e-6);
	assert_float_equal(brush_sdf(&bx, 2, 1, 3), -1.0f, 1e-6);  /* to y=0,2 */
	assert_float_equal(brush_sdf(&bx, 6, 1, 3), 2.0f, 1e-6);
	assert_float_equal(brush_sdf(&bx, 7, 5, 3), sqrtf(18.0f), 1e-5); /* edge */
	bx.radius = 0.5f;                                        /* rounded */
	/* Past a rounded edge: the distance to the rounding's circle,
	 * centred 0.5 in from the edge at (4, 2). */
	assert_float_equal(brush_sdf(&bx, 4.5f, 2.5f, 3), sqrtf(2.0f) - 0.5f,
	    1e-5);
	assert_float_equal(brush_sdf(&c, 5, 3, 0), 2.0f, 1e-6);
	assert_float_equal(brush_sdf(&c, -2, 0, 0), 1.0f, 1e-6);
}

/* --- the rows, eight and four points at a time ----------------------------- */

#define GRID_MAX 170            /* past ROW_MAX (160): a row split in two */
#define GRID_PAD 8              /* FIELD_ROW_PAD: rows may read past xs */

/* One random grid of nx x 3 x 3 points around brush b, densities near
 * and far from 0, materials set: applied with brush_apply_grid (the AVX2
 * rows where the machine has them), with the portable rows, and point by
 * point with brush_apply, all three must agree bit for bit. */
static void
grid_three_ways(const mp_brush *b, int nx, float step, unsigned *seed,
    int materials)
{
	static float d1[GRID_MAX * 9], d2[GRID_MAX * 9], d3[GRID_MAX * 9];
	static uint8_t m1[GRID_MAX * 9], m2[GRID_MAX * 9], m3[GRID_MAX * 9];
	float xs[GRID_MAX + GRID_PAD], ys[3 + GRID_PAD], zs[3 + GRID_PAD];
	const float *c[3] = { xs, ys, zs };
	int n[3] = { nx, 3, 3 }, a[3] = { 0, 0, 0 }, hi[3] = { nx - 1, 2, 2 };
	struct brush_prep p;
	size_t i, total = (size_t)nx * 9;

	brush_prepare(b, &p);
	memset(xs, 0, sizeof xs), memset(ys, 0, sizeof ys), memset(zs, 0, sizeof zs);
	for (i = 0; i < (size_t)nx; i++)        /* from the reach box's start */
		xs[i] = p.lo[0] + step * (float)i;
	for (i = 0; i < 3; i++) {
		ys[i] = b->a[1] + step * ((float)i - 1.0f);
		zs[i] = b->a[2] + step * ((float)i - 1.0f) * 0.5f;
	}
	for (i = 0; i < total; i++) {
		int r = rand_r(seed) % 4;

		d1[i] = r == 0 ? 0.0f : r == 1 ? 40.0f - (float)(rand_r(seed) % 80) :
		    (float)(rand_r(seed) % 2001) / 500.0f - 2.0f;
		m1[i] = (uint8_t)(rand_r(seed) % 7);
	}
	memcpy(d2, d1, total * sizeof *d1), memcpy(d3, d1, total * sizeof *d1);
	memcpy(m2, m1, total), memcpy(m3, m1, total);
	/* The grid must lie in the reach box: clip the x rows to it. */
	while (hi[0] > 0 && xs[hi[0]] > p.hi[0])
		hi[0]--;
	brush_apply_grid(&p, c, a, hi, n, d1, materials ? m1 : NULL);
	if (!(b->op == MP_EDIT_PAINT && !materials))
		brush_grid_portable(&p, c, a, hi, n, d2, materials ? m2 : NULL);
	for (i = 0; i < total; i++) {
		size_t x = i % (size_t)nx, y = i / (size_t)nx % 3, z = i / ((size_t)nx * 3);

		if ((int)x <= hi[0] && ys[y] >= p.lo[1] && ys[y] <= p.hi[1] &&
		    zs[z] >= p.lo[2] && zs[z] <= p.hi[2])
			brush_apply(&p, xs[x], ys[y], zs[z], &d3[i],
			    materials ? &m3[i] : NULL);
	}
	for (i = 0; i < total; i++) {
		if (memcmp(&d1[i], &d2[i], sizeof *d1) != 0 ||
		    memcmp(&d1[i], &d3[i], sizeof *d1) != 0 || m1[i] != m2[i] ||
		    m1[i] != m3[i])
			fail_msg("brush shape %u op %u smooth %g, %d points a row, "
			    "point %zu: grid %a/%u, portable %a/%u, point %a/%u",
			    b->shape, b->op, (double)b->smooth, nx, i, (double)d1[i],
			    m1[i], (double)d2[i], m2[i], (double)d3[i], m3[i]);
	}
}

/* The eight-wide rows, the four-wide ones and a point sampled alone give
 * the same densities and materials: every shape and operation, sharp and
 * smooth, rows of 1 to 170 points (whole vectors, tails, rows long
 * enough for the density check, rows split at ROW_MAX), and brushes at the
 * edges of what floats hold: far from the origin, a capsule of no length
 * or one whose reciprocal length overflows, a blend of 1e-30. */
static void
test_rows_agree(void **state)
{
	static const int lens[] = { 1, 3, 7, 8, 9, 15, 16, 17, 24, 33, 170 };
	unsigned seed = 99;
	int k, l;

	(void)state;
#ifdef BRUSH_AVX
	print_message("# AVX2 rows %s\n", __builtin_cpu_supports("avx2") ?
	    "checked against the portable ones" : "not on this machine");
#endif
	for (k = 0; k < 600; k++) {
		mp_brush b;

		memset(&b, 0, sizeof b);
		b.shape = (uint8_t)(k % 3);
		b.op = (uint8_t)(k / 3 % 3);
		b.material = (uint8_t)(1 + k % 250);
		b.smooth = k / 9 % 2 ? (float)(rand_r(&seed) % 5) * 0.5f : 0.0f;
		for (l = 0; l < 3; l++)
			b.a[l] = (float)(rand_r(&seed) % 2000) / 100.0f - 10.0f;
		b.radius = 0.5f + (float)(rand_r(&seed) % 40) / 10.0f;
		for (l = 0; l < 3; l++)
			b.b[l] = b.shape == MP_BRUSH_BOX ? b.a[l] + 2.0f * b.radius +
			    0.5f + (float)(rand_r(&seed) % 30) / 10.0f :
			    b.a[l] + (float)(rand_r(&seed) % 80) / 10.0f - 4.0f;
		if (b.shape == MP_BRUSH_BOX && k % 2)
			b.radius = 0.0f;
		if (k % 50 == 7) {      /* far out, where a float has little room */
			for (l = 0; l < 3; l++)
				b.a[l] += 3.0e6f, b.b[l] += 3.0e6f;
		}
		if (k % 50 == 17 && b.shape == MP_BRUSH_CAPSULE)
			memcpy(b.b, b.a, sizeof b.b);   /* a capsule of no length */
		if (k % 50 == 27 && b.shape == MP_BRUSH_CAPSULE) {
			memcpy(b.b, b.a, sizeof b.b);   /* 1/|b - a|^2 overflows */
			b.a[0] = 0.0f, b.b[0] = 1e-20f;
		}
		if (k % 50 == 37)
			b.smooth = 1e-30f;              /* a blend too thin to show */
		assert_null(brush_problem(&b));
		grid_three_ways(&b, lens[k % 11], k % 4 == 0 ? 0.25f : 0.5f +
		    (float)(k % 3) * 0.25f, &seed, k / 2 % 2);
	}
}

/* --- which chunks a brush changes ----------------------------------------- */

#define RX 6
#define RY 2
#define RZ 6

/* A block of chunks around the origin at lod (two layers through y = 0),
 * meshed with e: hashes in h[]. */
static void
mesh_block(const mp_edits *e, uint8_t lod, const mp_request *base, uint64_t *h)
{
	int x, y, z;

	for (x = 0; x < RX; x++)
		for (y = 0; y < RY; y++)
			for (z = 0; z < RZ; z++) {
				mp_request r = *base;
				mp_mesh_buf b;

				r.lod = lod;
				r.cx = x - RX / 2, r.cy = y - RY / 2, r.cz = z - RZ / 2;
				assert_int_equal(mp_mesh_local_edited(&r, e, &b), MP_OK);
				h[(x * RY + y) * RZ + z] = hash_buf(&b);
				mp_mesh_buf_free(&b);
			}
}

static mp_brush
random_brush(unsigned *seed, float extent)
{
	mp_brush b;
	int i;

	memset(&b, 0, sizeof b);
	b.shape = (uint8_t)(rand_r(seed) % 3);
	b.op = (uint8_t)(rand_r(seed) % 3);
	b.material = (uint8_t)(1 + rand_r(seed) % 200);
	for (i = 0; i < 3; i++) {
		float span = i == 1 ? 12.0f : extent;

		/* Often right on a lattice plane or a chunk corner. */
		b.a[i] = (float)(rand_r(seed) % (int)(2 * span)) - span;
		if (rand_r(seed) % 2)
			b.a[i] += (float)(rand_r(seed) % 4) * 0.25f;
	}
	b.radius = 1.0f + (float)(rand_r(seed) % 6);
	for (i = 0; i < 3; i++)
		b.b[i] = b.shape == MP_BRUSH_BOX ? b.a[i] + 1.0f +
		    (float)(rand_r(seed) % 9) : b.a[i] + (float)(rand_r(seed) % 9) - 4;
	if (b.shape == MP_BRUSH_BOX)
		b.radius = rand_r(seed) % 3 == 0 ? 0.5f : 0.0f;
	b.smooth = rand_r(seed) % 3 == 0 ? (float)(rand_r(seed) % 3) : 0.0f;
	return b;
}

/* Add brushes one by one: every chunk outside the box mp_edits_chunks
 * names keeps its mesh bit for bit; the box is no more than a chunk wider
 * than the brush's reach on each side. */
static void
chunks_exact_at(uint8_t lod, int brushes)
{
	uint64_t before[RX * RY * RZ], after[RX * RY * RZ];
	mp_request base;
	mp_edits *e;
	unsigned seed = 1234u + lod;
	int k, x, y, z, changed = 0, inside = 0;

	mp_request_init(&base);
	assert_int_equal(mp_edits_new(&e), MP_OK);
	mesh_block(e, lod, &base, before);
	for (k = 0; k < brushes; k++) {
		mp_brush b = random_brush(&seed, 32.0f * (float)(1 << lod) * RX / 2);
		int32_t lo[3], hi[3];
		float rlo[3], rhi[3];
		double span = 32.0 * (1 << lod);

		assert_int_equal(mp_edits_add(e, &b), MP_OK);
		assert_int_equal(mp_edits_chunks(&b, &base, lo, hi), MP_OK);
		if (lod == 0) {                 /* "like" at this lod */
			brush_reach(&b, rlo, rhi);
			for (x = 0; x < 3; x++) {
				assert_true(lo[x] >= (int32_t)floor(rlo[x] / span) - 1);
				assert_true(hi[x] <= (int32_t)floor(rhi[x] / span) + 1);
			}
		} else {
			mp_request like = base;

			like.lod = lod;
			assert_int_equal(mp_edits_chunks(&b, &like, lo, hi), MP_OK);
		}
		mesh_block(e, lod, &base, after);
		for (x = 0; x < RX; x++)
			for (y = 0; y < RY; y++)
				for (z = 0; z < RZ; z++) {
					int i = (x * RY + y) * RZ + z;
					int cx = x - RX / 2, cy = y - RY / 2, cz = z - RZ / 2;
					int in = cx >= lo[0] && cx <= hi[0] && cy >= lo[1] &&
					    cy <= hi[1] && cz >= lo[2] && cz <= hi[2];

					if (!in && before[i] != after[i])
						fail_msg("lod %u brush %d (shape %u op %u at %.2f "
						    "%.2f %.2f) changed chunk %d %d %d outside %d..%d "
						    "%d..%d %d..%d", lod, k, b.shape, b.op, b.a[0],
						    b.a[1], b.a[2], cx, cy, cz, lo[0], hi[0], lo[1],
						    hi[1], lo[2], hi[2]);
					changed += before[i] != after[i];
					inside += in;
					before[i] = after[i];
				}
	}
	print_message("# lod %u: %d brushes, %d chunk meshes changed, %d "
	    "reported\n", lod, brushes, changed, inside);
	assert_true(changed > brushes / 4);     /* the brushes did something */
	mp_edits_free(e);
}

static void
test_chunks_exact(void **state)
{
	(void)state;
	chunks_exact_at(0, 80);
	chunks_exact_at(1, 60);
	chunks_exact_at(2, 60);
}

/* --- shapes in the mesh ------------------------------------------------- */

/* Signed volume inside a closed mesh (divergence theorem). */
static double
enclosed(const mp_mesh_buf *m)
{
	double v = 0;
	uint32_t t;

	for (t = 0; t + 2 < m->index_count; t += 3) {
		const float *a = m->positions + 3 * m->indices[t];
		const float *b = m->positions + 3 * m->indices[t + 1];
		const float *c = m->positions + 3 * m->indices[t + 2];

		v += (a[0] * (b[1] * c[2] - b[2] * c[1]) -
		    a[1] * (b[0] * c[2] - b[2] * c[0]) +
		    a[2] * (b[0] * c[1] - b[1] * c[0])) / 6.0;
	}
	return v;
}

/* A sphere dug deep in the ground is a closed cavity of its volume. */
static void
test_dug_sphere_volume(void **state)
{
	static const float radii[] = { 4.0f, 6.5f, 9.0f };
	mp_request r;
	mp_edits *e;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof radii / sizeof radii[0]; k++) {
		mp_brush b = sphere(MP_EDIT_SUBTRACT, 3.3f, -20.0f, -2.7f, radii[k]);
		double v = 0, want = 4.0 / 3.0 * M_PI * pow(radii[k], 3);
		int x, y, z;

		flat_request(&r, 40.0f);        /* ground far above */
		assert_int_equal(mp_edits_new(&e), MP_OK);
		assert_int_equal(mp_edits_add(e, &b), MP_OK);
		for (x = -1; x <= 0; x++)
			for (y = -1; y <= 0; y++)
				for (z = -1; z <= 0; z++) {
					mp_mesh_buf m;

					r.cx = x, r.cy = y, r.cz = z;
					assert_int_equal(mp_mesh_local_edited(&r, e, &m), MP_OK);
					v += enclosed(&m);
					mp_mesh_buf_free(&m);
				}
		print_message("# dug sphere r %.1f: %.1f units^3 enclosed, "
		    "4/3 pi r^3 = %.1f (%.2f%%)\n", radii[k], fabs(v), want,
		    100.0 * (fabs(v) - want) / want);
		assert_true(fabs(fabs(v) - want) < 0.03 * want);
		mp_edits_free(e);
	}
}

/* A box built in the air, lo..hi, inside chunk (0, 0, 0): the mesh spans
 * the box to within tol, and the vertices on its -x and -y faces (two
 * voxels from the box's edges, past the normals' reach) lie in one plane
 * each, with that plane's normal. */
static void
check_built_box(const float lo[3], const float hi[3], float tol)
{
	mp_brush b = box(MP_EDIT_ADD, lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
	float seen[2][2] = { { INFINITY, -INFINITY }, { INFINITY, -INFINITY } };
	mp_request r;
	mp_mesh_buf m;
	mp_edits *e;
	uint32_t v, on_face[2] = { 0, 0 };
	int a;

	flat_request(&r, -40.0f);
	r.cx = r.cy = r.cz = 0;
	assert_int_equal(mp_edits_new(&e), MP_OK);
	assert_int_equal(mp_edits_add(e, &b), MP_OK);
	assert_int_equal(mp_mesh_local_edited(&r, e, &m), MP_OK);
	assert_true(m.vertex_count > 0);
	assert_float_equal(m.aabb_min[0], lo[0], tol);
	assert_float_equal(m.aabb_max[0], hi[0], tol);
	assert_float_equal(m.aabb_min[1], lo[1], tol);
	assert_float_equal(m.aabb_max[1], hi[1], tol);
	assert_float_equal(m.aabb_min[2], lo[2], tol);
	assert_float_equal(m.aabb_max[2], hi[2], tol);
	for (v = 0; v < m.vertex_count; v++) {
		const float *p = m.positions + 3 * v, *n = m.normals + 3 * v;

		for (a = 0; a < 2; a++) {
			int u = 1 - a;

			if (fabsf(p[a] - lo[a]) > tol || p[u] < lo[u] + 2.0f ||
			    p[u] > hi[u] - 2.0f || p[2] < lo[2] + 2.0f ||
			    p[2] > hi[2] - 2.0f)
				continue;
			assert_float_equal(n[a], -1.0f, 1e-3);
			seen[a][0] = fminf(seen[a][0], p[a]);
			seen[a][1] = fmaxf(seen[a][1], p[a]);
			on_face[a]++;
		}
	}
	for (a = 0; a < 2; a++) {
		assert_true(on_face[a] > 20);
		assert_float_equal(seen[a][0], seen[a][1], 1e-5);     /* flat */
	}
	mp_mesh_buf_free(&m);
	mp_edits_free(e);
}

static void
test_built_box_faces(void **state)
{
	static const float lo[3] = { 2.3f, 18.6f, 5.2f };
	static const float hi[3] = { 14.7f, 29.4f, 19.9f };
	static const float lo_lat[3] = { 2.0f, 18.0f, 5.0f };
	static const float hi_lat[3] = { 14.0f, 29.0f, 19.0f };

	(void)state;
	check_built_box(lo, hi, 1e-4f);
	/* Faces on lattice planes put their samples at exactly 0, which is
	 * air: the surface is a vertex clamp inside the box. */
	check_built_box(lo_lat, hi_lat, 1.0f / 32.0f);
}

/* --- the input region's log ------------------------------------------- */

/*
 * Blocks freed out of order, their tickets reused at once while older
 * blocks still hold the log: in a random run against a model of the log
 * (which blocks are live, in the order written), what the log holds is
 * always exactly the oldest live block onward, and an empty log takes a
 * block again.
 */
static void
test_brushlog_reuse(void **state)
{
	enum { CAP = 97, TICKETS = 8, STEPS = 200000 };
	struct brushlog l;
	uint32_t fifo[64], span[64], n = 0, i, live, off;
	int used[TICKETS] = { 0 }, k;
	int ticket_of[64];
	uint8_t freed[64];
	unsigned seed = 5;

	(void)state;
	assert_int_equal(brushlog_init(&l, CAP, TICKETS), 0);
	for (k = 0; k < STEPS; k++) {
		int t = rand_r(&seed) % TICKETS;

		if (!used[t]) {                         /* a request with brushes */
			uint32_t want = 1 + (uint32_t)rand_r(&seed) % 20;
			uint32_t before = l.live;

			if (brushlog_alloc(&l, (uint32_t)t, want, &off) != 0)
				continue;
			assert_true(off + want <= CAP);
			used[t] = 1;
			fifo[n] = (uint32_t)k, span[n] = l.live - before;
			ticket_of[n] = t, freed[n++] = 0;
		} else {                                /* its result is in */
			for (i = 0; i < n && (ticket_of[i] != t || freed[i]); i++)
				;
			assert_true(i < n);
			freed[i] = 1;
			used[t] = 0;
			brushlog_release(&l, (uint32_t)t);
			while (n > 0 && freed[0]) {     /* the model takes back */
				memmove(fifo, fifo + 1, (n - 1) * sizeof *fifo);
				memmove(span, span + 1, (n - 1) * sizeof *span);
				memmove(ticket_of, ticket_of + 1,
				    (n - 1) * sizeof *ticket_of);
				memmove(freed, freed + 1, --n);
			}
		}
		for (live = 0, i = 0; i < n; i++)
			live += span[i];
		assert_int_equal(l.live, live);
	}
	for (k = 0; k < TICKETS; k++)
		if (used[k])
			brushlog_release(&l, (uint32_t)k);
	assert_int_equal(l.live, 0);
	assert_int_equal(brushlog_alloc(&l, 0, CAP, &off), 0);
	brushlog_free(&l);
}

/* Poll one result (waiting for it), release it: its user_data. */
static uint64_t
poll_one(mp_client *c)
{
	mp_result res;

	while (mp_poll(c, &res, 1) != 1)
		assert_int_equal(mp_wait(c, 10000), MP_OK);
	assert_int_equal(res.status, MP_OK);
	mp_release(c, &res);
	return res.user_data;
}

/* Through the daemon: edited requests finish out of order (one worker busy
 * with lane 3 while lanes 2 and 0 wait; lane 0 goes first) and the
 * youngest's ticket is reused at once, while older brush blocks still wait.
 * Thousands of edited round trips later, nothing is jammed. */
static void
test_edited_out_of_order(void **state)
{
	static const uint8_t lanes[3] = { 3, 2, 0 };
	mp_brush b = sphere(MP_EDIT_SUBTRACT, 16, 0, 16, 3);
	struct daemon d;
	mp_client *c;
	mp_edits *e;
	mp_request r;
	int i, first_out = -1;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	assert_int_equal(mp_edits_new(&e), MP_OK);
	assert_int_equal(mp_edits_add(e, &b), MP_OK);
	mp_request_init(&r);
	r.cy = -1;
	for (i = 0; i < 3; i++) {
		r.priority = lanes[i];
		r.user_data = (uint64_t)i;
		assert_int_equal(mp_submit_edited(c, &r, e), MP_OK);
	}
	first_out = (int)poll_one(c);
	r.user_data = 3;
	assert_int_equal(mp_submit_edited(c, &r, e), MP_OK);
	for (i = 0; i < 3; i++)
		poll_one(c);
	print_message("# first out: lane %u of 3, 2, 0\n", lanes[first_out % 3]);
	for (i = 0; i < 4000; i++) {
		r.user_data = 100 + (uint64_t)i;
		assert_int_equal(mp_submit_edited(c, &r, e), MP_OK);
		poll_one(c);
	}
	assert_int_equal(mp_pending(c), 0);
	mp_disconnect(c);
	mp_edits_free(e);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* --- materials ------------------------------------------------------------ */

/* Position -> material of every vertex of the meshes added, to compare
 * the two sides of a seam (a small open-addressing table). */
struct matmap {
	float   pos[1 << 16][3];
	uint8_t mat[1 << 16];
	uint8_t used[1 << 16];
	int     shared, clashes;
};

static void
matmap_add(struct matmap *mm, const mp_mesh_buf *m)
{
	uint32_t v;

	for (v = 0; v < m->vertex_count; v++) {
		const float *p = m->positions + 3 * v;
		uint32_t h;

		memcpy(&h, &p[0], 4);
		h ^= (uint32_t)(p[1] * 7919.0f) ^ (uint32_t)(p[2] * 104729.0f);
		h = (h * 2654435761u) >> 16;
		while (mm->used[h] && memcmp(mm->pos[h], p, 12) != 0)
			h = (h + 1) & 0xffff;
		if (mm->used[h]) {
			mm->shared++;
			mm->clashes += mm->mat[h] != m->materials[v];
		} else {
			memcpy(mm->pos[h], p, 12);
			mm->mat[h] = m->materials[v];
			mm->used[h] = 1;
		}
	}
}

static float
dist3(const float *p, const float *c)
{
	return sqrtf((p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) *
	    (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]));
}

/*
 * A sphere of material 7 built on flat ground across a chunk seam and, on
 * the other side, an LOD seam; a painted box (material 5) with a hole dug
 * in it.  Every vertex has the material of the solid it bounds, and the two
 * sides of every seam give a shared vertex the same material.
 */
static void
test_materials(void **state)
{
	static const float c[3] = { 32.0f, 2.0f, 16.0f };
	mp_brush ball = sphere(MP_EDIT_ADD, c[0], c[1], c[2], 6.0f);
	mp_brush paint = box(MP_EDIT_PAINT, 4.0f, -4.0f, 4.0f, 20.0f, 3.0f, 28.0f);
	mp_brush hole = sphere(MP_EDIT_SUBTRACT, 8.0f, 0.0f, 16.0f, 2.5f);
	struct matmap *mm = calloc(1, sizeof *mm);
	int x, y, seen[3] = { 0, 0, 0 };
	mp_request r;
	mp_edits *e;

	(void)state;
	assert_non_null(mm);
	ball.material = 7;
	assert_int_equal(mp_edits_new(&e), MP_OK);
	assert_int_equal(mp_edits_add(e, &ball), MP_OK);
	assert_int_equal(mp_edits_add(e, &paint), MP_OK);
	assert_int_equal(mp_edits_add(e, &hole), MP_OK);
	/* LOD 0 chunks x 0..1 (the ball sits on their seam at x = 32), and the
	 * LOD 1 chunk beyond, x 64..128, with a transition face toward them. */
	flat_request(&r, 0.0f);
	for (x = 0; x < 3; x++)
		for (y = -1; y <= 0; y++) {
			mp_mesh_buf m;
			uint32_t v;

			r.lod = x == 2 ? 1 : 0;
			r.cx = x == 2 ? 1 : x, r.cy = y, r.cz = 0;
			r.transitions = x == 2 ? MP_TRANS_NX : 0;
			assert_int_equal(mp_mesh_local_edited(&r, e, &m), MP_OK);
			for (v = 0; v < m.vertex_count; v++) {
				const float *p = m.positions + 3 * v;
				uint8_t want = 0;

				if (dist3(p, c) < 6.5f && p[1] > 0.3f)
					want = 7;           /* the ball, above the ground */
				else if (p[0] > 4.5f && p[0] < 19.5f && p[2] > 4.5f &&
				    p[2] < 27.5f && (dist3(p, c) > 7.5f || p[1] < 0.3f))
					want = 5;           /* painted ground, and the hole */
				else if (dist3(p, c) < 7.5f)
					continue;           /* where ball meets ground */
				else if (p[0] > 3.5f && p[0] < 20.5f && p[2] > 3.5f &&
				    p[2] < 28.5f)
					continue;           /* the paint's edge */
				if (m.materials[v] != want)
					fail_msg("vertex (%.2f %.2f %.2f): material %u, want %u",
					    p[0], p[1], p[2], m.materials[v], want);
				seen[want == 7 ? 2 : want == 5 ? 1 : 0]++;
			}
			matmap_add(mm, &m);
			mp_mesh_buf_free(&m);
		}
	print_message("# %d base, %d painted, %d built vertices; %d shared on "
	    "seams\n", seen[0], seen[1], seen[2], mm->shared);
	assert_true(seen[0] > 100 && seen[1] > 100 && seen[2] > 50);
	assert_true(mm->shared > 20);
	assert_int_equal(mm->clashes, 0);
	mp_edits_free(e);
	free(mm);
}

/* --- sampling and rays -------------------------------------------------- */

static void
test_sample_and_ray(void **state)
{
	mp_request r;
	mp_edits *e;
	mp_brush b = sphere(MP_EDIT_ADD, 0.0f, 20.0f, 0.0f, 5.0f);
	float from[3] = { -30.0f, 20.0f, 0.3f }, dir[3] = { 2.0f, 0.0f, 0.0f };
	float down[3] = { 0.0f, -1.0f, 0.0f }, hit[3];

	(void)state;
	flat_request(&r, 3.0f);
	assert_int_equal(mp_edits_new(&e), MP_OK);
	assert_float_equal(mp_edits_sample(e, &r.field, 7, 10, 7), 7.0f, 1e-5);
	assert_true(mp_edits_sample(e, &r.field, 7, 1, 7) < 0);
	/* Straight down onto the ground. */
	from[1] = 50.0f;
	assert_int_equal(mp_edits_raycast(e, &r.field, from, down, 100, hit), MP_OK);
	assert_float_equal(hit[1], 3.0f, 1e-3);
	from[1] = 20.0f;
	assert_int_equal(mp_edits_raycast(e, &r.field, from, dir, 60, hit),
	    MP_ENOENT);                 /* level flight over flat ground */
	assert_int_equal(mp_edits_add(e, &b), MP_OK);
	assert_true(mp_edits_sample(e, &r.field, 0, 20, 0) < 0);
	assert_int_equal(mp_edits_raycast(e, &r.field, from, dir, 60, hit), MP_OK);
	assert_float_equal(hit[0], -sqrtf(25.0f - 0.09f), 1e-3);  /* its side */
	assert_int_equal(mp_edits_raycast(e, &r.field, from, dir, 20, hit),
	    MP_ENOENT);                 /* not that far */
	mp_edits_free(e);
}

/* --- the file ------------------------------------------------------------ */

static mp_edits *
some_edits(int n, unsigned seed)
{
	mp_edits *e;
	int i;

	assert_int_equal(mp_edits_new(&e), MP_OK);
	for (i = 0; i < n; i++) {
		mp_brush b = random_brush(&seed, 100.0f);

		assert_int_equal(mp_edits_add(e, &b), MP_OK);
	}
	return e;
}

/* mp_edits_sample through the index is every brush applied in order, at
 * any point (the mixed big and small brushes of a random set too). */
static void
test_sample_is_all_brushes(void **state)
{
	mp_edits *e;
	mp_brush all[400];
	mp_request r;
	unsigned seed = 77;
	int i, k;

	(void)state;
	assert_int_equal(mp_edits_new(&e), MP_OK);
	for (i = 0; i < 400; i++) {
		all[i] = random_brush(&seed, 60.0f);
		if (i % 50 == 0)                /* a few that span the world */
			all[i] = box(all[i].op, -500, -1 - i % 7, -500, 500, 1, 500);
		assert_int_equal(mp_edits_add(e, &all[i]), MP_OK);
	}
	flat_request(&r, 2.0f);
	for (k = 0; k < 5000; k++) {
		float p[3], want;

		for (i = 0; i < 3; i++)
			p[i] = (float)(rand_r(&seed) % 16000) / 100.0f - 80.0f;
		want = p[1] - 2.0f;
		for (i = 0; i < 400; i++) {
			struct brush_prep bp;

			brush_prepare(&all[i], &bp);
			brush_apply(&bp, p[0], p[1], p[2], &want, NULL);
		}
		assert_float_equal(mp_edits_sample(e, &r.field, p[0], p[1], p[2]),
		    want, 0.0f);
	}
	mp_edits_free(e);
}

static long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void
flip_byte(const char *path, long at)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

static void
test_save_and_load(void **state)
{
	const char *path = "test-edits.mpe";
	mp_edits *e = some_edits(500, 7), *back;
	mp_request r;
	mp_mesh_buf a, b;
	long size;
	int i;

	(void)state;
	assert_int_equal(mp_edits_save(e, path), MP_OK);
	assert_int_equal(mp_edits_load(path, &back), MP_OK);
	assert_int_equal(mp_edits_count(back), 500);
	/* The same world: the same meshes. */
	mp_request_init(&r);
	for (i = -2; i < 2; i++) {
		r.cx = i, r.cy = -1;
		assert_int_equal(mp_mesh_local_edited(&r, e, &a), MP_OK);
		assert_int_equal(mp_mesh_local_edited(&r, back, &b), MP_OK);
		assert_int_equal(hash_buf(&a), hash_buf(&b));
		mp_mesh_buf_free(&a);
		mp_mesh_buf_free(&b);
	}
	mp_edits_free(back);
	/* Damaged: every single bit flip of a sample of bytes, truncation,
	 * and a foreign file are refused, and nothing comes back. */
	size = file_size(path);
	for (i = 0; i < 64; i++) {
		long at = (long)((unsigned long)i * 2654435761u % (unsigned long)size);

		flip_byte(path, at);
		back = (mp_edits *)1;
		assert_int_equal(mp_edits_load(path, &back), MP_EPROTO);
		assert_null(back);
		flip_byte(path, at);
	}
	assert_int_equal(truncate(path, size - 1), 0);
	assert_int_equal(mp_edits_load(path, &back), MP_EPROTO);
	assert_int_equal(truncate(path, 10), 0);
	assert_int_equal(mp_edits_load(path, &back), MP_EPROTO);
	assert_int_equal(mp_edits_load("/etc/passwd", &back), MP_EPROTO);
	assert_int_equal(mp_edits_load("no-such-file.mpe", &back), MP_EIO);
	unlink(path);
	mp_edits_free(e);
}

/* A process saving again and again, killed at random moments: the file is
 * always the old set or the new one, whole. */
static void
test_kill_during_save(void **state)
{
	const char *path = "test-edits-kill.mpe";
	mp_edits *small = some_edits(10, 1), *big = some_edits(40000, 2), *back;
	unsigned seed = 99;
	int round, st, olds = 0, news = 0;

	(void)state;
	assert_int_equal(mp_edits_save(small, path), MP_OK);
	for (round = 0; round < 20; round++) {
		pid_t pid = fork();

		if (pid == 0) {
			for (;;) {
				mp_edits_save(big, path);
				mp_edits_save(small, path);
			}
		}
		usleep(1000 + (useconds_t)(rand_r(&seed) % 20000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_int_equal(mp_edits_load(path, &back), MP_OK);
		assert_true(mp_edits_count(back) == 10 || mp_edits_count(back) == 40000);
		olds += mp_edits_count(back) == 10;
		news += mp_edits_count(back) == 40000;
		mp_edits_free(back);
	}
	print_message("# 20 kills in a save loop: %d small sets, %d large, none "
	    "damaged\n", olds, news);
	if (system("rm -f test-edits-kill.mpe.tmp.*") != 0)
		fail_msg("cannot remove the temporary files");
	unlink(path);
	mp_edits_free(small);
	mp_edits_free(big);
}

/* --- through the daemon --------------------------------------------------- */

static void
test_daemon_edits_bit_identical(void **state)
{
	struct daemon d;
	mp_client *c;
	mp_edits *e = some_edits(300, 11);
	mp_request r[64];
	mp_result res[64];
	int i, got = 0, n;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	for (i = 0; i < 64; i++) {
		mp_request_init(&r[i]);
		r[i].user_data = (uint64_t)i;
		r[i].cx = i % 8 - 4, r[i].cz = i / 8 - 4, r[i].cy = i % 2 - 1;
		if (i % 4 == 3) {       /* transition cells, shifts, fold flips */
			r[i].lod = 1;
			r[i].cx /= 2, r[i].cz /= 2;
			r[i].transitions = (uint8_t)(MP_TRANS_NX << (i / 4 % 6));
			r[i].edges = (uint16_t)((0x9a5u * (unsigned)i) & 0xfffu);
			r[i].corners = (uint8_t)(i * 37);
			assert_null(mp_request_problem(&r[i]));
		}
		assert_int_equal(mp_submit_edited(c, &r[i], e), MP_OK);
	}
	while (got < 64) {
		assert_int_equal(mp_wait(c, 10000), MP_OK);
		assert_true((n = mp_poll(c, res, 64)) >= 0);
		for (i = 0; i < n; i++) {
			mp_mesh_buf b;
			mp_mesh_view v;

			assert_int_equal(res[i].status, MP_OK);
			assert_int_equal(mp_mesh_local_edited(&r[res[i].user_data], e,
			    &b), MP_OK);
			assert_int_equal(mp_mesh(c, &res[i], &v), MP_OK);
			assert_int_equal(v.vertex_count, b.vertex_count);
			assert_int_equal(v.index_count, b.index_count);
			if (b.vertex_count > 0) {
				assert_memory_equal(v.positions, b.positions,
				    (size_t)b.vertex_count * 12);
				assert_memory_equal(v.normals, b.normals,
				    (size_t)b.vertex_count * 12);
				assert_memory_equal(v.indices, b.indices,
				    (size_t)b.index_count * 4);
				assert_memory_equal(v.materials, b.materials,
				    b.vertex_count);
			}
			mp_mesh_buf_free(&b);
			mp_release(c, &res[i]);
		}
		got += n;
	}
	mp_disconnect(c);
	mp_edits_free(e);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

#define FI_CRASH_SEED 0xfa11deadu  /* tests/meshpoold-fi: kills its worker */

/* Groups: every member in one mp_poll call, never split, even when other
 * results come in between; a group whose member kills its workers still
 * completes, with that member's error (a fault-injecting daemon). */
static void
test_groups_come_whole(void **state)
{
	struct daemon d;
	mp_client *c;
	mp_edits *e = some_edits(50, 3);
	mp_request g[12], plain;
	mp_result res[64];
	int i, round, n, seen_group, failed = 0;

	(void)state;
	assert_int_equal(daemon_start_bin(&d, "tests/meshpoold-fi", 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 12; i++) {
			mp_request_init(&g[i]);
			g[i].user_data = 1000 + (uint64_t)i;
			g[i].cx = i % 4, g[i].cz = i / 4, g[i].cy = -1;
			g[i].priority = (uint8_t)(i % 4);
		}
		if (round % 5 == 0)
			g[5].field.seed = FI_CRASH_SEED;
		assert_int_equal(mp_submit_group(c, g, 12, e), MP_OK);
		mp_request_init(&plain);
		plain.user_data = 7;
		assert_int_equal(mp_submit(c, &plain), MP_OK);
		seen_group = 0;
		while (seen_group == 0 || mp_pending(c) > 0) {
			int members = 0;

			if ((n = mp_poll(c, res, 64)) == 0) {
				assert_int_equal(mp_wait(c, 10000), MP_OK);
				continue;
			}
			for (i = 0; i < n; i++) {
				members += res[i].user_data >= 1000;
				if (res[i].status != MP_OK) {
					assert_int_equal(res[i].status, MP_EWORKER);
					assert_int_equal(res[i].user_data, 1005);
					failed++;
				}
				mp_release(c, &res[i]);
			}
			assert_true(members == 0 || members == 12);     /* whole */
			seen_group += members;
		}
		assert_int_equal(seen_group, 12);
	}
	assert_int_equal(failed, 4);
	/* Too small a poll never splits a group: it waits for room. */
	for (i = 0; i < 12; i++)
		g[i].user_data = 2000 + (uint64_t)i, g[i].field.seed = 42;
	assert_int_equal(mp_submit_group(c, g, 12, NULL), MP_OK);
	assert_int_equal(mp_drain(c, 10000), MP_OK);
	assert_int_equal(mp_poll(c, res, 11), 0);
	/* The poll took them in and holds them: there is still something to
	 * poll, and nothing left to drain. */
	assert_int_equal(mp_wait(c, 10000), MP_OK);
	assert_int_equal(mp_drain(c, 10000), MP_OK);
	assert_int_equal(mp_poll(c, res, 12), 12);
	for (i = 0; i < 12; i++)
		mp_release(c, &res[i]);
	/* Members polled while the group is still short: held, and mp_drain
	 * still sees when the last one is in. */
	for (i = 0; i < 12; i++)
		g[i].user_data = 3000 + (uint64_t)i;
	assert_int_equal(mp_submit_group(c, g, 12, NULL), MP_OK);
	assert_int_equal(mp_wait(c, 10000), MP_OK);      /* one is in... */
	assert_int_equal(mp_poll(c, res, 11), 0);        /* ...and held */
	assert_int_equal(mp_drain(c, 10000), MP_OK);
	assert_int_equal(mp_poll(c, res, 12), 12);
	for (i = 0; i < 12; i++)
		mp_release(c, &res[i]);
	/* All or none: more than can ever be in flight is refused whole, and
	 * so is a group with one invalid member. */
	{
		static mp_request many[1100];

		for (i = 0; i < 1100; i++)
			mp_request_init(&many[i]);
		assert_int_equal(mp_submit_group(c, many, 1100, NULL), MP_EINVAL);
		many[3].cells = 3;
		assert_int_equal(mp_submit_group(c, many, 8, NULL), MP_EINVAL);
		/* More in one lane than it holds (256) could never go: not
		 * MP_EAGAIN, which would have the host retry for ever. */
		many[3].cells = 0;
		assert_int_equal(mp_submit_group(c, many, 300, NULL), MP_EINVAL);
		assert_int_equal(mp_pending(c), 0);
	}
	mp_disconnect(c);
	mp_edits_free(e);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A client that writes brush data by hand: impossible places and counts,
 * and brushes that break every rule.  Each such request completes with
 * MP_EINVAL; no worker dies; a good client sharing the daemon gets its
 * edited meshes, right. */
static void
test_hostile_brush_data(void **state)
{
	struct daemon d;
	struct raw_client rc;
	mp_client *good;
	mp_edits *e = some_edits(20, 5);
	mp_request r;
	mp_result res[16];
	char line[256], st[16384];
	mp_brush *region;
	uint32_t i, k, got = 0;
	static const struct { uint32_t off, n; } places[] = {
		{ 0, 1 }, { UINT32_MAX, 1 }, { CSEG_BRUSHES - 1, 2 },
		{ 0, MP_MAX_BRUSHES + 1 }, { 5, UINT32_MAX }, { 0, 3 },
	};
	enum { NPLACES = sizeof places / sizeof places[0] };

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &good), MP_OK);
	assert_int_equal(raw_register(&d, MP_ABI, line, sizeof line, &rc), 1);
	region = cseg_brushes(&rc.p.seg);
	for (i = 0; i < 3; i++)                 /* three invalid brushes */
		region[i] = sphere(MP_EDIT_ADD, 0, 0, 0, 1);
	region[0].op = 77;
	region[1].radius = NAN;
	region[2].shape = MP_BRUSH_BOX;         /* a > b */
	for (i = 0; i < NPLACES; i++) {
		const struct ring_view *lane = &rc.p.lane[0];
		struct wire_side *side = cseg_side(&rc.p.seg, 0, ring_tail(lane));

		mp_request_init(&r);
		r.user_data = 500 + i;
		side->ticket = UINT32_MAX;
		side->brush_off = places[i].off;
		side->brushes = places[i].n;
		assert_int_equal(ring_push(lane, &r), RING_OK);
	}
	atomic_fetch_add(&rc.p.seg.h->doorbell, 1);
	futex_wake(&rc.p.seg.h->doorbell, 1);
	while (got < NPLACES && port_wait(&rc.p, 10000))
		for (k = (uint32_t)port_poll(&rc.p, res, 16); k > 0; k--, got++)
			assert_int_equal(res[k - 1].status, MP_EINVAL);
	assert_int_equal(got, NPLACES);
	/* The good client, meanwhile and after. */
	mp_request_init(&r);
	r.cy = -1;
	assert_int_equal(mp_submit_edited(good, &r, e), MP_OK);
	assert_int_equal(mp_wait(good, 10000), MP_OK);
	assert_int_equal(mp_poll(good, res, 16), 1);
	assert_int_equal(res[0].status, MP_OK);
	mp_release(good, &res[0]);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "worker_restarts"), 0);
	raw_close(&rc);
	mp_disconnect(good);
	mp_edits_free(e);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brush_checks),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_rows_agree),
		cmocka_unit_test(test_touching),
		cmocka_unit_test(test_chunks_exact),
		cmocka_unit_test(test_dug_sphere_volume),
		cmocka_unit_test(test_built_box_faces),
		cmocka_unit_test(test_materials),
		cmocka_unit_test(test_brushlog_reuse),
		cmocka_unit_test(test_edited_out_of_order),
		cmocka_unit_test(test_sample_and_ray),
		cmocka_unit_test(test_sample_is_all_brushes),
		cmocka_unit_test(test_save_and_load),
		cmocka_unit_test(test_kill_during_save),
		cmocka_unit_test(test_daemon_edits_bit_identical),
		cmocka_unit_test(test_groups_come_whole),
		cmocka_unit_test(test_hostile_brush_data),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
