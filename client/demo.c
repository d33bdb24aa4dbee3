/*
 * demo.c - "meshpoolctl demo": mesh a terrain region with LOD rings
 * around the origin through a daemon (a private one unless -n is given),
 * show progress, print throughput and latency, and write the welded mesh
 * as Wavefront OBJ (and binary glTF with --glb).
 *
 * Layout: level L (0..levels-1) covers chunks [-k, k)^2 of its own size
 * on x and z, minus the centre [-k/2, k/2)^2 that level L-1 covers, and
 * y chunks -1 and 0 (the seed terrain stays within +-10).  A chunk of
 * level L >= 1 has a transition bit on each face whose neighbour is in
 * that centre, i.e. one level finer, and an edge bit on each edge whose
 * diagonal chunk is.  Seams are bit-exact, so the mesh welds by position.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "demo.h"
#include "meshpool.h"
#include "monotime.h"
#include "mp_paths.h"

#define LEVELS 3

struct weld {                   /* open-addressing table of vertices */
	uint32_t *slot;             /* vertex index + 1, 0 = empty */
	size_t    cap;
	float    *pos, *nrm;
	size_t    nv, vcap;
	uint32_t *idx;
	size_t    ni, icap;
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

/* Where a chunk's faces and edges lead: the neighbour across a face, the
 * chunk diagonally across an edge. */
static const struct { int8_t o[3]; uint16_t bit; } faces[6] = {
	{ { -1, 0, 0 }, MP_TRANS_NX }, { { 1, 0, 0 }, MP_TRANS_PX },
	{ { 0, -1, 0 }, MP_TRANS_NY }, { { 0, 1, 0 }, MP_TRANS_PY },
	{ { 0, 0, -1 }, MP_TRANS_NZ }, { { 0, 0, 1 }, MP_TRANS_PZ },
}, edges[12] = {
	{ { -1, -1, 0 }, MP_EDGE_NX_NY }, { { 1, -1, 0 }, MP_EDGE_PX_NY },
	{ { -1, 1, 0 }, MP_EDGE_NX_PY }, { { 1, 1, 0 }, MP_EDGE_PX_PY },
	{ { -1, 0, -1 }, MP_EDGE_NX_NZ }, { { 1, 0, -1 }, MP_EDGE_PX_NZ },
	{ { -1, 0, 1 }, MP_EDGE_NX_PZ }, { { 1, 0, 1 }, MP_EDGE_PX_PZ },
	{ { 0, -1, -1 }, MP_EDGE_NY_NZ }, { { 0, 1, -1 }, MP_EDGE_PY_NZ },
	{ { 0, -1, 1 }, MP_EDGE_NY_PZ }, { { 0, 1, 1 }, MP_EDGE_PY_PZ },
};

/* Transition bits (faces toward a finer neighbour) and edge bits (a finer
 * chunk diagonally across), so the mesher can give the transition cells
 * their full width where two neighbouring chunks both have them. */
static void
set_neighbours(mp_request *r, int k)
{
	int lev = r->lod, i;

	for (i = 0; i < 6; i++)
		if (finer(lev, r->cx + faces[i].o[0], r->cy + faces[i].o[1],
		    r->cz + faces[i].o[2], k))
			r->transitions |= (uint8_t)faces[i].bit;
	for (i = 0; i < 12; i++)
		if (finer(lev, r->cx + edges[i].o[0], r->cy + edges[i].o[1],
		    r->cz + edges[i].o[2], k))
			r->edges |= edges[i].bit;
}

/* The request list of the layout; returns the count (reqs may be NULL). */
static size_t
layout(int k, mp_request *reqs)
{
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
					set_neighbours(r, k);
				}
	return n;
}

static uint64_t
hash3(const float *p)
{
	uint32_t b[3];
	uint64_t h;

	memcpy(b, p, sizeof b);
	h = (uint64_t)b[0] * 0x9e3779b97f4a7c15ull ^ (uint64_t)b[1] *
	    0xc2b2ae3d27d4eb4full ^ (uint64_t)b[2] * 0x165667b19e3779f9ull;
	return h ^ (h >> 29);
}

static int
rehash(struct weld *w)
{
	size_t cap = w->cap ? w->cap * 2 : 1 << 16, i;
	uint32_t *s = calloc(cap, sizeof *s);

	if (s == NULL)
		return -1;
	for (i = 0; i < w->nv; i++) {
		size_t h = hash3(&w->pos[3 * i]) & (cap - 1);

		while (s[h] != 0)
			h = (h + 1) & (cap - 1);
		s[h] = (uint32_t)i + 1;
	}
	free(w->slot);
	w->slot = s;
	w->cap = cap;
	return 0;
}

/* The welded index of vertex p (bit-equal positions are one vertex). */
static int64_t
weld_vertex(struct weld *w, const float *p, const float *n)
{
	size_t h;
	uint32_t v;

	if ((w->nv + 1) * 2 > w->cap && rehash(w) != 0)
		return -1;
	for (h = hash3(p) & (w->cap - 1); (v = w->slot[h]) != 0;
	    h = (h + 1) & (w->cap - 1))
		if (memcmp(&w->pos[3 * (v - 1)], p, 12) == 0)
			return v - 1;
	if (w->nv + 1 > w->vcap) {
		size_t cap = w->vcap;
		float *nrm;

		if (array_grow((void **)&w->pos, &cap, w->nv + 1, 12) != 0 ||
		    (nrm = realloc(w->nrm, cap * 12)) == NULL)
			return -1;
		w->nrm = nrm;
		w->vcap = cap;
	}
	memcpy(&w->pos[3 * w->nv], p, 12);
	memcpy(&w->nrm[3 * w->nv], n, 12);
	w->slot[h] = (uint32_t)++w->nv;
	return (int64_t)w->nv - 1;
}

static int
weld_mesh(struct weld *w, const mp_mesh_view *v)
{
	uint32_t i;

	if (array_grow((void **)&w->idx, &w->icap, w->ni + v->index_count, 4) != 0)
		return -1;
	for (i = 0; i + 2 < v->index_count; i += 3) {
		int64_t at[3];
		int j;

		for (j = 0; j < 3; j++) {
			uint32_t k = v->indices[i + (uint32_t)j];

			if (k >= v->vertex_count || (at[j] = weld_vertex(w,
			    &v->positions[3 * k], &v->normals[3 * k])) < 0)
				return -1;
		}
		for (j = 0; j < 3; j++)
			w->idx[w->ni++] = (uint32_t)at[j];
	}
	return 0;
}

static int
write_obj(const struct weld *w, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL)
		return -1;
	fprintf(f, "# meshpool demo: %zu vertices, %zu triangles\n", w->nv,
	    w->ni / 3);
	for (i = 0; i < w->nv; i++)
		fprintf(f, "v %.9g %.9g %.9g\n", w->pos[3 * i], w->pos[3 * i + 1],
		    w->pos[3 * i + 2]);
	for (i = 0; i < w->nv; i++)
		fprintf(f, "vn %.6g %.6g %.6g\n", w->nrm[3 * i], w->nrm[3 * i + 1],
		    w->nrm[3 * i + 2]);
	for (i = 0; i + 2 < w->ni; i += 3)
		fprintf(f, "f %u//%u %u//%u %u//%u\n", w->idx[i] + 1, w->idx[i] + 1,
		    w->idx[i + 1] + 1, w->idx[i + 1] + 1, w->idx[i + 2] + 1,
		    w->idx[i + 2] + 1);
	return fclose(f) == 0 ? 0 : -1;
}

/* glTF 2.0 binary: one mesh, one primitive, three buffer views. */
static int
write_glb(const struct weld *w, const char *path)
{
	float lo[3] = { 0, 0, 0 }, hi[3] = { 0, 0, 0 };
	size_t vb = w->nv * 12, ib = w->ni * 4, bin = 2 * vb + ib, i, j;
	char json[2048];
	uint32_t hdr[3], chunk[2], jlen;
	int n;
	FILE *f;

	for (i = 0; i < w->nv; i++)
		for (j = 0; j < 3; j++) {
			float c = w->pos[3 * i + j];

			if (i == 0 || c < lo[j])
				lo[j] = c;
			if (i == 0 || c > hi[j])
				hi[j] = c;
		}
	n = snprintf(json, sizeof json,
	    "{\"asset\":{\"version\":\"2.0\",\"generator\":\"meshpool demo\"},"
	    "\"scene\":0,\"scenes\":[{\"nodes\":[0]}],\"nodes\":[{\"mesh\":0}],"
	    "\"meshes\":[{\"primitives\":[{\"attributes\":{\"POSITION\":0,"
	    "\"NORMAL\":1},\"indices\":2}]}],"
	    "\"buffers\":[{\"byteLength\":%zu}],"
	    "\"bufferViews\":[{\"buffer\":0,\"byteOffset\":0,\"byteLength\":%zu,"
	    "\"target\":34962},{\"buffer\":0,\"byteOffset\":%zu,\"byteLength\":%zu,"
	    "\"target\":34962},{\"buffer\":0,\"byteOffset\":%zu,\"byteLength\":%zu,"
	    "\"target\":34963}],"
	    "\"accessors\":[{\"bufferView\":0,\"componentType\":5126,\"count\":%zu,"
	    "\"type\":\"VEC3\",\"min\":[%.9g,%.9g,%.9g],\"max\":[%.9g,%.9g,%.9g]},"
	    "{\"bufferView\":1,\"componentType\":5126,\"count\":%zu,\"type\":\"VEC3\"},"
	    "{\"bufferView\":2,\"componentType\":5125,\"count\":%zu,"
	    "\"type\":\"SCALAR\"}]}", bin, vb, vb, vb, 2 * vb, ib, w->nv,
	    lo[0], lo[1], lo[2], hi[0], hi[1], hi[2], w->nv, w->ni);
	if (n < 0 || (size_t)n >= sizeof json)
		return -1;
	while (n % 4 != 0)
		json[n++] = ' ';    /* chunks are 4-byte aligned; pad with spaces */
	jlen = (uint32_t)n;
	hdr[0] = 0x46546c67;        /* "glTF" */
	hdr[1] = 2;
	hdr[2] = (uint32_t)(12 + 8 + jlen + 8 + bin);
	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	fwrite(hdr, 4, 3, f);
	chunk[0] = jlen, chunk[1] = 0x4e4f534a;     /* "JSON" */
	fwrite(chunk, 4, 2, f);
	fwrite(json, 1, jlen, f);
	chunk[0] = (uint32_t)bin, chunk[1] = 0x004e4942;   /* "BIN\0" */
	fwrite(chunk, 4, 2, f);
	fwrite(w->pos, 1, vb, f);
	fwrite(w->nrm, 1, vb, f);
	fwrite(w->idx, 1, ib, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Start a private meshpoold named name; its pid, or -1. */
static pid_t
start_private(const char *name)
{
	const char *bin = getenv("MESHPOOLD");
	pid_t pid;
	int i;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		char *argv[] = { "meshpoold", "-f", "-n", (char *)name, "-c",
		    "/dev/null", NULL };

		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(127);
		if (bin != NULL)
			execv(bin, argv);
		execv(SBINDIR "/meshpoold", argv);
		execvp("meshpoold", argv);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		mp_client *c;
		int st;

		if (mp_connect(name, &c) == MP_OK) {
			mp_disconnect(c);
			return pid;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGTERM);
	return -1;
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

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
demo_run(const char *instance, int size, const char *obj, const char *glb)
{
	char name[64];
	pid_t daemon = 0;
	mp_client *c;
	mp_request *reqs;
	double *sent_at, *lat, t0;
	size_t n, sent = 0, got = 0, failed = 0;
	struct weld w;
	int r, tty = isatty(2), rc = 0;

	memset(&w, 0, sizeof w);
	if (instance == NULL) {
		snprintf(name, sizeof name, "demo-%ld", (long)getpid());
		if ((daemon = start_private(name)) < 0) {
			fprintf(stderr, "meshpoolctl: demo: cannot start meshpoold "
			    "(set MESHPOOLD to its path)\n");
			return 1;
		}
		instance = name;
	}
	if ((r = mp_connect(instance, &c)) != MP_OK) {
		fprintf(stderr, "meshpoolctl: demo: %s\n", mp_strerror(r));
		return r == MP_ENOENT ? 3 : 1;
	}
	n = layout(size, NULL);
	reqs = calloc(n, sizeof *reqs);
	sent_at = calloc(n, sizeof *sent_at);
	lat = calloc(n, sizeof *lat);
	if (!reqs || !sent_at || !lat)
		return 1;
	layout(size, reqs);
	fprintf(stderr, "meshing %zu chunks (%d LOD levels, %d x %d chunks each) "
	    "through \"%s\"\n", n, LEVELS, 2 * size, 2 * size, instance);
	t0 = now_s();
	while (got < n) {
		mp_result res[64];
		int k, i;

		while (sent < n && mp_submit(c, &reqs[sent]) == MP_OK)
			sent_at[sent++] = now_s();
		if ((k = mp_poll(c, res, 64)) == 0) {
			mp_wait(c, 1000);
			continue;
		}
		if (k < 0) {
			fprintf(stderr, "meshpoolctl: demo: %s\n", mp_strerror(k));
			rc = 1;
			break;
		}
		for (i = 0; i < k; i++) {
			mp_mesh_view v;

			lat[got] = now_s() - sent_at[res[i].user_data];
			if (res[i].status != MP_OK)
				failed++;
			else if (mp_mesh(c, &res[i], &v) != MP_OK || weld_mesh(&w, &v) != 0)
				failed++;
			mp_release(c, &res[i]);
			got++;
		}
		progress(tty, got, n, t0);
	}
	t0 = now_s() - t0;
	mp_disconnect(c);
	if (daemon > 0) {
		kill(daemon, SIGTERM);
		waitpid(daemon, NULL, 0);
	}
	if (rc == 0) {
		qsort(lat, got, sizeof *lat, cmp_d);
		printf("%zu chunks in %.2f s: %.0f chunks/s; latency p50 %.2f ms, "
		    "p99 %.2f ms; %zu failed\n", n, t0, n / t0, 1e3 * lat[got / 2],
		    1e3 * lat[got * 99 / 100], failed);
		printf("welded mesh: %zu vertices, %zu triangles\n", w.nv, w.ni / 3);
		if (obj != NULL && write_obj(&w, obj) != 0) {
			fprintf(stderr, "meshpoolctl: demo: %s: %s\n", obj, strerror(errno));
			rc = 1;
		} else if (obj != NULL)
			printf("wrote %s\n", obj);
		if (glb != NULL && write_glb(&w, glb) != 0) {
			fprintf(stderr, "meshpoolctl: demo: %s: %s\n", glb, strerror(errno));
			rc = 1;
		} else if (glb != NULL)
			printf("wrote %s\n", glb);
		if (failed > 0)
			rc = 1;
	}
	free(reqs), free(sent_at), free(lat);
	free(w.slot), free(w.pos), free(w.nrm), free(w.idx);
	return rc;
}
