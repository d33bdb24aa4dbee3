/*
 * brush.h - one CSG edit (mp_brush) applied to densities and materials,
 * the same code for the workers, the in-process mesher and the edit set's
 * sampling, so that an edited chunk is bit-identical wherever it is made.
 *
 * A brush acts only within its smooth radius plus MP_BRUSH_REACH of its
 * shape, so nothing changes outside its reach box (the shape's box grown
 * by as much), which is what lets a host re-mesh exactly the chunks
 * mp_edits_chunks names.  (A
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

/* A valid brush made ready to apply: its reach box and the numbers every
 * point shares, worked out once (it points at the brush, which must
 * outlive it). */
struct brush_prep {
	const mp_brush *b;
	float lo[3], hi[3];          /* the reach box */
	float reach;                 /* smooth + MP_BRUSH_REACH */
	float core_lo[3], core_hi[3];/* the sphere's centre, the box, the
	                              * capsule segment's box */
	float shell;                 /* how far from the core reach goes */
	float c[3], e[3];            /* box: centre, half size less rounding */
	float ba[3], bb;             /* capsule: b - a and its length^2 */
	float inv_bb, inv_k;         /* 1 / bb and 1 / smooth, or 0: every
	                              * path multiplies by the same bits
	                              * where a quotient cost more */
};
void brush_prepare(const mp_brush *b, struct brush_prep *p);
/* Apply the brush to the density d and material m (may be NULL) of a point
 * within smooth + MP_BRUSH_REACH of its shape; elsewhere nothing changes. */
void brush_apply(const struct brush_prep *p, float x, float y, float z,
         float *d, uint8_t *m);
/* The same for the points of a grid whose axes' world coordinates are
 * c[0], c[1], c[2], from index a[i] to b[i] on axis i, all inside the
 * reach box: point (i, j, l) at d[(l * n[1] + j) * n[0] + i] (and m
 * likewise; m may be NULL).  c[0] may be read FIELD_ROW_PAD floats past
 * b[0]. */
void brush_apply_grid(const struct brush_prep *p, const float *const c[3],
         const int a[3], const int b[3], const int n[3], float *d, uint8_t *m);

#endif
