/*
 * brush.h - one CSG edit (mp_brush) applied to densities and materials,
 * the same code for the workers, the in-process mesher and the edit set's
 * sampling, so that an edited chunk is bit-identical wherever it is made.
 *
 * A brush acts only inside its reach box: its shape's box grown by its
 * smooth radius and MP_BRUSH_REACH.  Outside it nothing changes, which is
 * what lets a host re-mesh exactly the chunks mp_edits_chunks names.  (A
 * union or subtraction would otherwise change densities far away, in air
 * high above the ground or deep in rock, where they matter for nothing
 * but would make every chunk "touched".)
 */
#ifndef MP_BRUSH_H
#define MP_BRUSH_H

#include <stdint.h>

#include "meshpool.h"

#define BRUSH_COORD_MAX 1.0e7f      /* beyond this a float has no room */

/* NULL if b is valid, else a static sentence naming what is wrong. */
const char *brush_problem(const mp_brush *b);
/* The reach box of a valid brush, world units, inclusive. */
void brush_reach(const mp_brush *b, float lo[3], float hi[3]);
/* Signed distance to the brush's shape (negative inside). */
float brush_sdf(const mp_brush *b, float x, float y, float z);
/* Apply b to the density d and material m of point (x, y, z), if the point
 * is in its reach box (lo, hi from brush_reach). */
void brush_apply(const mp_brush *b, const float lo[3], const float hi[3],
         float x, float y, float z, float *d, uint8_t *m);
/* The same for n points (xs[i], y, z); m may be NULL. */
void brush_apply_row(const mp_brush *b, const float lo[3], const float hi[3],
         const float *xs, float y, float z, int n, float *d, uint8_t *m);

#endif
