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

#include "brush.h"
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
brush_reach(const mp_brush *b, float lo[3], float hi[3])
{
	float grow = b->smooth + MP_BRUSH_REACH;
	int i;

	for (i = 0; i < 3; i++) {
		switch (b->shape) {
		case MP_BRUSH_SPHERE:
			lo[i] = b->a[i] - b->radius;
			hi[i] = b->a[i] + b->radius;
			break;
		case MP_BRUSH_BOX:
			lo[i] = b->a[i];
			hi[i] = b->b[i];
			break;
		default:
			lo[i] = fminf(b->a[i], b->b[i]) - b->radius;
			hi[i] = fmaxf(b->a[i], b->b[i]) + b->radius;
			break;
		}
		lo[i] -= grow;
		hi[i] += grow;
	}
}

static inline float
min2(float a, float b)
{
	return a < b ? a : b;   /* inputs are finite: no NaN rules needed */
}

static inline float
max2(float a, float b)
{
	return a > b ? a : b;
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
struct row {
	float y, z;
	float o1, o2, qmax;     /* box: the y and z terms */
};

void
brush_prepare(const mp_brush *b, struct brush_prep *p)
{
	int i;

	p->b = b;
	brush_reach(b, p->lo, p->hi);
	p->reach = b->smooth + MP_BRUSH_REACH;
	for (i = 0; i < 3; i++) {
		p->ba[i] = b->b[i] - b->a[i];
		p->c[i] = 0.5f * (b->a[i] + b->b[i]);
		p->e[i] = 0.5f * (b->b[i] - b->a[i]) - b->radius;
		p->core_lo[i] = b->shape == MP_BRUSH_SPHERE ? b->a[i] :
		    b->a[i] < b->b[i] ? b->a[i] : b->b[i];
		p->core_hi[i] = b->shape == MP_BRUSH_SPHERE ? b->a[i] :
		    b->a[i] > b->b[i] ? b->a[i] : b->b[i];
	}
	p->bb = p->ba[0] * p->ba[0] + p->ba[1] * p->ba[1] + p->ba[2] * p->ba[2];
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

static void
box_row(const struct brush_prep *p, struct row *r)
{
	float q1 = fabsf(r->y - p->c[1]) - p->e[1];
	float q2 = fabsf(r->z - p->c[2]) - p->e[2];

	r->o1 = max2(q1, 0.0f);
	r->o2 = max2(q2, 0.0f);
	r->qmax = max2(q1, q2);
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
	float h = p->bb > 0.0f ? (pa[0] * p->ba[0] + pa[1] * p->ba[1] +
	    pa[2] * p->ba[2]) / p->bb : 0.0f;

	h = min2(max2(h, 0.0f), 1.0f);
	return len3(pa[0] - p->ba[0] * h, pa[1] - p->ba[1] * h,
	    pa[2] - p->ba[2] * h) - b->radius;
}

static void
row_init(const struct brush_prep *p, float y, float z, struct row *r)
{
	r->y = y, r->z = z;
	r->o1 = r->o2 = r->qmax = 0.0f;
	if (p->b->shape == MP_BRUSH_BOX)
		box_row(p, r);
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
smooth_min(float a, float b, float k)
{
	float h = max2(k - fabsf(a - b), 0.0f) / k;

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
	__m128 ba2 = _mm_set1_ps(p->ba[2]), bb = _mm_set1_ps(p->bb);
	__m128 v1 = _mm_set1_ps(pa1), v2 = _mm_set1_ps(pa2);
	__m128 dot12 = _mm_set1_ps(pa1 * p->ba[1]), dot2 = _mm_set1_ps(pa2 * p->ba[2]);
	int i;

	for (i = 0; i < n; i += 4) {
		__m128 pa0 = _mm_sub_ps(_mm_loadu_ps(xs + i), a0), h, t0, t1, t2;

		h = p->bb > 0.0f ? _mm_div_ps(_mm_add_ps(_mm_add_ps(
		    _mm_mul_ps(pa0, ba0), dot12), dot2), bb) : zero;
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
add_at(float d, float s, float reach, float k)
{
	return !(s < reach) ? d : k > 0.0f ? smooth_min(d, s, k) : min2(d, s);
}

static inline float
subtract_at(float d, float s, float reach, float k)
{
	return !(s < reach) ? d : k > 0.0f ? -smooth_min(-d, s, k) :
	    max2(d, -s);
}

#ifdef __SSE2__
static inline __m128
smooth_min4(__m128 a, __m128 b, __m128 k)
{
	const __m128 sign = _mm_set1_ps(-0.0f), quarter = _mm_set1_ps(0.25f);
	__m128 h = _mm_div_ps(_mm_max_ps(_mm_sub_ps(k, _mm_andnot_ps(sign,
	    _mm_sub_ps(a, b))), _mm_setzero_ps()), k);

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
add4(__m128 dv, __m128 sv, __m128 r4, __m128 k4, float k)
{
	__m128 v = k > 0.0f ? smooth_min4(dv, sv, k4) : _mm_min_ps(dv, sv);

	return select4(_mm_cmplt_ps(sv, r4), v, dv);
}

static inline __m128
subtract4(__m128 dv, __m128 sv, __m128 r4, __m128 k4, float k)
{
	const __m128 sign = _mm_set1_ps(-0.0f);
	__m128 v = k > 0.0f ? _mm_xor_ps(sign, smooth_min4(_mm_xor_ps(sign,
	    dv), sv, k4)) : _mm_max_ps(dv, _mm_xor_ps(sign, sv));

	return select4(_mm_cmplt_ps(sv, r4), v, dv);
}
#endif

/* The union (sub 0) or subtraction (sub 1) over a row: a constant at
 * every call, so each folds to its own loop. */
static inline __attribute__((always_inline)) void
op_row(int sub, const float *restrict s, int n, float reach, float k,
    float *restrict d)
{
	int i = 0;
#ifdef __SSE2__
	__m128 r4 = _mm_set1_ps(reach), k4 = _mm_set1_ps(k);

	for (; i + 4 <= n; i += 4) {
		__m128 dv = _mm_loadu_ps(d + i), sv = _mm_loadu_ps(s + i);

		_mm_storeu_ps(d + i, sub ? subtract4(dv, sv, r4, k4, k) :
		    add4(dv, sv, r4, k4, k));
	}
	if (i < n && n >= 4) {
		__m128 dv = _mm_loadu_ps(d + n - 4), sv = _mm_loadu_ps(s + n - 4);

		_mm_storeu_ps(d + n - 4, select4(tail_mask(n), dv, sub ?
		    subtract4(dv, sv, r4, k4, k) : add4(dv, sv, r4, k4, k)));
		return;
	}
#endif
	for (; i < n; i++)
		d[i] = sub ? subtract_at(d[i], s[i], reach, k) :
		    add_at(d[i], s[i], reach, k);
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

int
brush_plane_span(const struct brush_prep *p, float z, float *y0, float *y1)
{
	float dz = max2(max2(p->core_lo[2] - z, z - p->core_hi[2]), 0.0f), half;

	if (z < p->lo[2] || z > p->hi[2] || dz > p->shell)
		return 0;
	half = sqrtf(p->shell * p->shell - dz * dz);
	*y0 = max2(p->core_lo[1] - half, p->lo[1]);
	*y1 = min2(p->core_hi[1] + half, p->hi[1]);
	return *y0 <= *y1;
}

/*
 * The part of a row [*i0, *i1) the brush can reach: within reach of the
 * shape by the distance to its core in the y-z plane alone.  The whole
 * row, which lies inside the reach box: narrowing it to the shell's
 * x span cost more in square roots, scans and scalar tails than it saved
 * on rows this short (1,000 small brushes: 14.6M -> 15.9M instructions).
 * 0 when the row is out of reach.
 */
static inline __attribute__((always_inline)) int
row_span(const struct brush_prep *p, const float *xs, int n, float y,
    float z, int *i0, int *i1, float *s_low)
{
	float dy, dz, d2;

	(void)xs;
	dy = max2(max2(p->core_lo[1] - y, y - p->core_hi[1]), 0.0f);
	dz = max2(max2(p->core_lo[2] - z, z - p->core_hi[2]), 0.0f);
	d2 = dy * dy + dz * dz;
	if (d2 > p->shell * p->shell)
		return 0;
	/* No point of the row is nearer the shape than this (a box's own
	 * row may pass inside it: no bound then). */
	*s_low = p->b->shape == MP_BRUSH_BOX ? (d2 > 0.0f ? sqrtf(d2) :
	    -INFINITY) : sqrtf(d2) - p->b->radius;
	*i0 = 0, *i1 = n;
	return n > 0;
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

/* Can the brush change nothing in a row whose densities lie in [lo, hi]
 * and whose points are at least s_low from its shape?  A union changes
 * (and colours) only where the shape is nearer than the density plus the
 * blend, a subtraction only where minus the distance exceeds it. */
static inline int
row_unchanged(const mp_brush *b, float s_low, float lo, float hi)
{
	if (b->op == MP_EDIT_ADD)
		return hi + b->smooth <= s_low;
	if (b->op == MP_EDIT_SUBTRACT)
		return lo - b->smooth >= -s_low;
	return s_low >= 0.0f;
}

/* One row inside the reach box, where the brush reaches it. */
static inline __attribute__((always_inline)) void
apply_row(const struct brush_prep *p, const float *xs, int n, float y,
    float z, float *d, uint8_t *m)
{
	const mp_brush *b = p->b;
	float s[ROW_MAX + ROW_VEC], s_low, lo, hi;
	struct row r;
	int i0, i1, len, vlen;

	if (!row_span(p, xs, n, y, z, &i0, &i1, &s_low))
		return;
	len = i1 - i0, xs += i0, d += i0;
	m = m != NULL ? m + i0 : NULL;
	/* Deep in rock a union, high in the air a subtraction, does nothing:
	 * the densities alone say so, before any distance. */
	if (b->op != MP_EDIT_PAINT) {
		density_range(d, len, &lo, &hi);
		if (row_unchanged(b, s_low, lo, hi))
			return;
	} else if (row_unchanged(b, s_low, 0.0f, 0.0f)) {
		return;
	}
	row_init(p, y, z, &r);
	/* Distances for whole vectors (xs may be read FIELD_ROW_PAD past its
	 * end; what lies there only fills s[] beyond len), so no scalar tail
	 * of square roots runs. */
	vlen = (len + ROW_LANES - 1) / ROW_LANES * ROW_LANES;
	if (b->shape == MP_BRUSH_SPHERE)
		sphere_row(p, &r, xs, vlen, s);
	else if (b->shape == MP_BRUSH_BOX)
		box_row_s(p, &r, xs, vlen, s);
	else
		capsule_row(p, &r, xs, vlen, s);
	switch (b->op) {
	case MP_EDIT_ADD:
		if (m != NULL)          /* where its surface wins, before it */
			add_material_row(s, len, p->reach, d, b->material, m);
		op_row(0, s, len, p->reach, b->smooth, d);
		break;
	case MP_EDIT_SUBTRACT:
		op_row(1, s, len, p->reach, b->smooth, d);
		break;
	default:
		if (m != NULL)
			paint_row(s, len, b->material, m);
		break;
	}
}

/* Rows j0..j1 of a plane, each n points long, stride apart: all of one
 * brush's work on a plane in one call. */
static void
apply_rows(const struct brush_prep *p, const float *xs, int n,
    const float *ys, int j0, int j1, float z, float *d, size_t stride,
    uint8_t *m)
{
	int j;

	for (j = j0; j <= j1; j++)
		apply_row(p, xs, n, ys[j], z, d + (size_t)(j - j0) * stride,
		    m != NULL ? m + (size_t)(j - j0) * stride : NULL);
}

void
brush_apply_plane(const struct brush_prep *p, const float *xs, int n,
    const float *ys, int j0, int j1, float z, float *d, size_t stride,
    uint8_t *m)
{
	for (; n > ROW_MAX; n -= ROW_MAX, xs += ROW_MAX, d += ROW_MAX) {
		apply_rows(p, xs, ROW_MAX, ys, j0, j1, z, d, stride, m);
		m = m != NULL ? m + ROW_MAX : NULL;     /* never, today */
	}
	apply_rows(p, xs, n, ys, j0, j1, z, d, stride, m);
}

void
brush_apply(const struct brush_prep *p, float x, float y, float z, float *d,
    uint8_t *m)
{
	float xs[FIELD_ROW_PAD + 1] = { x }, y0, y1;

	/* The same choices a grid's rows make for this point. */
	if (x >= p->lo[0] && x <= p->hi[0] && brush_plane_span(p, z, &y0, &y1) &&
	    y >= y0 && y <= y1)
		brush_apply_plane(p, xs, 1, &y, 0, 0, z, d, 1, m);
}
