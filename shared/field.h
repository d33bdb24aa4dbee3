/*
 * field.h - a density field as the extractor sees it.
 *
 * Sample points live on an integer lattice in LOD 0 voxel units ("global
 * voxel coordinates"); world position = g * voxel.  A chunk and its
 * neighbours (at any LOD) name a shared point by the same integers, so they
 * evaluate the same float inputs and get bit-identical densities: that is what
 * makes seams between chunks exact.  Negative density is solid, positive air.
 */
#ifndef MP_FIELD_H
#define MP_FIELD_H

#include <stdint.h>

/* A box of lattice points: (g0 + i*step) for i in [0, n) on each axis. */
struct grid {
	int64_t g0[3];
	int64_t step;
	int     n[3];
	float   voxel;
};

struct field {
	/* out[(k*n[1] + j)*n[0] + i] = density at point (i, j, k).  tmp has room
	 * for FIELD_TMP_FLOATS(g) floats (heightmaps keep column heights there).
	 * Returns FIELD_UNIFORM if it found, on the way, that every inner point
	 * of g (all but a one-point border, which callers sample for normals)
	 * has the same strict sign, so no surface crosses the inner box; else
	 * FIELD_MIXED (also when it cannot tell).  With lazy set, a field that
	 * returns FIELD_UNIFORM may leave out unwritten. */
	int  (*fill)(const void *ctx, const struct grid *g, float *out, float *tmp,
	             int lazy);
	/* Cheap bound on the density over the world box [lo, hi]: 1 and the
	 * bounds if known, 0 if the field cannot tell. */
	int  (*range)(const void *ctx, const double lo[3], const double hi[3],
	              float *dmin, float *dmax);
	const void *ctx;
	/* fill, also writing each point's material id to mat (the field's
	 * base is 0; see mp_brush for what brushes write).  NULL: a field whose
	 * materials are all 0, like the plain noise. */
	int  (*fill_materials)(const void *ctx, const struct grid *g, float *out,
	             uint8_t *mat, float *tmp, int lazy);
	/* A heightmap over g: its column heights into h[k * n[0] + i] (n[1]
	 * is not used), where the density of point (i, j, k) is exactly
	 * y_j - h in float, and every material is 0.  0, or -1 when the field
	 * is not that over g (a volume; brushes that reach g).  With h NULL,
	 * only whether it is (cheap).  NULL: never.  tmp as for fill. */
	int  (*columns)(const void *ctx, const struct grid *g, float *h,
	             float *tmp);
	/* Equal keys, equal fields (for reusing columns); 0: no reuse. */
	uint64_t key;
};

enum { FIELD_MIXED = 0, FIELD_UNIFORM = 1 };

/* A noise field's own scratch (column heights, axis coordinates), and the
 * whole (an edited field keeps its own axis coordinates after it). */
#define FIELD_BASE_TMP_FLOATS(g) \
	((size_t)(g)->n[0] * (g)->n[2] + (g)->n[0] + (g)->n[1] + (g)->n[2])
#define FIELD_TMP_FLOATS(g) \
	(FIELD_BASE_TMP_FLOATS(g) + (g)->n[0] + (g)->n[1] + (g)->n[2] + \
	 FIELD_ROW_PAD)
/* Floats a brush row may read past the end of its coordinates (whole
 * vectors: brush.c), which the scratch must allow for. */
#define FIELD_ROW_PAD 8

/* World coordinate of lattice index g: the one place it is computed. */
static inline float field_world(int64_t g, float voxel)
{
	return (float)((double)g * (double)voxel);
}

/* The world coordinates of grid g's points along axis a, into out. */
static inline void field_axis(const struct grid *g, int a, float *out)
{
	int i;

	for (i = 0; i < g->n[a]; i++)
		out[i] = field_world(g->g0[a] + (int64_t)i * g->step, g->voxel);
}

/* The first index of axis coordinates c[0..n) (increasing, evenly spaced
 * but for rounding; inv is 1 / (c[1] - c[0])) whose coordinate is >= x, or
 * > x with past set: a guess from the spacing, made exact against c.  An
 * x strictly between two coordinates, as a brush's bound nearly always
 * is, needs two compares and no walk. */
static inline int field_axis_find(const float *c, int n, float inv, float x,
    int past)
{
	float guess = n > 1 ? (x - c[0]) * inv : 0.0f;
	int i = guess > 0.0f && guess < (float)(n - 1) ? (int)guess : -1;

	if (i >= 0 && c[i] < x && x < c[i + 1])
		return i + 1;
	i = guess > 0.0f ? (guess < (float)n ? (int)guess : n) : 0; /* NaN: 0 */

	while (i > 0 && (past ? c[i - 1] > x : c[i - 1] >= x))
		i--;
	while (i < n && (past ? c[i] <= x : c[i] < x))
		i++;
	return i;
}

#endif
