/*
 * transvoxel.c - extract the isosurface of one chunk with Eric Lengyel's
 * Transvoxel algorithm: Marching-Cubes-like regular cells, plus transition
 * cells on faces whose neighbour is one LOD finer, so the two meet without
 * cracks.
 *
 * Coordinates.  A chunk of N cells per side at LOD L samples the lattice
 * every s = 2^L voxels, from its origin g0 (global voxel coordinates, see
 * field.h).  Local lattice index i in [0, N] is global g0 + i*s.  Samples are
 * kept one point wider on each side ([-1, N+1]) for central-difference
 * normals.  A transition face also samples its plane at half steps, s/2,
 * exactly where the finer neighbour samples its own boundary.
 *
 * Seams.  Every vertex is made by one function (make_vertex) from the lower
 * lattice point of its edge, the edge axis and length and the two densities,
 * all of which a neighbouring chunk names identically; so both sides of a seam
 * get the same bits and weld exactly.
 *
 * Vertex reuse.  A vertex is cached under the lattice edge it lies on (one
 * slot per edge: 3 per point).  That is the same sharing the tables' reuse
 * nibbles describe, and it also shares the vertices of transition cells with
 * the regular cells beside them and between two transition faces meeting at a
 * chunk edge, which the nibbles alone do not.  Only touched slots are reset.
 *
 * Vertex shifting.  Regular cells beside a transition face are squeezed to
 * make room for transition cells TV_TRANSITION_WIDTH of a cell thick
 * (Lengyel, "Voxel-Based Terrain for Real-Time Virtual Simulations", 4.3):
 * a vertex at local coordinate u < 1 moves inward by (1-u)*w, projected on
 * its tangent plane.  A vertex lying on a boundary face that is *not* a
 * transition face is never moved: the same-LOD neighbour across that face
 * does not know about our transition and keeps it in place, so moving it
 * would open a sliver along the chunk edge (this happens at every edge of a
 * LOD ring).  The transition cell there degenerates to zero width, which is
 * harmless.  Shifted vertices are never on a seam with another chunk.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "meshpool.h"
#include "transvoxel.h"
#include "transvoxel_tables.h"

/* Keeps vertices off lattice points, so that two different edges never give
 * the same position (a vertex exactly on a corner would be made once per edge
 * touching it, and the welded mesh would not be a manifold). */
#define T_EPS (1.0f / 1024.0f)

/* Orientation of the tables relative to our frame (outward = +gradient). */
#define REGULAR_FLIP    0
#define TRANSITION_FLIP 0

enum { VK_REGULAR = 0, VK_FINE = 1 };

struct vmeta {                  /* how a vertex was made, for shifting */
	uint16_t idx[3];            /* lower lattice point of its edge */
	uint8_t  axis, kind;
	float    t;
	uint32_t slot;              /* cache slot to reset */
};

struct tv_scratch {
	int       n;                /* cells per side the arrays are sized for */
	float    *d;                /* (n+3)^3 padded samples */
	float    *tmp;              /* field fill scratch */
	size_t    tmp_len;
	unsigned __int128 *mask;    /* (n+1)^2 rows: bit i set = point i solid */
	int32_t  *rcache;           /* 3*(n+1)^3 regular edge -> vertex */
	int32_t  *fcache;           /* 6 faces * 2 dirs * (2n+1)^2 fine edges */
	float    *face[6];          /* 3 layers * (2n+3)^2 half-step samples */
	struct vmeta *meta;
	uint32_t  cap_meta;
};

/* Chunk-wide constants for one extraction. */
struct ctx {
	const struct tv_chunk *c;
	struct tv_scratch *s;
	struct mesh *out;
	int       n, p;             /* cells, padded points per side (n+3) */
	int64_t   step;
	int       oom;
};

/* ---------------------------------------------------------------- scratch */

struct tv_scratch *
tv_scratch_new(void)
{
	return calloc(1, sizeof(struct tv_scratch));
}

static void
scratch_release(struct tv_scratch *s)
{
	int f;

	free(s->d);
	free(s->tmp);
	free(s->mask);
	free(s->rcache);
	free(s->fcache);
	for (f = 0; f < 6; f++)
		free(s->face[f]);
	free(s->meta);
	memset(s, 0, sizeof *s);
}

void
tv_scratch_free(struct tv_scratch *s)
{
	if (s == NULL)
		return;
	scratch_release(s);
	free(s);
}

static int32_t *
new_cache(size_t n)
{
	int32_t *c = malloc(n * sizeof *c);

	if (c != NULL)
		memset(c, 0xff, n * sizeof *c);    /* -1: no vertex yet */
	return c;
}

/* Size every array for n cells; kept across chunks of the same size. */
static int
scratch_prepare(struct tv_scratch *s, int n)
{
	size_t p = (size_t)n + 3, q = 2 * (size_t)n + 3, r = 2 * (size_t)n + 1;
	size_t e = (size_t)n + 1;
	int f;

	if (s->n == n)
		return 0;
	scratch_release(s);
	s->tmp_len = q * q + 3 * q + p * p + 3 * p;
	s->d = malloc(p * p * p * sizeof *s->d);
	s->tmp = malloc(s->tmp_len * sizeof *s->tmp);
	s->mask = malloc(e * e * sizeof *s->mask);
	s->rcache = new_cache(3 * e * e * e);
	s->fcache = new_cache(12 * r * r);
	if (!s->d || !s->tmp || !s->mask || !s->rcache || !s->fcache)
		goto fail;
	for (f = 0; f < 6; f++)
		if ((s->face[f] = malloc(3 * q * q * sizeof(float))) == NULL)
			goto fail;
	s->n = n;
	return 0;
fail:
	scratch_release(s);
	return -1;
}

static int
meta_reserve(struct ctx *x, uint32_t need)
{
	struct tv_scratch *s = x->s;
	struct vmeta *m;
	uint32_t cap;

	if (need <= s->cap_meta)
		return 0;
	cap = s->cap_meta ? s->cap_meta : 1024;
	while (cap < need)
		cap *= 2;
	if ((m = realloc(s->meta, (size_t)cap * sizeof *m)) == NULL)
		return -1;
	s->meta = m;
	s->cap_meta = cap;
	return 0;
}

/* Put every cache slot this chunk used back to -1. */
static void
reset_caches(struct ctx *x)
{
	struct tv_scratch *s = x->s;
	uint32_t v;

	for (v = 0; v < x->out->nv; v++) {
		if (s->meta[v].kind == VK_REGULAR)
			s->rcache[s->meta[v].slot] = -1;
		else
			s->fcache[s->meta[v].slot] = -1;
	}
}

/* ---------------------------------------------------------------- sampling */

static inline float
D(const struct ctx *x, int i, int j, int k)
{
	return x->s->d[(((size_t)k + 1) * x->p + (j + 1)) * x->p + (i + 1)];
}

/* FIELD_UNIFORM when the field saw that no surface crosses the chunk's
 * samples; then, with no transition faces to build, nothing was written. */
static int
sample_chunk(struct ctx *x, const struct field *f)
{
	struct grid g;
	int a;

	for (a = 0; a < 3; a++) {
		g.g0[a] = x->c->g0[a] - x->step;
		g.n[a] = x->p;
	}
	g.step = x->step;
	g.voxel = x->c->voxel;
	return f->fill(f->ctx, &g, x->s->d, x->s->tmp, x->c->transitions == 0);
}

/* Solid bits of n consecutive samples (n <= 65): bit i set when d[i] < 0.
 * Four at a time with a vector compare where SSE2 is there. */
static unsigned __int128
row_mask(const float *d, int n)
{
	uint64_t lo = 0, hi = 0;
	int i = 0;

#ifdef __SSE2__
	const __m128 zero = _mm_setzero_ps();

	for (; i + 4 <= n && i + 4 <= 64; i += 4)
		lo |= (uint64_t)_mm_movemask_ps(_mm_cmplt_ps(_mm_loadu_ps(d + i),
		    zero)) << i;
#endif
	for (; i < n; i++) {
		uint64_t bit = d[i] < 0.0f;

		if (i < 64)
			lo |= bit << i;
		else
			hi |= bit << (i - 64);
	}
	return (unsigned __int128)hi << 64 | lo;
}

/* Row masks over x, one per lattice row (j, k) in [0, n]^2. */
static void
build_masks(struct ctx *x)
{
	int n = x->n, j, k;

	for (k = 0; k <= n; k++)
		for (j = 0; j <= n; j++)
			x->s->mask[(size_t)k * (n + 1) + j] =
			    row_mask(&x->s->d[(((size_t)k + 1) * x->p + (j + 1)) *
			    x->p + 1], n + 1);
}

/* ---------------------------------------------------------------- vertices */

static inline float
edge_t(float d0, float d1)
{
	float t = d0 / (d0 - d1);

	if (!(t >= T_EPS))
		t = T_EPS;
	if (t > 1.0f - T_EPS)
		t = 1.0f - T_EPS;
	return t;
}

/* The one place a vertex is computed: edge from lattice point gp along axis
 * for len lattice units, densities d0 (at gp) and d1, corner gradients n0 and
 * n1.  Seam exactness depends on every caller going through here. */
static void
make_vertex(const int64_t gp[3], int axis, int64_t len, float voxel,
    float d0, float d1, const float n0[3], const float n1[3],
    float *pos, float *nrm)
{
	float t = edge_t(d0, d1), w0, w1, l;
	int a;

	for (a = 0; a < 3; a++)
		pos[a] = field_world(gp[a], voxel);
	w0 = pos[axis];
	w1 = field_world(gp[axis] + len, voxel);
	pos[axis] = w0 + t * (w1 - w0);
	for (a = 0; a < 3; a++)
		nrm[a] = n0[a] + t * (n1[a] - n0[a]);
	l = sqrtf(nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]);
	if (l > 0.0f && isfinite(l)) {
		for (a = 0; a < 3; a++)
			nrm[a] /= l;
	} else {
		nrm[0] = 0.0f, nrm[1] = 1.0f, nrm[2] = 0.0f;
	}
}

static void
regular_gradient(const struct ctx *x, int i, int j, int k, float g[3])
{
	g[0] = D(x, i + 1, j, k) - D(x, i - 1, j, k);
	g[1] = D(x, i, j + 1, k) - D(x, i, j - 1, k);
	g[2] = D(x, i, j, k + 1) - D(x, i, j, k - 1);
}

static uint32_t
append_vertex(struct ctx *x, const float *pos, const float *nrm)
{
	struct mesh *m = x->out;
	uint32_t v;

	if (mesh_reserve(m, 1, 0) != 0 || meta_reserve(x, m->nv + 1) != 0) {
		x->oom = 1;
		return UINT32_MAX;
	}
	v = m->nv++;
	memcpy(m->pos + 3 * v, pos, 3 * sizeof *pos);
	memcpy(m->nrm + 3 * v, nrm, 3 * sizeof *nrm);
	return v;
}

/* Vertex on the regular lattice edge from local point (i,j,k) along axis. */
static uint32_t
regular_vertex(struct ctx *x, int i, int j, int k, int axis)
{
	int e = x->n + 1;
	uint32_t slot = (uint32_t)((((size_t)k * e + j) * e + i) * 3 + axis);
	int32_t have = x->s->rcache[slot];
	int64_t gp[3];
	int q[3] = { i, j, k };
	float n0[3], n1[3], pos[3], nrm[3], d0, d1;
	uint32_t v;
	struct vmeta *m;

	if (have >= 0)
		return (uint32_t)have;
	d0 = D(x, i, j, k);
	q[axis]++;
	d1 = D(x, q[0], q[1], q[2]);
	regular_gradient(x, i, j, k, n0);
	regular_gradient(x, q[0], q[1], q[2], n1);
	gp[0] = x->c->g0[0] + i * x->step;
	gp[1] = x->c->g0[1] + j * x->step;
	gp[2] = x->c->g0[2] + k * x->step;
	make_vertex(gp, axis, x->step, x->c->voxel, d0, d1, n0, n1, pos, nrm);
	if ((v = append_vertex(x, pos, nrm)) == UINT32_MAX)
		return v;
	m = &x->s->meta[v];
	m->idx[0] = (uint16_t)i, m->idx[1] = (uint16_t)j, m->idx[2] = (uint16_t)k;
	m->axis = (uint8_t)axis;
	m->kind = VK_REGULAR;
	m->t = edge_t(d0, d1);
	m->slot = slot;
	x->s->rcache[slot] = (int32_t)v;
	return v;
}

static void
emit_triangle(struct ctx *x, uint32_t a, uint32_t b, uint32_t c, int flip)
{
	struct mesh *m = x->out;

	if (a == UINT32_MAX || b == UINT32_MAX || c == UINT32_MAX)
		return;
	if (mesh_reserve(m, 0, 3) != 0) {
		x->oom = 1;
		return;
	}
	m->idx[m->ni++] = a;
	m->idx[m->ni++] = flip ? c : b;
	m->idx[m->ni++] = flip ? b : c;
}

/* ---------------------------------------------------------------- regular */

static void
regular_cell(struct ctx *x, int i, int j, int k, unsigned code)
{
	const struct tv_regular_cell *cell =
	    &tv_regular_cell_data[tv_regular_cell_class[code]];
	unsigned nv = tv_regular_vertex_count(cell);
	unsigned nt = tv_regular_triangle_count(cell);
	uint32_t local[12];
	unsigned v, t;

	for (v = 0; v < nv; v++) {
		unsigned ec = tv_regular_vertex_data[code][v];
		unsigned c0 = (ec >> 4) & 0x0f, c1 = ec & 0x0f;
		unsigned lo = c0 < c1 ? c0 : c1, bit = c0 ^ c1;
		int axis = bit == 1 ? 0 : bit == 2 ? 1 : 2;

		local[v] = regular_vertex(x, i + (lo & 1), j + ((lo >> 1) & 1),
		    k + ((lo >> 2) & 1), axis);
	}
	for (t = 0; t < nt; t++) {
		const uint8_t *vi = &cell->vertex_index[3 * t];

		emit_triangle(x, local[vi[0]], local[vi[1]], local[vi[2]],
		    REGULAR_FLIP);
	}
}

static inline unsigned
bit_at(unsigned __int128 m, int i)
{
	return (unsigned)(m >> i) & 1u;
}

/* Walk only the cells whose eight corners are not all alike, found a row at
 * a time with mask arithmetic; all-solid and all-air rows cost nothing. */
static int
regular_pass(struct ctx *x)
{
	int n = x->n, e = n + 1, i, j, k, active = 0;
	unsigned __int128 cells = ((unsigned __int128)1 << n) - 1;

	for (k = 0; k < n; k++) {
		for (j = 0; j < n; j++) {
			const unsigned __int128 *m = x->s->mask;
			unsigned __int128 r00 = m[(size_t)k * e + j];
			unsigned __int128 r10 = m[(size_t)k * e + j + 1];
			unsigned __int128 r01 = m[(size_t)(k + 1) * e + j];
			unsigned __int128 r11 = m[(size_t)(k + 1) * e + j + 1];
			unsigned __int128 any = r00 | r10 | r01 | r11;
			unsigned __int128 all = r00 & r10 & r01 & r11;
			unsigned __int128 live;

			live = ((any | (any >> 1)) & ~(all & (all >> 1))) & cells;
			while (live != 0) {
				uint64_t lo64 = (uint64_t)live;
				unsigned code;

				i = lo64 ? __builtin_ctzll(lo64) :
				    64 + __builtin_ctzll((uint64_t)(live >> 64));
				live &= live - 1;
				code = bit_at(r00, i) | bit_at(r00, i + 1) << 1 |
				    bit_at(r10, i) << 2 | bit_at(r10, i + 1) << 3 |
				    bit_at(r01, i) << 4 | bit_at(r01, i + 1) << 5 |
				    bit_at(r11, i) << 6 | bit_at(r11, i + 1) << 7;
				regular_cell(x, i, j, k, code);
				active++;
			}
		}
	}
	return active;
}

/* ---------------------------------------------------------------- transition */

/* Face f: normal axis a = f/2, on the low (f even) or high side; in-plane axes
 * u = a+1, v = a+2 (mod 3), so (u, v, inward) is right-handed on low faces
 * and left-handed on high faces. */
struct face {
	int f, a, u, v, high, plane;   /* plane: local lattice index 0 or n */
	int q;                         /* half-step points per in-plane side, 2n+3 */
	const float *s;                /* 3 layers of q*q samples */
	size_t sa, su, sv;             /* strides of the layer and in-plane axes */
};

/* Samples are stored x fastest (struct grid order); find each axis' stride. */
static void
face_strides(struct face *fc)
{
	size_t n[3], st[3];

	n[fc->a] = 3, n[fc->u] = (size_t)fc->q, n[fc->v] = (size_t)fc->q;
	st[0] = 1, st[1] = n[0], st[2] = n[0] * n[1];
	fc->sa = st[fc->a], fc->su = st[fc->u], fc->sv = st[fc->v];
}

static void
face_init(const struct ctx *x, int f, struct face *fc)
{
	fc->f = f;
	fc->a = f / 2;
	fc->u = (fc->a + 1) % 3;
	fc->v = (fc->a + 2) % 3;
	fc->high = f & 1;
	fc->plane = fc->high ? x->n : 0;
	fc->q = 2 * x->n + 3;
	fc->s = x->s->face[f];
	face_strides(fc);
}

/* Sample the face plane and one half step either side of it, at half steps,
 * one point past the face on every in-plane side (for normals). */
static void
sample_face(struct ctx *x, const struct field *f, const struct face *fc)
{
	int64_t h = x->step / 2;
	struct grid g;

	g.g0[fc->a] = x->c->g0[fc->a] + fc->plane * x->step - h;
	g.g0[fc->u] = x->c->g0[fc->u] - h;
	g.g0[fc->v] = x->c->g0[fc->v] - h;
	g.n[fc->a] = 3;
	g.n[fc->u] = fc->q;
	g.n[fc->v] = fc->q;
	g.step = h;
	g.voxel = x->c->voxel;
	f->fill(f->ctx, &g, x->s->face[fc->f], x->s->tmp, 0);
}

/* Sample at layer l (0 below, 1 on, 2 above the plane) and half-step in-plane
 * point (pu, pv), each in [-1, 2n+1]. */
static inline float
FS(const struct face *fc, int l, int pu, int pv)
{
	return fc->s[(size_t)l * fc->sa + (size_t)(pu + 1) * fc->su +
	    (size_t)(pv + 1) * fc->sv];
}

static void
fine_gradient(const struct face *fc, int pu, int pv, float g[3])
{
	g[fc->a] = FS(fc, 2, pu, pv) - FS(fc, 0, pu, pv);
	g[fc->u] = FS(fc, 1, pu + 1, pv) - FS(fc, 1, pu - 1, pv);
	g[fc->v] = FS(fc, 1, pu, pv + 1) - FS(fc, 1, pu, pv - 1);
}

/* Fine-edge cache slot.  An edge on a chunk edge lies in two face planes; it
 * is always filed under the lowest-numbered of them so both faces share it. */
static uint32_t
fine_slot(const struct ctx *x, const int p2[3], int axis)
{
	int r = 2 * x->n + 1, f;

	for (f = 0; f < 6; f++) {
		int a = f / 2, u = (a + 1) % 3, v = (a + 2) % 3;
		int plane = (f & 1) ? 2 * x->n : 0;

		if (axis == a || p2[a] != plane)
			continue;
		return (uint32_t)(((f * 2 + (axis == v)) * (size_t)r + p2[v]) * r +
		    p2[u]);
	}
	return UINT32_MAX;          /* not on any face: cannot happen */
}

/* Vertex on the half-step edge from in-plane point (pu, pv) along in-plane
 * axis dir (0 = u, 1 = v) of face fc. */
static uint32_t
fine_vertex(struct ctx *x, const struct face *fc, int pu, int pv, int dir)
{
	int axis = dir ? fc->v : fc->u, p2[3], qu = pu + !dir, qv = pv + dir;
	int64_t h = x->step / 2, gp[3];
	float n0[3], n1[3], pos[3], nrm[3], d0, d1;
	uint32_t slot, v;
	struct vmeta *m;
	int32_t have;

	p2[fc->a] = 2 * fc->plane;
	p2[fc->u] = pu;
	p2[fc->v] = pv;
	slot = fine_slot(x, p2, axis);
	if ((have = x->s->fcache[slot]) >= 0)
		return (uint32_t)have;
	d0 = FS(fc, 1, pu, pv);
	d1 = FS(fc, 1, qu, qv);
	fine_gradient(fc, pu, pv, n0);
	fine_gradient(fc, qu, qv, n1);
	gp[fc->a] = x->c->g0[fc->a] + fc->plane * x->step;
	gp[fc->u] = x->c->g0[fc->u] + pu * h;
	gp[fc->v] = x->c->g0[fc->v] + pv * h;
	make_vertex(gp, axis, h, x->c->voxel, d0, d1, n0, n1, pos, nrm);
	if ((v = append_vertex(x, pos, nrm)) == UINT32_MAX)
		return v;
	m = &x->s->meta[v];
	m->kind = VK_FINE;
	m->slot = slot;
	x->s->fcache[slot] = (int32_t)v;
	return v;
}

/* Half-resolution corner 9..12 of a transition cell as a full-res sample. */
static const uint8_t half_to_full[4] = { 0, 2, 6, 8 };

/* Vertex of a transition cell (cu, cv) on the edge between samples s0, s1. */
static uint32_t
transition_vertex(struct ctx *x, const struct face *fc, int cu, int cv,
    unsigned s0, unsigned s1)
{
	unsigned lo, hi;

	if (s0 >= 9 && s1 >= 9) {
		/* A coarse edge of the face: the regular cells' own vertex. */
		int q[3];

		lo = half_to_full[(s0 < s1 ? s0 : s1) - 9];
		hi = half_to_full[(s0 < s1 ? s1 : s0) - 9];
		q[fc->a] = fc->plane;
		q[fc->u] = cu + (int)(lo % 3) / 2;
		q[fc->v] = cv + (int)(lo / 3) / 2;
		return regular_vertex(x, q[0], q[1], q[2],
		    hi - lo == 2 ? fc->u : fc->v);
	}
	if (s0 > 8 || s1 > 8)
		return UINT32_MAX;      /* tables never mix; refuse rather than guess */
	lo = s0 < s1 ? s0 : s1;
	hi = s0 < s1 ? s1 : s0;
	return fine_vertex(x, fc, 2 * cu + (int)(lo % 3), 2 * cv + (int)(lo / 3),
	    hi - lo == 3);
}

/* Case bits take the samples around the border, then the centre. */
static const uint8_t transition_bit_sample[9] = { 0, 1, 2, 5, 8, 7, 6, 3, 4 };

static int
transition_cell(struct ctx *x, const struct face *fc, int cu, int cv)
{
	const struct tv_transition_cell *cell;
	unsigned code = 0, cls, nv, nt, v, t, b;
	uint32_t local[12];
	int flip;

	for (b = 0; b < 9; b++) {
		unsigned sm = transition_bit_sample[b];

		code |= (unsigned)(FS(fc, 1, 2 * cu + (int)(sm % 3),
		    2 * cv + (int)(sm / 3)) < 0.0f) << b;
	}
	if (code == 0 || code == 511)
		return 0;
	cls = tv_transition_cell_class[code];
	cell = &tv_transition_cell_data[cls & 0x7f];
	nv = tv_transition_vertex_count(cell);
	nt = tv_transition_triangle_count(cell);
	for (v = 0; v < nv; v++) {
		unsigned ec = tv_transition_vertex_data[code][v];

		local[v] = transition_vertex(x, fc, cu, cv, (ec >> 4) & 0x0f,
		    ec & 0x0f);
	}
	flip = TRANSITION_FLIP ^ ((cls & 0x80) != 0) ^ fc->high;
	for (t = 0; t < nt; t++) {
		const uint8_t *vi = &cell->vertex_index[3 * t];

		emit_triangle(x, local[vi[0]], local[vi[1]], local[vi[2]], flip);
	}
	return 1;
}

static int
transition_pass(struct ctx *x, const struct field *f)
{
	int fi, cu, cv, active = 0;

	for (fi = 0; fi < 6; fi++) {
		struct face fc;

		if (!(x->c->transitions & (1u << fi)))
			continue;
		face_init(x, fi, &fc);
		sample_face(x, f, &fc);
		for (cv = 0; cv < x->n; cv++)
			for (cu = 0; cu < x->n; cu++)
				active += transition_cell(x, &fc, cu, cv);
	}
	return active;
}

/* ---------------------------------------------------------------- shifting */

/* Inward offset, in cells, of a vertex at local coordinates u[] (cells). */
static int
shift_delta(const struct ctx *x, const struct vmeta *m, float d[3])
{
	int a, n = x->n, moved = 0;

	for (a = 0; a < 3; a++) {
		float u = (float)m->idx[a] + (a == m->axis ? m->t : 0.0f);
		unsigned lowbit = 1u << (2 * a), highbit = 1u << (2 * a + 1);

		d[a] = 0.0f;
		/* On a boundary face that is not a transition face: stay put. */
		if (a != m->axis && m->idx[a] == 0 && !(x->c->transitions & lowbit))
			return 0;
		if (a != m->axis && m->idx[a] == n && !(x->c->transitions & highbit))
			return 0;
		if ((x->c->transitions & lowbit) && u < 1.0f)
			d[a] = (1.0f - u) * TV_TRANSITION_WIDTH, moved = 1;
		else if ((x->c->transitions & highbit) && u > (float)(n - 1))
			d[a] = ((float)(n - 1) - u) * TV_TRANSITION_WIDTH, moved = 1;
	}
	return moved;
}

static void
shift_pass(struct ctx *x)
{
	float cell = (float)((double)x->step * (double)x->c->voxel);
	uint32_t v;

	for (v = 0; v < x->out->nv; v++) {
		const struct vmeta *m = &x->s->meta[v];
		const float *nv = x->out->nrm + 3 * v;
		float d[3], dn;
		int a;

		if (m->kind != VK_REGULAR || !shift_delta(x, m, d))
			continue;
		/* Project on the tangent plane so the surface keeps its shape. */
		dn = d[0] * nv[0] + d[1] * nv[1] + d[2] * nv[2];
		for (a = 0; a < 3; a++)
			x->out->pos[3 * v + a] += (d[a] - nv[a] * dn) * cell;
	}
}

/* ---------------------------------------------------------------- chunk */

/* Cheap test from the field's own bound: no zero crossing in the chunk. */
static int
surely_empty(const struct tv_chunk *c, const struct field *f)
{
	double lo[3], hi[3], span = (double)c->cells * (double)(1 << c->lod);
	float dmin, dmax;
	int a;

	if (f->range == NULL)
		return 0;
	for (a = 0; a < 3; a++) {
		lo[a] = (double)c->g0[a] * c->voxel;
		hi[a] = ((double)c->g0[a] + span) * c->voxel;
	}
	if (!f->range(f->ctx, lo, hi, &dmin, &dmax))
		return 0;
	return dmin > 0.0f || dmax < 0.0f;
}

int
tv_extract(const struct tv_chunk *c, const struct field *f,
    struct tv_scratch *s, struct mesh *out)
{
	struct ctx x;

	mesh_clear(out);
	if (c->cells < 1 || c->cells > MP_MAX_CELLS ||
	    (c->transitions != 0 && c->lod < 1))
		return -1;
	if (surely_empty(c, f))
		return 0;
	if (scratch_prepare(s, c->cells) != 0)
		return -1;
	memset(&x, 0, sizeof x);
	x.c = c, x.s = s, x.out = out;
	x.n = c->cells, x.p = c->cells + 3;
	x.step = (int64_t)1 << c->lod;
	if (sample_chunk(&x, f) == FIELD_UNIFORM && c->transitions == 0)
		return 0;
	build_masks(&x);
	regular_pass(&x);
	if (c->transitions)
		transition_pass(&x, f);
	reset_caches(&x);
	if (x.oom) {
		mesh_clear(out);
		return -1;
	}
	if (c->transitions)
		shift_pass(&x);
	mesh_compute_aabb(out);
	return 0;
}
