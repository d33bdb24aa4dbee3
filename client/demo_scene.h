/*
 * demo_scene.h - what "meshpoolctl demo" builds into its terrain (a
 * tunnel, a wall and a painted disc) and the colour of each material.
 */
#ifndef MP_DEMO_SCENE_H
#define MP_DEMO_SCENE_H

#include <stdint.h>

#include "meshpool.h"

/* The materials the scene writes; the terrain's own is 0. */
enum { MAT_TERRAIN, MAT_TUNNEL, MAT_WALL, MAT_PAINT, DEMO_MATERIALS };

struct demo_colour {
	const char *name;
	uint8_t     srgb[3];
};

/* The colour of material m (any other than the scene's has one of its
 * own, named "other"). */
const struct demo_colour *demo_colour(unsigned m);

/* Add the scene's brushes to e, placed around the seams of the demo's
 * rings: half is where level 0 ends (world units from the origin on x
 * and z), f the terrain (for the ground's height).  The brush count, or
 * an MP_E* error. */
long demo_scene(mp_edits *e, const mp_field *f, float half);

#endif
