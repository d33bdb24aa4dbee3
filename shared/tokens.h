/*
 * tokens.h - work tokens and the parking of idle workers.
 *
 * A client adds one token per request it publishes; a worker takes one
 * token, then one request (q_take).  Tokens are a plain counter in the
 * control segment: adding and taking are single atomic operations, so a
 * burst of submits costs the host no system call.
 *
 * An idle worker parks on its own futex word (park[w]) and sets its bit in
 * the parked mask.  Adding tokens wakes one worker whose word still says
 * PARKED, claiming it first (PARKED -> WOKEN), so a worker already woken
 * is never woken again: one burst costs the host at most one futex wake
 * per parked worker, however many requests it holds.  A worker that wakes
 * and sees tokens left wakes the next parked one itself (a wake chain).
 *
 * Everything here lives in client-writable memory: a client can make
 * workers wake for nothing or sleep late, never lose another client's
 * request.
 */
#ifndef MP_TOKENS_H
#define MP_TOKENS_H

#include <stdint.h>

#include "layout.h"

/* Publish n tokens (after the requests they stand for are visible). */
void     tokens_add(struct ctl_hdr *h, uint32_t n);
/* Take one token if there is one: 1, else 0.  Never blocks. */
int      tokens_take(struct ctl_hdr *h);
/* Tokens waiting to be taken. */
uint32_t tokens_count(const struct ctl_hdr *h);
/* Worker w parks until it has taken a token (0), or a signal came (-1). */
int      tokens_park(struct ctl_hdr *h, uint32_t w);
/* Workers parked now. */
uint32_t tokens_parked(const struct ctl_hdr *h);
/* Worker w died (maybe parked, maybe just claimed by a waker): take it off
 * the parked list.  A wake spent on it is made good by the tokens recovery
 * adds next (tokens_add wakes another). */
void     tokens_forget(struct ctl_hdr *h, uint32_t w);

#endif
