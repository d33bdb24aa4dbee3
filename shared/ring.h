/*
 * ring.h - single-producer single-consumer ring of fixed-size items in
 * shared memory, the building block of the client<->daemon transport.
 *
 * Layout in shared memory: a struct ring (head and tail on their own cache
 * lines) followed by cap items of esz bytes.  head and tail are free-running
 * 32-bit counters: item k lives in slot k & (cap - 1); the ring holds
 * tail - head items.  The producer alone writes tail and the items it
 * publishes (release), the consumer alone writes head (release).
 *
 * Trust.  One side may be a client, which can write anything into the
 * memory it maps.  So cap and esz are never read from shared memory: each
 * side passes its own copy (struct ring_view), and the consumer checks that
 * tail - head never exceeds cap before it reads a slot; a ring that breaks
 * this is reported as corrupt (RING_CORRUPT) and must not be used again.
 * The daemon's side also keeps its own index in private memory (own): it
 * is mirrored into the ring for the other side to read, but never read
 * back, so a client that rewrites it can only confuse itself.  Every slot
 * address is masked by cap, so no value in the ring can move a read or a
 * write outside it.
 */
#ifndef MP_RING_H
#define MP_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RING_CACHELINE 64

struct ring {
	_Alignas(RING_CACHELINE) _Atomic uint32_t tail;   /* producer writes */
	_Alignas(RING_CACHELINE) _Atomic uint32_t head;   /* consumer writes */
	_Alignas(RING_CACHELINE) unsigned char items[];
};

/* One side's private, trusted description of a ring. */
struct ring_view {
	struct ring *r;
	uint32_t     cap;      /* power of two */
	uint32_t     esz;      /* bytes per item */
	uint32_t    *own;      /* private copy of this side's index, or NULL */
};

enum { RING_OK = 0, RING_EMPTY = 1, RING_FULL = 2, RING_CORRUPT = -1 };

/* Bytes of shared memory a ring of cap items of esz bytes needs. */
size_t ring_bytes(uint32_t cap, uint32_t esz);
/* Zero the counters; cap must be a power of two >= 1 and mem aligned to
 * RING_CACHELINE, else RING_CORRUPT.  v->own is set to NULL. */
int    ring_init(struct ring_view *v, void *mem, uint32_t cap, uint32_t esz);
/* A view of a ring laid out elsewhere (no write); own as in the view. */
void   ring_view_of(struct ring_view *v, void *mem, uint32_t cap, uint32_t esz,
           uint32_t *own);

/* Producer: copy item in and publish it.  RING_OK or RING_FULL (and
 * RING_CORRUPT if the consumer's head is impossible). */
int      ring_push(const struct ring_view *v, const void *item);
/* Producer: publish up to n items; returns how many were taken. */
uint32_t ring_push_many(const struct ring_view *v, const void *items,
             uint32_t n);

/* Consumer: copy the oldest item out without removing it (RING_OK,
 * RING_EMPTY or RING_CORRUPT), then ring_pop once it is safe elsewhere. */
int  ring_peek(const struct ring_view *v, void *out);
void ring_pop(const struct ring_view *v);
/* Consumer: items waiting, or RING_CORRUPT. */
int64_t ring_count(const struct ring_view *v);
/* The producer's index as published (acquire): it moves whenever
 * something is pushed, whatever its value means. */
uint32_t ring_tail(const struct ring_view *v);
/* Producer: items published and not yet consumed, or RING_CORRUPT. */
int64_t ring_used(const struct ring_view *v);

#endif
