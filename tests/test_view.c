/*
 * test_view.c - meshpool-view.
 *
 * The ring rule first (no display needed): for camera positions all over,
 * the LOD rings tile the ground exactly once, no chunk meets one two
 * levels away, and a chunk has a transition bit on exactly the faces that
 * meet a finer one and an edge bit on exactly the edges with a finer
 * chunk diagonally across.
 *
 * Then the viewer itself under xvfb-run (Mesa's software GL), skipped if
 * xvfb-run is missing: a few hundred frames against a private daemon,
 * then the same in-process with --local, both again digging and
 * building along the flight (--dig-every, --build-every), then through a
 * named daemon that is killed and started again while it digs.  Its
 * summary line must say the view was complete at some point and that,
 * once streaming started, no second went by with chunks missing and none
 * arriving (a liveness bound: frame times are only printed); with the
 * tools, that it dug and built, swapped edit groups in, and never had a
 * group's results come apart.  The screenshot must show terrain: decoded
 * here with libpng, many colours, mostly not the sky.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshpool.h"
#include "rings.h"

#define SHOT_W 400
#define SHOT_H 225
#define SKY_RGB 0x9ebddb        /* the clear colour, 0.62 0.74 0.86 */
#define STALL_LIMIT_S 1.0

/* Under ASan, LeakSanitizer finds what Mesa's GL driver leaks; the driver
 * is unloaded by then, so its frames are unknown and no suppression can
 * name them.  Leak checks stay off for the viewer's runs (and the daemon
 * it starts, which other tests check). */
#define NO_GL_LEAK_CHECK "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0\" "

/* --- the ring rule -------------------------------------------------------- */

struct cover {
	int8_t *lod;            /* per LOD 0 column of the outer square, -1 none */
	int32_t x0, z0, side;
};

static int8_t *
at(struct cover *g, int32_t x, int32_t z)
{
	static int8_t outside = -1;

	x -= g->x0, z -= g->z0;
	if (x < 0 || z < 0 || x >= g->side || z >= g->side) {
		outside = -1;
		return &outside;
	}
	return &g->lod[z * g->side + x];
}

/* Mark every LOD 0 column each chunk covers (the y = 0 layer). */
static void
fill(struct cover *g, const struct ring_chunk *c, size_t n)
{
	size_t i;
	int32_t x, z;

	g->x0 = g->z0 = INT32_MAX;
	for (i = 0; i < n; i++) {
		int s = 1 << c[i].lod;

		if (c[i].x * s < g->x0)
			g->x0 = c[i].x * s;
		if (c[i].z * s < g->z0)
			g->z0 = c[i].z * s;
	}
	g->side = 0;
	for (i = 0; i < n; i++) {
		int s = 1 << c[i].lod;

		if ((c[i].x + 1) * s - g->x0 > g->side)
			g->side = (c[i].x + 1) * s - g->x0;
	}
	g->lod = malloc((size_t)g->side * (size_t)g->side);
	assert_non_null(g->lod);
	memset(g->lod, -1, (size_t)g->side * (size_t)g->side);
	for (i = 0; i < n; i++) {
		int s = 1 << c[i].lod;

		if (c[i].y != 0)
			continue;
		for (x = c[i].x * s; x < (c[i].x + 1) * s; x++)
			for (z = c[i].z * s; z < (c[i].z + 1) * s; z++) {
				assert_int_equal(*at(g, x, z), -1);     /* once only */
				*at(g, x, z) = (int8_t)c[i].lod;
			}
	}
}

/* The level across one face of chunk c (every column along it agrees). */
static int
across(struct cover *g, const struct ring_chunk *c, int dx, int dz)
{
	int s = 1 << c->lod, i, lod = -2;

	for (i = 0; i < s; i++) {
		int32_t x = dx < 0 ? c->x * s - 1 : dx > 0 ? (c->x + 1) * s : c->x * s + i;
		int32_t z = dz < 0 ? c->z * s - 1 : dz > 0 ? (c->z + 1) * s : c->z * s + i;
		int here = *at(g, x, z);

		if (lod != -2)
			assert_int_equal(here, lod);
		lod = here;
	}
	return lod;
}

/* Is the chunk diagonally across an edge or a corner (offsets ox, oy, oz,
 * two or three of them non-zero) covered one level finer, by the coverage
 * grid? */
static int
finer_across_edge(struct cover *g, const struct ring_chunk *c, int ox, int oy,
    int oz)
{
	int s = 1 << c->lod;

	if (c->y + oy != -1 && c->y + oy != 0)
		return 0;               /* no chunk of the view up or down there */
	if (ox != 0 && oz != 0)         /* the column at the corner */
		return *at(g, ox < 0 ? c->x * s - 1 : (c->x + 1) * s,
		    oz < 0 ? c->z * s - 1 : (c->z + 1) * s) == c->lod - 1;
	return across(g, c, ox, oz) == c->lod - 1;
}

static void
check_edges(struct cover *g, const struct ring_chunk *c)
{
	static const struct { int o[3]; int bit; } edge[12] = {
		{ { -1, -1, 0 }, MP_EDGE_NX_NY }, { { 1, -1, 0 }, MP_EDGE_PX_NY },
		{ { -1, 1, 0 }, MP_EDGE_NX_PY }, { { 1, 1, 0 }, MP_EDGE_PX_PY },
		{ { -1, 0, -1 }, MP_EDGE_NX_NZ }, { { 1, 0, -1 }, MP_EDGE_PX_NZ },
		{ { -1, 0, 1 }, MP_EDGE_NX_PZ }, { { 1, 0, 1 }, MP_EDGE_PX_PZ },
		{ { 0, -1, -1 }, MP_EDGE_NY_NZ }, { { 0, 1, -1 }, MP_EDGE_PY_NZ },
		{ { 0, -1, 1 }, MP_EDGE_NY_PZ }, { { 0, 1, 1 }, MP_EDGE_PY_PZ },
	};
	int e;

	for (e = 0; e < 12; e++)
		assert_int_equal(!!(c->edges & edge[e].bit), c->lod > 0 &&
		    finer_across_edge(g, c, edge[e].o[0], edge[e].o[1], edge[e].o[2]));
}

static void
check_corners(struct cover *g, const struct ring_chunk *c)
{
	int i;

	for (i = 0; i < 8; i++)
		assert_int_equal((c->corners >> i) & 1, c->lod > 0 &&
		    finer_across_edge(g, c, i & 1 ? 1 : -1, i & 2 ? 1 : -1,
		    i & 4 ? 1 : -1));
}

static void
check_faces(struct cover *g, const struct ring_chunk *c)
{
	static const struct { int dx, dz, bit; } face[4] = {
		{ -1, 0, MP_TRANS_NX }, { 1, 0, MP_TRANS_PX },
		{ 0, -1, MP_TRANS_NZ }, { 0, 1, MP_TRANS_PZ },
	};
	int f;

	for (f = 0; f < 4; f++) {
		int other = across(g, c, face[f].dx, face[f].dz);

		if (other < 0)
			continue;       /* the outer edge */
		assert_true(abs(other - c->lod) <= 1);
		assert_int_equal(!!(c->transitions & face[f].bit), other == c->lod - 1);
	}
	assert_int_equal(c->transitions & (MP_TRANS_NY | MP_TRANS_PY), 0);
}

static int
request_ok(const struct ring_chunk *c)
{
	mp_request r;

	mp_request_init(&r);
	r.cx = c->x, r.cy = c->y, r.cz = c->z;
	r.lod = c->lod;
	r.transitions = c->transitions;
	r.edges = c->edges;
	r.corners = c->corners;
	return mp_request_validate(&r) == MP_OK;
}

static void
check_layout(int k, float x, float z)
{
	size_t want = rings_count(k), n, i, covered = 0;
	struct ring_chunk *c = calloc(want, sizeof *c);
	struct cover g;
	int32_t j;

	assert_non_null(c);
	n = rings_layout(k, x, z, c);
	assert_int_equal(n, want);
	fill(&g, c, n);
	/* The outer square is covered whole: the rings leave no gap. */
	assert_int_equal(g.side, 2 * k << (RING_LEVELS - 1));
	for (j = 0; j < g.side * g.side; j++)
		covered += g.lod[j] >= 0;
	assert_int_equal(covered, (size_t)g.side * (size_t)g.side);
	for (i = 0; i < n; i++) {
		check_faces(&g, &c[i]);
		check_edges(&g, &c[i]);
		check_corners(&g, &c[i]);
		/* What the mesher will be asked is a valid request. */
		assert_int_equal(request_ok(&c[i]), 1);
	}
	/* LOD 0 is around the camera. */
	assert_int_equal(*at(&g, (int32_t)(x / RING_CELLS) - (x < 0),
	    (int32_t)(z / RING_CELLS) - (z < 0)), 0);
	free(g.lod);
	free(c);
}

static void
test_rings_tile_with_the_right_transitions(void **state)
{
	int k, i;

	(void)state;
	for (k = RING_K_MIN; k <= 10; k += 2)
		for (i = 0; i < 400; i++) {
			/* Both signs, and every rounding of the three levels. */
			float x = (float)((i * 37) % 1500 - 750) + 0.25f * (float)(i % 4);
			float z = (float)((i * 91) % 1300 - 640) - 0.5f * (float)(i % 3);

			check_layout(k, x, z);
		}
}

/* --- the viewer under Xvfb ------------------------------------------------ */

static int
have_xvfb(void)
{
	return shell_out("command -v xvfb-run >/dev/null 2>&1", NULL, 0) == 0;
}

/* The value of key=... in the summary line, as a string. */
static const char *
field(const char *line, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p;
	size_t n;

	snprintf(pat, sizeof pat, " %s=", key);
	if ((p = strstr(line, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	n = strcspn(p, " \n");
	if (n >= len)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* key=... of the summary line, as a number. */
static long
number(const char *line, const char *key)
{
	char v[64];

	assert_non_null(field(line, key, v, sizeof v));
	return atol(v);
}

/* Run the viewer for frames frames with extra options; check its summary
 * line, and return it in out.  The screenshot goes to shot. */
static const char *
run_viewer(const char *extra, int frames, const char *shot, char *out,
    size_t len)
{
	char cmd[1024], v[64];
	const char *line;
	int st;

	snprintf(cmd, sizeof cmd, NO_GL_LEAK_CHECK "MESHPOOLD=\"$PWD/meshpoold\" xvfb-run -a -s "
	    "\"-screen 0 %dx%dx24\" ./meshpool-view --frames %d --size %dx%d "
	    "--rings 4 --screenshot %s %s 2>&1", SHOT_W, SHOT_H, frames, SHOT_W,
	    SHOT_H, shot, extra);
	st = shell_out(cmd, out, len);
	print_message("# %s", out);
	assert_int_equal(st, 0);
	assert_non_null(line = strstr(out, "meshpool-view: mode="));
	assert_non_null(field(line, "frames", v, sizeof v));
	assert_int_equal(atoi(v), frames);
	assert_non_null(field(line, "uploaded", v, sizeof v));
	assert_true(atol(v) >= (long)rings_count(4) / 2);
	/* Every chunk of the view was in at some point. */
	assert_non_null(field(line, "complete_s", v, sizeof v));
	assert_string_not_equal(v, "never");
	assert_non_null(field(line, "stall_max_s", v, sizeof v));
	assert_true(atof(v) <= STALL_LIMIT_S);
	/* An edit's chunks come out of one poll, dug or not. */
	assert_int_equal(number(line, "groups_split"), 0);
	return line;
}

/* The tools were used and their edits shown whole. */
static void
check_edits(const char *line)
{
	assert_true(number(line, "digs") > 0);
	assert_true(number(line, "builds") > 0);
	assert_true(number(line, "groups_swapped") > 0);
	assert_int_equal(number(line, "groups_split"), 0);
}

/* The screenshot shows lit terrain, not a cleared or blank frame. */
static void
check_screenshot(const char *path)
{
	png_image img;
	uint8_t *px, *seen;
	size_t i, n, colours = 0, ground = 0;

	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	assert_true(png_image_begin_read_from_file(&img, path));
	assert_int_equal(img.width, SHOT_W);
	assert_int_equal(img.height, SHOT_H);
	img.format = PNG_FORMAT_RGB;
	n = (size_t)img.width * img.height;
	px = malloc(n * 3);
	seen = calloc(1 << 21, 1);      /* a bit per 24-bit colour */
	assert_true(px != NULL && seen != NULL);
	assert_true(png_image_finish_read(&img, NULL, px, 0, NULL));
	for (i = 0; i < n; i++) {
		uint32_t c = (uint32_t)px[3 * i] << 16 | (uint32_t)px[3 * i + 1] << 8 |
		    px[3 * i + 2];

		if (!(seen[c >> 3] & (1 << (c & 7))))
			colours++;
		seen[c >> 3] |= (uint8_t)(1 << (c & 7));
		ground += c != SKY_RGB;
	}
	print_message("# %s: %zu colours, %zu%% not sky\n", path, colours,
	    100 * ground / n);
	assert_true(colours >= 500);
	assert_true(ground >= n / 3);
	free(px);
	free(seen);
}

static void
test_streams_through_a_private_daemon(void **state)
{
	char shot[64], out[8192];
	const char *line;

	(void)state;
	if (!have_xvfb())
		skip();
	snprintf(shot, sizeof shot, "tests/view-%ld.png", (long)getpid());
	/* At 60 frames a second: 300 uncapped frames that draw nothing yet
	 * took 50 ms once, before a sanitized daemon had meshed half the
	 * view. */
	line = run_viewer("--fps 60", 300, shot, out, sizeof out);
	assert_int_equal(number(line, "digs"), 0);
	check_screenshot(shot);
	unlink(shot);
}

static void
test_meshes_on_the_frame_thread(void **state)
{
	char shot[64], out[8192];

	(void)state;
	if (!have_xvfb())
		skip();
	snprintf(shot, sizeof shot, "tests/view-local-%ld.png", (long)getpid());
	run_viewer("--local", 200, shot, out, sizeof out);
	check_screenshot(shot);
	unlink(shot);
}

/* Digging every 10 frames and building every 25 along the flight: each
 * edit's chunks re-meshed as a group through the daemon, and the view
 * still whole and lit. */
static void
test_digs_through_a_private_daemon(void **state)
{
	char shot[64], out[8192];

	(void)state;
	if (!have_xvfb())
		skip();
	snprintf(shot, sizeof shot, "tests/view-dig-%ld.png", (long)getpid());
	check_edits(run_viewer("--fps 60 --dig-every 10 --build-every 25", 300,
	    shot, out, sizeof out));
	check_screenshot(shot);
	unlink(shot);
}

static void
test_digs_on_the_frame_thread(void **state)
{
	char shot[64], out[8192];

	(void)state;
	if (!have_xvfb())
		skip();
	snprintf(shot, sizeof shot, "tests/view-dig-local-%ld.png", (long)getpid());
	check_edits(run_viewer("--local --dig-every 10 --build-every 25", 200, shot,
	    out, sizeof out));
	check_screenshot(shot);
	unlink(shot);
}

/* Through a named daemon that is killed and started again while the
 * viewer digs: it says so, connects again, sends the lost groups again,
 * keeps going, and stops cleanly on SIGTERM. */
static void
test_rides_out_a_daemon_restart(void **state)
{
	char cmd[2048], out[8192];
	const char *line;
	long me = (long)getpid();
	int st;

	(void)state;
	if (!have_xvfb())
		skip();
	snprintf(cmd, sizeof cmd, NO_GL_LEAK_CHECK "xvfb-run -a -s \"-screen 0 %dx%dx24\" sh -c '"
	    "daemon() { ./meshpoold -f -n vr-%ld -c /dev/null -w 2 "
	    "    2>>tests/vr-%ld.log & d=$!; i=0;"
	    "  until ./meshpoolctl -n vr-%ld status >/dev/null 2>&1; do"
	    "    sleep 0.1; i=$((i + 1)); [ $i -lt 100 ] || exit 3; done; };"
	    "daemon;"
	    "./meshpool-view -n vr-%ld --size %dx%d --rings 4 --speed 4 --dig-every 5"
	    "    >tests/vr-%ld.out 2>&1 & v=$!;"
	    "sleep 2; kill -9 $d; wait $d; daemon; i=0;"
	    "until grep -q \"connected again\" tests/vr-%ld.out; do"
	    "  sleep 0.1; i=$((i + 1)); [ $i -lt 300 ] || break; done;"
	    "sleep 1; kill -TERM $v; wait $v; echo viewer exit $?;"
	    "kill $d; wait $d; cat tests/vr-%ld.out' 2>&1; rm -f tests/vr-%ld.*",
	    SHOT_W, SHOT_H, me, me, me, me, SHOT_W, SHOT_H, me, me, me, me);
	st = shell_out(cmd, out, sizeof out);
	print_message("# %s", out);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "viewer exit 0"));
	assert_non_null(strstr(out, "the daemon went away"));
	assert_non_null(strstr(out, "connected again"));
	assert_non_null(line = strstr(out, "meshpool-view: mode=meshpoold"));
	assert_true(number(line, "groups_swapped") > 0);
	assert_int_equal(number(line, "groups_split"), 0);
}

/* A daemon that cannot start, or is not there: the viewer says why and
 * exits 1, before it opens a window (so this needs no display). */
static void
test_daemon_that_cannot_start(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(shell_out("MESHPOOLD=/nonexistent/meshpoold "
	    "./meshpool-view --frames 1 2>&1", out, sizeof out), 1);
	print_message("# %s", out);
	assert_non_null(strstr(out, "did not start"));
	assert_non_null(strstr(out, "cannot run /nonexistent/meshpoold"));
	/* A named one that is not running: the library's sentence. */
	assert_int_equal(shell_out("./meshpool-view -n view-not-running-here "
	    "--frames 1 2>&1", out, sizeof out), 1);
	print_message("# %s", out);
	assert_non_null(strstr(out, "not running"));
}

static void
test_bad_options(void **state)
{
	(void)state;
	assert_int_equal(shell_out("./meshpool-view --rings 5 2>&1", NULL, 0), 2);
	assert_int_equal(shell_out("./meshpool-view --size 0x10 2>&1", NULL, 0), 2);
	assert_int_equal(shell_out("./meshpool-view --local -n x 2>&1", NULL, 0), 2);
	assert_int_equal(shell_out("./meshpool-view --dig-every 0 2>&1", NULL, 0), 2);
	assert_int_equal(shell_out("./meshpool-view --build-every x 2>&1", NULL, 0), 2);
	assert_int_equal(shell_out("./meshpool-view --fps -1 2>&1", NULL, 0), 2);
	assert_int_equal(shell_out("./meshpool-view --edit-wait 101 2>&1", NULL, 0), 2);
	assert_int_equal(shell_out("./meshpool-view --help", NULL, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rings_tile_with_the_right_transitions),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_daemon_that_cannot_start),
		cmocka_unit_test(test_streams_through_a_private_daemon),
		cmocka_unit_test(test_meshes_on_the_frame_thread),
		cmocka_unit_test(test_digs_through_a_private_daemon),
		cmocka_unit_test(test_digs_on_the_frame_thread),
		cmocka_unit_test(test_rides_out_a_daemon_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
