/*
 * test_meshcheck.c - the checker itself finds what it must: a closed cube
 * passes, a missing or flipped triangle does not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "meshcheck.h"

static const float cube_v[8][3] = {
	{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0},
	{0, 0, 1}, {1, 0, 1}, {0, 1, 1}, {1, 1, 1},
};
/* Outward, counter-clockwise seen from outside. */
static const uint32_t cube_t[36] = {
	0, 2, 1, 1, 2, 3,     /* z = 0 */
	4, 5, 6, 5, 7, 6,     /* z = 1 */
	0, 1, 4, 1, 5, 4,     /* y = 0 */
	2, 6, 3, 3, 6, 7,     /* y = 1 */
	0, 4, 2, 2, 4, 6,     /* x = 0 */
	1, 3, 5, 3, 7, 5,     /* x = 1 */
};

static void
cube_normals(float n[8][3], float off)
{
	int i, k;

	for (i = 0; i < 8; i++)
		for (k = 0; k < 3; k++)
			n[i][k] = cube_v[i][k] - 0.5f + off * 0;
}

/* The cube as two "chunks": triangles split, vertices duplicated. */
static void
add_cube_at(struct mc_mesh *m, float dx, float dy, int drop, int flip)
{
	float v[8][3], n[8][3];
	uint32_t t[36];
	int i, k, nt = 0;

	cube_normals(n, 0);
	for (i = 0; i < 8; i++)
		for (k = 0; k < 3; k++)
			v[i][k] = cube_v[i][k] + (k == 0 ? dx : k == 1 ? dy : 0);
	for (i = 0; i < 12; i++) {
		if (i == drop)
			continue;
		t[3 * nt] = cube_t[3 * i];
		t[3 * nt + 1] = cube_t[3 * i + (i == flip ? 2 : 1)];
		t[3 * nt + 2] = cube_t[3 * i + (i == flip ? 1 : 2)];
		nt++;
	}
	mc_add(m, &v[0][0], &n[0][0], 8, t, (uint32_t)(3 * (nt / 2)));
	mc_add(m, &v[0][0], &n[0][0], 8, t + 3 * (nt / 2),
	    (uint32_t)(3 * (nt - nt / 2)));
}

static void
add_cube(struct mc_mesh *m, float dx, int drop, int flip)
{
	add_cube_at(m, dx, 0, drop, flip);
}

static void
test_closed_cube(void **state)
{
	struct mc_edge_report r;
	struct mc_mesh m;

	(void)state;
	mc_init(&m);
	add_cube(&m, 0, -1, -1);
	assert_int_equal(m.nv, 8);
	assert_int_equal(m.nt, 12);
	mc_check_edges(&m, NULL, NULL, 0, &r);
	assert_int_equal(r.edges, 18);
	assert_int_equal(r.bad_count, 0);
	assert_int_equal(r.bad_orientation, 0);
	assert_int_equal(mc_euler(&m), 2);
	assert_int_equal(mc_components(&m), 1);
	assert_true(fabs(mc_volume(&m) - 1.0) < 1e-9);
	assert_int_equal(mc_count_misoriented(&m, 0), 0);
	mc_free(&m);
}

static void
test_missing_triangle(void **state)
{
	struct mc_edge_report r;
	struct mc_mesh m;

	(void)state;
	mc_init(&m);
	add_cube(&m, 0, 4, -1);
	mc_check_edges(&m, NULL, NULL, 0, &r);
	assert_int_equal(r.bad_count, 3);
	assert_int_equal(mc_euler(&m), 1);
	mc_free(&m);
}

static void
test_flipped_triangle(void **state)
{
	struct mc_edge_report r;
	struct mc_mesh m;

	(void)state;
	mc_init(&m);
	add_cube(&m, 0, -1, 7);
	mc_check_edges(&m, NULL, NULL, 0, &r);
	assert_int_equal(r.bad_orientation, 3);
	assert_int_equal(mc_count_misoriented(&m, 0), 1);
	mc_free(&m);
}

static void
test_two_cubes(void **state)
{
	struct mc_mesh m;

	(void)state;
	mc_init(&m);
	add_cube(&m, 0, -1, -1);
	add_cube(&m, 3, -1, -1);
	assert_int_equal(mc_components(&m), 2);
	assert_int_equal(mc_euler(&m), 4);
	assert_true(fabs(mc_volume(&m) - 2.0) < 1e-9);
	mc_free(&m);
}

/* Two cubes touching along one edge: that edge has four triangles, balanced,
 * so it is non-manifold but not a hole. */
static void
test_nonmanifold_edge(void **state)
{
	struct mc_edge_report r;
	struct mc_mesh m;

	(void)state;
	mc_init(&m);
	add_cube_at(&m, 0, 0, -1, -1);
	add_cube_at(&m, 1, 1, -1, -1);
	mc_check_edges(&m, NULL, NULL, 0, &r);
	assert_int_equal(r.nonmanifold, 1);
	assert_int_equal(r.bad_count, 0);
	assert_int_equal(r.bad_orientation, 0);
	mc_free(&m);
}

/* A flat 2x2 grid: area 4 in XZ; open unless its border is excluded. */
static void
test_plane_and_box(void **state)
{
	float v[9][3], n[9][3];
	uint32_t t[24], k = 0;
	struct mc_edge_report r;
	struct mc_mesh m;
	float lo[3] = { 0, -1, 0 }, hi[3] = { 2, 1, 2 };
	double sa, aa;
	int i, j;

	(void)state;
	for (i = 0; i < 9; i++) {
		v[i][0] = (float)(i % 3), v[i][1] = (i == 4) ? -0.0f : 0.0f;
		v[i][2] = (float)(i / 3);
		n[i][0] = n[i][2] = 0, n[i][1] = 1;
	}
	for (j = 0; j < 2; j++)
		for (i = 0; i < 2; i++) {
			uint32_t a = (uint32_t)(j * 3 + i);

			t[k++] = a, t[k++] = a + 3, t[k++] = a + 1;
			t[k++] = a + 1, t[k++] = a + 3, t[k++] = a + 4;
		}
	mc_init(&m);
	mc_add(&m, &v[0][0], &n[0][0], 9, t, k);
	v[4][1] = 0.0f;                     /* +0 and -0 weld */
	mc_add(&m, &v[0][0], &n[0][0], 9, t, 0);
	assert_int_equal(m.nv, 9);
	mc_xz_area(&m, &sa, &aa);
	assert_true(fabs(sa - 4) < 1e-9 && fabs(aa - 4) < 1e-9);
	mc_check_edges(&m, NULL, NULL, 0, &r);
	assert_int_equal(r.bad_count, 8);
	mc_check_edges(&m, lo, hi, 1e-6f, &r);
	assert_int_equal(r.bad_count, 0);
	assert_int_equal(r.boundary_edges, 8);
	assert_int_equal(mc_euler(&m), 1);
	mc_free(&m);
}

/* A cube split in two chunks whose shared corner (1, 1, 1) differs by
 * 4e-4 in one chunk: open when welded exactly, closed welded at 1e-3, and
 * the near weld reports the one pair it joined (and none at 1e-4). */
static void
test_weld_near(void **state)
{
	float v[8][3], n[8][3];
	struct mc_edge_report r;
	struct mc_mesh m, w;
	int i, k;

	(void)state;
	cube_normals(n, 0);
	for (i = 0; i < 8; i++)
		for (k = 0; k < 3; k++)
			v[i][k] = cube_v[i][k];
	mc_init(&m);
	m.tag = 1.0f;
	mc_add(&m, &v[0][0], &n[0][0], 8, cube_t, 18);
	v[7][0] += 4e-4f;
	m.tag = 2.0f;
	mc_add(&m, &v[0][0], &n[0][0], 8, cube_t + 18, 18);
	assert_int_equal(m.nv, 9);
	mc_check_edges(&m, NULL, NULL, 0, &r);
	assert_true(r.bad_count > 0);
	assert_int_equal(mc_weld_near(&m, 1e-4f, &w), 0);
	assert_int_equal(w.nv, 9);
	mc_free(&w);
	assert_int_equal(mc_weld_near(&m, 1e-3f, &w), 1);
	assert_int_equal(w.nv, 8);
	assert_int_equal(w.nt, 12);
	assert_true(w.tags[0] == 1.0f && w.tags[11] == 2.0f);
	mc_check_edges(&w, NULL, NULL, 0, &r);
	assert_int_equal(r.bad_count, 0);
	assert_int_equal(r.bad_orientation, 0);
	assert_int_equal(mc_euler(&w), 2);
	mc_free(&w);
	mc_free(&m);
}

/* mc_quality: the closed cube is clean; a flipped triangle is a fold and
 * an open pair of edges; a triangle of a millionth of its tag's area is a
 * sliver. */
static void
test_quality_counts(void **state)
{
	static const float thin[9] = { 0, 0, 5, 1, 0, 5, 0, 1e-7f, 5 };
	static const float up[9] = { 0, 0, 1, 0, 0, 1, 0, 0, 1 };
	static const uint32_t tri[3] = { 0, 1, 2 };
	struct mc_quality q;
	struct mc_mesh m;

	(void)state;
	mc_init(&m);
	m.tag = 1.0f;
	add_cube(&m, 0, -1, -1);
	mc_quality(&m, NULL, NULL, 0, 1e-6, &q);
	assert_int_equal(q.tris, 12);
	assert_int_equal(q.open + q.nonmanifold + q.degenerate, 0);
	assert_int_equal(q.slivers + q.folds, 0);
	mc_free(&m);
	mc_init(&m);
	m.tag = 1.0f;
	add_cube(&m, 0, -1, 4);
	mc_quality(&m, NULL, NULL, 0, 1e-6, &q);
	assert_int_equal(q.folds, 1);
	assert_true(q.open > 0);
	mc_add(&m, thin, up, 3, tri, 3);
	mc_quality(&m, NULL, NULL, 0, 1e-6, &q);
	assert_int_equal(q.slivers, 1);
	mc_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_cube),
		cmocka_unit_test(test_missing_triangle),
		cmocka_unit_test(test_flipped_triangle),
		cmocka_unit_test(test_two_cubes),
		cmocka_unit_test(test_plane_and_box),
		cmocka_unit_test(test_nonmanifold_edge),
		cmocka_unit_test(test_weld_near),
		cmocka_unit_test(test_quality_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
