/*
 * test_api.c - libmeshpool as a host links it: through the shared library,
 * which exports only the mp_ API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <meshpool.h>

static void
test_mesh_and_free(void **state)
{
	mp_request r;
	mp_mesh_buf b;
	uint32_t i;

	(void)state;
	mp_request_init(&r);
	r.cy = -1;
	r.user_data = 99;
	assert_int_equal(mp_mesh_local(&r, &b), MP_OK);
	assert_true(b.vertex_count > 100);
	assert_true(b.index_count > 100);
	for (i = 0; i < b.index_count; i++)
		assert_true(b.indices[i] < b.vertex_count);
	mp_mesh_buf_free(&b);
	assert_null(b.positions);
	mp_mesh_buf_free(&b);        /* twice is harmless */
}

static void
test_invalid_through_library(void **state)
{
	mp_request r;
	mp_mesh_buf b;

	(void)state;
	mp_request_init(&r);
	r.cells = 3;
	assert_int_equal(mp_mesh_local(&r, &b), MP_EINVAL);
	assert_string_equal(mp_strerror(MP_EINVAL),
	    "MP_EINVAL: invalid request or argument");
}

/* The wire structs are part of the ABI: their sizes must not drift. */
static void
test_struct_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(mp_field), 32);
	assert_int_equal(sizeof(mp_request), 64);
	assert_int_equal(sizeof(mp_result), 72);
	assert_int_equal(offsetof(mp_request, field), 28);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mesh_and_free),
		cmocka_unit_test(test_invalid_through_library),
		cmocka_unit_test(test_struct_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
