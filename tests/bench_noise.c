/*
 * bench_noise.c - ns per sample of the noise primitives, scalar and row
 * forms side by side, median of 5 runs.  Run by "make bench".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "noise.h"
#include "benchstat.h"

#define N    4096
#define REPS 200

static volatile float sink;

typedef void (*kernel)(const struct fbm *, const float *, float *);

static void k_noise2(const struct fbm *p, const float *x, float *o)
{ for (int i = 0; i < N; i++) o[i] = noise2(p->seed, x[i], 1.3f); }
static void k_noise3(const struct fbm *p, const float *x, float *o)
{ for (int i = 0; i < N; i++) o[i] = noise3(p->seed, x[i], 1.3f, 2.7f); }
static void k_fbm2(const struct fbm *p, const float *x, float *o)
{ for (int i = 0; i < N; i++) o[i] = fbm2(p, x[i], 1.3f); }
static void k_fbm2_row(const struct fbm *p, const float *x, float *o)
{ fbm2_row(p, x, 1.3f, N, o); }
static void k_fbm3(const struct fbm *p, const float *x, float *o)
{ for (int i = 0; i < N; i++) o[i] = fbm3(p, x[i], 1.3f, 2.7f); }
static void k_fbm3_row(const struct fbm *p, const float *x, float *o)
{ fbm3_row(p, x, 1.3f, 2.7f, N, o); }

static double
measure(kernel k, const struct fbm *p, const float *x, float *o)
{
	double t[5];
	int r, i;

	for (r = 0; r < 5; r++) {
		double t0 = bench_ns();

		for (i = 0; i < REPS; i++)
			k(p, x, o);
		t[r] = (bench_ns() - t0) / ((double)N * REPS);
		sink = o[N / 2];
	}
	return bench_median(t, 5);
}

int
main(void)
{
	static float x[N], o[N];
	struct fbm p = { 42, 4, 0.02f, 2.0f, 0.5f };
	double s2, r2, s3, r3;
	int i;

	for (i = 0; i < N; i++)
		x[i] = (float)i * 0.37f - 700.0f;
	printf("bench-noise: ns per sample (median of 5), fbm = 4 octaves\n");
	printf("  noise2 scalar    %6.2f\n", measure(k_noise2, &p, x, o));
	printf("  noise3 scalar    %6.2f\n", measure(k_noise3, &p, x, o));
	s2 = measure(k_fbm2, &p, x, o);
	r2 = measure(k_fbm2_row, &p, x, o);
	s3 = measure(k_fbm3, &p, x, o);
	r3 = measure(k_fbm3_row, &p, x, o);
	printf("  fbm2   scalar    %6.2f   row %6.2f   (row %.2fx)\n", s2, r2, s2 / r2);
	printf("  fbm3   scalar    %6.2f   row %6.2f   (row %.2fx)\n", s3, r3, s3 / r3);
	return 0;
}
