/*
 * main.c - meshpool-view: fly over the seed terrain, stream its LOD rings
 * through meshpoold (or mesh them on the frame thread with --local), draw
 * them with OpenGL 3.3, dig into it and build on it where the camera
 * looks, and say at exit how the frames and the edits went.  See
 * meshpool-view(1).
 *
 * Exit status: 0 done, 1 error, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GLFW_INCLUDE_NONE
#include <epoxy/gl.h>
#include <GLFW/glfw3.h>

#include "meshpool.h"
#include "monotime.h"
#include "private.h"
#include "rings.h"
#include "screenshot.h"
#include "stats.h"
#include "stream.h"

enum { EXIT_DONE = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

#define DEFAULT_WIDTH   1280
#define DEFAULT_HEIGHT   720
#define DEFAULT_WORKERS    2
#define DEFAULT_BUDGET    16    /* as client/examples/host_loop.c */
#define DEFAULT_EDIT_WAIT  4    /* ms a frame may wait for its edit's group */
#define DEFAULT_RINGS      8    /* half-size k: 16 x 16 chunks per level */
#define FRAME_HZ        60.0    /* the camera's clock: one step per frame */
#define MAX_SIDE       16384
#define DEFAULT_PITCH     17    /* degrees below the horizon */

/* The tools: a sphere where the view's centre meets the ground, dug out
 * or built up with one of the shader's palette of materials. */
#define TOOL_REACH     600.0f   /* world units the aim looks ahead */
#define DIG_RADIUS       5.0f
#define DIG_SMOOTH       1.0f
#define BUILD_RADIUS     3.5f
#define BUILD_SMOOTH     0.5f
#define BUILD_LIFT       0.5f   /* of the radius: a ball, not a bump */
#define MATERIALS           7   /* 1..7; 0 is the terrain's own */

struct options {
	long frames;                    /* 0: until the window closes */
	long dig_every, build_every;    /* frames; 0: only by key */
	const char *screenshot;
	const char *instance;           /* NULL: a private daemon */
	int local, vsync, width, height, workers, budget, rings, tint;
	int edit_wait;                  /* ms; 0: an edit shows a frame later */
	int fps;                        /* frames a second at most; 0: no cap */
	float altitude, speed, pitch;   /* pitch in degrees */
};

/* What the tool keys and the --*-every options asked for. */
struct tool {
	int dig, build;                 /* asked, not done yet */
	uint8_t material;               /* the next build's, 1..MATERIALS */
	uint64_t digs, builds;          /* done */
};

/* Everything the viewer holds, in one place. */
struct viewer {
	struct options opt;
	struct private_daemon daemon;
	GLFWwindow *win;
	int glfw_up, render_up, stats_up;
	int daemon_lost;                /* show what the private one said */
	int was_connected;
	struct render gl;
	struct stream *stream;
	struct stats stats;
	struct tool tool;
	uint8_t *pixels;                /* the screenshot, if asked for */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: meshpool-view [-n INSTANCE | --local] [--frames N]\n"
	    "                     [--screenshot FILE.png] [--size WxH] [--vsync 0|1]\n"
	    "                     [--workers N] [--budget N] [--rings K]\n"
	    "                     [--altitude X] [--pitch DEG] [--speed X] [--plain]\n"
	    "                     [--dig-every N] [--build-every N] [--edit-wait MS]\n"
	    "                     [--fps N]\n"
	    "  -n INSTANCE        a running meshpoold, by name or socket path\n"
	    "                     (default: a private one: $MESHPOOLD, else the\n"
	    "                     installed one)\n"
	    "  --local            mesh on the frame thread instead (mp_mesh_local)\n"
	    "  --frames N         exit after N frames (default: when closed)\n"
	    "  --screenshot FILE  write the last frame as PNG\n"
	    "  --size WxH         window size (default 1280x720)\n"
	    "  --vsync 0|1        wait for the display's refresh (default 0)\n"
	    "  --workers N        the private daemon's workers (default 2)\n"
	    "  --budget N         mesh uploads per frame, at most (default 16)\n"
	    "  --rings K          chunks from the centre to the edge of each\n"
	    "                     LOD ring, even, 4..32 (default 8)\n"
	    "  --altitude X       fly X times higher\n"
	    "  --pitch DEG        look DEG degrees down (default 17)\n"
	    "  --speed X          fly X times faster\n"
	    "  --plain            do not tint the LOD rings or draw chunk borders\n"
	    "  --dig-every N      dig where the view's centre meets the ground,\n"
	    "                     every N frames (keys: D digs, B builds, 1-7\n"
	    "                     pick the material)\n"
	    "  --build-every N    build a ball there every N frames, in each\n"
	    "                     material in turn\n"
	    "  --edit-wait MS     a frame that sent an edit waits up to MS ms for\n"
	    "                     its chunks, to show it in that frame (default 4;\n"
	    "                     0: it shows when they come)\n"
	    "  --fps N            at most N frames a second (default: no cap)\n");
}

static int
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
parse_int(const char *s, int lo, int hi, int *out)
{
	long v;

	if (parse_long(s, lo, hi, &v) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

static int
parse_size(const char *s, int *w, int *h)
{
	char tail;

	return sscanf(s, "%dx%d%c", w, h, &tail) == 2 && *w > 0 && *h > 0 &&
	    *w <= MAX_SIDE && *h <= MAX_SIDE ? 0 : -1;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "frames", required_argument, NULL, 'f' },
		{ "screenshot", required_argument, NULL, 's' },
		{ "local", no_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 'S' },
		{ "vsync", required_argument, NULL, 'v' },
		{ "workers", required_argument, NULL, 'w' },
		{ "budget", required_argument, NULL, 'b' },
		{ "edit-wait", required_argument, NULL, 'E' },
		{ "fps", required_argument, NULL, 'F' },
		{ "rings", required_argument, NULL, 'r' },
		{ "altitude", required_argument, NULL, 'a' },
		{ "speed", required_argument, NULL, 'x' },
		{ "pitch", required_argument, NULL, 'P' },
		{ "plain", no_argument, NULL, 'p' },
		{ "dig-every", required_argument, NULL, 'D' },
		{ "build-every", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, bad = 0;
	char *end;

	memset(o, 0, sizeof *o);
	o->width = DEFAULT_WIDTH, o->height = DEFAULT_HEIGHT;
	o->workers = DEFAULT_WORKERS, o->budget = DEFAULT_BUDGET;
	o->edit_wait = DEFAULT_EDIT_WAIT;
	o->rings = DEFAULT_RINGS, o->tint = 1, o->altitude = 1, o->speed = 1;
	o->pitch = DEFAULT_PITCH;
	while (!bad && (ch = getopt_long(argc, argv, "n:hV", longs, NULL)) != -1) {
		switch (ch) {
		case 'n': o->instance = optarg; break;
		case 'f': bad = parse_long(optarg, 1, 1L << 40, &o->frames); break;
		case 's': o->screenshot = optarg; break;
		case 'l': o->local = 1; break;
		case 'S': bad = parse_size(optarg, &o->width, &o->height); break;
		case 'v': bad = parse_int(optarg, 0, 1, &o->vsync); break;
		case 'w': bad = parse_int(optarg, 1, 64, &o->workers); break;
		case 'b': bad = parse_int(optarg, 1, 4096, &o->budget); break;
		case 'E': bad = parse_int(optarg, 0, 100, &o->edit_wait); break;
		case 'F': bad = parse_int(optarg, 0, 1000, &o->fps); break;
		case 'r':
			bad = parse_int(optarg, RING_K_MIN, RING_K_MAX, &o->rings) ||
			    o->rings % 2 != 0;
			break;
		case 'a':
			o->altitude = strtof(optarg, &end);
			bad = *end != '\0' || !(o->altitude >= 0.2f && o->altitude <= 20);
			break;
		case 'x':
			o->speed = strtof(optarg, &end);
			bad = *end != '\0' || !(o->speed >= 0 && o->speed <= 100);
			break;
		case 'P':
			o->pitch = strtof(optarg, &end);
			bad = *end != '\0' || !(o->pitch >= 0 && o->pitch <= 89);
			break;
		case 'p': o->tint = 0; break;
		case 'D': bad = parse_long(optarg, 1, 1L << 40, &o->dig_every); break;
		case 'B': bad = parse_long(optarg, 1, 1L << 40, &o->build_every); break;
		case 'h': usage(stdout); exit(EXIT_DONE);
		case 'V': printf("meshpool-view %s\n", PACKAGE_VERSION); exit(EXIT_DONE);
		default: bad = 1; break;
		}
		if (bad && ch != '?' && optarg != NULL)
			fprintf(stderr, "meshpool-view: bad value \"%s\"\n", optarg);
	}
	if (!bad && (optind < argc || (o->local && o->instance != NULL)))
		bad = 1;
	if (bad)
		usage(stderr);
	return bad ? -1 : 0;
}

static void
glfw_error(int code, const char *what)
{
	fprintf(stderr, "meshpool-view: GLFW: %s (0x%x)\n", what, code);
}

/* Keys only ask; the work is tool_frame's, in the frame (a key held down
 * repeats). */
static void
on_key(GLFWwindow *win, int key, int scancode, int action, int mods)
{
	struct viewer *v = glfwGetWindowUserPointer(win);

	(void)scancode, (void)mods;
	if (action != GLFW_PRESS && action != GLFW_REPEAT)
		return;
	if (key == GLFW_KEY_ESCAPE)
		glfwSetWindowShouldClose(win, GLFW_TRUE);
	else if (key == GLFW_KEY_D)
		v->tool.dig = 1;
	else if (key == GLFW_KEY_B)
		v->tool.build = 1;
	else if (key >= GLFW_KEY_1 && key < GLFW_KEY_1 + MATERIALS)
		v->tool.material = (uint8_t)(key - GLFW_KEY_1 + 1);
}

static int
open_window(struct viewer *v)
{
	int w, h;

	glfwSetErrorCallback(glfw_error);
	if (!glfwInit())
		return -1;
	v->glfw_up = 1;
	glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
	glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
	glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
	glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
	glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
	v->win = glfwCreateWindow(v->opt.width, v->opt.height, "meshpool-view",
	    NULL, NULL);
	if (v->win == NULL)
		return -1;
	glfwMakeContextCurrent(v->win);
	glfwSwapInterval(v->opt.vsync);
	glfwSetWindowUserPointer(v->win, v);
	glfwSetKeyCallback(v->win, on_key);
	/* Pixels, not screen units: they differ on high-density displays. */
	glfwGetFramebufferSize(v->win, &w, &h);
	if (render_init(&v->gl, w, h, v->opt.tint, (float)(v->opt.rings - 1) *
	    rings_chunk_size(RING_LEVELS - 1)) != 0)
		return -1;
	v->render_up = 1;
	return 0;
}

/* A sphere where the ray from the eye along the view first meets the
 * ground (the edited ground: a second dig goes deeper), dug or built (of
 * the tool's material).  MP_OK, MP_ENOENT (no ground within reach),
 * MP_EAGAIN (the stream takes no edit now), or an error, said on
 * stderr. */
static int
tool_use(struct viewer *v, const struct camera *cam, uint8_t op)
{
	int dig = op == MP_EDIT_SUBTRACT;
	mp_brush b;
	mp_request like;
	int err;

	memset(&b, 0, sizeof b);
	mp_request_init(&like);         /* the field every chunk is meshed in */
	err = mp_edits_raycast(stream_edits(v->stream), &like.field, cam->eye,
	    cam->fwd, TOOL_REACH, b.a);
	if (err == MP_ENOENT)
		return err;
	b.shape = MP_BRUSH_SPHERE;
	b.op = op;
	b.material = dig ? 0 : v->tool.material;
	b.radius = dig ? DIG_RADIUS : BUILD_RADIUS;
	b.smooth = dig ? DIG_SMOOTH : BUILD_SMOOTH;
	b.a[1] += dig ? 0 : BUILD_LIFT * BUILD_RADIUS;
	if (err == MP_OK)
		err = stream_edit(v->stream, &b);
	if (err != MP_OK && err != MP_EAGAIN)
		fprintf(stderr, "meshpool-view: %s: %s\n", dig ? "dig" : "build",
		    err == MP_EINVAL && mp_brush_problem(&b) != NULL ?
		    mp_brush_problem(&b) : mp_strerror(err));
	return err;
}

/* One asked edit: done (counted), or nothing to aim at (dropped), or
 * asked again next frame if the stream took none now.  0, or -1. */
static int
tool_try(struct viewer *v, const struct camera *cam, uint8_t op, int *asked,
    uint64_t *done)
{
	int err = tool_use(v, cam, op);

	if (err != MP_OK && err != MP_ENOENT && err != MP_EAGAIN)
		return -1;
	*done += err == MP_OK;
	*asked = err == MP_EAGAIN;
	return 0;
}

/* The tools' work for frame n, before the stream's, so that an edit goes
 * out (or, with --local, is meshed and shown) in the frame it is made.
 * 0, or -1. */
static int
tool_frame(struct viewer *v, const struct camera *cam, long n)
{
	struct tool *t = &v->tool;
	int err;

	t->dig |= v->opt.dig_every > 0 && (n + 1) % v->opt.dig_every == 0;
	if (v->opt.build_every > 0 && (n + 1) % v->opt.build_every == 0) {
		t->build = 1;
		t->material = (uint8_t)(t->builds % MATERIALS + 1);
	}
	if (t->dig && (err = tool_try(v, cam, MP_EDIT_SUBTRACT, &t->dig,
	    &t->digs)) != 0)
		return err;
	if (t->build && (err = tool_try(v, cam, MP_EDIT_ADD, &t->build,
	    &t->builds)) != 0)
		return err;
	return 0;
}

static int
save_screenshot(struct viewer *v)
{
	size_t bytes = (size_t)v->gl.width * (size_t)v->gl.height * 3;

	if ((v->pixels = malloc(bytes)) == NULL || render_read(&v->gl, v->pixels) != 0) {
		fprintf(stderr, "meshpool-view: cannot read the frame back\n");
		return -1;
	}
	return png_write_rgb(v->opt.screenshot, v->gl.width, v->gl.height, v->pixels);
}

/* The edits swapped in this frame are on screen from now (the end of its
 * buffer swap, less a screenshot's time). */
static int
edits_shown(struct viewer *v, uint64_t now)
{
	const uint64_t *made;
	size_t i, n = stream_landed(v->stream, &made);

	for (i = 0; i < n; i++)
		if (stats_edit(&v->stats, (double)(now - made[i]) / 1e6) != 0)
			return -1;
	return 0;
}

/* One frame: the tools, the stream's work, the drawing, the swap.  0, or
 * -1. */
static int
frame(struct viewer *v, long n, int last)
{
	const struct stream_counts *sc = stream_counts(v->stream);
	struct gpu_mesh *const *list;
	struct camera cam;
	uint64_t t0 = mono_ns(), ts, t1, shot = 0;
	size_t meshes;
	int finished;

	glfwPollEvents();
	camera_at(&cam, (double)n / FRAME_HZ * v->opt.speed,
	    (float)v->gl.width / (float)v->gl.height,
	    (float)v->opt.rings * rings_chunk_size(RING_LEVELS - 1), v->opt.altitude,
	    v->opt.pitch * (float)M_PI / 180);
	if (tool_frame(v, &cam, n) != 0)
		return -1;
	ts = mono_ns();
	if ((finished = stream_frame(v->stream, &cam)) < 0) {
		fprintf(stderr, "meshpool-view: %s\n", mp_strerror(finished));
		v->daemon_lost = 1;
		return -1;
	}
	ts = mono_ns() - ts;
	if (sc->connected != v->was_connected && !v->opt.local)
		fprintf(stderr, "meshpool-view: %s\n", sc->connected ?
		    "connected again; asking again for what was lost" :
		    "the daemon went away; connecting again once a second");
	v->was_connected = sc->connected;
	meshes = stream_meshes(v->stream, &list);
	render_frame(&v->gl, &cam, list, meshes);
	if (last && v->opt.screenshot != NULL) {
		/* Not a frame's work: kept out of its time. */
		shot = mono_ns();
		if (save_screenshot(v) != 0)
			return -1;
		shot = mono_ns() - shot;
	}
	glfwSwapBuffers(v->win);
	t1 = mono_ns();
	if (stats_frame(&v->stats, (t1 - t0 - shot) / 1e6, ts / 1e6,
	    sc->upload_ns / 1e6) != 0 || edits_shown(v, t1 - shot) != 0)
		return -1;
	stats_progress(&v->stats, t1, finished, sc->missing);
	return 0;
}

/* SIGINT and SIGTERM end the run like closing the window (the summary is
 * printed, the private daemon stopped).  They are blocked and looked for
 * once a frame, so no handler and no global flag are needed. */
static void
block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static int
stop_requested(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 && (sigismember(&pending, SIGINT) ||
	    sigismember(&pending, SIGTERM));
}

static void
print_summary(struct viewer *v)
{
	const struct stream_counts *sc = stream_counts(v->stream);
	struct stats_edits e = {
		.digs = v->tool.digs, .builds = v->tool.builds,
		.swapped = sc->swapped, .split = sc->split,
	};

	stats_print(stdout, &v->stats, v->opt.local ? "local" : "meshpoold",
	    sc->uploaded, sc->missing, &e);
}

/* Sleep until mono_ns() reaches due (--fps): a frame cap, as games have,
 * which also keeps a run of N frames at least N/fps seconds long. */
static void
pace(uint64_t due)
{
	uint64_t now = mono_ns();
	struct timespec ts;

	if (due <= now)
		return;
	ts.tv_sec = (time_t)((due - now) / 1000000000u);
	ts.tv_nsec = (long)((due - now) % 1000000000u);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
run(struct viewer *v)
{
	struct stream_opts so;
	uint64_t start;
	long n;
	int r;

	block_stop_signals();
	if (!v->opt.local && v->opt.instance == NULL) {
		if (private_start(&v->daemon, v->opt.workers) != 0)
			return -1;
		v->opt.instance = v->daemon.name;
	}
	memset(&so, 0, sizeof so);
	so.instance = v->opt.instance;
	so.local = v->opt.local;
	so.reconnect = v->daemon.pid == 0;      /* a private one does not return */
	so.half_size = v->opt.rings;
	so.budget = v->opt.budget;
	so.edit_wait_ms = v->opt.edit_wait;
	if ((r = stream_open(&v->stream, &so)) != MP_OK) {
		const char *why = so.local ? NULL : mp_connect_problem();

		fprintf(stderr, "meshpool-view: %s: %s\n", so.local ? "local" :
		    so.instance, why != NULL ? why : mp_strerror(r));
		return -1;
	}
	/* After connecting: a daemon that is not there is told without a
	 * window flashing up (or a display at all). */
	if (open_window(v) != 0)
		return -1;
	v->was_connected = stream_counts(v->stream)->connected;
	if (stats_init(&v->stats, mono_ns()) != 0)
		return -1;
	v->stats_up = 1;
	/* The last frame is drawn (and shot) also when the window is closed
	 * or a signal says stop. */
	start = mono_ns();
	for (n = 0;; n++) {
		int last = (v->opt.frames != 0 && n + 1 >= v->opt.frames) ||
		    glfwWindowShouldClose(v->win) || stop_requested();

		if (frame(v, n, last) != 0)
			return -1;
		if (last)
			break;
		if (v->opt.fps > 0)
			pace(start + (uint64_t)(n + 1) * 1000000000u / (uint64_t)v->opt.fps);
	}
	print_summary(v);
	return 0;
}

static void
cleanup(struct viewer *v)
{
	stream_close(v->stream);        /* its GL buffers: context still up */
	if (v->render_up)
		render_fini(&v->gl);
	if (v->win != NULL)
		glfwDestroyWindow(v->win);
	if (v->glfw_up)
		glfwTerminate();
	if (v->daemon_lost && v->daemon.pid > 0) {
		fprintf(stderr, "meshpool-view: the private meshpoold said:\n");
		private_show_log(&v->daemon, stderr);
	}
	private_stop(&v->daemon);
	if (v->stats_up)
		stats_fini(&v->stats);
	free(v->pixels);
}

int
main(int argc, char **argv)
{
	struct viewer v;
	int rc;

	memset(&v, 0, sizeof v);
	v.tool.material = 1;
	if (parse_options(argc, argv, &v.opt) != 0)
		return EXIT_USAGE;
	rc = run(&v) == 0 ? EXIT_DONE : EXIT_ERR;
	cleanup(&v);
	return rc;
}
