/*
 * local.c - mp_mesh_local: the daemon's mesher, run in the calling thread.
 *
 * The extractor's scratch (sample grids, vertex caches, output buffer) is
 * a few hundred KiB; allocating it per call would cost more page faults than
 * meshing a chunk.  So each thread keeps one, freed when the thread exits.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "meshpool.h"
#include "edits.h"
#include "mesher.h"
#include "request.h"

struct local_mesher {
	struct tv_scratch *scratch;
	struct mesh        mesh;
};

static pthread_key_t  mesher_key;
static pthread_once_t mesher_once = PTHREAD_ONCE_INIT;
static int            mesher_key_ok;

static void
mesher_destroy(void *p)
{
	struct local_mesher *lm = p;

	tv_scratch_free(lm->scratch);
	mesh_free(&lm->mesh);
	free(lm);
}

static void
mesher_key_init(void)
{
	mesher_key_ok = pthread_key_create(&mesher_key, mesher_destroy) == 0;
}

static struct local_mesher *
thread_mesher(void)
{
	struct local_mesher *lm;

	pthread_once(&mesher_once, mesher_key_init);
	if (!mesher_key_ok)
		return NULL;
	if ((lm = pthread_getspecific(mesher_key)) != NULL)
		return lm;
	if ((lm = calloc(1, sizeof *lm)) == NULL)
		return NULL;
	if ((lm->scratch = tv_scratch_new()) == NULL ||
	    pthread_setspecific(mesher_key, lm) != 0) {
		tv_scratch_free(lm->scratch);
		free(lm);
		return NULL;
	}
	mesh_init(&lm->mesh);
	return lm;
}

/* Exactly-sized copies, so the caller owns plain malloc'd arrays. */
static int
copy_out(const struct mesh *m, mp_mesh_buf *out)
{
	size_t vb = (size_t)m->nv * 3 * sizeof(float);
	size_t ib = (size_t)m->ni * sizeof(uint32_t);

	memcpy(out->aabb_min, m->aabb_min, sizeof out->aabb_min);
	memcpy(out->aabb_max, m->aabb_max, sizeof out->aabb_max);
	if (m->nv == 0)
		return 0;
	out->positions = malloc(vb);
	out->normals = malloc(vb);
	out->indices = malloc(ib);
	out->materials = malloc(m->nv);
	if (!out->positions || !out->normals || !out->indices ||
	    !out->materials) {
		mp_mesh_buf_free(out);
		return MP_ENOMEM;
	}
	memcpy(out->positions, m->pos, vb);
	memcpy(out->normals, m->nrm, vb);
	memcpy(out->indices, m->idx, ib);
	memcpy(out->materials, m->mat, m->nv);
	out->vertex_count = m->nv;
	out->index_count = m->ni;
	return 0;
}

/* Mesh r with b[0..nb) into out (owned copies). */
static int
mesh_into(const mp_request *r, const mp_brush *b, size_t nb,
    mp_mesh_buf *out)
{
	struct local_mesher *lm;
	int e;

	if ((lm = thread_mesher()) == NULL)
		return MP_ENOMEM;
	if ((e = mesh_chunk(r, b, nb, lm->scratch, &lm->mesh)) != MP_OK)
		return e;
	return copy_out(&lm->mesh, out);
}

int
mp_mesh_local(const mp_request *r, mp_mesh_buf *out)
{
	if (out == NULL)
		return MP_EINVAL;
	memset(out, 0, sizeof *out);
	if (r == NULL || request_problem(r) != NULL)
		return MP_EINVAL;
	return mesh_into(r, NULL, 0, out);
}

int
mp_mesh_local_edited(const mp_request *r, const mp_edits *e,
    mp_mesh_buf *out)
{
	mp_brush *b = NULL;
	long n;
	int err;

	if (out == NULL)
		return MP_EINVAL;
	memset(out, 0, sizeof *out);
	if (r == NULL || request_problem(r) != NULL)
		return MP_EINVAL;
	if ((n = edits_for_request(e, r, &b)) < 0)
		return (int)n;
	err = mesh_into(r, b, (size_t)n, out);
	free(b);
	return err;
}

void
mp_mesh_buf_free(mp_mesh_buf *b)
{
	if (b == NULL)
		return;
	free(b->positions);
	free(b->normals);
	free(b->indices);
	free(b->materials);
	memset(b, 0, sizeof *b);
}
