/*
 * main.c - meshpool-view: fly over the seed terrain, stream its LOD rings
 * through meshpoold (or mesh them on the frame thread with --local), draw
 * them with OpenGL 3.3, and say at exit how the frames went.  See
 * meshpool-view(1).
 *
 * Exit status: 0 done, 1 error, 2 usage.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
#define DEFAULT_RINGS      8    /* half-size k: 16 x 16 chunks per level */
#define FRAME_HZ        60.0    /* the camera's clock: one step per frame */
#define MAX_SIDE       16384
#define DEFAULT_PITCH     17    /* degrees below the horizon */

struct options {
	long frames;                    /* 0: until the window closes */
	const char *screenshot;
	const char *instance;           /* NULL: a private daemon */
	int local, vsync, width, height, workers, budget, rings, tint;
	float altitude, speed, pitch;   /* pitch in degrees */
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
	    "  --plain            do not tint the LOD rings or draw chunk borders\n");
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
		{ "rings", required_argument, NULL, 'r' },
		{ "altitude", required_argument, NULL, 'a' },
		{ "speed", required_argument, NULL, 'x' },
		{ "pitch", required_argument, NULL, 'P' },
		{ "plain", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, bad = 0;
	char *end;

	memset(o, 0, sizeof *o);
	o->width = DEFAULT_WIDTH, o->height = DEFAULT_HEIGHT;
	o->workers = DEFAULT_WORKERS, o->budget = DEFAULT_BUDGET;
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

static void
on_key(GLFWwindow *win, int key, int scancode, int action, int mods)
{
	if (key == GLFW_KEY_ESCAPE && action == GLFW_PRESS)
		glfwSetWindowShouldClose(win, GLFW_TRUE);
	/* The dig tool (when terrain edits land) takes its keys and mouse
	 * buttons here; see tool_frame below for where its work goes. */
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
	glfwSetKeyCallback(v->win, on_key);
	/* Pixels, not screen units: they differ on high-density displays. */
	glfwGetFramebufferSize(v->win, &w, &h);
	if (render_init(&v->gl, w, h, v->opt.tint, (float)(v->opt.rings - 1) *
	    rings_chunk_size(RING_LEVELS - 1)) != 0)
		return -1;
	v->render_up = 1;
	return 0;
}

/* Where the dig tool's per-frame work will go once terrain edits land:
 * cast a ray from the cursor through the depth buffer to a world point,
 * send the edit, and have the stream ask again for the chunks it touched
 * (their old meshes stay drawn until the new ones are in, as for the
 * rings; see stream.c).  Nothing to do until then. */
static void
tool_frame(struct viewer *v, const struct camera *cam)
{
	(void)v, (void)cam;
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

/* One frame: the stream's work, the drawing, the swap.  0, or -1. */
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
	tool_frame(v, &cam);
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
	    sc->upload_ns / 1e6) != 0)
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

static int
run(struct viewer *v)
{
	struct stream_opts so;
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
	for (n = 0;; n++) {
		int last = (v->opt.frames != 0 && n + 1 >= v->opt.frames) ||
		    glfwWindowShouldClose(v->win) || stop_requested();

		if (frame(v, n, last) != 0)
			return -1;
		if (last)
			break;
	}
	stats_print(stdout, &v->stats, v->opt.local ? "local" : "meshpoold",
	    stream_counts(v->stream)->uploaded, stream_counts(v->stream)->missing);
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
	if (parse_options(argc, argv, &v.opt) != 0)
		return EXIT_USAGE;
	rc = run(&v) == 0 ? EXIT_DONE : EXIT_ERR;
	cleanup(&v);
	return rc;
}
