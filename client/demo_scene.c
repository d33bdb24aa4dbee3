/*
 * demo_scene.c - the edits "meshpoolctl demo" makes to its terrain, so a
 * newcomer sees every kind of brush and how materials cross seams:
 *
 *   a tunnel  a chain of SUBTRACT capsules that starts in the air, sinks
 *             into the hills and comes out again, along x across the seam
 *             between levels 0 and 1, its walls painted (PAINT capsules a
 *             little wider than the dug ones);
 *   a wall    ADD boxes standing on the ground, every other one higher,
 *             along z across the same seam on the other side;
 *   a disc    a PAINT capsule standing upright, across that seam on -x.
 *
 * Everything is placed from where level 0 ends, so it crosses chunk and
 * level seams whatever --size is, and each piece stands on the ground the
 * field makes there (found with mp_edits_raycast).  Brush sizes are fixed
 * in world units: chunks of 32 voxels of 1 unit at level 0.
 */
#include <math.h>
#include <stddef.h>

#include "demo_scene.h"

#define SKY             40.0f   /* above all ground: the seed terrain stays
                                 * within +-10 */
#define TUNNEL_FROM     96.0f   /* it starts this far inside level 0 */
#define TUNNEL_TO       56.0f   /* and ends this far into level 1 */
#define TUNNEL_SEGMENTS 10
#define TUNNEL_RADIUS   5.0f
#define TUNNEL_SWAY     10.0f   /* to and fro on z, across a chunk seam */
#define TUNNEL_PORTAL   6.0f    /* its axis above the ground at both ends */
/* Midway its axis is this far below the ground, and its floor no lower
 * than TUNNEL_FLOOR: level 0 meshes y >= -32 only, and the surface must
 * stay clear of that edge. */
#define TUNNEL_DEEPEST  16.0f
#define TUNNEL_FLOOR    -24.0f
/* Smooth subtraction rounds the portals' rims, where the roof thins to
 * nothing: a sharp rim thinner than a voxel left triangles facing
 * against their normals.  The roof is kept thicker than the blend. */
#define TUNNEL_SMOOTH   8.0f
/* A vertex takes the material of the solid end of its edge, up to a voxel
 * (2 units at level 1) beyond the dug surface, which the smooth blend
 * widens at the joints: paint that far and more. */
#define TUNNEL_LINING   4.0f
#define WALL_SEGMENTS   10
#define WALL_STEP       8.0f    /* length of one box along z */
#define WALL_THICK      6.0f
#define WALL_HEIGHT     8.0f    /* above the highest ground under a box */
#define WALL_MERLON     2.0f    /* every other box this much higher */
#define WALL_FOOTING    3.0f    /* below the lowest ground under a box */
/* Box tops and bottoms lie on the level 1 lattice (every 2 units): sharp
 * edges between its points left a few triangles facing against their
 * normals where the wall crosses into level 1. */
#define WALL_GRID       2.0f
#define DISC_RADIUS     20.0f

static const struct demo_colour palette[DEMO_MATERIALS + 1] = {
	[MAT_TERRAIN] = { "terrain", { 107, 142, 75 } },
	[MAT_TUNNEL] = { "tunnel", { 120, 96, 80 } },
	[MAT_WALL] = { "wall", { 178, 72, 54 } },
	[MAT_PAINT] = { "paint", { 232, 196, 64 } },
	[DEMO_MATERIALS] = { "other", { 255, 0, 255 } },
};

const struct demo_colour *
demo_colour(unsigned m)
{
	return &palette[m < DEMO_MATERIALS ? m : DEMO_MATERIALS];
}

/* The ground's height at (x, z), as it is with the brushes so far. */
static int
ground_at(const mp_edits *e, const mp_field *f, float x, float z, float *y)
{
	const float from[3] = { x, SKY, z }, down[3] = { 0.0f, -1.0f, 0.0f };
	float hit[3];
	int r;

	if ((r = mp_edits_raycast(e, f, from, down, 2.0f * SKY, hit)) != MP_OK)
		return r;
	*y = hit[1];
	return MP_OK;
}

static mp_brush
capsule(int op, int material, const float a[3], const float b[3], float radius,
    float smooth)
{
	mp_brush c = { .shape = MP_BRUSH_CAPSULE, .op = (uint8_t)op,
	    .material = (uint8_t)material, .radius = radius, .smooth = smooth };
	int i;

	for (i = 0; i < 3; i++)
		c.a[i] = a[i], c.b[i] = b[i];
	return c;
}

/* Point i of the tunnel's axis: over the ground at either end, deepest
 * midway (a fourth power keeps most of it deep). */
static int
tunnel_point(const mp_edits *e, const mp_field *f, float half, int i,
    float p[3])
{
	float t = (float)i / TUNNEL_SEGMENTS, u = 2.0f * t - 1.0f;
	float depth = -TUNNEL_DEEPEST + (TUNNEL_PORTAL + TUNNEL_DEEPEST) *
	    u * u * u * u;
	int r;

	p[0] = half - TUNNEL_FROM + t * (TUNNEL_FROM + TUNNEL_TO);
	p[2] = 0.5f * half + TUNNEL_SWAY * sinf(2.0f * (float)M_PI * t);
	if ((r = ground_at(e, f, p[0], p[2], &p[1])) != MP_OK)
		return r;
	p[1] = fmaxf(p[1] + depth, TUNNEL_FLOOR + TUNNEL_RADIUS);
	return MP_OK;
}

/* Dig the tunnel, then paint its walls: the count of brushes, or MP_E*. */
static long
add_tunnel(mp_edits *e, const mp_field *f, float half)
{
	float p[TUNNEL_SEGMENTS + 1][3];
	mp_brush b;
	int i, r;

	for (i = 0; i <= TUNNEL_SEGMENTS; i++)
		if ((r = tunnel_point(e, f, half, i, p[i])) != MP_OK)
			return r;
	for (i = 0; i < TUNNEL_SEGMENTS; i++) {
		b = capsule(MP_EDIT_SUBTRACT, MAT_TERRAIN, p[i], p[i + 1],
		    TUNNEL_RADIUS, TUNNEL_SMOOTH);
		if ((r = mp_edits_add(e, &b)) != MP_OK)
			return r;
	}
	for (i = 0; i < TUNNEL_SEGMENTS; i++) {
		b = capsule(MP_EDIT_PAINT, MAT_TUNNEL, p[i], p[i + 1],
		    TUNNEL_RADIUS + TUNNEL_LINING, 0.0f);
		if ((r = mp_edits_add(e, &b)) != MP_OK)
			return r;
	}
	return 2 * TUNNEL_SEGMENTS;
}

/* Box i of the wall, from below the lowest ground under it to above the
 * highest, with sharp edges (rounded ones folded too). */
static int
wall_box(const mp_edits *e, const mp_field *f, float half, int i, mp_brush *b)
{
	float z0 = -half - 0.5f * WALL_SEGMENTS * WALL_STEP + (float)i * WALL_STEP;
	float lo = SKY, hi = -SKY, y;
	int k, r;

	for (k = 0; k <= 2; k++) {
		if ((r = ground_at(e, f, 0.0f, z0 + 0.5f * (float)k * WALL_STEP,
		    &y)) != MP_OK)
			return r;
		lo = fminf(lo, y);
		hi = fmaxf(hi, y);
	}
	lo = WALL_GRID * floorf((lo - WALL_FOOTING) / WALL_GRID);
	hi = WALL_GRID * ceilf((hi + WALL_HEIGHT) / WALL_GRID);
	*b = (mp_brush){ .shape = MP_BRUSH_BOX, .op = MP_EDIT_ADD,
	    .material = MAT_WALL,
	    .a = { -0.5f * WALL_THICK, lo, z0 },
	    .b = { 0.5f * WALL_THICK, hi + (i % 2 ? WALL_MERLON : 0.0f),
	    z0 + WALL_STEP } };
	return MP_OK;
}

static long
add_wall(mp_edits *e, const mp_field *f, float half)
{
	mp_brush b;
	int i, r;

	for (i = 0; i < WALL_SEGMENTS; i++)
		if ((r = wall_box(e, f, half, i, &b)) != MP_OK ||
		    (r = mp_edits_add(e, &b)) != MP_OK)
			return r;
	return WALL_SEGMENTS;
}

/* An upright capsule taller than the hills paints a disc on the ground. */
static long
add_disc(mp_edits *e, float half)
{
	const float a[3] = { -half, -SKY, -0.5f * half };
	const float b[3] = { -half, SKY, -0.5f * half };
	mp_brush c = capsule(MP_EDIT_PAINT, MAT_PAINT, a, b, DISC_RADIUS, 0.0f);
	int r;

	return (r = mp_edits_add(e, &c)) != MP_OK ? r : 1;
}

long
demo_scene(mp_edits *e, const mp_field *f, float half)
{
	long tunnel, wall, disc;

	if ((tunnel = add_tunnel(e, f, half)) < 0)
		return tunnel;
	if ((wall = add_wall(e, f, half)) < 0)
		return wall;
	if ((disc = add_disc(e, half)) < 0)
		return disc;
	return tunnel + wall + disc;
}
