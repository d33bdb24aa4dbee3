/*
 * port.h - a client's end of its client segment: publish requests (and
 * the brushes they carry) into the lane rings, take results from the
 * completion ring, hand slabs back.  No lock, and no system call unless a
 * worker is parked (a doorbell wake) or the client chooses to sleep
 * (port_wait).
 *
 * Every request in flight holds a ticket (its index in the port's table,
 * below the completion ring's capacity), which travels with it and comes
 * back with its result.  So the port knows exactly which requests are
 * still out: in flight stays below the completion ring's capacity (the
 * daemon always has room to complete), a cancel names one request, the
 * members of a group are handed out together, and after the daemon went
 * away the port can say which requests were lost.
 */
#ifndef MP_PORT_H
#define MP_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "meshpool.h"
#include "brushlog.h"
#include "layout.h"

struct port_entry {             /* one request in flight */
	mp_request req;
	uint64_t   seq;         /* submission order */
	uint32_t   group;       /* its group's slot + 1, or 0 */
	uint8_t    used, cancelled, arrived;
	mp_result  res;         /* once arrived, while its group is not done */
};

struct port_group {             /* a group of requests handed out together */
	uint32_t   left;        /* members whose results are not in yet */
	uint32_t   size;
	uint32_t   first;       /* its members' tickets run through next[] */
};

struct port {
	struct cseg_view   seg;
	const struct inst_hdr *inst;
	struct ring_view   lane[MP_LANES], cq, rel;
	uint32_t           last_seq;   /* park_seq when we last rang */
	uint32_t           in_flight;
	uint64_t           next_seq;
	struct port_entry *tab;        /* cq_cap entries, by ticket */
	uint32_t          *free;       /* free tickets */
	uint32_t           nfree;
	struct brushlog    brushes;    /* the input region */
	struct port_group *groups;     /* cq_cap slots */
	uint32_t          *next;       /* per ticket: the next of its group */
	uint32_t          *free_groups, nfree_groups;
	uint32_t           ready;      /* groups all in, not yet handed out */
	uint32_t           held;       /* results of groups, in but held */
};

/* Open the port on a client segment and the instance header: 0, or -1
 * (out of memory). */
int    port_open(struct port *p, const struct cseg_view *seg,
           const struct inst_hdr *inst);
void   port_close(struct port *p);
/* Publish one request in lane r->priority: 0, MP_EAGAIN (lane full or the
 * in-flight limit reached), MP_EINVAL (no such lane). */
int    port_submit(struct port *p, const mp_request *r);
/* Publish r[0..n) in order, stopping at the first that does not fit;
 * returns how many were taken (the rest are the caller's to resubmit). */
size_t port_submit_batch(struct port *p, const mp_request *r, size_t n);
/* Publish r with brushes b[0..nb), copied into the input region: 0,
 * MP_EAGAIN (a lane, the in-flight limit or the input region is full),
 * MP_EINVAL (no such lane, or more than MP_MAX_BRUSHES). */
int    port_submit_brushes(struct port *p, const mp_request *r,
           const mp_brush *b, uint32_t nb);
/* Publish r[0..n) as one group, r[i] with brushes b[i][0..nb[i]) (b may
 * be NULL: none): all of them (0) or none (MP_EAGAIN, MP_EINVAL). */
int    port_submit_group(struct port *p, const mp_request *r, size_t n,
           const mp_brush *const *b, const uint32_t *nb);
/* Up to max results, never blocks: the count, or MP_EPROTO if the daemon
 * broke the ring.  Results of cancelled requests come back MP_ECANCELED,
 * their slabs already handed back; a group's results come out together,
 * in one call with room for all of them, once all are in. */
int    port_poll(struct port *p, mp_result *out, size_t max);
/* Sleep until something can be polled or timeout_ms passes (-1: forever):
 * 1 (results waiting), 0 (timeout).  A group counts once it is whole. */
int    port_wait(struct port *p, int timeout_ms);
/* The same until want results are there; with all, results held for
 * groups still incomplete count too (every request has its result in). */
int    port_wait_results(struct port *p, uint32_t want, int all,
           int timeout_ms);
/* Hand a slab back: 0, or MP_EAGAIN if the release ring is full. */
int    port_release(struct port *p, uint64_t handle);
/* Cancel the oldest request in flight with user_data that is not already
 * cancelled: MP_OK, or MP_ENOENT. */
int    port_cancel(struct port *p, uint64_t user_data);
/* The requests in flight, oldest first, up to max: how many were copied. */
size_t port_unfinished(const struct port *p, mp_request *out, size_t max);

#endif
