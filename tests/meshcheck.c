/*
 * meshcheck.c - welding and topology checks for tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshcheck.h"

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n ? n : 1)) == NULL) {
		fprintf(stderr, "meshcheck: out of memory\n");
		abort();
	}
	return p;
}

void
mc_init(struct mc_mesh *m)
{
	memset(m, 0, sizeof *m);
}

void
mc_free(struct mc_mesh *m)
{
	free(m->pos);
	free(m->nrm);
	free(m->tri);
	free(m->hash);
	free(m->tags);
	mc_init(m);
}

/* -0.0 and +0.0 are one position. */
static uint32_t
key_bits(float f)
{
	uint32_t u;

	if (f == 0.0f)
		f = 0.0f;
	memcpy(&u, &f, sizeof u);
	return u;
}

static uint32_t
pos_hash(const float *p)
{
	uint32_t h = key_bits(p[0]) * 0x9e3779b1u;

	h ^= key_bits(p[1]) * 0x85ebca77u + (h << 6);
	h ^= key_bits(p[2]) * 0xc2b2ae3du + (h >> 3);
	return h ^ (h >> 16);
}

static int
same_pos(const float *a, const float *b)
{
	return key_bits(a[0]) == key_bits(b[0]) &&
	    key_bits(a[1]) == key_bits(b[1]) && key_bits(a[2]) == key_bits(b[2]);
}

static void
rehash(struct mc_mesh *m)
{
	uint32_t i, cap = m->hcap ? m->hcap * 2 : 4096;

	free(m->hash);
	m->hash = xrealloc(NULL, cap * sizeof *m->hash);
	memset(m->hash, 0, cap * sizeof *m->hash);
	m->hcap = cap;
	for (i = 0; i < m->nv; i++) {
		uint32_t h = pos_hash(m->pos + 3 * i) & (cap - 1);

		while (m->hash[h])
			h = (h + 1) & (cap - 1);
		m->hash[h] = i + 1;
	}
}

static uint32_t
weld(struct mc_mesh *m, const float *p, const float *n)
{
	uint32_t h;

	if ((m->nv + 1) * 2 > m->hcap)
		rehash(m);
	h = pos_hash(p) & (m->hcap - 1);
	while (m->hash[h]) {
		uint32_t v = m->hash[h] - 1;

		if (same_pos(m->pos + 3 * v, p)) {
			/* A seam vertex must have one normal in every chunk. */
			if (n && memcmp(m->nrm + 3 * v, n, 3 * sizeof *n) != 0)
				m->nsplit++;
			return v;
		}
		h = (h + 1) & (m->hcap - 1);
	}
	if (m->nv == m->cap_v) {
		m->cap_v = m->cap_v ? m->cap_v * 2 : 1024;
		m->pos = xrealloc(m->pos, (size_t)m->cap_v * 3 * sizeof(float));
		m->nrm = xrealloc(m->nrm, (size_t)m->cap_v * 3 * sizeof(float));
	}
	memcpy(m->pos + 3 * m->nv, p, 3 * sizeof(float));
	if (n)
		memcpy(m->nrm + 3 * m->nv, n, 3 * sizeof(float));
	else
		memset(m->nrm + 3 * m->nv, 0, 3 * sizeof(float));
	m->hash[h] = m->nv + 1;
	return m->nv++;
}

/* Append one welded triangle, or count it degenerate. */
static void
add_tri(struct mc_mesh *m, uint32_t a, uint32_t b, uint32_t c)
{
	if (a == b || b == c || a == c) {
		m->ndegenerate++;
		return;
	}
	if (m->nt == m->cap_t) {
		m->cap_t = m->cap_t ? m->cap_t * 2 : 1024;
		m->tri = xrealloc(m->tri, (size_t)m->cap_t * 3 * sizeof *m->tri);
		m->tags = xrealloc(m->tags, (size_t)m->cap_t * sizeof *m->tags);
	}
	m->tri[3 * m->nt] = a;
	m->tri[3 * m->nt + 1] = b;
	m->tri[3 * m->nt + 2] = c;
	m->tags[m->nt] = m->tag;
	m->nt++;
}

void
mc_add(struct mc_mesh *m, const float *pos, const float *nrm, uint32_t nv,
    const uint32_t *idx, uint32_t ni)
{
	uint32_t *map = xrealloc(NULL, (size_t)nv * sizeof *map), i;

	for (i = 0; i < nv; i++)
		map[i] = weld(m, pos + 3 * i, nrm ? nrm + 3 * i : NULL);
	for (i = 0; i + 2 < ni; i += 3)
		add_tri(m, map[idx[i]], map[idx[i + 1]], map[idx[i + 2]]);
	free(map);
}

struct half { uint32_t lo, hi; int dir; };

static int
cmp_half(const void *a, const void *b)
{
	const struct half *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->dir - y->dir;
}

/* Both ends in one face plane of the box: an open edge of the block. */
static int
on_box(const float *a, const float *b, const float *lo, const float *hi,
    float eps)
{
	int k;

	if (lo == NULL)
		return 0;
	for (k = 0; k < 3; k++) {
		if (fabsf(a[k] - lo[k]) <= eps && fabsf(b[k] - lo[k]) <= eps)
			return 1;
		if (fabsf(a[k] - hi[k]) <= eps && fabsf(b[k] - hi[k]) <= eps)
			return 1;
	}
	return 0;
}

void
mc_check_edges(const struct mc_mesh *m, const float lo[3], const float hi[3],
    float eps, struct mc_edge_report *r)
{
	size_t n = (size_t)m->nt * 3, i, j;
	struct half *h = xrealloc(NULL, n * sizeof *h);

	memset(r, 0, sizeof *r);
	for (i = 0; i < m->nt; i++)
		for (j = 0; j < 3; j++) {
			uint32_t a = m->tri[3 * i + j], b = m->tri[3 * i + (j + 1) % 3];
			struct half *e = &h[3 * i + j];

			e->lo = a < b ? a : b;
			e->hi = a < b ? b : a;
			e->dir = a < b ? 1 : -1;
		}
	qsort(h, n, sizeof *h, cmp_half);
	for (i = 0; i < n; i = j) {
		const float *pa = m->pos + 3 * h[i].lo, *pb = m->pos + 3 * h[i].hi;
		int sum = 0;

		for (j = i; j < n && h[j].lo == h[i].lo && h[j].hi == h[i].hi; j++)
			sum += h[j].dir;
		if (on_box(pa, pb, lo, hi, eps)) {
			r->boundary_edges++;
			continue;
		}
		r->edges++;
		if (j - i == 2 && sum == 0)
			continue;
		if (j - i == 2)
			r->bad_orientation++;
		else if (sum == 0 && (j - i) % 2 == 0)
			r->nonmanifold++;
		else
			r->bad_count++;
		memcpy(r->example, pa, 3 * sizeof(float));
		memcpy(r->example + 3, pb, 3 * sizeof(float));
	}
	free(h);
}

long
mc_euler(const struct mc_mesh *m)
{
	struct mc_edge_report r;
	uint8_t *used = calloc(m->nv ? m->nv : 1, 1);
	long v = 0;
	uint32_t i;

	for (i = 0; i < m->nt * 3; i++)
		used[m->tri[i]] = 1;
	for (i = 0; i < m->nv; i++)
		v += used[i];
	free(used);
	mc_check_edges(m, NULL, NULL, 0, &r);
	return v - (long)r.edges + (long)m->nt;
}

static uint32_t
find(uint32_t *p, uint32_t x)
{
	while (p[x] != x)
		x = p[x] = p[p[x]];
	return x;
}

uint32_t
mc_components(const struct mc_mesh *m)
{
	uint32_t *p = xrealloc(NULL, (size_t)(m->nv ? m->nv : 1) * sizeof *p);
	uint8_t *used = calloc(m->nv ? m->nv : 1, 1);
	uint32_t i, n = 0;

	for (i = 0; i < m->nv; i++)
		p[i] = i;
	for (i = 0; i < m->nt; i++) {
		uint32_t a = find(p, m->tri[3 * i]), b = find(p, m->tri[3 * i + 1]);
		uint32_t c = find(p, m->tri[3 * i + 2]);

		p[b] = a;
		p[find(p, c)] = a;
		used[m->tri[3 * i]] = used[m->tri[3 * i + 1]] = 1;
		used[m->tri[3 * i + 2]] = 1;
	}
	for (i = 0; i < m->nv; i++)
		n += used[i] && find(p, i) == i;
	free(p);
	free(used);
	return n;
}

static void
tri_normal(const struct mc_mesh *m, uint32_t t, double n[3])
{
	const float *a = m->pos + 3 * m->tri[3 * t];
	const float *b = m->pos + 3 * m->tri[3 * t + 1];
	const float *c = m->pos + 3 * m->tri[3 * t + 2];
	double u[3], v[3];
	int k;

	for (k = 0; k < 3; k++)
		u[k] = (double)b[k] - a[k], v[k] = (double)c[k] - a[k];
	n[0] = u[1] * v[2] - u[2] * v[1];
	n[1] = u[2] * v[0] - u[0] * v[2];
	n[2] = u[0] * v[1] - u[1] * v[0];
}

void
mc_xz_area(const struct mc_mesh *m, double *signed_area, double *abs_area)
{
	uint32_t t;

	*signed_area = *abs_area = 0;
	for (t = 0; t < m->nt; t++) {
		double n[3];

		tri_normal(m, t, n);
		*signed_area += n[1] / 2;
		*abs_area += fabs(n[1]) / 2;
	}
}

uint32_t
mc_count_misoriented(const struct mc_mesh *m, double min_area)
{
	uint32_t t, bad = 0;

	for (t = 0; t < m->nt; t++) {
		double n[3], s[3] = { 0, 0, 0 }, len;
		int k, c;

		tri_normal(m, t, n);
		len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
		if (len / 2 < min_area)
			continue;
		for (c = 0; c < 3; c++)
			for (k = 0; k < 3; k++)
				s[k] += m->nrm[3 * m->tri[3 * t + c] + k];
		if (n[0] * s[0] + n[1] * s[1] + n[2] * s[2] < 0)
			bad++;
	}
	return bad;
}

uint32_t
mc_count_slivers(const struct mc_mesh *m, double frac)
{
	uint32_t t, n = 0;

	for (t = 0; t < m->nt; t++) {
		double v[3];

		tri_normal(m, t, v);
		if (sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]) / 2 <
		    frac * m->tags[t])
			n++;
	}
	return n;
}

void
mc_quality(const struct mc_mesh *m, const float lo[3], const float hi[3],
    float eps, double frac, struct mc_quality *q)
{
	struct mc_edge_report r;

	mc_check_edges(m, lo, hi, eps, &r);
	q->tris = m->nt;
	q->open = r.bad_count + r.bad_orientation;
	q->nonmanifold = r.nonmanifold;
	q->degenerate = m->ndegenerate;
	q->slivers = mc_count_slivers(m, frac);
	q->folds = mc_count_misoriented(m, 0.0);
	q->split_normals = m->nsplit;
}

double
mc_volume(const struct mc_mesh *m)
{
	double v = 0;
	uint32_t t;

	for (t = 0; t < m->nt; t++) {
		const float *a = m->pos + 3 * m->tri[3 * t];
		const float *b = m->pos + 3 * m->tri[3 * t + 1];
		const float *c = m->pos + 3 * m->tri[3 * t + 2];

		v += ((double)a[0] * ((double)b[1] * c[2] - (double)b[2] * c[1]) -
		    (double)a[1] * ((double)b[0] * c[2] - (double)b[2] * c[0]) +
		    (double)a[2] * ((double)b[0] * c[1] - (double)b[1] * c[0])) / 6;
	}
	return v;
}

int
mc_write_obj(const struct mc_mesh *m, const char *path)
{
	FILE *f = fopen(path, "w");
	uint32_t i;

	if (f == NULL)
		return -1;
	for (i = 0; i < m->nv; i++)
		fprintf(f, "v %.9g %.9g %.9g\n", m->pos[3 * i], m->pos[3 * i + 1],
		    m->pos[3 * i + 2]);
	for (i = 0; i < m->nt; i++)
		fprintf(f, "f %u %u %u\n", m->tri[3 * i] + 1, m->tri[3 * i + 1] + 1,
		    m->tri[3 * i + 2] + 1);
	return fclose(f) == 0 ? 0 : -1;
}

/* Grid cell of tol-sized cells holding a position. */
struct near_key { int64_t k[3]; uint32_t v; };

static int
cmp_near(const void *a, const void *b)
{
	const struct near_key *x = a, *y = b;
	int i;

	for (i = 0; i < 3; i++)
		if (x->k[i] != y->k[i])
			return x->k[i] < y->k[i] ? -1 : 1;
	return (x->v > y->v) - (x->v < y->v);
}

/* First entry of sorted keys[0..n) whose cell is >= k (and v >= 0). */
static size_t
near_lower(const struct near_key *keys, size_t n, const int64_t k[3])
{
	struct near_key probe;
	size_t lo = 0, hi = n;

	memcpy(probe.k, k, sizeof probe.k);
	probe.v = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_near(&keys[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static double
dist2(const float *a, const float *b)
{
	double s = 0;
	int k;

	for (k = 0; k < 3; k++)
		s += ((double)a[k] - b[k]) * ((double)a[k] - b[k]);
	return s;
}

/* Join every pair of vertices closer than tol, looking only in the 27 grid
 * cells around each vertex; count the pairs. */
static uint32_t
near_union(const struct mc_mesh *in, float tol, uint32_t *p)
{
	struct near_key *keys = xrealloc(NULL, (size_t)(in->nv ? in->nv : 1) *
	    sizeof *keys);
	uint32_t i, pairs = 0;
	int k;

	for (i = 0; i < in->nv; i++) {
		for (k = 0; k < 3; k++)
			keys[i].k[k] = (int64_t)floor((double)in->pos[3 * i + k] / tol);
		keys[i].v = i;
		p[i] = i;
	}
	qsort(keys, in->nv, sizeof *keys, cmp_near);
	for (i = 0; i < in->nv; i++) {
		const struct near_key *me = &keys[i];
		int64_t c[3];
		int d;

		for (d = 0; d < 27; d++) {
			size_t j;

			c[0] = me->k[0] + d % 3 - 1;
			c[1] = me->k[1] + d / 3 % 3 - 1;
			c[2] = me->k[2] + d / 9 - 1;
			for (j = near_lower(keys, in->nv, c); j < in->nv &&
			    memcmp(keys[j].k, c, sizeof c) == 0; j++) {
				uint32_t a = me->v, b = keys[j].v;

				if (a >= b || dist2(in->pos + 3 * a, in->pos + 3 * b) >=
				    (double)tol * tol)
					continue;
				pairs++;
				p[find(p, b)] = find(p, a);
			}
		}
	}
	free(keys);
	return pairs;
}

uint32_t
mc_weld_near(const struct mc_mesh *in, float tol, struct mc_mesh *out)
{
	uint32_t *p = xrealloc(NULL, (size_t)(in->nv ? in->nv : 1) * sizeof *p);
	uint32_t pairs = near_union(in, tol, p), i;

	/* Each vertex takes the position (and normal) of its class's root, so
	 * the exact weld joins the class; triangles keep their tags. */
	mc_init(out);
	for (i = 0; i < in->nv; i++)
		p[i] = find(p, i);
	for (i = 0; i < in->nv; i++)
		p[i] = weld(out, in->pos + 3 * p[i], in->nrm + 3 * p[i]);
	for (i = 0; i < in->nt; i++) {
		out->tag = in->tags[i];
		add_tri(out, p[in->tri[3 * i]], p[in->tri[3 * i + 1]],
		    p[in->tri[3 * i + 2]]);
	}
	free(p);
	return pairs;
}
