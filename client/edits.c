/*
 * edits.c - an edit set (mp_edits): the ordered brushes of one world, a
 * spatial index to find those that touch a chunk, and the set as a file.
 *
 * Index.  A hash of grid cells (INDEX_CELL world units) to the brushes
 * whose reach box overlaps them; a brush that would span more than
 * INDEX_SPAN_MAX cells goes on a list looked at by every query instead.
 * A query gathers candidates, keeps those whose reach box really meets the
 * box asked about, and returns them in the order they were added, which
 * is the order they apply in.
 *
 * File.  Little-endian, every field written out explicitly:
 *   "MPEDITS\0" | version u32 | count u32 | 8 bytes 0 | count brushes of
 *   36 bytes (shape, op, material, reserved, a[3], b[3], radius, smooth) |
 *   CRC-32 (zlib) of everything before it.
 * Saved to a temporary file in the same folder, synced, then renamed over
 * the old one (and the folder synced), so a crash at any instant leaves
 * the old file or the new one, never a mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "array.h"
#include "brush.h"
#include "edits.h"
#include "field_noise.h"
#include "request.h"

#define INDEX_CELL      32.0            /* world units per index cell */
#define INDEX_SPAN_MAX  64              /* cells a brush may be filed under */
#define INDEX_WORLD_MAX 1.0e9           /* past every brush (BRUSH_COORD_MAX) */
#define FILE_MAGIC      "MPEDITS"       /* and a NUL: 8 bytes */
#define FILE_VERSION    1u
#define FILE_HEAD       24
#define FILE_BRUSH      36
#define FILE_MAX_BRUSHES (1u << 24)
#define RAY_STEP_MAX    0.5f            /* world units per march step, at most */
#define RAY_STEP_MIN    0.01f
#define RAY_BISECT      24

struct cell {                    /* one index cell's brushes */
	int64_t  key[3];
	uint32_t *idx, n, cap;
	int      used;
};

struct mp_edits {
	mp_brush *b;
	size_t    n, cap;
	float   (*reach)[6];         /* each brush's reach box, lo then hi:
	                              * queries test it without working it out */
	size_t    cap_reach;
	struct cell *cells;          /* open addressing, power of two */
	size_t    ncells, cells_used;
	uint32_t *big, nbig, capbig; /* brushes too large to file by cell */
};

/* --- growing arrays ----------------------------------------------------- */

static int
push_index(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t i)
{
	size_t c = *cap;

	if (array_grow((void **)v, &c, (size_t)*n + 1, sizeof **v) != 0)
		return -1;
	*cap = (uint32_t)c;
	(*v)[(*n)++] = i;
	return 0;
}

/* --- the index ----------------------------------------------------------- */

static uint64_t
cell_hash(const int64_t k[3])
{
	uint64_t h = (uint64_t)k[0] * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)k[1] * 0xc2b2ae3d27d4eb4full ^ (uint64_t)k[2] * 0x165667b19e3779f9ull;

	return h ^ (h >> 29);
}

static struct cell *
cell_find(const mp_edits *e, const int64_t k[3])
{
	size_t i;

	if (e->ncells == 0)
		return NULL;
	for (i = cell_hash(k) & (e->ncells - 1); e->cells[i].used;
	    i = (i + 1) & (e->ncells - 1))
		if (memcmp(e->cells[i].key, k, sizeof e->cells[i].key) == 0)
			return &e->cells[i];
	return NULL;
}

static int rehash(mp_edits *e);

static struct cell *
cell_get(mp_edits *e, const int64_t k[3])
{
	struct cell *c = cell_find(e, k);
	size_t i;

	if (c != NULL)
		return c;
	if ((e->cells_used + 1) * 2 > e->ncells && rehash(e) != 0)
		return NULL;
	for (i = cell_hash(k) & (e->ncells - 1); e->cells[i].used;
	    i = (i + 1) & (e->ncells - 1))
		;
	c = &e->cells[i];
	memcpy(c->key, k, sizeof c->key);
	c->used = 1;
	e->cells_used++;
	return c;
}

static int
rehash(mp_edits *e)
{
	size_t n = e->ncells ? e->ncells * 2 : 64, i, j;
	struct cell *old = e->cells, *c = calloc(n, sizeof *c);

	if (c == NULL)
		return -1;
	for (i = 0; i < e->ncells; i++) {
		if (!old[i].used)
			continue;
		for (j = cell_hash(old[i].key) & (n - 1); c[j].used; j = (j + 1) & (n - 1))
			;
		c[j] = old[i];
	}
	free(old);
	e->cells = c;
	e->ncells = n;
	return 0;
}

/* A world coordinate held to where brushes can be (a request's box may
 * lie anywhere a float reaches, and an index must fit an int64). */
static double
clamp_world(double v)
{
	return v < -INDEX_WORLD_MAX ? -INDEX_WORLD_MAX :
	    v > INDEX_WORLD_MAX ? INDEX_WORLD_MAX : v;
}

/* The index cells a world box covers, per axis. */
static void
cell_span(const double lo[3], const double hi[3], int64_t a[3], int64_t b[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		a[i] = (int64_t)floor(clamp_world(lo[i]) / INDEX_CELL);
		b[i] = (int64_t)floor(clamp_world(hi[i]) / INDEX_CELL);
	}
}

/* How many cells (a double: a box over the whole world overflows 64 bits). */
static double
span_cells(const int64_t a[3], const int64_t b[3])
{
	return (double)(b[0] - a[0] + 1) * (double)(b[1] - a[1] + 1) *
	    (double)(b[2] - a[2] + 1);
}

/* File brush i under every cell its reach box covers. */
static int
index_brush(mp_edits *e, uint32_t i)
{
	double lo[3], hi[3];
	int64_t a[3], b[3], k[3];
	int j;

	for (j = 0; j < 3; j++)
		lo[j] = e->reach[i][j], hi[j] = e->reach[i][3 + j];
	cell_span(lo, hi, a, b);
	if (span_cells(a, b) > INDEX_SPAN_MAX)
		return push_index(&e->big, &e->nbig, &e->capbig, i);
	for (k[0] = a[0]; k[0] <= b[0]; k[0]++)
		for (k[1] = a[1]; k[1] <= b[1]; k[1]++)
			for (k[2] = a[2]; k[2] <= b[2]; k[2]++) {
				struct cell *c = cell_get(e, k);

				if (c == NULL || push_index(&c->idx, &c->n, &c->cap, i) != 0)
					return -1;
			}
	return 0;
}

static int
reaches(const float box[6], const double lo[3], const double hi[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (box[i] > hi[i] || box[3 + i] < lo[i])
			return 0;
	return 1;
}

/* Candidate indexes for a box, sorted and unique, into *out (malloc'd):
 * how many, or -1 (out of memory).  A brush filed in several cells is
 * marked once in a bitmap of all brushes, which read in order gives them
 * sorted. */
static long
candidates(const mp_edits *e, const double lo[3], const double hi[3],
    uint32_t **out)
{
	uint64_t *seen;
	uint32_t *v, n = 0, i, w, words = (uint32_t)((e->n + 63) / 64);
	int64_t a[3], b[3], c[3];

	*out = NULL;
	if ((seen = calloc(words ? words : 1, sizeof *seen)) == NULL)
		return -1;
	cell_span(lo, hi, a, b);
	if (span_cells(a, b) > (double)e->cells_used * 4 + 64) {
		/* A box over most of the world: every brush is a candidate. */
		for (i = 0; i < e->n; i++)
			seen[i / 64] |= 1ull << (i % 64);
	} else {
		for (c[0] = a[0]; c[0] <= b[0]; c[0]++)
			for (c[1] = a[1]; c[1] <= b[1]; c[1]++)
				for (c[2] = a[2]; c[2] <= b[2]; c[2]++) {
					const struct cell *cl = cell_find(e, c);

					for (i = 0; cl != NULL && i < cl->n; i++)
						seen[cl->idx[i] / 64] |= 1ull << (cl->idx[i] % 64);
				}
		for (i = 0; i < e->nbig; i++)
			seen[e->big[i] / 64] |= 1ull << (e->big[i] % 64);
	}
	for (w = 0; w < words; w++)
		n += (uint32_t)__builtin_popcountll(seen[w]);
	if ((v = malloc((n ? n : 1) * sizeof *v)) == NULL) {
		free(seen);
		return -1;
	}
	for (w = 0, n = 0; w < words; w++)
		for (; seen[w] != 0; seen[w] &= seen[w] - 1)
			v[n++] = w * 64 + (uint32_t)__builtin_ctzll(seen[w]);
	free(seen);
	*out = v;
	return n;
}

/* The indexes of the brushes of e reaching [lo, hi], in order, into *ids
 * (malloc'd, NULL when e has none): how many, or -1 (out of memory). */
static long
touching(const mp_edits *e, const double lo[3], const double hi[3],
    uint32_t **ids)
{
	long n, i, k = 0;

	*ids = NULL;
	if (e == NULL || e->n == 0)
		return 0;
	if ((n = candidates(e, lo, hi, ids)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (reaches(e->reach[(*ids)[i]], lo, hi))
			(*ids)[k++] = (*ids)[i];
	return k;
}

long
edits_touching(const mp_edits *e, const double lo[3], const double hi[3],
    mp_brush *out, size_t max)
{
	uint32_t *v;
	long n, i;

	if ((n = touching(e, lo, hi, &v)) < 0)
		return -1;
	for (i = 0; out != NULL && i < n && (size_t)i < max; i++)
		out[i] = e->b[v[i]];
	free(v);
	return n;
}

long
edits_for_request(const mp_edits *e, const mp_request *r, mp_brush **out)
{
	double lo[3], hi[3];
	uint32_t *v;
	long n, i;

	*out = NULL;
	request_sample_box(r, lo, hi);
	if ((n = touching(e, lo, hi, &v)) < 0)
		return MP_ENOMEM;
	if (n > MP_MAX_BRUSHES) {
		n = MP_EINVAL;          /* more than a request may carry */
	} else if (n > 0 && (*out = malloc((size_t)n * sizeof **out)) == NULL) {
		n = MP_ENOMEM;
	} else {
		for (i = 0; i < n; i++)
			(*out)[i] = e->b[v[i]];
	}
	free(v);
	return n;
}

long
mp_edits_touching(const mp_edits *e, const mp_request *r)
{
	double lo[3], hi[3];

	if (r == NULL || request_problem(r) != NULL)
		return -1;
	request_sample_box(r, lo, hi);
	return edits_touching(e, lo, hi, NULL, 0);
}

/* --- the set ------------------------------------------------------------- */

int
mp_edits_new(mp_edits **out)
{
	if (out == NULL)
		return MP_EINVAL;
	*out = calloc(1, sizeof **out);
	return *out != NULL ? MP_OK : MP_ENOMEM;
}

void
mp_edits_free(mp_edits *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->ncells; i++)
		free(e->cells[i].idx);
	free(e->cells);
	free(e->big);
	free(e->b);
	free(e->reach);
	free(e);
}

const char *
mp_brush_problem(const mp_brush *b)
{
	return brush_problem(b);
}

int
mp_edits_add(mp_edits *e, const mp_brush *b)
{
	if (e == NULL || brush_problem(b) != NULL)
		return MP_EINVAL;
	if (e->n >= UINT32_MAX || array_grow((void **)&e->b, &e->cap, e->n + 1,
	    sizeof *e->b) != 0 || array_grow((void **)&e->reach, &e->cap_reach,
	    e->n + 1, sizeof *e->reach) != 0)
		return MP_ENOMEM;
	e->b[e->n] = *b;
	brush_reach(b, e->reach[e->n], e->reach[e->n] + 3);
	if (index_brush(e, (uint32_t)e->n) != 0)
		return MP_ENOMEM;       /* not counted: the next add overwrites it */
	e->n++;
	return MP_OK;
}

size_t
mp_edits_count(const mp_edits *e)
{
	return e == NULL ? 0 : e->n;
}

/* --- chunks ------------------------------------------------------------- */

int
mp_edits_chunks(const mp_brush *b, const mp_request *like, int32_t lo[3],
    int32_t hi[3])
{
	float rlo[3], rhi[3];
	double span, step, slack;
	int i;

	if (brush_problem(b) != NULL || like == NULL ||
	    request_problem(like) != NULL || lo == NULL || hi == NULL)
		return MP_EINVAL;
	request_spans(like, &span, &step);
	slack = span * REQUEST_BOX_SLACK;
	brush_reach(b, rlo, rhi);
	/* Chunk c reads samples in [c*span - step, (c+1)*span + step]: it is
	 * touched when that meets the reach box. */
	for (i = 0; i < 3; i++) {
		double a = ceil((rlo[i] - step - slack) / span - 1.0);
		double z = floor((rhi[i] + step + slack) / span);

		lo[i] = (int32_t)fmax(fmin(a, INT32_MAX), INT32_MIN);
		hi[i] = (int32_t)fmax(fmin(z, INT32_MAX), INT32_MIN);
	}
	return MP_OK;
}

/* --- sampling and rays -------------------------------------------------- */

/* Apply brush i of e to density d at one point, if it reaches there. */
static void
apply_one(const mp_edits *e, uint32_t i, float x, float y, float z, float *d)
{
	struct brush_prep p;

	brush_prepare(&e->b[i], &p);
	brush_apply(&p, x, y, z, d, NULL);
}

float
mp_edits_sample(const mp_edits *e, const mp_field *f, float x, float y,
    float z)
{
	struct noise_field nf;
	double p[3] = { x, y, z };
	int64_t a[3], b[3];
	const struct cell *cl;
	uint32_t i = 0, j = 0, ni, nj;
	float d;

	if (f == NULL || field_problem(f) != NULL)
		return NAN;
	noise_field_init(&nf, f);
	d = noise_field_sample(&nf, x, y, z);
	if (e == NULL || e->n == 0)
		return d;
	/* The brushes reaching a point are in its one cell and the list of
	 * big ones, both in the order they were added: merge the two, so the
	 * order holds and nothing is allocated (sampling cannot fail). */
	cell_span(p, p, a, b);
	cl = cell_find(e, a);
	ni = cl != NULL ? cl->n : 0, nj = e->nbig;
	while (i < ni || j < nj) {
		if (j == nj || (i < ni && cl->idx[i] < e->big[j]))
			apply_one(e, cl->idx[i++], x, y, z, &d);
		else
			apply_one(e, e->big[j++], x, y, z, &d);
	}
	return d;
}

int
mp_edits_raycast(const mp_edits *e, const mp_field *f, const float from[3],
    const float dir[3], float max_dist, float hit[3])
{
	float len, u[3], t = 0.0f, prev = 0.0f, d;
	int i, k;

	if (f == NULL || from == NULL || dir == NULL || hit == NULL ||
	    !(max_dist >= 0.0f) || field_problem(f) != NULL)
		return MP_EINVAL;
	len = sqrtf(dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2]);
	if (!(len > 0.0f) || !isfinite(len))
		return MP_EINVAL;
	for (i = 0; i < 3; i++)
		u[i] = dir[i] / len;
	/* March in steps no longer than the density allows (it is distance-
	 * like, but a heightmap's is the vertical distance, so half of it,
	 * and never more than RAY_STEP_MAX), then halve the last step. */
	for (;;) {
		d = mp_edits_sample(e, f, from[0] + u[0] * t, from[1] + u[1] * t,
		    from[2] + u[2] * t);
		if (d < 0.0f)
			break;
		if (t >= max_dist)
			return MP_ENOENT;
		prev = t;
		t += fminf(fmaxf(0.5f * d, RAY_STEP_MIN), RAY_STEP_MAX);
		if (t > max_dist)
			t = max_dist;
	}
	for (k = 0; k < RAY_BISECT && t > prev; k++) {
		float mid = 0.5f * (prev + t);

		if (mp_edits_sample(e, f, from[0] + u[0] * mid, from[1] + u[1] * mid,
		    from[2] + u[2] * mid) < 0.0f)
			t = mid;
		else
			prev = mid;
	}
	for (i = 0; i < 3; i++)
		hit[i] = from[i] + u[i] * t;
	return MP_OK;
}

/* --- the file ------------------------------------------------------------ */

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_float(unsigned char *p, float f)
{
	uint32_t v;

	memcpy(&v, &f, sizeof v);
	put32(p, v);
}

static float
get_float(const unsigned char *p)
{
	uint32_t v = get32(p);
	float f;

	memcpy(&f, &v, sizeof f);
	return f;
}

static void
put_brush(unsigned char *p, const mp_brush *b)
{
	int i;

	p[0] = b->shape, p[1] = b->op, p[2] = b->material, p[3] = b->reserved;
	for (i = 0; i < 3; i++) {
		put_float(p + 4 + 4 * i, b->a[i]);
		put_float(p + 16 + 4 * i, b->b[i]);
	}
	put_float(p + 28, b->radius);
	put_float(p + 32, b->smooth);
}

static void
get_brush(const unsigned char *p, mp_brush *b)
{
	int i;

	b->shape = p[0], b->op = p[1], b->material = p[2], b->reserved = p[3];
	for (i = 0; i < 3; i++) {
		b->a[i] = get_float(p + 4 + 4 * i);
		b->b[i] = get_float(p + 16 + 4 * i);
	}
	b->radius = get_float(p + 28);
	b->smooth = get_float(p + 32);
}

/* The whole file image of e (malloc'd) and its length. */
static unsigned char *
serialise(const mp_edits *e, size_t *len)
{
	size_t n = FILE_HEAD + e->n * FILE_BRUSH + 4, i;
	unsigned char *p = calloc(1, n);

	if (p == NULL)
		return NULL;
	memcpy(p, FILE_MAGIC, sizeof FILE_MAGIC);
	put32(p + 8, FILE_VERSION);
	put32(p + 12, (uint32_t)e->n);
	for (i = 0; i < e->n; i++)
		put_brush(p + FILE_HEAD + i * FILE_BRUSH, &e->b[i]);
	put32(p + n - 4, (uint32_t)crc32(0L, p, (uInt)(n - 4)));
	*len = n;
	return p;
}

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k, n -= (size_t)k;
	}
	return 0;
}

/* Sync the folder that holds path, so a rename in it is on disk. */
static int
sync_folder(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r;

	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

int
mp_edits_save(const mp_edits *e, const char *path)
{
	char tmp[PATH_MAX];
	unsigned char *img = NULL;
	size_t len;
	int fd = -1, saved;

	if (e == NULL || path == NULL || e->n > FILE_MAX_BRUSHES ||
	    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof tmp)
		return MP_EINVAL;
	if ((img = serialise(e, &len)) == NULL)
		return MP_ENOMEM;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    write_all(fd, img, len) != 0 || fsync(fd) != 0)
		goto err;
	if (close(fd) != 0) {
		fd = -1;
		goto err;
	}
	fd = -1;
	if (rename(tmp, path) != 0 || sync_folder(path) != 0)
		goto err;
	free(img);
	return MP_OK;
err:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(img);
	errno = saved;
	return MP_EIO;
}

/* The file's bytes (malloc'd), at most the largest set allowed. */
/* Read exactly len bytes: MP_OK, MP_EIO (with errno), or MP_EPROTO when
 * the file ends early (it shrank since it was measured). */
static int
read_all(int fd, unsigned char *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MP_EIO;
		if (n == 0)
			return MP_EPROTO;
		got += (size_t)n;
	}
	return MP_OK;
}

static unsigned char *
slurp(const char *path, size_t *len, int *err)
{
	size_t max = FILE_HEAD + (size_t)FILE_MAX_BRUSHES * FILE_BRUSH + 4;
	unsigned char *p = NULL;
	struct stat st;
	int fd;

	*err = MP_EIO;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		goto out;
	*err = MP_EPROTO;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size < FILE_HEAD + 4 ||
	    (size_t)st.st_size > max)
		goto out;
	*err = MP_ENOMEM;
	if ((p = malloc((size_t)st.st_size)) == NULL)
		goto out;
	*len = (size_t)st.st_size;
	if ((*err = read_all(fd, p, *len)) != MP_OK) {
		free(p);
		p = NULL;
	}
out:
	close(fd);
	return p;
}

/* The brushes of a file image, checked whole: MP_OK and *out, or
 * MP_EPROTO (nothing made). */
static int
parse(const unsigned char *p, size_t len, mp_edits **out)
{
	uint32_t n, i;
	mp_edits *e;
	mp_brush b;

	if (memcmp(p, FILE_MAGIC, sizeof FILE_MAGIC) != 0 ||
	    get32(p + 8) != FILE_VERSION)
		return MP_EPROTO;
	n = get32(p + 12);
	if (n > FILE_MAX_BRUSHES || len != FILE_HEAD + (size_t)n * FILE_BRUSH + 4 ||
	    get32(p + len - 4) != (uint32_t)crc32(0L, p, (uInt)(len - 4)))
		return MP_EPROTO;
	if (mp_edits_new(&e) != MP_OK)
		return MP_ENOMEM;
	for (i = 0; i < n; i++) {
		get_brush(p + FILE_HEAD + (size_t)i * FILE_BRUSH, &b);
		if (mp_edits_add(e, &b) != MP_OK) {
			mp_edits_free(e);
			return brush_problem(&b) != NULL ? MP_EPROTO : MP_ENOMEM;
		}
	}
	*out = e;
	return MP_OK;
}

int
mp_edits_load(const char *path, mp_edits **out)
{
	unsigned char *p;
	size_t len = 0;
	int err;

	if (path == NULL || out == NULL)
		return MP_EINVAL;
	*out = NULL;
	if ((p = slurp(path, &len, &err)) == NULL)
		return err;
	err = parse(p, len, out);
	free(p);
	return err;
}
