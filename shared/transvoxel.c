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
 * Signs.  A sample is solid when its density is < 0 and air otherwise, so a
 * sample of exactly 0 (either sign of zero) is air, unless it is a gap
 * thinner than a voxel between two solids (zero_between_solids): one rule
 * for regular and transition cells and edge halving, on every side of
 * every seam.
 *
 * Clamping.  No vertex comes closer than CLAMP_VOXELS to an end of its
 * edge, measured in voxels, not as a fraction of the edge, so it does not
 * grow with the LOD.  A surface through a lattice point (a sample of
 * exactly 0) then gives one vertex per edge there, at least a clamp apart,
 * never two at one position; the 0 counts as a clamp's worth of density
 * to its own side, so those vertices follow the gradient (crossing).  (Putting them all on the point and sharing it was
 * tried: where the surface around the point is not a disk, the collapse
 * joins sheets and leaves non-manifold edges.)
 *
 * Chunk edges.  Where a coarse chunk's edge line meets a finer chunk (a ring
 * corner, or two transition faces' neighbours stacked along a plain face),
 * the coarse and fine crossings on that line must be the same point, or the
 * transition cells beside it have to bridge them with a wall of zero width
 * that folds.  So a vertex on a chunk edge line (and a transition face's fine
 * vertex on a finer chunk's edge line) is located on the line at LOD 0: the
 * edge is halved, keeping the half whose ends differ in sign, down to one
 * voxel, sampling the midpoints one at a time.  Every chunk at every LOD that
 * has the line gets the same point (LOD 0 chunks are already there).
 *
 * Vertex reuse.  A vertex is cached under the lattice edge it lies on (one
 * slot per edge: 3 per point).  That is the same sharing the tables' reuse
 * nibbles describe, and it also shares the vertices of transition cells with
 * the regular cells beside them and between two transition faces meeting at a
 * chunk edge, which the nibbles alone do not.  Only touched slots are reset.
 *
 * Normals.  The density gradient by central differences at the edge's ends,
 * interpolated, but never pointing along the edge toward its solid end
 * (make_edge_normal): at a feature thinner than the two-cell stencil the
 * gradients can, and the triangles there then face against their normals.
 *
 * Vertex shifting.  Regular cells beside a transition face are squeezed to
 * make room for transition cells TV_TRANSITION_WIDTH of a cell thick
 * (Lengyel, "Voxel-Based Terrain for Real-Time Virtual Simulations", 4.3):
 * a vertex at local coordinate u < 1 moves inward by (1-u)*w, projected on
 * its tangent plane.  A vertex on a plain boundary face (not a transition
 * face) is shared with the same-LOD neighbour across it, so both must move
 * it alike or not at all: it moves toward transition face T only when the
 * request's edge bit says that neighbour has T too (the chunk diagonally
 * across the edge is finer), and a vertex on two plain faces never moves
 * (the fourth chunk around that edge is unknown).  Where a vertex must
 * stay, the shift tapers linearly to 0 over the cell next to it
 * (shift_factor), so the squeeze is a continuous, orientation-preserving
 * map of the cell; only there do transition cells narrow to a wedge.
 *
 * Closing fine features.  A transition cell closes a fine feature that its
 * coarse side does not have with a triangle of three fine vertices, flat in
 * the face plane and at right angles to the surface.  After the shift,
 * such a triangle's edge inside the chunk is flipped (flip_in_plane), and
 * an edge of two fine vertices lying along a chunk edge line shared with a
 * neighbour that has the same transition is bent inside through one new
 * vertex, which both chunks compute from the same two vertices
 * (bend_line_chords).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "clones.h"
#include "meshpool.h"
#include "transvoxel.h"
#include "transvoxel_tables.h"

/* No vertex comes closer than this to a lattice point (in voxels, along its
 * edge): two vertices on different edges of one point stay well apart of the
 * 1e-3 voxel a host's weld tolerance may be, and a triangle cutting off a
 * corner keeps an area of at least 2e-4 square voxels. */
#define CLAMP_VOXELS (1.0f / 64.0f)

/* Cache slots per lattice point: an edge along each axis. */
#define SLOTS_PER_POINT 3

/* Orientation of the tables relative to our frame (outward = +gradient). */
#define REGULAR_FLIP    0
#define TRANSITION_FLIP 0

enum { VK_REGULAR = 0, VK_FINE = 1 };

struct late_normal {            /* vertex v gets normal n after the shift */
	uint32_t v;
	float    n[3];
	int64_t  a[3];              /* the half-step edge its crossing is on, */
	uint8_t  axis;              /* from a along axis (box_fan_late), */
	uint8_t  suspect;           /* its gradient's samples (thin_at_edge) */
};

struct vmeta {                  /* how a vertex was made, for shifting */
	uint16_t idx[3];            /* lower lattice point of its edge */
	uint8_t  axis, kind;
	float    t;
	uint32_t slot;              /* cache slot to reset */
};

/*
 * Heightmap columns.  For a heightmap (field.h, columns) a chunk needs its
 * column heights and only the rows of samples around the surface: below
 * them every sample is solid, above them air, and no cell there is live.
 * So only those rows are filled, masked and walked.  The heights of one
 * column of chunks are the same for every chunk stacked in it, so the last
 * COL_CACHE sets are kept (keyed by the field and the grid's x-z square)
 * and a chunk above or below one just meshed reuses them.
 */
#define COL_CACHE 16

struct col_cache {
	uint64_t key;               /* the field's; 0: empty */
	int64_t  x0, z0, step;
	float    voxel;
	float   *h;                 /* (n+3)^2 */
	float    hmin, hmax;        /* over the inner columns */
};

/* Regular vertices made in one batch (see make_pending). */
#define PEND_MAX 256

/* Words of a row of face sample bits (2n+1 of them). */
#define FROW_WORDS 3
_Static_assert(2 * MP_MAX_CELLS + 1 <= 64 * FROW_WORDS,
    "a face row's sign bits fit its words");

struct tv_scratch {
	int       n;                /* cells per side the arrays are sized for */
	float    *d;                /* (n+3)^3 padded samples */
	uint8_t  *mat;              /* (n+3)^3 their materials */
	float    *tmp;              /* field fill scratch */
	size_t    tmp_len;
	int16_t  *band;             /* 4(n+3): per plane the first and last
	                             * rows of the surface, then the filled
	                             * rows (padded indices) */
	struct col_cache *cache;    /* COL_CACHE recent columns */
	uint32_t  cache_next;
	unsigned __int128 *mask;    /* (n+1)^2 rows: bit i set = point i solid */
	uint8_t  *ruled;            /* (n+1)^2: row has had the zero rule */
	uint8_t  *fsolid;           /* (2n+1)^2: face sample is solid */
	uint64_t *fbits;            /* the same, FROW_WORDS words a row */
	int32_t  *rcache;           /* 3*(n+1)^3 regular edge -> vertex */
	int32_t  *fcache;           /* 6 faces * 2 dirs * (2n+1)^2 fine edges */
	float    *face[6];          /* 3 layers * (2n+3)^2 half-step samples */
	uint8_t  *fmat[6];          /* their materials */
	struct vmeta *meta;
	uint32_t  cap_meta;
	uint32_t *weld;             /* weld_coincident's hash and vertex map */
	uint32_t  cap_weld;
	struct edge_slot *edges;    /* flip_in_plane's edge table */
	uint32_t  cap_edges;
	float    *fan;              /* turn_folded_normals: 4 per vertex */
	uint32_t  cap_fan;
	uint8_t  *planes;           /* flip_in_plane: transition face planes
	                             * each vertex lies in (MP_TRANS_* bits);
	                             * mend_folds: 1 at a folded triangle's */
	uint32_t  cap_planes;
	uint32_t *folds;            /* mend_folds: the folded triangles */
	uint32_t  cap_folds;
	uint32_t *near;             /* and those with a corner at theirs */
	uint32_t  cap_near;
	struct late_normal *late;   /* line vertices' normals, set after the
	                             * shift (late_normal) */
	uint32_t  cap_late;
	/* Vertices whose index is given out but whose data is made later,
	 * PEND_MAX at a time (make_pending, make_pending_fine): the sample
	 * index of the edge's low end and the step to its high end, axis, on
	 * a chunk (or finer chunk) edge line, lattice or half-step point,
	 * cache slot, vertex. */
	int32_t   pat[PEND_MAX], palong[PEND_MAX], paxis[PEND_MAX];
	int32_t   pline[PEND_MAX];
	uint16_t  pq[PEND_MAX][3];
	uint32_t  pslot[PEND_MAX], pv[PEND_MAX];
	struct batch_out {          /* what batch_math finds of them */
		float   t[PEND_MAX], nrm[3][PEND_MAX];
		int32_t one_by_one[PEND_MAX];
	} pout;
	/* The face being stitched: its plane's world coordinate and its
	 * half-step lines' along u and v. */
	float     fplane, fworld[2][2 * MP_MAX_CELLS + 1];
	/* World coordinate of the chunk's padded lattice index i + 1, per
	 * axis (set per chunk). */
	float     world[3][MP_MAX_CELLS + 3];
	/* Per regular case and vertex, its edge as lowest corner * 3 + axis:
	 * the tables' corner pair decoded once, not per cell. */
	uint8_t   edge_of[256][12];
};

/* Chunk-wide constants for one extraction. */
struct ctx {
	const struct tv_chunk *c;
	const struct field *f;
	struct tv_scratch *s;
	struct mesh *out;
	int       n, p;             /* cells, padded points per side (n+3) */
	int64_t   step;
	float     zero_d;           /* what a density of exactly 0 stands for */
	float     clamp_lo;         /* CLAMP_VOXELS as a fraction of a cell */
	float     plane[6];         /* world coordinates of the face planes */
	int       oom;
	int       banded;           /* only the surface's rows were sampled */
	uint32_t  near;             /* mend_folds: how many in s->near */
	uint32_t  nlate;            /* how many in s->late */
	uint32_t  nmeta;            /* vertices below this have s->meta (after
	                             * the weld too); later ones are bent
	                             * chords' (turn_folded_normals) */
	int       graph;            /* a pure heightmap: no thin features */
	int       mat_zero;         /* every material is 0 */
	int       jlo[MP_MAX_CELLS], jhi[MP_MAX_CELLS]; /* regular rows per
	                                                 * layer of cells */
	int       npend;            /* entries of s->pend waiting */
	uint32_t  edge_slot[24];    /* rcache slot of a cell's edge from corner
	                             * c (bit 0 +x, 1 +y, 2 +z) along axis a,
	                             * index 3c + a, from its corner 0's */
};

/* ---------------------------------------------------------------- scratch */

static void
scratch_tables(struct tv_scratch *s)
{
	unsigned code, v;

	for (code = 0; code < 256; code++)
		for (v = 0; v < 12; v++) {
			unsigned ec = tv_regular_vertex_data[code][v];
			unsigned c0 = (ec >> 4) & 0x0f, c1 = ec & 0x0f;
			unsigned lo = c0 < c1 ? c0 : c1;

			/* bit 1, 2 or 4 apart: axis x, y or z (unused slots
			 * decode to harmless values) */
			s->edge_of[code][v] = (uint8_t)(3 * (lo & 7) +
			    (((c0 ^ c1) >> 1) & 3) % 3);
		}
}

struct tv_scratch *
tv_scratch_new(void)
{
	struct tv_scratch *s = calloc(1, sizeof(struct tv_scratch));

	if (s != NULL)
		scratch_tables(s);
	return s;
}

static void
scratch_release(struct tv_scratch *s)
{
	int f;

	free(s->d);
	free(s->tmp);
	free(s->mask);
	free(s->ruled);
	free(s->fsolid);
	free(s->fbits);
	free(s->rcache);
	free(s->fcache);
	for (f = 0; f < 6; f++) {
		free(s->face[f]);
		free(s->fmat[f]);
	}
	free(s->mat);
	free(s->meta);
	free(s->weld);
	free(s->edges);
	free(s->fan);
	free(s->planes);
	free(s->folds);
	free(s->near);
	free(s->late);
	free(s->band);
	for (f = 0; s->cache != NULL && f < COL_CACHE; f++)
		free(s->cache[f].h);
	free(s->cache);
	memset(s, 0, sizeof *s);
	scratch_tables(s);
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
	s->mat = malloc(p * p * p);
	s->band = malloc(4 * p * sizeof *s->band);
	s->cache = calloc(COL_CACHE, sizeof *s->cache);
	s->tmp = malloc(s->tmp_len * sizeof *s->tmp);
	s->mask = malloc(e * e * sizeof *s->mask);
	s->ruled = malloc(e * e);
	s->fsolid = malloc(r * r);
	s->fbits = malloc(r * FROW_WORDS * sizeof *s->fbits);
	s->rcache = new_cache(SLOTS_PER_POINT * e * e * e);
	s->fcache = new_cache(12 * r * r);
	if (!s->d || !s->mat || !s->band || !s->cache ||
	    !s->tmp || !s->mask || !s->ruled || !s->fsolid || !s->fbits ||
	    !s->rcache || !s->fcache)
		goto fail;
	for (f = 0; f < 6; f++)
		if ((s->face[f] = malloc(3 * q * q * sizeof(float))) == NULL ||
		    (s->fmat[f] = malloc(3 * q * q)) == NULL)
			goto fail;
	for (f = 0; f < COL_CACHE; f++)
		if ((s->cache[f].h = malloc(p * p * sizeof(float))) == NULL)
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

/* Local point (i, j, k) of the chunk in its padded sample grid. */
static inline const float *
sample_at(const struct ctx *x, int i, int j, int k)
{
	return &x->s->d[(((size_t)k + 1) * x->p + (j + 1)) * x->p + (i + 1)];
}

static inline float
D(const struct ctx *x, int i, int j, int k)
{
	return *sample_at(x, i, j, k);
}

/* Material of padded point (i, j, k). */
static inline uint8_t
M(const struct ctx *x, int i, int j, int k)
{
	return x->s->mat[(((size_t)k + 1) * x->p + (j + 1)) * x->p + (i + 1)];
}

/* Densities of g into out and, for a field with materials, theirs into mat
 * (a field without has material 0 everywhere: mat is not touched). */
static int
fill_grid(const struct ctx *x, const struct grid *g, float *out, uint8_t *mat,
    int lazy)
{
	const struct field *f = x->f;

	if (f->fill_materials != NULL)
		return f->fill_materials(f->ctx, g, out, mat, x->s->tmp, lazy);
	return f->fill(f->ctx, g, out, x->s->tmp, lazy);
}

/* The lowest and highest of the inner columns' heights (p a side). */
static void
inner_range(const float *h, int p, float *hmin, float *hmax)
{
	int ip, kp;

	*hmin = INFINITY, *hmax = -INFINITY;
	for (kp = 1; kp < p - 1; kp++)
		for (ip = 1; ip < p - 1; ip++) {
			float v = h[(size_t)kp * p + ip];

			*hmin = v < *hmin ? v : *hmin;
			*hmax = v > *hmax ? v : *hmax;
		}
}

/* The column heights of heightmap grid g, kept or asked of the field (and
 * kept), with their inner range: the entry, or NULL when the field is not
 * a heightmap over g. */
static const struct col_cache *
chunk_columns(struct ctx *x, const struct grid *g)
{
	const struct field *f = x->f;
	struct tv_scratch *s = x->s;
	struct col_cache *c;
	uint32_t i;

	if (f->columns == NULL || f->columns(f->ctx, g, NULL, s->tmp) != 0)
		return NULL;
	for (i = 0; f->key != 0 && i < COL_CACHE; i++) {
		c = &s->cache[i];
		if (c->key == f->key && c->x0 == g->g0[0] && c->z0 == g->g0[2] &&
		    c->step == g->step && c->voxel == g->voxel)
			return c;
	}
	c = &s->cache[s->cache_next++ % COL_CACHE];
	f->columns(f->ctx, g, c->h, s->tmp);
	inner_range(c->h, x->p, &c->hmin, &c->hmax);
	c->key = f->key, c->x0 = g->g0[0], c->z0 = g->g0[2];
	c->step = g->step, c->voxel = g->voxel;
	return c;
}

/*
 * Sample a heightmap chunk from its column heights h: find where each
 * column turns from solid to air, and fill only the rows each plane's
 * cells, normals and zero rule read around that (the planes beside it
 * included).  The densities there are y - h, the bits a full fill gives.
 */
static int
sample_band(struct ctx *x, const struct grid *g, const struct col_cache *c)
{
	const float *h = c->h;
	int p = x->p, ip, jp, kp, k, uniform;
	int16_t *cmin = x->s->band, *cmax = cmin + p, *flo = cmax + p;
	int16_t *fhi = flo + p;
	float ys[MP_MAX_CELLS + 3], inv_dy;

	field_axis(g, 1, ys);
	uniform = c->hmax < ys[1] || c->hmin > ys[p - 2];
	if (uniform && x->c->transitions == 0)
		return FIELD_UNIFORM;
	inv_dy = 1.0f / (ys[1] - ys[0]);
	for (kp = 0; kp < p; kp++) {
		const float *hrow = h + (size_t)kp * p;

		cmin[kp] = (int16_t)p, cmax[kp] = 0;
		for (ip = 0; ip < p; ip++) {
			/* The first air row of the column. */
			int16_t j = (int16_t)field_axis_find(ys, p, inv_dy,
			    hrow[ip], 0);

			cmin[kp] = j < cmin[kp] ? j : cmin[kp];
			cmax[kp] = j > cmax[kp] ? j : cmax[kp];
		}
	}
	for (kp = 0; kp < p; kp++) {
		int lo = p, hi = 0;

		for (k = kp - 1; k <= kp + 1; k++)
			if (k >= 0 && k < p) {
				lo = cmin[k] < lo ? cmin[k] : lo;
				hi = cmax[k] > hi ? cmax[k] : hi;
			}
		flo[kp] = (int16_t)(lo - 2 > 0 ? lo - 2 : 0);
		fhi[kp] = (int16_t)(hi + 1 < p - 1 ? hi + 1 : p - 1);
		for (jp = flo[kp]; jp <= fhi[kp]; jp++) {
			float *row = &x->s->d[((size_t)kp * p + jp) * p], y = ys[jp];
			const float *hrow = h + (size_t)kp * p;

			for (ip = 0; ip < p; ip++)
				row[ip] = y - hrow[ip];
		}
	}
	x->banded = 1;
	x->graph = 1;
	x->mat_zero = 1;
	return uniform ? FIELD_UNIFORM : FIELD_MIXED;
}

enum { ROW_SOLID, ROW_MIXED, ROW_AIR };

/* What the field's bound says of every point of grid g: surely solid,
 * surely air, or either. */
static int
grid_by_bound(const struct ctx *x, const struct grid *g)
{
	double lo[3], hi[3];
	float dmin, dmax;
	int a;

	if (x->f->range == NULL)
		return ROW_MIXED;
	for (a = 0; a < 3; a++) {
		lo[a] = (double)field_world(g->g0[a], g->voxel);
		hi[a] = (double)field_world(g->g0[a] + (int64_t)(g->n[a] - 1) *
		    g->step, g->voxel);
	}
	if (!x->f->range(x->f->ctx, lo, hi, &dmin, &dmax))
		return ROW_MIXED;
	return dmax < 0.0f ? ROW_SOLID : dmin > 0.0f ? ROW_AIR : ROW_MIXED;
}

/* The same of padded row jp of the chunk's grid g, across the chunk box. */
static int
row_by_bound(const struct ctx *x, const struct grid *g, int jp)
{
	struct grid row = *g;

	row.g0[1] += (int64_t)jp * g->step;
	row.n[1] = 1;
	return grid_by_bound(x, &row);
}

/*
 * Any other field whose bound puts whole rows of the chunk below or above
 * the surface (a volume's noise reaches only offset +- amplitude): fill only
 * the rows between, with the margins a heightmap's band has (sample_band),
 * every plane alike.  The rows are proven solid from the bottom up and air
 * from the top down, one bound each; whatever lies between is filled.  -1
 * when that spares no row: fill everything then.
 */
static int
sample_rows_by_bound(struct ctx *x, const struct grid *g)
{
	int p = x->p, lo, hi, kp, rows;
	int16_t *cmin = x->s->band, *cmax = cmin + p, *flo = cmax + p;
	int16_t *fhi = flo + p;
	struct grid sub;

	for (lo = 0; lo < p && row_by_bound(x, g, lo) == ROW_SOLID; lo++)
		;
	for (hi = p; hi > lo && row_by_bound(x, g, hi - 1) == ROW_AIR; hi--)
		;
	/* lo: the first row not surely solid; hi: the first of the air ones. */
	if (lo == p || hi == lo || (lo <= 2 && hi >= p - 2))
		return -1;
	sub = *g;
	sub.g0[1] = g->g0[1] + (lo - 2 > 0 ? lo - 2 : 0) * g->step;
	rows = (hi + 1 < p - 1 ? hi + 1 : p - 1) - (lo - 2 > 0 ? lo - 2 : 0) + 1;
	sub.n[1] = rows;
	/* One fill of the rows of every plane, packed at the start of the
	 * grid, then each plane's rows moved to their place, the last plane
	 * first (a plane's place never lies below where it was packed). */
	fill_grid(x, &sub, x->s->d, x->s->mat, 0);
	for (kp = p - 1; kp >= 0; kp--) {
		size_t from = (size_t)kp * rows * p;

		cmin[kp] = (int16_t)lo, cmax[kp] = (int16_t)hi;
		flo[kp] = (int16_t)(lo - 2 > 0 ? lo - 2 : 0);
		fhi[kp] = (int16_t)(flo[kp] + rows - 1);
		memmove(&x->s->d[((size_t)kp * p + flo[kp]) * p], &x->s->d[from],
		    (size_t)rows * p * sizeof *x->s->d);
		memmove(&x->s->mat[((size_t)kp * p + flo[kp]) * p],
		    &x->s->mat[from], (size_t)rows * p);
	}
	x->banded = 1;
	x->mat_zero = x->f->fill_materials == NULL;
	return 0;
}

/* FIELD_UNIFORM when the field saw that no surface crosses the chunk's
 * samples; then, with no transition faces to build, nothing was written. */
static int
sample_chunk(struct ctx *x)
{
	const struct col_cache *c;
	struct grid g;
	int a;

	for (a = 0; a < 3; a++) {
		g.g0[a] = x->c->g0[a] - x->step;
		g.n[a] = x->p;
	}
	g.step = x->step;
	g.voxel = x->c->voxel;
	if ((c = chunk_columns(x, &g)) != NULL)
		return sample_band(x, &g, c);
	if (sample_rows_by_bound(x, &g) == 0)
		return FIELD_MIXED;
	return fill_grid(x, &g, x->s->d, x->s->mat, x->c->transitions == 0);
}

/* Bits of n consecutive samples (n <= 65) that are below 0 (solid) or,
 * with zeros set, exactly 0: four at a time with a vector compare where
 * SSE2 is there.  With any_zero, it also says whether a sample is exactly
 * 0 (rare: the vector loop only notes whether there is one). */
static inline __attribute__((always_inline)) unsigned __int128
row_bits(const float *d, int n, int zeros, int *any_zero)
{
	uint64_t lo = 0, hi = 0;
	int i = 0, z = 0;

#ifdef __SSE2__
	const __m128 zero = _mm_setzero_ps();
	__m128 eq = _mm_setzero_ps();

	for (; i + 4 <= n && i + 4 <= 64; i += 4) {
		__m128 v = _mm_loadu_ps(d + i);

		lo |= (uint64_t)_mm_movemask_ps(zeros ? _mm_cmpeq_ps(v, zero) :
		    _mm_cmplt_ps(v, zero)) << i;
		if (any_zero != NULL)
			eq = _mm_or_ps(eq, _mm_cmpeq_ps(v, zero));
	}
	z = _mm_movemask_ps(eq) != 0;
#endif
	for (; i < n; i++) {
		uint64_t bit = zeros ? d[i] == 0.0f : d[i] < 0.0f;

		z |= d[i] == 0.0f;
		if (i < 64)
			lo |= bit << i;
		else
			hi |= bit << (i - 64);
	}
	if (any_zero != NULL)
		*any_zero = z;
	return (unsigned __int128)hi << 64 | lo;
}

/* Is the sample of exactly 0 at lattice point g a gap thinner than a voxel:
 * solid at both LOD 0 neighbours along some axis?  Such a zero counts as
 * solid (two solids touching at a sample, e.g. a box edit resting on the
 * terrain within a voxel); as air it would mesh as two sheets a clamp apart,
 * facing opposite ways with one gradient.  Decided on the LOD 0 lattice, so
 * every chunk at every LOD decides it alike. */
static float sample_point(struct ctx *x, const int64_t g[3]);

static int
zero_between_solids(struct ctx *x, const int64_t g[3])
{
	int64_t q[3];
	int a;

	for (a = 0; a < 3; a++) {
		memcpy(q, g, sizeof q);
		q[a] = g[a] - 1;
		if (!(sample_point(x, q) < 0.0f))
			continue;
		q[a] = g[a] + 1;
		if (sample_point(x, q) < 0.0f)
			return 1;
	}
	return 0;
}

/* zero_between_solids for point (i, j, k) of a LOD 0 chunk, whose LOD 0
 * neighbours are all in the padded sample grid (the same densities). */
static int
zero_between_solids_in_grid(const struct ctx *x, int i, int j, int k)
{
	return (D(x, i - 1, j, k) < 0.0f && D(x, i + 1, j, k) < 0.0f) ||
	    (D(x, i, j - 1, k) < 0.0f && D(x, i, j + 1, k) < 0.0f) ||
	    (D(x, i, j, k - 1) < 0.0f && D(x, i, j, k + 1) < 0.0f);
}

/* The sign rule, in one place: solid below 0, air above, and a sample of
 * exactly 0 (either sign) air unless it is such a gap. */
static inline int
sample_solid(struct ctx *x, const int64_t g[3], float d)
{
	return d < 0.0f || (d == 0.0f && zero_between_solids(x, g));
}

static inline const float *
row_samples(const struct ctx *x, int j, int k)
{
	return &x->s->d[(((size_t)k + 1) * x->p + (j + 1)) * x->p + 1];
}

/* Give the zeros between two solids in row (j, k) their solid bit; whether
 * there was one. */
static int
zero_rule_row(struct ctx *x, int j, int k)
{
	unsigned __int128 *row = &x->s->mask[(size_t)k * (x->n + 1) + j];
	unsigned __int128 zeros = row_bits(row_samples(x, j, k), x->n + 1, 1,
	    NULL);
	int64_t g[3];

	int changed = 0;

	g[1] = x->c->g0[1] + j * x->step;
	g[2] = x->c->g0[2] + k * x->step;
	while (zeros != 0) {
		uint64_t lo64 = (uint64_t)zeros;
		int i = lo64 ? __builtin_ctzll(lo64) :
		    64 + __builtin_ctzll((uint64_t)(zeros >> 64));

		zeros &= zeros - 1;
		g[0] = x->c->g0[0] + i * x->step;
		if (x->step == 1 ? zero_between_solids_in_grid(x, i, j, k) :
		    zero_between_solids(x, g)) {
			*row |= (unsigned __int128)1 << i;
			changed = 1;
		}
	}
	return changed;
}

/* In a banded chunk, mask row (j, k) is all solid below the surface's rows
 * and all air above them: 1 or 0 then, else -1 (it must be computed). */
static inline int
band_row(const struct ctx *x, int j, int k)
{
	const int16_t *cmin = x->s->band, *cmax = cmin + x->p;

	if (!x->banded)
		return -1;
	if (j + 1 < cmin[k + 1])
		return 1;
	return j + 1 > cmax[k + 1] ? 0 : -1;
}

/* Row masks over x, one per lattice row (j, k) in [0, n]^2.  Above LOD 0
 * the zeros between two solids get their solid bit here.  At LOD 0 only
 * the rows of cells the surface crosses need it (a zero between two solid
 * neighbours makes every cell around it one the surface crosses already),
 * so regular_pass asks for it a row at a time (zero_rule_rows). */
static void
build_masks(struct ctx *x)
{
	unsigned __int128 full = ((unsigned __int128)1 << (x->n + 1)) - 1;
	int n = x->n, j, k, b;

	for (k = 0; k <= n; k++)
		for (j = 0; j <= n; j++) {
			unsigned __int128 *m = &x->s->mask[(size_t)k * (n + 1) + j];
			int any_zero;

			if ((b = band_row(x, j, k)) >= 0) {
				*m = b ? full : 0;
			} else if (x->step == 1) {      /* zero rule: when walked */
				*m = row_bits(row_samples(x, j, k), n + 1, 0, NULL);
			} else {
				*m = row_bits(row_samples(x, j, k), n + 1, 0, &any_zero);
				if (any_zero)
					zero_rule_row(x, j, k);
			}
		}
	if (x->step == 1)
		memset(x->s->ruled, 0, (size_t)(n + 1) * (n + 1));
}

/* The rows of cells the regular pass walks in each layer: all of them, or
 * in a banded chunk those whose corners reach the surface's rows. */
static void
regular_rows(struct ctx *x)
{
	const int16_t *cmin = x->s->band, *cmax = cmin + x->p;
	int n = x->n, k;

	for (k = 0; k < n; k++) {
		int lo = cmin[k + 1] < cmin[k + 2] ? cmin[k + 1] : cmin[k + 2];
		int hi = cmax[k + 1] > cmax[k + 2] ? cmax[k + 1] : cmax[k + 2];

		x->jlo[k] = !x->banded ? 0 : lo - 2 > 0 ? lo - 2 : 0;
		x->jhi[k] = !x->banded ? n - 1 : hi - 1 < n - 1 ? hi - 1 : n - 1;
	}
}


/* At LOD 0: the zero rule on the four rows of cells (j..j+1, k..k+1),
 * each row once; whether a mask changed. */
static int
zero_rule_rows(struct ctx *x, int j, int k)
{
	int b, changed = 0;

	for (b = 0; b < 4; b++) {
		int jj = j + (b & 1), kk = k + (b >> 1);
		uint8_t *ruled = &x->s->ruled[(size_t)kk * (x->n + 1) + jj];

		if (!*ruled) {
			*ruled = 1;
			changed |= zero_rule_row(x, jj, kk);
		}
	}
	return changed;
}

/* ---------------------------------------------------------------- vertices */

/* A lattice edge as a vertex sees it: lower point, axis, length in lattice
 * units (a power of two), densities at its two ends. */
struct edge {
	int64_t g[3];
	int64_t len;
	int     axis;
	int     solid0;             /* the low end is solid (see sample_solid) */
	float   d0, d1;
	float   lap0, lap1;         /* discrete Laplacians at the ends, or 0 */
};

/*
 * Curvature.  A mesh whose vertices lie on a curved surface cuts its chords
 * (a sphere's mesh is inscribed in it): on average by L^2/8R for triangles
 * of side L on radius R, which for a 4-voxel sphere is 3.5% of its volume.
 * The discrete Laplacian of a distance-like density measures that
 * curvature (2s^2/R at spacing s for a sphere), so the vertex goes where the
 * density equals CURVE_K times it, the average chord gap, on the convex
 * side.  Only where the surface is smooth at the scale of the edge: the
 * gradients at its ends within CURVE_COS of one direction and their
 * Laplacians alike (same sign, within a factor CURVE_AGREE).  At a sharp
 * feature (a box's edge, a crease) they are not, and the vertex stays
 * where the samples put it.
 * The Laplacian comes from the six neighbours of a sample, which every chunk
 * that has the vertex has too, summed in one order by laplacian(): seams
 * stay bit-exact.  Vertices on chunk edge lines are located at LOD 0 from
 * single samples and are not moved.
 */
#define CURVE_K     0.13f
#define CURVE_AGREE 2.0f
#define CURVE_COS   0.9f        /* about 25 degrees */
#define CURVE_MAX   0.25f       /* of the edge's density step */
#define CURVE_FADE  0.35f       /* of the edge, from either end */

/* How much of the move a crossing at t gets: none at the ends of its edge,
 * all from CURVE_FADE in.  Around a lattice point the surface passes close
 * to, the corner-cutting triangles are nearly flat on their edges; moving
 * some of their vertices and not others would turn them over. */
static inline float
curve_fade(float t)
{
	float m = t < 1.0f - t ? t : 1.0f - t;

	return m >= CURVE_FADE ? 1.0f : m > 0.0f ? m / CURVE_FADE : 0.0f;
}

/* The gradients at an edge's two ends point within CURVE_COS of each other
 * (summed in axis order, like everything both sides of a seam compute). */
static inline int
gradients_agree(const float a[3], const float b[3])
{
	float ab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
	float aa = a[0] * a[0] + a[1] * a[1] + a[2] * a[2];
	float bb = b[0] * b[0] + b[1] * b[1] + b[2] * b[2];

	return ab > 0.0f && ab * ab >= CURVE_COS * CURVE_COS * aa * bb;
}

/* Sum of the six neighbours (x-, x+, y-, y+, z-, z+) less 6 times c. */
static inline float
laplacian(const float nb[6], float c)
{
	return ((nb[0] + nb[1]) + (nb[2] + nb[3])) + (nb[4] + nb[5]) - 6.0f * c;
}

/* The density level the vertex of e goes to (0 when the ends disagree). */
static inline float
curve_level(const struct edge *e)
{
	float a = e->lap0, b = e->lap1, s, cap;

	if (a * b <= 0.0f || fabsf(a) > CURVE_AGREE * fabsf(b) ||
	    fabsf(b) > CURVE_AGREE * fabsf(a))
		return 0.0f;
	s = CURVE_K * 0.5f * (a + b);
	cap = CURVE_MAX * fabsf(e->d0 - e->d1);
	return s > cap ? cap : s < -cap ? -cap : s;
}

/* Density (and material, if m) at one lattice point, sampled on its own. */
static float
sample_point_mat(struct ctx *x, const int64_t g[3], uint8_t *m)
{
	struct grid gr;
	uint8_t mat = 0;
	float d;
	int a;

	for (a = 0; a < 3; a++) {
		gr.g0[a] = g[a];
		gr.n[a] = 1;
	}
	gr.step = 1;
	gr.voxel = x->c->voxel;
	fill_grid(x, &gr, &d, &mat, 0);
	if (m != NULL)
		*m = x->f->fill_materials != NULL ? mat : 0;
	return d;
}

static float
sample_point(struct ctx *x, const int64_t g[3])
{
	return sample_point_mat(x, g, NULL);
}

/* Halve e down to one voxel, keeping the half whose ends differ in sign: the
 * LOD 0 edge the crossing lies on, found the same way from any LOD. */
static void
refine_edge(struct ctx *x, struct edge *e)
{
	while (e->len > 1) {
		int64_t m[3];
		float dm;

		memcpy(m, e->g, sizeof m);
		e->len /= 2;
		m[e->axis] += e->len;
		dm = sample_point(x, m);
		if (sample_solid(x, m, dm) != e->solid0) {
			e->d1 = dm;
		} else {
			memcpy(e->g, m, sizeof m);
			e->d0 = dm;
		}
	}
}

/* crossing() near an end: an end of exactly 0 counts as a density of
 * zero_d to its own side (air, or solid when it is a gap between solids),
 * so the vertices around a lattice point the surface passes through keep
 * the proportions of the gradient there rather than all sitting a clamp
 * from it.  Between two zeros, one a gap between solids (inside where two
 * solids touch) and the other air (on the surface), the vertex goes next
 * to the air end.  Then the clamp (a NaN density gives the low end). */
static float
crossing_near_end(const struct edge *e, float zero_d, float lo)
{
	float d0 = e->d0, d1 = e->d1, t;

	if (d0 == 0.0f && d1 == 0.0f)
		t = e->solid0 ? 1.0f : 0.0f;    /* next to the end that is air */
	else {
		if (d0 == 0.0f)
			d0 = d1 < 0.0f ? zero_d : -zero_d;
		if (d1 == 0.0f)
			d1 = d0 < 0.0f ? zero_d : -zero_d;
		t = d0 / (d0 - d1);
	}
	if (!(t >= lo))
		t = lo;
	if (t > 1.0f - lo)
		t = 1.0f - lo;
	return t;
}

/* Where the surface crosses e, as a fraction of it, kept at least
 * CLAMP_VOXELS from either end (x->clamp_lo of a chunk's own edge); moved
 * by the curvature (see CURVE_K) unless an end is exactly 0. */
static inline float
crossing(const struct ctx *x, const struct edge *e)
{
	float lo = e->len == x->step ? x->clamp_lo :
	    CLAMP_VOXELS / (float)e->len, t;

	if (e->d0 == 0.0f || e->d1 == 0.0f)
		return crossing_near_end(e, x->zero_d, lo);
	t = e->d0 / (e->d0 - e->d1);
	t += curve_fade(t) * (-curve_level(e) / (e->d0 - e->d1));
	if (!(t >= lo))         /* a NaN density gives the low end */
		return lo;
	return t > 1.0f - lo ? 1.0f - lo : t;
}

static void
point_position(const int64_t g[3], float voxel, float *pos)
{
	int a;

	for (a = 0; a < 3; a++)
		pos[a] = field_world(g[a], voxel);
}

/* The one place a vertex inside an edge is placed.  Seam exactness depends
 * on every caller going through here (or point_position) with the edge both
 * chunks name the same way. */
static inline void
make_vertex(const struct edge *e, float t, float voxel, float *pos)
{
	float w0, w1;

	point_position(e->g, voxel, pos);
	w0 = pos[e->axis];
	w1 = field_world(e->g[e->axis] + e->len, voxel);
	pos[e->axis] = w0 + t * (w1 - w0);
}

/* make_vertex() for the chunk's own edge from local point q along axis,
 * from the world coordinates of the chunk's lattice (the same bits). */
static inline void
lattice_vertex(const struct ctx *x, int i, int j, int k, int axis, float t,
    float *pos)
{
	const float (*w)[MP_MAX_CELLS + 3] = x->s->world;
	int at = axis == 0 ? i : axis == 1 ? j : k;
	float w0 = w[axis][at + 1], w1 = w[axis][at + 2];

	pos[0] = w[0][i + 1];
	pos[1] = w[1][j + 1];
	pos[2] = w[2][k + 1];
	pos[axis] = w0 + t * (w1 - w0);
}

/* Unit length, or straight up when n has no length (or no finite one). */
static inline void
normalize(float *n)
{
	float l = sqrtf(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
	int a;

	if (l > 0.0f && isfinite(l)) {
		for (a = 0; a < 3; a++)
			n[a] /= l;
	} else {
		n[0] = 0.0f, n[1] = 1.0f, n[2] = 0.0f;
	}
}

/* The normal of a vertex at fraction t of e: the corner gradients n0, n1
 * (central differences, spanning span lattice units each way) interpolated,
 * except that along the edge it must point from the solid end to the air
 * end, as the edge's own two samples say.  Where a feature is thinner than
 * the central differences' stencil (a lip left where a dig grazes the
 * ground, a sheet one sample thick) they can point the other way, and the
 * triangles around the vertex then face against its normal.  That
 * component is then the edge's forward difference, the slope of the
 * interpolant the crossing was placed on, in the same units; every chunk
 * that has the vertex has the same samples, so seams stay exact. */
static inline void
make_edge_normal(const struct edge *e, const float n0[3], const float n1[3],
    float t, int64_t span, float *nrm)
{
	float rise = e->d1 - e->d0;
	int a;

	for (a = 0; a < 3; a++)
		nrm[a] = n0[a] + t * (n1[a] - n0[a]);
	if (rise != 0.0f && !(nrm[e->axis] * rise > 0.0f))
		nrm[e->axis] = 2.0f * rise * ((float)span / (float)e->len);
	normalize(nrm);
}

/* Where a crossing at fraction t of e, an edge halved from the chunk's own
 * edge (from gp, len lattice units), lies along that chunk edge: for the
 * normal and the shift. */
static float
chunk_fraction(const struct edge *e, const int64_t gp[3], int64_t len,
    float t)
{
	return ((float)(e->g[e->axis] - gp[e->axis]) + t * (float)e->len) /
	    (float)len;
}

/* The central-difference gradient at the sample *d of the chunk's padded
 * grid (p a side) into g, and the discrete Laplacian there (see
 * laplacian()), from its six neighbours. */
static inline float
regular_stencil(const float *d, ptrdiff_t py, float g[3])
{
	ptrdiff_t pz = py * py;
	const float nb[6] = { d[-1], d[1], d[-py], d[py], d[-pz], d[pz] };

	g[0] = nb[1] - nb[0];
	g[1] = nb[3] - nb[2];
	g[2] = nb[5] - nb[4];
	return laplacian(nb, d[0]);
}

/* Room for what one cell can add, asked once per cell rather than once per
 * vertex and triangle: 0, or -1 (and x->oom) when memory could not be had. */
static __attribute__((noinline)) int
cell_grow(struct ctx *x, uint32_t verts, uint32_t tris)
{
	struct mesh *m = x->out;

	if (mesh_reserve(m, verts, 3 * tris) != 0 ||
	    meta_reserve(x, m->nv + verts) != 0) {
		x->oom = 1;
		return -1;
	}
	return 0;
}

static inline int
cell_reserve(struct ctx *x, uint32_t verts, uint32_t tris)
{
	struct mesh *m = x->out;

	if (m->nv + verts <= m->cap_v && m->nv + verts <= x->s->cap_meta &&
	    m->ni + 3 * tris <= m->cap_i)
		return 0;
	return cell_grow(x, verts, tris);
}


/* Material of the solid end of e, a LOD 0 edge found by refine_edge. */
static uint8_t
refined_material(struct ctx *x, const struct edge *e)
{
	int64_t g[3];
	uint8_t m = 0;

	if (x->f->fill_materials == NULL || x->mat_zero)
		return 0;
	memcpy(g, e->g, sizeof g);
	if (!e->solid0)
		g[e->axis] += e->len;
	sample_point_mat(x, g, &m);
	return m;
}

static void
set_meta(struct ctx *x, uint32_t v, const int q[3], int axis, float t,
    int kind, uint32_t slot)
{
	struct vmeta *m = &x->s->meta[v];

	m->idx[0] = (uint16_t)q[0], m->idx[1] = (uint16_t)q[1];
	m->idx[2] = (uint16_t)q[2];
	m->axis = (uint8_t)axis;
	m->kind = (uint8_t)kind;
	m->t = t;
	m->slot = slot;
}

static inline uint32_t
regular_slot(const struct ctx *x, const int q[3], int which)
{
	int e = x->n + 1;

	return (uint32_t)((((size_t)q[2] * e + q[1]) * e + q[0]) *
	    SLOTS_PER_POINT + which);
}

static void
lattice_world(struct ctx *x)
{
	int a, i;

	for (a = 0; a < 3; a++)
		for (i = 0; i < x->p; i++)
			x->s->world[a][i] = field_world(x->c->g0[a] +
			    (int64_t)(i - 1) * x->step, x->c->voxel);
}

static void
edge_slots(struct ctx *x)
{
	int c, a;

	for (c = 0; c < 8; c++)
		for (a = 0; a < 3; a++) {
			int q[3] = { c & 1, (c >> 1) & 1, (c >> 2) & 1 };

			x->edge_slot[3 * c + a] = regular_slot(x, q, a);
		}
}

/* Is lattice point (i, j, k) solid, as the row masks say? */
static inline int
mask_bit(const struct ctx *x, int i, int j, int k)
{
	return (int)((x->s->mask[(size_t)k * (x->n + 1) + j] >> i) & 1);
}

/* Is the edge from local point q along axis on one of the chunk's 12 edge
 * lines (both other coordinates on the boundary)? */
static int
on_chunk_edge(const struct ctx *x, const int q[3], int axis)
{
	int a, n = x->n;

	for (a = 0; a < 3; a++)
		if (a != axis && q[a] != 0 && q[a] != n)
			return 0;
	return 1;
}

/* Is the gradient at either end of the edge from sample d along ax
 * suspect: a sample with both its neighbours along some axis on its other
 * side (a feature thinner than the central difference)?  Elsewhere
 * gradient and fan agree, and no fan is made. */
static int
thin_at_edge(const float *d, const ptrdiff_t st[3], int ax)
{
	int e, a;

	for (e = 0; e < 2; e++, d += st[ax])
		for (a = 0; a < 3; a++) {
			int s0, s1, s2;

			if (a == ax && e == 1)
				continue;  /* the near end is this one's neighbour */
			s0 = d[-st[a]] < 0.0f, s1 = d[0] < 0.0f;
			s2 = d[st[a]] < 0.0f;
			if (s0 == s2 && s0 != s1)
				return 1;
		}
	return 0;
}

static inline int diagonal_finer(const struct ctx *x, int f, int g);

/* Does a finer chunk share the chunk edge line through local point q
 * along axis: across one of its two faces (a transition face), or
 * diagonally (an edge bit)? */
static int
line_beside_finer(const struct ctx *x, const int q[3], int axis)
{
	int a1 = (axis + 1) % 3, a2 = (axis + 2) % 3;
	int f = 2 * a1 + (q[a1] == x->n), g = 2 * a2 + (q[a2] == x->n);

	return (x->c->transitions >> f & 1) || (x->c->transitions >> g & 1) ||
	    diagonal_finer(x, f, g);
}

/*
 * The normal of vertex v on a chunk edge line a finer chunk shares, as
 * that finer chunk makes it (it cannot know its neighbours are coarser):
 * from the central differences, half a step wide, at the ends of the half
 * of our edge (from gp) the crossing lies in, by point samples (we have
 * no half-step samples there), at the crossing's fraction of that half.
 * So the vertex has one normal in every chunk around the line.  It is
 * set after the shift, which moves the vertices near it by the normals
 * the chunks had before (every chunk that shifts one computes it alike).
 */
static void
late_normal(struct ctx *x, uint32_t v, const struct edge *e,
    const int64_t gp[3], float t)
{
	static const ptrdiff_t st[3] = { 1, 3, 9 };
	struct tv_scratch *s = x->s;
	int64_t h = x->step / 2, a[3], p[3];
	float n[2][3], hi, lo, blk[27] = { 0 };
	int k, ax;
	ptrdiff_t at;

	if (x->nlate == s->cap_late) {
		uint32_t cap = s->cap_late ? 2 * s->cap_late : 64;
		struct late_normal *l = realloc(s->late, (size_t)cap * sizeof *l);

		if (l == NULL) {
			x->oom = 1;
			return;
		}
		s->late = l, s->cap_late = cap;
	}
	memcpy(a, gp, sizeof a);
	a[e->axis] += h;
	if (sample_solid(x, a, sample_point(x, a)) != e->solid0)
		memcpy(a, gp, sizeof a);        /* the crossing is in the low half */
	/* The samples also go into a 3x3x3 block around the edge (x fastest,
	 * a at its centre), all thin_at_edge reads of it. */
	for (k = 0; k < 2; k++)
		for (ax = 0; ax < 3; ax++) {
			memcpy(p, a, sizeof p);
			p[e->axis] += k * h;
			p[ax] += h;
			hi = sample_point(x, p);
			p[ax] -= 2 * h;
			lo = sample_point(x, p);
			n[k][ax] = hi - lo;
			at = 13 + k * st[e->axis];
			blk[at - st[ax]] = lo;
			if (!(k == 1 && ax == e->axis))     /* past the block */
				blk[at + st[ax]] = hi;
		}
	s->late[x->nlate].v = v;
	memcpy(s->late[x->nlate].a, a, sizeof a);
	s->late[x->nlate].axis = (uint8_t)e->axis;
	s->late[x->nlate].suspect = (uint8_t)thin_at_edge(blk + 13, st, e->axis);
	make_edge_normal(e, n[0], n[1], chunk_fraction(e, a, h, t), h,
	    s->late[x->nlate++].n);
}

/* Give the line vertices their late normals (before the weld: the
 * indexes are the ones they were made with). */
static void
set_late_normals(struct ctx *x)
{
	uint32_t i;

	for (i = 0; i < x->nlate; i++)
		memcpy(x->out->nrm + 3 * x->s->late[i].v, x->s->late[i].n,
		    sizeof x->s->late[i].n);
}

/* Position, normal, material and fraction along its chunk edge of the
 * vertex on the regular lattice edge from local point (i,j,k) along axis
 * (out of line: in a batch it is the rare path). */
static __attribute__((noinline)) void
regular_vertex_data(struct ctx *x, uint32_t v, int i, int j, int k, int axis,
    float pos[3], float nrm[3], uint8_t *matp, float *tcp)
{
	int q[3] = { i, j, k }, r[3] = { i, j, k }, line = on_chunk_edge(x, q, axis);
	float n0[3], n1[3], t, tc, lap0, lap1;
	ptrdiff_t py = x->p, along = axis == 0 ? 1 : axis == 1 ? py : py * py;
	const float *d0 = sample_at(x, i, j, k), *d1 = d0 + along;
	int64_t gp[3];
	struct edge e;
	uint8_t mat;

	r[axis]++;
	e.len = x->step;
	e.axis = axis;
	e.d0 = *d0;
	e.d1 = *d1;
	lap0 = regular_stencil(d0, py, n0);
	lap1 = regular_stencil(d1, py, n1);
	e.lap0 = e.lap1 = 0.0f;
	if (!line && gradients_agree(n0, n1))
		e.lap0 = lap0, e.lap1 = lap1;
	if (x->step > 1 && line) {
		e.g[0] = x->c->g0[0] + i * x->step;
		e.g[1] = x->c->g0[1] + j * x->step;
		e.g[2] = x->c->g0[2] + k * x->step;
		memcpy(gp, e.g, sizeof gp);
		e.solid0 = mask_bit(x, i, j, k);
		refine_edge(x, &e);
		t = crossing(x, &e);
		tc = chunk_fraction(&e, gp, x->step, t);
		mat = refined_material(x, &e);
		make_vertex(&e, t, x->c->voxel, pos);
		if (line_beside_finer(x, q, axis))
			late_normal(x, v, &e, gp, t);
	} else {
		if (e.d0 == 0.0f && e.d1 == 0.0f)
			e.solid0 = mask_bit(x, i, j, k);
		tc = t = crossing(x, &e);
		mat = x->mat_zero || x->f->fill_materials == NULL ? 0 :
		    mask_bit(x, i, j, k) ? M(x, i, j, k) : M(x, r[0], r[1], r[2]);
		lattice_vertex(x, i, j, k, axis, t, pos);
	}
	if (x->f->fill_materials == NULL || x->mat_zero)
		mat = 0;
	make_edge_normal(&e, n0, n1, tc, x->step, nrm);
	*matp = mat;
	*tcp = tc;
}

/* Store vertex v, its index given out and its room reserved (cell_reserve),
 * with what the shift needs of it: it lies on the edge from lattice (or
 * half-step) point q along axis, kind VK_*, cache slot slot. */
static inline __attribute__((always_inline)) void
store_vertex(struct ctx *x, uint32_t v, const int q[3], int axis, int kind,
    uint32_t slot, const float pos[3], const float nrm[3], uint8_t mat,
    float tc)
{
	struct mesh *m = x->out;

	memcpy(m->pos + 3 * v, pos, 3 * sizeof *pos);
	memcpy(m->nrm + 3 * v, nrm, 3 * sizeof *nrm);
	m->mat[v] = mat;
	set_meta(x, v, q, axis, tc, kind, slot);
}

/* Make the vertex on the regular lattice edge from local point (i,j,k)
 * along axis, not yet in its cache slot, at once.  Out of line: most
 * lookups find the vertex made, and must not pay for this one's stack
 * frame. */
static __attribute__((noinline)) uint32_t
new_regular_vertex(struct ctx *x, int i, int j, int k, int axis,
    uint32_t slot)
{
	int q[3] = { i, j, k };
	float pos[3], nrm[3], tc;
	uint32_t v = x->out->nv++;
	uint8_t mat;

	regular_vertex_data(x, v, i, j, k, axis, pos, nrm, &mat, &tc);
	store_vertex(x, v, q, axis, VK_REGULAR, slot, pos, nrm, mat, tc);
	x->s->rcache[slot] = (int32_t)v;
	return v;
}

/* Vertex on the regular lattice edge from local point (i,j,k) along axis. */
static inline uint32_t
regular_vertex(struct ctx *x, int i, int j, int k, int axis)
{
	int q[3] = { i, j, k };
	uint32_t slot = regular_slot(x, q, axis);
	int32_t have = x->s->rcache[slot];

	return have >= 0 ? (uint32_t)have :
	    new_regular_vertex(x, i, j, k, axis, slot);
}

/* Append a triangle; the cell reserved room for it (cell_reserve). */
static inline __attribute__((always_inline)) void
emit_triangle(struct ctx *x, uint32_t a, uint32_t b, uint32_t c, int flip)
{
	struct mesh *m = x->out;

	if (a == UINT32_MAX || b == UINT32_MAX || c == UINT32_MAX)
		return;
	m->idx[m->ni++] = a;
	m->idx[m->ni++] = flip ? c : b;
	m->idx[m->ni++] = flip ? b : c;
}

/* ---------------------------------------------------------------- regular */

/*
 * Vertices in batches.  A cell that meets an edge without a vertex
 * gives the vertex its index at once (the triangles need it) and leaves
 * the making for later; a batch then runs the densities, stencils,
 * crossings and normals of up to PEND_MAX vertices in one loop the
 * vectoriser turns into 8 at a time (ROW_CLONES), in the very operations
 * and order of regular_vertex_data(), and stores each.  A vertex an end of
 * exactly 0 decides (the zero rule and its stand-in densities) is made one
 * at a time instead, as are those on a chunk edge line above LOD 0, which
 * are never deferred.  The samples are those of the chunk's grid (regular
 * vertices) or of a transition face's three layers (fine vertices; a
 * face's batch is made before the next face is sampled): x, y, z are the
 * strides of the three axes in them.
 */
static inline __attribute__((always_inline)) void
batch_math(const float *restrict d, int32_t x, int32_t y, int32_t z,
    const int32_t *restrict at, const int32_t *restrict along,
    const int32_t *restrict axis, const int32_t *restrict line, int n,
    float lo, struct batch_out *restrict o)
{
	int l;

	/* Branch-free (& and | of compares, selects) and indexed loads: so it
	 * vectorises, gathering the samples. */
	for (l = 0; l < n; l++) {
		int32_t a = at[l], b = a + along[l];
		float d0 = d[a], d1 = d[b];
		float g0x = d[a + x] - d[a - x], g0y = d[a + y] - d[a - y];
		float g0z = d[a + z] - d[a - z];
		float g1x = d[b + x] - d[b - x], g1y = d[b + y] - d[b - y];
		float g1z = d[b + z] - d[b - z];
		float lap0 = ((d[a - x] + d[a + x]) + (d[a - y] + d[a + y])) +
		    (d[a - z] + d[a + z]) - 6.0f * d0;
		float lap1 = ((d[b - x] + d[b + x]) + (d[b - y] + d[b + y])) +
		    (d[b - z] + d[b + z]) - 6.0f * d1;
		float ab = g0x * g1x + g0y * g1y + g0z * g1z;
		float aa = g0x * g0x + g0y * g0y + g0z * g0z;
		float bb = g1x * g1x + g1y * g1y + g1z * g1z;
		int use = (ab > 0.0f) & (ab * ab >= CURVE_COS * CURVE_COS * aa * bb) &
		    (line[l] == 0);
		float la = use ? lap0 : 0.0f, lb = use ? lap1 : 0.0f;
		float t = d0 / (d0 - d1), s = CURVE_K * 0.5f * (la + lb);
		float cap = CURVE_MAX * fabsf(d0 - d1), lvl, m, fade, rise, nx, ny, nz,
		    len;
		int ok;

		s = s > cap ? cap : s;
		s = s < -cap ? -cap : s;
		/* Ends that disagree: no move (a select each: the three
		 * compares as one | kept GCC 12 from vectorising the loop). */
		lvl = la * lb <= 0.0f ? 0.0f : s;
		lvl = fabsf(la) > CURVE_AGREE * fabsf(lb) ? 0.0f : lvl;
		lvl = fabsf(lb) > CURVE_AGREE * fabsf(la) ? 0.0f : lvl;
		m = t < 1.0f - t ? t : 1.0f - t;
		fade = m > 0.0f ? m / CURVE_FADE : 0.0f;
		fade = m >= CURVE_FADE ? 1.0f : fade;
		t += fade * (-lvl / (d0 - d1));
		t = t > 1.0f - lo ? 1.0f - lo : t;
		t = t >= lo ? t : lo;           /* a NaN density gives the low end */
		nx = g0x + t * (g1x - g0x);
		ny = g0y + t * (g1y - g0y);
		nz = g0z + t * (g1z - g0z);
		rise = d1 - d0;
		/* Along the edge, from the solid end to the air end (see
		 * make_edge_normal; span / len is 1 for a chunk's own edge). */
		nx = (axis[l] == 0) & (rise != 0.0f) & !(nx * rise > 0.0f) ?
		    2.0f * rise * 1.0f : nx;
		ny = (axis[l] == 1) & (rise != 0.0f) & !(ny * rise > 0.0f) ?
		    2.0f * rise * 1.0f : ny;
		nz = (axis[l] == 2) & (rise != 0.0f) & !(nz * rise > 0.0f) ?
		    2.0f * rise * 1.0f : nz;
		len = sqrtf(nx * nx + ny * ny + nz * nz);
		ok = (len > 0.0f) & (len <= FLT_MAX);
		o->t[l] = t;
		o->nrm[0][l] = ok ? nx / len : 0.0f;
		o->nrm[1][l] = ok ? ny / len : 1.0f;
		o->nrm[2][l] = ok ? nz / len : 0.0f;
		o->one_by_one[l] = (d0 == 0.0f) | (d1 == 0.0f);
	}
}

/* batch_math() on the chunk's grid (x fastest: a stride of 1) and on a
 * transition face's layers (any strides), each built per ISA. */
ROW_CLONES static void
batch_grid(const float *restrict d, int32_t y, const int32_t *restrict at,
    const int32_t *restrict along, const int32_t *restrict axis,
    const int32_t *restrict line, int n, float lo, struct batch_out *restrict o)
{
	batch_math(d, 1, y, y * y, at, along, axis, line, n, lo, o);
}

ROW_CLONES static void
batch_face(const float *restrict d, const int32_t st[3],
    const int32_t *restrict at, const int32_t *restrict along,
    const int32_t *restrict axis, const int32_t *restrict line, int n,
    float lo, struct batch_out *restrict o)
{
	batch_math(d, st[0], st[1], st[2], at, along, axis, line, n, lo, o);
}

/* Make the waiting vertices (see batch_math). */
static void
make_pending(struct ctx *x)
{
	struct tv_scratch *s = x->s;
	const struct batch_out *o = &s->pout;
	int l, n = x->npend;

	batch_grid(s->d, x->p, s->pat, s->palong, s->paxis, s->pline, n,
	    x->clamp_lo, &s->pout);
	for (l = 0; l < n; l++) {
		int q[3] = { s->pq[l][0], s->pq[l][1], s->pq[l][2] }, r[3];
		int axis = s->paxis[l];
		float pos[3], nrm[3], tc = o->t[l];
		uint8_t mat = 0;

		if (o->one_by_one[l]) {
			regular_vertex_data(x, s->pv[l], q[0], q[1], q[2], axis, pos,
			    nrm, &mat, &tc);
		} else {
			lattice_vertex(x, q[0], q[1], q[2], axis, tc, pos);
			nrm[0] = o->nrm[0][l], nrm[1] = o->nrm[1][l];
			nrm[2] = o->nrm[2][l];
			if (!x->mat_zero && x->f->fill_materials != NULL) {
				memcpy(r, q, sizeof r);
				r[axis]++;
				mat = mask_bit(x, q[0], q[1], q[2]) ?
				    M(x, q[0], q[1], q[2]) : M(x, r[0], r[1], r[2]);
			}
		}
		store_vertex(x, s->pv[l], q, axis, VK_REGULAR, s->pslot[l], pos,
		    nrm, mat, tc);
	}
	x->npend = 0;
}

/* Give the vertex on the edge from local point (i, j, k) along axis (cache
 * slot slot) its index now and its data in the next batch. */
static inline uint32_t
defer_regular_vertex(struct ctx *x, int i, int j, int k, int axis,
    uint32_t slot)
{
	struct tv_scratch *s = x->s;
	int q[3] = { i, j, k }, line = on_chunk_edge(x, q, axis), l;
	uint32_t v;

	if (x->step > 1 && line)
		return new_regular_vertex(x, i, j, k, axis, slot);
	v = x->out->nv++;
	l = x->npend;
	s->pat[l] = (int32_t)(sample_at(x, i, j, k) - s->d);
	s->palong[l] = axis == 0 ? 1 : axis == 1 ? x->p : x->p * x->p;
	s->paxis[l] = axis, s->pline[l] = line;
	s->pq[l][0] = (uint16_t)i, s->pq[l][1] = (uint16_t)j;
	s->pq[l][2] = (uint16_t)k;
	s->pslot[l] = slot, s->pv[l] = v;
	s->rcache[slot] = (int32_t)v;
	if (++x->npend == PEND_MAX)
		make_pending(x);
	return v;
}

/* Inlined into the cell walk: as a call it costs a frame per live cell. */
static inline __attribute__((always_inline)) void
regular_cell(struct ctx *x, int i, int j, int k, unsigned code)
{
	const struct tv_regular_cell *cell =
	    &tv_regular_cell_data[tv_regular_cell_class[code]];
	unsigned nv = tv_regular_vertex_count(cell);
	unsigned nt = tv_regular_triangle_count(cell);
	const uint8_t *edge = x->s->edge_of[code];
	int q[3] = { i, j, k };
	uint32_t local[12], base = regular_slot(x, q, 0), *idx;
	unsigned v, t;

	if (cell_reserve(x, nv, nt) != 0)
		return;
	for (v = 0; v < nv; v++) {
		uint32_t slot = base + x->edge_slot[edge[v]];
		int32_t have = x->s->rcache[slot];
		unsigned lo = edge[v] / 3u;

		local[v] = have >= 0 ? (uint32_t)have :
		    defer_regular_vertex(x, i + (lo & 1), j + ((lo >> 1) & 1),
		    k + ((lo >> 2) & 1), (int)(edge[v] % 3u), slot);
	}
	/* Every vertex is made (the room was reserved): no check per corner. */
	idx = x->out->idx + x->out->ni;
	for (t = 0; t < nt; t++) {
		const uint8_t *vi = &cell->vertex_index[3 * t];

		idx[3 * t] = local[vi[0]];
		idx[3 * t + 1] = local[vi[REGULAR_FLIP ? 2 : 1]];
		idx[3 * t + 2] = local[vi[REGULAR_FLIP ? 1 : 2]];
	}
	x->out->ni += 3 * nt;
}

/* Bits i and i + 1 of m: one row's two corners of cell i (in the low
 * word, a 64-bit shift: chunks of up to 62 cells never need more). */
static inline unsigned
bits2_at(unsigned __int128 m, int i)
{
	if (i < 63)
		return (unsigned)((uint64_t)m >> i) & 3u;
	return (unsigned)(m >> i) & 3u;
}

/* Cells of row pair (j, k) whose eight corners are not all alike, and the
 * four row masks they come from. */
static inline __attribute__((always_inline)) unsigned __int128
live_cells(const struct ctx *x, int j, int k, unsigned __int128 r[4])
{
	const unsigned __int128 *m = x->s->mask;
	unsigned __int128 any, all;
	int e = x->n + 1;

	r[0] = m[(size_t)k * e + j];
	r[1] = m[(size_t)k * e + j + 1];
	r[2] = m[(size_t)(k + 1) * e + j];
	r[3] = m[(size_t)(k + 1) * e + j + 1];
	any = r[0] | r[1] | r[2] | r[3];
	all = r[0] & r[1] & r[2] & r[3];
	return ((any | (any >> 1)) & ~(all & (all >> 1))) &
	    (((unsigned __int128)1 << x->n) - 1);
}

/* Walk only the cells whose eight corners are not all alike, found a row at
 * a time with mask arithmetic; all-solid and all-air rows cost nothing. */
static int
regular_pass(struct ctx *x)
{
	int n = x->n, i, j, k, active = 0;

	for (k = 0; k < n; k++) {
		for (j = x->jlo[k]; j <= x->jhi[k]; j++) {
			unsigned __int128 r[4], live = live_cells(x, j, k, r);

			if (live != 0 && x->step == 1 && zero_rule_rows(x, j, k))
				live = live_cells(x, j, k, r);
			while (live != 0) {
				uint64_t lo64 = (uint64_t)live;
				unsigned code;

				i = lo64 ? __builtin_ctzll(lo64) :
				    64 + __builtin_ctzll((uint64_t)(live >> 64));
				live &= live - 1;
				code = bits2_at(r[0], i) | bits2_at(r[1], i) << 2 |
				    bits2_at(r[2], i) << 4 | bits2_at(r[3], i) << 6;
				regular_cell(x, i, j, k, code);
				active++;
			}
		}
	}
	if (x->npend > 0)
		make_pending(x);
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
	const uint8_t *m;              /* their materials */
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
	fc->m = x->s->fmat[f];
	face_strides(fc);
}

/* Sample the face plane and one half step either side of it, at half steps,
 * one point past the face on every in-plane side (for normals); 0 when the
 * field's bound says the face has no surface (nothing is sampled). */
static int
sample_face(struct ctx *x, const struct face *fc)
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
	/* Proved all solid or all air: the face has no crossing, and no
	 * cell of it makes a triangle (a heightmap chunk's face in the sky
	 * or deep in the rock). */
	if (grid_by_bound(x, &g) != ROW_MIXED)
		return 0;
	fill_grid(x, &g, x->s->face[fc->f], x->s->fmat[fc->f], 0);
	return 1;
}

/* Sample at layer l (0 below, 1 on, 2 above the plane) and half-step in-plane
 * point (pu, pv), each in [-1, 2n+1]. */
static inline float
FS(const struct face *fc, int l, int pu, int pv)
{
	return fc->s[(size_t)l * fc->sa + (size_t)(pu + 1) * fc->su +
	    (size_t)(pv + 1) * fc->sv];
}

/* The Laplacian at a half-step sample of the face plane, from the same six
 * neighbours, in the same order, as the finer chunk's regular_stencil. */
static float
fine_laplacian(const struct face *fc, int pu, int pv)
{
	float nb[6];

	nb[2 * fc->a] = FS(fc, 0, pu, pv);
	nb[2 * fc->a + 1] = FS(fc, 2, pu, pv);
	nb[2 * fc->u] = FS(fc, 1, pu - 1, pv);
	nb[2 * fc->u + 1] = FS(fc, 1, pu + 1, pv);
	nb[2 * fc->v] = FS(fc, 1, pu, pv - 1);
	nb[2 * fc->v + 1] = FS(fc, 1, pu, pv + 1);
	return laplacian(nb, FS(fc, 1, pu, pv));
}

/* Material of the face-plane sample (pu, pv). */
static inline uint8_t
FM(const struct face *fc, int pu, int pv)
{
	return fc->m[fc->sa + (size_t)(pu + 1) * fc->su + (size_t)(pv + 1) * fc->sv];
}

static void
fine_gradient(const struct face *fc, int pu, int pv, float g[3])
{
	g[fc->a] = FS(fc, 2, pu, pv) - FS(fc, 0, pu, pv);
	g[fc->u] = FS(fc, 1, pu + 1, pv) - FS(fc, 1, pu - 1, pv);
	g[fc->v] = FS(fc, 1, pu, pv + 1) - FS(fc, 1, pu, pv - 1);
}

/* A face sample of exactly 0 under the sign rule (sample_solid). */
static int
face_zero_solid(struct ctx *x, const struct face *fc, int pu, int pv)
{
	int64_t g[3], h = x->step / 2;

	g[fc->a] = x->c->g0[fc->a] + fc->plane * x->step;
	g[fc->u] = x->c->g0[fc->u] + pu * h;
	g[fc->v] = x->c->g0[fc->v] + pv * h;
	return zero_between_solids(x, g);
}

/* The sign rule for the samples of exactly 0 in face row pv: those that
 * are gaps between solids are solid (o[], bits[]). */
static void
face_zeros(struct ctx *x, const struct face *fc, int pv, uint8_t *o,
    uint64_t *bits)
{
	int r = 2 * x->n + 1, pu;

	for (pu = 0; pu < r; pu++)
		if (FS(fc, 1, pu, pv) == 0.0f && face_zero_solid(x, fc, pu, pv)) {
			o[pu] = 1;
			bits[pu / 64] |= (uint64_t)1 << (pu % 64);
		}
}

/* Four bytes, 0 or 1, from the four bits of a sign mask (little-endian:
 * bit 0 is the first byte). */
static const uint32_t sign_bytes[16] = {
	0x00000000, 0x00000001, 0x00000100, 0x00000101,
	0x00010000, 0x00010001, 0x00010100, 0x00010101,
	0x01000000, 0x01000001, 0x01000100, 0x01000101,
	0x01010000, 0x01010001, 0x01010100, 0x01010101,
};

/* The sign rule (sample_solid) on every half-step sample of the face
 * plane, once per face: x->s->fsolid[pv * (2n+1) + pu]. */
static void
face_signs(struct ctx *x, const struct face *fc)
{
	int r = 2 * x->n + 1, pu, pv, zeros = 0;
	uint8_t *out = x->s->fsolid;

	/* The strict signs in one branch-free sweep; the rare exact zeros,
	 * which ask the field about their neighbours, after it. */
	for (pv = 0; pv < r; pv++) {
		const float *d = &fc->s[fc->sa + (size_t)(pv + 1) * fc->sv + fc->su];
		uint8_t *o = out + (size_t)pv * r;
		uint64_t *bits = x->s->fbits + (size_t)pv * FROW_WORDS;

		memset(bits, 0, FROW_WORDS * sizeof *bits);
		pu = 0;
#ifdef __SSE2__
		/* Four at a time: gathered along u (a face's u samples lie
		 * 1, 3 or 3q floats apart), signs out through a mask. */
		for (; pu + 4 <= r; pu += 4, d += 4 * fc->su) {
			size_t su = fc->su;
			__m128 v = su == 1 ? _mm_loadu_ps(d) :
			    _mm_set_ps(d[3 * su], d[2 * su], d[su], d[0]);
			__m128 z = _mm_setzero_ps();
			int m = _mm_movemask_ps(_mm_cmplt_ps(v, z));
			uint32_t bytes = sign_bytes[m];

			memcpy(o + pu, &bytes, 4);
			bits[pu / 64] |= (uint64_t)m << (pu % 64);  /* pu % 4 == 0 */
			if (_mm_movemask_ps(_mm_cmpeq_ps(v, z)) != 0)
				zeros |= 1;
		}
#endif
		for (; pu < r; pu++, d += fc->su) {
			o[pu] = (uint8_t)(*d < 0.0f);
			bits[pu / 64] |= (uint64_t)o[pu] << (pu % 64);
			zeros |= *d == 0.0f;
		}
		if (zeros) {            /* rare: only the rows that have one */
			face_zeros(x, fc, pv, o, bits);
			zeros = 0;
		}
	}
}

/* Bits p + k of a face row's words (k < 64), the words past its end 0. */
static inline uint64_t
row_shifted(const uint64_t *w, int i, int k)
{
	uint64_t next = i + 1 < FROW_WORDS ? w[i + 1] : 0;

	return k == 0 ? w[i] : w[i] >> k | next << (64 - k);
}

/* The even bits of w, packed into the low 32. */
static inline uint32_t
even_bits(uint64_t w)
{
	w &= 0x5555555555555555ull;
	w = (w | w >> 1) & 0x3333333333333333ull;
	w = (w | w >> 2) & 0x0f0f0f0f0f0f0f0full;
	w = (w | w >> 4) & 0x00ff00ff00ff00ffull;
	w = (w | w >> 8) & 0x0000ffff0000ffffull;
	return (uint32_t)(w | w >> 16);
}

/* The transition cells of cell row cv that are not all solid or all air:
 * bit cu % 32 of live[cu / 32] (cu < n), from fine rows 2cv .. 2cv+2, a
 * cell's samples being bits 2cu .. 2cu+2 of each. */
static void
live_transition_cells(const struct ctx *x, int cv, uint32_t live[FROW_WORDS])
{
	const uint64_t *r0 = x->s->fbits + (size_t)2 * cv * FROW_WORDS;
	const uint64_t *r1 = r0 + FROW_WORDS, *r2 = r1 + FROW_WORDS;
	uint64_t any[FROW_WORDS], all[FROW_WORDS];
	int i;

	for (i = 0; i < FROW_WORDS; i++) {
		any[i] = r0[i] | r1[i] | r2[i];
		all[i] = r0[i] & r1[i] & r2[i];
	}
	for (i = 0; i < FROW_WORDS; i++) {
		int past = x->n - 32 * i;      /* cells of this word */
		uint64_t w = (row_shifted(any, i, 0) | row_shifted(any, i, 1) |
		    row_shifted(any, i, 2)) & ~(row_shifted(all, i, 0) &
		    row_shifted(all, i, 1) & row_shifted(all, i, 2));
		uint32_t cells = even_bits(w);

		live[i] = past <= 0 ? 0 : past >= 32 ? cells :
		    cells & (((uint32_t)1 << past) - 1);
	}
}

static inline int
face_solid(const struct ctx *x, int pu, int pv)
{
	return x->s->fsolid[(size_t)pv * (2 * x->n + 1) + pu];
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

/* Half-step point (pu, pv) of face fc in chunk half-step coordinates. */
static void
fine_p2(const struct face *fc, int pu, int pv, int p2[3])
{
	p2[fc->a] = 2 * fc->plane;
	p2[fc->u] = pu;
	p2[fc->v] = pv;
}

/* Is a half-step edge of a face, across in-plane coordinate p (0..2n), on
 * an edge line of the finer chunks beyond the face (their chunk edges lie
 * on the face's border and its two middle lines)? */
static inline int
on_fine_chunk_edge(const struct ctx *x, int p)
{
	return p == 0 || p == x->n || p == 2 * x->n;
}

/* Position, normal, material and fraction of the vertex on the half-step
 * edge from in-plane point (pu, pv) along in-plane axis dir (0 = u, 1 = v)
 * of face fc (out of line: in a batch it is the rare path). */
static __attribute__((noinline)) void
fine_vertex_data(struct ctx *x, const struct face *fc, int pu, int pv,
    int dir, float pos[3], float nrm[3], uint8_t *matp, float *tcp)
{
	int axis = dir ? fc->v : fc->u, qu = pu + !dir, qv = pv + dir;
	int64_t h = x->step / 2, gp[3];
	float n0[3], n1[3], t;
	struct edge e;
	uint8_t mat;

	e.g[fc->a] = x->c->g0[fc->a] + fc->plane * x->step;
	e.g[fc->u] = x->c->g0[fc->u] + pu * h;
	e.g[fc->v] = x->c->g0[fc->v] + pv * h;
	e.len = h;
	e.axis = axis;
	e.d0 = FS(fc, 1, pu, pv);
	e.d1 = FS(fc, 1, qu, qv);
	fine_gradient(fc, pu, pv, n0);
	fine_gradient(fc, qu, qv, n1);
	e.lap0 = e.lap1 = 0.0f;
	if (!on_fine_chunk_edge(x, dir ? pu : pv) && gradients_agree(n0, n1)) {
		e.lap0 = fine_laplacian(fc, pu, pv);
		e.lap1 = fine_laplacian(fc, qu, qv);
	}
	e.solid0 = face_solid(x, pu, pv);
	memcpy(gp, e.g, sizeof gp);
	mat = e.solid0 ? FM(fc, pu, pv) : FM(fc, qu, qv);
	if (h > 1 && on_fine_chunk_edge(x, dir ? pu : pv)) {
		refine_edge(x, &e);
		mat = refined_material(x, &e);
	}
	if (x->f->fill_materials == NULL)
		mat = 0;
	t = crossing(x, &e);
	*tcp = chunk_fraction(&e, gp, h, t);
	make_vertex(&e, t, x->c->voxel, pos);
	make_edge_normal(&e, n0, n1, *tcp, h, nrm);
	*matp = mat;
}

/* Make the waiting fine vertices of face fc (see batch_math). */
static void
make_pending_fine(struct ctx *x, const struct face *fc)
{
	struct tv_scratch *s = x->s;
	const struct batch_out *o = &s->pout;
	float lo = CLAMP_VOXELS / (float)(x->step / 2);
	int32_t st[3];
	int l, n = x->npend;

	st[fc->a] = (int32_t)fc->sa, st[fc->u] = (int32_t)fc->su;
	st[fc->v] = (int32_t)fc->sv;
	batch_face(fc->s, st, s->pat, s->palong, s->paxis, s->pline, n, lo,
	    &s->pout);
	for (l = 0; l < n; l++) {
		int p2[3] = { s->pq[l][0], s->pq[l][1], s->pq[l][2] };
		int axis = s->paxis[l], dir = axis == fc->v;
		int pu = p2[fc->u], pv = p2[fc->v], at = dir ? pv : pu;
		const float *w = s->fworld[dir];
		float pos[3], nrm[3], tc = o->t[l];
		uint8_t mat = 0;

		if (o->one_by_one[l]) {
			fine_vertex_data(x, fc, pu, pv, dir, pos, nrm, &mat, &tc);
		} else {
			/* make_vertex() from the face's half-step coordinates;
			 * the fraction along the chunk edge is t itself (the
			 * edge is not halved, and h is a power of two). */
			pos[fc->a] = s->fplane;
			pos[fc->u] = s->fworld[0][pu];
			pos[fc->v] = s->fworld[1][pv];
			pos[axis] = w[at] + tc * (w[at + 1] - w[at]);
			nrm[0] = o->nrm[0][l], nrm[1] = o->nrm[1][l];
			nrm[2] = o->nrm[2][l];
			if (x->f->fill_materials != NULL)
				mat = face_solid(x, pu, pv) ? FM(fc, pu, pv) :
				    FM(fc, pu + !dir, pv + dir);
		}
		store_vertex(x, s->pv[l], p2, axis, VK_FINE, s->pslot[l], pos,
		    nrm, mat, tc);
	}
	x->npend = 0;
}

/* The world coordinates of face fc's half-step lines, for make_pending_fine
 * (the same bits make_vertex() computes from the lattice). */
static void
face_world(struct ctx *x, const struct face *fc)
{
	int64_t h = x->step / 2;
	int i, r = 2 * x->n + 1;

	x->s->fplane = field_world(x->c->g0[fc->a] + fc->plane * x->step,
	    x->c->voxel);
	for (i = 0; i < r; i++) {
		x->s->fworld[0][i] = field_world(x->c->g0[fc->u] + i * h,
		    x->c->voxel);
		x->s->fworld[1][i] = field_world(x->c->g0[fc->v] + i * h,
		    x->c->voxel);
	}
}

/* Vertex on the half-step edge from in-plane point (pu, pv) along in-plane
 * axis dir (0 = u, 1 = v) of face fc: its index now, its data at once or
 * in the face's batch. */
static uint32_t
fine_vertex(struct ctx *x, const struct face *fc, int pu, int pv, int dir)
{
	struct tv_scratch *s = x->s;
	int axis = dir ? fc->v : fc->u, p2[3], line, l;
	uint32_t slot, v;
	int32_t have;

	fine_p2(fc, pu, pv, p2);
	slot = fine_slot(x, p2, axis);
	if ((have = s->fcache[slot]) >= 0)
		return (uint32_t)have;
	v = x->out->nv++;
	s->fcache[slot] = (int32_t)v;
	line = on_fine_chunk_edge(x, dir ? pu : pv);
	if (x->step / 2 > 1 && line) {  /* halved to LOD 0: one at a time */
		float pos[3], nrm[3], tc;
		uint8_t mat;

		fine_vertex_data(x, fc, pu, pv, dir, pos, nrm, &mat, &tc);
		store_vertex(x, v, p2, axis, VK_FINE, slot, pos, nrm, mat, tc);
		return v;
	}
	l = x->npend;
	s->pat[l] = (int32_t)(fc->sa + (size_t)(pu + 1) * fc->su +
	    (size_t)(pv + 1) * fc->sv);
	s->palong[l] = (int32_t)(dir ? fc->sv : fc->su);
	s->paxis[l] = axis, s->pline[l] = line;
	s->pq[l][0] = (uint16_t)p2[0], s->pq[l][1] = (uint16_t)p2[1];
	s->pq[l][2] = (uint16_t)p2[2];
	s->pslot[l] = slot, s->pv[l] = v;
	if (++x->npend == PEND_MAX)
		make_pending_fine(x, fc);
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

/* Case code of transition cell (cu, cv): its bits take the samples around
 * the border, then the centre (samples 0 1 2 5 8 7 6 3 4, row by row from
 * the cell's low corner). */
static unsigned
transition_code(const struct ctx *x, int cu, int cv)
{
	size_t r = 2 * (size_t)x->n + 1;
	const uint8_t *s0 = x->s->fsolid + 2 * (size_t)cv * r + 2 * (size_t)cu;
	const uint8_t *s1 = s0 + r, *s2 = s1 + r;

	return (unsigned)s0[0] | (unsigned)s0[1] << 1 | (unsigned)s0[2] << 2 |
	    (unsigned)s1[2] << 3 | (unsigned)s2[2] << 4 | (unsigned)s2[1] << 5 |
	    (unsigned)s2[0] << 6 | (unsigned)s1[0] << 7 | (unsigned)s1[1] << 8;
}

static int
transition_cell(struct ctx *x, const struct face *fc, int cu, int cv)
{
	const struct tv_transition_cell *cell;
	unsigned code = transition_code(x, cu, cv), cls, nv, nt, v, t;
	uint32_t local[12];
	int flip;

	if (code == 0 || code == 511)
		return 0;
	cls = tv_transition_cell_class[code];
	cell = &tv_transition_cell_data[cls & 0x7f];
	nv = tv_transition_vertex_count(cell);
	nt = tv_transition_triangle_count(cell);
	if (cell_reserve(x, nv, nt) != 0)
		return 1;
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
		if (!sample_face(x, &fc))
			continue;
		face_signs(x, &fc);
		face_world(x, &fc);
		for (cv = 0; cv < x->n; cv++) {
			uint32_t live[FROW_WORDS];
			int i;

			live_transition_cells(x, cv, live);
			for (i = 0; i < FROW_WORDS; i++)
				while (live[i] != 0) {
					cu = 32 * i + __builtin_ctz(live[i]);
					live[i] &= live[i] - 1;
					active += transition_cell(x, &fc, cu, cv);
				}
		}
		if (x->npend > 0)
			make_pending_fine(x, &fc);
	}
	return active;
}

/* ---------------------------------------------------------------- shifting */

/* Faces are numbered f = 2 * axis + high, as the MP_TRANS_* bits. */
static inline int
is_transition(const struct ctx *x, int f)
{
	return (x->c->transitions >> f) & 1;
}

/* The MP_EDGE_* bit of the chunk edge where faces f and g (of two different
 * axes a < b) meet: 4 edges per pair of axes, low/high of a, then of b. */
static unsigned
edge_bit(int f, int g)
{
	int lo = f < g ? f : g, hi = f < g ? g : f;

	return 1u << (4 * (lo / 2 + hi / 2 - 1) + (lo & 1) + 2 * (hi & 1));
}

/* Is the chunk diagonally across the edge of faces f and g one LOD finer?
 * For a plain face f that says whether the same-LOD neighbour across f has
 * transition face g as we do (in a 2:1 layout nothing else can sit there). */
static inline int
diagonal_finer(const struct ctx *x, int f, int g)
{
	return (x->c->edges & edge_bit(f, g)) != 0;
}

/* Distance of local point u (cells) from face f, capped at one cell. */
static inline float
face_near(const struct ctx *x, const float u[3], int f)
{
	float d = (f & 1) ? (float)x->n - u[f / 2] : u[f / 2];

	return d < 1.0f ? d : 1.0f;
}

/* Is the chunk diagonally across the corner of faces f, g and h (one of
 * each axis) one LOD finer?  For plain faces f and g that says whether the
 * chunk diagonally across their edge line has transition face h as we do. */
static inline int
corner_finer(const struct ctx *x, int f, int g, int h)
{
	int bit = 0;

	bit |= (f & 1) << (f / 2);
	bit |= (g & 1) << (g / 2);
	bit |= (h & 1) << (h / 2);
	return (x->c->corners >> bit) & 1;
}

/* Must a vertex on the chunk edge line of faces f and g (both free of a
 * face pin for the shift toward t) stay put?  Two plain faces: unless the
 * chunk diagonally across the line, which shares it, has t too: it is not
 * finer (no edge bit) and the chunk across t from it is (the corner bit of
 * f, g and t; 0, not known, pins).  In a 2:1 layout it is then of our LOD,
 * as a coarser one cannot touch a finer one across a face.  A plain and a
 * transition face: the neighbour across the plain one shares it, and moves
 * it too only if it has that transition face as well (the diagonal chunk
 * is finer).  Two transition faces: nobody shares it. */
static int
line_pinned(const struct ctx *x, int f, int g, int t)
{
	int tf = is_transition(x, f), tg = is_transition(x, g);

	if (!tf && !tg)
		return diagonal_finer(x, f, g) || !corner_finer(x, f, g, t);
	return tf != tg && !diagonal_finer(x, f, g);
}

/* Factor in [0, 1] on the shift toward transition face t of a vertex at
 * local point u: 0 where the vertex must stay, rising linearly to 1 a cell
 * away, so the squeeze stays a continuous, orientation-keeping map.
 * A plain face f pins unless the neighbour across it has transition t too
 * (then both chunks move the vertices they share on f, alike); a chunk
 * edge line pins as line_pinned says, with max(distances) falling to 0
 * only on the line.  A vertex on a plain face P shared with neighbour B
 * gets the same factor from B: only faces Q of the third axis can bring it
 * below 1, and only for vertices on P and t at once, and there B's pin of
 * the line P-Q and our pin of face Q (or the reverse) both give exactly
 * the distance to Q. */
static float
shift_factor(const struct ctx *x, const float u[3], int t)
{
	float k = 1.0f, n1 = (float)x->n - 1.0f;
	int f, g, a;

	for (a = 0; a < 3; a++)
		if (a != t / 2 && (u[a] < 1.0f || u[a] > n1))
			break;
	if (a == 3)
		return 1.0f;            /* a cell from every other face: no pin */
	for (f = 0; f < 6; f++) {
		if (f / 2 == t / 2)
			continue;
		if (!is_transition(x, f) && !diagonal_finer(x, f, t))
			k *= face_near(x, u, f);
	}
	for (f = 0; f < 6; f++)
		for (g = f + 1; g < 6; g++) {
			if (f / 2 == t / 2 || g / 2 == t / 2 || f / 2 == g / 2)
				continue;
			if ((!is_transition(x, f) && !diagonal_finer(x, f, t)) ||
			    (!is_transition(x, g) && !diagonal_finer(x, g, t)))
				continue;       /* a face pin covers the line */
			if (line_pinned(x, f, g, t))
				k *= fmaxf(face_near(x, u, f), face_near(x, u, g));
		}
	return k;
}

/* Inward offset d[], in cells, of a regular vertex; 0 when it stays put. */
static int
shift_delta(const struct ctx *x, const struct vmeta *m, float d[3])
{
	float u[3], n = (float)x->n;
	int a, moved = 0;

	for (a = 0; a < 3; a++)
		u[a] = (float)m->idx[a] + (a == m->axis ? m->t : 0.0f);
	for (a = 0; a < 3; a++) {
		d[a] = 0.0f;
		if (is_transition(x, 2 * a) && u[a] < 1.0f)
			d[a] = (1.0f - u[a]) * TV_TRANSITION_WIDTH *
			    shift_factor(x, u, 2 * a);
		else if (is_transition(x, 2 * a + 1) && u[a] > n - 1.0f)
			d[a] = (n - 1.0f - u[a]) * TV_TRANSITION_WIDTH *
			    shift_factor(x, u, 2 * a + 1);
		moved |= d[a] != 0.0f;
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

/* ---------------------------------------------------------------- in-plane */

/* Twice the area vector of triangle (a, b, c) of m. */
static inline __attribute__((always_inline)) void
tri_cross(const struct mesh *m, uint32_t a, uint32_t b, uint32_t c, float n[3])
{
	const float *pa = m->pos + 3 * a, *pb = m->pos + 3 * b, *pc = m->pos + 3 * c;
	float u[3], v[3];
	int k;

	for (k = 0; k < 3; k++)
		u[k] = pb[k] - pa[k], v[k] = pc[k] - pa[k];
	n[0] = u[1] * v[2] - u[2] * v[1];
	n[1] = u[2] * v[0] - u[0] * v[2];
	n[2] = u[0] * v[1] - u[1] * v[0];
}

/* Does triangle (a, b, c) have area and face the way its vertex normals
 * do (on the mean of them)? */
static int
faces_along(const struct mesh *m, uint32_t a, uint32_t b, uint32_t c)
{
	float n[3], d = 0.0f;
	int k;

	tri_cross(m, a, b, c, n);
	for (k = 0; k < 3; k++)
		d += n[k] * (m->nrm[3 * a + k] + m->nrm[3 * b + k] +
		    m->nrm[3 * c + k]);
	return d > 0.0f;
}

/* Directed edges of the chunk's triangles, for flip_in_plane: open
 * addressing from a -> b to the triangle using it.  A key seen twice (two
 * triangles using one edge the same way) owns EDGE_BAD, a flipped-away
 * edge EDGE_GONE; neither is ever flipped. */
#define EDGE_EMPTY UINT64_MAX
#define EDGE_BAD   (UINT32_MAX - 1)
#define EDGE_GONE  UINT32_MAX

struct edge_slot {
	uint64_t key;
	uint32_t tri;
};

static inline uint64_t
edge_key(uint32_t a, uint32_t b)
{
	return (uint64_t)a << 32 | b;
}

static struct edge_slot *
edge_slot(const struct ctx *x, uint32_t a, uint32_t b)
{
	uint64_t k = edge_key(a, b);
	uint32_t mask = x->s->cap_edges - 1;
	uint32_t h = (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & mask;

	while (x->s->edges[h].key != EDGE_EMPTY && x->s->edges[h].key != k)
		h = (h + 1) & mask;
	return &x->s->edges[h];
}

static void
edge_put(struct ctx *x, uint32_t a, uint32_t b, uint32_t tri)
{
	struct edge_slot *e = edge_slot(x, a, b);

	e->tri = e->key == EDGE_EMPTY ? tri : EDGE_BAD;
	e->key = edge_key(a, b);
}

/* The triangle using directed edge a -> b, or EDGE_GONE / EDGE_BAD. */
static uint32_t
edge_tri(const struct ctx *x, uint32_t a, uint32_t b)
{
	const struct edge_slot *e = edge_slot(x, a, b);

	return e->key == EDGE_EMPTY ? EDGE_GONE : e->tri;
}

/* Every directed edge of the n triangles tris into the table: 0, or -1
 * without memory.  The flips list every triangle with a corner at a
 * vertex they may move an edge of, and a flip's two triangles and its new
 * diagonal all have one, so those are all the table is asked about. */
static int
edges_build(struct ctx *x, const uint32_t *tris, uint32_t n)
{
	struct tv_scratch *s = x->s;
	const uint32_t *idx = x->out->idx;
	uint32_t cap = 64, i;

	while (cap < 2 * 3 * n + 16)
		cap *= 2;
	if (cap > s->cap_edges) {
		struct edge_slot *e = realloc(s->edges, (size_t)cap * sizeof *e);

		if (e == NULL)
			return -1;
		s->edges = e;
	}
	s->cap_edges = cap;
	for (i = 0; i < cap; i++)
		s->edges[i].key = EDGE_EMPTY;
	for (i = 0; i < n; i++) {
		const uint32_t *v = idx + 3 * tris[i];

		edge_put(x, v[0], v[1], tris[i]);
		edge_put(x, v[1], v[2], tris[i]);
		edge_put(x, v[2], v[0], tris[i]);
	}
	return 0;
}

/* World coordinates of the six face planes, for the passes below. */
static void
face_planes(struct ctx *x)
{
	int f;

	for (f = 0; f < 6; f++)
		x->plane[f] = field_world(x->c->g0[f / 2] +
		    ((f & 1) ? x->n : 0) * x->step, x->c->voxel);
}

/* Does position p lie in the plane of face f? */
static inline int
in_face_plane(const struct ctx *x, const float *p, int f)
{
	return p[f / 2] == x->plane[f];
}

/* Room in s->planes for a byte per vertex: 0, or -1 without memory. */
static int
planes_reserve(struct ctx *x)
{
	struct tv_scratch *s = x->s;
	uint32_t nv = x->out->nv;
	uint8_t *p;

	if (nv <= s->cap_planes)
		return 0;
	if ((p = realloc(s->planes, nv)) == NULL)
		return -1;
	s->planes = p, s->cap_planes = nv;
	return 0;
}

/* Which transition face planes each vertex lies in, into s->planes: 0,
 * or -1 without memory. */
static int
vertex_planes(struct ctx *x)
{
	struct tv_scratch *s = x->s;
	const float *pos = x->out->pos, *pl = x->plane;
	uint32_t v, nv = x->out->nv;
	unsigned trans = x->c->transitions;

	if (planes_reserve(x) != 0)
		return -1;
	for (v = 0; v < nv; v++) {
		const float *p = pos + 3 * v;
		unsigned bits = (unsigned)(p[0] == pl[0]) |
		    (unsigned)(p[0] == pl[1]) << 1 | (unsigned)(p[1] == pl[2]) << 2 |
		    (unsigned)(p[1] == pl[3]) << 3 | (unsigned)(p[2] == pl[4]) << 4 |
		    (unsigned)(p[2] == pl[5]) << 5;

		s->planes[v] = (uint8_t)(bits & trans);
	}
	return 0;
}

/* Room for n triangle indexes at *v (capacity *cap): 0, or -1. */
static int
reserve_tris(uint32_t **v, uint32_t *cap, uint32_t n)
{
	uint32_t c = *cap ? *cap : 16, *w;

	if (n <= *cap)
		return 0;
	while (c < n)
		c *= 2;
	if ((w = realloc(*v, (size_t)c * sizeof *w)) == NULL)
		return -1;
	*v = w, *cap = c;
	return 0;
}

/* The triangles with a corner marked in s->planes into s->near: how
 * many, or -1 without memory. */
static long
marked_triangles(struct ctx *x)
{
	struct tv_scratch *s = x->s;
	const uint32_t *idx = x->out->idx;
	uint32_t t, nn = 0;

	for (t = 0; t + 2 < x->out->ni; t += 3) {
		if ((s->planes[idx[t]] | s->planes[idx[t + 1]] |
		    s->planes[idx[t + 2]]) == 0)
			continue;
		if (reserve_tris(&s->near, &s->cap_near, nn + 1) != 0)
			return -1;
		s->near[nn++] = t / 3;
	}
	return nn;
}

/* The triangles with a corner in a transition face plane into s->near,
 * and their edges into the table: 0, or -1 without memory. */
static int
edges_build_planes(struct ctx *x)
{
	long nn = marked_triangles(x);

	return nn < 0 ? -1 : edges_build(x, x->s->near, (uint32_t)nn);
}

/* The transition face whose plane holds all of triangle v, or -1. */
static int
in_plane_face(const struct ctx *x, const uint32_t v[3])
{
	const uint8_t *pl = x->s->planes;
	unsigned all = pl[v[0]] & pl[v[1]] & pl[v[2]];

	return all ? __builtin_ctz(all) : -1;
}

/* Flip edge p -> q of triangle t = (p, q, r) with triangle o = (q, p, y):
 * they become (r, p, y) and (y, q, r), and the edge table follows. */
static void
flip_edge(struct ctx *x, uint32_t t, uint32_t o, const uint32_t v[4])
{
	uint32_t p = v[0], q = v[1], r = v[2], y = v[3];
	uint32_t *a = x->out->idx + 3 * t, *b = x->out->idx + 3 * o;

	a[0] = r, a[1] = p, a[2] = y;
	b[0] = y, b[1] = q, b[2] = r;
	edge_slot(x, p, q)->tri = EDGE_GONE;
	edge_slot(x, q, p)->tri = EDGE_GONE;
	edge_slot(x, p, y)->tri = t;
	edge_slot(x, q, r)->tri = o;
	edge_put(x, y, r, t);
	edge_put(x, r, y, o);
}

/* The vertex of triangle o that is neither p nor q. */
static uint32_t
third_vertex(const struct mesh *m, uint32_t o, uint32_t p, uint32_t q)
{
	const uint32_t *w = m->idx + 3 * o;
	int k;

	for (k = 0; k < 2; k++)
		if (w[k] != p && w[k] != q)
			return w[k];
	return w[2];
}

/* A transition cell closes a fine feature its coarse side does not have
 * with a triangle of three fine vertices, lying in the face plane: at right
 * angles to the surface, it faces either way, or is a sliver when the three
 * are nearly in line.  Where such a triangle shares an edge with one
 * reaching off the plane, flip that edge if both new triangles then face
 * along their vertex normals.  Only edges used by two triangles of this
 * chunk are flipped, so seams are untouched.  Runs after weld_coincident,
 * so a fine vertex and a regular one at the same place are one.  -1 when
 * memory could not be had. */
static __attribute__((noinline)) int
flip_in_plane(struct ctx *x)
{
	struct mesh *m = x->out;
	uint32_t t;
	int built = 0;

	if (vertex_planes(x) != 0)
		return -1;
	for (t = 0; t < m->ni / 3; t++) {
		uint32_t *v = m->idx + 3 * t;
		int k, f;

		if ((f = in_plane_face(x, v)) < 0)
			continue;
		if (!built && (built = 1, edges_build_planes(x) != 0))
			return -1;
		for (k = 0; k < 3; k++) {
			uint32_t e[4] = { v[k], v[(k + 1) % 3], v[(k + 2) % 3], 0 };
			uint32_t o = edge_tri(x, e[1], e[0]);

			if (o >= EDGE_BAD || edge_tri(x, e[0], e[1]) != t)
				continue;
			e[3] = third_vertex(m, o, e[0], e[1]);
			if ((x->s->planes[e[3]] >> f & 1) ||
			    !faces_along(m, e[2], e[0], e[3]) ||
			    !faces_along(m, e[3], e[1], e[2]) ||
			    edge_tri(x, e[2], e[3]) != EDGE_GONE ||
			    edge_tri(x, e[3], e[2]) != EDGE_GONE)
				continue;
			flip_edge(x, t, o, e);
			break;
		}
	}
	return 0;
}

/* How far inside a chunk edge line its chords are bent at most
 * (split_line_chords), in cells: inside the transition cells beside it. */
#define CHORD_DEPTH (TV_TRANSITION_WIDTH / 2)

/* Split triangle tri's edge from a to c (its corners k and k+1) at the new
 * vertex at pos: (a, c, y) becomes (a, p, y) and (p, c, y). */
static void
split_edge(struct ctx *x, uint32_t tri, int k, const float *pos,
    const float *nrm, uint8_t mat)
{
	struct mesh *m = x->out;
	uint32_t *v, p, c, y;

	if (mesh_reserve(m, 1, 3) != 0) {
		x->oom = 1;
		return;
	}
	p = m->nv++;
	memcpy(m->pos + 3 * p, pos, 3 * sizeof *pos);
	memcpy(m->nrm + 3 * p, nrm, 3 * sizeof *nrm);
	m->mat[p] = mat;
	v = m->idx + 3 * tri;
	c = v[(k + 1) % 3], y = v[(k + 2) % 3];
	v[(k + 1) % 3] = p;
	m->idx[m->ni++] = p, m->idx[m->ni++] = c, m->idx[m->ni++] = y;
}

/* Is p on the chunk edge line of faces f and g (exactly, in world units)? */
static int
on_line(const struct ctx *x, const float *p, int f, int g)
{
	return in_face_plane(x, p, f) && in_face_plane(x, p, g);
}

/* Where transition face t meets plain face f whose neighbour has t too, a
 * fine feature on the line (a fine sample differing from the coarse ones
 * beside it) leaves an edge along the line between two fine crossings,
 * with one triangle on each side: ours and the neighbour's.  On the side
 * the feature pokes out of, that triangle closes it flat in the face plane
 * and faces either way.  Both chunks bend every such edge inward through
 * the same new vertex, the edge's midpoint moved CHORD_DEPTH cells into the
 * chunks (the same bits from the same two vertices), so the closing leans
 * with the surface and the seam stays closed. */
/* The shift factor toward t (shift_factor) at world coordinate w along the
 * edge line of faces t and f: where the vertices beside it stay put, the
 * bend fades out with the shift.  Both chunks sharing the line get the
 * same factor, as for a vertex on a plain face. */
static float
line_factor(const struct ctx *x, int t, int f, int line, float w)
{
	float u[3], lo = x->plane[2 * line];

	u[t / 2] = (t & 1) ? (float)x->n : 0.0f;
	u[f / 2] = (f & 1) ? (float)x->n : 0.0f;
	u[line] = (w - lo) / (x->plane[2 * line + 1] - lo) * (float)x->n;
	return shift_factor(x, u, t);
}

/*
 * The normal of a bent chord's new vertex.  It sits on the crease between
 * the surface (whose normals its two ends have) and the flat closing of the
 * fine feature, which faces across transition face t: into the chunk where
 * the feature is solid (from its solid section on the face to our air),
 * out of it where the feature is air.  The ends' normals along the line
 * say which (each points from solid to air along its edge, see
 * make_edge_normal): toward each other, air between them.  The vertex
 * takes the ends' summed normal leaned by as much again toward the
 * closing, halfway between the two: with the ends' normal alone the
 * closing folds against it where the surface slopes away from the face
 * (a 0.04 voxel bump on a 1/32 heightmap's seam).  Symmetric in the two
 * ends, so both chunks get the same bits whichever way round their
 * triangle has the edge.
 */
static void
chord_normal(float nrm[3], const float *na, const float *nc, const float *pa,
    const float *pc, int line, int t)
{
	float solid = (nc[line] - na[line]) * (pc[line] - pa[line]), l;
	int a;

	for (a = 0; a < 3; a++)
		nrm[a] = na[a] + nc[a];
	l = sqrtf(nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]);
	if (solid != 0.0f && isfinite(l))
		nrm[t / 2] += ((solid > 0.0f) == !(t & 1) ? l : -l);
	normalize(nrm);
}

static void
split_line_chords(struct ctx *x, int t, int f)
{
	struct mesh *m = x->out;
	float cell = (float)((double)x->step * (double)x->c->voxel);
	uint32_t i, n = m->ni / 3;
	int k, a, line = 3 - t / 2 - f / 2;     /* the axis the line runs along */

	for (i = 0; i < n && !x->oom; i++)
		for (k = 0; k < 3; k++) {
			uint32_t va = m->idx[3 * i + k];
			uint32_t vc = m->idx[3 * i + (k + 1) % 3];
			const float *pa = m->pos + 3 * va, *pc = m->pos + 3 * vc;
			float pos[3], nrm[3], half, depth;

			if (!on_line(x, pa, t, f) || !on_line(x, pc, t, f))
				continue;
			for (a = 0; a < 3; a++)
				pos[a] = (pa[a] + pc[a]) * 0.5f;
			/* Deeper for longer edges, never past what the triangle on
			 * the other side (reaching a coarse vertex half a cell
			 * along at most) can take without turning over. */
			half = fabsf(pc[line] - pa[line]) * 0.5f / cell;
			depth = CHORD_DEPTH * half / (half + 0.5f) *
			    line_factor(x, t, f, line, pos[line]) * cell;
			pos[t / 2] += (t & 1) ? -depth : depth;
			chord_normal(nrm, m->nrm + 3 * va, m->nrm + 3 * vc, pa, pc,
			    line, t);
			/* The smaller of the two materials: the same whichever
			 * way round a chunk's triangle has the edge. */
			split_edge(x, i, k, pos, nrm, m->mat[va] < m->mat[vc] ?
			    m->mat[va] : m->mat[vc]);
			break;
		}
}

static void
bend_line_chords(struct ctx *x)
{
	int t, f;

	for (t = 0; t < 6; t++)
		for (f = 0; f < 6; f++)
			if (is_transition(x, t) && f / 2 != t / 2 &&
			    !is_transition(x, f) && diagonal_finer(x, f, t))
				split_line_chords(x, t, f);
}

/*
 * Vertex normals are density gradients, and at a feature thinner than
 * their stencil (a lip a dig leaves in the ground, a sheet between two
 * brushes) they can point against the triangles the cell's signs made
 * there, which then render dark and flipped.  Where a triangle faces
 * against the mean of its vertex normals, each vertex of it that only
 * this chunk has (shared_vertex: a neighbour shares the others and must
 * see them alike) takes the area-weighted normal of its fan of triangles
 * instead (turning only those that pointed against their fan left half
 * as many folds fixed).  Elsewhere nothing changes.  Not for a pure
 * heightmap (sample_band): a graph has no such features.
 */

/* Does a neighbour have the vertex made with meta mt too: one on a
 * transition face (a fine vertex), or one whose edge lies in a plain face?
 * Told by how it was made, not where it is: the shift moves a vertex on a
 * plain face off its plane where the neighbour moves it alike, and a
 * regular vertex on a transition face is ours alone (the finer chunk
 * makes its own there). */
static int
shared_vertex(const struct ctx *x, const struct vmeta *mt)
{
	int a;

	if (mt->kind == VK_FINE)
		return 1;
	for (a = 0; a < 3; a++)
		if (a != mt->axis &&
		    ((mt->idx[a] == 0 && !is_transition(x, 2 * a)) ||
		    (mt->idx[a] == x->n && !is_transition(x, 2 * a + 1))))
			return 1;
	return 0;
}

/* Triangle t's cross product into n, and its dot with the sum of its
 * vertex normals (not positive: it folds). */
static inline float
fold_test(const struct mesh *m, uint32_t t)
{
	const uint32_t *v = &m->idx[t];
#ifdef __SSE2__
	/* A vertex as one vector (MESH_PAD), its fourth lane never used:
	 * the scalar form's very operations, in its order, lane by lane,
	 * the products summed x, y, then z. */
	__m128 pa = _mm_loadu_ps(m->pos + 3 * v[0]);
	__m128 u = _mm_sub_ps(_mm_loadu_ps(m->pos + 3 * v[1]), pa);
	__m128 w = _mm_sub_ps(_mm_loadu_ps(m->pos + 3 * v[2]), pa);
	__m128 s = _mm_add_ps(_mm_add_ps(_mm_loadu_ps(m->nrm + 3 * v[0]),
	    _mm_loadu_ps(m->nrm + 3 * v[1])), _mm_loadu_ps(m->nrm + 3 * v[2]));
	/* n = (u1 w2 - u2 w1, u2 w0 - u0 w2, u0 w1 - u1 w0) */
	__m128 n = _mm_sub_ps(
	    _mm_mul_ps(_mm_shuffle_ps(u, u, _MM_SHUFFLE(3, 0, 2, 1)),
	    _mm_shuffle_ps(w, w, _MM_SHUFFLE(3, 1, 0, 2))),
	    _mm_mul_ps(_mm_shuffle_ps(u, u, _MM_SHUFFLE(3, 1, 0, 2)),
	    _mm_shuffle_ps(w, w, _MM_SHUFFLE(3, 0, 2, 1))));
	__m128 p = _mm_mul_ps(n, s);

	return _mm_cvtss_f32(_mm_add_ss(_mm_add_ss(p, _mm_shuffle_ps(p, p,
	    _MM_SHUFFLE(1, 1, 1, 1))), _mm_shuffle_ps(p, p,
	    _MM_SHUFFLE(2, 2, 2, 2))));
#else
	const float *a = &m->nrm[3 * v[0]], *b = &m->nrm[3 * v[1]];
	const float *c = &m->nrm[3 * v[2]];
	float n[3];

	tri_cross(m, v[0], v[1], v[2], n);
	return n[0] * (a[0] + b[0] + c[0]) + n[1] * (a[1] + b[1] + c[1]) +
	    n[2] * (a[2] + b[2] + c[2]);
#endif
}

/*
 * Fold flips.  A triangle that faces against its vertex normals (beside a
 * transition face, where a shifted vertex or a flat transition triangle
 * tips it, or at a brush feature thinner than a cell) is mended, where it
 * can be, by flipping one of its edges with the triangle of this chunk
 * across it, when both new triangles face along their vertex normals and
 * neither is a sliver.  No vertex moves and only an edge two triangles of
 * this chunk share changes, so seams stay exact.  Only the triangles a
 * flip can touch (those with a corner at a folded triangle's vertex: a
 * flip's two triangles and any using its new diagonal) go into the edge
 * table.
 */
#define FLIP_MIN_AREA 1e-4f     /* of a cell face: no sliver made */

static int
good_triangle(const struct ctx *x, uint32_t a, uint32_t b, uint32_t c)
{
	float n[3], cell = (float)x->step * x->c->voxel;

	tri_cross(x->out, a, b, c, n);
	return faces_along(x->out, a, b, c) && 0.5f * sqrtf(n[0] * n[0] +
	    n[1] * n[1] + n[2] * n[2]) >= FLIP_MIN_AREA * cell * cell;
}

/* The folded triangles into s->folds: of all, or only of the nn in
 * s->near (near set); how many, or -1 without memory. */
static long
find_folds(struct ctx *x, int near, uint32_t nn)
{
	struct tv_scratch *s = x->s;
	const struct mesh *m = x->out;
	uint32_t i, t, nf = 0, n_all = near ? nn : m->ni / 3;

	for (i = 0; i < n_all; i++) {
		t = near ? s->near[i] : i;
		if (fold_test(m, 3 * t) > 0.0f)
			continue;
		if (reserve_tris(&s->folds, &s->cap_folds, nf + 1) != 0)
			return -1;
		s->folds[nf++] = t;
	}
	return nf;
}

/* The triangles with a corner at a folded triangle's vertex (marked in
 * s->planes) into s->near: how many, or -1 without memory. */
static long
near_folds(struct ctx *x, uint32_t nf)
{
	struct tv_scratch *s = x->s;
	const struct mesh *m = x->out;
	uint32_t t, k;

	if (planes_reserve(x) != 0)
		return -1;
	memset(s->planes, 0, m->nv);
	for (t = 0; t < nf; t++)
		for (k = 0; k < 3; k++)
			s->planes[m->idx[3 * s->folds[t] + k]] = 1;
	return marked_triangles(x);
}

/* Flip edge k of folded triangle t if that mends it: 1 if flipped. */
static int
flip_fold_edge(struct ctx *x, uint32_t t, int k)
{
	const uint32_t *v = x->out->idx + 3 * t;
	uint32_t e[4] = { v[k], v[(k + 1) % 3], v[(k + 2) % 3], 0 };
	uint32_t o = edge_tri(x, e[1], e[0]);

	if (o >= EDGE_BAD || edge_tri(x, e[0], e[1]) != t)
		return 0;
	e[3] = third_vertex(x->out, o, e[0], e[1]);
	if (e[3] == e[2] || !good_triangle(x, e[2], e[0], e[3]) ||
	    !good_triangle(x, e[3], e[1], e[2]) ||
	    edge_tri(x, e[2], e[3]) != EDGE_GONE ||
	    edge_tri(x, e[3], e[2]) != EDGE_GONE)
		return 0;
	flip_edge(x, t, o, e);
	return 1;
}

/* Find the folded triangles and, with flip set, flip their edges where
 * that mends them; keep in s->folds those still folded: how many, or -1
 * without memory.  Again set: after turn_folded_normals, among the
 * triangles it touched (the x->near in s->near, whose edges alone are
 * then flipped, with the edge table the first round built and its flips
 * kept: no pass over the whole mesh). */
static __attribute__((noinline)) long
mend_folds(struct ctx *x, int flip, int again)
{
	struct mesh *m = x->out;
	long nf = find_folds(x, again, x->near), nn, left = 0, i;
	int k;

	if (nf <= 0)
		return nf;
	if (!again) {
		if ((nn = near_folds(x, (uint32_t)nf)) < 0 ||
		    (flip && edges_build(x, x->s->near, (uint32_t)nn) != 0))
			return -1;
		x->near = (uint32_t)nn;
	}
	for (i = 0; i < nf; i++) {
		uint32_t t = x->s->folds[i];

		if (fold_test(m, 3 * t) > 0.0f)
			continue;       /* an earlier flip took it away */
		/* A flip makes both its triangles face along: t is mended. */
		for (k = 0; k < 3 && !(flip && flip_fold_edge(x, t, k)); k++)
			;
		if (k == 3)
			x->s->folds[left++] = t;
	}
	return left;
}

/*
 * Box vertices' fan normals.  A vertex's normal is the density gradient,
 * from central differences two cells wide; at a feature thinner than
 * that (a lip a dig leaves, a sheet between two brushes) it can point
 * far from the triangles around the vertex, and they fold.  Inside a
 * chunk such a vertex takes its fan's normal (turn_folded_normals); a
 * vertex on a chunk face is the neighbour's too, and neither chunk has
 * the other's half of the fan.  But both have the samples of the four
 * cells around the vertex's lattice edge (the padded grid reaches a cell
 * past each face; a coarser chunk's transition face keeps three layers
 * of half-step samples), so both can make the same fan from those cells
 * alone: the regular tables on their signs, vertices interpolated
 * linearly, area vectors summed in global axis order, and the vertex
 * takes that fan's normal wherever its gradient is suspect: a gradient
 * found suspect is the worse estimate at any angle (taking the fan only
 * where the two were more than 60 degrees apart left five folds of the
 * forty random brushes).  A block of samples that is a pure heightmap's (no
 * brush reaches it) keeps the gradient: there the neighbour may be a
 * pure heightmap chunk, which does none of this, and a graph has no such
 * feature.  A vertex on a chunk edge line is shared by up to four chunks
 * of two LODs; there the block is on the finest lattice around the line:
 * the chunk's own where no finer chunk shares the line (a coarser one
 * then has it at its half step), else half a step, around the half of the
 * edge the crossing is on (as late_normal finds it), by point samples
 * where the chunk has no half-step layer.
 */
/* A 3x3x3 block of samples around a lattice edge, x fastest; the edge
 * runs along axis ax from block point (1,1,1); w[a][i] is the world
 * coordinate of block index i on axis a. */
struct edge_block {
	float d[27];
	float w[3][3];
	int   ax;
};

static inline float
block_at(const struct edge_block *b, const int p[3])
{
	return b->d[(p[2] * 3 + p[1]) * 3 + p[0]];
}

/* The point of cell edge e (lower corner index * 3 + axis, as edge_of)
 * of the block cell with lower corner c, linearly interpolated. */
static void
block_edge_point(const struct edge_block *b, const int c[3], unsigned e,
    float pos[3])
{
	unsigned lo = e / 3u, ax = e % 3u;
	int p0[3] = { c[0] + (int)(lo & 1), c[1] + (int)((lo >> 1) & 1),
	    c[2] + (int)((lo >> 2) & 1) }, p1[3];
	float d0, d1, t;
	int a;

	memcpy(p1, p0, sizeof p1);
	p1[ax]++;
	d0 = block_at(b, p0), d1 = block_at(b, p1);
	t = d0 != d1 ? d0 / (d0 - d1) : 0.5f;
	t = t > 0.0f ? (t < 1.0f ? t : 1.0f) : 0.0f;    /* NaN: 0 */
	for (a = 0; a < 3; a++)
		pos[a] = b->w[a][p0[a]];
	pos[ax] += t * (b->w[ax][p1[ax]] - pos[ax]);
}

/* The summed area vectors, into f, of the triangles the regular tables
 * make in the block's four cells around its edge that use the edge. */
#define BLOCK_FAN_MAX (4 * 5)  /* four cells, at most five triangles each */

/* ... and each such triangle's area vector into tri: how many. */
static int
block_fan(const struct edge_block *b, const uint8_t (*edge_of)[12],
    float f[3], float tri[BLOCK_FAN_MAX][3])
{
	int nt = 0;
	int a1 = (b->ax + 1) % 3, a2 = (b->ax + 2) % 3, c[3], k;
	unsigned corner, code, t, e, lo;

	f[0] = f[1] = f[2] = 0.0f;
	c[b->ax] = 1;
	for (c[a2] = 0; c[a2] <= 1; c[a2]++)
		for (c[a1] = 0; c[a1] <= 1; c[a1]++) {
			const struct tv_regular_cell *cell;
			const uint8_t *edge;

			for (code = 0, corner = 0; corner < 8; corner++) {
				int p[3] = { c[0] + (int)(corner & 1),
				    c[1] + (int)((corner >> 1) & 1),
				    c[2] + (int)((corner >> 2) & 1) };

				code |= (unsigned)(block_at(b, p) < 0.0f) << corner;
			}
			lo = (unsigned)(1 - c[a1]) << a1 | (unsigned)(1 - c[a2]) << a2;
			e = 3u * lo + (unsigned)b->ax;
			cell = &tv_regular_cell_data[tv_regular_cell_class[code]];
			edge = edge_of[code];
			for (t = 0; t < tv_regular_triangle_count(cell); t++) {
				const uint8_t *vi = &cell->vertex_index[3 * t];
				unsigned ev[3] = { edge[vi[0]],
				    edge[vi[REGULAR_FLIP ? 2 : 1]],
				    edge[vi[REGULAR_FLIP ? 1 : 2]] };
				float p[3][3], u[3], v[3];

				if (ev[0] != e && ev[1] != e && ev[2] != e)
					continue;
				for (k = 0; k < 3; k++)
					block_edge_point(b, c, ev[k], p[k]);
				for (k = 0; k < 3; k++)
					u[k] = p[1][k] - p[0][k], v[k] = p[2][k] - p[0][k];
				tri[nt][0] = u[1] * v[2] - u[2] * v[1];
				tri[nt][1] = u[2] * v[0] - u[0] * v[2];
				tri[nt][2] = u[0] * v[1] - u[1] * v[0];
				for (k = 0; k < 3; k++)
					f[k] += tri[nt][k];
				nt++;
			}
		}
	return nt;
}

/* The least margin of unit direction d over the n unit normals un: each
 * one's dot with d, plus rest[t] (rest NULL: nothing). */
static float
least_margin(const float un[][3], const float *rest, int n, const float d[3])
{
	float least = INFINITY, g;
	int t;

	for (t = 0; t < n; t++) {
		g = un[t][0] * d[0] + un[t][1] * d[1] + un[t][2] * d[2];
		if (rest != NULL)
			g += rest[t];
		least = g < least ? g : least;
	}
	return least;
}

/* Direction d, normalized here, into best if its least margin beats *top
 * (which it then becomes). */
static void
try_direction(float d[3], const float un[][3], const float *rest, int n,
    float *top, float best[3])
{
	float g;

	normalize(d);
	if ((g = least_margin(un, rest, n, d)) > *top) {
		*top = g;
		memcpy(best, d, 3 * sizeof *d);
	}
}

/* Each pair's mean of the n unit normals un (one of them alone when the
 * pair is it twice), tried as a direction. */
static void
try_pairs(const float un[][3], const float *rest, int n, float *top,
    float best[3])
{
	float d[3];
	int i, j, a;

	for (i = 0; i < n; i++)
		for (j = i; j < n; j++) {
			for (a = 0; a < 3; a++)
				d[a] = un[i][a] + un[j][a];
			try_direction(d, un, rest, n, top, best);
		}
}

/*
 * Where the fan's mean (f) leaves one of its triangles facing against it
 * (a lip or a sheet thinner than a cell wraps round the edge), the one
 * of each triangle's normal and each pair's mean that the most turned
 * away of them faces along best, into f (unit): 1 if so.  Both chunks
 * with the vertex have the block, so both choose alike.  Triangles
 * without area say nothing and are left out.
 */
static int
fan_widest(const float tri[][3], int nt, float f[3])
{
	float un[BLOCK_FAN_MAX][3], best[3], top, g;
	int i, a, n = 0;

	for (i = 0; i < nt; i++) {
		g = sqrtf(tri[i][0] * tri[i][0] + tri[i][1] * tri[i][1] +
		    tri[i][2] * tri[i][2]);
		if (!(g > 0.0f) || !(g <= FLT_MAX))
			continue;
		for (a = 0; a < 3; a++)
			un[n][a] = tri[i][a] / g;
		n++;
	}
	memcpy(best, f, sizeof best);
	normalize(best);
	if ((top = least_margin(un, NULL, n, best)) > 0.0f)
		return 0;
	try_pairs(un, NULL, n, &top, best);
	memcpy(f, best, sizeof best);
	return 1;
}

/* Give nrm the fan's normal where the block (lower lattice corner g0,
 * step apart) is not a pure heightmap's; the gradient at the edge's ends
 * was found suspect. */
static void
box_fan_normal(struct ctx *x, const struct edge_block *b,
    const int64_t g0[3], int64_t step, float *nrm)
{
	float f[3], l, tri[BLOCK_FAN_MAX][3];
	struct grid g;
	int a, nt = block_fan(b, x->s->edge_of, f, tri);

	l = sqrtf(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
	if (!(l > 0.0f) || !(l <= FLT_MAX))
		return;
	if (fan_widest(tri, nt, f))
		l = 1.0f;
	for (a = 0; a < 3; a++)
		g.g0[a] = g0[a], g.n[a] = 3;
	g.step = step;
	g.voxel = x->c->voxel;
	if (x->f->columns != NULL &&
	    x->f->columns(x->f->ctx, &g, NULL, x->s->tmp) == 0)
		return;
	for (a = 0; a < 3; a++)
		nrm[a] = f[a] / l;
}

/* The samples around lattice point q (global axes) as a strided array:
 * q's sample, and each axis' stride into st.  The chunk's padded grid (fc
 * NULL; local lattice coordinates) or transition face fc's three layers
 * (half-step coordinates, as a fine vertex's meta has them). */
static const float *
samples_at(const struct ctx *x, const struct face *fc, const int q[3],
    ptrdiff_t st[3])
{
	if (fc == NULL) {
		st[0] = 1, st[1] = x->p, st[2] = (ptrdiff_t)x->p * x->p;
		return x->s->d + (q[2] + 1) * st[2] + (q[1] + 1) * st[1] +
		    (q[0] + 1);
	}
	st[fc->a] = (ptrdiff_t)fc->sa, st[fc->u] = (ptrdiff_t)fc->su;
	st[fc->v] = (ptrdiff_t)fc->sv;
	return fc->s + (q[fc->a] - 2 * fc->plane + 1) * st[fc->a] +
	    (q[fc->u] + 1) * st[fc->u] + (q[fc->v] + 1) * st[fc->v];
}

/* The world coordinates of the block with lower lattice corner g0. */
static void
block_world(const struct ctx *x, const int64_t g0[3], int64_t step,
    struct edge_block *b)
{
	int a, j;

	for (a = 0; a < 3; a++)
		for (j = 0; j < 3; j++)
			b->w[a][j] = field_world(g0[a] + j * step, x->c->voxel);
}

/* The vertex on the edge from lattice point q (global axes, as samples_at
 * takes them) along ax, step apart: its fan normal where the gradient
 * there is suspect (see box_fan_normal). */
static void
box_fan_vertex(struct ctx *x, const struct face *fc, const int q[3], int ax,
    int64_t step, float *nrm)
{
	ptrdiff_t st[3];
	const float *d = samples_at(x, fc, q, st);
	int64_t g0[3];
	struct edge_block b;
	int i, j, k;

	if (!thin_at_edge(d, st, ax))
		return;
	b.ax = ax;
	for (k = 0; k < 3; k++)
		for (j = 0; j < 3; j++)
			for (i = 0; i < 3; i++)
				b.d[(k * 3 + j) * 3 + i] = d[(i - 1) * st[0] +
				    (j - 1) * st[1] + (k - 1) * st[2]];
	for (i = 0; i < 3; i++)
		g0[i] = x->c->g0[i] + (int64_t)(q[i] - 1) * step;
	block_world(x, g0, step, &b);
	box_fan_normal(x, &b, g0, step, nrm);
}

/* box_fan_vertex for a line vertex of a chunk with no half-step samples
 * there, whose gradient late_normal found suspect: the edge from global
 * lattice point a along ax, h apart, sampled point by point. */
static void
box_fan_points(struct ctx *x, const int64_t a[3], int ax, int64_t h,
    float *nrm)
{
	struct edge_block b;
	int64_t g0[3], p[3];
	int i, j, k;

	for (i = 0; i < 3; i++)
		g0[i] = a[i] - h;
	b.ax = ax;
	for (k = 0; k < 3; k++)
		for (j = 0; j < 3; j++)
			for (i = 0; i < 3; i++) {
				p[0] = g0[0] + i * h, p[1] = g0[1] + j * h;
				p[2] = g0[2] + k * h;
				b.d[(k * 3 + j) * 3 + i] = sample_point(x, p);
			}
	block_world(x, g0, h, &b);
	box_fan_normal(x, &b, g0, h, nrm);
}

/* The chunk's own vertices on its box (made with meta, before the weld),
 * but for those on a line a finer chunk shares (box_fan_late). */
static void
box_fan_regular(struct ctx *x)
{
	static const uint8_t next[3][2] = { { 1, 2 }, { 2, 0 }, { 0, 1 } };
	const struct vmeta *meta = x->s->meta;
	unsigned edge = (unsigned)x->n - 1;
	uint32_t v, nv = x->out->nv;

	for (v = 0; v < nv; v++) {
		const struct vmeta *mt = &meta[v];
		int ax = mt->axis, q[3], on1, on2;

		/* 0 or n, one compare each: most vertices are on neither. */
		on1 = (unsigned)mt->idx[next[ax][0]] - 1u >= edge;
		on2 = (unsigned)mt->idx[next[ax][1]] - 1u >= edge;
		if ((!on1 && !on2) || mt->kind != VK_REGULAR)
			continue;
		q[0] = mt->idx[0], q[1] = mt->idx[1], q[2] = mt->idx[2];
		if (on1 && on2 && line_beside_finer(x, q, ax))
			continue;
		box_fan_vertex(x, NULL, q, ax, x->step, x->out->nrm + 3 * v);
	}
}

/* The line vertices with late normals: around the half-step edge their
 * crossing is on, as the finer chunk sharing the line has it. */
static void
box_fan_late(struct ctx *x)
{
	uint32_t i;

	for (i = 0; i < x->nlate; i++) {
		const struct late_normal *l = &x->s->late[i];

		if (l->suspect)
			box_fan_points(x, l->a, l->axis, x->step / 2,
			    x->out->nrm + 3 * l->v);
	}
}

/* The transition faces' fine vertices, from the faces' three layers of
 * half-step samples (which reach half a step past the face's border). */
static void
box_fan_fine(struct ctx *x)
{
	uint32_t v;
	int f;

	for (v = 0; v < x->out->nv; v++) {
		const struct vmeta *mt = &x->s->meta[v];
		int q[3] = { mt->idx[0], mt->idx[1], mt->idx[2] }, ax = mt->axis;
		struct face fc;

		if (mt->kind != VK_FINE)
			continue;
		for (f = 0; f < 6; f++)         /* the face it lies on */
			if ((x->c->transitions >> f & 1) && f / 2 != ax &&
			    q[f / 2] == ((f & 1) ? 2 * x->n : 0))
				break;
		if (f == 6)
			continue;
		face_init(x, f, &fc);
		box_fan_vertex(x, &fc, q, ax, x->step / 2, x->out->nrm + 3 * v);
	}
}

/* The normals of the vertices on the chunk's box, after the shift (which
 * moved the vertices near them by the normals they had): the late ones,
 * then, where a gradient is suspect, the fans of the four cells. */
static void
box_normals(struct ctx *x)
{
	set_late_normals(x);
	if (x->graph)
		return;
	box_fan_regular(x);
	box_fan_late(x);
	if (x->c->transitions)
		box_fan_fine(x);
}

/* The nf folds left in s->folds (s->near: every triangle with a corner
 * at one of theirs): 0, or -1 when memory could not be had. */
static __attribute__((noinline)) int
turn_folded_normals(struct ctx *x, uint32_t nf, uint32_t nn)
{
	struct mesh *m = x->out;
	float *fan, n[3];
	uint32_t t, k;

	if (m->nv > x->s->cap_fan) {
		float *f = realloc(x->s->fan, (size_t)m->nv * 4 * sizeof *f);

		if (f == NULL)
			return -1;
		x->s->fan = f, x->s->cap_fan = m->nv;
	}
	/* fan[4v + 3] != 0: v is a folded triangle's; then fan[4v..] sums
	 * the cross products of all its triangles. */
	fan = x->s->fan;
	for (t = 0; t < nn; t++)
		for (k = 0; k < 3; k++)
			fan[4 * m->idx[3 * x->s->near[t] + k] + 3] = 0.0f;
	for (t = 0; t < nf; t++)
		for (k = 0; k < 3; k++) {
			float *f = &fan[4 * m->idx[3 * x->s->folds[t] + k]];

			f[0] = f[1] = f[2] = 0.0f, f[3] = 1.0f;
		}
	for (t = 0; t < nn; t++) {
		const uint32_t *i = &m->idx[3 * x->s->near[t]];

		if (fan[4 * i[0] + 3] == 0.0f && fan[4 * i[1] + 3] == 0.0f &&
		    fan[4 * i[2] + 3] == 0.0f)
			continue;
		tri_cross(m, i[0], i[1], i[2], n);
		for (k = 0; k < 3; k++) {
			float *f = &fan[4 * i[k]];

			if (f[3] != 0.0f)
				f[0] += n[0], f[1] += n[1], f[2] += n[2];
		}
	}
	for (t = 0; t < nf; t++)
		for (k = 0; k < 3; k++) {
			uint32_t v = m->idx[3 * x->s->folds[t] + k];

			/* (past nmeta: a bent chord's, on a line) */
			if (fan[4 * v + 3] == 0.0f || v >= x->nmeta ||
			    shared_vertex(x, &x->s->meta[v]))
				continue;
			fan[4 * v + 3] = 0.0f;  /* once, if in several folds */
			memcpy(&m->nrm[3 * v], &fan[4 * v], 3 * sizeof *fan);
			normalize(&m->nrm[3 * v]);
		}
	return 0;
}

/* The smallest material of triangle v's vertices: the same whichever
 * vertex comes first. */
static uint8_t
min_material(const struct mesh *m, const uint32_t v[3])
{
	uint8_t a = m->mat[v[0]], b = m->mat[v[1]], c = m->mat[v[2]];

	a = a < b ? a : b;
	return a < c ? a : c;
}

/*
 * A fold left flat in a transition face plane is the closing of a fine
 * feature (a sheet, a lip) the coarse side does not have: it faces across
 * the face, its vertices are the feature's, on the finer chunk's lattice,
 * and their normals run along the face, nearly at right angles to it, so
 * the least tilt decides the fold.  Those vertices are shared; the
 * triangle is ours alone.  It becomes a tent over a new vertex at its
 * centroid, moved CHORD_DEPTH cells into the chunk (never into the finer
 * chunk), whose normal is the closing's own: each of the three triangles
 * keeps an edge of it, so the seam is unchanged.
 */
static void
tent_flat_folds(struct ctx *x, uint32_t nf)
{
	struct mesh *m = x->out;
	float cell = (float)((double)x->step * (double)x->c->voxel);
	uint32_t i, *v, p;
	int f, k;

	for (i = 0; i < nf && !x->oom; i++) {
		float pos[3] = { 0, 0, 0 }, n[3];

		v = m->idx + 3 * x->s->folds[i];
		for (f = 0; f < 6; f++)
			if (is_transition(x, f) &&
			    in_face_plane(x, m->pos + 3 * v[0], f) &&
			    in_face_plane(x, m->pos + 3 * v[1], f) &&
			    in_face_plane(x, m->pos + 3 * v[2], f))
				break;
		if (f == 6)
			continue;
		if (mesh_reserve(m, 1, 6) != 0) {
			x->oom = 1;
			return;
		}
		v = m->idx + 3 * x->s->folds[i];    /* (it may have moved) */
		tri_cross(m, v[0], v[1], v[2], n);
		normalize(n);
		for (k = 0; k < 9; k++)
			pos[k % 3] += m->pos[3 * v[k / 3] + k % 3];
		for (k = 0; k < 3; k++)
			pos[k] /= 3.0f;
		pos[f / 2] += (f & 1 ? -CHORD_DEPTH : CHORD_DEPTH) * cell;
		p = m->nv++;
		memcpy(m->pos + 3 * p, pos, sizeof pos);
		memcpy(m->nrm + 3 * p, n, sizeof n);
		m->mat[p] = min_material(m, v);
		m->idx[m->ni++] = v[1], m->idx[m->ni++] = v[2], m->idx[m->ni++] = p;
		m->idx[m->ni++] = v[2], m->idx[m->ni++] = v[0], m->idx[m->ni++] = p;
		v[2] = p;
	}
}

/*
 * What folds the flips, the fans and the tents leave get, at a vertex of
 * theirs that is this chunk's alone, one normal that every triangle of
 * its fan faces along: of the fan's mean, each fan triangle's own normal
 * and each pair's mean, the one with the widest margin (the least, over
 * the fan, of a triangle's unit normal dotted with the sum of its vertex
 * normals), if that is positive.  Such a vertex sits on a feature thinner
 * than a cell (a sheet, a crease at a brush's rim) whose fan wraps round
 * both of its sides, so no gradient or fan mean serves all of it.  A
 * change keeps every triangle at the vertex unfolded, so it makes no new
 * fold, and no vertex a neighbour shares changes: seams keep their bits.
 */
#define SETTLE_FAN_MAX 32       /* triangles at a vertex looked at, at most */
#define SETTLE_MARGIN  1e-3f    /* of a unit normal: no fold at a rounding */

/* The fan of vertex v among the nn triangles in s->near: each one's unit
 * normal and its dot with its other two vertex normals.  How many, or -1
 * when there are too many. */
static int
settle_fan(const struct ctx *x, uint32_t v, uint32_t nn,
    float un[][3], float *rest)
{
	const struct mesh *m = x->out;
	uint32_t i, nf = 0;
	int k, a;

	for (i = 0; i < nn; i++) {
		const uint32_t *c = m->idx + 3 * x->s->near[i];
		float o[3] = { 0, 0, 0 };

		for (k = 0; k < 3 && c[k] != v; k++)
			;
		if (k == 3)
			continue;
		if (nf == SETTLE_FAN_MAX)
			return -1;
		tri_cross(m, c[0], c[1], c[2], un[nf]);
		normalize(un[nf]);
		for (a = 0; a < 3; a++)
			o[a] = m->nrm[3 * c[(k + 1) % 3] + a] +
			    m->nrm[3 * c[(k + 2) % 3] + a];
		rest[nf] = un[nf][0] * o[0] + un[nf][1] * o[1] +
		    un[nf][2] * o[2];
		nf++;
	}
	return (int)nf;
}

/* Give vertex v the candidate normal its fan faces along best, if any:
 * the fan's mean, then each triangle's normal (a pair of one), then each
 * pair's. */
static void
settle_vertex(struct ctx *x, uint32_t v, uint32_t nn)
{
	float un[SETTLE_FAN_MAX][3], rest[SETTLE_FAN_MAX], d[3], best[3];
	float top = SETTLE_MARGIN;
	int nf = settle_fan(x, v, nn, un, rest), i, a;

	if (nf <= 0)
		return;
	memset(d, 0, sizeof d);
	for (i = 0; i < nf; i++)
		for (a = 0; a < 3; a++)
			d[a] += un[i][a];
	try_direction(d, un, rest, nf, &top, best);
	try_pairs(un, rest, nf, &top, best);
	if (top > SETTLE_MARGIN)
		memcpy(&x->out->nrm[3 * v], best, sizeof best);
}

static int
settle_fold_normals(struct ctx *x, uint32_t nf)
{
	struct tv_scratch *s = x->s;
	struct mesh *m = x->out;
	uint32_t i, left = 0, t, v;
	long nn;
	int k;

	for (i = 0; i < nf; i++)
		if (fold_test(m, 3 * s->folds[i]) <= 0.0f)
			s->folds[left++] = s->folds[i];
	if (left == 0)
		return 0;
	if ((nn = near_folds(x, left)) < 0)
		return -1;
	for (i = 0; i < left; i++) {
		t = s->folds[i];
		for (k = 0; k < 3 && fold_test(m, 3 * t) <= 0.0f; k++) {
			v = m->idx[3 * t + k];
			if (v < x->nmeta && !shared_vertex(x, &s->meta[v]))
				settle_vertex(x, v, (uint32_t)nn);
		}
	}
	return 0;
}

/* Room for the weld of weld_coincident: a hash of 2^k >= 2*nv slots, then
 * the old -> new vertex map. */
static uint32_t *
weld_reserve(struct tv_scratch *s, uint32_t nv, uint32_t *hcap)
{
	uint32_t cap = 64, need;
	uint32_t *w;

	while (cap < 2 * nv)
		cap *= 2;
	need = cap + nv;
	if (need > s->cap_weld) {
		if ((w = realloc(s->weld, (size_t)need * sizeof *w)) == NULL)
			return NULL;
		s->weld = w;
		s->cap_weld = need;
	}
	memset(s->weld, 0xff, (size_t)cap * sizeof *s->weld);
	*hcap = cap;
	return s->weld;
}

static uint32_t
position_hash(const float *p)
{
	uint32_t b[3], h;

	memcpy(b, p, sizeof b);
	h = b[0] * 0x9e3779b1u ^ b[1] * 0x85ebca77u ^ b[2] * 0xc2b2ae3du;
	return h ^ (h >> 15);
}

/* Make vertices at one position one vertex, and drop the triangles that then
 * have two equal corners.  Where a transition face meets a plain face, a
 * fine vertex and the regular vertex left in place on the same chunk-edge
 * crossing coincide; welding would join them anyway, and the transition
 * triangle between them has no area.  -1 when memory could not be had. */
static int
weld_coincident(struct ctx *x)
{
	struct tv_scratch *s = x->s;
	struct mesh *m = x->out;
	uint32_t hcap, *hash, *map, v, i, nv = 0, ni = 0;

	if ((hash = weld_reserve(s, m->nv, &hcap)) == NULL)
		return -1;
	map = hash + hcap;
	for (v = 0; v < m->nv; v++) {
		const float *p = m->pos + 3 * v;
		uint32_t h = position_hash(p) & (hcap - 1);

		while (hash[h] != UINT32_MAX &&
		    memcmp(m->pos + 3 * hash[h], p, 3 * sizeof *p) != 0)
			h = (h + 1) & (hcap - 1);
		if (hash[h] == UINT32_MAX) {
			memmove(m->pos + 3 * nv, p, 3 * sizeof *p);
			memmove(m->nrm + 3 * nv, m->nrm + 3 * v, 3 * sizeof *p);
			m->mat[nv] = m->mat[v];
			s->meta[nv] = s->meta[v];
			hash[h] = nv++;
		} else if (shared_vertex(x, &s->meta[v])) {
			s->meta[hash[h]] = s->meta[v];  /* one of them: it is */
		}
		map[v] = hash[h];
	}
	m->nv = x->nmeta = nv;
	for (i = 0; i + 2 < m->ni; i += 3) {
		uint32_t a = map[m->idx[i]], b = map[m->idx[i + 1]];
		uint32_t c = map[m->idx[i + 2]];

		if (a == b || b == c || a == c)
			continue;
		m->idx[ni++] = a, m->idx[ni++] = b, m->idx[ni++] = c;
	}
	m->ni = ni;
	return 0;
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
	    ((c->transitions | c->edges | c->corners) != 0 && c->lod < 1))
		return -1;
	if (surely_empty(c, f))
		return 0;
	if (scratch_prepare(s, c->cells) != 0)
		return -1;
	memset(&x, 0, sizeof x);
	x.c = c, x.f = f, x.s = s, x.out = out;
	x.n = c->cells, x.p = c->cells + 3;
	x.step = (int64_t)1 << c->lod;
	x.zero_d = CLAMP_VOXELS * c->voxel;
	x.clamp_lo = CLAMP_VOXELS / (float)x.step;
	if (sample_chunk(&x) == FIELD_UNIFORM && c->transitions == 0)
		return 0;
	edge_slots(&x);
	lattice_world(&x);
	build_masks(&x);
	regular_rows(&x);
	regular_pass(&x);
	if (c->transitions)
		transition_pass(&x, f);
	reset_caches(&x);
	if (x.oom) {
		mesh_clear(out);
		return -1;
	}
	x.nmeta = out->nv;
	if (c->transitions)
		shift_pass(&x);
	box_normals(&x);
	if (c->transitions) {
		if (weld_coincident(&x) != 0) {
			mesh_clear(out);
			return -1;
		}
		face_planes(&x);
		bend_line_chords(&x);
		if (flip_in_plane(&x) != 0)
			x.oom = 1;
		if (x.oom) {
			mesh_clear(out);
			return -1;
		}
	}
	/* A pure heightmap folds only beside transition faces.  Without edge
	 * or corner bits the shift tapers at every chunk edge and leaves
	 * folds by the dozen (set the bits), which flips mend a quarter of at
	 * a tenth more time: a chunk with transition faces flips only with
	 * those bits, whatever its field, so without them a field's fill
	 * (lazy or not) never changes its triangles.  (With them, a chunk
	 * that is not a pure heightmap's may flip a second round after its
	 * fan normals, and tent what stays folded flat.) */
	if (!x.graph || (c->transitions && (c->edges | c->corners) != 0)) {
		int flip = c->transitions ? (c->edges | c->corners) != 0 : 1;
		long left = mend_folds(&x, flip, 0);

		/* Turned normals can make a flip mend a fold none could
		 * before: one more round, among the triangles they touch. */
		if (left > 0 && !x.graph)
			left = turn_folded_normals(&x, (uint32_t)left, x.near) != 0 ?
			    -1 : flip ? mend_folds(&x, 1, 1) : 0;
		if (left > 0 && c->transitions)
			tent_flat_folds(&x, (uint32_t)left);
		if (left > 0 && !x.oom && settle_fold_normals(&x,
		    (uint32_t)left) != 0)
			x.oom = 1;
		if (left < 0 || x.oom) {
			mesh_clear(out);
			return -1;
		}
	}
	mesh_compute_aabb(out);
	return 0;
}
