/*
 * rings.h - which chunks make up the view: LOD rings around the camera.
 */
#ifndef MPV_RINGS_H
#define MPV_RINGS_H

#include <stddef.h>
#include <stdint.h>

#define RING_LEVELS 3           /* LOD 0 near, 1, 2 farther */
#define RING_CELLS  32          /* cells per chunk side (the default) */
#define RING_VOXEL  1.0f        /* voxel size at LOD 0 (the default) */

/* One chunk of the view, in its own level's chunk coordinates. */
struct ring_chunk {
	int32_t  x, y, z;
	uint8_t  lod, transitions;  /* MP_TRANS_*: faces toward a finer chunk */
	uint16_t edges;             /* MP_EDGE_*: a finer chunk diagonally */
	uint8_t  corners;           /* MP_CORNER_*: a finer chunk at a corner */
};

/* Smallest and largest half-size k (chunks per level side / 2). */
#define RING_K_MIN 4
#define RING_K_MAX 32

/* How many chunks a view of half-size k has (k even, K_MIN..K_MAX). */
size_t rings_count(int k);

/* The chunks of the view around world point (x, z), in no particular
 * order, into out (rings_count(k) of them).  Returns the count. */
size_t rings_layout(int k, float x, float z, struct ring_chunk *out);

/* Each level's centre around world (x, z), in its own chunk coordinates:
 * the layout changes exactly when one of these does. */
void rings_centres(float x, float z, int32_t centres[RING_LEVELS][2]);

/* Side of a chunk of level lod, in world units. */
float rings_chunk_size(int lod);

/* Total order on chunks (lod, x, y, z, then transitions, edges and
 * corners), for qsort and bsearch; rings_cmp_place ignores the bits. */
int rings_cmp(const void *a, const void *b);
int rings_cmp_place(const void *a, const void *b);

#endif
