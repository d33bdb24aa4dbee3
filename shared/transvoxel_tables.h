/*
 * transvoxel_tables.h - Eric Lengyel's Transvoxel lookup tables.
 *
 * Regular cells: corner i sits at (i&1, (i>>1)&1, (i>>2)&1); bit i of the
 * case index is set when corner i is solid (negative density).  A case maps
 * to one of 16 classes (tv_regular_cell_class) whose triangulation is in
 * tv_regular_cell_data; tv_regular_vertex_data[case][v] places vertex v: low
 * byte = its edge's two endpoint corners, one per nibble; high byte = reuse
 * hint (high nibble: direction to the cell that owns it, low nibble: slot).
 *
 * Transition cells: samples 0..8 are the 3x3 full-resolution face, row by
 * row from the origin corner (0 1 2 / 3 4 5 / 6 7 8); 9..12 (0x9..0xC) are
 * the half-resolution corners with the values of samples 0, 2, 6 and 8.  The
 * 9 case bits take samples 0,1,2,5,8,7,6,3,4 in that order.  In
 * tv_transition_cell_class, bit 7 means "reverse every triangle's winding"
 * and the low 7 bits index tv_transition_cell_data.  Vertex data is encoded
 * as for regular cells, with sample numbers 0..0xC as endpoints.
 *
 * Values transcribed from Transvoxel.cpp, Copyright 2009 Eric Lengyel
 * (MIT licence, see transvoxel_tables.c).
 */
#ifndef MP_TRANSVOXEL_TABLES_H
#define MP_TRANSVOXEL_TABLES_H

#include <stdint.h>

struct tv_regular_cell {
	uint8_t geometry_counts;    /* high nibble vertices, low nibble triangles */
	uint8_t vertex_index[15];
};

struct tv_transition_cell {
	uint32_t geometry_counts;   /* high nibble vertices, low nibble triangles */
	uint8_t  vertex_index[36];
};

extern const uint8_t  tv_regular_cell_class[256];
extern const struct tv_regular_cell tv_regular_cell_data[16];
extern const uint16_t tv_regular_vertex_data[256][12];
extern const uint8_t  tv_transition_cell_class[512];
extern const struct tv_transition_cell tv_transition_cell_data[56];
extern const uint8_t  tv_transition_corner_data[13];
extern const uint16_t tv_transition_vertex_data[512][12];

static inline unsigned
tv_regular_vertex_count(const struct tv_regular_cell *c)
{
	return c->geometry_counts >> 4;
}

static inline unsigned
tv_regular_triangle_count(const struct tv_regular_cell *c)
{
	return c->geometry_counts & 0x0f;
}

static inline unsigned
tv_transition_vertex_count(const struct tv_transition_cell *c)
{
	return (c->geometry_counts >> 4) & 0x0f;
}

static inline unsigned
tv_transition_triangle_count(const struct tv_transition_cell *c)
{
	return c->geometry_counts & 0x0f;
}

#endif
