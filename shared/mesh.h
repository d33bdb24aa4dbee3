/*
 * mesh.h - growable indexed triangle mesh (structure of arrays), the
 * extractor's output buffer.  Capacity only grows; a buffer is reused across
 * chunks so the hot path does not allocate.
 */
#ifndef MP_MESH_H
#define MP_MESH_H

#include <stdint.h>

#define MESH_PAD 1          /* floats past pos and nrm's last vertex */

struct mesh {
	float    *pos;      /* 3 * nv (+ MESH_PAD) */
	float    *nrm;      /* 3 * nv (+ MESH_PAD) */
	uint8_t  *mat;      /* nv: material id of the vertex's solid side */
	uint32_t *idx;      /* ni, 3 per triangle */
	uint32_t  nv, ni;
	uint32_t  cap_v, cap_i;
	float     aabb_min[3], aabb_max[3];
};

void mesh_init(struct mesh *m);
void mesh_free(struct mesh *m);
void mesh_clear(struct mesh *m);
/* Make room for nv more vertices / ni more indices: 0, or -1 if out of memory. */
int  mesh_reserve(struct mesh *m, uint32_t more_v, uint32_t more_i);
/* Recompute aabb_min/max from the vertices (zeros when empty). */
void mesh_compute_aabb(struct mesh *m);

#endif
