/*
 * brush_row.h - what a brush's rows share between the four-wide rows
 * (brush.c) and the eight-wide ones (brush_avx.c): the per-row terms of
 * each shape, which rows the brush reaches, and when a row's densities
 * alone say the brush changes nothing there.  One definition, so both
 * paths take the same decisions from the same bits.
 */
#ifndef MP_BRUSH_ROW_H
#define MP_BRUSH_ROW_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#ifdef __SSE__
#include <xmmintrin.h>
#endif

#include "brush.h"

/*
 * The smaller and larger of two finite floats, b's when they are equal:
 * minss and maxss exactly, which the compiler, left to itself, made
 * branches of where the data (a capsule's two ends) decides.
 */
static inline float
min2(float a, float b)
{
#ifdef __SSE__
	return _mm_cvtss_f32(_mm_min_ss(_mm_set_ss(a), _mm_set_ss(b)));
#else
	return a < b ? a : b;   /* inputs are finite: no NaN rules needed */
#endif
}

static inline float
max2(float a, float b)
{
#ifdef __SSE__
	return _mm_cvtss_f32(_mm_max_ss(_mm_set_ss(a), _mm_set_ss(b)));
#else
	return a > b ? a : b;
#endif
}

/* What a row at (y, z) shares among its points. */
struct row {
	float y, z;
	float o1, o2, qmax;     /* box: the y and z terms */
};

static inline void
row_init(const struct brush_prep *p, float y, float z, struct row *r)
{
	r->y = y, r->z = z;
	r->o1 = r->o2 = r->qmax = 0.0f;
	if (p->b->shape == MP_BRUSH_BOX) {
		float q1 = fabsf(y - p->c[1]) - p->e[1];
		float q2 = fabsf(z - p->c[2]) - p->e[2];

		r->o1 = max2(q1, 0.0f);
		r->o2 = max2(q2, 0.0f);
		r->qmax = max2(q1, q2);
	}
}

/*
 * Does the brush reach the row at (y, z), by the distance to its core in
 * the y-z plane alone?  row_d2 is that distance squared (dz2: the plane's
 * share, dz * dz), beyond the shell squared when it does not.  The whole
 * row is taken, which lies inside the reach box: narrowing it to the
 * shell's x span cost more in square roots and scalar tails than it saved
 * on rows this short.
 */
static inline __attribute__((always_inline)) float
row_dy2(const struct brush_prep *p, float y)     /* the y share of row_d2 */
{
	float dy = max2(max2(p->core_lo[1] - y, y - p->core_hi[1]), 0.0f);

	return dy * dy;
}

static inline float
row_d2(const struct brush_prep *p, float y, float dz2)
{
	return row_dy2(p, y) + dz2;
}

static inline float
plane_dz(const struct brush_prep *p, float z)
{
	return max2(max2(p->core_lo[2] - z, z - p->core_hi[2]), 0.0f);
}

/* A distance no point of a row reached at d2 is nearer the shape than (a
 * box's own row may pass inside it: no bound then). */
static inline float
row_s_low(const struct brush_prep *p, float d2)
{
	return p->b->shape == MP_BRUSH_BOX ? (d2 > 0.0f ? sqrtf(d2) :
	    -INFINITY) : sqrtf(d2) - p->b->radius;
}

/*
 * Can the brush change nothing, not one bit, in a row whose densities lie
 * in [lo, hi] and whose points are at least s_low from its shape?  A union
 * leaves d as it is where the shape is farther than d, by the blend at
 * least (the blend's weight is then exactly 0, and d, not an equal s of
 * the other sign of zero, is the minimum); a subtraction where minus the
 * distance is below d by as much; neither colours a point it leaves.  The
 * gap is rounded as the blend rounds d - s, and rounding keeps order, so
 * the nearest point of the row has the smallest.  A paint only acts
 * inside the shape.
 */
static inline int
row_unchanged(const mp_brush *b, float s_low, float lo, float hi)
{
	float gap;

	if (b->op == MP_EDIT_PAINT)
		return s_low >= 0.0f;
	gap = b->op == MP_EDIT_ADD ? s_low - hi : s_low + lo;
	return gap > 0.0f && gap >= b->smooth;
}

/* brush_apply_grid four points at a time with SSE2 (else one by one), on
 * any machine: what it runs without AVX2. */
void brush_grid_portable(const struct brush_prep *p, const float *const c[3],
         const int a[3], const int b[3], const int n[3], float *d, uint8_t *m);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BRUSH_AVX 1
/* brush_apply_grid eight points at a time, for machines with AVX2. */
void brush_grid_avx(const struct brush_prep *p, const float *const c[3],
         const int a[3], const int b[3], const int n[3], float *d, uint8_t *m);
#endif

#endif
