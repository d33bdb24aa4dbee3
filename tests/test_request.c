/*
 * test_request.c - every out-of-range request field is refused with
 * MP_EINVAL, by validation and by the mesher, and nothing is allocated on
 * the way (malloc, calloc and realloc are counted through --wrap).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "meshpool.h"

static long allocs;

void *__real_malloc(size_t);
void *__real_calloc(size_t, size_t);
void *__real_realloc(void *, size_t);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n) { allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { allocs++; return __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { allocs++; return __real_realloc(p, n); }

/* r must be refused by both entry points, leaving *out zeroed and nothing
 * allocated. */
static void
refused(const mp_request *r)
{
	mp_mesh_buf b;
	long before;

	memset(&b, 0xab, sizeof b);
	assert_int_equal(mp_request_validate(r), MP_EINVAL);
	assert_non_null(mp_request_problem(r));
	before = allocs;
	assert_int_equal(mp_mesh_local(r, &b), MP_EINVAL);
	assert_int_equal(allocs, before);
	assert_null(b.positions);
	assert_null(b.normals);
	assert_null(b.indices);
	assert_int_equal(b.vertex_count, 0);
	assert_int_equal(b.index_count, 0);
}

static void
accepted(const mp_request *r)
{
	mp_mesh_buf b;

	assert_int_equal(mp_request_validate(r), 0);
	assert_null(mp_request_problem(r));
	assert_int_equal(mp_mesh_local(r, &b), 0);
	mp_mesh_buf_free(&b);
}

static void
test_defaults(void **state)
{
	mp_request r;

	(void)state;
	memset(&r, 0x5a, sizeof r);
	mp_request_init(&r);
	assert_int_equal(r.cells, 32);
	assert_true(r.voxel_size == 1.0f);
	assert_int_equal(r.field.kind, MP_FIELD_HEIGHTMAP);
	assert_int_equal(r.field.seed, 42);
	assert_int_equal(r.field.octaves, 4);
	assert_true(r.field.frequency == 0.02f);
	assert_true(r.field.amplitude == 10.0f);
	assert_true(r.field.offset == 0.0f);
	assert_int_equal(r.lod, 0);
	assert_int_equal(r.transitions, 0);
	assert_int_equal(r.edges, 0);
	assert_int_equal(r.corners, 0);
	assert_int_equal(r.reserved, 0);
	assert_int_equal(r.priority, 0);
	assert_int_equal(r.user_data, 0);
	accepted(&r);
}

static void
test_bad_lod(void **state)
{
	mp_request r;
	int l;

	(void)state;
	for (l = MP_MAX_LOD + 1; l < 256; l += 20) {
		mp_request_init(&r);
		r.lod = (uint8_t)l;
		refused(&r);
	}
	mp_request_init(&r);
	r.lod = MP_MAX_LOD;
	accepted(&r);
}

static void
test_bad_cells(void **state)
{
	static const int bad[] = { 1, 2, 7, 65, 100, 255 };
	mp_request r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mp_request_init(&r);
		r.cells = (uint8_t)bad[i];
		refused(&r);
	}
	mp_request_init(&r);
	r.cells = 0;                 /* means 32 */
	accepted(&r);
	r.cells = 8;
	accepted(&r);
	r.cells = 64;
	accepted(&r);
}

static void
test_bad_voxel(void **state)
{
	const float bad[] = { 0.0f, -0.0f, -1.0f, NAN, INFINITY, -INFINITY,
	    1.0001e6f, 1.7e38f };
	mp_request r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mp_request_init(&r);
		r.voxel_size = bad[i];
		refused(&r);
	}
	mp_request_init(&r);
	r.voxel_size = 1e6f;                    /* the largest */
	accepted(&r);
}

static void
test_bad_octaves(void **state)
{
	mp_request r;

	(void)state;
	mp_request_init(&r);
	r.field.octaves = 0;
	refused(&r);
	r.field.octaves = 17;
	refused(&r);
	r.field.octaves = UINT32_MAX;
	refused(&r);
	r.field.octaves = 1;
	accepted(&r);
	r.field.octaves = 16;
	accepted(&r);
}

static void
test_bad_kind(void **state)
{
	mp_request r;

	(void)state;
	mp_request_init(&r);
	r.field.kind = 2;
	refused(&r);
	r.field.kind = UINT32_MAX;
	refused(&r);
}

static void
test_bad_transitions(void **state)
{
	mp_request r;
	unsigned t;

	(void)state;
	for (t = 0x40; t < 0x100; t += 0x40) {
		mp_request_init(&r);
		r.lod = 1;
		r.transitions = (uint8_t)(t | 1);
		refused(&r);
	}
	/* A LOD 0 chunk has no finer neighbour to make a transition to. */
	mp_request_init(&r);
	r.transitions = MP_TRANS_NX;
	refused(&r);
	r.lod = 1;
	r.transitions = 0x3f;
	accepted(&r);
}

static void
test_bad_edges(void **state)
{
	mp_request r;
	unsigned e;

	(void)state;
	for (e = 0x1000; e < 0x10000; e += 0x1000) {
		mp_request_init(&r);
		r.lod = 1;
		r.edges = (uint16_t)(e | MP_EDGE_NX_NY);
		refused(&r);
	}
	/* A LOD 0 chunk has no finer chunk around it. */
	mp_request_init(&r);
	r.edges = MP_EDGE_PY_PZ;
	refused(&r);
	r.lod = 1;
	accepted(&r);
	r.edges = 0xfff;
	r.transitions = 0x3f;
	accepted(&r);
	r.reserved = 1;
	refused(&r);
}

/* What MP_EINVAL means, in a sentence naming the field: the mistakes a
 * newcomer makes first (a transition bit at LOD 0, a chunk of 5 cells). */
static void
problem_says(const mp_request *r, const char *words)
{
	const char *why = mp_request_problem(r);

	assert_non_null(why);
	if (strstr(why, words) == NULL)
		fail_msg("problem \"%s\" does not say \"%s\"", why, words);
}

static void
test_bad_corners(void **state)
{
	mp_request r;

	(void)state;
	mp_request_init(&r);
	r.corners = MP_CORNER_PX_PY_PZ;       /* no finer chunk at LOD 0 */
	refused(&r);
	problem_says(&r, "corners need lod >= 1");
	r.lod = 1;
	accepted(&r);
	r.corners = 0xff;
	r.edges = 0xfff;
	r.transitions = 0x3f;
	accepted(&r);
	r.reserved = 1;
	refused(&r);
	problem_says(&r, "reserved must be 0");
}

/* The one chunk at offset want (each -1, 0 or 1) is finer. */
struct one_finer {
	int32_t at[3];
	int asked;
};

static int
one_finer(void *ctx, int32_t cx, int32_t cy, int32_t cz)
{
	struct one_finer *o = ctx;

	o->asked++;
	return cx == o->at[0] && cy == o->at[1] && cz == o->at[2];
}

/* Each of the 26 chunks around r sets exactly its own bit: faces in
 * transitions, edges by the two faces they join, corners by three. */
static void
test_set_neighbours(void **state)
{
	static const uint16_t edge_of[3][3][3] = {  /* [x+1][y+1][z+1] */
		[0][0][1] = MP_EDGE_NX_NY, [2][0][1] = MP_EDGE_PX_NY,
		[0][2][1] = MP_EDGE_NX_PY, [2][2][1] = MP_EDGE_PX_PY,
		[0][1][0] = MP_EDGE_NX_NZ, [2][1][0] = MP_EDGE_PX_NZ,
		[0][1][2] = MP_EDGE_NX_PZ, [2][1][2] = MP_EDGE_PX_PZ,
		[1][0][0] = MP_EDGE_NY_NZ, [1][2][0] = MP_EDGE_PY_NZ,
		[1][0][2] = MP_EDGE_NY_PZ, [1][2][2] = MP_EDGE_PY_PZ,
	};
	static const uint8_t corner_of[2][2][2] = {
		{ { MP_CORNER_NX_NY_NZ, MP_CORNER_NX_NY_PZ },
		  { MP_CORNER_NX_PY_NZ, MP_CORNER_NX_PY_PZ } },
		{ { MP_CORNER_PX_NY_NZ, MP_CORNER_PX_NY_PZ },
		  { MP_CORNER_PX_PY_NZ, MP_CORNER_PX_PY_PZ } },
	};
	static const uint8_t face_of[3][2] = {
		{ MP_TRANS_NX, MP_TRANS_PX }, { MP_TRANS_NY, MP_TRANS_PY },
		{ MP_TRANS_NZ, MP_TRANS_PZ },
	};
	int o[3];

	(void)state;
	for (o[0] = -1; o[0] <= 1; o[0]++)
	for (o[1] = -1; o[1] <= 1; o[1]++)
	for (o[2] = -1; o[2] <= 1; o[2]++) {
		int zeros = !o[0] + !o[1] + !o[2], a;
		struct one_finer f = { { 7 + o[0], -3 + o[1], 2 + o[2] }, 0 };
		mp_request r;

		mp_request_init(&r);
		r.cx = 7, r.cy = -3, r.cz = 2, r.lod = 2;
		mp_request_set_neighbours(&r, one_finer, &f);
		assert_int_equal(f.asked, 26);
		assert_int_equal(r.edges, zeros == 1 ?
		    edge_of[o[0] + 1][o[1] + 1][o[2] + 1] : 0);
		assert_int_equal(r.corners, zeros == 0 ?
		    corner_of[o[0] > 0][o[1] > 0][o[2] > 0] : 0);
		for (a = 0; zeros == 2 && a < 3; a++)
			if (o[a] != 0)
				assert_int_equal(r.transitions,
				    face_of[a][o[a] > 0]);
		if (zeros != 2)
			assert_int_equal(r.transitions, 0);
		accepted(&r);
		r.lod = 0;              /* nothing finer: cleared, not asked */
		f.asked = 0;
		mp_request_set_neighbours(&r, one_finer, &f);
		assert_int_equal(f.asked, 0);
		assert_int_equal(r.transitions | r.edges | r.corners, 0);
	}
}

static void
test_bad_priority(void **state)
{
	mp_request r;

	(void)state;
	mp_request_init(&r);
	r.priority = 4;
	refused(&r);
	r.priority = 255;
	refused(&r);
	r.priority = 3;
	accepted(&r);
}

static void
test_bad_field_floats(void **state)
{
	const float nonfinite[] = { NAN, INFINITY, -INFINITY };
	mp_request r;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		mp_request_init(&r);
		r.field.frequency = nonfinite[i];
		refused(&r);
		mp_request_init(&r);
		r.field.amplitude = nonfinite[i];
		refused(&r);
		mp_request_init(&r);
		r.field.offset = nonfinite[i];
		refused(&r);
		mp_request_init(&r);
		r.field.lacunarity = nonfinite[i];
		refused(&r);
		mp_request_init(&r);
		r.field.gain = nonfinite[i];
		refused(&r);
	}
	mp_request_init(&r);
	r.field.frequency = 0.0f;
	refused(&r);
	r.field.frequency = -0.5f;
	refused(&r);
	mp_request_init(&r);
	r.field.lacunarity = -1.0f;
	refused(&r);
	mp_request_init(&r);
	r.field.gain = -0.1f;
	refused(&r);
	mp_request_init(&r);
	r.field.lacunarity = 0.0f;   /* 0 means the default */
	r.field.gain = 0.0f;
	accepted(&r);
}

static void
test_far_world(void **state)
{
	mp_request r;

	(void)state;
	mp_request_init(&r);
	r.cx = INT32_MAX;
	r.lod = MP_MAX_LOD;
	r.voxel_size = 1e30f;
	refused(&r);
	/* A float cannot hold these coordinates to a tenth of a voxel. */
	mp_request_init(&r);
	r.cx = INT32_MAX;
	r.lod = MP_MAX_LOD;
	refused(&r);
	mp_request_init(&r);
	r.cz = INT32_MIN;
	refused(&r);
	/* 32 cells of 1 voxel at LOD 0: the chunk's box must stay within
	 * 2^20 (floats 1/8 apart past it). */
	mp_request_init(&r);
	r.cx = 32767;
	r.cy = -32768;
	accepted(&r);
	r.cx = 32768;
	refused(&r);
	r.cx = 0;
	r.cy = -32769;
	refused(&r);
	/* The limit is in voxels: a power-of-two voxel scales it exactly. */
	r.cy = 0;
	r.cz = 32767;
	r.voxel_size = 0.5f;
	accepted(&r);
	r.cz = 32768;
	refused(&r);
	/* LOD 15: the chunks touching the origin, and no further. */
	mp_request_init(&r);
	r.lod = MP_MAX_LOD;
	r.cx = -1;
	r.cz = -1;
	accepted(&r);
	r.cx = 1;
	refused(&r);
}

static void
test_problem_names_the_field(void **state)
{
	mp_request r[5];
	static const char *says[5] = {
		"transitions need lod >= 1", "cells out of range 8..64",
		"octaves out of range", "voxel_size must be finite",
		"priority above 3",
	};
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		mp_request_init(&r[i]);
	r[0].transitions = MP_TRANS_PX;
	r[1].cells = 5;
	r[2].field.octaves = 0;
	r[3].voxel_size = NAN;
	r[4].priority = 4;
	for (i = 0; i < 5; i++)
		problem_says(&r[i], says[i]);
	problem_says(NULL, "NULL");
}

static void
test_null_arguments(void **state)
{
	mp_request r;
	mp_mesh_buf b;

	(void)state;
	mp_request_init(&r);
	assert_int_equal(mp_request_validate(NULL), MP_EINVAL);
	assert_int_equal(mp_mesh_local(NULL, &b), MP_EINVAL);
	assert_int_equal(mp_mesh_local(&r, NULL), MP_EINVAL);
	mp_mesh_buf_free(NULL);
}

static void
test_strerror(void **state)
{
	int e;

	(void)state;
	for (e = MP_EIO; e <= 0; e++) {
		const char *s = mp_strerror(e);

		assert_non_null(s);
		assert_true(strlen(s) > 5);
		if (e < 0)
			assert_true(strncmp(s, "MP_E", 4) == 0);
	}
	assert_string_equal(mp_strerror(MP_EINVAL),
	    "MP_EINVAL: invalid request or argument");
	assert_string_equal(mp_strerror(12345), "unknown meshpool error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_lod),
		cmocka_unit_test(test_bad_cells),
		cmocka_unit_test(test_bad_voxel),
		cmocka_unit_test(test_bad_octaves),
		cmocka_unit_test(test_bad_kind),
		cmocka_unit_test(test_bad_transitions),
		cmocka_unit_test(test_bad_edges),
		cmocka_unit_test(test_bad_corners),
		cmocka_unit_test(test_set_neighbours),
		cmocka_unit_test(test_bad_priority),
		cmocka_unit_test(test_bad_field_floats),
		cmocka_unit_test(test_far_world),
		cmocka_unit_test(test_problem_names_the_field),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
