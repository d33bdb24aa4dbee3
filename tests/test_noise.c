/*
 * test_noise.c - the noise is bounded, continuous, zero on the lattice,
 * seed-dependent, and the row forms match the scalar forms bit for bit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "field_noise.h"
#include "noise.h"

static uint32_t rng = 12345;

static float
rnd(float lo, float hi)
{
	rng = rng * 1664525u + 1013904223u;
	return lo + (hi - lo) * (float)(rng >> 8) / 16777216.0f;
}

static struct fbm
params(uint32_t octaves)
{
	struct fbm p = { 42, octaves, 0.05f, 2.0f, 0.5f };

	return p;
}

static void
test_bounded(void **state)
{
	struct fbm p = params(6);
	float lo2 = 0, hi2 = 0, lo3 = 0, hi3 = 0;
	int i;

	(void)state;
	for (i = 0; i < 2000000; i++) {
		float x = rnd(-1e4f, 1e4f), y = rnd(-1e4f, 1e4f), z = rnd(-1e4f, 1e4f);
		float a = noise2(7, x, y), b = noise3(7, x, y, z);

		lo2 = fminf(lo2, a), hi2 = fmaxf(hi2, a);
		lo3 = fminf(lo3, b), hi3 = fmaxf(hi3, b);
		if ((i & 15) == 0) {
			assert_true(fabsf(fbm2(&p, x, y)) <= NOISE_BOUND);
			assert_true(fabsf(fbm3(&p, x, y, z)) <= NOISE_BOUND);
		}
	}
	assert_true(lo2 >= -NOISE_BOUND && hi2 <= NOISE_BOUND);
	assert_true(lo3 >= -NOISE_BOUND && hi3 <= NOISE_BOUND);
	/* ... and not degenerate: it uses a fair part of its range. */
	assert_true(hi2 > 0.5f && lo2 < -0.5f);
	assert_true(hi3 > 0.4f && lo3 < -0.4f);
}

static void
test_zero_on_lattice(void **state)
{
	int x, y, z;

	(void)state;
	for (x = -20; x <= 20; x += 3)
		for (y = -20; y <= 20; y += 5) {
			assert_true(noise2(3, (float)x, (float)y) == 0.0f);
			for (z = -9; z <= 9; z += 6)
				assert_true(noise3(3, (float)x, (float)y, (float)z) == 0.0f);
		}
}

/* Gradient components are at most 1 per term and fade' <= 1.875, so the
 * slope is bounded; a tenth of a millimetre step cannot jump. */
static void
test_continuous(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		float x = rnd(-100, 100), y = rnd(-100, 100), z = rnd(-100, 100);
		float h = 1e-3f;

		assert_true(fabsf(noise2(1, x + h, y) - noise2(1, x, y)) < 8 * h);
		assert_true(fabsf(noise3(1, x, y, z + h) - noise3(1, x, y, z)) < 8 * h);
	}
}

static void
test_rows_match_scalar(void **state)
{
	float xs[300], out[300];
	int n, i, o;

	(void)state;
	for (o = 1; o <= 16; o += 5) {
		struct fbm p = params((uint32_t)o);

		for (n = 0; n <= 300; n += 37) {
			float y = rnd(-500, 500), z = rnd(-500, 500);

			for (i = 0; i < n; i++)
				xs[i] = rnd(-3000, 3000);
			fbm2_row(&p, xs, y, n, out);
			for (i = 0; i < n; i++) {
				float s = fbm2(&p, xs[i], y);

				assert_memory_equal(&s, &out[i], sizeof s);
			}
			fbm2_col(&p, y, xs, n, out);
			for (i = 0; i < n; i++) {
				float s = fbm2(&p, y, xs[i]);

				assert_memory_equal(&s, &out[i], sizeof s);
			}
			fbm3_row(&p, xs, y, z, n, out);
			for (i = 0; i < n; i++) {
				float s = fbm3(&p, xs[i], y, z);

				assert_memory_equal(&s, &out[i], sizeof s);
			}
		}
	}
}

/* The noise field gives one point the same bits as a grid does (the
 * mesher samples single points to place crossings on chunk edges, which
 * must meet the neighbours' grid samples exactly), both kinds, any step. */
/* Every point of grid g of field f against the same point sampled alone. */
static void
grid_matches_points(const struct field *f, const struct grid *g)
{
	float out[12 * 4 * 24], tmp[1024], one;
	int nx = g->n[0], ny = g->n[1], i;
	struct grid p;

	assert_true((size_t)nx * ny * g->n[2] <= sizeof out / sizeof out[0]);
	f->fill(f->ctx, g, out, tmp, 0);
	for (i = 0; i < nx * ny * g->n[2]; i++) {
		p = *g;
		p.g0[0] += (i % nx) * g->step;
		p.g0[1] += (i / nx % ny) * g->step;
		p.g0[2] += (i / (nx * ny)) * g->step;
		p.n[0] = p.n[1] = p.n[2] = 1;
		f->fill(f->ctx, &p, &one, tmp, 0);
		assert_memory_equal(&one, &out[i], sizeof one);
	}
}

static void
test_field_point_matches_grid(void **state)
{
	static const uint32_t kinds[2] = { MP_FIELD_HEIGHTMAP, MP_FIELD_VOLUME };
	/* A block, and grids three points wide in x and long in z (an X
	 * transition face's layers: its heights go down columns, its rows
	 * are filled four at a time, and what is left one by one). */
	static const int shapes[3][3] = { { 5, 4, 3 }, { 3, 4, 23 },
	    { 3, 11, 23 } };
	struct noise_field nf;
	struct field f;
	struct grid g;
	mp_field mf;
	int k, s, a;

	(void)state;
	for (k = 0; k < 2; k++) {
		memset(&mf, 0, sizeof mf);
		mf.kind = kinds[k], mf.seed = 7, mf.octaves = 5;
		mf.frequency = 0.037f, mf.amplitude = 11.0f, mf.offset = -2.5f;
		noise_field_init(&nf, &mf);
		f = noise_field_as_field(&nf);
		for (s = 0; s < 3; s++) {
			g.g0[0] = -37, g.g0[1] = -6, g.g0[2] = 1021;
			for (a = 0; a < 3; a++)
				g.n[a] = shapes[s][a];
			g.step = 3, g.voxel = 0.73f;
			grid_matches_points(&f, &g);
		}
	}
}

static void
test_seeds_and_determinism(void **state)
{
	int i, differ = 0;

	(void)state;
	for (i = 0; i < 1000; i++) {
		float x = rnd(-50, 50), y = rnd(-50, 50);
		float a = noise2(1, x, y), b = noise2(1, x, y);

		assert_memory_equal(&a, &b, sizeof a);
		differ += noise2(1, x, y) != noise2(2, x, y);
	}
	assert_true(differ > 950);
}

/* One octave of fbm is the noise at the scaled point. */
static void
test_single_octave(void **state)
{
	struct fbm p = params(1);
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		float x = rnd(-500, 500), y = rnd(-500, 500);

		assert_true(fbm2(&p, x, y) == noise2(42, x * 0.05f, y * 0.05f));
	}
}

/* Huge, infinite or NaN coordinates give a finite, bounded answer. */
static void
test_extreme_inputs(void **state)
{
	const float bad[] = { 1e20f, -1e20f, INFINITY, -INFINITY, NAN };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_true(fabsf(noise2(1, bad[i], 0.5f)) <= NOISE_BOUND);
		assert_true(fabsf(noise3(1, 0.5f, bad[i], 2.0f)) <= NOISE_BOUND);
	}
}

static void
test_statistics(void **state)
{
	double sum = 0, sq = 0;
	int i, n = 200000;

	(void)state;
	for (i = 0; i < n; i++) {
		double v = noise3(9, rnd(-1e3f, 1e3f), rnd(-1e3f, 1e3f),
		    rnd(-1e3f, 1e3f));

		sum += v, sq += v * v;
	}
	sum /= n;
	sq = sqrt(sq / n - sum * sum);
	assert_true(fabs(sum) < 0.01);
	assert_true(sq > 0.1 && sq < 0.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_zero_on_lattice),
		cmocka_unit_test(test_continuous),
		cmocka_unit_test(test_rows_match_scalar),
		cmocka_unit_test(test_field_point_matches_grid),
		cmocka_unit_test(test_seeds_and_determinism),
		cmocka_unit_test(test_single_octave),
		cmocka_unit_test(test_extreme_inputs),
		cmocka_unit_test(test_statistics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
