/*
 * layout.h - the control segment: the one region clients map read-write.
 *
 *   control segment (clients: read-write)         offsets in struct ctl_hdr
 *   +-------------------------------------------+ 0
 *   | struct ctl_hdr                            |  magic, ABI, geometry,
 *   |   work tokens, parked-worker eventcount   |  supervisor pid,
 *   |                                           |  generation, state
 *   +-------------------------------------------+ slots_off (page aligned)
 *   | client slot 0            (slot_bytes)     |
 *   |   struct ctl_client: generation, waiting, |
 *   |                      cq_sem               |
 *   |   lane ring 0..3: mp_request x lane_cap   |  client -> workers
 *   |   lane stamps 0..3: uint64_t x lane_cap   |  submit time per item
 *   |   completion ring: mp_result x cq_cap     |  workers -> client
 *   |   release ring: uint64_t x rel_cap        |  client -> workers
 *   +-------------------------------------------+
 *   | client slot 1 .. nclients-1               |
 *   +-------------------------------------------+ total_bytes
 *
 *   daemon segment (clients: none)  see queue.h: locks, worker slots with
 *                                   request copies, retry queue, trusted
 *                                   per-client indexes and state
 *   arena segment (clients: read-only)  see slab.h: the meshes
 *
 * Every ring capacity is a power of two; every ring starts on a 64-byte
 * line and every slot on a page, so one client's traffic never shares a
 * cache line with another's.  The daemon writes the header once at start
 * and never reads geometry back from it: it keeps its own copy (struct
 * ctl_view), because a client can write anything here.  A client checks
 * magic and ABI before it trusts the header.
 */
#ifndef MP_LAYOUT_H
#define MP_LAYOUT_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ring.h"

#define CTL_MAGIC        0x6d70636f6e74726cull   /* "mpcontrl" */
#define CTL_ABI          3u
#define CTL_LANES        4
#define CTL_MAX_CLIENTS  64                      /* = SLAB_OWNERS */
#define CTL_MAX_WORKERS  64                      /* = Q_MAX_WORKERS */

enum ctl_state { CTL_STARTING = 0, CTL_RUNNING, CTL_DRAINING, CTL_STOPPED };

struct ctl_geometry {
	uint32_t nclients;    /* 1..CTL_MAX_CLIENTS */
	uint32_t lane_cap;    /* requests per lane ring, power of two */
	uint32_t cq_cap;      /* completions, power of two: bounds in flight */
	uint32_t rel_cap;     /* slab handles handed back, power of two */
};

struct ctl_hdr {
	uint64_t magic;
	uint32_t abi, hdr_bytes;
	uint64_t total_bytes, slots_off, slot_bytes;
	struct ctl_geometry geo;
	uint32_t lane_off[CTL_LANES], cq_off, rel_off;  /* inside a slot */
	uint32_t stamp_off[CTL_LANES];
	int32_t  supervisor_pid;
	uint32_t generation;                 /* bumped per daemon start */
	_Atomic uint32_t state;              /* enum ctl_state */
	/* Work tokens and parked workers, see tokens.h. */
	_Alignas(64) _Atomic uint32_t tokens;     /* one per published request */
	_Alignas(64) _Atomic uint64_t parked;     /* bit w: worker w is parked */
	_Alignas(64) _Atomic uint32_t park[CTL_MAX_WORKERS]; /* futex words */
};

/* The head of each client slot. */
struct ctl_client {
	_Atomic uint32_t generation;   /* the registration this slot serves */
	_Atomic uint32_t waiting;      /* client is (about to be) in mp_wait */
	_Atomic uint32_t owed;         /* work tokens spent on this client's
	                                * requests while it had no room (arena
	                                * cap); it posts them back when it polls
	                                * or releases */
	_Alignas(64) sem_t cq_sem;     /* posted on completion when waiting */
};

/* One process's trusted description of a control segment. */
struct ctl_view {
	struct ctl_hdr *h;
	unsigned char  *base;
	size_t          size;
	struct ctl_geometry geo;
	uint64_t        slots_off, slot_bytes;
	uint32_t        lane_off[CTL_LANES], cq_off, rel_off;
	uint32_t        stamp_off[CTL_LANES];
};

/* Bytes of control segment for geo, or 0 if geo is out of range. */
size_t ctl_bytes(const struct ctl_geometry *geo);
/* Lay out a segment in mem (page aligned, ctl_bytes long): header, empty
 * rings, semaphores.  0, or -1 on bad geometry. */
int    ctl_init(struct ctl_view *v, void *mem, size_t size,
           const struct ctl_geometry *geo, pid_t supervisor, uint32_t gen);
/* A client's view of a segment the daemon laid out: checks magic, ABI and
 * that every region lies inside size.  0, -1 (not ours) or -2 (ABI). */
int    ctl_attach(struct ctl_view *v, void *mem, size_t size);

struct ctl_client *ctl_client(const struct ctl_view *v, uint32_t slot);
/* Ring views of a slot; own is the caller's private index, or NULL. */
void   ctl_lane(const struct ctl_view *v, uint32_t slot, uint32_t lane,
           struct ring_view *rv, uint32_t *own);
/* Submit times (CLOCK_MONOTONIC ns) beside lane ring items, same index:
 * written by the client, read by workers as a mere number (queue_ns). */
_Atomic uint64_t *ctl_stamps(const struct ctl_view *v, uint32_t slot,
           uint32_t lane);
void   ctl_cq(const struct ctl_view *v, uint32_t slot, struct ring_view *rv,
           uint32_t *own);
void   ctl_rel(const struct ctl_view *v, uint32_t slot, struct ring_view *rv,
           uint32_t *own);
/* Empty a slot's rings for a new registration with generation gen. */
void   ctl_reset_slot(const struct ctl_view *v, uint32_t slot, uint32_t gen);

#endif
