/*
 * brushlog.h - the client's input region as a circular log of brush
 * blocks: a request's brushes are written in one contiguous block, blocks
 * are freed in any order (as results come back) and their room is taken
 * back in the order they were written.  A block that does not fit before
 * the end of the region starts again at 0, and the end it skipped counts
 * as part of it until it is taken back.
 */
#ifndef MP_BRUSHLOG_H
#define MP_BRUSHLOG_H

#include <stdint.h>

/* A block in the log.  Its ticket may be reused as soon as its result is
 * in, while the block itself waits behind older ones, so what the block
 * holds is kept here and the ticket only says where its block is. */
struct brushlog_block {
	uint32_t span;               /* slots it holds (with a skipped end) */
	uint32_t freed;              /* its result is in */
};

struct brushlog {
	uint32_t cap;                /* slots in the region */
	uint32_t head, tail, live;   /* next write, oldest block, slots held */
	struct brushlog_block *fifo; /* blocks, oldest first */
	uint32_t fifo_cap, fifo_h, fifo_n;
	uint32_t *at;                /* per ticket: its block's fifo index */
};

/* Room for a region of cap slots and tickets below tickets: 0 or -1. */
int  brushlog_init(struct brushlog *l, uint32_t cap, uint32_t tickets);
void brushlog_free(struct brushlog *l);
/* Where n slots would go, without taking them: 0 and *off, or -1 (full).
 * st is a copy of the log to try several blocks in a row on. */
int  brushlog_fit(struct brushlog *st, uint32_t n, uint32_t *off);
/* Take n slots (n > 0) for ticket: 0 and *off, or -1 (full). */
int  brushlog_alloc(struct brushlog *l, uint32_t ticket, uint32_t n,
         uint32_t *off);
/* Ticket's result is in: its block may go (in order). */
void brushlog_release(struct brushlog *l, uint32_t ticket);

#endif
