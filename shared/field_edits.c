/*
 * field_edits.c - a noise field with brushes applied after it, in order
 * (field_edits.h).  Each brush is applied only to the samples inside its
 * reach box, row by row, so a chunk touched by many small brushes costs
 * in proportion to the volume they cover, not brushes times samples.
 */
#include <math.h>
#include <string.h>

#include "brush.h"
#include "field_edits.h"

/* A grid's axes: their world coordinates, how many, and the reciprocal of
 * their spacing (field_axis_find's guess), found once per fill rather than
 * once per brush. */
struct axes {
	const float *c[3];
	int n[3];
	float inv[3];
};

static void
axes_init(const struct grid *g, const float *xs, struct axes *ax)
{
	int i;

	ax->c[0] = xs, ax->c[1] = xs + g->n[0], ax->c[2] = ax->c[1] + g->n[1];
	for (i = 0; i < 3; i++) {
		ax->n[i] = g->n[i];
		ax->inv[i] = g->n[i] > 1 ?
		    1.0f / (ax->c[i][1] - ax->c[i][0]) : 0.0f;
	}
}

/* Which brushes reach the grid at all: their index ranges per axis
 * ([a, b], coordinates growing with the index), or a > b.  The same world
 * coordinates as the fill, so no sample is missed. */
static int
brush_box(const struct edits_field *ef, size_t k, const struct axes *ax,
    int a[3], int b[3])
{
	const struct brush_prep *p = &ef->p[k];
	int i;

	for (i = 0; i < 3; i++) {
		a[i] = field_axis_find(ax->c[i], ax->n[i], ax->inv[i], p->lo[i],
		    0);
		b[i] = field_axis_find(ax->c[i], ax->n[i], ax->inv[i], p->hi[i],
		    1) - 1;
	}
	return a[0] <= b[0] && a[1] <= b[1] && a[2] <= b[2];
}

/* World coordinates of the grid's axes, after the base's scratch
 * (FIELD_TMP_FLOATS counts them). */
static float *
coords(const struct grid *g, float *tmp)
{
	float *xs = tmp + FIELD_BASE_TMP_FLOATS(g);

	field_axis(g, 0, xs);
	field_axis(g, 1, xs + g->n[0]);
	field_axis(g, 2, xs + g->n[0] + g->n[1]);
	return xs;
}

/* Does a brush reach the grid (a painting one too, with paint set)? */
static int
any_reach(const struct edits_field *ef, const struct axes *ax, int paint)
{
	int a[3], b[3];
	size_t k;

	for (k = 0; k < ef->n; k++)
		if ((paint || ef->p[k].b->op != MP_EDIT_PAINT) &&
		    brush_box(ef, k, ax, a, b))
			return 1;
	return 0;
}

/* Apply brush k to the densities (and materials, if mat) of the samples
 * it reaches. */
static void
apply_brush(const struct edits_field *ef, size_t k, const struct grid *g,
    const struct axes *ax, float *out, uint8_t *mat)
{
	int a[3], b[3];

	if (brush_box(ef, k, ax, a, b))
		brush_apply_grid(&ef->p[k], ax->c, a, b, g->n, out, mat);
}

/* The noise, then the brushes in order; materials too when mat is set
 * (painting brushes only matter then). */
static int
fill_edited(const struct edits_field *ef, const struct grid *g, float *out,
    uint8_t *mat, float *tmp, int lazy)
{
	struct field base = noise_field_as_field(ef->base);
	struct axes ax;
	size_t k, points;

	if (mat != NULL) {
		points = (size_t)g->n[0] * g->n[1] * g->n[2];
		memset(mat, 0, points);
	}
	axes_init(g, coords(g, tmp), &ax);
	if (!any_reach(ef, &ax, mat != NULL))
		return base.fill(base.ctx, g, out, tmp, lazy);
	base.fill(base.ctx, g, out, tmp, 0);
	for (k = 0; k < ef->n; k++)
		if (mat != NULL || ef->p[k].b->op != MP_EDIT_PAINT)
			apply_brush(ef, k, g, &ax, out, mat);
	return FIELD_MIXED;     /* brushes may have put a surface anywhere */
}

static int
edits_fill(const void *ctx, const struct grid *g, float *out, float *tmp,
    int lazy)
{
	return fill_edited(ctx, g, out, NULL, tmp, lazy);
}

static int
edits_fill_materials(const void *ctx, const struct grid *g, float *out,
    uint8_t *mat, float *tmp, int lazy)
{
	return fill_edited(ctx, g, out, mat, tmp, lazy);
}

/* The noise's columns, where no brush (painting ones included) reaches g. */
static int
edits_columns(const void *ctx, const struct grid *g, float *h, float *tmp)
{
	const struct edits_field *ef = ctx;
	struct field base = noise_field_as_field(ef->base);
	struct axes ax;

	/* The base's own answer first: a volume's is a cheap no. */
	if (base.columns == NULL || base.columns(base.ctx, g, NULL, tmp) != 0)
		return -1;
	axes_init(g, coords(g, tmp), &ax);
	if (any_reach(ef, &ax, 1))
		return -1;
	return h == NULL ? 0 : base.columns(base.ctx, g, h, tmp);
}

static int
edits_range(const void *ctx, const double lo[3], const double hi[3],
    float *dmin, float *dmax)
{
	const struct edits_field *ef = ctx;
	struct field base = noise_field_as_field(ef->base);
	size_t k;
	int i;

	/* A box apart from all the brushes (a row of the chunk below or
	 * above them all) needs no look at each one. */
	for (i = 0; i < 3; i++)
		if (ef->lo[i] > hi[i] || ef->hi[i] < lo[i])
			return base.range(base.ctx, lo, hi, dmin, dmax);
	for (k = 0; k < ef->n; k++) {
		if (ef->p[k].b->op == MP_EDIT_PAINT)
			continue;       /* materials only */
		for (i = 0; i < 3; i++)
			if (ef->p[k].lo[i] > hi[i] || ef->p[k].hi[i] < lo[i])
				break;
		if (i == 3)
			return 0;       /* a brush reaches the box: cannot tell */
	}
	return base.range(base.ctx, lo, hi, dmin, dmax);
}

void
edits_field_init(struct edits_field *ef, const struct noise_field *base,
    const mp_brush *b, size_t n, struct brush_prep *p)
{
	size_t k;
	int i;

	ef->base = base;
	ef->p = p;
	ef->n = n;
	for (i = 0; i < 3; i++)
		ef->lo[i] = INFINITY, ef->hi[i] = -INFINITY;
	for (k = 0; k < n; k++) {
		brush_prepare(&b[k], &p[k]);
		for (i = 0; i < 3 && b[k].op != MP_EDIT_PAINT; i++) {
			ef->lo[i] = p[k].lo[i] < ef->lo[i] ? p[k].lo[i] : ef->lo[i];
			ef->hi[i] = p[k].hi[i] > ef->hi[i] ? p[k].hi[i] : ef->hi[i];
		}
	}
}

struct field
edits_field_as_field(const struct edits_field *ef)
{
	struct field f = { edits_fill, edits_range, ef, edits_fill_materials,
	    edits_columns, ef->base->key };

	return f;
}
