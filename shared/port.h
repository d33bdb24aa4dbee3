/*
 * port.h - a client's end of its slot in the control segment: publish
 * requests into the lane rings, take results from the completion ring,
 * hand slabs back.  No lock, and no syscall unless a worker is asleep
 * (sem_post) or the client chooses to sleep (port_wait).
 *
 * In flight (submitted, result not yet taken) is kept below the completion
 * ring's capacity, so the daemon always has room to complete.
 */
#ifndef MP_PORT_H
#define MP_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "meshpool.h"
#include "layout.h"

struct port {
	struct ctl_view    ctl;
	struct ctl_client *cc;
	struct ring_view   lane[CTL_LANES], cq, rel;
	uint32_t           slot, gen;
	uint32_t           in_flight;
};

void   port_open(struct port *p, const struct ctl_view *ctl, uint32_t slot,
           uint32_t gen);
/* Publish one request in lane r->priority: 0, MP_EAGAIN (lane full or the
 * in-flight limit reached), MP_EINVAL (no such lane). */
int    port_submit(struct port *p, const mp_request *r);
/* Publish r[0..n) in order, stopping at the first that does not fit;
 * returns how many were taken (the rest are the caller's to resubmit). */
size_t port_submit_batch(struct port *p, const mp_request *r, size_t n);
/* Up to max results, never blocks: the count, or MP_EPROTO if the daemon
 * broke the ring. */
int    port_poll(struct port *p, mp_result *out, size_t max);
/* Sleep until a result is there or timeout_ms passes (-1: forever):
 * 1 (results waiting), 0 (timeout). */
int    port_wait(struct port *p, int timeout_ms);
/* The same, until at least want results are waiting. */
int    port_wait_count(struct port *p, uint32_t want, int timeout_ms);
/* Hand a slab back: 0, or MP_EAGAIN if the release ring is full. */
int    port_release(struct port *p, uint64_t handle);

#endif
