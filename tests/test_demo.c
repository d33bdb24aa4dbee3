/*
 * test_demo.c - "meshpoolctl demo" end to end: it starts its own daemon,
 * meshes three LOD rings with transition faces and its edits (a tunnel, a
 * wall, a painted disc), and writes OBJ and GLB with vertex colours.
 * A separate reader here parses the OBJ: vertex and face counts match what
 * the demo printed, every index is in range, and the welded surface is
 * closed everywhere but on the region's outer border (no crack between
 * LOD levels, no edge shared by more than two triangles).  Its quality
 * is checked as tests/test_quality.c checks the ring layouts, edits and
 * all.  Every vertex has one of the palette's colours, each material of
 * the edits is there, as many vertices of each as the demo printed, and
 * the GLB's COLOR_0 gives each material one colour of its own.
 *
 * And what a newcomer runs into: a bad output path, a --size too big, a
 * daemon that cannot start or cannot be run, no daemon to connect to:
 * each fails before any meshing with its reason, and leaves no file.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshcheck.h"
#include "status.h"

/* The demo's palette (sRGB), as meshpoolctl(1) gives it, by material. */
#define MATERIALS 4
static const char *const material_name[MATERIALS] = {
	"terrain", "tunnel", "wall", "paint"
};
static const uint8_t palette[MATERIALS][3] = {
	{ 107, 142, 75 }, { 120, 96, 80 }, { 178, 72, 54 }, { 232, 196, 64 }
};

struct obj {
	float    *v, *n, *c;          /* position, normal, colour (0..1) */
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
	o->c = malloc(vcap * 12);
	o->f = malloc(fcap * 12);
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned a, b, c, na, nb, nc;

		if (line[0] == 'v' && line[1] == ' ') {
			if (o->nv == vcap) {
				o->v = realloc(o->v, (vcap *= 2) * 12);
				o->n = realloc(o->n, vcap * 12);
				o->c = realloc(o->c, vcap * 12);
			}
			assert_int_equal(sscanf(line + 2, "%f %f %f %f %f %f",
			    &o->v[3 * o->nv], &o->v[3 * o->nv + 1], &o->v[3 * o->nv + 2],
			    &o->c[3 * o->nv], &o->c[3 * o->nv + 1],
			    &o->c[3 * o->nv + 2]), 6);
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
	    "degenerate %u, slivers %u, folds %u, near pairs %u, two normals "
	    "%u\n", q.tris, q.open, q.nonmanifold, q.degenerate, q.slivers,
	    q.folds, near, q.split_normals);
	assert_int_equal(q.tris, o->nf);
	assert_int_equal(q.open, 0);
	assert_int_equal(q.nonmanifold, 0);
	assert_int_equal(q.degenerate, 0);
	assert_int_equal(q.slivers, 0);
	assert_int_equal(q.folds, 0);
	assert_int_equal(near, 0);
	assert_int_equal(q.split_normals, 0);   /* one normal a seam vertex */
	mc_free(&m);
	mc_free(&t);
}

/* The material whose palette colour vertex i of o has (the OBJ writes
 * three decimals), or -1. */
static int
material_of(const struct obj *o, size_t i)
{
	int m, k;

	for (m = 0; m < MATERIALS; m++) {
		for (k = 0; k < 3; k++)
			if (fabsf(o->c[3 * i + k] - palette[m][k] / 255.0f) > 0.001f)
				break;
		if (k == 3)
			return m;
	}
	return -1;
}

/* Vertices per material in the OBJ match the demo's "materials:" line,
 * and each material of the edits is really there.  The material of
 * every vertex into mat. */
static void
check_materials(const struct obj *o, const char *out, int *mat)
{
	size_t count[MATERIALS] = { 0 }, i;
	const char *at;
	int m;

	for (i = 0; i < o->nv; i++) {
		mat[i] = material_of(o, i);
		assert_in_range(mat[i], 0, MATERIALS - 1);
		count[mat[i]]++;
	}
	assert_non_null(at = strstr(out, "materials:"));
	for (m = 0; m < MATERIALS; m++) {
		char key[32];
		const char *p;

		snprintf(key, sizeof key, " %s ", material_name[m]);
		assert_non_null(p = strstr(at, key));
		print_message("# %-8s %zu vertices\n", material_name[m], count[m]);
		assert_int_equal(strtoull(p + strlen(key), NULL, 10), count[m]);
		assert_true(count[m] >= 100);
	}
	assert_null(strstr(out, "two materials"));
}

/* The n-th object ("{") of the JSON array named key. */
static const char *
nth_object(const char *json, const char *key, long n)
{
	const char *p = strstr(json, key);

	assert_non_null(p);
	for (; n >= 0; n--)
		assert_non_null(p = strchr(p + 1, '{'));
	return p;
}

/* The GLB: header and length, and a COLOR_0 of normalized unsigned byte
 * RGBA that gives each material one opaque colour and no two materials
 * the same one. */
static void
check_glb(const char *path, const struct obj *o, const int *mat)
{
	uint8_t seen[MATERIALS][4], *bin;
	uint32_t hdr[5], total, jlen, blen;
	char *json;
	const char *acc, *view;
	long color, offset;
	int known[MATERIALS] = { 0 }, m, k;
	size_t i;
	FILE *g;

	assert_non_null(g = fopen(path, "rb"));
	assert_int_equal(fread(hdr, 4, 5, g), 5);
	assert_int_equal(hdr[0], 0x46546c67);       /* glTF */
	assert_int_equal(hdr[1], 2);
	assert_int_equal(hdr[4], 0x4e4f534a);       /* JSON chunk first */
	total = hdr[2];
	jlen = hdr[3];
	json = calloc(1, jlen + 1);
	assert_int_equal(fread(json, 1, jlen, g), jlen);
	assert_int_equal(fread(hdr, 4, 2, g), 2);
	assert_int_equal(hdr[1], 0x004e4942);       /* then BIN */
	blen = hdr[0];
	bin = malloc(blen);
	assert_int_equal(fread(bin, 1, blen, g), blen);
	assert_int_equal(ftell(g), total);
	assert_int_equal(total, 12 + 8 + jlen + 8 + blen);
	assert_int_equal(fgetc(g), EOF);
	fclose(g);

	color = (long)json_number(json, "COLOR_0", -1);
	assert_true(color >= 0);
	acc = nth_object(json, "\"accessors\"", color);
	assert_int_equal(json_number(acc, "componentType", -1), 5121);
	assert_int_equal(json_number(acc, "count", -1), o->nv);
	assert_true(strncmp(strstr(acc, "\"normalized\":"), "\"normalized\":true",
	    17) == 0);
	assert_true(strncmp(strstr(acc, "\"type\":"), "\"type\":\"VEC4\"", 13) == 0);
	view = nth_object(json, "\"bufferViews\"",
	    (long)json_number(acc, "bufferView", -1));
	offset = (long)json_number(view, "byteOffset", -1);
	assert_true(offset >= 0 && (size_t)offset + 4 * o->nv <= blen);
	for (i = 0; i < o->nv; i++) {
		const uint8_t *c = bin + offset + 4 * i;

		m = mat[i];
		if (!known[m]) {
			memcpy(seen[m], c, 4);
			known[m] = 1;
		}
		assert_memory_equal(seen[m], c, 4);
		assert_int_equal(c[3], 255);
	}
	for (m = 0; m < MATERIALS; m++)
		for (k = m + 1; k < MATERIALS; k++)
			assert_memory_not_equal(seen[m], seen[k], 3);
	free(json);
	free(bin);
}

static void
test_demo_writes_a_closed_mesh(void **state)
{
	char out[4096];
	unsigned long nv = 0, nt = 0;
	struct obj o;
	const char *at;
	int *mat;

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
	assert_non_null(mat = malloc(o.nv * sizeof *mat));
	check_materials(&o, out, mat);
	check_glb("demo-test.glb", &o, mat);
	free(mat);
	free(o.v), free(o.n), free(o.c), free(o.f);
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

/* Run cmd with its standard error: it exits with want, says each of said
 * and none of unsaid (NULL-ended lists), and leaves no file named file
 * (NULL: none to look for). */
static void
expect_run(const char *cmd, int want, const char *const *said,
    const char *const *unsaid, const char *file)
{
	char line[512], out[4096];

	snprintf(line, sizeof line, "%s 2>&1", cmd);
	assert_int_equal(shell_out(line, out, sizeof out), want);
	for (; said != NULL && *said != NULL; said++)
		if (strstr(out, *said) == NULL)
			fail_msg("\"%s\" does not say \"%s\":\n%s", cmd, *said, out);
	for (; unsaid != NULL && *unsaid != NULL; unsaid++)
		if (strstr(out, *unsaid) != NULL)
			fail_msg("\"%s\" says \"%s\":\n%s", cmd, *unsaid, out);
	if (file != NULL)
		assert_int_equal(access(file, F_OK), -1);
}

#define WORDS(...) ((const char *const []){ __VA_ARGS__, NULL })

/* A bad --out or --glb fails before anything is meshed or started (the
 * daemon here could not even run), names the path, and leaves no file;
 * an existing file is left as it was. */
static void
test_demo_bad_output_fails_first(void **state)
{
	char line[64];
	FILE *f;

	(void)state;
	expect_run("MESHPOOLD=./no-such-meshpoold ./meshpoolctl demo --size 2 "
	    "--out no-such-dir/demo.obj", 1, WORDS("cannot write "
	    "no-such-dir/demo.obj: No such file or directory"),
	    WORDS("MESHPOOLD", "meshing"), NULL);
	expect_run("MESHPOOLD=./no-such-meshpoold ./meshpoolctl demo --size 2 "
	    "--out demo-first.obj --glb no-such-dir/demo.glb", 1,
	    WORDS("cannot write no-such-dir/demo.glb"), WORDS("meshing"),
	    "demo-first.obj");
	assert_non_null(f = fopen("demo-kept.obj", "w"));
	fputs("keep me\n", f);
	fclose(f);
	expect_run("MESHPOOLD=./no-such-meshpoold ./meshpoolctl demo --size 2 "
	    "--out demo-kept.obj", 1, WORDS("set MESHPOOLD"), NULL, NULL);
	assert_non_null(f = fopen("demo-kept.obj", "r"));
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "keep me\n");
	fclose(f);
	unlink("demo-kept.obj");
}

/* The largest --size would write gigabytes: refused, with the size, and
 * nothing written; the estimate is said before a run that goes ahead. */
static void
test_demo_refuses_a_huge_size(void **state)
{
	(void)state;
	expect_run("MESHPOOLD=./meshpoold ./meshpoolctl demo --size 32 --out "
	    "demo-big.obj", 1, WORDS("20480 chunks", "GiB of output", "--force"),
	    WORDS("meshing"), "demo-big.obj");
	expect_run("MESHPOOLD=./meshpoold ./meshpoolctl demo --size 2 --force "
	    "--out demo-small.obj", 0, WORDS("80 chunks", "MiB of output"), NULL,
	    NULL);
	unlink("demo-small.obj");
}

/* A daemon that runs and fails: its own words, no hint about MESHPOOLD.
 * One that cannot be run at all: the hint. */
static void
test_demo_daemon_that_fails(void **state)
{
	FILE *f;

	(void)state;
	assert_non_null(f = fopen("demo-fails.sh", "w"));
	fputs("#!/bin/sh\necho 'meshpoold: cannot bind: the test said no' >&2\n"
	    "exit 1\n", f);
	fclose(f);
	assert_int_equal(chmod("demo-fails.sh", 0755), 0);
	expect_run("MESHPOOLD=./demo-fails.sh ./meshpoolctl demo --size 2 --out "
	    "demo-fails.obj", 1, WORDS("meshpoold exited with status 1",
	    "meshpoold: cannot bind: the test said no"), WORDS("set MESHPOOLD"),
	    "demo-fails.obj");
	assert_int_equal(chmod("demo-fails.sh", 0644), 0);
	expect_run("MESHPOOLD=./demo-fails.sh ./meshpoolctl demo --size 2 --out "
	    "demo-fails.obj", 1, WORDS("cannot run ./demo-fails.sh: Permission "
	    "denied", "set MESHPOOLD"), NULL, "demo-fails.obj");
	unlink("demo-fails.sh");
}

/* No such instance (-n): mp_connect_problem's words and exit 3, as the
 * other commands. */
static void
test_demo_without_a_daemon(void **state)
{
	(void)state;
	expect_run("./meshpoolctl -n demo-nobody-here demo --size 2 --out "
	    "demo-nobody.obj", 3, WORDS("demo-nobody-here", "not running"), NULL,
	    "demo-nobody.obj");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_writes_a_closed_mesh),
		cmocka_unit_test(test_demo_through_named_instance),
		cmocka_unit_test(test_demo_bad_output_fails_first),
		cmocka_unit_test(test_demo_refuses_a_huge_size),
		cmocka_unit_test(test_demo_daemon_that_fails),
		cmocka_unit_test(test_demo_without_a_daemon),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
