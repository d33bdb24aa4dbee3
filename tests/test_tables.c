/*
 * test_tables.c - the transcribed Transvoxel tables must agree with each
 * other and with the cell geometry they describe.  Almost any mistyped
 * value breaks one of these checks, so a typo shows up here and not as a
 * hole in a mesh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "transvoxel_tables.h"

/* Report which case broke, not just which line. */
#define CHECK(cond, ...) do {						\
	if (!(cond))							\
		fail_msg(__VA_ARGS__);					\
} while (0)

/* Transition case bit i holds the state of sample tr_bit_sample[i]. */
static const uint8_t tr_bit_sample[9] = { 0, 1, 2, 5, 8, 7, 6, 3, 4 };

/* Half-resolution samples 9..0xC copy these full-resolution samples. */
static const uint8_t tr_alias[4] = { 0, 2, 6, 8 };

/* Grid position of every transition sample; the half-res face is 2x2. */
static const uint8_t tr_u[13] = { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 2, 0, 2 };
static const uint8_t tr_v[13] = { 0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 2, 2 };

/* What the generic checks need to know about a kind of cell. */
struct cell_kind {
	unsigned	(*inside)(unsigned, unsigned);	/* code, sample */
	unsigned	(*faces)(unsigned);	/* sample -> mask of cell faces */
	void		(*where)(unsigned, int[3]);	/* sample position, x2 */
	int		  normal[6][3];		/* outward, per face bit */
	int		  distinct;		/* rims change face at vertices */
};

/* One case reduced to what the generic checks need. */
struct cell_case {
	const struct cell_kind	*kind;
	unsigned		 code;
	unsigned		 nv, nt;
	const uint16_t		*vert;		/* vertex data row */
	uint8_t			 tri[12][3];	/* winding already corrected */
};

/* Length of the run of nonzero entries; everything after must be zero. */
static unsigned
row_length(const uint16_t *row)
{
	unsigned n = 0, i;

	while (n < 12 && row[n] != 0)
		n++;
	for (i = n; i < 12; i++)
		CHECK(row[i] == 0, "nonzero entry %u after a zero", i);
	return n;
}

/* The low byte names the vertex's edge: lower endpoint in the high nibble. */
static unsigned
edge_lo(uint16_t vd)
{
	return (vd >> 4) & 0x0F;
}

static unsigned
edge_hi(uint16_t vd)
{
	return vd & 0x0F;
}

/* Triangle corners: distinct, existing vertices; no vertex left out. */
static void
check_indices(const uint8_t *idx, unsigned nv, unsigned nt, unsigned cls)
{
	unsigned used = 0, t, k;

	for (t = 0; t < nt; t++) {
		const uint8_t *i = idx + 3 * t;

		for (k = 0; k < 3; k++) {
			CHECK(i[k] < nv, "class %u triangle %u: index %u >= %u",
			    cls, t, i[k], nv);
			used |= 1u << i[k];
		}
		CHECK(i[0] != i[1] && i[1] != i[2] && i[0] != i[2],
		    "class %u triangle %u is degenerate", cls, t);
	}
	CHECK(used == (1u << nv) - 1, "class %u leaves a vertex unused", cls);
}

/*
 * Keep the generic checks' lookups in bounds even when a value is
 * mistyped: a typo should fail a check, not read past an array.
 */
static void
check_bounds(const struct cell_case *cc, unsigned nsamples)
{
	unsigned v, t, k;

	CHECK(cc->nv <= 12 && cc->nt <= 12, "case %u: counts", cc->code);
	for (v = 0; v < cc->nv; v++)
		CHECK(edge_hi(cc->vert[v]) < nsamples &&
		    edge_lo(cc->vert[v]) < nsamples,
		    "case %u vertex %u: no such sample", cc->code, v);
	for (t = 0; t < cc->nt; t++)
		for (k = 0; k < 3; k++)
			CHECK(cc->tri[t][k] < cc->nv,
			    "case %u triangle %u: bad index", cc->code, t);
}

/* ------------------------------------------------------------- topology */

struct edge {
	uint8_t	a, b;		/* as first walked, a -> b */
	uint8_t	uses;
};

static void
sub3(int r[3], const int a[3], const int b[3])
{
	r[0] = a[0] - b[0];
	r[1] = a[1] - b[1];
	r[2] = a[2] - b[2];
}

static void
cross3(int r[3], const int a[3], const int b[3])
{
	r[0] = a[1] * b[2] - a[2] * b[1];
	r[1] = a[2] * b[0] - a[0] * b[2];
	r[2] = a[0] * b[1] - a[1] * b[0];
}

static int
dot3(const int a[3], const int b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* Vertex at the middle of its edge (coordinates doubled again). */
static void
vertex_at(const struct cell_case *cc, unsigned v, int p[3])
{
	int a[3], b[3];

	cc->kind->where(edge_lo(cc->vert[v]), a);
	cc->kind->where(edge_hi(cc->vert[v]), b);
	p[0] = a[0] + b[0];
	p[1] = a[1] + b[1];
	p[2] = a[2] + b[2];
}

/* Direction from the inside end of vertex v's edge to the outside end. */
static void
vertex_outward(const struct cell_case *cc, unsigned v, int m[3])
{
	unsigned lo = edge_lo(cc->vert[v]), hi = edge_hi(cc->vert[v]);
	int a[3], b[3];

	cc->kind->where(lo, a);
	cc->kind->where(hi, b);
	if (cc->kind->inside(cc->code, lo))
		sub3(m, b, a);
	else
		sub3(m, a, b);
}

/*
 * An open side a -> b (in winding order) lies on a flat cell face, so its
 * orientation can be judged there even when the triangle itself is flat:
 * seen from outside the cell, the inside must be on the right of the
 * walk.  A side along a cell edge (two faces) says nothing and is skipped.
 */
static void
check_rim(const struct cell_case *cc, unsigned a, unsigned b, unsigned f)
{
	int pa[3], pb[3], d[3], m[3], c[3];
	unsigned face = 0, k;

	if (f & (f - 1))
		return;
	while ((f >> face) != 1)
		face++;
	vertex_at(cc, a, pa);
	vertex_at(cc, b, pb);
	sub3(d, pb, pa);
	for (k = 0; k < 2; k++) {
		vertex_outward(cc, k == 0 ? a : b, m);
		cross3(c, m, d);
		CHECK(dot3(c, cc->kind->normal[face]) < 0,
		    "case %u: rim %u -> %u runs the wrong way", cc->code, a, b);
	}
}

static unsigned
find_root(uint8_t *parent, unsigned v)
{
	while (parent[v] != v)
		v = parent[v];
	return v;
}

/* Add triangle side a -> b; a manifold, consistently wound patch uses
 * each side once, or twice in opposite directions. */
static unsigned
add_side(struct edge *e, unsigned ne, unsigned a, unsigned b, unsigned code)
{
	unsigned i;

	for (i = 0; i < ne; i++) {
		if (e[i].a == a && e[i].b == b)
			fail_msg("case %u: side %u-%u wound the same way twice",
			    code, a, b);
		if (e[i].a == b && e[i].b == a) {
			CHECK(++e[i].uses <= 2, "case %u: side %u-%u used 3 times",
			    code, a, b);
			return ne;
		}
	}
	e[ne].a = (uint8_t)a;
	e[ne].b = (uint8_t)b;
	e[ne].uses = 1;
	return ne + 1;
}

/*
 * Every vertex lies on the cell's surface, so the patch's open boundary
 * (its rim) must run along cell faces, the right way round, and pass
 * through each vertex exactly once.  Returns Euler characteristic minus
 * number of components: 0 when every piece is a disc, -1 for each piece
 * that is a band.
 */
static int
check_topology(const struct cell_case *cc)
{
	unsigned	(*faces)(unsigned) = cc->kind->faces;
	int		distinct = cc->kind->distinct;
	struct edge	e[36];
	unsigned	vf[12], deg[12], first[12];
	uint8_t		parent[12];
	unsigned	ne = 0, t, k, v, comps = 0;

	for (v = 0; v < cc->nv; v++) {
		vf[v] = faces(edge_lo(cc->vert[v])) & faces(edge_hi(cc->vert[v]));
		deg[v] = first[v] = 0;
		parent[v] = (uint8_t)v;
	}
	for (t = 0; t < cc->nt; t++)
		for (k = 0; k < 3; k++)
			ne = add_side(e, ne, cc->tri[t][k], cc->tri[t][(k + 1) % 3],
			    cc->code);
	for (k = 0; k < ne; k++) {
		unsigned f = vf[e[k].a] & vf[e[k].b];

		parent[find_root(parent, e[k].a)] =
		    (uint8_t)find_root(parent, e[k].b);
		if (e[k].uses == 2)
			continue;
		CHECK(f != 0, "case %u: open side %u-%u is not on a cell face",
		    cc->code, e[k].a, e[k].b);
		check_rim(cc, e[k].a, e[k].b, f);
		if (deg[e[k].a]++ == 0)
			first[e[k].a] = f;
		else if (distinct)
			CHECK(f != first[e[k].a], "case %u: vertex %u bounded "
			    "twice on one face", cc->code, e[k].a);
		if (deg[e[k].b]++ == 0)
			first[e[k].b] = f;
		else if (distinct)
			CHECK(f != first[e[k].b], "case %u: vertex %u bounded "
			    "twice on one face", cc->code, e[k].b);
	}
	for (v = 0; v < cc->nv; v++) {
		CHECK(deg[v] == 2, "case %u: vertex %u has %u open sides",
		    cc->code, v, deg[v]);
		comps += find_root(parent, v) == v;
	}
	return (int)cc->nv - (int)ne + (int)cc->nt - (int)comps;
}

/* -------------------------------------------------------------- regular */

static unsigned
regular_inside(unsigned code, unsigned corner)
{
	return (code >> corner) & 1;
}

/* The three cube faces at a corner: bit 2 * axis + coordinate. */
static unsigned
regular_faces(unsigned corner)
{
	unsigned a, m = 0;

	for (a = 0; a < 3; a++)
		m |= 1u << (2 * a + ((corner >> a) & 1));
	return m;
}

static void
regular_where(unsigned corner, int p[3])
{
	p[0] = 2 * (corner & 1);
	p[1] = 2 * ((corner >> 1) & 1);
	p[2] = 2 * ((corner >> 2) & 1);
}

static const struct cell_kind regular_kind = {
	regular_inside, regular_faces, regular_where,
	{ { -1, 0, 0 }, { 1, 0, 0 }, { 0, -1, 0 }, { 0, 1, 0 },
	  { 0, 0, -1 }, { 0, 0, 1 } },
	1
};

/* Reuse byte implied by the edge: which lower neighbours share it, and
 * the slot kept for that edge direction. */
static unsigned
regular_reuse(unsigned lo, unsigned hi)
{
	static const uint8_t slot[5] = { 0, 2, 1, 0, 3 };
	unsigned axis = lo ^ hi, dir = 0, a;

	for (a = 1; a < 8; a <<= 1)
		if (a != axis && (lo & a) == 0)
			dir |= a;
	if (dir == 0)
		dir = 8;
	return dir << 4 | slot[axis];
}

static void
regular_case(unsigned code, struct cell_case *cc)
{
	const struct tv_regular_cell *cell;
	unsigned cls = tv_regular_cell_class[code], t;

	CHECK(cls < 16, "case %u: class %u", code, cls);
	cell = &tv_regular_cell_data[cls];
	cc->kind = &regular_kind;
	cc->code = code;
	cc->nv = tv_regular_vertex_count(cell);
	cc->nt = tv_regular_triangle_count(cell);
	cc->vert = tv_regular_vertex_data[code];
	CHECK(cc->nt <= 5, "class %u: %u triangles", cls, cc->nt);
	for (t = 0; t < cc->nt; t++)
		memcpy(cc->tri[t], &cell->vertex_index[3 * t], 3);
	check_bounds(cc, 8);
}

/* Vertex count of the case's class, the class itself checked first. */
static unsigned
regular_class_vertices(unsigned code)
{
	unsigned k = tv_regular_cell_class[code];

	CHECK(k < 16, "case %u: class %u out of range", code, k);
	return tv_regular_vertex_count(&tv_regular_cell_data[k]);
}

static void
test_regular_classes(void **state)
{
	unsigned used = 0, c, k;

	(void)state;
	for (c = 0; c < 256; c++) {
		k = tv_regular_cell_class[c];
		CHECK(k < 16, "case %u: class %u out of range", c, k);
		CHECK((k == 0) == (c == 0 || c == 255),
		    "case %u: empty class iff all corners agree", c);
		used |= 1u << k;
	}
	assert_int_equal(used, 0xFFFF);
	for (k = 0; k < 16; k++) {
		const struct tv_regular_cell *cell = &tv_regular_cell_data[k];
		unsigned nt = tv_regular_triangle_count(cell), i;

		assert_true(nt <= 5);
		assert_true(tv_regular_vertex_count(cell) <= 12);
		check_indices(cell->vertex_index, tv_regular_vertex_count(cell),
		    nt, k);
		for (i = 3 * nt; i < 15; i++)
			CHECK(cell->vertex_index[i] == 0, "class %u: junk at %u", k, i);
	}
}

/* Vertices sit one per sign-changing cube edge, with the reuse byte
 * that edge implies, and the class has exactly that many. */
static void
test_regular_vertices(void **state)
{
	unsigned c, v, w, crossings;

	(void)state;
	for (c = 0; c < 256; c++) {
		const uint16_t *row = tv_regular_vertex_data[c];
		unsigned nv = row_length(row);

		CHECK(nv == regular_class_vertices(c), "case %u: vertex count",
		    c);
		for (v = 0; v < nv; v++) {
			unsigned lo = edge_lo(row[v]), hi = edge_hi(row[v]);
			unsigned axis = lo ^ hi;

			CHECK(lo < hi && hi < 8, "case %u vertex %u: corners", c, v);
			CHECK(axis == 1 || axis == 2 || axis == 4,
			    "case %u vertex %u: %u-%u is not a cube edge", c, v,
			    lo, hi);
			CHECK(regular_inside(c, lo) != regular_inside(c, hi),
			    "case %u vertex %u: no sign change on %u-%u", c, v,
			    lo, hi);
			CHECK(row[v] >> 8 == regular_reuse(lo, hi),
			    "case %u vertex %u: reuse byte %#x", c, v, row[v] >> 8);
			for (w = 0; w < v; w++)
				CHECK((row[w] & 0xFF) != (row[v] & 0xFF),
				    "case %u: edge listed twice", c);
		}
		crossings = 0;
		for (v = 0; v < 8; v++)
			for (w = 1; w < 8; w <<= 1)
				if ((v & w) == 0 && regular_inside(c, v) !=
				    regular_inside(c, v | w))
					crossings++;
		CHECK(nv == crossings, "case %u: %u vertices, %u crossings", c,
		    nv, crossings);
	}
}

/* A case and its complement cross the same edges. */
static void
test_regular_complement(void **state)
{
	unsigned c, v;

	(void)state;
	for (c = 0; c < 128; c++) {
		uint8_t a[256] = { 0 }, b[256] = { 0 };

		for (v = 0; v < 12; v++) {
			a[tv_regular_vertex_data[c][v] & 0xFF] = 1;
			b[tv_regular_vertex_data[255 - c][v] & 0xFF] = 1;
		}
		CHECK(memcmp(a, b, sizeof(a)) == 0, "case %u vs %u", c, 255 - c);
	}
}

/*
 * With vertices at edge midpoints every triangle's normal must point from
 * the inside corner of each of its edges toward the outside one (or lie
 * flat against it): the tables wind triangles counter-clockwise seen from
 * outside.  A swapped pair of vertices, triangle indices or classes flips
 * some triangle.  Coordinates are doubled to stay integral.
 */
static void
regular_winding(const struct cell_case *cc)
{
	int p[3][3], m[3], u[3], w[3], n[3], dot, sum;
	unsigned t, k;

	for (t = 0; t < cc->nt; t++) {
		for (k = 0; k < 3; k++)
			vertex_at(cc, cc->tri[t][k], p[k]);
		sub3(u, p[1], p[0]);
		sub3(w, p[2], p[0]);
		cross3(n, u, w);
		sum = 0;
		for (k = 0; k < 3; k++) {
			vertex_outward(cc, cc->tri[t][k], m);
			dot = dot3(n, m);
			CHECK(dot >= 0, "case %u triangle %u faces inward",
			    cc->code, t);
			sum += dot;
		}
		CHECK(sum > 0, "case %u triangle %u is edge-on", cc->code, t);
	}
}

static void
test_regular_winding(void **state)
{
	struct cell_case cc;
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		regular_case(c, &cc);
		regular_winding(&cc);
	}
}

/* Each regular case is a set of discs whose rims run over the cube
 * faces, one rim segment per face at every vertex. */
static void
test_regular_topology(void **state)
{
	struct cell_case cc;
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		regular_case(c, &cc);
		CHECK(check_topology(&cc) == 0,
		    "case %u is not a set of discs", c);
	}
}

/* ----------------------------------------------------------- transition */

static unsigned
sample_bit(unsigned s)
{
	unsigned b;

	for (b = 0; b < 9; b++)
		if (tr_bit_sample[b] == s)
			return b;
	fail_msg("no case bit for sample %u", s);
	return 0;
}

static unsigned
transition_inside(unsigned code, unsigned s)
{
	if (s >= 9)
		s = tr_alias[s - 9];
	return (code >> sample_bit(s)) & 1;
}

/* Full-res neighbours are 1 apart, half-res ones 2; never mixed. */
static int
transition_adjacent(unsigned a, unsigned b)
{
	int step;

	if (a > 12 || b > 12 || (a < 9) != (b < 9))
		return 0;
	step = a < 9 ? 1 : 2;
	return abs(tr_u[a] - tr_u[b]) + abs(tr_v[a] - tr_v[b]) == step;
}

/* Faces of the transition cell: bit 0 full-res, 1 half-res, 2/3 u = 0/2,
 * 4/5 v = 0/2. */
static unsigned
transition_faces(unsigned s)
{
	unsigned m = s < 9 ? 1 : 2;

	if (tr_u[s] == 0)
		m |= 4;
	if (tr_u[s] == 2)
		m |= 8;
	if (tr_v[s] == 0)
		m |= 16;
	if (tr_v[s] == 2)
		m |= 32;
	return m;
}

/* The full-res face is at z = 0, the half-res one at z = 1 (doubled). */
static void
transition_where(unsigned s, int p[3])
{
	p[0] = 2 * tr_u[s];
	p[1] = 2 * tr_v[s];
	p[2] = s < 9 ? 0 : 2;
}

static const struct cell_kind transition_kind = {
	transition_inside, transition_faces, transition_where,
	{ { 0, 0, -1 }, { 0, 0, 1 }, { -1, 0, 0 }, { 1, 0, 0 },
	  { 0, -1, 0 }, { 0, 1, 0 } },
	0
};

/*
 * Reuse byte implied by the edge.  Direction comes from where the edge
 * sits across its own axis: on the low side the -u (1) or -v (2)
 * neighbour made it, in the middle it is inside this cell's face (4), on
 * the high side it is new (8).  Slots: full-res u edges 3 and 4, v edges
 * 5 and 6; half-res u edges 8, v edges 9.
 */
static unsigned
transition_reuse(unsigned lo, unsigned hi)
{
	static const uint8_t udir[3] = { 1, 4, 8 }, vdir[3] = { 2, 4, 8 };

	if (tr_v[lo] == tr_v[hi])	/* along u */
		return vdir[tr_v[lo]] << 4 | (lo < 9 ? 3 + tr_u[lo] : 8);
	return udir[tr_u[lo]] << 4 | (lo < 9 ? 5 + tr_v[lo] : 9);
}

static void
transition_case(unsigned code, struct cell_case *cc)
{
	const struct tv_transition_cell *cell;
	unsigned cls = tv_transition_cell_class[code], t;

	CHECK((cls & 0x7F) < 56, "case %u: class %#x", code, cls);
	cell = &tv_transition_cell_data[cls & 0x7F];
	cc->kind = &transition_kind;
	cc->code = code;
	cc->nv = tv_transition_vertex_count(cell);
	cc->nt = tv_transition_triangle_count(cell);
	cc->vert = tv_transition_vertex_data[code];
	CHECK(cc->nt <= 12, "class %u: %u triangles", cls & 0x7F, cc->nt);
	for (t = 0; t < cc->nt; t++) {
		const uint8_t *i = &cell->vertex_index[3 * t];

		cc->tri[t][0] = i[0];
		cc->tri[t][1] = cls & 0x80 ? i[2] : i[1];
		cc->tri[t][2] = cls & 0x80 ? i[1] : i[2];
	}
	check_bounds(cc, 13);
}

static unsigned
transition_class_vertices(unsigned code)
{
	unsigned k = tv_transition_cell_class[code] & 0x7F;

	CHECK(k < 56, "case %u: class %u out of range", code, k);
	return tv_transition_vertex_count(&tv_transition_cell_data[k]);
}

static void
test_transition_classes(void **state)
{
	uint64_t used = 0;
	unsigned c, k, i;

	(void)state;
	for (c = 0; c < 512; c++) {
		k = tv_transition_cell_class[c] & 0x7F;
		CHECK(k < 56, "case %u: class %u out of range", c, k);
		CHECK((k == 0) == (c == 0 || c == 511),
		    "case %u: empty class iff all samples agree", c);
		used |= (uint64_t)1 << k;
	}
	assert_true(used == ((uint64_t)1 << 56) - 1);
	for (k = 0; k < 56; k++) {
		const struct tv_transition_cell *cell = &tv_transition_cell_data[k];
		unsigned nt = tv_transition_triangle_count(cell);

		CHECK(cell->geometry_counts <= 0xFF, "class %u: counts", k);
		CHECK(k == 0 || nt > 0, "class %u is empty", k);
		check_indices(cell->vertex_index,
		    tv_transition_vertex_count(cell), nt, k);
		for (i = 3 * nt; i < 36; i++)
			CHECK(cell->vertex_index[i] == 0, "class %u: junk at %u", k, i);
	}
}

static unsigned
transition_crossings(unsigned c)
{
	unsigned a, b, n = 0;

	for (a = 0; a < 13; a++)
		for (b = a + 1; b < 13; b++)
			if (transition_adjacent(a, b) &&
			    transition_inside(c, a) != transition_inside(c, b))
				n++;
	return n;
}

static void
test_transition_vertices(void **state)
{
	unsigned c, v, w;

	(void)state;
	for (c = 0; c < 512; c++) {
		const uint16_t *row = tv_transition_vertex_data[c];
		unsigned nv = row_length(row);

		CHECK(nv == transition_class_vertices(c), "case %u: count", c);
		for (v = 0; v < nv; v++) {
			unsigned lo = edge_lo(row[v]), hi = edge_hi(row[v]);

			CHECK(lo < hi, "case %u vertex %u: order", c, v);
			CHECK(transition_adjacent(lo, hi),
			    "case %u vertex %u: %u-%u is not a cell edge", c, v,
			    lo, hi);
			CHECK(transition_inside(c, lo) != transition_inside(c, hi),
			    "case %u vertex %u: no sign change on %u-%u", c, v,
			    lo, hi);
			CHECK(row[v] >> 8 == transition_reuse(lo, hi),
			    "case %u vertex %u: reuse byte %#x", c, v, row[v] >> 8);
			for (w = 0; w < v; w++)
				CHECK((row[w] & 0xFF) != (row[v] & 0xFF),
				    "case %u: edge listed twice", c);
		}
		CHECK(nv == transition_crossings(c), "case %u: crossings", c);
	}
}

/*
 * Recover the case-bit order from the table itself rather than trusting
 * tr_bit_sample: with only bit b set, every full-res vertex edge touches
 * the one inside sample and every half-res edge touches its alias.
 */
static void
test_transition_case_bits(void **state)
{
	unsigned b, v, s;

	(void)state;
	for (b = 0; b < 9; b++) {
		const uint16_t *row = tv_transition_vertex_data[1u << b];
		unsigned full = 0x1FF, half = 0x1E00;

		for (v = 0; v < 12 && row[v] != 0; v++) {
			unsigned m = 1u << edge_lo(row[v]) | 1u << edge_hi(row[v]);

			if (edge_lo(row[v]) < 9)
				full &= m;
			else
				half &= m;
		}
		s = tr_bit_sample[b];
		CHECK(full == 1u << s, "bit %u: samples %#x, want %u", b, full, s);
		for (v = 0; v < 4; v++)
			if (tr_alias[v] == s)
				break;
		CHECK(half == (v < 4 ? 1u << (9 + v) : 0x1E00),
		    "bit %u: half-res samples %#x", b, half);
	}
}

static void
test_transition_complement(void **state)
{
	unsigned c, v;

	(void)state;
	for (c = 0; c < 256; c++) {
		uint8_t a[256] = { 0 }, b[256] = { 0 };

		for (v = 0; v < 12; v++) {
			a[tv_transition_vertex_data[c][v] & 0xFF] = 1;
			b[tv_transition_vertex_data[511 - c][v] & 0xFF] = 1;
		}
		CHECK(memcmp(a, b, sizeof(a)) == 0, "case %u vs %u", c, 511 - c);
	}
}

/*
 * As for regular cells, but one case is not a disc: with the corners and
 * centre inside (0x155) the surface is a band around the centre sample,
 * whose Euler characteristic is 0.
 */
static void
test_transition_topology(void **state)
{
	struct cell_case cc;
	unsigned c, bands = 0;
	int x;

	(void)state;
	for (c = 0; c < 512; c++) {
		transition_case(c, &cc);
		x = check_topology(&cc);
		CHECK(x == 0 || (x == -1 && c == 0x155),
		    "case %u: Euler characteristic off by %d", c, x);
		if (x == -1)
			bands++;
	}
	assert_int_equal(bands, 1);
}

static void
test_transition_corners(void **state)
{
	static const uint8_t want[13] = {
		0x30, 0x21, 0x20, 0x12, 0x40, 0x82, 0x10, 0x81, 0x80,
		0x37, 0x27, 0x17, 0x87
	};

	(void)state;
	assert_memory_equal(tv_transition_corner_data, want, sizeof(want));
}

/* ---------------------------------------------------------- fingerprint */

#define FNV_BASIS	2166136261u

static uint32_t
fnv(uint32_t h, uint32_t v)
{
	return (h ^ v) * 16777619u;
}

static uint32_t
fnv8(uint32_t h, const uint8_t *p, size_t n)
{
	while (n-- > 0)
		h = fnv(h, *p++);
	return h;
}

static uint32_t
fnv16(uint32_t h, const uint16_t *p, size_t n)
{
	while (n-- > 0)
		h = fnv(h, *p++);
	return h;
}

/*
 * The checks above cannot tell apart two triangulations of the same rim
 * (two classes with equal counts and a different diagonal), so pin the
 * values too.  The expected hashes were computed from a second transcription
 * of Transvoxel.cpp made separately from this file's tables (all values in
 * table order, rows and index lists padded with zeros).
 */
static void
test_fingerprints(void **state)
{
	uint32_t h;
	unsigned k;

	(void)state;
	assert_int_equal(fnv8(FNV_BASIS, tv_regular_cell_class, 256),
	    0x3ca633d7);
	for (h = FNV_BASIS, k = 0; k < 16; k++)
		h = fnv8(fnv(h, tv_regular_cell_data[k].geometry_counts),
		    tv_regular_cell_data[k].vertex_index, 15);
	assert_int_equal(h, 0xc307e114);
	for (h = FNV_BASIS, k = 0; k < 256; k++)
		h = fnv16(h, tv_regular_vertex_data[k], 12);
	assert_int_equal(h, 0x35ac922d);
	assert_int_equal(fnv8(FNV_BASIS, tv_transition_cell_class, 512),
	    0x77f24f7f);
	for (h = FNV_BASIS, k = 0; k < 56; k++)
		h = fnv8(fnv(h, tv_transition_cell_data[k].geometry_counts),
		    tv_transition_cell_data[k].vertex_index, 36);
	assert_int_equal(h, 0x3a2c42df);
	assert_int_equal(fnv8(FNV_BASIS, tv_transition_corner_data, 13),
	    0x4de2b593);
	for (h = FNV_BASIS, k = 0; k < 512; k++)
		h = fnv16(h, tv_transition_vertex_data[k], 12);
	assert_int_equal(h, 0x37361fd9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_classes),
		cmocka_unit_test(test_regular_vertices),
		cmocka_unit_test(test_regular_complement),
		cmocka_unit_test(test_regular_winding),
		cmocka_unit_test(test_regular_topology),
		cmocka_unit_test(test_transition_classes),
		cmocka_unit_test(test_transition_vertices),
		cmocka_unit_test(test_transition_case_bits),
		cmocka_unit_test(test_transition_complement),
		cmocka_unit_test(test_transition_topology),
		cmocka_unit_test(test_transition_corners),
		cmocka_unit_test(test_fingerprints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
