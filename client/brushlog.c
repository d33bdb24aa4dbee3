/*
 * brushlog.c - the input region's circular log (brushlog.h).
 */
#include <stdlib.h>
#include <string.h>

#include "brushlog.h"

int
brushlog_init(struct brushlog *l, uint32_t cap, uint32_t tickets)
{
	memset(l, 0, sizeof *l);
	l->cap = cap;
	l->fifo_cap = tickets;
	l->fifo = calloc(tickets, sizeof *l->fifo);
	l->at = calloc(tickets, sizeof *l->at);
	if (l->fifo == NULL || l->at == NULL) {
		brushlog_free(l);
		return -1;
	}
	return 0;
}

void
brushlog_free(struct brushlog *l)
{
	free(l->fifo);
	free(l->at);
	memset(l, 0, sizeof *l);
}

/* Place n slots in the log's state; the slots the block holds (n and any
 * end it skips) in *held.  0, or -1 when there is no room. */
static int
place(struct brushlog *st, uint32_t n, uint32_t *off, uint32_t *held)
{
	if (st->live == 0)
		st->head = st->tail = 0;        /* empty: start at the front */
	if (st->live == st->cap)
		return -1;
	if (st->head >= st->tail) {     /* free: [head, cap) and [0, tail) */
		if (st->cap - st->head >= n) {
			*off = st->head, *held = n;
		} else if (st->tail >= n) {
			*off = 0, *held = st->cap - st->head + n;
		} else
			return -1;
	} else if (st->tail - st->head >= n) {
		*off = st->head, *held = n;
	} else
		return -1;
	st->head = (*off + n) % st->cap;
	st->live += *held;
	return 0;
}

int
brushlog_fit(struct brushlog *st, uint32_t n, uint32_t *off)
{
	uint32_t held;

	return n == 0 ? (*off = 0, 0) : place(st, n, off, &held);
}

int
brushlog_alloc(struct brushlog *l, uint32_t ticket, uint32_t n, uint32_t *off)
{
	uint32_t held, k;

	if (l->fifo_n == l->fifo_cap || place(l, n, off, &held) != 0)
		return -1;
	k = (l->fifo_h + l->fifo_n++) % l->fifo_cap;
	l->fifo[k].span = held;
	l->fifo[k].freed = 0;
	l->at[ticket] = k;
	return 0;
}

void
brushlog_release(struct brushlog *l, uint32_t ticket)
{
	l->fifo[l->at[ticket]].freed = 1;
	while (l->fifo_n > 0 && l->fifo[l->fifo_h].freed) {
		struct brushlog_block *b = &l->fifo[l->fifo_h];

		l->tail = (l->tail + b->span) % l->cap;
		l->live -= b->span;
		b->freed = 0;
		l->fifo_h = (l->fifo_h + 1) % l->fifo_cap;
		l->fifo_n--;
	}
}
