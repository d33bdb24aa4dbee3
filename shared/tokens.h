/*
 * tokens.h - work tokens and the eventcount that parks idle workers.
 *
 * A client adds one token per request it publishes; a worker takes one
 * token, then one request (q_take).  Tokens are a plain counter in the
 * control segment: adding and taking are single atomic operations, so a
 * burst of submits costs the host no system call.
 *
 * Idle workers park on a futex (wake_seq).  Adding tokens makes a system
 * call only when a worker is parked and no other is already on its way
 * awake; a worker that wakes and finds more tokens than it takes wakes the
 * next one itself (a wake chain).  So one burst costs the host at most one
 * futex wake, however many requests it holds.
 *
 * Everything here lives in client-writable memory: a client can only make
 * workers wake for nothing, never lose another client's request.
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
/* Park until a token is taken (0), or until a signal arrives (-1). */
int      tokens_park(struct ctl_hdr *h);
/* After a worker died, possibly the one being woken: clear that and wake
 * one parked worker if tokens are waiting. */
void     tokens_rewake(struct ctl_hdr *h);

#endif
