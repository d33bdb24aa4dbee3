/*
 * field_noise.c - HEIGHTMAP and VOLUME densities:
 *   HEIGHTMAP  d = y - (offset + amplitude * fbm2(x, z))
 *   VOLUME     d = y - (offset + amplitude * fbm3(x, y, z))
 * with fbm normalised to [-1, 1] (see noise.h), so the surface never leaves
 * the band y = offset +- |amplitude|: that bound is what lets the extractor
 * skip chunks above or below the terrain without sampling anything.
 */
#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "field_noise.h"

/* FNV-1a over what decides the field's values, never 0. */
static uint64_t
field_key(const struct noise_field *nf)
{
	const float v[6] = { nf->fbm.frequency, nf->fbm.lacunarity, nf->fbm.gain,
	    nf->amplitude, nf->offset, 0.0f };
	const uint32_t u[3] = { nf->kind, nf->fbm.seed, nf->fbm.octaves };
	const unsigned char *p[2] = { (const void *)v, (const void *)u };
	size_t len[2] = { sizeof v, sizeof u }, i, k;
	uint64_t h = 0xcbf29ce484222325ull;

	for (k = 0; k < 2; k++)
		for (i = 0; i < len[k]; i++)
			h = (h ^ p[k][i]) * 0x100000001b3ull;
	return h | 1;
}

void
noise_field_init(struct noise_field *nf, const mp_field *f)
{
	nf->kind = f->kind;
	nf->fbm.seed = f->seed;
	nf->fbm.octaves = f->octaves;
	nf->fbm.frequency = f->frequency;
	nf->fbm.lacunarity = f->lacunarity != 0.0f ? f->lacunarity : 2.0f;
	nf->fbm.gain = f->gain != 0.0f ? f->gain : 0.5f;
	nf->amplitude = f->amplitude;
	nf->offset = f->offset;
	nf->key = field_key(nf);
}

/* Longest column fbm2_col is asked for (an X face's half steps: 2*64+3). */
#define COL_MAX 160

/* The heights of g's columns into h (xs, zs: their coordinates).  Rows
 * along x; for a grid narrow in x and long in z (an X transition face's
 * three layers), columns along z instead: three calls of 67 points, not
 * 67 of three, which the noise's vectors of 8 would mostly pad. */
static void
column_heights(const struct noise_field *nf, const struct grid *g,
    const float *xs, const float *zs, float *h)
{
	int nx = g->n[0], nz = g->n[2], i, k;
	float col[COL_MAX];

	if (nx < 8 && nz > nx && nz <= COL_MAX) {
		for (i = 0; i < nx; i++) {
			fbm2_col(&nf->fbm, xs[i], zs, nz, col);
			for (k = 0; k < nz; k++)
				h[(size_t)k * nx + i] = nf->offset +
				    nf->amplitude * col[k];
		}
		return;
	}
	for (k = 0; k < nz; k++) {
		float *row = h + (size_t)k * nx;

		fbm2_row(&nf->fbm, xs, zs[k], nx, row);
		for (i = 0; i < nx; i++)
			row[i] = nf->offset + nf->amplitude * row[i];
	}
}

static int
noise_columns(const void *ctx, const struct grid *g, float *h, float *tmp)
{
	float *xs = tmp, *zs = xs + g->n[0];

	if (h == NULL)
		return 0;
	field_axis(g, 0, xs);
	field_axis(g, 2, zs);
	column_heights(ctx, g, xs, zs, h);
	return 0;
}

/* Lower *mn and raise *mx to the least and greatest of v[0..n): four at a
 * time with SSE2 (minps keeps its second operand when they tie or the
 * first is NaN, as the scalar compare does). */
static void
row_minmax(const float *v, int n, float *mn, float *mx)
{
	float lo = *mn, hi = *mx;
	int i = 0;
#ifdef __SSE2__
	if (n >= 4) {
		__m128 l4 = _mm_set1_ps(lo), h4 = _mm_set1_ps(hi);
		float l[4], h[4];
		int k;

		for (; i + 4 <= n; i += 4) {
			__m128 x = _mm_loadu_ps(v + i);

			l4 = _mm_min_ps(x, l4), h4 = _mm_max_ps(x, h4);
		}
		_mm_storeu_ps(l, l4), _mm_storeu_ps(h, h4);
		for (k = 0; k < 4; k++) {
			lo = l[k] < lo ? l[k] : lo;
			hi = h[k] > hi ? h[k] : hi;
		}
	}
#endif
	for (; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	*mn = lo, *mx = hi;
}

/* Rows of three points (an X face's layers), o[3j + i] = ys[j] - h[i]:
 * with SSE2 four rows at a time, the twelve differences interleaved into
 * three vectors (the same subtractions, so the same bits). */
static void
fill_three(const float *ys, int ny, const float *h, float *o)
{
	int j = 0;
#ifdef __SSE2__
	__m128 h0 = _mm_set1_ps(h[0]), h1 = _mm_set1_ps(h[1]);
	__m128 h2 = _mm_set1_ps(h[2]);

	for (; j + 4 <= ny; j += 4, o += 12) {
		__m128 y = _mm_loadu_ps(ys + j);
		__m128 a = _mm_sub_ps(y, h0), b = _mm_sub_ps(y, h1);
		__m128 c = _mm_sub_ps(y, h2);
		__m128 ab_lo = _mm_unpacklo_ps(a, b), ab_hi = _mm_unpackhi_ps(a, b);
		__m128 ca_lo = _mm_unpacklo_ps(c, a), ca_hi = _mm_unpackhi_ps(c, a);
		__m128 bc_lo = _mm_unpacklo_ps(b, c), bc_hi = _mm_unpackhi_ps(b, c);

		/* a0 b0 c0 a1 | b1 c1 a2 b2 | c2 a3 b3 c3 */
		_mm_storeu_ps(o, _mm_shuffle_ps(ab_lo, ca_lo,
		    _MM_SHUFFLE(3, 0, 1, 0)));
		_mm_storeu_ps(o + 4, _mm_shuffle_ps(bc_lo, ab_hi,
		    _MM_SHUFFLE(1, 0, 3, 2)));
		_mm_storeu_ps(o + 8, _mm_shuffle_ps(ca_hi, bc_hi,
		    _MM_SHUFFLE(3, 2, 3, 0)));
	}
#endif
	for (; j < ny; j++, o += 3) {
		o[0] = ys[j] - h[0];
		o[1] = ys[j] - h[1];
		o[2] = ys[j] - h[2];
	}
}

/* A heightmap needs one 2D fbm per (x, z) column, never per voxel.  And if
 * every inner column's height lies strictly below the lowest inner y, or
 * above the highest, the inner box is all air (or all solid): no surface,
 * and a lazy caller needs no densities at all (an empty chunk inside the
 * terrain's band then costs the heights alone).  Density y - h is computed
 * in float exactly as below, and its sign is that of y - h: the test is
 * exact. */
static int
fill_heightmap(const struct noise_field *nf, const struct grid *g, float *out,
    float *tmp, int lazy)
{
	int nx = g->n[0], ny = g->n[1], nz = g->n[2];
	float *xs = tmp + (size_t)nx * nz, *ys = xs + nx, *zs = ys + ny;
	float *h = tmp, hmin, hmax;
	int i, j, k, uniform;

	field_axis(g, 0, xs);
	field_axis(g, 1, ys);
	field_axis(g, 2, zs);
	column_heights(nf, g, xs, zs, h);
	hmin = INFINITY, hmax = -INFINITY;
	for (k = 1; k < nz - 1; k++)
		row_minmax(h + (size_t)k * nx + 1, nx - 2, &hmin, &hmax);
	uniform = ny >= 3 && nx >= 3 && nz >= 3 &&
	    (hmax < ys[1] || hmin > ys[ny - 2]);
	if (uniform && lazy)
		return FIELD_UNIFORM;
	for (k = 0; k < nz; k++) {
		const float *hrow = h + (size_t)k * nx;
		float *o = out + (size_t)k * ny * nx;

		if (nx == 3)    /* an X face's three layers: no loop per row */
			fill_three(ys, ny, hrow, o);
		else
			for (j = 0; j < ny; j++, o += nx)
				for (i = 0; i < nx; i++)
					o[i] = ys[j] - hrow[i];
	}
	return uniform ? FIELD_UNIFORM : FIELD_MIXED;
}

static void
fill_volume(const struct noise_field *nf, const struct grid *g, float *out,
    float *tmp)
{
	int nx = g->n[0], ny = g->n[1], nz = g->n[2];
	float *xs = tmp, *ys = xs + nx, *zs = ys + ny;
	int i, j, k;

	field_axis(g, 0, xs);
	field_axis(g, 1, ys);
	field_axis(g, 2, zs);
	for (k = 0; k < nz; k++) {
		for (j = 0; j < ny; j++) {
			float *o = out + ((size_t)k * ny + j) * nx;
			float y = ys[j];

			fbm3_row(&nf->fbm, xs, y, zs[k], nx, o);
			for (i = 0; i < nx; i++)
				o[i] = y - (nf->offset + nf->amplitude * o[i]);
		}
	}
}

/* One point: the scalar fbm, bit-identical to the row forms (noise.h), and
 * several times cheaper than a row of one (the extractor samples single
 * points when it locates crossings on chunk edges at LOD 0). */
static float
noise_point(const struct noise_field *nf, const struct grid *g)
{
	float x = field_world(g->g0[0], g->voxel);
	float y = field_world(g->g0[1], g->voxel);
	float z = field_world(g->g0[2], g->voxel);

	if (nf->kind == MP_FIELD_HEIGHTMAP)
		return y - (nf->offset + nf->amplitude * fbm2(&nf->fbm, x, z));
	return y - (nf->offset + nf->amplitude * fbm3(&nf->fbm, x, y, z));
}

static int
noise_fill(const void *ctx, const struct grid *g, float *out, float *tmp,
    int lazy)
{
	const struct noise_field *nf = ctx;

	if (g->n[0] == 1 && g->n[1] == 1 && g->n[2] == 1) {
		out[0] = noise_point(nf, g);
		return FIELD_MIXED;
	}
	if (nf->kind == MP_FIELD_HEIGHTMAP)
		return fill_heightmap(nf, g, out, tmp, lazy);
	fill_volume(nf, g, out, tmp);
	return FIELD_MIXED;
}

/* Both kinds are y minus a value within offset +- |amplitude| * NOISE_BOUND. */
static int
noise_range(const void *ctx, const double lo[3], const double hi[3],
    float *dmin, float *dmax)
{
	const struct noise_field *nf = ctx;
	/* Widened a little: the float sums in fill may round past the exact bound,
	 * and a chunk skipped wrongly would leave a hole next to its neighbour. */
	double band = fabs((double)nf->amplitude) * NOISE_BOUND * (1.0 + 1e-4) +
	    fabs((double)nf->offset) * 1e-6 + 1e-6;

	*dmin = (float)(lo[1] - (nf->offset + band));
	*dmax = (float)(hi[1] - (nf->offset - band));
	return 1;
}

float
noise_field_sample(const struct noise_field *nf, float x, float y, float z)
{
	if (nf->kind == MP_FIELD_HEIGHTMAP)
		return y - (nf->offset + nf->amplitude * fbm2(&nf->fbm, x, z));
	return y - (nf->offset + nf->amplitude * fbm3(&nf->fbm, x, y, z));
}

struct field
noise_field_as_field(const struct noise_field *nf)
{
	struct field f = { noise_fill, noise_range, nf, NULL,
	    nf->kind == MP_FIELD_HEIGHTMAP ? noise_columns : NULL, nf->key };

	return f;
}
