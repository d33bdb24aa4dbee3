/*
 * brush_avx.c - a brush applied to a plane of points eight at a time,
 * for machines with AVX2 (brush_apply_plane picks it at run time).
 *
 * A small brush's rows are a few points long, so what costs is not the
 * arithmetic but what each row pays around it.  Here one call takes the
 * whole grid: the shape's and the operation's constants are set once,
 * each row is one vector or two, and its last vector is masked (loads and
 * stores of the lanes past the row do nothing), so no row runs a scalar
 * or overlapping tail.  The arithmetic is the very operations, in the
 * same order, as the four-wide and scalar forms in brush.c: IEEE square
 * roots, quotients, products and sums give the same bits at any width,
 * min and max of finite values agree with vminps and vmaxps, and no FMA
 * is enabled, so a chunk meshed here is bit-identical to one meshed on a
 * machine without AVX2 and to a point sampled through brush_apply.
 */
#include "brush_row.h"

#ifdef BRUSH_AVX
#include <immintrin.h>

#define AVX __attribute__((target("avx2")))
#define AVX_INLINE static inline __attribute__((target("avx2"), always_inline))

/* Vectors in the longest row of a grid the mesher fills: a transition
 * face's layers, 2 * MP_MAX_CELLS + 3 half-step samples.  A longer one
 * takes the portable path. */
#define XVEC_MAX ((2 * MP_MAX_CELLS + 3 + 7) / 8)
#define YROWS_MAX (8 * XVEC_MAX)  /* a grid's rows, to a whole vector */

/* Per brush: the broadcasts every row uses (and the plane's dz). */
struct plane8 {
	__m256 reach, k, rad, zero, sign;
	__m256 a0;                      /* sphere, capsule: a[0] */
	__m256 c0, e0;                  /* box: centre and half size, x */
	__m256 ba0, ba1, ba2, ibb;      /* capsule */
	__m256 ik;                      /* 1 / smooth */
	__m256 ninf;                    /* -infinity */
	float dz;                       /* sphere, capsule: z - a[2] */
};

AVX_INLINE __m256
len3_8(__m256 x2, __m256 y2, __m256 z2)        /* squares given */
{
	return _mm256_sqrt_ps(_mm256_add_ps(_mm256_add_ps(x2, y2), z2));
}

/*
 * What a vector of points shares with the same points of every other row:
 * its x terms, found once per brush (xt) rather than once per row.  Sphere:
 * (x - a0)^2 in t, and x - a0 in u for the capsule (and u * ba0 in t); box:
 * q0 = |x - c0| - e0 in u, max(q0, 0)^2 in t.  The same operations on the
 * same bits as when they were found per row.
 */
struct xterm8 {
	__m256 t, u;
};

AVX_INLINE struct xterm8
x_terms8(int shape, const struct plane8 *c, __m256 x)
{
	struct xterm8 xt;

	if (shape == MP_BRUSH_BOX) {
		__m256 o0;

		xt.u = _mm256_sub_ps(_mm256_andnot_ps(c->sign,
		    _mm256_sub_ps(x, c->c0)), c->e0);
		o0 = _mm256_max_ps(xt.u, c->zero);
		xt.t = _mm256_mul_ps(o0, o0);
	} else {
		xt.u = _mm256_sub_ps(x, c->a0);
		xt.t = shape == MP_BRUSH_SPHERE ? _mm256_mul_ps(xt.u, xt.u) :
		    _mm256_mul_ps(xt.u, c->ba0);
	}
	return xt;
}

/* The shape's signed distance at the eight points of row r whose x terms
 * are xt. */
AVX_INLINE __m256
distance8(int shape, const struct brush_prep *p, const struct plane8 *c,
    const struct row *r, struct xterm8 xt)
{
	if (shape == MP_BRUSH_SPHERE) {
		float dy = r->y - p->b->a[1];

		return _mm256_sub_ps(len3_8(xt.t,
		    _mm256_set1_ps(dy * dy), _mm256_set1_ps(c->dz * c->dz)),
		    c->rad);
	}
	if (shape == MP_BRUSH_BOX) {
		__m256 in = _mm256_min_ps(_mm256_max_ps(xt.u,
		    _mm256_set1_ps(r->qmax)), c->zero);

		return _mm256_sub_ps(_mm256_add_ps(len3_8(xt.t,
		    _mm256_set1_ps(r->o1 * r->o1), _mm256_set1_ps(r->o2 * r->o2)),
		    in), c->rad);
	} else {
		float pa1 = r->y - p->b->a[1], pa2 = c->dz;
		__m256 pa0 = xt.u, h, t0, t1, t2;

		h = _mm256_mul_ps(_mm256_add_ps(_mm256_add_ps(xt.t,
		    _mm256_set1_ps(pa1 * p->ba[1])),
		    _mm256_set1_ps(pa2 * p->ba[2])), c->ibb);
		h = _mm256_min_ps(_mm256_max_ps(h, c->zero), _mm256_set1_ps(1.0f));
		t0 = _mm256_sub_ps(pa0, _mm256_mul_ps(c->ba0, h));
		t1 = _mm256_sub_ps(_mm256_set1_ps(pa1), _mm256_mul_ps(c->ba1, h));
		t2 = _mm256_sub_ps(_mm256_set1_ps(pa2), _mm256_mul_ps(c->ba2, h));
		return _mm256_sub_ps(len3_8(_mm256_mul_ps(t0, t0),
		    _mm256_mul_ps(t1, t1), _mm256_mul_ps(t2, t2)), c->rad);
	}
}

/* Polynomial smooth minimum, as smooth_min in brush.c. */
AVX_INLINE __m256
smooth_min8(const struct plane8 *c, __m256 a, __m256 b)
{
	__m256 h = _mm256_mul_ps(_mm256_max_ps(_mm256_sub_ps(c->k,
	    _mm256_andnot_ps(c->sign, _mm256_sub_ps(a, b))), c->zero), c->ik);

	return _mm256_sub_ps(_mm256_min_ps(a, b), _mm256_mul_ps(_mm256_mul_ps(
	    _mm256_mul_ps(h, h), c->k), _mm256_set1_ps(0.25f)));
}

/* The union or subtraction of distance s into density d, within reach. */
AVX_INLINE __m256
operate8(int op, int smooth, const struct plane8 *c, __m256 d, __m256 s)
{
	__m256 v;

	if (op == MP_EDIT_ADD)
		v = smooth ? smooth_min8(c, d, s) : _mm256_min_ps(d, s);
	else
		v = smooth ? _mm256_xor_ps(c->sign, smooth_min8(c,
		    _mm256_xor_ps(c->sign, d), s)) :
		    _mm256_max_ps(d, _mm256_xor_ps(c->sign, s));
	return _mm256_blendv_ps(d, v, _mm256_cmp_ps(s, c->reach, _CMP_LT_OQ));
}

/*
 * mat where a lane of hit is set, at m[0..7].  With room (all eight bytes
 * lie in the grid) the eight bytes are read and written back in one go,
 * the lanes hit has not set unchanged (past the row's end they belong to
 * the next row, or the next plane, of the same grid); else one by one.
 */
AVX_INLINE void
materials8(uint8_t *m, __m256 hit, uint8_t mat, int room)
{
	__m256i h = _mm256_castps_si256(hit);
	__m128i w, old;
	unsigned mask;

	if (room) {
		w = _mm_packs_epi32(_mm256_castsi256_si128(h),
		    _mm256_extractf128_si256(h, 1));
		old = _mm_loadl_epi64((const __m128i *)m);
		_mm_storel_epi64((__m128i *)m, _mm_blendv_epi8(old,
		    _mm_set1_epi8((char)mat), _mm_packs_epi16(w, w)));
		return;
	}
	for (mask = (unsigned)_mm256_movemask_ps(hit); mask != 0;
	    mask &= mask - 1)
		m[__builtin_ctz(mask)] = mat;
}

/* Does the brush leave the row d[0..n) as it is, its points no nearer
 * the shape than s_low?  row_unchanged's test, lane by lane. */
AVX_INLINE int
row_noop8(int op, const struct plane8 *c, const float *d, int n, __m256i last,
    __m256 nlast, const float *s_low)
{
	__m256 ok = _mm256_castsi256_ps(_mm256_set1_epi32(-1)), v;
	__m256 sl = _mm256_broadcast_ss(s_low);
	int i;

	for (i = 0; ; i += 8) {
		v = i + 8 < n ? _mm256_loadu_ps(d + i) :
		    _mm256_maskload_ps(d + i, last);
		v = op == MP_EDIT_ADD ? _mm256_sub_ps(sl, v) : _mm256_add_ps(sl, v);
		v = _mm256_and_ps(_mm256_cmp_ps(v, c->zero, _CMP_GT_OQ),
		    _mm256_cmp_ps(v, c->k, _CMP_GE_OQ));
		if (i + 8 >= n)
			break;
		ok = _mm256_and_ps(ok, v);
	}
	ok = _mm256_and_ps(ok, _mm256_or_ps(v, nlast));
	return _mm256_movemask_ps(ok) == 0xff;
}

/* Eight points of a row from i on, the lanes of mask only: the
 * brush's distances, then its operation (and material). */
AVX_INLINE void
points8(int shape, int op, int smooth, const struct brush_prep *p,
    const struct plane8 *c, const struct row *r, struct xterm8 xt, float *d,
    uint8_t *m, int room, __m256i mask)
{
	__m256 s = distance8(shape, p, c, r, xt);
	__m256 dv, hit;

	if (op == MP_EDIT_PAINT) {      /* materials only, inside the shape */
		hit = _mm256_and_ps(_mm256_cmp_ps(s, c->zero, _CMP_LT_OQ),
		    _mm256_castsi256_ps(mask));
		materials8(m, hit, p->b->material, room);
		return;
	}
	dv = _mm256_maskload_ps(d, mask);
	if (op == MP_EDIT_ADD && m != NULL) {   /* where its surface wins */
		hit = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(s, c->reach,
		    _CMP_LT_OQ), _mm256_cmp_ps(s, dv, _CMP_LT_OQ)),
		    _mm256_castsi256_ps(mask));
		materials8(m, hit, p->b->material, room);
	}
	_mm256_maskstore_ps(d, mask, operate8(op, smooth, c, dv, s));
}

/*
 * The rows a brush changes, found before any is changed: each one's
 * distance to the core (within the shell) and its densities (not deep in
 * rock for a union, not high in the air for a subtraction: about half the
 * rows of brushes at the ground) decide, without a branch, whether it
 * goes on the list, and the list is then worked through.  A branch per
 * row would cost more in mispredictions than the rows it skips: which
 * rows they are follows the terrain, not a pattern.  A row's densities
 * are only read here, and no other row of the same brush writes them.
 */
#define ROWS_MAX 1024           /* rows listed before they are worked */

struct rows8 {                   /* what the rows of one grid share */
	const float *const *co;
	const int *a, *n;
	float *d;
	uint8_t *m;
	const struct xterm8 *xt;
	int len;
	size_t total;
	__m256i last;
	__m256 nlast;                   /* the lanes past a row's end */
	uint32_t todo[ROWS_MAX];        /* plane << 16 | row */
	uint32_t off[ROWS_MAX];         /* where the row starts in d */
	int cnt;
};

/* The listed rows, each distance and operation (and material). */
AVX_INLINE void
rows_work(int shape, int op, int smooth, const struct brush_prep *p,
    struct plane8 *c, struct rows8 *g)
{
	const __m256i all = _mm256_set1_epi32(-1);
	int k, i;

	for (k = 0; k < g->cnt; k++) {
		int j = (int)(g->todo[k] & 0xffffu), l = (int)(g->todo[k] >> 16);
		float z = g->co[2][l];
		size_t row = g->off[k];
		float *d = g->d + row;
		uint8_t *m = g->m != NULL ? g->m + row : NULL;
		struct row r;

		c->dz = z - p->b->a[2];
		row_init(p, g->co[1][j], z, &r);
		for (i = 0; i + 8 < g->len; i += 8)
			points8(shape, op, smooth, p, c, &r, g->xt[i / 8], d + i,
			    m != NULL ? m + i : NULL, 1, all);
		points8(shape, op, smooth, p, c, &r, g->xt[i / 8], d + i,
		    m != NULL ? m + i : NULL, row + i + 8 <= g->total, g->last);
	}
	g->cnt = 0;
}

/*
 * The rows of one plane, eight at a time: the nearest any point of each
 * comes to the shape into sl, from its squared distance to the core in
 * the y-z plane (yy: its dy^2, dz2: the plane's), by the very operations
 * row_d2 and row_s_low make; +infinity for a row beyond the shell, which
 * every operation then leaves as it is (row_noop8).
 */
AVX_INLINE void
plane_rows8(int shape, const struct plane8 *c, const float *yy, int ny,
    float dz2, float shell2, float *sl)
{
	__m256 dz = _mm256_set1_ps(dz2), sh = _mm256_set1_ps(shell2), v, r;
	int j;

	for (j = 0; j < ny; j += 8) {
		v = _mm256_add_ps(_mm256_load_ps(yy + j), dz);
		r = _mm256_sqrt_ps(v);
		r = shape == MP_BRUSH_BOX ? _mm256_blendv_ps(c->ninf, r,
		    _mm256_cmp_ps(v, c->zero, _CMP_GT_OQ)) :
		    _mm256_sub_ps(r, c->rad);
		r = _mm256_blendv_ps(r, _mm256_xor_ps(c->ninf, c->sign),
		    _mm256_cmp_ps(v, sh, _CMP_GT_OQ));
		_mm256_store_ps(sl + j, r);
	}
}

/* The rows of plane l the brush changes onto the list. */
AVX_INLINE void
plane_list(int op, const struct plane8 *c, struct rows8 *g, int l,
    const float *sl, int ny)
{
	size_t row = ((size_t)l * g->n[1] + g->a[1]) * g->n[0] + g->a[0];
	uint32_t key = (uint32_t)l << 16 | (uint32_t)g->a[1];
	int j, noop, cnt = g->cnt, stride = g->n[0], len = g->len;

	for (j = 0; j < ny; j++, row += (size_t)stride) {
		noop = op == MP_EDIT_PAINT ? sl[j] >= 0.0f :
		    row_noop8(op, c, g->d + row, len, g->last, g->nlast, sl + j);
		g->todo[cnt] = key + (uint32_t)j;
		g->off[cnt] = (uint32_t)row;
		cnt += !noop;
	}
	g->cnt = cnt;
}

/* One shape and one operation over the grid's box a..b (constants at
 * every call, so each becomes its own loop). */
AVX_INLINE void
grid(int shape, int op, int smooth, const struct brush_prep *p,
    struct plane8 *c, const float *const co[3], const int a[3],
    const int b[3], const int n[3], float *dg, uint8_t *mg)
{
	const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
	const float *xs = co[0] + a[0];
	int len = b[0] - a[0] + 1, ny = b[1] - a[1] + 1, j, l, i;
	float shell2 = p->shell * p->shell, dz;
	float yy[YROWS_MAX] __attribute__((aligned(32)));
	float sl[YROWS_MAX] __attribute__((aligned(32)));
	struct xterm8 xt[XVEC_MAX];
	struct rows8 g;

	g.co = co, g.a = a, g.n = n, g.d = dg, g.m = mg, g.xt = xt;
	g.len = len, g.cnt = 0;
	g.total = (size_t)n[0] * n[1] * n[2];
	g.last = _mm256_cmpgt_epi32(_mm256_set1_epi32(len - (len - 1) / 8 * 8),
	    lane);
	g.nlast = _mm256_xor_ps(_mm256_castsi256_ps(g.last),
	    _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
	for (j = 0; j < ny; j++)
		yy[j] = row_dy2(p, co[1][a[1] + j]);
	for (; j % 8 != 0; j++)
		yy[j] = 0.0f;
	for (i = 0; i + 8 < len; i += 8)
		xt[i / 8] = x_terms8(shape, c, _mm256_loadu_ps(xs + i));
	xt[i / 8] = x_terms8(shape, c, _mm256_maskload_ps(xs + i, g.last));
	for (l = a[2]; l <= b[2]; l++) {
		dz = plane_dz(p, co[2][l]);
		if (dz * dz > shell2)
			continue;       /* no row of the plane is reached */
		if (g.cnt + ny > ROWS_MAX)
			rows_work(shape, op, smooth, p, c, &g);
		plane_rows8(shape, c, yy, ny, dz * dz, shell2, sl);
		plane_list(op, c, &g, l, sl, ny);
	}
	rows_work(shape, op, smooth, p, c, &g);
}

#define GRID(shape, op, smooth)                                             \
	grid(shape, op, smooth, p, &c, co, a, b, n, d, m)

/* One shape's operations: the union and subtraction sharp or smooth. */
#define GRID_OPS(shape)                                                     \
	do {                                                                \
		if (p->b->op == MP_EDIT_PAINT)                              \
			GRID(shape, MP_EDIT_PAINT, 0);                      \
		else if (p->b->op == MP_EDIT_ADD)                           \
			smooth ? GRID(shape, MP_EDIT_ADD, 1) :              \
			    GRID(shape, MP_EDIT_ADD, 0);                    \
		else                                                        \
			smooth ? GRID(shape, MP_EDIT_SUBTRACT, 1) :         \
			    GRID(shape, MP_EDIT_SUBTRACT, 0);               \
	} while (0)

/*
 * Everything the loops read, copied into locals first: the materials are
 * bytes, and a byte store may alias anything a pointer reaches, so read
 * through the caller's pointers every brush constant and bound would be
 * loaded again after each one.
 */
AVX void
brush_grid_avx(const struct brush_prep *prep, const float *const axes[3],
    const int lo[3], const int hi[3], const int size[3], float *d, uint8_t *m)
{
	mp_brush br = *prep->b;
	struct brush_prep q = *prep, *p = &q;
	const float *co[3] = { axes[0], axes[1], axes[2] };
	int a[3] = { lo[0], lo[1], lo[2] }, b[3] = { hi[0], hi[1], hi[2] };
	int n[3] = { size[0], size[1], size[2] };
	int smooth = br.smooth > 0.0f;
	struct plane8 c;

	if (b[0] < a[0])
		return;
	if (b[0] - a[0] + 1 > 8 * XVEC_MAX || b[1] - a[1] + 1 > YROWS_MAX ||
	    (uint64_t)n[0] * (uint64_t)n[1] * (uint64_t)n[2] > UINT32_MAX) {
		brush_grid_portable(prep, axes, lo, hi, size, d, m);
		return;
	}
	q.b = &br;
	c.reach = _mm256_set1_ps(p->reach);
	c.k = _mm256_set1_ps(br.smooth);
	c.rad = _mm256_set1_ps(br.radius);
	c.zero = _mm256_setzero_ps();
	c.sign = _mm256_set1_ps(-0.0f);
	c.a0 = _mm256_set1_ps(br.a[0]);
	c.c0 = _mm256_set1_ps(p->c[0]);
	c.e0 = _mm256_set1_ps(p->e[0]);
	c.ba0 = _mm256_set1_ps(p->ba[0]);
	c.ba1 = _mm256_set1_ps(p->ba[1]);
	c.ba2 = _mm256_set1_ps(p->ba[2]);
	c.ibb = _mm256_set1_ps(p->inv_bb);
	c.ik = _mm256_set1_ps(p->inv_k);
	c.ninf = _mm256_set1_ps(-INFINITY);
	if (br.shape == MP_BRUSH_SPHERE)
		GRID_OPS(MP_BRUSH_SPHERE);
	else if (br.shape == MP_BRUSH_BOX)
		GRID_OPS(MP_BRUSH_BOX);
	else
		GRID_OPS(MP_BRUSH_CAPSULE);
}
#else
typedef int brush_avx_unused;   /* ISO C wants a declaration */
#endif
