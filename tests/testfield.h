/*
 * testfield.h - test-only density fields and a harness that meshes a block
 * of chunks with mixed LODs, setting transition bits the way a host would.
 */
#ifndef MP_TESTFIELD_H
#define MP_TESTFIELD_H

#include <stdint.h>
#include "field.h"
#include "meshcheck.h"
#include "meshpool.h"
#include "transvoxel.h"

struct sphere {
	float c[3], r;
	int fills;                  /* how many times fill was called */
};
struct field sphere_as_field(struct sphere *s);
float sphere_density(const struct sphere *s, const float p[3]);

/* A base field with grid-aligned box edits, as an editor's CSG brush makes
 * them: each box adds solid (d = min(d, b)) or carves air (d = max(d, -b)),
 * b the box's max-norm distance, exactly 0 on its faces. */
#define BOXES_MAX 8
struct boxes {
	const struct field *base;
	int n;
	struct { float lo[3], hi[3]; int carve; } box[BOXES_MAX];
};
struct field boxes_as_field(const struct boxes *b);

/* A chunk's transition and edge bits as a host that knows its layout sets
 * them: finer(ctx, o) says whether the region next to the chunk in
 * direction o[] (each of -1, 0, 1; 0 = the chunk's own span on that axis)
 * is covered by a chunk one LOD finer.  A face's neighbour is o with one
 * non-zero component, an edge's diagonal chunk o with two, a corner's with
 * three. */
typedef int (*finer_fn)(const void *ctx, const int o[3]);
unsigned layout_transitions(finer_fn finer, const void *ctx);
unsigned layout_edges(finer_fn finer, const void *ctx);
unsigned layout_corners(finer_fn finer, const void *ctx);

/* Mesh one chunk into m (welded); returns triangles added, -1 on failure. */
/* One extractor scratch for a whole test program: the cmocka group setup
 * and teardown that make and free it. */
extern struct tv_scratch *scr;
int  scratch_setup(void **state);
int  scratch_teardown(void **state);

long mesh_chunk_into(struct mc_mesh *m, struct tv_scratch *s,
    const struct field *f, const struct tv_chunk *c);

/* A box of nb[0] x nb[1] x nb[2] blocks, each one chunk at LOD base+1 or
 * eight chunks at LOD base (fine[] nonzero), origin at block coords lo[]. */
struct layout {
	int nb[3], lo[3];
	int base, cells;
	float voxel;
	const uint8_t *fine;        /* nb[0]*nb[1]*nb[2], x fastest */
	int edges;                  /* set the MP_EDGE_* and MP_CORNER_* bits
	                               (else 0: unknown) */
};
/* Mesh every chunk of the layout into m; returns chunks meshed or -1, and
 * the world box of the layout in box_lo/box_hi. */
long mesh_layout(struct mc_mesh *m, struct tv_scratch *s, const struct field *f,
    const struct layout *l, float box_lo[3], float box_hi[3]);

/* A request-shaped noise field for tests. */
void test_request(mp_request *r, uint32_t kind);

#endif
