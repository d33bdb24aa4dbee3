/*
 * demo.c - "meshpoolctl demo": mesh a terrain region with LOD rings
 * around the origin, with a tunnel, a wall and a painted disc built in
 * (demo_scene.c), through a daemon (a private one unless -n is given);
 * show progress, print throughput and latency, and write the welded mesh
 * with its materials as vertex colours, as Wavefront OBJ and binary glTF
 * (demo_out.c).
 *
 * Layout: level L (0..levels-1) covers chunks [-k, k)^2 of its own size
 * on x and z, minus the centre [-k/2, k/2)^2 that level L-1 covers, and
 * y chunks -1 and 0 (the seed terrain stays within +-10).  A chunk of
 * level L >= 1 has a transition bit on each face whose neighbour is in
 * that centre, i.e. one level finer, and an edge bit on each edge whose
 * diagonal chunk is.  Every chunk carries the brushes that touch it, at
 * every level.  Seams are bit-exact, so the mesh welds by position.
 *
 * Whatever can be checked before the meshing is: the outputs' size, that
 * their files can be opened, that the daemon runs.  A private daemon's
 * own words (its standard error) are kept in an unlinked file and shown
 * when it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "demo.h"
#include "demo_out.h"
#include "demo_scene.h"
#include "meshpool.h"
#include "monotime.h"
#include "mp_paths.h"

#define LEVELS        3
#define OUTPUT_LIMIT  (1ull << 30)  /* bytes of output without --force */
#define TRY_US        10000         /* between looks at a private daemon */
#define START_TRIES   500           /* its 5 s to take a connection */
#define EXIT_TRIES    100           /* a lost one's second to exit */
#define POLL_MAX      64

struct demo {                   /* one run, and everything it holds */
	const struct demo_opts *o;
	const char *instance;       /* what we connect to */
	char        name[64];       /* the private daemon's instance */
	pid_t       daemon;         /* the private daemon, 0 when none runs */
	FILE       *daemon_log;     /* its standard output and error */
	mp_client  *c;
	mp_field    field;          /* the terrain every request meshes */
	mp_edits   *edits;
	mp_request *reqs;
	size_t      n;              /* chunks */
	double     *sent_at, *lat;  /* per request, per result (seconds) */
	size_t      sent, got, failed;
	double      seconds;        /* the meshing's wall time */
	struct weld w;
	struct out_file obj, glb;
};

static double
now_s(void)
{
	return (double)mono_ns() / 1e9;
}

static int
inside(int x, int z, int h)
{
	return x >= -h && x < h && z >= -h && z < h;
}

/* Is the region of level-lev chunk (x, y, z) covered one level finer?
 * Level lev-1 covers the centre [-k/2, k/2)^2 of level lev's chunks, in
 * the same two layers. */
static int
finer(int lev, int x, int y, int z, int k)
{
	return lev > 0 && (y == -1 || y == 0) && inside(x, z, k / 2);
}

struct ring_ctx {
	int lev, k;
};

static int
ring_finer(void *ctx, int32_t x, int32_t y, int32_t z)
{
	const struct ring_ctx *c = ctx;

	return finer(c->lev, x, y, z, c->k);
}

/* The request list of the layout; returns the count (reqs may be NULL). */
static size_t
layout(int k, mp_request *reqs)
{
	struct ring_ctx rc = { 0, k };
	size_t n = 0;
	int lev, x, z, y;

	for (lev = 0; lev < LEVELS; lev++)
		for (x = -k; x < k; x++)
			for (z = -k; z < k; z++)
				for (y = -1; y <= 0; y++) {
					mp_request *r;

					if (lev > 0 && inside(x, z, k / 2))
						continue;       /* level L-1 covers it */
					if (reqs == NULL) {
						n++;
						continue;
					}
					r = &reqs[n];
					mp_request_init(r);
					r->user_data = n++;
					r->cx = x, r->cy = y, r->cz = z;
					r->lod = (uint8_t)lev;
					r->priority = (uint8_t)lev;
					rc.lev = lev;
					mp_request_set_neighbours(r, ring_finer, &rc);
				}
	return n;
}

/* --- before the meshing -------------------------------------------------- */

static int
lay_out(struct demo *d)
{
	d->n = layout(d->o->size, NULL);
	d->reqs = calloc(d->n, sizeof *d->reqs);
	d->sent_at = calloc(d->n, sizeof *d->sent_at);
	d->lat = calloc(d->n, sizeof *d->lat);
	if (d->reqs == NULL || d->sent_at == NULL || d->lat == NULL) {
		fprintf(stderr, "meshpoolctl: demo: out of memory\n");
		return EXIT_ERR;
	}
	layout(d->o->size, d->reqs);
	d->field = d->reqs[0].field;
	return EXIT_DONE;
}

/* "12.3 MiB" and the like, into buf. */
static const char *
human(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= 1ull << 30)
		snprintf(buf, len, "%.1f GiB", (double)bytes / (1ull << 30));
	else if (bytes >= 1ull << 20)
		snprintf(buf, len, "%.0f MiB", (double)bytes / (1ull << 20));
	else
		snprintf(buf, len, "%.0f KiB", (double)bytes / (1ull << 10));
	return buf;
}

/* Say what the run will write, and refuse more than OUTPUT_LIMIT without
 * --force: a big --size is easy to type, and the files grow as its
 * square. */
static int
check_size(struct demo *d)
{
	uint64_t obj = d->o->obj ? out_estimate_obj(d->n) : 0;
	uint64_t glb = d->o->glb ? out_estimate_glb(d->n) : 0;
	char all[32], a[32], b[32];

	human(obj + glb, all, sizeof all);
	if (obj + glb > OUTPUT_LIMIT && !d->o->force) {
		fprintf(stderr, "meshpoolctl: demo: --size %d means %zu chunks and "
		    "about %s of output, more than 1 GiB: give --force to write "
		    "it anyway\n", d->o->size, d->n, all);
		return EXIT_ERR;
	}
	fprintf(stderr, "%zu chunks (%d LOD levels, %d x %d chunks each), about "
	    "%s of output", d->n, LEVELS, 2 * d->o->size, 2 * d->o->size, all);
	if (obj > 0 && glb > 0)
		fprintf(stderr, " (%s %s, %s %s)", d->o->obj, human(obj, a, sizeof a),
		    d->o->glb, human(glb, b, sizeof b));
	fprintf(stderr, "\n");
	return EXIT_DONE;
}

static int
open_output(struct out_file *o, const char *path)
{
	if (path == NULL || out_open(o, path) == 0)
		return EXIT_DONE;
	fprintf(stderr, "meshpoolctl: demo: cannot write %s: %s\n", path,
	    strerror(errno));
	return EXIT_ERR;
}

static int
build_scene(struct demo *d)
{
	const mp_request *r = &d->reqs[0];
	float half = (float)d->o->size * (float)r->cells * r->voxel_size;
	long n = 0;
	int e;

	if ((e = mp_edits_new(&d->edits)) != MP_OK ||
	    (n = demo_scene(d->edits, &d->field, half)) < 0) {
		fprintf(stderr, "meshpoolctl: demo: cannot build the edits: %s\n",
		    mp_strerror(e != MP_OK ? e : (int)n));
		return EXIT_ERR;
	}
	fprintf(stderr, "edits: a tunnel, a wall and a painted disc (%ld "
	    "brushes)\n", n);
	return EXIT_DONE;
}

/* --- the private daemon -------------------------------------------------- */

/* In the child: run meshpoold -f -n name with no configuration file and
 * its output into log; if no program could be run, write why (errno) to
 * report.  Never returns. */
static void
exec_daemon(const char *bin, const char *name, int log, int report)
{
	char *argv[] = { "meshpoold", "-f", "-n", (char *)name, "-c",
	    "/dev/null", NULL };
	int err;

	if (dup2(log, STDOUT_FILENO) < 0 || dup2(log, STDERR_FILENO) < 0) {
		err = errno;
	} else if (bin != NULL) {
		execv(bin, argv);
		err = errno;
	} else {
		execv(SBINDIR "/meshpoold", argv);
		err = errno;
		execvp("meshpoold", argv);
		if (err == ENOENT)      /* not installed: why PATH failed */
			err = errno;
	}
	if (write(report, &err, sizeof err) != (ssize_t)sizeof err)
		_exit(126);
	_exit(127);
}

static void
cannot_exec(const char *bin, int err)
{
	if (bin != NULL)
		fprintf(stderr, "meshpoolctl: demo: cannot run %s: %s (set "
		    "MESHPOOLD to the path of meshpoold)\n", bin, strerror(err));
	else if (err == ENOENT)
		fprintf(stderr, "meshpoolctl: demo: cannot find meshpoold, in "
		    "%s or in PATH (set MESHPOOLD to its path)\n", SBINDIR);
	else
		fprintf(stderr, "meshpoolctl: demo: cannot run meshpoold: %s (set "
		    "MESHPOOLD to its path)\n", strerror(err));
}

static int
cannot_fork(void)
{
	fprintf(stderr, "meshpoolctl: demo: cannot start meshpoold: %s\n",
	    strerror(errno));
	return EXIT_ERR;
}

/* Fork and exec the daemon.  A close-on-exec pipe tells a program that
 * could not be run at all (the child writes its errno) from one that ran
 * (the pipe closes with nothing in it). */
static int
spawn_daemon(struct demo *d)
{
	const char *bin = getenv("MESHPOOLD");
	int fds[2], err = 0;
	ssize_t got;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return cannot_fork();
	if ((d->daemon = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		d->daemon = 0;
		return cannot_fork();
	}
	if (d->daemon == 0)
		exec_daemon(bin, d->name, fileno(d->daemon_log), fds[1]);
	close(fds[1]);
	while ((got = read(fds[0], &err, sizeof err)) < 0 && errno == EINTR)
		;
	close(fds[0]);
	if (got != (ssize_t)sizeof err)
		return EXIT_DONE;
	waitpid(d->daemon, NULL, 0);
	d->daemon = 0;
	cannot_exec(bin, err);
	return EXIT_ERR;
}

static int
start_daemon(struct demo *d)
{
	snprintf(d->name, sizeof d->name, "demo-%ld", (long)getpid());
	d->instance = d->name;
	if ((d->daemon_log = tmpfile()) == NULL ||
	    fcntl(fileno(d->daemon_log), F_SETFD, FD_CLOEXEC) != 0) {
		fprintf(stderr, "meshpoolctl: demo: cannot make a file for the "
		    "daemon's messages: %s\n", strerror(errno));
		return EXIT_ERR;
	}
	return spawn_daemon(d);
}

/* What the private daemon wrote, indented under our own line. */
static void
show_daemon_log(struct demo *d)
{
	char line[1024];

	if (d->daemon_log == NULL || fflush(d->daemon_log) != 0)
		return;
	rewind(d->daemon_log);
	while (fgets(line, sizeof line, d->daemon_log) != NULL)
		fprintf(stderr, "  %s%s", line,
		    strchr(line, '\n') != NULL ? "" : "\n");
}

/* The private daemon exited with status st: say so, with its words. */
static void
daemon_exited(struct demo *d, int st)
{
	if (WIFEXITED(st))
		fprintf(stderr, "meshpoolctl: demo: meshpoold exited with status "
		    "%d; it said:\n", WEXITSTATUS(st));
	else
		fprintf(stderr, "meshpoolctl: demo: meshpoold was killed by signal "
		    "%d; it said:\n", WTERMSIG(st));
	show_daemon_log(d);
}

static void
stop_daemon(struct demo *d)
{
	if (d->daemon <= 0)
		return;
	kill(d->daemon, SIGTERM);
	waitpid(d->daemon, NULL, 0);
	d->daemon = 0;
}

/* --- connecting ---------------------------------------------------------- */

/* mp_connect said err: why, and meshpoolctl's status for it. */
static int
connect_failed(int err)
{
	const char *why = mp_connect_problem();

	fprintf(stderr, "meshpoolctl: demo: %s\n", why != NULL ? why :
	    mp_strerror(err));
	return err == MP_ENOENT ? EXIT_NODAEMON : err == MP_EPERM ? EXIT_DENIED :
	    err == MP_EINVAL ? EXIT_USAGE : EXIT_ERR;
}

/* Until the private daemon takes the connection, exits, or has had its
 * time: only "no such daemon" means it is not up yet. */
static int
connect_private(struct demo *d)
{
	int i, r, st;

	for (i = 0; i < START_TRIES; i++) {
		if ((r = mp_connect(d->name, &d->c)) == MP_OK)
			return EXIT_DONE;
		if (r != MP_ENOENT) {
			r = connect_failed(r);
			show_daemon_log(d);
			return r;
		}
		if (waitpid(d->daemon, &st, WNOHANG) == d->daemon) {
			d->daemon = 0;
			daemon_exited(d, st);
			return EXIT_ERR;
		}
		usleep(TRY_US);
	}
	fprintf(stderr, "meshpoolctl: demo: meshpoold did not take a connection "
	    "in %d s; it said:\n", START_TRIES * TRY_US / 1000000);
	show_daemon_log(d);
	return EXIT_ERR;
}

static int
connect_daemon(struct demo *d)
{
	int r;

	if (d->daemon > 0)
		return connect_private(d);
	if ((r = mp_connect(d->instance, &d->c)) != MP_OK)
		return connect_failed(r);
	return EXIT_DONE;
}

/* --- the meshing --------------------------------------------------------- */

/* The daemon went (err from a submit or a poll): why, and the private
 * daemon's words, with its exit status if it exits within a second (it
 * may also have dropped us and run on). */
static int
daemon_lost(struct demo *d, int err)
{
	int i, st;

	fprintf(stderr, "\nmeshpoolctl: demo: %s\n", mp_strerror(err));
	if (d->daemon <= 0)
		return EXIT_ERR;
	for (i = 0; i < EXIT_TRIES; i++) {
		if (waitpid(d->daemon, &st, WNOHANG) == d->daemon) {
			d->daemon = 0;
			daemon_exited(d, st);
			return EXIT_ERR;
		}
		usleep(TRY_US);
	}
	fprintf(stderr, "meshpoolctl: demo: meshpoold said:\n");
	show_daemon_log(d);
	return EXIT_ERR;
}

/* A submit of r said err (not "full"). */
static int
submit_failed(struct demo *d, const mp_request *r, int err)
{
	const char *why;

	if (err != MP_EINVAL)
		return daemon_lost(d, err);
	if ((why = mp_request_problem(r)) != NULL)
		fprintf(stderr, "\nmeshpoolctl: demo: chunk (%d, %d, %d) at LOD "
		    "%d: %s\n", r->cx, r->cy, r->cz, r->lod, why);
	else
		fprintf(stderr, "\nmeshpoolctl: demo: chunk (%d, %d, %d) at LOD "
		    "%d: %ld brushes touch it, more than the %d a request may "
		    "carry\n", r->cx, r->cy, r->cz, r->lod,
		    mp_edits_touching(d->edits, r), MP_MAX_BRUSHES);
	return EXIT_ERR;
}

static void
progress(int tty, size_t done, size_t total, double t0)
{
	static int last = -1;
	int pct = (int)(100 * done / total), bars = pct / 4;

	if (tty) {
		fprintf(stderr, "\r[%.*s%*s] %3d%%  %zu/%zu chunks  %.1f s", bars,
		    "#########################", 25 - bars, "", pct, done, total,
		    now_s() - t0);
		if (done == total)
			fputc('\n', stderr);
	} else if (pct / 25 != last / 25 || done == total) {
		fprintf(stderr, "%d%% (%zu of %zu chunks)\n", pct, done, total);
	}
	last = pct;
}

/* Submit until the daemon has no room: 0, or an exit status. */
static int
submit_more(struct demo *d)
{
	while (d->sent < d->n) {
		const mp_request *r = &d->reqs[d->sent];
		int e = mp_submit_edited(d->c, r, d->edits);

		if (e == MP_EAGAIN)
			break;
		if (e != MP_OK)
			return submit_failed(d, r, e);
		d->sent_at[d->sent++] = now_s();
	}
	return EXIT_DONE;
}

/* Weld one result's mesh in and give its slab back. */
static int
take_result(struct demo *d, const mp_result *res)
{
	mp_mesh_view v;
	int rc = EXIT_DONE;

	d->lat[d->got++] = now_s() - d->sent_at[res->user_data];
	if (res->status != MP_OK || mp_mesh(d->c, res, &v) != MP_OK)
		d->failed++;
	else if (weld_mesh(&d->w, &v) != 0) {
		fprintf(stderr, "\nmeshpoolctl: demo: out of memory welding the "
		    "mesh\n");
		rc = EXIT_ERR;
	}
	mp_release(d->c, res);
	return rc;
}

/* Take what results are ready, or wait a while for some. */
static int
collect(struct demo *d)
{
	mp_result res[POLL_MAX];
	int k, i, rc = EXIT_DONE;

	if ((k = mp_poll(d->c, res, POLL_MAX)) < 0)
		return daemon_lost(d, k);
	if (k == 0)
		return (k = mp_wait(d->c, 1000)) == MP_EDISCONNECTED ?
		    daemon_lost(d, k) : EXIT_DONE;
	for (i = 0; i < k; i++)
		if (take_result(d, &res[i]) != EXIT_DONE)
			rc = EXIT_ERR;      /* the rest are still given back */
	return rc;
}

static int
mesh_all(struct demo *d)
{
	int tty = isatty(STDERR_FILENO), rc = EXIT_DONE;
	double t0 = now_s();

	fprintf(stderr, "meshing through \"%s\"\n", d->instance);
	while (rc == EXIT_DONE && d->got < d->n) {
		if ((rc = submit_more(d)) == EXIT_DONE &&
		    (rc = collect(d)) == EXIT_DONE)
			progress(tty, d->got, d->n, t0);
	}
	d->seconds = now_s() - t0;
	return rc;
}

/* --- afterwards ---------------------------------------------------------- */

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
report(struct demo *d)
{
	unsigned m;

	qsort(d->lat, d->got, sizeof *d->lat, cmp_d);
	printf("%zu chunks in %.2f s: %.0f chunks/s; latency p50 %.2f ms, "
	    "p99 %.2f ms; %zu failed\n", d->n, d->seconds, d->n / d->seconds,
	    1e3 * d->lat[d->got / 2], 1e3 * d->lat[d->got * 99 / 100],
	    d->failed);
	printf("welded mesh: %zu vertices, %zu triangles\n", d->w.nv,
	    d->w.ni / 3);
	printf("materials:");
	for (m = 0; m < DEMO_MATERIALS; m++)
		printf("%s %s %zu", m ? "," : "", demo_colour(m)->name,
		    weld_count(&d->w, m));
	printf(" vertices\n");
	if (d->w.mixed > 0)
		printf("%zu welded vertices had two materials\n", d->w.mixed);
}

static int
write_output(struct out_file *o, int (*put)(struct out_file *,
    const struct weld *), const struct weld *w)
{
	if (o->f == NULL)
		return EXIT_DONE;
	if (put(o, w) != 0) {
		fprintf(stderr, "meshpoolctl: demo: %s: %s\n", o->path,
		    strerror(errno));
		return EXIT_ERR;
	}
	printf("wrote %s\n", o->path);
	return EXIT_DONE;
}

static void
demo_free(struct demo *d)
{
	if (d->c != NULL)
		mp_disconnect(d->c);
	d->c = NULL;
	stop_daemon(d);
	if (d->daemon_log != NULL)
		fclose(d->daemon_log);
	d->daemon_log = NULL;
	out_discard(&d->obj);
	out_discard(&d->glb);
	weld_free(&d->w);
	mp_edits_free(d->edits);
	free(d->reqs);
	free(d->sent_at);
	free(d->lat);
}

int
demo_run(const struct demo_opts *o)
{
	struct demo d;
	int rc;

	memset(&d, 0, sizeof d);
	d.o = o;
	d.instance = o->instance;
	if ((rc = lay_out(&d)) != EXIT_DONE)
		goto out;
	if ((rc = check_size(&d)) != EXIT_DONE)
		goto out;
	if ((rc = open_output(&d.obj, o->obj)) != EXIT_DONE ||
	    (rc = open_output(&d.glb, o->glb)) != EXIT_DONE)
		goto out;
	if ((rc = build_scene(&d)) != EXIT_DONE)
		goto out;
	if (o->instance == NULL && (rc = start_daemon(&d)) != EXIT_DONE)
		goto out;
	if ((rc = connect_daemon(&d)) != EXIT_DONE)
		goto out;
	if ((rc = mesh_all(&d)) != EXIT_DONE)
		goto out;
	mp_disconnect(d.c);         /* done with the daemon before writing */
	d.c = NULL;
	stop_daemon(&d);
	report(&d);
	if ((rc = write_output(&d.obj, out_write_obj, &d.w)) == EXIT_DONE)
		rc = write_output(&d.glb, out_write_glb, &d.w);
	if (rc == EXIT_DONE && d.failed > 0)
		rc = EXIT_ERR;
out:
	demo_free(&d);
	return rc;
}
