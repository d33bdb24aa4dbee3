/*
 * transvoxel.h - Transvoxel isosurface extraction of one chunk.
 */
#ifndef MP_TRANSVOXEL_H
#define MP_TRANSVOXEL_H

#include <stdint.h>
#include "field.h"
#include "mesh.h"

/* Width of a transition cell, as a fraction of a (coarse) cell. */
#define TV_TRANSITION_WIDTH 0.25f

struct tv_chunk {
	int64_t  g0[3];      /* origin in global voxel coordinates (LOD 0 units) */
	int      cells;      /* cells per side, 1..64 */
	int      lod;        /* step between samples is 2^lod voxels */
	unsigned transitions;/* MP_TRANS_* bits; lod >= 1 when non-zero */
	unsigned edges;      /* MP_EDGE_* bits; lod >= 1 when non-zero */
	unsigned corners;    /* MP_CORNER_* bits; lod >= 1 when non-zero */
	float    voxel;
};

struct tv_scratch;  /* sample grids and vertex caches, reused across chunks */

struct tv_scratch *tv_scratch_new(void);
void tv_scratch_free(struct tv_scratch *s);

/* Extract the surface of one chunk into out (cleared first).
 * 0 on success, -1 when memory could not be had (out is then empty). */
int tv_extract(const struct tv_chunk *c, const struct field *f,
               struct tv_scratch *s, struct mesh *out);

#endif
