/*
 * ring.c - lock-free SPSC ring; see ring.h for the protocol and the trust
 * model.  Acquire/release pairs: the producer's release store of tail
 * publishes the item bytes written before it; the consumer's release store
 * of head tells the producer the slot may be overwritten.
 */
#include <string.h>

#include "ring.h"

size_t
ring_bytes(uint32_t cap, uint32_t esz)
{
	return sizeof(struct ring) + (size_t)cap * esz;
}

void
ring_view_of(struct ring_view *v, void *mem, uint32_t cap, uint32_t esz,
    uint32_t *own)
{
	v->r = mem;
	v->cap = cap;
	v->esz = esz;
	v->own = own;
}

int
ring_init(struct ring_view *v, void *mem, uint32_t cap, uint32_t esz)
{
	if (cap == 0 || (cap & (cap - 1)) != 0 || esz == 0 ||
	    ((uintptr_t)mem & (RING_CACHELINE - 1)) != 0)
		return RING_CORRUPT;
	ring_view_of(v, mem, cap, esz, NULL);
	atomic_store_explicit(&v->r->tail, 0, memory_order_relaxed);
	atomic_store_explicit(&v->r->head, 0, memory_order_release);
	return RING_OK;
}

/* This side's own index: the private copy if there is one. */
static uint32_t
own_load(const struct ring_view *v, _Atomic uint32_t *shared)
{
	return v->own != NULL ? *v->own :
	    atomic_load_explicit(shared, memory_order_relaxed);
}

static void
own_store(const struct ring_view *v, _Atomic uint32_t *shared, uint32_t x)
{
	if (v->own != NULL)
		*v->own = x;
	atomic_store_explicit(shared, x, memory_order_release);
}

static unsigned char *
slot(const struct ring_view *v, uint32_t k)
{
	return v->r->items + (size_t)(k & (v->cap - 1)) * v->esz;
}

int
ring_push(const struct ring_view *v, const void *item)
{
	return ring_push_many(v, item, 1) == 1 ? RING_OK :
	    (ring_used(v) == RING_CORRUPT ? RING_CORRUPT : RING_FULL);
}

uint32_t
ring_push_many(const struct ring_view *v, const void *items, uint32_t n)
{
	uint32_t tail = own_load(v, &v->r->tail);
	uint32_t head = atomic_load_explicit(&v->r->head, memory_order_acquire);
	uint32_t used = tail - head, room, i;

	if (used > v->cap)
		return 0;       /* consumer side corrupt: take nothing */
	room = v->cap - used;
	if (n > room)
		n = room;
	for (i = 0; i < n; i++)
		memcpy(slot(v, tail + i), (const unsigned char *)items +
		    (size_t)i * v->esz, v->esz);
	if (n > 0)
		own_store(v, &v->r->tail, tail + n);
	return n;
}

int64_t
ring_used(const struct ring_view *v)
{
	uint32_t tail = own_load(v, &v->r->tail);
	uint32_t head = atomic_load_explicit(&v->r->head, memory_order_acquire);
	uint32_t used = tail - head;

	return used > v->cap ? RING_CORRUPT : (int64_t)used;
}

uint32_t
ring_tail(const struct ring_view *v)
{
	return atomic_load_explicit(&v->r->tail, memory_order_acquire);
}

int64_t
ring_count(const struct ring_view *v)
{
	uint32_t tail = atomic_load_explicit(&v->r->tail, memory_order_acquire);
	uint32_t head = own_load(v, &v->r->head);
	uint32_t used = tail - head;

	return used > v->cap ? RING_CORRUPT : (int64_t)used;
}

int
ring_peek(const struct ring_view *v, void *out)
{
	int64_t n = ring_count(v);

	if (n == RING_CORRUPT)
		return RING_CORRUPT;
	if (n == 0)
		return RING_EMPTY;
	memcpy(out, slot(v, own_load(v, &v->r->head)), v->esz);
	return RING_OK;
}

void
ring_pop(const struct ring_view *v)
{
	own_store(v, &v->r->head, own_load(v, &v->r->head) + 1);
}
