/*
 * brush.c - signed distances of the brush shapes and the CSG operations
 * (brush.h).  Densities stay distance-like: a union takes the smaller
 * value, a subtraction the larger of the density and the negated
 * distance, and the smooth forms blend them with the usual polynomial
 * smooth minimum, which only differs from the sharp one within the smooth
 * radius of the brush's surface.  A brush acts within smooth +
 * MP_BRUSH_REACH of its shape and nowhere else.
 */
#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stddef.h>
#include <string.h>

#include "brush.h"
#include "brush_row.h"
#include "field.h"

#define BRUSH_SIZE_MAX 1.0e6f       /* radius, smooth */

static int
finite3(const float v[3])
{
	return isfinite(v[0]) && isfinite(v[1]) && isfinite(v[2]) &&
	    fabsf(v[0]) <= BRUSH_COORD_MAX && fabsf(v[1]) <= BRUSH_COORD_MAX &&
	    fabsf(v[2]) <= BRUSH_COORD_MAX;
}

static int
size_ok(float v)
{
	return isfinite(v) && v >= 0.0f && v <= BRUSH_SIZE_MAX;
}

static const char *
box_problem(const mp_brush *b)
{
	float least = BRUSH_SIZE_MAX;
	int i;

	for (i = 0; i < 3; i++) {
		if (!(b->a[i] < b->b[i]))
			return "a box needs a[i] < b[i] on every axis (min and max "
			    "corners)";
		if (b->b[i] - b->a[i] < least)
			least = b->b[i] - b->a[i];
	}
	if (b->radius * 2.0f > least)
		return "a box's rounding radius is at most half its smallest side";
	return NULL;
}

const char *
brush_problem(const mp_brush *b)
{
	if (b == NULL)
		return "no brush";
	if (b->shape > MP_BRUSH_CAPSULE)
		return "shape must be MP_BRUSH_SPHERE, _BOX or _CAPSULE";
	if (b->op > MP_EDIT_PAINT)
		return "op must be MP_EDIT_ADD, _SUBTRACT or _PAINT";
	if (b->reserved != 0)
		return "reserved must be 0";
	if (!finite3(b->a) || (b->shape != MP_BRUSH_SPHERE && !finite3(b->b)))
		return "a and b must be finite, within 1e7 of the origin";
	if (!size_ok(b->radius))
		return "radius must be finite, 0..1e6";
	if (!size_ok(b->smooth))
		return "smooth must be finite, 0..1e6";
	if (b->shape == MP_BRUSH_BOX)
		return box_problem(b);
	if (!(b->radius > 0.0f))
		return "a sphere or capsule needs radius > 0";
	return NULL;
}

void
brush_reach(const mp_brush *restrict b, float lo[restrict 3],
    float hi[restrict 3])
{
	/* The core's box (a sphere's centre, a box, a capsule's segment; a
	 * sphere's b is not read) grown by the radius and the reach, in the
	 * same operations for every shape: x - 0 is x for a box. */
	const float *end = b->shape == MP_BRUSH_SPHERE ? b->a : b->b;
	float grow = b->smooth + MP_BRUSH_REACH;
	float r = b->shape == MP_BRUSH_BOX ? 0.0f : b->radius;
	int i;

	for (i = 0; i < 3; i++) {
		lo[i] = (min2(b->a[i], end[i]) - r) - grow;
		hi[i] = (max2(b->a[i], end[i]) + r) + grow;
	}
}

static inline float
len3(float x, float y, float z)
{
	return sqrtf(x * x + y * y + z * z);
}

/*
 * Each shape's distance along a row: what depends on the brush alone is
 * worked out once (brush_prepare), what depends on y and z once per row
 * (struct row), the rest per point, in one expression that a single point
 * (brush_sdf) shares, so the mesher's rows and a point sample give the
 * same bits.
 */
void
brush_prepare(const mp_brush *restrict b, struct brush_prep *restrict p)
{
	const float *end = b->shape == MP_BRUSH_SPHERE ? b->a : b->b;
	int i;

	/* restrict: p does not alias the brush, so no field is read twice */
	p->b = b;
	brush_reach(b, p->lo, p->hi);
	p->reach = b->smooth + MP_BRUSH_REACH;
	for (i = 0; i < 3; i++) {
		p->ba[i] = b->b[i] - b->a[i];
		p->c[i] = 0.5f * (b->a[i] + b->b[i]);
		p->e[i] = 0.5f * (b->b[i] - b->a[i]) - b->radius;
		p->core_lo[i] = min2(b->a[i], end[i]);
		p->core_hi[i] = max2(b->a[i], end[i]);
	}
	p->bb = p->ba[0] * p->ba[0] + p->ba[1] * p->ba[1] + p->ba[2] * p->ba[2];
	p->inv_bb = p->bb > 0.0f ? 1.0f / p->bb : 0.0f;
	p->inv_k = b->smooth > 0.0f ? 1.0f / b->smooth : 0.0f;
	/* How far from the core (a point, a box, a segment) a point can be
	 * and still be within reach of the shape; paint only acts inside. */
	p->shell = b->op == MP_EDIT_PAINT ? 0.0f : p->reach;
	p->shell += b->shape == MP_BRUSH_BOX ? 0.0f : b->radius;
}

static inline float
sphere_at(const struct brush_prep *p, const struct row *r, float x)
{
	const mp_brush *b = p->b;

	return len3(x - b->a[0], r->y - b->a[1], r->z - b->a[2]) - b->radius;
}

static inline float
box_at(const struct brush_prep *p, const struct row *r, float x)
{
	float q0 = fabsf(x - p->c[0]) - p->e[0];

	return len3(max2(q0, 0.0f), r->o1, r->o2) +
	    min2(max2(q0, r->qmax), 0.0f) - p->b->radius;
}

static inline float
capsule_at(const struct brush_prep *p, const struct row *r, float x)
{
	const mp_brush *b = p->b;
	float pa[3] = { x - b->a[0], r->y - b->a[1], r->z - b->a[2] };
	float h = (pa[0] * p->ba[0] + pa[1] * p->ba[1] + pa[2] * p->ba[2]) *
	    p->inv_bb;

	h = min2(max2(h, 0.0f), 1.0f);
	return len3(pa[0] - p->ba[0] * h, pa[1] - p->ba[1] * h,
	    pa[2] - p->ba[2] * h) - b->radius;
}

float
brush_sdf(const mp_brush *b, float x, float y, float z)
{
	struct brush_prep p;
	struct row r;

	brush_prepare(b, &p);
	row_init(&p, y, z, &r);
	switch (b->shape) {
	case MP_BRUSH_SPHERE:
		return sphere_at(&p, &r, x);
	case MP_BRUSH_BOX:
		return box_at(&p, &r, x);
	default:
		return capsule_at(&p, &r, x);
	}
}

/* Polynomial smooth minimum: min(a, b) less a blend within k of a == b. */
static inline float
smooth_min(float a, float b, float k, float ik)
{
	float h = max2(k - fabsf(a - b), 0.0f) * ik;

	return min2(a, b) - h * h * k * 0.25f;
}

/*
 * The shapes' distances and the operations over a row, as branch-free
 * loops the vectorizer turns into 4 or 8 points at a time: distances into
 * s[], then each point within reach (s < reach) takes the operation.  One
 * loop per shape and per operation keeps each of them simple enough.
 */
#define ROW_MAX 160             /* longest row: a transition face's, 2*64+3 */
#define ROW_VEC 8               /* floats in the widest vector (AVX2) */
_Static_assert(ROW_VEC <= FIELD_ROW_PAD, "rows may read a vector past xs");
#ifdef __SSE2__
#define ROW_LANES 4             /* the SSE2 loops' vector */
#else
#define ROW_LANES ROW_VEC
#endif

#ifdef __SSE2__
/*
 * Four points at a time with SSE2 (every x86-64 has it), in the very
 * operations, and order, of the scalar forms above: IEEE square roots,
 * products and sums give the same bits either way, and min and max of
 * finite values agree with minps and maxps.  (The vectorizer, left to
 * itself, kept these short rows scalar.)
 */
static inline __m128
len3_4(__m128 x2, __m128 y2, __m128 z2)      /* squares given */
{
	return _mm_sqrt_ps(_mm_add_ps(_mm_add_ps(x2, y2), z2));
}

static inline void
sphere_row(const struct brush_prep *p, const struct row *r,
    const float *restrict xs, int n, float *restrict s)
{
	const mp_brush *b = p->b;
	float dy = r->y - b->a[1], dz = r->z - b->a[2];
	__m128 a0 = _mm_set1_ps(b->a[0]), rad = _mm_set1_ps(b->radius);
	__m128 dy2 = _mm_set1_ps(dy * dy), dz2 = _mm_set1_ps(dz * dz);
	int i;

	for (i = 0; i < n; i += 4) {
		__m128 dx = _mm_sub_ps(_mm_loadu_ps(xs + i), a0);

		_mm_storeu_ps(s + i, _mm_sub_ps(len3_4(_mm_mul_ps(dx, dx), dy2,
		    dz2), rad));
	}
}

static inline void
box_row_s(const struct brush_prep *p, const struct row *r,
    const float *restrict xs, int n, float *restrict s)
{
	const __m128 sign = _mm_set1_ps(-0.0f), zero = _mm_setzero_ps();
	__m128 c0 = _mm_set1_ps(p->c[0]), e0 = _mm_set1_ps(p->e[0]);
	__m128 o1 = _mm_set1_ps(r->o1 * r->o1), o2 = _mm_set1_ps(r->o2 * r->o2);
	__m128 qmax = _mm_set1_ps(r->qmax), rad = _mm_set1_ps(p->b->radius);
	int i;

	for (i = 0; i < n; i += 4) {
		__m128 q0 = _mm_sub_ps(_mm_andnot_ps(sign,
		    _mm_sub_ps(_mm_loadu_ps(xs + i), c0)), e0);
		__m128 o0 = _mm_max_ps(q0, zero);
		__m128 in = _mm_min_ps(_mm_max_ps(q0, qmax), zero);

		_mm_storeu_ps(s + i, _mm_sub_ps(_mm_add_ps(len3_4(_mm_mul_ps(o0,
		    o0), o1, o2), in), rad));
	}
}

static inline void
capsule_row(const struct brush_prep *p, const struct row *r,
    const float *restrict xs, int n, float *restrict s)
{
	const mp_brush *b = p->b;
	const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f);
	float pa1 = r->y - b->a[1], pa2 = r->z - b->a[2];
	__m128 a0 = _mm_set1_ps(b->a[0]), rad = _mm_set1_ps(b->radius);
	__m128 ba0 = _mm_set1_ps(p->ba[0]), ba1 = _mm_set1_ps(p->ba[1]);
	__m128 ba2 = _mm_set1_ps(p->ba[2]), ibb = _mm_set1_ps(p->inv_bb);
	__m128 v1 = _mm_set1_ps(pa1), v2 = _mm_set1_ps(pa2);
	__m128 dot12 = _mm_set1_ps(pa1 * p->ba[1]), dot2 = _mm_set1_ps(pa2 * p->ba[2]);
	int i;

	for (i = 0; i < n; i += 4) {
		__m128 pa0 = _mm_sub_ps(_mm_loadu_ps(xs + i), a0), h, t0, t1, t2;

		h = _mm_mul_ps(_mm_add_ps(_mm_add_ps(_mm_mul_ps(pa0, ba0), dot12),
		    dot2), ibb);
		h = _mm_min_ps(_mm_max_ps(h, zero), one);
		t0 = _mm_sub_ps(pa0, _mm_mul_ps(ba0, h));
		t1 = _mm_sub_ps(v1, _mm_mul_ps(ba1, h));
		t2 = _mm_sub_ps(v2, _mm_mul_ps(ba2, h));
		_mm_storeu_ps(s + i, _mm_sub_ps(len3_4(_mm_mul_ps(t0, t0),
		    _mm_mul_ps(t1, t1), _mm_mul_ps(t2, t2)), rad));
	}
}
#else
static inline void
sphere_row(const struct brush_prep *p, const struct row *r,
    const float *restrict xs, int n, float *restrict s)
{
	int i;

	for (i = 0; i < n; i++)
		s[i] = sphere_at(p, r, xs[i]);
}

static inline void
box_row_s(const struct brush_prep *p, const struct row *r,
    const float *restrict xs, int n, float *restrict s)
{
	int i;

	for (i = 0; i < n; i++)
		s[i] = box_at(p, r, xs[i]);
}

static inline void
capsule_row(const struct brush_prep *p, const struct row *r,
    const float *restrict xs, int n, float *restrict s)
{
	int i;

	for (i = 0; i < n; i++)
		s[i] = capsule_at(p, r, xs[i]);
}
#endif

/* The operations on a row, given each point's distance s (below reach:
 * within reach).  With SSE2, four points at a time and the last few one
 * by one (the row ends where the array may), in the scalar forms' exact
 * operations. */
static inline float
add_at(float d, float s, float reach, float k, float ik)
{
	return !(s < reach) ? d : k > 0.0f ? smooth_min(d, s, k, ik) :
	    min2(d, s);
}

static inline float
subtract_at(float d, float s, float reach, float k, float ik)
{
	return !(s < reach) ? d : k > 0.0f ? -smooth_min(-d, s, k, ik) :
	    max2(d, -s);
}

#ifdef __SSE2__
static inline __m128
smooth_min4(__m128 a, __m128 b, __m128 k, __m128 ik)
{
	const __m128 sign = _mm_set1_ps(-0.0f), quarter = _mm_set1_ps(0.25f);
	__m128 h = _mm_mul_ps(_mm_max_ps(_mm_sub_ps(k, _mm_andnot_ps(sign,
	    _mm_sub_ps(a, b))), _mm_setzero_ps()), ik);

	return _mm_sub_ps(_mm_min_ps(a, b), _mm_mul_ps(_mm_mul_ps(_mm_mul_ps(h,
	    h), k), quarter));
}

static inline __m128
select4(__m128 mask, __m128 yes, __m128 no)
{
	return _mm_or_ps(_mm_and_ps(mask, yes), _mm_andnot_ps(mask, no));
}
#endif

#ifdef __SSE2__
/*
 * A row of n >= 4 points ends, when n is not a multiple of 4, on one more
 * vector laid over its last four points: the rows lie in arrays that end
 * where they do, so no vector may reach past them.  Lanes the vectors
 * before already did are kept by the lane mask (an operation applied twice
 * is not always the same: a smooth union is not).
 */
static const uint32_t tail_keep[4][4] = {    /* by n % 4: lanes done */
	{ 0, 0, 0, 0 },
	{ ~0u, ~0u, ~0u, 0 }, { ~0u, ~0u, 0, 0 }, { ~0u, 0, 0, 0 },
};

static inline __m128
tail_mask(int n)
{
	return _mm_loadu_ps((const float *)tail_keep[n & 3]);
}

static inline __m128
add4(__m128 dv, __m128 sv, __m128 r4, __m128 k4, __m128 ik4, float k)
{
	__m128 v = k > 0.0f ? smooth_min4(dv, sv, k4, ik4) : _mm_min_ps(dv, sv);

	return select4(_mm_cmplt_ps(sv, r4), v, dv);
}

static inline __m128
subtract4(__m128 dv, __m128 sv, __m128 r4, __m128 k4, __m128 ik4, float k)
{
	const __m128 sign = _mm_set1_ps(-0.0f);
	__m128 v = k > 0.0f ? _mm_xor_ps(sign, smooth_min4(_mm_xor_ps(sign,
	    dv), sv, k4, ik4)) : _mm_max_ps(dv, _mm_xor_ps(sign, sv));

	return select4(_mm_cmplt_ps(sv, r4), v, dv);
}
#endif

/* The union (sub 0) or subtraction (sub 1) over a row: a constant at
 * every call, so each folds to its own loop. */
static inline __attribute__((always_inline)) void
op_row(int sub, const float *restrict s, int n, float reach, float k,
    float ik, float *restrict d)
{
	int i = 0;
#ifdef __SSE2__
	__m128 r4 = _mm_set1_ps(reach), k4 = _mm_set1_ps(k), ik4 = _mm_set1_ps(ik);

	for (; i + 4 <= n; i += 4) {
		__m128 dv = _mm_loadu_ps(d + i), sv = _mm_loadu_ps(s + i);

		_mm_storeu_ps(d + i, sub ? subtract4(dv, sv, r4, k4, ik4, k) :
		    add4(dv, sv, r4, k4, ik4, k));
	}
	if (i < n && n >= 4) {
		__m128 dv = _mm_loadu_ps(d + n - 4), sv = _mm_loadu_ps(s + n - 4);

		_mm_storeu_ps(d + n - 4, select4(tail_mask(n), dv, sub ?
		    subtract4(dv, sv, r4, k4, ik4, k) :
		    add4(dv, sv, r4, k4, ik4, k)));
		return;
	}
#endif
	for (; i < n; i++)
		d[i] = sub ? subtract_at(d[i], s[i], reach, k, ik) :
		    add_at(d[i], s[i], reach, k, ik);
}

/* mat where bit i of the mask is set, i < n. */
static inline void
set_materials(uint8_t *m, unsigned mask, uint8_t mat)
{
	while (mask != 0) {
		m[__builtin_ctz(mask)] = mat;
		mask &= mask - 1;
	}
}

/* A union with materials: mat where the brush's surface wins (its distance
 * below the density before it), within reach. */
static inline __attribute__((always_inline)) void
add_material_row(const float *restrict s, int n, float reach,
    const float *restrict d, uint8_t mat, uint8_t *restrict m)
{
	int i = 0;
#ifdef __SSE2__
	__m128 r4 = _mm_set1_ps(reach);

	for (; i + 4 <= n; i += 4) {
		__m128 sv = _mm_loadu_ps(s + i);

		set_materials(m + i, (unsigned)_mm_movemask_ps(_mm_and_ps(
		    _mm_cmplt_ps(sv, r4), _mm_cmplt_ps(sv, _mm_loadu_ps(d + i)))),
		    mat);
	}
	if (i < n && n >= 4) {  /* the last four again: the same answers */
		__m128 sv = _mm_loadu_ps(s + n - 4);

		set_materials(m + n - 4, (unsigned)_mm_movemask_ps(_mm_and_ps(
		    _mm_cmplt_ps(sv, r4), _mm_cmplt_ps(sv,
		    _mm_loadu_ps(d + n - 4)))), mat);
		return;
	}
#endif
	for (; i < n; i++)
		if (s[i] < reach && s[i] < d[i])
			m[i] = mat;
}

/* Material mat inside the shape (paint). */
static inline __attribute__((always_inline)) void
paint_row(const float *restrict s, int n, uint8_t mat, uint8_t *restrict m)
{
	int i = 0;
#ifdef __SSE2__
	for (; i + 4 <= n; i += 4)
		set_materials(m + i, (unsigned)_mm_movemask_ps(_mm_cmplt_ps(
		    _mm_loadu_ps(s + i), _mm_setzero_ps())), mat);
	if (i < n && n >= 4) {  /* the last four again: the same answers */
		set_materials(m + n - 4, (unsigned)_mm_movemask_ps(_mm_cmplt_ps(
		    _mm_loadu_ps(s + n - 4), _mm_setzero_ps())), mat);
		return;
	}
#endif
	for (; i < n; i++)
		if (s[i] < 0.0f)
			m[i] = mat;
}

/* The lowest and highest density of d[0..n). */
static inline void
density_range(const float *d, int n, float *lo, float *hi)
{
	int i = 0;
#ifdef __SSE2__
	__m128 l4 = _mm_set1_ps(INFINITY), h4 = _mm_set1_ps(-INFINITY);
	float l[4], h[4];

	for (; i + 4 <= n; i += 4) {
		__m128 v = _mm_loadu_ps(d + i);

		l4 = _mm_min_ps(l4, v), h4 = _mm_max_ps(h4, v);
	}
	if (i < n && n >= 4) {  /* the last four again: the same bounds */
		__m128 v = _mm_loadu_ps(d + n - 4);

		l4 = _mm_min_ps(l4, v), h4 = _mm_max_ps(h4, v);
		i = n;
	}
	_mm_storeu_ps(l, l4), _mm_storeu_ps(h, h4);
	*lo = min2(min2(l[0], l[1]), min2(l[2], l[3]));
	*hi = max2(max2(h[0], h[1]), max2(h[2], h[3]));
#else
	*lo = INFINITY, *hi = -INFINITY;
#endif
	for (; i < n; i++)
		*lo = min2(*lo, d[i]), *hi = max2(*hi, d[i]);
}

/* One row of the reach box (z, its plane's dz2), where the brush reaches
 * it. */
static inline __attribute__((always_inline)) void
apply_row(const struct brush_prep *p, const float *xs, int n, float y,
    float z, float dz2, float *d, uint8_t *m)
{
	const mp_brush *b = p->b;
	float s[ROW_MAX + ROW_VEC], lo, hi, d2 = row_d2(p, y, dz2);
	struct row r;
	int vlen;

	if (d2 > p->shell * p->shell)
		return;
	/* Deep in rock a union, high in the air a subtraction, does nothing:
	 * the densities alone say so, before any distance. */
	if (b->op != MP_EDIT_PAINT)
		density_range(d, n, &lo, &hi);
	else
		lo = hi = 0.0f;
	if (row_unchanged(b, row_s_low(p, d2), lo, hi))
		return;
	row_init(p, y, z, &r);
	/* Distances for whole vectors (xs may be read FIELD_ROW_PAD past its
	 * end; what lies there only fills s[] beyond n), so no scalar tail
	 * of square roots runs. */
	vlen = (n + ROW_LANES - 1) / ROW_LANES * ROW_LANES;
	if (b->shape == MP_BRUSH_SPHERE)
		sphere_row(p, &r, xs, vlen, s);
	else if (b->shape == MP_BRUSH_BOX)
		box_row_s(p, &r, xs, vlen, s);
	else
		capsule_row(p, &r, xs, vlen, s);
	switch (b->op) {
	case MP_EDIT_ADD:
		if (m != NULL)          /* where its surface wins, before it */
			add_material_row(s, n, p->reach, d, b->material, m);
		op_row(0, s, n, p->reach, b->smooth, p->inv_k, d);
		break;
	case MP_EDIT_SUBTRACT:
		op_row(1, s, n, p->reach, b->smooth, p->inv_k, d);
		break;
	default:
		if (m != NULL)
			paint_row(s, n, b->material, m);
		break;
	}
}

void
brush_grid_portable(const struct brush_prep *p, const float *const c[3],
    const int a[3], const int b[3], const int n[3], float *d, uint8_t *m)
{
	float shell2 = p->shell * p->shell, dz;
	int l, j, i, len = b[0] - a[0] + 1;

	for (l = a[2]; l <= b[2]; l++) {
		dz = plane_dz(p, c[2][l]);
		if (dz * dz > shell2)
			continue;       /* no row of the plane is reached */
		for (j = a[1]; j <= b[1]; j++) {
			size_t row = ((size_t)l * n[1] + j) * n[0] + a[0];

			for (i = 0; i < len; i += ROW_MAX)
				apply_row(p, c[0] + a[0] + i, len - i < ROW_MAX ?
				    len - i : ROW_MAX, c[1][j], c[2][l], dz * dz,
				    d + row + i, m != NULL ? m + row + i : NULL);
		}
	}
}

void
brush_apply_grid(const struct brush_prep *p, const float *const c[3],
    const int a[3], const int b[3], const int n[3], float *d, uint8_t *m)
{
	if (p->b->op == MP_EDIT_PAINT && m == NULL)
		return;                 /* paint changes materials only */
#ifdef BRUSH_AVX
	if (__builtin_cpu_supports("avx2")) {
		brush_grid_avx(p, c, a, b, n, d, m);
		return;
	}
#endif
	brush_grid_portable(p, c, a, b, n, d, m);
}

void
brush_apply(const struct brush_prep *p, float x, float y, float z, float *d,
    uint8_t *m)
{
	float xs[FIELD_ROW_PAD + 1] = { x };
	const float *c[3] = { xs, &y, &z };
	const int zero[3] = { 0, 0, 0 }, one[3] = { 1, 1, 1 };

	/* The same choice a grid makes for this point: inside the reach box
	 * on every axis. */
	if (x >= p->lo[0] && x <= p->hi[0] && y >= p->lo[1] && y <= p->hi[1] &&
	    z >= p->lo[2] && z <= p->hi[2])
		brush_apply_grid(p, c, zero, zero, one, d, m);
}
