/*
 * layout.h - the memory a client maps, laid out once for both ends.
 *
 * Trust model: a client is any local process that passed the socket's
 * credential check, buggy or hostile.  What it can write is its own client
 * segment and nothing else; the daemon reads every word of it as untrusted.
 *
 *   instance segment (clients: read-only)       struct inst_hdr
 *   +-------------------------------------------+
 *   | magic, ABI, supervisor pid, generation,   |  written by the daemon
 *   | state                                     |
 *   | parked: bit w = worker w is parked        |  written by workers, read
 *   | park_seq: bumped each time a worker parks |  by clients to decide
 *   | arena_wait: requests wait for arena room  |  whether to ring
 *   +-------------------------------------------+
 *
 *   client segment, one per registration (that client and the daemon:
 *   read-write; a memfd sealed against shrinking and growing)
 *   +-------------------------------------------+ 0
 *   | struct cseg_hdr: magic, ABI, slot, gen,   |
 *   |   geometry and offsets (for the client;   |
 *   |   the daemon never reads them back)       |
 *   |   doorbell   client -> parked workers     |
 *   |   waiting, wake   daemon -> client's wait |
 *   +-------------------------------------------+ lane_off[0..3]
 *   | lane rings 0..3: mp_request x lane_cap    |  client -> workers
 *   +-------------------------------------------+ side_off[0..3]
 *   | struct wire_side beside each lane's items |  submit time, ticket
 *   +-------------------------------------------+ cq_off
 *   | completion ring: struct wire_res x cq_cap |  workers -> client
 *   +-------------------------------------------+ rel_off
 *   | release ring: uint64_t x rel_cap          |  client -> workers
 *   +-------------------------------------------+ cancel_off
 *   | cancel bits: one per ticket               |  client -> workers
 *   +-------------------------------------------+ input_off
 *   | input region: mp_brush x brush_cap        |  client -> workers:
 *   |                                           |  the brushes requests
 *   |                                           |  carry (a side entry says
 *   |                                           |  where and how many)
 *   +-------------------------------------------+ total_bytes
 *
 *   daemon segment (clients: none)    queue.h: locks, worker slots with
 *                                     request copies, park words, retry
 *                                     queue, trusted per-client indexes
 *   arena segment (clients: read-only)  slab.h: the meshes
 *
 * A registration gets a segment nobody used before: a client thrown out
 * keeps its mapping (nothing can take it back), so its old memory is
 * simply never read again.
 *
 * Every ring capacity is a power of two and every ring starts on a 64-byte
 * line.  The daemon keeps its own copy of the geometry and of every index
 * it owns (struct cseg_view, queue.h), so nothing written here moves a
 * daemon read or write outside the segment.
 */
#ifndef MP_LAYOUT_H
#define MP_LAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "meshpool.h"
#include "ring.h"

#define MP_ABI           5u
#define INST_MAGIC       0x6d70696e73746e63ull   /* "mpinstnc" */
#define CSEG_MAGIC       0x6d70636c69656e74ull   /* "mpclient" */
#define MP_LANES         4
#define MP_MAX_CLIENTS   64     /* one bit each in 64-bit masks */
#define MP_MAX_WORKERS   64     /* one bit each in inst_hdr.parked */

/* Brushes a client's input region holds: two of the largest requests. */
#define CSEG_BRUSHES     (2 * MP_MAX_BRUSHES)

_Static_assert(MP_MAX_CLIENTS <= 64, "clients are bits of a uint64_t mask");
_Static_assert(MP_MAX_WORKERS <= 64, "workers are bits of a uint64_t mask");

enum inst_state { INST_STARTING = 0, INST_RUNNING, INST_DRAINING,
	INST_STOPPED, INST_NSTATES };

/* What travels beside a lane item, at the same index: when the client
 * submitted it and the client's ticket for it (its in-flight slot, echoed
 * in the result).  Items are the contract's mp_request, one cache line. */
struct wire_side {
	uint64_t stamp;         /* CLOCK_MONOTONIC ns at submit (a hint only) */
	uint32_t ticket;        /* < cq_cap for a real request */
	uint32_t brushes;       /* how many brushes go with it, ... */
	uint32_t brush_off;     /* ... from this slot of the input region */
	uint32_t pad;
};

struct wire_res {
	mp_result  res;
	uint32_t   ticket;      /* copied from the request */
	uint32_t   pad;
};

struct seg_geometry {
	uint32_t lane_cap;      /* requests per lane ring, power of two */
	uint32_t cq_cap;        /* completions, power of two: bounds in flight */
	uint32_t rel_cap;       /* slab handles handed back, power of two */
	uint32_t brush_cap;     /* brushes the input region holds */
};

struct inst_hdr {
	uint64_t magic;
	uint32_t abi, hdr_bytes;
	int32_t  supervisor_pid;
	uint32_t generation;                 /* bumped per daemon start */
	_Atomic uint32_t state;              /* enum inst_state */
	/* Parking, see park.h: written by workers, read by clients. */
	_Alignas(64) _Atomic uint64_t parked;
	_Atomic uint32_t park_seq;
	_Atomic uint32_t arena_wait;
};

struct cseg_hdr {
	uint64_t magic;
	uint32_t abi, hdr_bytes;
	uint32_t slot, gen;
	uint64_t total_bytes;
	struct seg_geometry geo;
	uint32_t lane_off[MP_LANES], side_off[MP_LANES], cq_off, rel_off;
	uint32_t cancel_off, input_off;
	uint32_t pad;
	/* Bumped by the client, with a futex wake, when it has published work
	 * or room and sees a worker parked; parked workers wait on it. */
	_Alignas(64) _Atomic uint32_t doorbell;
	/* The client sleeps in mp_wait: it sets waiting, then futex-waits on
	 * wake; a worker that pushed a result bumps wake and wakes it. */
	_Alignas(64) _Atomic uint32_t waiting;
	_Atomic uint32_t wake;
};

/* One process's trusted description of a client segment. */
struct cseg_view {
	struct cseg_hdr *h;
	unsigned char   *base;
	size_t           size;
	struct seg_geometry geo;
	uint32_t         lane_off[MP_LANES], side_off[MP_LANES], cq_off;
	uint32_t         rel_off, cancel_off, input_off;
};

_Static_assert(sizeof(mp_request) == RING_CACHELINE, "a lane item is a line");
_Static_assert(sizeof(struct wire_res) % 8 == 0, "completions stay aligned");

/* A mesh in its slab, as a worker writes it and a client reads it in
 * place: positions (3 floats per vertex), normals (the same), indices (3
 * per triangle), then materials (1 byte per vertex, last so nothing after
 * them needs aligning).  Offsets in bytes from the slab's start. */
struct mesh_slab_map {
	uint64_t normals, indices, materials, bytes;
};

static inline struct mesh_slab_map
mesh_slab_map(uint32_t nv, uint32_t ni)
{
	struct mesh_slab_map m;

	m.normals = (uint64_t)nv * 3 * sizeof(float);
	m.indices = m.normals * 2;
	m.materials = m.indices + (uint64_t)ni * sizeof(uint32_t);
	m.bytes = m.materials + nv;
	return m;
}

/* Geometry within the limits the daemon accepts. */
int    geometry_ok(const struct seg_geometry *geo);
/* Bytes of a client segment for geo, or 0 if geo is out of range. */
size_t cseg_bytes(const struct seg_geometry *geo);
/* Lay out a fresh segment in mem (page aligned, cseg_bytes long, zeroed):
 * header and empty rings.  0, or -1 on bad geometry. */
int    cseg_init(struct cseg_view *v, void *mem, size_t size,
           const struct seg_geometry *geo, uint32_t slot, uint32_t gen);
/* The daemon's view of a segment of geometry geo at mem, from its own
 * arithmetic alone (it never reads the layout back from client memory). */
void   cseg_view_of(struct cseg_view *v, void *mem, size_t size,
           const struct seg_geometry *geo);
/* A client's view of a segment the daemon laid out: checks magic, ABI and
 * that every region lies inside size.  0, -1 (not ours) or -2 (ABI). */
int    cseg_attach(struct cseg_view *v, void *mem, size_t size);
/* Ring views; own is the caller's private index, or NULL. */
void   cseg_lane(const struct cseg_view *v, uint32_t lane,
           struct ring_view *rv, uint32_t *own);
void   cseg_cq(const struct cseg_view *v, struct ring_view *rv, uint32_t *own);
void   cseg_rel(const struct cseg_view *v, struct ring_view *rv, uint32_t *own);
/* The side entry of lane item k (any counter value: it is masked). */
struct wire_side *cseg_side(const struct cseg_view *v, uint32_t lane,
           uint32_t k);
/* The input region: brush_cap brushes. */
mp_brush *cseg_brushes(const struct cseg_view *v);
/* The cancel bits: bit t of word t / 64 set = ticket t is cancelled. */
_Atomic uint64_t *cseg_cancels(const struct cseg_view *v);

/* Lay out the instance header (one page). */
void   inst_init(struct inst_hdr *h, pid_t supervisor, uint32_t gen);
/* 0, -1 (not an instance) or -2 (ABI). */
int    inst_attach(const struct inst_hdr *h, size_t size);

#endif
