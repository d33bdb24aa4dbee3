/*
 * worker.h - a worker process: take the most urgent request, mesh it into
 * private scratch, copy it once into a slab of the exact class, complete.
 */
#ifndef MP_WORKER_H
#define MP_WORKER_H

#include <stdint.h>

#include "queue.h"

struct worker_opts {
	uint64_t spin_ns;        /* watch the lanes this long before parking */
};

/* Slab layout of a mesh: positions (3 floats per vertex), normals (same),
 * indices (uint32).  Bytes a mesh of nv vertices and ni indices needs. */
static inline uint64_t
mesh_slab_bytes(uint32_t nv, uint32_t ni)
{
	return (uint64_t)nv * 24 + (uint64_t)ni * 4;
}

/* The worker for slot w (q_worker_enter done).  Never returns. */
void worker_main(struct queue *q, uint32_t w, const struct worker_opts *o)
    __attribute__((noreturn));

#endif
