/*
 * fuzz_request.c - libFuzzer target: arbitrary bytes as an mp_request.
 * Validation must refuse or accept without crashing; an accepted request
 * must mesh into finite positions, unit normals and in-range indices.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ishared -Iclient \
 *       tests/fuzz/fuzz_request.c shared/[a-z]*.c client/local.c -lm
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meshpool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_mesh(const mp_mesh_buf *b)
{
	uint32_t i;

	for (i = 0; i < b->index_count; i++)
		if (b->indices[i] >= b->vertex_count)
			abort();
	for (i = 0; i < 3 * b->vertex_count; i++)
		if (!isfinite(b->positions[i]) || !isfinite(b->normals[i]))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mp_request r;
	mp_mesh_buf b;
	int err;

	mp_request_init(&r);
	memcpy(&r, data, size < sizeof r ? size : sizeof r);
	/* Keep each run short: big volume chunks are slow, not wrong. */
	if (r.cells > 24 || r.cells == 0)
		r.cells = (uint8_t)(8 + r.cells % 17);
	if (r.field.octaves > 4 && r.field.octaves <= 16)
		r.field.octaves = 4;
	err = mp_mesh_local(&r, &b);
	if (err != 0 && err != MP_EINVAL)
		abort();
	if (err == MP_EINVAL && (b.positions || b.indices || b.vertex_count))
		abort();
	if (err == 0 && mp_request_validate(&r) != 0)
		abort();
	if (err == 0)
		check_mesh(&b);
	mp_mesh_buf_free(&b);
	return 0;
}
