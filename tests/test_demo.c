/*
 * test_demo.c - "meshpoolctl demo" end to end: it starts its own daemon,
 * meshes three LOD rings with transition faces, and writes OBJ and GLB.
 * A separate reader here parses the OBJ: vertex and face counts match what
 * the demo printed, every index is in range, and the welded surface is
 * closed everywhere but on the region's outer border (no crack between
 * LOD levels, no edge shared by more than two triangles).  Its quality
 * is checked as tests/test_quality.c checks the ring layouts.  The GLB
 * header and its counts are checked too.
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
#include "meshcheck.h"

struct obj {
	float    *v, *n;
	uint32_t *f;
	size_t    nv, nn, nf, bad_index;
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
	o->n = malloc(vcap * 12);
	o->f = malloc(fcap * 12);
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned a, b, c, na, nb, nc;

		if (line[0] == 'v' && line[1] == ' ') {
			if (o->nv == vcap) {
				o->v = realloc(o->v, (vcap *= 2) * 12);
				o->n = realloc(o->n, vcap * 12);
			}
			assert_int_equal(sscanf(line + 2, "%f %f %f", &o->v[3 * o->nv],
			    &o->v[3 * o->nv + 1], &o->v[3 * o->nv + 2]), 3);
			o->nv++;
		} else if (line[0] == 'v' && line[1] == 'n') {
			assert_true(o->nn < o->nv);
			assert_int_equal(sscanf(line + 3, "%f %f %f", &o->n[3 * o->nn],
			    &o->n[3 * o->nn + 1], &o->n[3 * o->nn + 2]), 3);
			o->nn++;
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

/* Cell face area of the LOD ring level a triangle lies in: level L covers
 * |x|, |z| < 64 * 2^L at size 2 (chunks of 32 voxels); a triangle lying
 * on a level boundary counts to the finer level. */
static float
cell_face(const struct obj *o, const uint32_t *t)
{
	float c = 0.0f, cell = 1.0f;
	int i;

	for (i = 0; i < 3; i++) {
		c = fmaxf(c, fabsf(o->v[3 * t[i]]));
		c = fmaxf(c, fabsf(o->v[3 * t[i] + 2]));
	}
	for (i = 64; c > (float)i && i < 256; i *= 2)
		cell *= 2.0f;
	return cell * cell;
}

/* The ring mesh's quality, as tests/test_quality.c checks its own ring
 * layouts: off the outer border no open or non-manifold edge, no
 * triangle with two equal vertices, none below 1e-6 of its cell face,
 * none facing against its vertex normals, and no two vertices within
 * 1e-3 voxel. */
static void
check_quality(const struct obj *o, float border)
{
	float lo[3] = { -border, -1e30f, -border };
	float hi[3] = { border, 1e30f, border };
	struct mc_quality q;
	struct mc_mesh m, t;
	uint32_t near;
	size_t i;

	assert_int_equal(o->nn, o->nv);
	mc_init(&m);
	for (i = 0; i < o->nf; i++) {
		const uint32_t *f = &o->f[3 * i];
		float p[9], n[9];
		static const uint32_t tri[3] = { 0, 1, 2 };
		int k;

		for (k = 0; k < 3; k++) {
			memcpy(p + 3 * k, o->v + 3 * f[k], 12);
			memcpy(n + 3 * k, o->n + 3 * f[k], 12);
		}
		m.tag = cell_face(o, f);
		mc_add(&m, p, n, 3, tri, 3);
	}
	mc_quality(&m, lo, hi, 1e-6f * border, 1e-6, &q);
	near = mc_weld_near(&m, 1e-3f, &t);
	print_message("# demo mesh: %u triangles: open %u, non-manifold %u, "
	    "degenerate %u, slivers %u, folds %u, near pairs %u\n", q.tris,
	    q.open, q.nonmanifold, q.degenerate, q.slivers, q.folds, near);
	assert_int_equal(q.tris, o->nf);
	assert_int_equal(q.open, 0);
	assert_int_equal(q.nonmanifold, 0);
	assert_int_equal(q.degenerate, 0);
	assert_int_equal(q.slivers, 0);
	assert_int_equal(q.folds, 0);
	assert_int_equal(near, 0);
	mc_free(&m);
	mc_free(&t);
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
	check_quality(&o, 256.0f);
	assert_non_null(g = fopen("demo-test.glb", "rb"));
	assert_int_equal(fread(hdr, 4, 5, g), 5);
	assert_int_equal(hdr[0], 0x46546c67);       /* glTF */
	assert_int_equal(hdr[1], 2);
	fseek(g, 0, SEEK_END);
	assert_int_equal((long)hdr[2], ftell(g));
	assert_int_equal(hdr[4], 0x4e4f534a);       /* JSON chunk first */
	fclose(g);
	free(o.v), free(o.n), free(o.f);
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
