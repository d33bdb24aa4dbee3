/*
 * test_demo.c - "meshpoolctl demo" end to end: it starts its own daemon,
 * meshes three LOD rings with transition faces, and writes OBJ and GLB.
 * A separate reader here parses the OBJ: vertex and face counts match what
 * the demo printed, every index is in range, and the welded surface is
 * closed everywhere but on the region's outer border (no crack between
 * LOD levels, no edge shared by more than two triangles).  The GLB header
 * and its counts are checked too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_rig.h"

struct obj {
	float    *v;
	uint32_t *f;
	size_t    nv, nf, bad_index;
};

static void
read_obj(const char *path, struct obj *o)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t vcap = 1024, fcap = 1024;

	assert_non_null(f);
	memset(o, 0, sizeof *o);
	o->v = malloc(vcap * 12);
	o->f = malloc(fcap * 12);
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned a, b, c, na, nb, nc;

		if (line[0] == 'v' && line[1] == ' ') {
			if (o->nv == vcap)
				o->v = realloc(o->v, (vcap *= 2) * 12);
			assert_int_equal(sscanf(line + 2, "%f %f %f", &o->v[3 * o->nv],
			    &o->v[3 * o->nv + 1], &o->v[3 * o->nv + 2]), 3);
			o->nv++;
		} else if (line[0] == 'f' && line[1] == ' ') {
			assert_int_equal(sscanf(line + 2, "%u//%u %u//%u %u//%u", &a, &na,
			    &b, &nb, &c, &nc), 6);
			if (o->nf == fcap)
				o->f = realloc(o->f, (fcap *= 2) * 12);
			o->f[3 * o->nf] = a - 1, o->f[3 * o->nf + 1] = b - 1;
			o->f[3 * o->nf + 2] = c - 1;
			o->nf++;
		}
	}
	fclose(f);
}

/* Edges as sorted pairs, counted by sorting. */
static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Triangles with two equal vertices: none once welded by position. */
static size_t
count_degenerate(const struct obj *o)
{
	size_t i, n = 0;

	for (i = 0; i < o->nf; i++) {
		const uint32_t *t = &o->f[3 * i];

		n += t[0] == t[1] || t[1] == t[2] || t[0] == t[2];
	}
	return n;
}

static void
check_closed_inside(const struct obj *o, float border)
{
	uint64_t *e = malloc(o->nf * 3 * sizeof *e);
	size_t i, n = 0, run, open_inside = 0, over = 0, open = 0;

	for (i = 0; i < o->nf * 3; i++) {
		uint32_t a = o->f[i], b = o->f[i % 3 == 2 ? i - 2 : i + 1];

		assert_true(a < o->nv && b < o->nv);
		e[n++] = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
	}
	qsort(e, n, sizeof *e, cmp_u64);
	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n && e[i + run] == e[i]; run++)
			;
		if (run > 2)
			over++;
		if (run == 1) {
			uint32_t a = (uint32_t)(e[i] >> 32), b = (uint32_t)e[i];
			int on_a = fabsf(o->v[3 * a]) == border || fabsf(o->v[3 * a + 2]) == border;
			int on_b = fabsf(o->v[3 * b]) == border || fabsf(o->v[3 * b + 2]) == border;

			open++;
			if (!on_a || !on_b)
				open_inside++;
		}
	}
	print_message("# %zu vertices, %zu triangles, %zu open edges (all on the "
	    "outer border: %s)\n", o->nv, o->nf, open, open_inside ? "no" : "yes");
	assert_int_equal(over, 0);
	assert_int_equal(open_inside, 0);
	assert_true(open > 0);
	free(e);
}

static void
test_demo_writes_a_closed_mesh(void **state)
{
	char out[4096];
	unsigned long nv = 0, nt = 0;
	struct obj o;
	uint32_t hdr[5];
	FILE *g;
	const char *at;

	(void)state;
	assert_int_equal(shell_out("MESHPOOLD=./meshpoold ./meshpoolctl demo "
	    "--size 2 --out demo-test.obj --glb demo-test.glb 2>/dev/null", out,
	    sizeof out), 0);
	assert_non_null(at = strstr(out, "welded mesh: "));
	assert_int_equal(sscanf(at, "welded mesh: %lu vertices, %lu triangles",
	    &nv, &nt), 2);
	assert_non_null(strstr(out, "chunks/s"));
	assert_non_null(strstr(out, "0 failed"));
	read_obj("demo-test.obj", &o);
	assert_int_equal(o.nv, nv);
	assert_int_equal(o.nf, nt);
	assert_true(nt > 1000);
	/* Level 2 spans [-2, 2) chunks of 32 * 4 voxels: border at 256. */
	check_closed_inside(&o, 256.0f);
	assert_int_equal(count_degenerate(&o), 0);
	assert_non_null(g = fopen("demo-test.glb", "rb"));
	assert_int_equal(fread(hdr, 4, 5, g), 5);
	assert_int_equal(hdr[0], 0x46546c67);       /* glTF */
	assert_int_equal(hdr[1], 2);
	fseek(g, 0, SEEK_END);
	assert_int_equal((long)hdr[2], ftell(g));
	assert_int_equal(hdr[4], 0x4e4f534a);       /* JSON chunk first */
	fclose(g);
	free(o.v), free(o.f);
	unlink("demo-test.obj");
	unlink("demo-test.glb");
}

/* Through a running instance (-n): the demo does not start its own. */
static void
test_demo_through_named_instance(void **state)
{
	struct daemon d;
	char cmd[256], st[8192];

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	snprintf(cmd, sizeof cmd, "./meshpoolctl -n %s demo --size 2 --out "
	    "demo-named.obj >/dev/null 2>&1", d.name);
	assert_int_equal(shell_out(cmd, NULL, 0), 0);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_true(json_num(st, "completed") > 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	unlink("demo-named.obj");
	assert_int_equal(shell_out("./meshpoolctl demo --size 3 >/dev/null 2>&1",
	    NULL, 0), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_writes_a_closed_mesh),
		cmocka_unit_test(test_demo_through_named_instance),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
