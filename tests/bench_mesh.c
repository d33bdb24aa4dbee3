/*
 * bench_mesh.c - in-process mesher throughput on the seed workload
 * (HEIGHTMAP seed 42, 4 octaves, frequency 0.02, amplitude 10, offset 0,
 * 32 cells, voxel 1) over a 16 x 2 x 16 block of chunks, per LOD, with and
 * without transition faces, plus a VOLUME block and empty chunks.
 * Surface and empty chunks are timed separately; each figure is the median
 * of RUNS passes.  The noise column is the cost of sampling the chunk's
 * density grid (the rows the field's bound does not rule out) and its
 * transition faces' fine grids (a heightmap's chunk is timed so too,
 * though the mesher fills even fewer rows of it, around its surface);
 * extraction is the rest.  Run by "make bench".
 *
 * "bench-mesh --instr N" lists the workloads; "bench-mesh --instr N KIND"
 * meshes up to 64 surface (KIND s) or empty (KIND e) chunks of workload N
 * in mesh_list(), so callgrind --toggle-collect=mesh_list counts the
 * instructions of exactly those; it prints how many chunks that was.  KIND
 * c meshes the block with a chunk below and above it a column at a time
 * (the way a host streams: each chunk right after the one below it; cd:
 * above it) and counts only the block's own empty chunks, those inside
 * the band, that come right after a chunk which sampled their column's
 * heights (run it under callgrind with --collect-atstart=no).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT
#endif

#include "benchstat.h"
#include "field_noise.h"
#include "request.h"

#define RUNS 5

struct tally {
	double surf_us, empty_us, noise_us;
	long surf, empty, tris;
};

/* Fill grid g in full, as a field's fill does; its microseconds. */
static double
fill_time(const struct field *f, const struct grid *g, float *buf, float *tmp)
{
	double t0 = bench_ns() / 1e3;

	f->fill(f->ctx, g, buf, tmp, 0);
	return bench_ns() / 1e3 - t0;
}

/* Does the field's bound put all of grid g surely below (-1) or above (1)
 * the surface, or cannot it tell (0)? */
static int
grid_side(const struct field *f, const struct grid *g)
{
	double lo[3], hi[3];
	float dmin, dmax;
	int a;

	for (a = 0; a < 3; a++) {
		lo[a] = (double)g->g0[a] * g->voxel;
		hi[a] = (double)(g->g0[a] + (int64_t)(g->n[a] - 1) * g->step) *
		    g->voxel;
	}
	if (!f->range(f->ctx, lo, hi, &dmin, &dmax))
		return 0;
	return dmax < 0.0f ? -1 : dmin > 0.0f ? 1 : 0;
}

/* The same of row j of grid g (a whole x-z plane of it). */
static int
row_side(const struct field *f, const struct grid *g, int j)
{
	struct grid row = *g;

	row.g0[1] += (int64_t)j * g->step;
	row.n[1] = 1;
	return grid_side(f, &row);
}

/* The chunk's rows the mesher fills: all but those the field's bound
 * proves solid from below or air from above, with two rows of margin
 * below and one above (as tv_extract). */
static void
bounded_rows(const struct field *f, struct grid *g)
{
	int lo = 0, hi = g->n[1];

	while (lo < hi && row_side(f, g, lo) < 0)
		lo++;
	while (hi > lo && row_side(f, g, hi - 1) > 0)
		hi--;
	lo = lo - 2 > 0 ? lo - 2 : 0;
	hi = hi + 1 < g->n[1] - 1 ? hi + 1 : g->n[1] - 1;
	if (lo <= hi) {
		g->g0[1] += (int64_t)lo * g->step;
		g->n[1] = hi - lo + 1;
	}
}

/* Time of sampling the padded density grid of the chunk (the rows its
 * bound does not rule out), and the fine half-step grid (three layers) of
 * each transition face the bound does not prove uniform, as tv_extract
 * samples them when it fills. */
static double
noise_time(const mp_request *r, float *buf, float *tmp)
{
	struct noise_field nf;
	struct tv_chunk c;
	struct field f;
	struct grid g;
	double us;
	int a, face;

	request_chunk(r, &c);
	request_field(r, &nf);
	f = noise_field_as_field(&nf);
	for (a = 0; a < 3; a++) {
		g.g0[a] = c.g0[a] - ((int64_t)1 << c.lod);
		g.n[a] = c.cells + 3;
	}
	g.step = (int64_t)1 << c.lod;
	g.voxel = c.voxel;
	bounded_rows(&f, &g);
	us = fill_time(&f, &g, buf, tmp);
	for (face = 0; face < 6; face++) {
		int64_t h = ((int64_t)1 << c.lod) / 2;

		if (!(c.transitions & (1u << face)) || h == 0)
			continue;
		for (a = 0; a < 3; a++) {
			g.g0[a] = c.g0[a] - h;
			g.n[a] = 2 * c.cells + 3;
		}
		a = face / 2;
		g.g0[a] = c.g0[a] + (face & 1 ? (int64_t)c.cells << c.lod : 0) - h;
		g.n[a] = 3;
		g.step = h;
		if (grid_side(&f, &g) == 0)
			us += fill_time(&f, &g, buf, tmp);
	}
	return us;
}

static void
one_pass(mp_request *r, int y0, int y1, struct tally *t, float *buf, float *tmp)
{
	int x, y, z;

	memset(t, 0, sizeof *t);
	for (z = 0; z < 16; z++)
		for (y = y0; y < y1; y++)
			for (x = 0; x < 16; x++) {
				mp_mesh_buf b;
				double t0, dt;

				r->cx = x, r->cy = y, r->cz = z;
				t0 = bench_ns() / 1e3;
				if (mp_mesh_local(r, &b) != 0) {
					fprintf(stderr, "bench-mesh: mesh failed\n");
					exit(1);
				}
				dt = bench_ns() / 1e3 - t0;
				if (b.vertex_count) {
					t->surf++, t->surf_us += dt;
					t->tris += b.index_count / 3;
					t->noise_us += noise_time(r, buf, tmp);
				} else {
					t->empty++, t->empty_us += dt;
				}
				mp_mesh_buf_free(&b);
			}
}

static void
run(const char *name, mp_request *r, int y0, int y1, float *buf, float *tmp)
{
	double surf[RUNS], empty[RUNS], noise[RUNS];
	struct tally t;
	int i;

	for (i = 0; i < RUNS; i++) {
		one_pass(r, y0, y1, &t, buf, tmp);
		surf[i] = t.surf ? t.surf_us / t.surf : 0;
		empty[i] = t.empty ? t.empty_us / t.empty : 0;
		noise[i] = t.surf ? t.noise_us / t.surf : 0;
	}
	{
		double s = bench_median(surf, RUNS), e = bench_median(empty, RUNS);
		double n = bench_median(noise, RUNS);

		printf("%-28s %5ld %9.1f %9.0f %8ld %5ld %8.2f %9.1f %9.1f\n",
		    name, t.surf, s, s > 0 ? 1e6 / s : 0,
		    t.surf ? t.tris / t.surf : 0, t.empty, e, n, s - n);
	}
}

static const struct {
	const char *name;
	int lod, trans, kind, y0, y1;
} cfg[] = {
	{ "heightmap LOD0",             0, 0,    MP_FIELD_HEIGHTMAP, -1, 1 },
	{ "heightmap LOD1",             1, 0,    MP_FIELD_HEIGHTMAP, -1, 1 },
	{ "heightmap LOD1 +X trans",    1, 0x02, MP_FIELD_HEIGHTMAP, -1, 1 },
	{ "heightmap LOD1 +Y trans",    1, 0x08, MP_FIELD_HEIGHTMAP, -1, 1 },
	{ "heightmap LOD1 +6 trans",    1, 0x3f, MP_FIELD_HEIGHTMAP, -1, 1 },
	{ "heightmap LOD2",             2, 0,    MP_FIELD_HEIGHTMAP, -1, 1 },
	{ "heightmap LOD2 +6 trans",    2, 0x3f, MP_FIELD_HEIGHTMAP, -1, 1 },
	{ "heightmap LOD0 cy 1..2",     0, 0,    MP_FIELD_HEIGHTMAP, 1, 3 },
	{ "volume LOD0 (f .05 a 24)",   0, 0,    MP_FIELD_VOLUME, -1, 1 },
};
#define NCFG (sizeof cfg / sizeof cfg[0])

/* The request of workload i (its first chunk). */
static void
workload_request(size_t i, mp_request *r)
{
	mp_request_init(r);
	r->lod = (uint8_t)cfg[i].lod;
	r->transitions = (uint8_t)cfg[i].trans;
	r->field.kind = (uint32_t)cfg[i].kind;
	if (cfg[i].kind == MP_FIELD_VOLUME) {
		r->field.frequency = 0.05f;
		r->field.amplitude = 24.0f;
	}
}

#define INSTR_CHUNKS 64

/* Mesh list[0..n): what callgrind counts (kept out of line for that). */
__attribute__((noinline)) static void
mesh_list(const mp_request *list, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		mp_mesh_buf b;

		if (mp_mesh_local(&list[i], &b) != 0)
			exit(1);
		mp_mesh_buf_free(&b);
	}
}

/* The first INSTR_CHUNKS surface (or empty) chunks of r's block. */
static int
instr_list(mp_request *r, int y0, int y1, int surface, mp_request *list)
{
	int x, y, z, n = 0;

	for (z = 0; z < 16 && n < INSTR_CHUNKS; z++)
		for (y = y0; y < y1 && n < INSTR_CHUNKS; y++)
			for (x = 0; x < 16 && n < INSTR_CHUNKS; x++) {
				mp_mesh_buf b;

				r->cx = x, r->cy = y, r->cz = z;
				if (mp_mesh_local(r, &b) != 0)
					exit(1);
				if ((b.vertex_count > 0) == surface)
					list[n++] = *r;
				mp_mesh_buf_free(&b);
			}
	return n;
}

/* Which chunks of r's block (a column at a time, y0 - 1 .. y1) are empty,
 * found on another thread, so this one's kept columns stay cold. */
struct empties {
	mp_request r;
	int y0, y1;
	uint8_t empty[16][16][8];
};

static void *
find_empties(void *arg)
{
	struct empties *e = arg;
	int x, y, z;

	for (z = 0; z < 16; z++)
		for (x = 0; x < 16; x++)
			for (y = e->y0 - 1; y <= e->y1; y++) {
				mp_mesh_buf b;

				e->r.cx = x, e->r.cy = y, e->r.cz = z;
				if (mp_mesh_local(&e->r, &b) != 0)
					exit(1);
				e->empty[z][x][y - e->y0 + 1] = b.vertex_count == 0;
				mp_mesh_buf_free(&b);
			}
	return NULL;
}

/* Mesh r's block a column at a time, collecting (callgrind) only while an
 * empty chunk of the block itself is meshed right after a chunk of its
 * column that sampled the column's heights: how many were. */
static int
column_order(mp_request *r, int y0, int y1, int down, double *us)
{
	static struct empties e;
	pthread_t t;
	int x, y, z, n = 0;

	e.r = *r, e.y0 = y0, e.y1 = y1;
	if (pthread_create(&t, NULL, find_empties, &e) != 0 ||
	    pthread_join(t, NULL) != 0)
		exit(1);
	for (z = 0; z < 16; z++)
		for (x = 0; x < 16; x++) {
			int sampled = 0;        /* the chunk before had heights */

			for (y = down ? y1 : y0 - 1; down ? y >= y0 - 1 : y <= y1;
			    y += down ? -1 : 1) {
				int inside = y >= y0 && y < y1;
				int counted = e.empty[z][x][y - y0 + 1] && inside &&
				    sampled;
				mp_mesh_buf b;

				double t0 = bench_ns();

				r->cx = x, r->cy = y, r->cz = z;
				if (counted)
					CALLGRIND_TOGGLE_COLLECT;
				if (mp_mesh_local(r, &b) != 0)
					exit(1);
				if (counted)
					CALLGRIND_TOGGLE_COLLECT;
				if (counted && us != NULL)
					*us += (bench_ns() - t0) / 1e3;
				n += counted;
				/* Out-of-band chunks above and below the block are
				 * empty by a bound and sample no heights. */
				sampled = inside || b.vertex_count > 0;
				mp_mesh_buf_free(&b);
			}
		}
	return n;
}

/* The in-band empty chunks of the seed block meshed right after a chunk
 * of their column, the block streamed a column at a time downward. */
static void
after_neighbour(void)
{
	double us[RUNS];
	mp_request r;
	int i, n = 0;

	for (i = 0; i < RUNS; i++) {
		workload_request(0, &r);
		us[i] = 0;
		n = column_order(&r, cfg[0].y0, cfg[0].y1, 1, &us[i]);
		us[i] = n > 0 ? us[i] / n : 0;
	}
	printf("%s in-band empty after its column neighbour: %.2f us/chunk "
	    "(%d chunks, streamed a column at a time)\n", cfg[0].name,
	    bench_median(us, RUNS), n);
}

int
main(int argc, char **argv)
{
	size_t n = (size_t)67 * 67 * 67, ncfg = NCFG;
	float *buf, *tmp;
	size_t i;

	if (argc >= 2 && strcmp(argv[1], "--instr") == 0) {
		static mp_request list[INSTR_CHUNKS];
		mp_request r;
		int k;

		if (argc == 2) {
			for (i = 0; i < ncfg; i++)
				printf("%zu %s\n", i, cfg[i].name);
			return 0;
		}
		if ((i = strtoul(argv[2], NULL, 10)) >= ncfg || argc != 4)
			return 2;
		workload_request(i, &r);
		if (argv[3][0] == 'c') {  /* "c" upward, "cd" downward */
			printf("%d\n", column_order(&r, cfg[i].y0, cfg[i].y1,
			    argv[3][1] == 'd', NULL));
			return 0;
		}
		k = instr_list(&r, cfg[i].y0, cfg[i].y1, argv[3][0] == 's', list);
		mesh_list(list, k);
		printf("%d\n", k);
		return 0;
	}
	buf = malloc(n * sizeof *buf);
	tmp = malloc(8192 * sizeof *tmp);
	if (!buf || !tmp)
		return 1;
	printf("bench-mesh: 16 x 2 x 16 chunks of 32^3 cells, median of %d passes, one thread\n",
	    RUNS);
	printf("%-28s %5s %9s %9s %8s %5s %8s %9s %9s\n", "workload", "surf",
	    "us/chunk", "chunks/s", "tris/ch", "empty", "us/empty", "noise us",
	    "extract");
	for (i = 0; i < ncfg; i++) {
		mp_request r;

		workload_request(i, &r);
		run(cfg[i].name, &r, cfg[i].y0, cfg[i].y1, buf, tmp);
	}
	after_neighbour();
	free(buf);
	free(tmp);
	return 0;
}
