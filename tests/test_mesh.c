/*
 * test_mesh.c - properties of single chunks and small blocks: closed
 * surfaces, exact projected area, vertices on the isosurface, unit normals
 * facing the air, vertex reuse, determinism, empty chunks, LOD scaling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "field_edits.h"
#include "field_noise.h"
#include "mesh.h"
#include "meshcheck.h"
#include "request.h"
#include "testfield.h"

static struct tv_chunk
chunk(int64_t x, int64_t y, int64_t z, int cells, int lod, unsigned trans)
{
	struct tv_chunk c;
	int64_t span = (int64_t)cells << lod;

	c.g0[0] = x * span, c.g0[1] = y * span, c.g0[2] = z * span;
	c.cells = cells, c.lod = lod, c.transitions = trans, c.voxel = 1.0f;
	c.edges = 0;
	c.corners = 0;
	return c;
}

static void
test_sphere_one_chunk_closed(void **state)
{
	struct sphere sp = { { 16.2f, 15.9f, 16.4f }, 10.3f, 0 };
	struct field f = sphere_as_field(&sp);
	struct tv_chunk c = chunk(0, 0, 0, 32, 0, 0);
	struct mc_edge_report r;
	struct mc_mesh m;
	double v, exact = 4.0 / 3.0 * M_PI * 10.3 * 10.3 * 10.3;

	(void)state;
	mc_init(&m);
	assert_true(mesh_chunk_into(&m, scr, &f, &c) > 100);
	mc_check_edges(&m, NULL, NULL, 0, &r);
	assert_int_equal(r.bad_count, 0);
	assert_int_equal(r.bad_orientation, 0);
	assert_int_equal(mc_euler(&m), 2);
	assert_int_equal(mc_components(&m), 1);
	v = mc_volume(&m);
	assert_true(v > 0.98 * exact && v < 1.01 * exact);
	assert_int_equal(mc_count_misoriented(&m, 1e-6), 0);
	mc_free(&m);
}

/* A sphere cut by eight LOD 0 chunks and by eight LOD 1 chunks. */
static void
test_sphere_across_chunks(void **state)
{
	struct sphere sp = { { 0.3f, -0.2f, 0.1f }, 9.7f, 0 };
	struct field f = sphere_as_field(&sp);
	int lod;

	(void)state;
	for (lod = 0; lod <= 1; lod++) {
		struct mc_edge_report r;
		struct mc_mesh m;
		int x, y, z;

		mc_init(&m);
		for (z = -1; z <= 0; z++)
			for (y = -1; y <= 0; y++)
				for (x = -1; x <= 0; x++) {
					struct tv_chunk c = chunk(x, y, z, 16, lod, 0);

					assert_true(mesh_chunk_into(&m, scr, &f, &c) > 0);
				}
		mc_check_edges(&m, NULL, NULL, 0, &r);
		assert_int_equal(r.bad_count, 0);
		assert_int_equal(r.bad_orientation, 0);
		assert_int_equal(mc_euler(&m), 2);
		mc_free(&m);
	}
}

/* Mesh a block of seed-workload chunks through the public request path. */
static void
mesh_requests(struct mc_mesh *m, uint32_t kind, int lod, int cells, int r0,
    int r1, int y0, int y1)
{
	int x, y, z;

	for (z = r0; z < r1; z++)
		for (y = y0; y < y1; y++)
			for (x = r0; x < r1; x++) {
				mp_request rq;
				mp_mesh_buf b;

				test_request(&rq, kind);
				rq.cx = x, rq.cy = y, rq.cz = z;
				rq.lod = (uint8_t)lod, rq.cells = (uint8_t)cells;
				assert_int_equal(mp_mesh_local(&rq, &b), 0);
				mc_add(m, b.positions, b.normals, b.vertex_count,
				    b.indices, b.index_count);
				mp_mesh_buf_free(&b);
			}
}

/* A heightmap is a graph over XZ: its projection covers the block exactly
 * once, no holes (area short) and no folds (signed != absolute). */
static void
test_heightmap_area_exact(void **state)
{
	int lod;

	(void)state;
	for (lod = 0; lod <= 2; lod++) {
		struct mc_mesh m;
		double sa, aa, side = 4.0 * 16.0 * (1 << lod);

		mc_init(&m);
		mesh_requests(&m, MP_FIELD_HEIGHTMAP, lod, 16, -2, 2,
		    lod ? -1 : -1, 1);
		mc_xz_area(&m, &sa, &aa);
		assert_true(fabs(sa - side * side) < 1e-3 * side * side);
		assert_true(fabs(aa - sa) < 1e-6 * side * side);
		mc_free(&m);
	}
}

static void
test_block_edges_closed(void **state)
{
	uint32_t kinds[2] = { MP_FIELD_HEIGHTMAP, MP_FIELD_VOLUME };
	int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		struct mc_edge_report r;
		struct mc_mesh m;
		float lo[3] = { -32, -32, -32 }, hi[3] = { 32, 32, 32 };

		mc_init(&m);
		mesh_requests(&m, kinds[k], 0, 16, -2, 2, -2, 2);
		mc_check_edges(&m, lo, hi, 1e-4f, &r);
		assert_int_equal(r.bad_count, 0);
		assert_int_equal(r.bad_orientation, 0);
		assert_true(r.edges > 1000);
		mc_free(&m);
	}
}

/* Volume fields make overhangs: some triangles face down. */
static void
test_volume_has_overhangs(void **state)
{
	mp_request rq;
	mp_mesh_buf b;
	uint32_t v, down = 0;

	(void)state;
	test_request(&rq, MP_FIELD_VOLUME);
	rq.field.frequency = 0.08f;
	rq.field.amplitude = 20.0f;
	assert_int_equal(mp_mesh_local(&rq, &b), 0);
	assert_true(b.vertex_count > 0);
	for (v = 0; v < b.vertex_count; v++)
		down += b.normals[3 * v + 1] < -0.2f;
	assert_true(down > 10);
	mp_mesh_buf_free(&b);
}

/* Every vertex lies on the surface (to interpolation error) and has a unit
 * normal; the geometric normal of every triangle agrees with its vertices'. */
static void
test_vertices_on_surface_sphere(void **state)
{
	struct sphere sp = { { 10.5f, 11.25f, 9.75f }, 7.3f, 0 };
	struct field f = sphere_as_field(&sp);
	struct tv_chunk c = chunk(0, 0, 0, 24, 0, 0);
	struct mesh out;
	uint32_t v;
	double mean = 0;

	(void)state;
	mesh_init(&out);
	assert_int_equal(tv_extract(&c, &f, scr, &out), 0);
	assert_true(out.nv > 100);
	for (v = 0; v < out.nv; v++) {
		const float *p = out.pos + 3 * v, *n = out.nrm + 3 * v;
		float len = sqrtf(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
		float radial[3] = { p[0] - sp.c[0], p[1] - sp.c[1], p[2] - sp.c[2] };
		float dot = (radial[0] * n[0] + radial[1] * n[1] +
		    radial[2] * n[2]) / (sp.r);

		/* On the surface, or out from it by the chord correction
		 * (transvoxel.c, CURVE_K: about 0.13 * 2 / r here). */
		assert_true(sphere_density(&sp, p) > -0.01f);
		assert_true(sphere_density(&sp, p) < 0.06f);
		mean += sphere_density(&sp, p);
		assert_true(fabsf(len - 1.0f) < 1e-5f);
		assert_true(dot > 0.95f);      /* outward, towards air */
	}
	/* Out into the air, so the chords between vertices are not inside. */
	assert_true(mean / out.nv > 0.01);
	mesh_free(&out);
}

static void
test_vertices_on_surface_heightmap(void **state)
{
	mp_request rq;
	mp_mesh_buf b;
	struct noise_field nf;
	uint32_t v;
	float worst = 0;

	(void)state;
	test_request(&rq, MP_FIELD_HEIGHTMAP);
	rq.cy = -1;
	assert_int_equal(mp_mesh_local(&rq, &b), 0);
	assert_true(b.vertex_count > 500);
	noise_field_init(&nf, &rq.field);
	for (v = 0; v < b.vertex_count; v++) {
		const float *p = b.positions + 3 * v, *n = b.normals + 3 * v;
		float h = nf.offset + nf.amplitude * fbm2(&nf.fbm, p[0], p[2]);
		float len = sqrtf(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);

		if (fabsf(p[1] - h) > worst)
			worst = fabsf(p[1] - h);
		assert_true(fabsf(len - 1.0f) < 1e-5f);
		assert_true(n[1] > 0.0f);       /* a heightmap's air is above */
	}
	assert_true(worst < 0.1f);
	mp_mesh_buf_free(&b);
}

static void
test_triangles_face_outward(void **state)
{
	struct mc_mesh m;

	(void)state;
	mc_init(&m);
	mesh_requests(&m, MP_FIELD_VOLUME, 0, 32, 0, 1, -1, 1);
	assert_true(m.nt > 1000);
	assert_int_equal(mc_count_misoriented(&m, 1e-4), 0);
	mc_free(&m);
}

/* Indexed mesh: each position appears once per chunk, indices in range,
 * AABB holds every vertex and stays inside the chunk. */
static void
test_indexed_and_bounded(void **state)
{
	mp_request rq;
	mp_mesh_buf b;
	struct mc_mesh m;
	uint32_t i;
	int a, lod;

	(void)state;
	for (lod = 0; lod <= 2; lod++) {
		float lo, hi;

		test_request(&rq, MP_FIELD_VOLUME);
		rq.lod = (uint8_t)lod;
		rq.cy = -1;
		rq.transitions = lod ? MP_TRANS_NX | MP_TRANS_PZ : 0;
		assert_int_equal(mp_mesh_local(&rq, &b), 0);
		assert_true(b.vertex_count > 0);
		assert_int_equal(b.index_count % 3, 0);
		for (i = 0; i < b.index_count; i++)
			assert_true(b.indices[i] < b.vertex_count);
		mc_init(&m);
		mc_add(&m, b.positions, b.normals, b.vertex_count, b.indices,
		    b.index_count);
		assert_int_equal(m.nv, b.vertex_count);   /* no duplicates */
		mc_free(&m);
		for (i = 0; i < b.vertex_count; i++)
			for (a = 0; a < 3; a++) {
				assert_true(b.positions[3 * i + a] >= b.aabb_min[a]);
				assert_true(b.positions[3 * i + a] <= b.aabb_max[a]);
			}
		lo = 0.0f, hi = 32.0f * (float)(1 << lod);
		assert_true(b.aabb_min[0] >= lo && b.aabb_max[0] <= hi);
		assert_true(b.aabb_min[2] >= lo && b.aabb_max[2] <= hi);
		/* A heightmap-like band crosses the whole chunk: spans it in X. */
		assert_true(b.aabb_max[0] - b.aabb_min[0] > 0.9f * hi);
		mp_mesh_buf_free(&b);
	}
}

static void
mesh_bytes_equal(const mp_mesh_buf *a, const mp_mesh_buf *b)
{
	assert_int_equal(a->vertex_count, b->vertex_count);
	assert_int_equal(a->index_count, b->index_count);
	assert_memory_equal(a->positions, b->positions,
	    a->vertex_count * 3 * sizeof(float));
	assert_memory_equal(a->normals, b->normals,
	    a->vertex_count * 3 * sizeof(float));
	assert_memory_equal(a->indices, b->indices,
	    a->index_count * sizeof(uint32_t));
	assert_memory_equal(a->aabb_min, b->aabb_min, sizeof a->aabb_min);
	assert_memory_equal(a->aabb_max, b->aabb_max, sizeof a->aabb_max);
}

static void *
mesh_in_thread(void *arg)
{
	mp_request *rq = arg;
	mp_mesh_buf *b = malloc(sizeof *b);

	if (b && mp_mesh_local(rq, b) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

/* Same request: same bits, again, after other chunks, and in a new thread
 * (fresh scratch), which is how different workers would see it. */
static void
test_deterministic(void **state)
{
	mp_request rq, other;
	mp_mesh_buf a, b, c, *t;
	pthread_t th;
	int k;

	(void)state;
	for (k = 0; k < 3; k++) {
		test_request(&rq, k == 1 ? MP_FIELD_VOLUME : MP_FIELD_HEIGHTMAP);
		rq.cx = 3 - k, rq.cz = -2, rq.cy = k == 2 ? 0 : -1;
		rq.lod = (uint8_t)k;
		rq.transitions = k ? 0x3f : 0;
		assert_int_equal(mp_mesh_local(&rq, &a), 0);
		test_request(&other, MP_FIELD_VOLUME);
		other.cells = 48;
		assert_int_equal(mp_mesh_local(&other, &c), 0);
		mp_mesh_buf_free(&c);
		assert_int_equal(mp_mesh_local(&rq, &b), 0);
		mesh_bytes_equal(&a, &b);
		assert_int_equal(pthread_create(&th, NULL, mesh_in_thread, &rq), 0);
		assert_int_equal(pthread_join(th, (void **)&t), 0);
		assert_non_null(t);
		mesh_bytes_equal(&a, t);
		mp_mesh_buf_free(t);
		free(t);
		mp_mesh_buf_free(&a);
		mp_mesh_buf_free(&b);
	}
}

/* Far above or below the terrain band: empty, decided from the field's bound
 * without sampling a single point. */
static void
test_empty_by_bound(void **state)
{
	struct sphere sp = { { 0, 0, 0 }, 5.0f, 0 };
	struct field f = sphere_as_field(&sp);
	struct tv_chunk c = chunk(3, 0, 0, 32, 0, 0);
	struct mesh out;
	mp_request rq;
	mp_mesh_buf b;
	int y;

	(void)state;
	mesh_init(&out);
	assert_int_equal(tv_extract(&c, &f, scr, &out), 0);
	assert_int_equal(out.nv, 0);
	assert_int_equal(sp.fills, 0);
	mesh_free(&out);
	for (y = -6; y <= 6; y += 12) {
		test_request(&rq, y > 0 ? MP_FIELD_VOLUME : MP_FIELD_HEIGHTMAP);
		rq.cy = y;
		rq.lod = 1;
		rq.transitions = 0x3f;
		assert_int_equal(mp_mesh_local(&rq, &b), 0);
		assert_int_equal(b.vertex_count, 0);
		assert_int_equal(b.index_count, 0);
		assert_null(b.positions);
		assert_null(b.indices);
		assert_true(b.aabb_min[0] == 0.0f && b.aabb_max[1] == 0.0f);
	}
}

/* A transition face the field's bound proves solid or air is not sampled:
 * a ball in the middle of a LOD 1 chunk with six transition faces costs
 * one fill, not seven, and meshes to the same bits as without the bound. */
static void
test_face_by_bound(void **state)
{
	struct sphere sp = { { 32.3f, 31.7f, 32.1f }, 9.4f, 0 };
	struct field f = sphere_as_field(&sp), eager = f;
	struct tv_chunk c = chunk(0, 0, 0, 32, 1, 0x3f);
	struct mesh a, b;
	int fills;

	(void)state;
	eager.range = NULL;
	mesh_init(&a);
	mesh_init(&b);
	assert_int_equal(tv_extract(&c, &f, scr, &a), 0);
	fills = sp.fills;
	assert_int_equal(tv_extract(&c, &eager, scr, &b), 0);
	assert_int_equal(fills, 1);
	assert_int_equal(sp.fills - fills, 7);
	assert_true(a.nv > 100);
	assert_int_equal(a.nv, b.nv);
	assert_int_equal(a.ni, b.ni);
	assert_memory_equal(a.pos, b.pos, a.nv * 12);
	assert_memory_equal(a.nrm, b.nrm, a.nv * 12);
	assert_memory_equal(a.idx, b.idx, a.ni * 4);
	/* Moved against the +X face, that face has surface and is sampled. */
	sp.c[0] = 60.0f, sp.fills = 0;
	assert_int_equal(tv_extract(&c, &f, scr, &a), 0);
	assert_int_equal(sp.fills, 2);
	mesh_free(&a);
	mesh_free(&b);
}

/* Inside the band but the surface misses the chunk (a dome's flank): empty,
 * found by sampling. */
static void
test_empty_sampled(void **state)
{
	struct sphere sp = { { 0, 0, 0 }, 20.0f, 0 };
	struct field f = sphere_as_field(&sp);
	struct tv_chunk in = chunk(0, 0, 0, 8, 0, 0);   /* deep inside */
	struct mesh out;

	(void)state;
	mesh_init(&out);
	assert_int_equal(tv_extract(&in, &f, scr, &out), 0);
	assert_int_equal(out.nv, 0);
	assert_int_equal(out.ni, 0);
	mesh_free(&out);
}

/* The heightmap's lazy fill skips chunks whose inner box the surface does
 * not cross.  Over a block of small chunks around the terrain's band, with
 * and without transition faces, every mesh must be exactly what a field
 * that always fills gives, and some chunks must have been skipped. */
struct eager { struct field inner; long uniform; };

static int
eager_fill(const void *ctx, const struct grid *g, float *out, float *tmp,
    int lazy)
{
	struct eager *e = (struct eager *)(uintptr_t)ctx;

	(void)lazy;
	if (e->inner.fill(e->inner.ctx, g, out, tmp, 0) == FIELD_UNIFORM &&
	    g->n[0] == g->n[1])         /* a chunk, not a transition face */
		e->uniform++;
	return FIELD_MIXED;
}

/* Mesh a block of small chunks around the terrain's band (x and z in
 * [-h, h), y in [-hy, hy); LOD 0, and LOD 1 with two transition faces)
 * through f and through an eager copy of it that has no bound and always
 * fills every sample: the same bits (normals too, with normals set: the
 * eager copy is no heightmap to the mesher, so where a heightmap's chunk
 * folds, it turns normals the heightmap keeps).  How many chunks had a
 * surface; in *uniform how many fills could have been skipped. */
static long
same_as_eager(const struct field *f, int h, int hy, int normals,
    long *uniform)
{
	struct eager e;
	struct field eager;
	struct mesh a, b;
	long surf = 0;
	int x, y, z, t;

	e.inner = *f, e.uniform = 0;
	eager.fill = eager_fill, eager.range = NULL, eager.ctx = &e;
	eager.fill_materials = NULL;
	eager.columns = NULL;
	eager.key = 0;
	mesh_init(&a);
	mesh_init(&b);
	for (t = 0; t < 2; t++)
		for (z = -h; z < h; z++)
			for (y = -hy; y < hy; y++)
				for (x = -h; x < h; x++) {
					struct tv_chunk c = chunk(x, y, z, 8, t,
					    t ? MP_TRANS_PX | MP_TRANS_NY : 0);

					assert_int_equal(tv_extract(&c, f, scr, &a), 0);
					assert_int_equal(tv_extract(&c, &eager, scr, &b), 0);
					assert_int_equal(a.nv, b.nv);
					assert_int_equal(a.ni, b.ni);
					assert_memory_equal(a.pos, b.pos, a.nv * 12);
					if (normals)
						assert_memory_equal(a.nrm, b.nrm, a.nv * 12);
					assert_memory_equal(a.idx, b.idx, a.ni * 4);
					surf += a.nv > 0;
				}
	mesh_free(&a);
	mesh_free(&b);
	if (uniform != NULL)
		*uniform = e.uniform;
	return surf;
}


static void
test_lazy_fill_loses_no_surface(void **state)
{
	struct noise_field nf;
	struct field lazy;
	mp_request r;
	long surf, skipped;

	(void)state;
	mp_request_init(&r);
	request_field(&r, &nf);
	lazy = noise_field_as_field(&nf);
	surf = same_as_eager(&lazy, 6, 4, 0, &skipped);
	print_message("# %ld chunks with surface, %ld chunks the lazy fill may skip\n",
	    surf, skipped);
	assert_true(surf > 100);
	assert_true(skipped > 100);
}

/* LOD L covers 2^L times the world of LOD 0 with the same number of cells. */
static void
test_lod_scaling(void **state)
{
	int lod;

	(void)state;
	for (lod = 0; lod <= 3; lod++) {
		mp_request rq;
		mp_mesh_buf b;
		float side = 32.0f * (float)(1 << lod);

		test_request(&rq, MP_FIELD_HEIGHTMAP);
		rq.lod = (uint8_t)lod;
		rq.cy = -1;
		rq.cx = 1;
		assert_int_equal(mp_mesh_local(&rq, &b), 0);
		assert_true(b.vertex_count > 0);
		assert_true(fabsf(b.aabb_min[0] - side) < 0.01f * side);
		assert_true(fabsf(b.aabb_max[0] - 2 * side) < 0.01f * side);
		/* Triangle count of a surface chunk stays ~2 per column. */
		assert_true(b.index_count / 3 < 8u * 32 * 32);
		mp_mesh_buf_free(&b);
	}
}

/* A volume's bound puts whole rows of a chunk below or above the terrain
 * (offset +- amplitude), and only the rows between are sampled: the same
 * meshes as filling every row.  Also with brushes: a cave dug deep under
 * the terrain and a ball built high above it (rows the noise's bound alone
 * would skip), and a dig through the surface. */
static void
test_bounded_rows_lose_nothing(void **state)
{
	static const mp_brush set[] = {
		{ .shape = MP_BRUSH_SPHERE, .op = MP_EDIT_SUBTRACT,
		  .a = { 3, -13, 2 }, .radius = 2.5f },
		{ .shape = MP_BRUSH_SPHERE, .op = MP_EDIT_ADD,
		  .a = { -5, 12, -4 }, .radius = 2.0f },
		{ .shape = MP_BRUSH_BOX, .op = MP_EDIT_SUBTRACT,
		  .a = { -9, -4, 5 }, .b = { -2, 3, 9 } },
	};
	struct brush_prep prep[3];
	struct noise_field nf;
	struct edits_field ef;
	struct field f;
	mp_request r;
	long surf;

	(void)state;
	mp_request_init(&r);
	r.field.kind = MP_FIELD_VOLUME;
	r.field.frequency = 0.05f;
	r.field.amplitude = 6.0f;
	request_field(&r, &nf);
	f = noise_field_as_field(&nf);
	surf = same_as_eager(&f, 3, 2, 1, NULL);
	print_message("# %ld volume chunks with surface\n", surf);
	assert_true(surf > 50);
	edits_field_init(&ef, &nf, set, 3, prep);
	f = edits_field_as_field(&ef);
	surf = same_as_eager(&f, 3, 2, 1, NULL);
	print_message("# %ld edited volume chunks with surface\n", surf);
	assert_true(surf > 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sphere_one_chunk_closed),
		cmocka_unit_test(test_sphere_across_chunks),
		cmocka_unit_test(test_heightmap_area_exact),
		cmocka_unit_test(test_block_edges_closed),
		cmocka_unit_test(test_volume_has_overhangs),
		cmocka_unit_test(test_vertices_on_surface_sphere),
		cmocka_unit_test(test_vertices_on_surface_heightmap),
		cmocka_unit_test(test_triangles_face_outward),
		cmocka_unit_test(test_indexed_and_bounded),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_lazy_fill_loses_no_surface),
		cmocka_unit_test(test_bounded_rows_lose_nothing),
		cmocka_unit_test(test_empty_by_bound),
		cmocka_unit_test(test_face_by_bound),
		cmocka_unit_test(test_empty_sampled),
		cmocka_unit_test(test_lod_scaling),
	};

	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
