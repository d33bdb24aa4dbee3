/*
 * port.h - a client's end of its client segment: publish requests into the
 * lane rings, take results from the completion ring, hand slabs back.  No
 * lock, and no system call unless a worker is parked (a doorbell wake) or
 * the client chooses to sleep (port_wait).
 *
 * Every request in flight holds a ticket (its index in the port's table,
 * below the completion ring's capacity), which travels with it and comes
 * back with its result.  So the port knows exactly which requests are
 * still out: in flight stays below the completion ring's capacity (the
 * daemon always has room to complete), a cancel names one request, and
 * after the daemon went away the port can say which ones were lost.
 */
#ifndef MP_PORT_H
#define MP_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "meshpool.h"
#include "layout.h"

struct port_entry {             /* one request in flight */
	mp_request req;
	uint64_t   seq;         /* submission order */
	uint8_t    used, cancelled;
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
/* Up to max results, never blocks: the count, or MP_EPROTO if the daemon
 * broke the ring.  Results of cancelled requests come back MP_ECANCELED,
 * their slabs already handed back. */
int    port_poll(struct port *p, mp_result *out, size_t max);
/* Sleep until a result is there or timeout_ms passes (-1: forever):
 * 1 (results waiting), 0 (timeout). */
int    port_wait(struct port *p, int timeout_ms);
/* The same, until at least want results are waiting. */
int    port_wait_count(struct port *p, uint32_t want, int timeout_ms);
/* Hand a slab back: 0, or MP_EAGAIN if the release ring is full. */
int    port_release(struct port *p, uint64_t handle);
/* Cancel the oldest request in flight with user_data that is not already
 * cancelled: MP_OK, or MP_ENOENT. */
int    port_cancel(struct port *p, uint64_t user_data);
/* The requests in flight, oldest first, up to max: how many were copied. */
size_t port_unfinished(const struct port *p, mp_request *out, size_t max);

#endif
