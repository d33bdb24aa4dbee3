/*
 * bench_edits.c - what terrain edits cost, in two parts.
 *
 * Cost per chunk.  One LOD 0 surface chunk of the seed field (the
 * mp_request_init defaults: 32 cells, voxel 1) meshed in the calling
 * thread by mp_mesh_local_edited under 0, 10, 100 and 1,000 small brushes
 * (spheres and boxes 1 to 4 voxels across, capsules up to 6 long; add,
 * subtract and paint mixed, a quarter of them smooth; a fixed seed), every
 * one inside the chunk and within 3 voxels of its ground, where players
 * dig and build.  The smaller sets are the first brushes of the larger.  Each
 * figure is the median of RUNS runs of REPS meshes; the sets take turns
 * within a run, so a slow patch of a shared machine hits them alike.  The
 * product's goal: 1,000 small brushes cost well under 10x the unedited
 * chunk.
 *
 * Edit latency.  A private meshpoold with 2 workers, kept busy by a
 * stream of far chunks in lane 3 (a fixed number in flight, submitted
 * again as they finish), and a player who digs one sphere (radius 3,
 * subtract) every 1/60 s along a path on the ground (found by a ray down
 * through the unedited field, so the trench follows the terrain instead
 * of sinking into its own crater).  Each dig's chunks (mp_edits_chunks)
 * go out as one group in lane 0 with the edit set, after cancelling what
 * an earlier dig still has out for the same chunks.  Measured: the time
 * from the brush to its whole group coming out of one mp_poll (for a dig
 * whose chunks a later one took over, until those came out too), and the
 * backlog after 1 s and at the end (does the daemon keep up?).
 *
 * "make bench" runs both (it needs ./meshpoold).
 *
 *   bench-edits [--cost | --latency SECONDS | --once N [TIMES]]
 *       --once N: mesh the chunk under the first N brushes, once (or
 *       TIMES times, for perf), for valgrind --tool=callgrind
 *       --toggle-collect=mp_mesh_local_edited
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchstat.h"
#include "daemon_rig.h"
#include "meshpool.h"

#define SEED        20240611u
#define RUNS        9
#define REPS        20
#define MAX_SET     1000

static const int set_sizes[] = { 0, 10, 100, 1000 };
#define NSETS ((int)(sizeof set_sizes / sizeof set_sizes[0]))

static void
die(const char *what, int err)
{
	fprintf(stderr, "bench-edits: %s: %s\n", what, mp_strerror(err));
	exit(1);
}

static float
frand(unsigned *seed, float lo, float hi)
{
	return lo + (hi - lo) * (float)rand_r(seed) / (float)RAND_MAX;
}

/* The height of the unedited ground at (x, z): a ray straight down from
 * top through an empty edit set, at most depth long. */
static float
ground_at(const mp_edits *none, const mp_field *f, float x, float z,
    float top, float depth)
{
	float from[3] = { x, top, z }, down[3] = { 0.0f, -1.0f, 0.0f }, hit[3];
	int e;

	if ((e = mp_edits_raycast(none, f, from, down, depth, hit)) != MP_OK)
		die("no ground under the chunk", e);
	return hit[1];
}

/* --- cost per chunk ------------------------------------------------------ */

/* The chunk: the seed field's ground runs through it. */
static mp_request
cost_chunk(void)
{
	mp_request r;

	mp_request_init(&r);
	r.cx = 0, r.cy = -1, r.cz = 0;
	return r;
}

/* A small brush centred in the chunk whose world box starts at lo, at
 * most 3 voxels off the ground, its shape well inside the chunk. */
static mp_brush
small_brush(unsigned *seed, const mp_edits *none, const mp_field *f,
    const float lo[3], float span)
{
	mp_brush b;
	float c[3], half;
	int i;

	memset(&b, 0, sizeof b);
	b.shape = (uint8_t)(rand_r(seed) % 3);
	b.op = (uint8_t)(rand_r(seed) % 3);
	b.material = (uint8_t)(1 + rand_r(seed) % 200);
	c[0] = lo[0] + frand(seed, 4.0f, span - 4.0f);
	c[2] = lo[2] + frand(seed, 4.0f, span - 4.0f);
	c[1] = ground_at(none, f, c[0], c[2], lo[1] + 2 * span, 4 * span) +
	    frand(seed, -3.0f, 3.0f);
	c[1] = fminf(fmaxf(c[1], lo[1] + 4.0f), lo[1] + span - 4.0f);
	switch (b.shape) {
	case MP_BRUSH_SPHERE:
		memcpy(b.a, c, sizeof b.a);
		b.radius = frand(seed, 1.0f, 2.0f);
		break;
	case MP_BRUSH_BOX:
		for (i = 0; i < 3; i++) {
			half = frand(seed, 0.5f, 2.0f);
			b.a[i] = c[i] - half, b.b[i] = c[i] + half;
		}
		b.radius = rand_r(seed) % 2 ? 0.25f : 0.0f;     /* rounded */
		break;
	default:
		memcpy(b.a, c, sizeof b.a);
		for (i = 0; i < 3; i++)
			b.b[i] = c[i] + frand(seed, -2.0f, 2.0f);
		b.radius = frand(seed, 0.5f, 1.5f);
		break;
	}
	b.smooth = rand_r(seed) % 4 == 0 ? 1.0f : 0.0f;
	return b;
}

/* set[k]: the first set_sizes[k] brushes of one fixed sequence. */
static void
make_sets(const mp_request *r, mp_edits *set[NSETS])
{
	float span = (float)r->cells * r->voxel_size;
	float lo[3] = { (float)r->cx * span, (float)r->cy * span,
	    (float)r->cz * span };
	unsigned seed = SEED;
	mp_edits *none;
	int k, i, e;

	if ((e = mp_edits_new(&none)) != MP_OK)
		die("mp_edits_new", e);
	for (k = 0; k < NSETS; k++)
		if ((e = mp_edits_new(&set[k])) != MP_OK)
			die("mp_edits_new", e);
	for (i = 0; i < MAX_SET; i++) {
		mp_brush b = small_brush(&seed, none, &r->field, lo, span);

		for (k = 0; k < NSETS; k++)
			if (i < set_sizes[k] && (e = mp_edits_add(set[k], &b)) != MP_OK) {
				fprintf(stderr, "bench-edits: brush %d: %s\n", i,
				    mp_brush_problem(&b) ? mp_brush_problem(&b) :
				    mp_strerror(e));
				exit(1);
			}
	}
	mp_edits_free(none);
}

/* Mean microseconds of reps meshes of r under e (NULL: mp_mesh_local);
 * the triangles of the mesh into *tris. */
static double
mesh_us(const mp_request *r, const mp_edits *e, int reps, uint32_t *tris)
{
	double spent = 0;
	int i, err;

	for (i = 0; i < reps; i++) {
		mp_mesh_buf b;
		double t0 = bench_ns();

		err = e != NULL ? mp_mesh_local_edited(r, e, &b) : mp_mesh_local(r, &b);
		spent += bench_ns() - t0;
		if (err != MP_OK)
			die("meshing the chunk", err);
		*tris = b.index_count / 3;
		mp_mesh_buf_free(&b);
	}
	return spent / 1e3 / reps;
}

static void
cost(void)
{
	mp_request r = cost_chunk();
	mp_edits *set[NSETS];
	double us[NSETS + 1][RUNS], med[NSETS + 1];
	uint32_t tris[NSETS + 1];
	int run, k;

	make_sets(&r, set);
	mesh_us(&r, set[0], 2, &tris[0]);       /* the thread's scratch */
	for (run = 0; run < RUNS; run++) {
		for (k = 0; k < NSETS; k++)
			us[k][run] = mesh_us(&r, set[k], REPS, &tris[k]);
		us[NSETS][run] = mesh_us(&r, NULL, REPS, &tris[NSETS]);
	}
	for (k = 0; k <= NSETS; k++)
		med[k] = bench_median(us[k], RUNS);
	printf("bench-edits: LOD 0 chunk (%d, %d, %d) of %u cells, "
	    "mp_mesh_local_edited, median of %d runs of %d\n", r.cx, r.cy, r.cz,
	    r.cells, RUNS, REPS);
	printf("  %-26s %10s %8s %8s %12s\n", "brushes in the chunk", "us/chunk",
	    "vs 0", "tris", "us/brush");
	printf("  %-26s %10.1f %7.2fx %8u\n", "none, mp_mesh_local", med[NSETS],
	    med[NSETS] / med[0], tris[NSETS]);
	for (k = 0; k < NSETS; k++) {
		printf("  %-26d %10.1f %7.2fx %8u", set_sizes[k], med[k],
		    med[k] / med[0], tris[k]);
		if (k > 0)
			printf(" %12.3f", (med[k] - med[0]) / set_sizes[k]);
		printf("\n");
	}
	printf("  1,000 small brushes: %.2fx an unedited chunk (goal: well under "
	    "10x)\n", med[NSETS - 1] / med[0]);
	for (k = 0; k < NSETS; k++)
		mp_edits_free(set[k]);
}

/* One mesh of the chunk under the first n brushes (n one of the set
 * sizes), after one plain mesh that sets up the thread's scratch: what
 * callgrind counts with --toggle-collect=mp_mesh_local_edited. */
static int
once(int n, int times)
{
	mp_request r = cost_chunk();
	mp_edits *set[NSETS];
	mp_mesh_buf b;
	uint32_t tris;
	int k, e, i;

	for (k = 0; k < NSETS && set_sizes[k] != n; k++)
		;
	if (k == NSETS) {
		fprintf(stderr, "bench-edits: --once takes 0, 10, 100 or 1000\n");
		return 2;
	}
	make_sets(&r, set);
	mesh_us(&r, NULL, 1, &tris);
	for (i = 0; i < times; i++) {
		if ((e = mp_mesh_local_edited(&r, set[k], &b)) != MP_OK)
			die("meshing the chunk", e);
		if (i + 1 == times)
			printf("%d brushes: %u triangles\n", n, b.index_count / 3);
		mp_mesh_buf_free(&b);
	}
	for (k = 0; k < NSETS; k++)
		mp_edits_free(set[k]);
	return 0;
}

/* --- edit latency -------------------------------------------------------- */

#define LAT_WORKERS  2
/* Far chunks out at once: 16 per worker, over a millisecond of work each,
 * so neither runs dry while this host is late to poll. */
#define BG_IN_FLIGHT 32
#define BG_LANE      3
#define DIG_LANE     0
#define DIG_RADIUS   3.0f
#define FRAME_NS     (1e9 / 60)
#define EDIT_BIT     (1ull << 63)       /* user_data: group << 8 | member */
#define MAX_MEMBERS  64
#define MAX_LIVE     512
#define POLL_MAX     256

struct group {
	double   t0, t_out;     /* its brush was added; all of it polled (ns) */
	uint32_t size, got;
	uint64_t call;          /* the mp_poll call its first member came in */
	uint32_t by;            /* 1 + the last dig that cancelled a member of
	                         * it, or 0 */
};

struct live {                   /* a dig's request still out, by chunk */
	int32_t  c[3];
	uint64_t user_data;
};

/* The backlog at two moments: 1 s in, and the end. */
#define LOOKS 2

struct backlog {
	double    at_ns;
	long long queued, in_flight;    /* the daemon's status */
	size_t    pending;              /* ours: submitted, not polled */
	uint32_t  digs_out;             /* most earlier digs still out when
	                                 * one was made, since the last look */
};

/* Reads the daemon's status at the moments of b[] from a thread of its
 * own: a round trip to the supervisor, which on a busy machine can take
 * longer than the workers need to run dry if the host loop waited on it. */
struct monitor {
	const struct daemon *d;
	struct backlog      *b;
	_Atomic int          done;
};

struct player {
	mp_client     *c;
	mp_edits      *edits, *none;
	struct group  *g;
	uint32_t       ngroups, maxgroups, groups_in;
	struct live    live[MAX_LIVE];
	uint32_t       nlive;
	uint64_t       calls;           /* mp_poll calls that returned results */
	uint32_t       digs_out;        /* see struct backlog */
	long           bg_out, bg_sent, bg_done, members, cancels, superseded,
	               split, failed, retries, skipped;
};

/* The next far chunk of the background stream: LOD 2, 1,000 and more
 * world units away from the player, around the ground. */
static int
bg_top_up(struct player *p)
{
	while (p->bg_out < BG_IN_FLIGHT) {
		uint32_t i = (uint32_t)p->bg_sent;
		mp_request r;
		int e;

		mp_request_init(&r);
		r.lod = 2;
		r.priority = BG_LANE;
		r.cx = 8 + (int32_t)(i % 16);
		r.cz = -8 + (int32_t)(i / 16 % 16);
		r.cy = -(int32_t)(i / 256 % 2);
		r.user_data = i;
		if ((e = mp_submit(p->c, &r)) == MP_EAGAIN)
			break;
		if (e != MP_OK)
			return e;
		p->bg_out++, p->bg_sent++;
	}
	return MP_OK;
}

static struct live *
live_find(struct player *p, const int32_t c[3])
{
	uint32_t i;

	for (i = 0; i < p->nlive; i++)
		if (memcmp(p->live[i].c, c, sizeof p->live[i].c) == 0)
			return &p->live[i];
	return NULL;
}

/* A dig's result is in: its chunk has nothing out any more, unless a later
 * dig's request for it replaced this one. */
static void
live_forget(struct player *p, uint64_t user_data)
{
	uint32_t i;

	for (i = 0; i < p->nlive; i++)
		if (p->live[i].user_data == user_data) {
			p->live[i] = p->live[--p->nlive];
			return;
		}
}

/* Chunk c is about to be meshed again for a newer dig: cancel what an
 * earlier dig still has out for it, and remember the new request. */
static void
supersede(struct player *p, const int32_t c[3], uint64_t user_data)
{
	struct live *l = live_find(p, c);

	if (l != NULL && mp_cancel(p->c, l->user_data) == MP_OK) {
		struct group *old = &p->g[(l->user_data & ~EDIT_BIT) >> 8];

		p->cancels++;
		p->superseded += old->by == 0;
		old->by = p->ngroups + 1;       /* the dig being made */
	}
	if (l == NULL) {
		if (p->nlive == MAX_LIVE)
			die("too many dug chunks out", MP_ENOMEM);
		l = &p->live[p->nlive++];
		memcpy(l->c, c, sizeof l->c);
	}
	l->user_data = user_data;
}

/* Results in: background ones counted and replaced by the caller, a dig's
 * members checked to come out together.  The count, or MP_EDISCONNECTED. */
static int
take_results(struct player *p)
{
	mp_result res[POLL_MAX];
	double now;
	int n, i;

	if ((n = mp_poll(p->c, res, POLL_MAX)) <= 0)
		return n;
	now = bench_ns();
	p->calls++;
	for (i = 0; i < n; i++) {
		const mp_result *r = &res[i];
		struct group *g;

		if (!(r->user_data & EDIT_BIT)) {
			p->bg_out--;
			p->bg_done += r->status == MP_OK;
			p->failed += r->status != MP_OK;
			mp_release(p->c, r);
			continue;
		}
		g = &p->g[(r->user_data & ~EDIT_BIT) >> 8];
		live_forget(p, r->user_data);
		if (r->status != MP_OK && r->status != MP_ECANCELED)
			p->failed++;
		if (g->got++ == 0)
			g->call = p->calls;
		else if (g->call != p->calls)
			p->split++;
		if (g->got == g->size) {
			g->t_out = now;
			p->groups_in++;
		}
		mp_release(p->c, r);
	}
	return n;
}

/* Dig at step `step` of the path: one sphere into the ground, its chunks
 * out as one group.  The group is submitted again (the results polled
 * meanwhile) while the daemon says it is full. */
static void
dig(struct player *p, uint32_t step)
{
	float x = -150.0f + 0.5f * (float)step;         /* 30 voxels a second */
	float z = 8.0f + 10.0f * sinf((float)step * 0.02f);
	mp_brush b = { .shape = MP_BRUSH_SPHERE, .op = MP_EDIT_SUBTRACT,
	    .radius = DIG_RADIUS };
	mp_request like, q[MAX_MEMBERS];
	struct group *g;
	int32_t lo[3], hi[3], c[3];
	size_t n = 0;
	int e;

	mp_request_init(&like);
	b.a[0] = x, b.a[2] = z;
	b.a[1] = ground_at(p->none, &like.field, x, z, 64.0f, 128.0f);
	if (p->ngroups == p->maxgroups)
		die("more digs than planned", MP_ENOMEM);
	if (p->ngroups - p->groups_in > p->digs_out)
		p->digs_out = p->ngroups - p->groups_in;
	g = &p->g[p->ngroups];
	memset(g, 0, sizeof *g);
	g->t0 = bench_ns();
	if ((e = mp_edits_add(p->edits, &b)) != MP_OK)
		die(mp_brush_problem(&b) ? mp_brush_problem(&b) : "mp_edits_add", e);
	if ((e = mp_edits_chunks(&b, &like, lo, hi)) != MP_OK)
		die("mp_edits_chunks", e);
	for (c[0] = lo[0]; c[0] <= hi[0]; c[0]++)
		for (c[1] = lo[1]; c[1] <= hi[1]; c[1]++)
			for (c[2] = lo[2]; c[2] <= hi[2]; c[2]++) {
				if (n == MAX_MEMBERS)
					die("a dig touches too many chunks", MP_EINVAL);
				q[n] = like;
				q[n].cx = c[0], q[n].cy = c[1], q[n].cz = c[2];
				q[n].priority = DIG_LANE;
				q[n].user_data = EDIT_BIT | (uint64_t)p->ngroups << 8 | n;
				supersede(p, c, q[n].user_data);
				n++;
			}
	g->size = (uint32_t)n;
	p->ngroups++;
	p->members += (long)n;
	while ((e = mp_submit_group(p->c, q, n, p->edits)) == MP_EAGAIN) {
		p->retries++;
		if (take_results(p) < 0)
			die("mp_poll", MP_EDISCONNECTED);
	}
	if (e == MP_EINVAL && mp_request_problem(&q[0]) != NULL)
		die(mp_request_problem(&q[0]), e);
	if (e != MP_OK)
		die("mp_submit_group", e);
}

static void *
monitor(void *arg)
{
	struct monitor *m = arg;
	char st[16384];
	int i;

	for (i = 0; i < LOOKS; i++) {
		double left = m->b[i].at_ns - bench_ns();

		if (left > 0)
			usleep((useconds_t)(left / 1e3));
		m->b[i].queued = m->b[i].in_flight = -1;
		if (daemon_status(m->d, st, sizeof st) == 0) {
			m->b[i].queued = json_num(st, "queued");
			m->b[i].in_flight = json_num(st, "in_flight");
		}
	}
	atomic_store(&m->done, 1);
	return NULL;
}

/* This client's side of the backlog, when the monitor looks. */
static void
own_backlog(struct player *p, struct backlog *b)
{
	b->pending = mp_pending(p->c);
	b->digs_out = p->digs_out;
	p->digs_out = 0;
}

static void
print_backlog(double t0, const struct backlog *b)
{
	printf("  backlog at %4.1f s: daemon %lld queued, %lld meshing; this "
	    "client %zu requests out; earlier digs still out at a dig: at most "
	    "%u\n", (b->at_ns - t0) / 1e9, b->queued, b->in_flight, b->pending,
	    b->digs_out);
}

/* The host's work between digs: take what is in, keep the stream full,
 * and sleep until something is in (at most wait_ms) if nothing was. */
static void
serve(struct player *p, int wait_ms)
{
	int n, e;

	if ((n = take_results(p)) < 0)
		die("mp_poll", n);
	if ((e = bg_top_up(p)) != MP_OK)
		die("mp_submit", e);
	if (n == 0 && (e = mp_wait(p->c, wait_ms)) != MP_OK && e != MP_ETIMEDOUT)
		die("mp_wait", e);
}

/* Digs every frame while the background stream runs, taking results as
 * soon as they are in, until b[LOOKS - 1].at_ns; then keeps the stream
 * going until the monitor has read the daemon's status, and waits for the
 * last dig. */
static void
play(struct player *p, struct daemon *d, struct backlog *b)
{
	struct monitor m = { d, b, 0 };
	double t0 = bench_ns(), next = t0, now;
	uint32_t step = 0;
	int look = 0;
	pthread_t th;

	if (pthread_create(&th, NULL, monitor, &m) != 0)
		die("pthread_create", MP_ENOMEM);
	while ((now = bench_ns()) < b[LOOKS - 1].at_ns) {
		if (now >= next) {
			dig(p, step++);
			/* A frame loop that fell behind (this process not run
			 * for a while) makes one frame, not a burst of them. */
			if ((next += FRAME_NS) < now) {
				p->skipped += (long)((now - next) / FRAME_NS) + 1;
				next = now + FRAME_NS;
			}
		}
		if (look < LOOKS - 1 && now >= b[look].at_ns)
			own_backlog(p, &b[look++]);
		serve(p, (int)ceil(fmax(next - now, 0) / 1e6));
	}
	own_backlog(p, &b[LOOKS - 1]);
	p->bg_done = (long)(p->bg_done / ((bench_ns() - t0) / 1e9));  /* per s */
	while (!atomic_load(&m.done) || p->groups_in < p->ngroups)
		serve(p, 1);
	pthread_join(th, NULL);
}

/* From dig i's brush until its change was all polled: its own group, or
 * if later digs cancelled members of it, also the groups that meshed those
 * chunks again (each carries every brush before it). */
static double
effect_ms(const struct player *p, uint32_t i)
{
	double out = p->g[i].t_out;
	uint32_t k = i;

	while (p->g[k].by != 0) {
		k = p->g[k].by - 1;
		out = fmax(out, p->g[k].t_out);
	}
	return (out - p->g[i].t0) / 1e6;
}

/* The median of v[0..n), n <= 64, leaving v as it is. */
static double
median_of(const double *v, uint32_t n)
{
	double t[64];

	if (n == 0 || n > 64)
		return 0;
	memcpy(t, v, n * sizeof *t);
	return bench_median(t, (int)n);
}

static void
latency(double seconds)
{
	struct daemon d;
	struct player p;
	struct backlog b[LOOKS];
	double p50, p99, max, first, last, t0, *ms;
	uint32_t k, n60;
	int e, i;

	memset(&p, 0, sizeof p);
	memset(b, 0, sizeof b);
	p.maxgroups = (uint32_t)(seconds * 60) + 64;
	p.g = calloc(p.maxgroups, sizeof *p.g);
	ms = calloc(p.maxgroups, sizeof *ms);
	if (p.g == NULL || ms == NULL)
		die("latency", MP_ENOMEM);
	if ((e = mp_edits_new(&p.edits)) != MP_OK ||
	    (e = mp_edits_new(&p.none)) != MP_OK)
		die("mp_edits_new", e);
	fflush(stdout);         /* the daemon's fork would write it again */
	if (daemon_start(&d, LAT_WORKERS, NULL) != 0) {
		fprintf(stderr, "bench-edits: cannot start ./meshpoold\n");
		exit(1);
	}
	if ((e = mp_connect(d.name, &p.c)) != MP_OK) {
		fprintf(stderr, "bench-edits: %s\n", mp_connect_problem());
		exit(1);
	}
	t0 = bench_ns();
	b[0].at_ns = t0 + 1e9;
	b[LOOKS - 1].at_ns = t0 + seconds * 1e9;
	play(&p, &d, b);
	for (k = 0; k < p.ngroups; k++)
		ms[k] = effect_ms(&p, k);
	n60 = p.ngroups < 60 ? p.ngroups : 60;
	first = median_of(ms, n60);
	last = median_of(ms + p.ngroups - n60, n60);
	bench_sort(ms, (int)p.ngroups);
	p50 = ms[p.ngroups / 2];
	p99 = ms[(size_t)(p.ngroups * 0.99)];
	max = ms[p.ngroups - 1];
	printf("edit latency: meshpoold, %d workers, %d far LOD 2 chunks kept in "
	    "flight in lane %d;\n  a dig (sphere r %.0f, subtract) every 1/60 s "
	    "for %.0f s, its chunks one group in lane %d\n", LAT_WORKERS,
	    BG_IN_FLIGHT, BG_LANE, DIG_RADIUS, seconds, DIG_LANE);
	printf("  digs %u (%.1f chunks each; %ld frames skipped, the host late): "
	    "%u groups done whole, %ld superseded (%ld requests cancelled), %ld "
	    "split, %ld failed, %ld resubmits\n", p.ngroups,
	    (double)p.members / p.ngroups, p.skipped,
	    p.ngroups - (uint32_t)p.superseded, p.superseded,
	    p.cancels, p.split, p.failed, p.retries);
	printf("  brush to its group out of mp_poll: p50 %.2f ms (target < 3), "
	    "p99 %.2f ms (target < 16.7), max %.2f ms\n", p50, p99, max);
	printf("    (a superseded dig: until the groups that meshed its "
	    "cancelled chunks again were out too)\n");
	printf("  p50 of the first 60 digs %.2f ms, of the last 60 %.2f ms\n",
	    first, last);
	printf("  background stream meanwhile: %ld chunks/s\n", p.bg_done);
	for (i = 0; i < LOOKS; i++)
		print_backlog(t0, &b[i]);
	mp_disconnect(p.c);
	daemon_stop(&d, SIGTERM);
	unlink(d.log);
	mp_edits_free(p.edits);
	mp_edits_free(p.none);
	free(p.g);
	free(ms);
}

int
main(int argc, char **argv)
{
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "--once") == 0)
		return once(atoi(argv[2]), argc == 4 && atoi(argv[3]) > 0 ?
		    atoi(argv[3]) : 1);
	if (argc == 3 && strcmp(argv[1], "--latency") == 0) {
		latency(atof(argv[2]) > 0 ? atof(argv[2]) : 10);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--cost") == 0) {
		cost();
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: bench-edits [--cost | --latency SECONDS | "
		    "--once N [TIMES]]\n");
		return 2;
	}
	cost();
	latency(10);
	return 0;
}
