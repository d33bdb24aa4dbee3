/*
 * transvoxel_tables.h - Eric Lengyel's Transvoxel lookup tables.
 *
 * Values transcribed from Transvoxel.cpp, Copyright 2009 Eric Lengyel, MIT
 * licence (full notice in transvoxel_tables.c).  tests/test_tables.c
 * checks that they are self-consistent.
 *
 * Regular cells (modified Marching Cubes)
 *
 *   Corner i of a cell sits at (i & 1, (i >> 1) & 1, (i >> 2) & 1).  Bit i
 *   of the 8-bit case index is set when corner i is inside (negative
 *   density).
 *
 *   tv_regular_cell_class[case] picks one of 16 triangulations in
 *   tv_regular_cell_data.  geometry_counts holds the vertex count in its
 *   high nibble and the triangle count in its low nibble; vertex_index
 *   lists three per triangle, each indexing tv_regular_vertex_data[case].
 *
 *   tv_regular_vertex_data[case][v] places vertex v; the row is zero past
 *   the vertex count.  Low byte: the two corners at the ends of the cube
 *   edge the vertex lies on, one per nibble; the high nibble always holds
 *   the lower-numbered corner.  High byte: reuse hint.  Its high nibble
 *   says which earlier cell already made this vertex (bit 0 = the -x
 *   neighbour, 1 = -y, 2 = -z, bits combine; 8 = none, this cell makes
 *   it) and its low nibble is the slot the vertex is kept in (1 for an edge
 *   along y, 2 along x, 3 along z).
 *
 * Transition cells (between a full- and a half-resolution neighbour)
 *
 *   Samples 0..8 are the 3x3 full-resolution face, row by row starting at
 *   the origin corner:
 *
 *	6 7 8
 *	3 4 5
 *	0 1 2
 *
 *   Samples 9, 0xA, 0xB, 0xC are the corners of the half-resolution face;
 *   they carry the values of samples 0, 2, 6 and 8.
 *
 *   The 9-bit case index walks the face border, then the centre: bits 0..8
 *   are the inside states of samples 0, 1, 2, 5, 8, 7, 6, 3, 4 in that
 *   order.
 *
 *   tv_transition_cell_class[case]: low 7 bits index
 *   tv_transition_cell_data; bit 7 (0x80) means the case is the inverse of
 *   its class, so every triangle's winding must be reversed.
 *   geometry_counts is encoded as for regular cells in its low byte.
 *
 *   tv_transition_vertex_data is encoded as for regular cells, with sample
 *   numbers 0..0xC as edge endpoints.  Reuse direction bits there are 1 =
 *   -u neighbour, 2 = -v neighbour, 4 = this cell, an edge inside the face,
 *   8 = new in this cell.  tv_transition_corner_data holds the same kind of
 *   reuse byte for each of the 13 samples themselves.
 */
#ifndef MP_TRANSVOXEL_TABLES_H
#define MP_TRANSVOXEL_TABLES_H

#include <stdint.h>

struct tv_regular_cell {		/* RegularCellData */
	uint8_t		geometry_counts;	/* vertices << 4 | triangles */
	uint8_t		vertex_index[15];
};

struct tv_transition_cell {		/* TransitionCellData */
	uint32_t	geometry_counts;	/* low byte: vertices << 4 | triangles */
	uint8_t		vertex_index[36];
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
	return c->geometry_counts & 0x0F;
}

static inline unsigned
tv_transition_vertex_count(const struct tv_transition_cell *c)
{
	return (c->geometry_counts >> 4) & 0x0F;
}

static inline unsigned
tv_transition_triangle_count(const struct tv_transition_cell *c)
{
	return c->geometry_counts & 0x0F;
}

#endif
