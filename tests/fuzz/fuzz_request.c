/*
 * fuzz_request.c - libFuzzer target: arbitrary bytes as an mp_request and
 * the brushes after it (each one the edit set refuses is left out).
 * Validation must refuse or accept without crashing; an accepted request
 * must mesh into finite positions, unit normals, in-range indices and
 * materials that brushes could have given.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ishared -Iclient \
 *       tests/fuzz/fuzz_request.c shared/[a-z]*.c client/local.c \
 *       client/edits.c -lz -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meshpool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FUZZ_BRUSHES 8

static void
check_mesh(const mp_mesh_buf *b, const uint8_t *allowed)
{
	uint32_t i;

	for (i = 0; i < b->index_count; i++)
		if (b->indices[i] >= b->vertex_count)
			abort();
	for (i = 0; i < 3 * b->vertex_count; i++)
		if (!isfinite(b->positions[i]) || !isfinite(b->normals[i]))
			abort();
	for (i = 0; i < b->vertex_count; i++)
		if (!allowed[b->materials[i]])
			abort();
}

/* The brushes after the request, as many as fit, into e; the materials
 * they may give in allowed. */
static void
read_brushes(const uint8_t *data, size_t size, mp_edits *e, uint8_t *allowed)
{
	size_t k;

	for (k = 0; k < MAX_FUZZ_BRUSHES && size >= (k + 1) * sizeof(mp_brush);
	    k++) {
		mp_brush b;

		memcpy(&b, data + k * sizeof b, sizeof b);
		if (mp_edits_add(e, &b) == MP_OK && b.op != MP_EDIT_SUBTRACT)
			allowed[b.material] = 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t allowed[256] = { 1 };      /* the field's own: 0 */
	mp_request r;
	mp_mesh_buf b;
	mp_edits *e;
	int err;

	mp_request_init(&r);
	memcpy(&r, data, size < sizeof r ? size : sizeof r);
	if (mp_edits_new(&e) != MP_OK)
		abort();
	if (size > sizeof r)
		read_brushes(data + sizeof r, size - sizeof r, e, allowed);
	/* Keep each run short: big volume chunks are slow, not wrong. */
	if (r.cells > 24 || r.cells == 0)
		r.cells = (uint8_t)(8 + r.cells % 17);
	if (r.field.octaves > 4 && r.field.octaves <= 16)
		r.field.octaves = 4;
	err = mp_mesh_local_edited(&r, e, &b);
	if (err != 0 && err != MP_EINVAL)
		abort();
	if (err == MP_EINVAL && (b.positions || b.indices || b.vertex_count))
		abort();
	if (err == 0 && mp_request_validate(&r) != 0)
		abort();
	if (err == 0)
		check_mesh(&b, allowed);
	mp_mesh_buf_free(&b);
	mp_edits_free(e);
	return 0;
}
