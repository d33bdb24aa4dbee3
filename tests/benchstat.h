/*
 * benchstat.h - what every benchmark needs: the instance's one monotonic
 * clock (shared/monotime.h) as a double, and medians of repeated runs.
 */
#ifndef MP_BENCHSTAT_H
#define MP_BENCHSTAT_H

#include <stdlib.h>

#include "monotime.h"

static inline double
bench_ns(void)
{
	return (double)mono_ns();
}

static inline double
bench_s(void)
{
	return (double)mono_ns() / 1e9;
}

static inline int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Ascending, so percentiles can be read off v. */
static inline void
bench_sort(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], bench_cmp);
}

/* Sorts v and returns its median. */
static inline double
bench_median(double *v, int n)
{
	bench_sort(v, n);
	return v[n / 2];
}

#endif
