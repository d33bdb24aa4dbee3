/*
 * request.c - mp_request defaults, validation and conversion.
 *
 * Everything here may come from an untrusted client, so every field is
 * range-checked before it is used to size or index anything.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "request.h"

/* A voxel this large already puts a LOD 15 chunk near 1e18 world units;
 * far larger ones overflow a float's range in positions and normals. */
#define VOXEL_SIZE_MAX 1.0e6f

/* The request is one lane item of the transport, a cache line; the last
 * fields fill what was tail padding, so nothing in it is left unnamed. */
_Static_assert(sizeof(mp_request) == 64, "mp_request is 64 bytes");
_Static_assert(offsetof(mp_request, reserved) + sizeof(uint8_t) ==
    sizeof(mp_request), "mp_request has no tail padding");

#define EDGE_BITS 0xfffu            /* the 12 MP_EDGE_* bits */

void
mp_request_init(mp_request *r)
{
	memset(r, 0, sizeof *r);
	r->cells = 32;
	r->voxel_size = 1.0f;
	r->field.kind = MP_FIELD_HEIGHTMAP;
	r->field.seed = 42;
	r->field.octaves = 4;
	r->field.frequency = 0.02f;
	r->field.amplitude = 10.0f;
	r->field.offset = 0.0f;
	r->field.lacunarity = 2.0f;
	r->field.gain = 0.5f;
}

static int
finite_float(float x)
{
	return isfinite(x);
}

const char *
field_problem(const mp_field *f)
{
	if (f->kind != MP_FIELD_HEIGHTMAP && f->kind != MP_FIELD_VOLUME)
		return "unknown field kind";
	if (f->octaves < 1 || f->octaves > MP_MAX_OCTAVES)
		return "octaves out of range 1..16";
	if (!finite_float(f->frequency) || f->frequency <= 0.0f)
		return "frequency must be finite and > 0";
	if (!finite_float(f->amplitude))
		return "amplitude must be finite";
	if (!finite_float(f->offset))
		return "offset must be finite";
	if (!finite_float(f->lacunarity) || f->lacunarity < 0.0f)
		return "lacunarity must be finite and >= 0 (0 means 2)";
	if (!finite_float(f->gain) || f->gain < 0.0f)
		return "gain must be finite and >= 0 (0 means 0.5)";
	return NULL;
}

/* World coordinates must be held by a float to a tenth of a voxel: past
 * that, neighbouring lattice points (and the vertices between them) round to
 * one value and the chunk's surface collapses.  Lattice indexes fit in 64
 * bits by construction (|c| < 2^31, span <= 2^21). */
#define COORD_RESOLUTION 0.1        /* of a voxel */

/* Largest magnitude of a world coordinate in the chunk's box. */
static double
chunk_far(const mp_request *r, double span)
{
	double c[3] = { r->cx, r->cy, r->cz }, far = 0.0;
	int a;

	for (a = 0; a < 3; a++) {
		far = fmax(far, fabs(c[a] * span));
		far = fmax(far, fabs((c[a] + 1.0) * span));
	}
	return far * (double)r->voxel_size;
}

static const char *
extent_problem(const mp_request *r, int cells)
{
	double span = (double)cells * (double)(1u << r->lod);
	double far = chunk_far(r, span);
	int e;

	/* Coordinates below far are below 2^e, where floats are 2^(e-24)
	 * apart (far itself, a lattice point, is exact). */
	(void)frexp(far, &e);
	if (far == ldexp(0.5, e))
		e--;
	if (ldexp(1.0, e - 24) > COORD_RESOLUTION * (double)r->voxel_size)
		return "chunk lies where a float cannot hold its coordinates to "
		    "a tenth of a voxel";
	return NULL;
}

const char *
request_problem(const mp_request *r)
{
	const char *why;
	int cells = r->cells ? r->cells : 32;

	if (r->lod > MP_MAX_LOD)
		return "lod above MP_MAX_LOD";
	if (cells < MP_MIN_CELLS || cells > MP_MAX_CELLS)
		return "cells out of range 8..64";
	if (!finite_float(r->voxel_size) || r->voxel_size <= 0.0f)
		return "voxel_size must be finite and > 0";
	if (r->voxel_size > VOXEL_SIZE_MAX)
		return "voxel_size above 1e6 (world positions would overflow)";
	if (r->transitions & ~0x3fu)
		return "transition bits above bit 5";
	if (r->transitions != 0 && r->lod == 0)
		return "transitions need lod >= 1 (no finer neighbour exists)";
	if (r->edges & ~EDGE_BITS)
		return "edge bits above bit 11";
	if (r->edges != 0 && r->lod == 0)
		return "edges need lod >= 1 (no finer chunk exists)";
	if (r->corners != 0 && r->lod == 0)
		return "corners need lod >= 1 (no finer chunk exists)";
	if (r->reserved != 0)
		return "reserved must be 0";
	if (r->priority > 3)
		return "priority above 3";
	if ((why = field_problem(&r->field)) != NULL)
		return why;
	return extent_problem(r, cells);
}

/* Where each transition, edge and corner bit leads, in chunks of the same
 * LOD: 6 faces, then 12 edges, then 8 corners. */
#define NEIGHBOURS 26
static const struct { int8_t o[3]; uint16_t bit; } neighbours[NEIGHBOURS] = {
	{ { -1, 0, 0 }, MP_TRANS_NX }, { { 1, 0, 0 }, MP_TRANS_PX },
	{ { 0, -1, 0 }, MP_TRANS_NY }, { { 0, 1, 0 }, MP_TRANS_PY },
	{ { 0, 0, -1 }, MP_TRANS_NZ }, { { 0, 0, 1 }, MP_TRANS_PZ },
	{ { -1, -1, 0 }, MP_EDGE_NX_NY }, { { 1, -1, 0 }, MP_EDGE_PX_NY },
	{ { -1, 1, 0 }, MP_EDGE_NX_PY }, { { 1, 1, 0 }, MP_EDGE_PX_PY },
	{ { -1, 0, -1 }, MP_EDGE_NX_NZ }, { { 1, 0, -1 }, MP_EDGE_PX_NZ },
	{ { -1, 0, 1 }, MP_EDGE_NX_PZ }, { { 1, 0, 1 }, MP_EDGE_PX_PZ },
	{ { 0, -1, -1 }, MP_EDGE_NY_NZ }, { { 0, 1, -1 }, MP_EDGE_PY_NZ },
	{ { 0, -1, 1 }, MP_EDGE_NY_PZ }, { { 0, 1, 1 }, MP_EDGE_PY_PZ },
	{ { -1, -1, -1 }, MP_CORNER_NX_NY_NZ }, { { 1, -1, -1 }, MP_CORNER_PX_NY_NZ },
	{ { -1, 1, -1 }, MP_CORNER_NX_PY_NZ }, { { 1, 1, -1 }, MP_CORNER_PX_PY_NZ },
	{ { -1, -1, 1 }, MP_CORNER_NX_NY_PZ }, { { 1, -1, 1 }, MP_CORNER_PX_NY_PZ },
	{ { -1, 1, 1 }, MP_CORNER_NX_PY_PZ }, { { 1, 1, 1 }, MP_CORNER_PX_PY_PZ },
};

void
mp_request_set_neighbours(mp_request *r,
    int (*finer)(void *ctx, int32_t cx, int32_t cy, int32_t cz), void *ctx)
{
	int i;

	r->transitions = 0;
	r->edges = 0;
	r->corners = 0;
	for (i = 0; r->lod > 0 && i < NEIGHBOURS; i++) {
		if (!finer(ctx, r->cx + neighbours[i].o[0],
		    r->cy + neighbours[i].o[1], r->cz + neighbours[i].o[2]))
			continue;
		if (i < 6)
			r->transitions |= (uint8_t)neighbours[i].bit;
		else if (i < 18)
			r->edges |= neighbours[i].bit;
		else
			r->corners |= (uint8_t)neighbours[i].bit;
	}
}

const char *
mp_request_problem(const mp_request *r)
{
	return r == NULL ? "the request is NULL" : request_problem(r);
}

int
mp_request_validate(const mp_request *r)
{
	if (r == NULL)
		return MP_EINVAL;
	return request_problem(r) == NULL ? 0 : MP_EINVAL;
}

void
request_chunk(const mp_request *r, struct tv_chunk *c)
{
	int cells = r->cells ? r->cells : 32;
	int64_t span = (int64_t)cells << r->lod;

	c->g0[0] = (int64_t)r->cx * span;
	c->g0[1] = (int64_t)r->cy * span;
	c->g0[2] = (int64_t)r->cz * span;
	c->cells = cells;
	c->lod = r->lod;
	c->transitions = r->transitions;
	c->edges = r->edges;
	c->corners = r->corners;
	c->voxel = r->voxel_size;
}

void
request_field(const mp_request *r, struct noise_field *nf)
{
	noise_field_init(nf, &r->field);
}

void
request_spans(const mp_request *r, double *span, double *step)
{
	int cells = r->cells ? r->cells : 32;

	*step = (double)r->voxel_size * (double)(1u << r->lod);
	*span = *step * cells;
}

void
request_sample_box(const mp_request *r, double lo[3], double hi[3])
{
	int32_t c[3] = { r->cx, r->cy, r->cz };
	double span, step, slack;
	int i;

	request_spans(r, &span, &step);
	slack = span * REQUEST_BOX_SLACK;
	for (i = 0; i < 3; i++) {
		lo[i] = (double)c[i] * span - step - slack;
		hi[i] = ((double)c[i] + 1.0) * span + step + slack;
	}
}
