/*
 * mesh.c - growable structure-of-arrays triangle mesh.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mesh.h"

void
mesh_init(struct mesh *m)
{
	memset(m, 0, sizeof *m);
}

void
mesh_free(struct mesh *m)
{
	free(m->pos);
	free(m->nrm);
	free(m->mat);
	free(m->idx);
	mesh_init(m);
}

void
mesh_clear(struct mesh *m)
{
	m->nv = m->ni = 0;
	memset(m->aabb_min, 0, sizeof m->aabb_min);
	memset(m->aabb_max, 0, sizeof m->aabb_max);
}

static uint32_t
grow_to(uint32_t cap, uint64_t need)
{
	uint64_t n = cap ? cap : 1024;

	while (n < need)
		n *= 2;
	return n > UINT32_MAX ? 0 : (uint32_t)n;
}

int
mesh_reserve(struct mesh *m, uint32_t more_v, uint32_t more_i)
{
	uint64_t need_v = (uint64_t)m->nv + more_v;
	uint64_t need_i = (uint64_t)m->ni + more_i;

	if (need_v > m->cap_v) {
		uint32_t cap = grow_to(m->cap_v, need_v);
		float *p, *n;
		uint8_t *t;

		if (cap == 0)
			return -1;
		/* A float past the last vertex (MESH_PAD), so that any vertex
		 * reads as one four-float vector. */
		if ((p = realloc(m->pos, ((size_t)cap * 3 + MESH_PAD) *
		    sizeof *p)) == NULL)
			return -1;
		m->pos = p;
		if ((n = realloc(m->nrm, ((size_t)cap * 3 + MESH_PAD) *
		    sizeof *n)) == NULL)
			return -1;
		m->nrm = n;
		p[(size_t)cap * 3] = n[(size_t)cap * 3] = 0.0f;
		if ((t = realloc(m->mat, cap)) == NULL)
			return -1;
		m->mat = t;
		m->cap_v = cap;
	}
	if (need_i > m->cap_i) {
		uint32_t cap = grow_to(m->cap_i, need_i);
		uint32_t *ix;

		if (cap == 0)
			return -1;
		if ((ix = realloc(m->idx, (size_t)cap * sizeof *ix)) == NULL)
			return -1;
		m->idx = ix;
		m->cap_i = cap;
	}
	return 0;
}

void
mesh_compute_aabb(struct mesh *m)
{
	float lo[3], hi[3];
	uint32_t v = 1, i;
	int a;

	if (m->nv == 0) {
		mesh_clear(m);
		return;
	}
	for (a = 0; a < 3; a++)
		lo[a] = hi[a] = m->pos[a];
#ifdef __SSE2__
	/* Four vertices (12 floats) at a time: three vectors whose lanes hold
	 * x y z x, y z x y, z x y z. */
	if (m->nv >= 5) {
		__m128 l[3], h[3];
		float t[3][4];

		for (a = 0; a < 3; a++)
			l[a] = h[a] = _mm_loadu_ps(m->pos + 4 * a);
		for (v = 4; v + 4 <= m->nv; v += 4)
			for (a = 0; a < 3; a++) {
				__m128 p = _mm_loadu_ps(m->pos + 3 * v + 4 * a);

				l[a] = _mm_min_ps(l[a], p), h[a] = _mm_max_ps(h[a], p);
			}
		for (a = 0; a < 3; a++) {
			_mm_storeu_ps(t[a], l[a]);
			for (i = 0; i < 4; i++)
				lo[(4 * a + i) % 3] = t[a][i] < lo[(4 * a + i) % 3] ?
				    t[a][i] : lo[(4 * a + i) % 3];
			_mm_storeu_ps(t[a], h[a]);
			for (i = 0; i < 4; i++)
				hi[(4 * a + i) % 3] = t[a][i] > hi[(4 * a + i) % 3] ?
				    t[a][i] : hi[(4 * a + i) % 3];
		}
	}
#endif
	for (; v < m->nv; v++)
		for (a = 0; a < 3; a++) {
			float x = m->pos[3 * v + a];

			lo[a] = x < lo[a] ? x : lo[a];
			hi[a] = x > hi[a] ? x : hi[a];
		}
	for (a = 0; a < 3; a++)
		m->aabb_min[a] = lo[a], m->aabb_max[a] = hi[a];
}
