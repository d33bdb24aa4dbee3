/*
 * noise.c - gradient noise (Perlin's "improved" scheme: quintic fade,
 * gradients dotted with the offset to each lattice corner), with the
 * gradient picked by hashing the lattice point and seed instead of a
 * permutation table: no per-seed setup, no global state, and the loops over
 * a row of points have no data-dependent loads, so they vectorise.
 *
 * Bounds.  The value is a convex blend (fade weights) of the four or eight
 * corner terms g.d.  Summed over corners, sum w_c |g_c.d_c| <= sum over axes of
 * max_u [(1-s(u)) u + s(u) (1-u)] = 0.5 per axis (at u = 1/2), because each
 * gradient component is -1, 0 or 1.  So |noise2| <= 1 and the raw 3D value is
 * within 1.5, which NOISE3_SCALE brings to 1.
 */
#include <math.h>

#include "clones.h"
#include "noise.h"

#define NOISE3_SCALE (1.0f / 1.5f)
#define COORD_LIMIT  1e9f     /* beyond this float has no fraction left */

static inline __attribute__((always_inline)) uint32_t
hash3(uint32_t seed, int32_t x, int32_t y, int32_t z)
{
	uint32_t h = seed ^ ((uint32_t)x * 0x8da6b343u) ^
	    ((uint32_t)y * 0xd8163841u) ^ ((uint32_t)z * 0xcb1ab31fu);

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	h *= 0x297a2d39u;
	h ^= h >> 15;
	return h;
}

static inline __attribute__((always_inline)) float
fade(float t)
{
	return t * t * t * (t * (t * 6.0f - 15.0f) + 10.0f);
}

static inline __attribute__((always_inline)) float
lerp(float a, float b, float t)
{
	return a + t * (b - a);
}

/* Keep the lattice index in int range (NaN and infinities included) so the
 * float-to-int conversion below is always defined. */
static inline __attribute__((always_inline)) float
clamp_coord(float x)
{
	x = x >= -COORD_LIMIT ? x : -COORD_LIMIT;
	return x <= COORD_LIMIT ? x : COORD_LIMIT;
}

static inline __attribute__((always_inline)) int32_t
floor_int(float x)
{
	int32_t i = (int32_t)x;

	return i - (x < (float)i);
}

/* Flip the sign of x when bit is set: integer ops only, so that rows of
 * samples run as straight-line vector code (no branches, no selects). */
static inline __attribute__((always_inline)) float
flip(float x, uint32_t bit)
{
	union { float f; uint32_t u; } v = { x };

	v.u ^= (bit & 1u) << 31;
	return v.f;
}

/* Diagonal gradients (+-1, +-1) chosen by two hash bits. */
static inline __attribute__((always_inline)) float
grad2(uint32_t h, float x, float y)
{
	return flip(x, h) + flip(y, h >> 1);
}

/* Perlin's twelve edge gradients (and four repeats). */
static inline __attribute__((always_inline)) float
grad3(uint32_t h, float x, float y, float z)
{
	uint32_t k = h & 15;
	float u = k < 8 ? x : y;
	float v = k < 4 ? y : ((k | 2u) == 14u) ? x : z;

	return flip(u, k) + flip(v, k >> 1);
}

/* The y (and z) part of a lattice position, shared by a whole row. */
struct axis { int32_t i; float f, s; };

static inline __attribute__((always_inline)) struct axis
axis_of(float y)
{
	struct axis a;

	y = clamp_coord(y);
	a.i = floor_int(y);
	a.f = y - (float)a.i;
	a.s = fade(a.f);
	return a;
}

/* x is already clamped. */
static inline __attribute__((always_inline)) float
noise2_at(uint32_t seed, float x, struct axis y)
{
	int32_t ix = floor_int(x);
	float fx = x - (float)ix, u = fade(fx), a, b;

	a = lerp(grad2(hash3(seed, ix, y.i, 0), fx, y.f),
	    grad2(hash3(seed, ix + 1, y.i, 0), fx - 1.0f, y.f), u);
	b = lerp(grad2(hash3(seed, ix, y.i + 1, 0), fx, y.f - 1.0f),
	    grad2(hash3(seed, ix + 1, y.i + 1, 0), fx - 1.0f, y.f - 1.0f), u);
	return lerp(a, b, y.s);
}

/* The same down a column: x shared, y (already clamped) varies; the very
 * operations of noise2_at, so the same bits. */
static inline __attribute__((always_inline)) float
noise2_col_at(uint32_t seed, struct axis x, float y)
{
	int32_t iy = floor_int(y);
	float fy = y - (float)iy, v = fade(fy), a, b;

	a = lerp(grad2(hash3(seed, x.i, iy, 0), x.f, fy),
	    grad2(hash3(seed, x.i + 1, iy, 0), x.f - 1.0f, fy), x.s);
	b = lerp(grad2(hash3(seed, x.i, iy + 1, 0), x.f, fy - 1.0f),
	    grad2(hash3(seed, x.i + 1, iy + 1, 0), x.f - 1.0f, fy - 1.0f), x.s);
	return lerp(a, b, v);
}

static inline __attribute__((always_inline)) float
noise2_inline(uint32_t seed, float x, float y)
{
	return noise2_at(seed, clamp_coord(x), axis_of(y));
}

/* x is already clamped. */
static inline __attribute__((always_inline)) float
noise3_at(uint32_t seed, float x, struct axis y, struct axis z)
{
	int32_t ix = floor_int(x);
	float fx = x - (float)ix, u = fade(fx), x0, x1, x2, x3;

	x0 = lerp(grad3(hash3(seed, ix, y.i, z.i), fx, y.f, z.f),
	    grad3(hash3(seed, ix + 1, y.i, z.i), fx - 1, y.f, z.f), u);
	x1 = lerp(grad3(hash3(seed, ix, y.i + 1, z.i), fx, y.f - 1, z.f),
	    grad3(hash3(seed, ix + 1, y.i + 1, z.i), fx - 1, y.f - 1, z.f), u);
	x2 = lerp(grad3(hash3(seed, ix, y.i, z.i + 1), fx, y.f, z.f - 1),
	    grad3(hash3(seed, ix + 1, y.i, z.i + 1), fx - 1, y.f, z.f - 1), u);
	x3 = lerp(grad3(hash3(seed, ix, y.i + 1, z.i + 1), fx, y.f - 1, z.f - 1),
	    grad3(hash3(seed, ix + 1, y.i + 1, z.i + 1), fx - 1, y.f - 1,
	    z.f - 1), u);
	return lerp(lerp(x0, x1, y.s), lerp(x2, x3, y.s), z.s) * NOISE3_SCALE;
}

static inline __attribute__((always_inline)) float
noise3_inline(uint32_t seed, float x, float y, float z)
{
	return noise3_at(seed, clamp_coord(x), axis_of(y), axis_of(z));
}

float
noise2(uint32_t seed, float x, float y)
{
	return noise2_inline(seed, x, y);
}

float
noise3(uint32_t seed, float x, float y, float z)
{
	return noise3_inline(seed, x, y, z);
}

/* Per-octave constants, computed once, identically for scalar and rows. */
struct octaves {
	uint32_t n, seed[16];
	float    freq[16], weight[16], total;
};

static void
octaves_init(const struct fbm *p, struct octaves *o)
{
	float f = p->frequency, w = 1.0f;
	uint32_t i;

	o->n = p->octaves > 16 ? 16 : p->octaves;
	o->total = 0.0f;
	for (i = 0; i < o->n; i++) {
		o->seed[i] = p->seed + i * 0x9e3779b9u;
		o->freq[i] = f;
		o->weight[i] = w;
		o->total += w;
		f *= p->lacunarity;
		w *= p->gain;
	}
}

float
fbm2(const struct fbm *p, float x, float y)
{
	struct octaves o;
	float acc = 0.0f;
	uint32_t i;

	octaves_init(p, &o);
	for (i = 0; i < o.n; i++)
		acc += o.weight[i] * noise2_inline(o.seed[i], x * o.freq[i],
		    y * o.freq[i]);
	return acc / o.total;
}

float
fbm3(const struct fbm *p, float x, float y, float z)
{
	struct octaves o;
	float acc = 0.0f;
	uint32_t i;

	octaves_init(p, &o);
	for (i = 0; i < o.n; i++)
		acc += o.weight[i] * noise3_inline(o.seed[i], x * o.freq[i],
		    y * o.freq[i], z * o.freq[i]);
	return acc / o.total;
}

/* One octave over a row; restrict tells the vectoriser x and out differ.
 * Rows go in blocks whose x are scaled and clamped in a loop of their own:
 * with the clamp inside the noise loop, the compiler specialises the
 * out-of-range paths and the loop no longer vectorises. */
#define ROW_BLOCK 64
/* Blocks are evaluated in whole vectors of 8 (padded with copies of the
 * last point, whose values are dropped): a chunk's rows are 35 long, and
 * the scalar tail of 3 cost as much as 24 lanes of vector. */
#define ROW_PAD(m) (((m) + 7) & ~7)

enum { LINE_ROW2, LINE_ROW3, LINE_COL2 };

/* One octave along a line of points: a 2D or 3D row (x varies; yf, zf
 * fixed) or a 2D column (y varies; yf is the fixed x).  Only ever called
 * with a constant kind, after which the other cases fold away. */
static inline __attribute__((always_inline)) void
line_body(int kind, uint32_t s, float f, float w, float yf, float zf,
    const float *restrict x, int n, float *restrict out)
{
	struct axis y = axis_of(yf);
	struct axis z = axis_of(kind == LINE_ROW3 ? zf : 0.0f);
	float t[ROW_BLOCK], v[ROW_BLOCK];
	int b, k, m;

	for (b = 0; b < n; b += ROW_BLOCK) {
		m = n - b < ROW_BLOCK ? n - b : ROW_BLOCK;
		for (k = 0; k < m; k++)
			t[k] = clamp_coord(x[b + k] * f);
		for (k = m; k < ROW_PAD(m); k++)
			t[k] = t[m - 1];
		for (k = 0; k < ROW_PAD(m); k++)
			v[k] = kind == LINE_ROW3 ? noise3_at(s, t[k], y, z) :
			    kind == LINE_COL2 ? noise2_col_at(s, y, t[k]) :
			    noise2_at(s, t[k], y);
		for (k = 0; k < m; k++)
			out[b + k] += w * v[k];
	}
}

/* Rows are built once per ISA (clones.h): the hash needs a 32-bit vector
 * multiply that baseline x86-64 lacks. */

ROW_CLONES static void
row2(uint32_t s, float f, float w, float yf, const float *restrict x, int n,
    float *restrict out)
{
	line_body(LINE_ROW2, s, f, w, yf, 0.0f, x, n, out);
}

ROW_CLONES static void
col2(uint32_t s, float f, float w, float xf, const float *restrict y, int n,
    float *restrict out)
{
	line_body(LINE_COL2, s, f, w, xf, 0.0f, y, n, out);
}

ROW_CLONES static void
row3(uint32_t s, float f, float w, float yf, float zf,
    const float *restrict x, int n, float *restrict out)
{
	line_body(LINE_ROW3, s, f, w, yf, zf, x, n, out);
}

/* fbm2 along a line: a row (coords are x, fixed the y) or a column
 * (coords are y, fixed the x). */
static void
fbm2_line(const struct fbm *p, int column, float fixed, const float *coords,
    int n, float *out)
{
	struct octaves o;
	uint32_t i;
	int k;

	octaves_init(p, &o);
	for (k = 0; k < n; k++)
		out[k] = 0.0f;
	for (i = 0; i < o.n; i++) {
		float f = o.freq[i];

		if (column)
			col2(o.seed[i], f, o.weight[i], fixed * f, coords, n, out);
		else
			row2(o.seed[i], f, o.weight[i], fixed * f, coords, n, out);
	}
	for (k = 0; k < n; k++)
		out[k] = out[k] / o.total;
}

void
fbm2_row(const struct fbm *p, const float *x, float y, int n, float *out)
{
	fbm2_line(p, 0, y, x, n, out);
}

void
fbm2_col(const struct fbm *p, float x, const float *y, int n, float *out)
{
	fbm2_line(p, 1, x, y, n, out);
}

void
fbm3_row(const struct fbm *p, const float *x, float y, float z, int n,
    float *out)
{
	struct octaves o;
	uint32_t i;
	int k;

	octaves_init(p, &o);
	for (k = 0; k < n; k++)
		out[k] = 0.0f;
	for (i = 0; i < o.n; i++) {
		uint32_t s = o.seed[i];
		float f = o.freq[i], w = o.weight[i], yf = y * f, zf = z * f;

		row3(s, f, w, yf, zf, x, n, out);
	}
	for (k = 0; k < n; k++)
		out[k] = out[k] / o.total;
}
