/*
 * demo_out.c - the demo's welded mesh and its files.
 *
 * The weld joins vertices with bit-equal positions: seams are bit-exact,
 * so that is what closes the mesh across chunks and levels.  A vertex
 * keeps the material of its first chunk; the library makes both sides of
 * a seam agree, and the weld counts any that did not (w->mixed).
 *
 * Materials become vertex colours from demo_colour(): OBJ lines
 * "v x y z r g b" (sRGB, 0..1, as OBJ readers take them) and a glTF
 * COLOR_0 of normalized unsigned bytes, RGBA, in linear light as glTF 2.0
 * requires.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "demo_out.h"
#include "demo_scene.h"

/* What one chunk of the seed terrain with the demo's edits comes to once
 * welded, measured at --size 2 to 16 (762 down to 668 vertices, twice as
 * many triangles), and the bytes of a vertex in each format: OBJ's "v"
 * line with its colour and "vn" line (71 to 73 measured), GLB's position,
 * normal and colour. */
#define CHUNK_VERTICES   700
#define CHUNK_TRIANGLES  1400
#define OBJ_VERTEX_BYTES 72
#define GLB_VERTEX_BYTES 28
#define GLB_FACE_BYTES   12
#define GLB_JSON_MAX     4096

/* --- weld ---------------------------------------------------------------- */

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

static int
append_vertex(struct weld *w, const float *p, const float *n, uint8_t m)
{
	if (array_grow((void **)&w->pos, &w->pcap, w->nv + 1, 12) != 0 ||
	    array_grow((void **)&w->nrm, &w->ncap, w->nv + 1, 12) != 0 ||
	    array_grow((void **)&w->mat, &w->mcap, w->nv + 1, 1) != 0)
		return -1;
	memcpy(&w->pos[3 * w->nv], p, 12);
	memcpy(&w->nrm[3 * w->nv], n, 12);
	w->mat[w->nv] = m;
	w->nv++;
	return 0;
}

/* The welded index of vertex p (bit-equal positions are one vertex), or
 * -1 when memory ran out. */
static int64_t
weld_vertex(struct weld *w, const float *p, const float *n, uint8_t m)
{
	size_t h;
	uint32_t v;

	if (w->nv >= UINT32_MAX - 1 ||
	    ((w->nv + 1) * 2 > w->cap && rehash(w) != 0))
		return -1;
	for (h = hash3(p) & (w->cap - 1); (v = w->slot[h]) != 0;
	    h = (h + 1) & (w->cap - 1))
		if (memcmp(&w->pos[3 * (v - 1)], p, 12) == 0) {
			w->mixed += w->mat[v - 1] != m;
			return v - 1;
		}
	if (append_vertex(w, p, n, m) != 0)
		return -1;
	w->slot[h] = (uint32_t)w->nv;
	return (int64_t)w->nv - 1;
}

int
weld_mesh(struct weld *w, const mp_mesh_view *v)
{
	uint32_t i;

	if (array_grow((void **)&w->idx, &w->icap, w->ni + v->index_count,
	    4) != 0)
		return -1;
	for (i = 0; i + 2 < v->index_count; i += 3) {
		int64_t at[3];
		int j;

		for (j = 0; j < 3; j++) {
			uint32_t k = v->indices[i + (uint32_t)j];

			if (k >= v->vertex_count || (at[j] = weld_vertex(w,
			    &v->positions[3 * k], &v->normals[3 * k],
			    v->materials[k])) < 0)
				return -1;
		}
		for (j = 0; j < 3; j++)
			w->idx[w->ni++] = (uint32_t)at[j];
	}
	return 0;
}

size_t
weld_count(const struct weld *w, unsigned m)
{
	size_t i, n = 0;

	for (i = 0; i < w->nv; i++)
		n += w->mat[i] == m;
	return n;
}

void
weld_free(struct weld *w)
{
	free(w->slot);
	free(w->pos);
	free(w->nrm);
	free(w->mat);
	free(w->idx);
	memset(w, 0, sizeof *w);
}

/* --- files --------------------------------------------------------------- */

int
out_open(struct out_file *o, const char *path)
{
	int fd;

	o->path = path;
	o->made = 1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST) {
		o->made = 0;
		fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -1;
	if ((o->f = fdopen(fd, "wb")) == NULL) {
		int e = errno;

		close(fd);
		if (o->made)
			unlink(path);
		errno = e;
		return -1;
	}
	return 0;
}

void
out_discard(struct out_file *o)
{
	if (o->f == NULL)
		return;
	fclose(o->f);
	o->f = NULL;
	if (o->made)
		unlink(o->path);
}

/* Empty a regular file we did not make (a device or a pipe stays as it
 * is), now that there is something to write into it. */
static int
out_truncate(struct out_file *o)
{
	struct stat st;

	if (fstat(fileno(o->f), &st) != 0)
		return -1;
	return S_ISREG(st.st_mode) && !o->made ? ftruncate(fileno(o->f), 0) : 0;
}

/* Close o after writing: 0, or -1 with errno and the file removed if we
 * made it.  failed: the writing went wrong already (errno says why). */
static int
out_finish(struct out_file *o, int failed)
{
	int e = errno, bad = failed || ferror(o->f);

	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	o->f = NULL;
	if (!bad)
		return 0;
	if (o->made)
		unlink(o->path);
	errno = e != 0 ? e : EIO;
	return -1;
}

/* --- OBJ ----------------------------------------------------------------- */

static void
obj_vertex(FILE *f, const float *p, unsigned m)
{
	const struct demo_colour *c = demo_colour(m);

	fprintf(f, "v %.9g %.9g %.9g %.3f %.3f %.3f\n", p[0], p[1], p[2],
	    c->srgb[0] / 255.0, c->srgb[1] / 255.0, c->srgb[2] / 255.0);
}

static void
write_obj(FILE *f, const struct weld *w)
{
	size_t i;

	fprintf(f, "# meshpool demo: %zu vertices, %zu triangles\n", w->nv,
	    w->ni / 3);
	for (i = 0; i < w->nv; i++)
		obj_vertex(f, &w->pos[3 * i], w->mat[i]);
	for (i = 0; i < w->nv; i++)
		fprintf(f, "vn %.6g %.6g %.6g\n", w->nrm[3 * i], w->nrm[3 * i + 1],
		    w->nrm[3 * i + 2]);
	for (i = 0; i + 2 < w->ni; i += 3)
		fprintf(f, "f %u//%u %u//%u %u//%u\n", w->idx[i] + 1, w->idx[i] + 1,
		    w->idx[i + 1] + 1, w->idx[i + 1] + 1, w->idx[i + 2] + 1,
		    w->idx[i + 2] + 1);
}

int
out_write_obj(struct out_file *o, const struct weld *w)
{
	if (out_truncate(o) != 0)
		return out_finish(o, 1);
	write_obj(o->f, w);
	return out_finish(o, 0);
}

/* --- glTF ---------------------------------------------------------------- */

/* The binary chunk: positions, normals, colours, indices, each a buffer
 * view of its own (all multiples of 4 bytes, as views must be aligned). */
struct glb_layout {
	size_t pos, nrm, col, idx, bin;
};

static struct glb_layout
glb_layout(const struct weld *w)
{
	struct glb_layout l;

	l.pos = w->nv * 12;
	l.nrm = w->nv * 12;
	l.col = w->nv * 4;
	l.idx = w->ni * 4;
	l.bin = l.pos + l.nrm + l.col + l.idx;
	return l;
}

static void
bounds(const struct weld *w, float lo[3], float hi[3])
{
	size_t i;
	int j;

	for (j = 0; j < 3; j++)
		lo[j] = hi[j] = w->nv > 0 ? w->pos[j] : 0.0f;
	for (i = 1; i < w->nv; i++)
		for (j = 0; j < 3; j++) {
			lo[j] = fminf(lo[j], w->pos[3 * i + j]);
			hi[j] = fmaxf(hi[j], w->pos[3 * i + j]);
		}
}

/* The JSON chunk, padded with spaces to a multiple of 4: its length, or
 * -1 if it does not fit. */
static int
glb_json(const struct weld *w, const struct glb_layout *l, char *json,
    size_t len)
{
	float lo[3], hi[3];
	int n;

	bounds(w, lo, hi);
	n = snprintf(json, len,
	    "{\"asset\":{\"version\":\"2.0\",\"generator\":\"meshpool demo\"},"
	    "\"scene\":0,\"scenes\":[{\"nodes\":[0]}],\"nodes\":[{\"mesh\":0}],"
	    "\"materials\":[{\"name\":\"vertex colours\",\"pbrMetallicRoughness\":"
	    "{\"metallicFactor\":0}}],"
	    "\"meshes\":[{\"primitives\":[{\"attributes\":{\"POSITION\":0,"
	    "\"NORMAL\":1,\"COLOR_0\":2},\"indices\":3,\"material\":0}]}],"
	    "\"buffers\":[{\"byteLength\":%zu}],"
	    "\"bufferViews\":["
	    "{\"buffer\":0,\"byteOffset\":0,\"byteLength\":%zu,\"target\":34962},"
	    "{\"buffer\":0,\"byteOffset\":%zu,\"byteLength\":%zu,\"target\":34962},"
	    "{\"buffer\":0,\"byteOffset\":%zu,\"byteLength\":%zu,\"target\":34962},"
	    "{\"buffer\":0,\"byteOffset\":%zu,\"byteLength\":%zu,\"target\":34963}],"
	    "\"accessors\":["
	    "{\"bufferView\":0,\"componentType\":5126,\"count\":%zu,"
	    "\"type\":\"VEC3\",\"min\":[%.9g,%.9g,%.9g],\"max\":[%.9g,%.9g,%.9g]},"
	    "{\"bufferView\":1,\"componentType\":5126,\"count\":%zu,\"type\":\"VEC3\"},"
	    "{\"bufferView\":2,\"componentType\":5121,\"normalized\":true,"
	    "\"count\":%zu,\"type\":\"VEC4\"},"
	    "{\"bufferView\":3,\"componentType\":5125,\"count\":%zu,"
	    "\"type\":\"SCALAR\"}]}",
	    l->bin, l->pos, l->pos, l->nrm, l->pos + l->nrm, l->col,
	    l->pos + l->nrm + l->col, l->idx, w->nv, lo[0], lo[1], lo[2], hi[0],
	    hi[1], hi[2], w->nv, w->nv, w->ni);
	if (n < 0 || (size_t)n >= len)
		return -1;
	while (n % 4 != 0 && (size_t)n + 1 < len)
		json[n++] = ' ';
	return n % 4 == 0 ? n : -1;
}

/* One sRGB byte in linear light, as a byte. */
static uint8_t
linear_byte(uint8_t c)
{
	double s = c / 255.0;
	double l = s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);

	return (uint8_t)lround(255.0 * l);
}

static void
write_colours(FILE *f, const struct weld *w)
{
	uint8_t rgba[256][4];
	size_t i;
	int m, k;

	for (m = 0; m < 256; m++) {
		for (k = 0; k < 3; k++)
			rgba[m][k] = linear_byte(demo_colour((unsigned)m)->srgb[k]);
		rgba[m][3] = 255;
	}
	for (i = 0; i < w->nv; i++)
		fwrite(rgba[w->mat[i]], 1, 4, f);
}

static void
put_chunk_head(FILE *f, uint32_t len, uint32_t type)
{
	uint32_t h[2] = { len, type };

	fwrite(h, 4, 2, f);
}

/* glTF 2.0 binary (little-endian, as this host): header, JSON, BIN. */
int
out_write_glb(struct out_file *o, const struct weld *w)
{
	struct glb_layout l = glb_layout(w);
	char json[GLB_JSON_MAX];
	uint32_t hdr[3];
	int jlen = glb_json(w, &l, json, sizeof json);

	if (jlen < 0 || l.bin > UINT32_MAX - 28 - (size_t)jlen) {
		errno = EFBIG;
		return out_finish(o, 1);
	}
	if (out_truncate(o) != 0)
		return out_finish(o, 1);
	hdr[0] = 0x46546c67;        /* "glTF" */
	hdr[1] = 2;
	hdr[2] = (uint32_t)(12 + 8 + (size_t)jlen + 8 + l.bin);
	fwrite(hdr, 4, 3, o->f);
	put_chunk_head(o->f, (uint32_t)jlen, 0x4e4f534a);       /* "JSON" */
	fwrite(json, 1, (size_t)jlen, o->f);
	put_chunk_head(o->f, (uint32_t)l.bin, 0x004e4942);      /* "BIN\0" */
	fwrite(w->pos, 1, l.pos, o->f);
	fwrite(w->nrm, 1, l.nrm, o->f);
	write_colours(o->f, w);
	fwrite(w->idx, 1, l.idx, o->f);
	return out_finish(o, 0);
}

/* --- estimates ----------------------------------------------------------- */

static unsigned
digits(uint64_t v)
{
	unsigned n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

uint64_t
out_estimate_obj(size_t chunks)
{
	uint64_t nv = (uint64_t)chunks * CHUNK_VERTICES;
	uint64_t nt = (uint64_t)chunks * CHUNK_TRIANGLES;

	/* "f a//a b//b c//c\n": six indices, none longer than the count */
	return nv * OBJ_VERTEX_BYTES + nt * (6 * digits(nv) + 11);
}

uint64_t
out_estimate_glb(size_t chunks)
{
	return GLB_JSON_MAX + (uint64_t)chunks * (CHUNK_VERTICES *
	    GLB_VERTEX_BYTES + CHUNK_TRIANGLES * GLB_FACE_BYTES);
}
