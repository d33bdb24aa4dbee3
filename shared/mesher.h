/*
 * mesher.h - one chunk of a request, with the brushes that touch it, from
 * densities to mesh: the one path the workers and mp_mesh_local share, so
 * a chunk is the same bits wherever it is made.
 */
#ifndef MP_MESHER_H
#define MP_MESHER_H

#include <stddef.h>

#include "meshpool.h"
#include "mesh.h"
#include "transvoxel.h"

/* Mesh the chunk of r with b[0..nb) applied in order into m: MP_OK,
 * MP_EINVAL (r or a brush invalid: nothing meshed), MP_ENOMEM. */
int mesh_chunk(const mp_request *r, const mp_brush *b, size_t nb,
        struct tv_scratch *s, struct mesh *m);

#endif
