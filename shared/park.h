/*
 * park.h - idle workers asleep, and who may wake them.
 *
 * A worker with nothing to take parks: it stores PARKED in its own word in
 * the daemon segment, sets its bit in the instance's parked mask and bumps
 * park_seq, then sleeps in futex_waitv on its word *and* on the doorbell of
 * every client it serves.  Three parties wake it:
 *
 *   a client   after publishing requests (or releasing slabs others may be
 *              waiting for) it bumps its own doorbell and wakes one waiter,
 *              but only if a worker is parked and it has not already rung
 *              since that worker parked (park_seq): no system call on the
 *              submit path otherwise.  It writes nothing but its doorbell.
 *   a worker   that took a request and saw more it could take claims a
 *              parked worker's word (PARKED -> WOKEN) and wakes it: a burst
 *              spreads over every worker down this chain.
 *   the daemon a new client (the parked ones must add its doorbell), a
 *              death, a stop: the supervisor claims and wakes them.
 *
 * No wake-up is lost: the worker sets its bit, then reads the doorbells and
 * looks for work; a client publishes, then reads the bits (seq_cst both).
 * If the client saw the bit, its doorbell bump lands either before the
 * worker read the doorbell (then the worker's look sees the work) or after
 * (then futex_waitv finds the value changed and returns at once).
 *
 * A client can only ring its own doorbell: it can make workers wake for
 * nothing (queue.c mutes a doorbell that keeps ringing without work), never
 * keep one asleep or take another client's work.
 */
#ifndef MP_PARK_H
#define MP_PARK_H

#include <stdint.h>

#include "layout.h"

enum { PARK_RUNNING = 0, PARK_PARKED = 1, PARK_WOKEN = 2 };

struct park_word {
	_Alignas(64) _Atomic uint32_t v;
};

struct park_bell {              /* one doorbell a parked worker listens to */
	_Atomic uint32_t *word;
	uint32_t seen;              /* its value before the last look for work */
};

/* 1 if this kernel has futex_waitv (Linux 5.16 or later), which parking
 * needs; 0 if not. */
int  park_supported(void);
/* Worker w is about to look for work one last time before sleeping. */
void park_begin(struct inst_hdr *ih, struct park_word *pw, uint32_t w);
/* Sleep until pw[w] is woken, a bell differs from what it was seen at, or
 * until_ns (CLOCK_MONOTONIC; 0 = no limit).  Returns the index of the bell
 * that woke it, -1 for its own word, a timeout, a signal or a bell that had
 * already changed. */
int  park_sleep(struct park_word *pw, uint32_t w, const struct park_bell *b,
         uint32_t nbells, uint64_t until_ns);
/* Up again (after park_sleep, or instead of it). */
void park_end(struct inst_hdr *ih, struct park_word *pw, uint32_t w);
/* Wake parked worker w if nobody has claimed it yet: 1 if we did. */
int  park_kick(struct park_word *pw, uint32_t w);
/* Wake one parked worker (the chain) or every parked one: how many. */
int  park_kick_one(struct inst_hdr *ih, struct park_word *pw);
int  park_kick_all(struct inst_hdr *ih, struct park_word *pw);
/* Worker w died: off the parked mask, whatever it was doing. */
void park_forget(struct inst_hdr *ih, struct park_word *pw, uint32_t w);

/* Client: after publishing (release stores), ring the doorbell if a worker
 * sleeps and we have not rung since it parked.  *last_seq is the client's
 * private memory of park_seq at its last ring. */
void doorbell_ring(struct cseg_hdr *cs, const struct inst_hdr *ih,
         uint32_t *last_seq);

#endif
