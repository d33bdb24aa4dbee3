/*
 * testfield.c - test-only fields and the mixed-LOD layout harness.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mesh.h"
#include "testfield.h"

/* Solid inside the sphere: density = distance - radius. */
float
sphere_density(const struct sphere *s, const float p[3])
{
	float dx = p[0] - s->c[0], dy = p[1] - s->c[1], dz = p[2] - s->c[2];

	return sqrtf(dx * dx + dy * dy + dz * dz) - s->r;
}

static int
sphere_fill(const void *ctx, const struct grid *g, float *out, float *tmp,
    int lazy)
{
	struct sphere *s = (struct sphere *)(uintptr_t)ctx;
	int i, j, k;
	float p[3];

	(void)tmp;
	(void)lazy;
	s->fills++;
	for (k = 0; k < g->n[2]; k++) {
		p[2] = field_world(g->g0[2] + k * g->step, g->voxel);
		for (j = 0; j < g->n[1]; j++) {
			p[1] = field_world(g->g0[1] + j * g->step, g->voxel);
			for (i = 0; i < g->n[0]; i++) {
				p[0] = field_world(g->g0[0] + i * g->step, g->voxel);
				*out++ = sphere_density(s, p);
			}
		}
	}
	return FIELD_MIXED;
}

/* Exact bound: distance from the box to the centre, minus the radius. */
static int
sphere_range(const void *ctx, const double lo[3], const double hi[3],
    float *dmin, float *dmax)
{
	const struct sphere *s = ctx;
	double near = 0, far = 0;
	int a;

	for (a = 0; a < 3; a++) {
		double c = s->c[a], dn = 0, df;

		if (c < lo[a])
			dn = lo[a] - c;
		else if (c > hi[a])
			dn = c - hi[a];
		df = fmax(fabs(c - lo[a]), fabs(c - hi[a]));
		near += dn * dn;
		far += df * df;
	}
	*dmin = (float)(sqrt(near) - s->r) - 1e-3f;
	*dmax = (float)(sqrt(far) - s->r) + 1e-3f;
	return 1;
}

struct field
sphere_as_field(struct sphere *s)
{
	struct field f = { sphere_fill, sphere_range, s, NULL, NULL, 0 };

	return f;
}

/* Max-norm distance to the box: < 0 inside, exactly 0 on a face. */
static float
box_distance(const float lo[3], const float hi[3], const float p[3])
{
	float d = -INFINITY;
	int a;

	for (a = 0; a < 3; a++) {
		d = fmaxf(d, lo[a] - p[a]);
		d = fmaxf(d, p[a] - hi[a]);
	}
	return d;
}

static int
boxes_fill(const void *ctx, const struct grid *g, float *out, float *tmp,
    int lazy)
{
	const struct boxes *b = ctx;
	float p[3];
	int i, j, k, e;

	(void)lazy;                 /* the base must write every sample */
	b->base->fill(b->base->ctx, g, out, tmp, 0);
	for (k = 0; k < g->n[2]; k++) {
		p[2] = field_world(g->g0[2] + k * g->step, g->voxel);
		for (j = 0; j < g->n[1]; j++) {
			p[1] = field_world(g->g0[1] + j * g->step, g->voxel);
			for (i = 0; i < g->n[0]; i++, out++) {
				p[0] = field_world(g->g0[0] + i * g->step, g->voxel);
				for (e = 0; e < b->n; e++) {
					float d = box_distance(b->box[e].lo, b->box[e].hi, p);

					*out = b->box[e].carve ? fmaxf(*out, -d) :
					    fminf(*out, d);
				}
			}
		}
	}
	return FIELD_MIXED;
}

struct field
boxes_as_field(const struct boxes *b)
{
	struct field f = { boxes_fill, NULL, b, NULL, NULL, 0 };

	return f;
}

long
mesh_chunk_into(struct mc_mesh *m, struct tv_scratch *s, const struct field *f,
    const struct tv_chunk *c)
{
	struct mesh out;
	long tris;

	mesh_init(&out);
	if (tv_extract(c, f, s, &out) != 0) {
		mesh_free(&out);
		return -1;
	}
	mc_add(m, out.pos, out.nrm, out.nv, out.idx, out.ni);
	tris = out.ni / 3;
	mesh_free(&out);
	return tris;
}

static int
block_fine(const struct layout *l, int bx, int by, int bz)
{
	return l->fine[((size_t)bz * l->nb[1] + by) * l->nb[0] + bx];
}

/* LOD of the chunk covering block coords b (relative), -1 outside. */
static int
lod_at(const struct layout *l, const int b[3])
{
	int a;

	for (a = 0; a < 3; a++)
		if (b[a] < 0 || b[a] >= l->nb[a])
			return -1;
	return block_fine(l, b[0], b[1], b[2]) ? l->base : l->base + 1;
}

/* The 12 chunk edges by their two faces (MP_TRANS_* bit numbers), written
 * out from the public names rather than computed as the mesher does. */
static const struct { int f, g; unsigned bit; } chunk_edges[12] = {
	{ 0, 2, MP_EDGE_NX_NY }, { 1, 2, MP_EDGE_PX_NY },
	{ 0, 3, MP_EDGE_NX_PY }, { 1, 3, MP_EDGE_PX_PY },
	{ 0, 4, MP_EDGE_NX_NZ }, { 1, 4, MP_EDGE_PX_NZ },
	{ 0, 5, MP_EDGE_NX_PZ }, { 1, 5, MP_EDGE_PX_PZ },
	{ 2, 4, MP_EDGE_NY_NZ }, { 3, 4, MP_EDGE_PY_NZ },
	{ 2, 5, MP_EDGE_NY_PZ }, { 3, 5, MP_EDGE_PY_PZ },
};

/* Direction of face f: -1 or +1 on its axis. */
static void
face_dir(int f, int o[3])
{
	o[f / 2] = (f & 1) ? 1 : -1;
}

unsigned
layout_transitions(finer_fn finer, const void *ctx)
{
	unsigned bits = 0;
	int f;

	for (f = 0; f < 6; f++) {
		int o[3] = { 0, 0, 0 };

		face_dir(f, o);
		if (finer(ctx, o))
			bits |= 1u << f;
	}
	return bits;
}

unsigned
layout_edges(finer_fn finer, const void *ctx)
{
	unsigned bits = 0;
	int e;

	for (e = 0; e < 12; e++) {
		int o[3] = { 0, 0, 0 };

		face_dir(chunk_edges[e].f, o);
		face_dir(chunk_edges[e].g, o);
		if (finer(ctx, o))
			bits |= chunk_edges[e].bit;
	}
	return bits;
}

/* Corner bit i (+X 1, +Y 2, +Z 4, as MP_CORNER_*) from its direction. */
unsigned
layout_corners(finer_fn finer, const void *ctx)
{
	unsigned bits = 0;
	int i;

	for (i = 0; i < 8; i++) {
		int o[3] = { i & 1 ? 1 : -1, i & 2 ? 1 : -1, i & 4 ? 1 : -1 };

		if (finer(ctx, o))
			bits |= 1u << i;
	}
	return bits;
}

/* A chunk of a block layout: its lowest corner in LOD-base chunk units
 * relative to the layout, its size in those units (1 or 2), its LOD. */
struct block_chunk {
	const struct layout *l;
	int pos[3], size, lod;
};

/* Is the region next to the chunk in direction o covered one LOD finer? */
static int
block_finer(const void *ctx, const int o[3])
{
	const struct block_chunk *c = ctx;
	int p[3], b[3], k, nl;

	for (k = 0; k < 3; k++) {
		p[k] = o[k] > 0 ? c->pos[k] + c->size :
		    o[k] < 0 ? c->pos[k] - 1 : c->pos[k];
		b[k] = p[k] >= 0 ? p[k] / 2 : -1;
	}
	nl = lod_at(c->l, b);
	return nl >= 0 && nl < c->lod;
}

static long
mesh_block(struct mc_mesh *m, struct tv_scratch *s, const struct field *f,
    const struct layout *l, const int b[3])
{
	int64_t fine_span = (int64_t)l->cells << l->base;
	int fine = block_fine(l, b[0], b[1], b[2]);
	int n = fine ? 2 : 1, i, j, k, a;
	long chunks = 0;

	for (k = 0; k < n; k++)
	for (j = 0; j < n; j++)
	for (i = 0; i < n; i++) {
		struct tv_chunk c;
		struct block_chunk bc;
		int pos[3], d[3] = { i, j, k };

		for (a = 0; a < 3; a++) {
			pos[a] = 2 * b[a] + d[a];
			c.g0[a] = ((int64_t)2 * (b[a] + l->lo[a]) + d[a]) * fine_span;
		}
		c.cells = l->cells;
		c.lod = fine ? l->base : l->base + 1;
		c.voxel = l->voxel;
		bc.l = l, bc.size = fine ? 1 : 2, bc.lod = c.lod;
		memcpy(bc.pos, pos, sizeof pos);
		c.transitions = layout_transitions(block_finer, &bc);
		c.edges = l->edges ? layout_edges(block_finer, &bc) : 0;
		c.corners = l->edges ? layout_corners(block_finer, &bc) : 0;
		if (mesh_chunk_into(m, s, f, &c) < 0)
			return -1;
		chunks++;
	}
	return chunks;
}

long
mesh_layout(struct mc_mesh *m, struct tv_scratch *s, const struct field *f,
    const struct layout *l, float box_lo[3], float box_hi[3])
{
	int64_t bspan = (int64_t)l->cells << (l->base + 1);
	long total = 0, r;
	int b[3], a;

	for (a = 0; a < 3; a++) {
		box_lo[a] = field_world(l->lo[a] * bspan, l->voxel);
		box_hi[a] = field_world((l->lo[a] + l->nb[a]) * bspan, l->voxel);
	}
	for (b[2] = 0; b[2] < l->nb[2]; b[2]++)
	for (b[1] = 0; b[1] < l->nb[1]; b[1]++)
	for (b[0] = 0; b[0] < l->nb[0]; b[0]++) {
		if ((r = mesh_block(m, s, f, l, b)) < 0)
			return -1;
		total += r;
	}
	return total;
}

void
test_request(mp_request *r, uint32_t kind)
{
	mp_request_init(r);
	r->field.kind = kind;
}

struct tv_scratch *scr;

int
scratch_setup(void **state)
{
	(void)state;
	return (scr = tv_scratch_new()) == NULL;
}

int
scratch_teardown(void **state)
{
	(void)state;
	tv_scratch_free(scr);
	return 0;
}
