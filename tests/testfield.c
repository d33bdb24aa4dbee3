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
	struct field f = { sphere_fill, sphere_range, s };

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
	struct field f = { boxes_fill, NULL, b };

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

/* Transition bits of a chunk: a face whose neighbour is one LOD finer.
 * pos[] is the chunk's lowest corner in LOD-base chunk units relative to the
 * layout, size its size in the same units (1 or 2). */
static unsigned
transitions_of(const struct layout *l, const int pos[3], int size, int lod)
{
	unsigned bits = 0;
	int f;

	for (f = 0; f < 6; f++) {
		int a = f / 2, p[3], b[3], k, nl;

		for (k = 0; k < 3; k++)
			p[k] = pos[k];
		p[a] = (f & 1) ? pos[a] + size : pos[a] - 1;
		for (k = 0; k < 3; k++)
			b[k] = p[k] >= 0 ? p[k] / 2 : -1;
		nl = lod_at(l, b);
		if (nl >= 0 && nl < lod)
			bits |= 1u << f;
	}
	return bits;
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
		int pos[3], d[3] = { i, j, k };

		for (a = 0; a < 3; a++) {
			pos[a] = 2 * b[a] + d[a];
			c.g0[a] = ((int64_t)2 * (b[a] + l->lo[a]) + d[a]) * fine_span;
		}
		c.cells = l->cells;
		c.lod = fine ? l->base : l->base + 1;
		c.voxel = l->voxel;
		c.transitions = transitions_of(l, pos, fine ? 1 : 2, c.lod);
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
