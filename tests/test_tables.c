/*
 * test_tables.c - the transcribed Transvoxel tables are self-consistent:
 * any mistyped value breaks one of these.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "transvoxel_tables.h"

static unsigned
nonzero(const uint16_t *row)
{
	unsigned n = 0;

	while (n < 12 && row[n])
		n++;
	return n;
}

/* Every vertex of every regular case is on a cube edge whose corners the
 * case puts on opposite sides, no edge twice, and the counts agree. */
static void
test_regular_vertices(void **state)
{
	unsigned c, v, w;

	(void)state;
	for (c = 0; c < 256; c++) {
		const struct tv_regular_cell *cell =
		    &tv_regular_cell_data[tv_regular_cell_class[c]];
		unsigned nv = tv_regular_vertex_count(cell);

		assert_int_equal(nonzero(tv_regular_vertex_data[c]), nv);
		for (v = nv; v < 12; v++)
			assert_int_equal(tv_regular_vertex_data[c][v], 0);
		for (v = 0; v < nv; v++) {
			unsigned e = tv_regular_vertex_data[c][v] & 0xff;
			unsigned a = e >> 4, b = e & 15, x = a ^ b;

			assert_true(a < 8 && b < 8);
			assert_true(x == 1 || x == 2 || x == 4);
			assert_int_not_equal((c >> a) & 1, (c >> b) & 1);
			for (w = 0; w < v; w++)
				assert_int_not_equal(tv_regular_vertex_data[c][w] & 0xff, e);
		}
	}
	assert_int_equal(tv_regular_vertex_count(&tv_regular_cell_data[tv_regular_cell_class[0]]), 0);
	assert_int_equal(tv_regular_vertex_count(&tv_regular_cell_data[tv_regular_cell_class[255]]), 0);
}

/* Every sign-changing cube edge carries exactly one vertex. */
static void
test_regular_edges_complete(void **state)
{
	unsigned c, a, b, v;

	(void)state;
	for (c = 0; c < 256; c++) {
		unsigned want = 0, nv = nonzero(tv_regular_vertex_data[c]);

		for (a = 0; a < 8; a++)
			for (b = a + 1; b < 8; b++) {
				unsigned x = a ^ b;

				if ((x == 1 || x == 2 || x == 4) &&
				    ((c >> a) & 1) != ((c >> b) & 1))
					want++;
			}
		assert_int_equal(nv, want);
		for (v = 0; v < nv; v++)
			assert_true(tv_regular_vertex_data[c][v] >> 8);
	}
}

static void
test_regular_triangles(void **state)
{
	unsigned k, t;

	(void)state;
	for (k = 0; k < 16; k++) {
		const struct tv_regular_cell *cell = &tv_regular_cell_data[k];
		unsigned nv = tv_regular_vertex_count(cell);
		unsigned nt = tv_regular_triangle_count(cell);

		assert_true(nt <= 5);
		for (t = 0; t < 3 * nt; t++)
			assert_true(cell->vertex_index[t] < nv);
		for (t = 0; t < nt; t++) {
			const uint8_t *i = &cell->vertex_index[3 * t];

			assert_true(i[0] != i[1] && i[1] != i[2] && i[0] != i[2]);
		}
	}
}

static unsigned
transition_state(unsigned code, unsigned sample)
{
	static const uint8_t bit_of[9] = { 0, 1, 2, 7, 8, 3, 6, 5, 4 };
	static const uint8_t half[4] = { 0, 2, 6, 8 };

	if (sample >= 9)
		sample = half[sample - 9];
	return (code >> bit_of[sample]) & 1;
}

static int
adjacent(unsigned a, unsigned b)
{
	static const uint8_t hu[4] = { 0, 2, 0, 2 }, hv[4] = { 0, 0, 2, 2 };
	int ua, va, ub, vb;

	if (a <= 8 && b <= 8) {
		ua = a % 3, va = a / 3, ub = b % 3, vb = b / 3;
		return abs(ua - ub) + abs(va - vb) == 1;
	}
	if (a >= 9 && b >= 9 && a <= 12 && b <= 12) {
		ua = hu[a - 9], va = hv[a - 9], ub = hu[b - 9], vb = hv[b - 9];
		return abs(ua - ub) + abs(va - vb) == 2;
	}
	return 0;
}

static void
test_transition_vertices(void **state)
{
	unsigned c, v, w;

	(void)state;
	for (c = 0; c < 512; c++) {
		unsigned cls = tv_transition_cell_class[c] & 0x7f;
		const struct tv_transition_cell *cell = &tv_transition_cell_data[cls];
		unsigned nv = tv_transition_vertex_count(cell);

		assert_true(cls < 56);
		assert_int_equal(nonzero(tv_transition_vertex_data[c]), nv);
		for (v = 0; v < nv; v++) {
			unsigned e = tv_transition_vertex_data[c][v] & 0xff;
			unsigned a = e >> 4, b = e & 15;

			assert_true(adjacent(a, b));
			assert_int_not_equal(transition_state(c, a),
			    transition_state(c, b));
			for (w = 0; w < v; w++)
				assert_int_not_equal(
				    tv_transition_vertex_data[c][w] & 0xff, e);
		}
	}
}

/* Every sign change on the 12 full-res and 4 half-res edges has a vertex. */
static void
test_transition_edges_complete(void **state)
{
	unsigned c, a, b;

	(void)state;
	for (c = 0; c < 512; c++) {
		unsigned want = 0;

		for (a = 0; a < 13; a++)
			for (b = a + 1; b < 13; b++)
				if (adjacent(a, b) && transition_state(c, a) !=
				    transition_state(c, b))
					want++;
		assert_int_equal(nonzero(tv_transition_vertex_data[c]), want);
	}
}

static void
test_transition_triangles(void **state)
{
	unsigned k, t;

	(void)state;
	for (k = 0; k < 56; k++) {
		const struct tv_transition_cell *cell = &tv_transition_cell_data[k];
		unsigned nv = tv_transition_vertex_count(cell);
		unsigned nt = tv_transition_triangle_count(cell);

		assert_true(nt <= 12);
		assert_true(k == 0 || nt > 0);
		for (t = 0; t < 3 * nt; t++)
			assert_true(cell->vertex_index[t] < nv);
	}
	assert_int_equal(tv_transition_cell_class[0], 0);
	assert_int_equal(tv_transition_cell_class[511], 0x80);
	assert_int_equal(tv_transition_corner_data[12], 0x87);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_vertices),
		cmocka_unit_test(test_regular_edges_complete),
		cmocka_unit_test(test_regular_triangles),
		cmocka_unit_test(test_transition_vertices),
		cmocka_unit_test(test_transition_edges_complete),
		cmocka_unit_test(test_transition_triangles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
