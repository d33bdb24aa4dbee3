/*
 * camera.c - a slow flight over the terrain: a wide loop around the
 * origin with a gentle sideways wander and bob, looking ahead and down.
 * The path is a pure function of time, so two runs (daemon or local) fly
 * exactly the same frames.
 */
#include <math.h>
#include <string.h>

#include "camera.h"

#define LOOP_RADIUS  420.0      /* world units */
#define SPEED        36.0       /* world units per second */
#define WANDER       60.0       /* sideways swing of the loop, units */
#define HEIGHT       34.0       /* above the terrain's mean (it is +-10) */
#define BOB           6.0
#define FOV_Y         1.05      /* radians, about 60 degrees */
#define NEAR_PLANE    0.5

static void
cross(const float a[3], const float b[3], float out[3])
{
	out[0] = a[1] * b[2] - a[2] * b[1];
	out[1] = a[2] * b[0] - a[0] * b[2];
	out[2] = a[0] * b[1] - a[1] * b[0];
}

static void
normalize(float v[3])
{
	float l = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);

	if (l > 0)
		v[0] /= l, v[1] /= l, v[2] /= l;
}

static float
dot(const float a[3], const float b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* The point of the path at time t (world units). */
static void
path_point(double t, float p[3], float altitude)
{
	double a = t * SPEED / LOOP_RADIUS;
	double r = LOOP_RADIUS + WANDER * sin(3.0 * a);

	p[0] = (float)(r * cos(a));
	p[1] = (float)((HEIGHT + BOB * sin(0.7 * t)) * altitude);
	p[2] = (float)(r * sin(a));
}

/* out = a * b, column-major 4x4. */
static void
mat_mul(const float a[16], const float b[16], float out[16])
{
	int i, j, k;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++) {
			float s = 0;

			for (k = 0; k < 4; k++)
				s += a[k * 4 + j] * b[i * 4 + k];
			out[i * 4 + j] = s;
		}
}

static void
look_along(const float eye[3], const float fwd[3], float m[16])
{
	const float up[3] = { 0, 1, 0 };
	float s[3], u[3];

	cross(fwd, up, s);
	normalize(s);
	cross(s, fwd, u);
	memset(m, 0, 16 * sizeof *m);
	m[0] = s[0], m[4] = s[1], m[8] = s[2];
	m[1] = u[0], m[5] = u[1], m[9] = u[2];
	m[2] = -fwd[0], m[6] = -fwd[1], m[10] = -fwd[2];
	m[12] = -dot(s, eye);
	m[13] = -dot(u, eye);
	m[14] = dot(fwd, eye);
	m[15] = 1;
}

static void
perspective(float fovy, float aspect, float n, float f, float m[16])
{
	float t = 1.0f / tanf(fovy / 2);

	memset(m, 0, 16 * sizeof *m);
	m[0] = t / aspect;
	m[5] = t;
	m[10] = (f + n) / (n - f);
	m[11] = -1;
	m[14] = 2 * f * n / (n - f);
}

/* Gribb and Hartmann: each plane is a sum or difference of the matrix's
 * fourth row and one of the others. */
static void
extract_planes(struct camera *c)
{
	const float *m = c->vp;
	int i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 4; j++) {
			c->planes[2 * i][j] = m[j * 4 + 3] + m[j * 4 + i];
			c->planes[2 * i + 1][j] = m[j * 4 + 3] - m[j * 4 + i];
		}
}

void
camera_at(struct camera *c, double t, float aspect, float far, float altitude,
    float pitch)
{
	float ahead[3], view[16], proj[16], horiz;

	path_point(t, c->eye, altitude);
	path_point(t + 1.0, ahead, altitude);
	c->fwd[0] = ahead[0] - c->eye[0];
	c->fwd[1] = 0;
	c->fwd[2] = ahead[2] - c->eye[2];
	normalize(c->fwd);
	horiz = cosf(pitch);
	c->fwd[0] *= horiz;
	c->fwd[2] *= horiz;
	c->fwd[1] = -sqrtf(1 - horiz * horiz);
	look_along(c->eye, c->fwd, view);
	perspective(FOV_Y, aspect, NEAR_PLANE, far, proj);
	mat_mul(proj, view, c->vp);
	extract_planes(c);
}

int
camera_sees(const struct camera *c, const float lo[3], const float hi[3])
{
	int i;

	for (i = 0; i < 6; i++) {
		const float *p = c->planes[i];
		float corner[3];

		/* The box corner farthest along the plane's normal. */
		corner[0] = p[0] >= 0 ? hi[0] : lo[0];
		corner[1] = p[1] >= 0 ? hi[1] : lo[1];
		corner[2] = p[2] >= 0 ? hi[2] : lo[2];
		if (dot(p, corner) + p[3] < 0)
			return 0;
	}
	return 1;
}
