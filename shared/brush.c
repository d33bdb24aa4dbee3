/*
 * brush.c - signed distances of the brush shapes and the CSG operations
 * (brush.h).  Densities stay distance-like: a union takes the smaller
 * value, a subtraction the larger of the density and the negated
 * distance, and the smooth forms blend them with the usual polynomial
 * smooth minimum, which only differs from the sharp one within the smooth
 * radius of the brush's surface.
 */
#include <math.h>
#include <stddef.h>

#include "brush.h"

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

static float
len3(float x, float y, float z)
{
	return sqrtf(x * x + y * y + z * z);
}

static float
box_sdf(const mp_brush *b, float x, float y, float z)
{
	float p[3] = { x, y, z }, q[3], out[3];
	int i;

	for (i = 0; i < 3; i++) {
		float c = 0.5f * (b->a[i] + b->b[i]);
		float e = 0.5f * (b->b[i] - b->a[i]) - b->radius;

		q[i] = fabsf(p[i] - c) - e;
		out[i] = fmaxf(q[i], 0.0f);
	}
	return len3(out[0], out[1], out[2]) +
	    fminf(fmaxf(q[0], fmaxf(q[1], q[2])), 0.0f) - b->radius;
}

static float
capsule_sdf(const mp_brush *b, float x, float y, float z)
{
	float pa[3] = { x - b->a[0], y - b->a[1], z - b->a[2] };
	float ba[3] = { b->b[0] - b->a[0], b->b[1] - b->a[1], b->b[2] - b->a[2] };
	float bb = ba[0] * ba[0] + ba[1] * ba[1] + ba[2] * ba[2];
	float h = bb > 0.0f ? (pa[0] * ba[0] + pa[1] * ba[1] + pa[2] * ba[2]) / bb :
	    0.0f;

	h = fminf(fmaxf(h, 0.0f), 1.0f);
	return len3(pa[0] - ba[0] * h, pa[1] - ba[1] * h, pa[2] - ba[2] * h) -
	    b->radius;
}

float
brush_sdf(const mp_brush *b, float x, float y, float z)
{
	switch (b->shape) {
	case MP_BRUSH_SPHERE:
		return len3(x - b->a[0], y - b->a[1], z - b->a[2]) - b->radius;
	case MP_BRUSH_BOX:
		return box_sdf(b, x, y, z);
	default:
		return capsule_sdf(b, x, y, z);
	}
}

/* Polynomial smooth minimum: min(a, b) less a blend within k of a == b. */
static float
smooth_min(float a, float b, float k)
{
	float h = fmaxf(k - fabsf(a - b), 0.0f) / k;

	return fminf(a, b) - h * h * k * 0.25f;
}

static int
inside(const float lo[3], const float hi[3], float x, float y, float z)
{
	return x >= lo[0] && x <= hi[0] && y >= lo[1] && y <= hi[1] &&
	    z >= lo[2] && z <= hi[2];
}

/* The operation at one point already known to be in reach. */
static void
apply_at(const mp_brush *b, float x, float y, float z, float *d, uint8_t *m)
{
	float s = brush_sdf(b, x, y, z), k = b->smooth;

	switch (b->op) {
	case MP_EDIT_ADD:
		if (m != NULL && s < *d)
			*m = b->material;       /* the brush's surface wins here */
		*d = k > 0.0f ? smooth_min(*d, s, k) : fminf(*d, s);
		break;
	case MP_EDIT_SUBTRACT:
		*d = k > 0.0f ? -smooth_min(-*d, s, k) : fmaxf(*d, -s);
		break;
	default:
		if (m != NULL && s < 0.0f)
			*m = b->material;
		break;
	}
}

void
brush_apply(const mp_brush *b, const float lo[3], const float hi[3],
    float x, float y, float z, float *d, uint8_t *m)
{
	if (inside(lo, hi, x, y, z))
		apply_at(b, x, y, z, d, m);
}

void
brush_apply_row(const mp_brush *b, const float lo[3], const float hi[3],
    const float *xs, float y, float z, int n, float *d, uint8_t *m)
{
	int i;

	if (y < lo[1] || y > hi[1] || z < lo[2] || z > hi[2])
		return;
	for (i = 0; i < n; i++)
		if (xs[i] >= lo[0] && xs[i] <= hi[0])
			apply_at(b, xs[i], y, z, &d[i], m != NULL ? &m[i] : NULL);
}
