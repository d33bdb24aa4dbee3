/*
 * layout.c - lay out, check and index the control segment (layout.h).
 */
#include <string.h>

#include "meshpool.h"
#include "layout.h"

#define PAGE 4096u

static uint64_t
align_up(uint64_t x, uint64_t to)
{
	return (x + to - 1) / to * to;
}

static int
pow2(uint32_t x, uint32_t max)
{
	return x != 0 && x <= max && (x & (x - 1)) == 0;
}

static int
geometry_ok(const struct ctl_geometry *g)
{
	return g->nclients >= 1 && g->nclients <= CTL_MAX_CLIENTS &&
	    pow2(g->lane_cap, 1u << 16) && pow2(g->cq_cap, 1u << 18) &&
	    pow2(g->rel_cap, 1u << 18);
}

/* Place the rings of one slot; returns the slot's size (page aligned). */
static uint64_t
slot_layout(const struct ctl_geometry *g, uint32_t lane_off[CTL_LANES],
    uint32_t stamp_off[CTL_LANES], uint32_t *cq_off, uint32_t *rel_off)
{
	uint64_t off = align_up(sizeof(struct ctl_client), RING_CACHELINE);
	int i;

	for (i = 0; i < CTL_LANES; i++) {
		lane_off[i] = (uint32_t)off;
		off = align_up(off + ring_bytes(g->lane_cap, sizeof(mp_request)),
		    RING_CACHELINE);
	}
	for (i = 0; i < CTL_LANES; i++) {
		stamp_off[i] = (uint32_t)off;
		off = align_up(off + (uint64_t)g->lane_cap * 8, RING_CACHELINE);
	}
	*cq_off = (uint32_t)off;
	off = align_up(off + ring_bytes(g->cq_cap, sizeof(mp_result)),
	    RING_CACHELINE);
	*rel_off = (uint32_t)off;
	off += ring_bytes(g->rel_cap, sizeof(uint64_t));
	return align_up(off, PAGE);
}

static void
fill_view(struct ctl_view *v, void *mem, size_t size,
    const struct ctl_geometry *geo)
{
	v->h = mem;
	v->base = mem;
	v->size = size;
	v->geo = *geo;
	v->slots_off = align_up(sizeof(struct ctl_hdr), PAGE);
	v->slot_bytes = slot_layout(geo, v->lane_off, v->stamp_off, &v->cq_off,
	    &v->rel_off);
}

size_t
ctl_bytes(const struct ctl_geometry *geo)
{
	uint32_t lo[CTL_LANES], so[CTL_LANES], cq, rel;

	if (!geometry_ok(geo))
		return 0;
	return (size_t)(align_up(sizeof(struct ctl_hdr), PAGE) +
	    geo->nclients * slot_layout(geo, lo, so, &cq, &rel));
}

void
ctl_reset_slot(const struct ctl_view *v, uint32_t slot, uint32_t gen)
{
	struct ring_view rv;
	uint32_t i;

	for (i = 0; i < CTL_LANES; i++) {
		ctl_lane(v, slot, i, &rv, NULL);
		ring_init(&rv, rv.r, rv.cap, rv.esz);
	}
	ctl_cq(v, slot, &rv, NULL);
	ring_init(&rv, rv.r, rv.cap, rv.esz);
	ctl_rel(v, slot, &rv, NULL);
	ring_init(&rv, rv.r, rv.cap, rv.esz);
	atomic_store(&ctl_client(v, slot)->waiting, 0);
	atomic_store(&ctl_client(v, slot)->owed, 0);
	while (sem_trywait(&ctl_client(v, slot)->cq_sem) == 0)
		;       /* tokens left by the slot's last user */
	atomic_store(&ctl_client(v, slot)->generation, gen);
}

int
ctl_init(struct ctl_view *v, void *mem, size_t size,
    const struct ctl_geometry *geo, pid_t supervisor, uint32_t gen)
{
	struct ctl_hdr *h = mem;
	uint32_t i;

	if (((uintptr_t)mem & (PAGE - 1)) != 0 || ctl_bytes(geo) == 0 ||
	    ctl_bytes(geo) > size)
		return -1;
	fill_view(v, mem, size, geo);
	memset(h, 0, sizeof *h);
	h->abi = CTL_ABI;
	h->hdr_bytes = sizeof *h;
	h->total_bytes = ctl_bytes(geo);
	h->slots_off = v->slots_off;
	h->slot_bytes = v->slot_bytes;
	h->geo = *geo;
	memcpy(h->lane_off, v->lane_off, sizeof h->lane_off);
	memcpy(h->stamp_off, v->stamp_off, sizeof h->stamp_off);
	h->cq_off = v->cq_off;
	h->rel_off = v->rel_off;
	h->supervisor_pid = (int32_t)supervisor;
	h->generation = gen;
	for (i = 0; i < geo->nclients; i++) {
		memset(ctl_client(v, i), 0, sizeof(struct ctl_client));
		if (sem_init(&ctl_client(v, i)->cq_sem, 1, 0) != 0)
			return -1;
		ctl_reset_slot(v, i, 0);
	}
	atomic_store(&h->state, CTL_STARTING);
	h->magic = CTL_MAGIC;       /* last: a reader sees all or nothing */
	return 0;
}

int
ctl_attach(struct ctl_view *v, void *mem, size_t size)
{
	const struct ctl_hdr *h = mem;
	struct ctl_view mine;

	if (size < sizeof *h || h->magic != CTL_MAGIC)
		return -1;
	if (h->abi != CTL_ABI || h->hdr_bytes != sizeof *h)
		return -2;
	if (ctl_bytes(&h->geo) == 0 || ctl_bytes(&h->geo) > size)
		return -1;
	fill_view(&mine, mem, size, &h->geo);
	/* Our own arithmetic must agree with the daemon's, field by field. */
	if (mine.slots_off != h->slots_off || mine.slot_bytes != h->slot_bytes ||
	    memcmp(mine.lane_off, h->lane_off, sizeof h->lane_off) != 0 ||
	    memcmp(mine.stamp_off, h->stamp_off, sizeof h->stamp_off) != 0 ||
	    mine.cq_off != h->cq_off || mine.rel_off != h->rel_off)
		return -2;
	*v = mine;
	return 0;
}

static unsigned char *
slot_base(const struct ctl_view *v, uint32_t slot)
{
	return v->base + v->slots_off + (size_t)slot * v->slot_bytes;
}

struct ctl_client *
ctl_client(const struct ctl_view *v, uint32_t slot)
{
	return (struct ctl_client *)slot_base(v, slot);
}

void
ctl_lane(const struct ctl_view *v, uint32_t slot, uint32_t lane,
    struct ring_view *rv, uint32_t *own)
{
	ring_view_of(rv, slot_base(v, slot) + v->lane_off[lane], v->geo.lane_cap,
	    sizeof(mp_request), own);
}

_Atomic uint64_t *
ctl_stamps(const struct ctl_view *v, uint32_t slot, uint32_t lane)
{
	return (_Atomic uint64_t *)(slot_base(v, slot) + v->stamp_off[lane]);
}

void
ctl_cq(const struct ctl_view *v, uint32_t slot, struct ring_view *rv,
    uint32_t *own)
{
	ring_view_of(rv, slot_base(v, slot) + v->cq_off, v->geo.cq_cap,
	    sizeof(mp_result), own);
}

void
ctl_rel(const struct ctl_view *v, uint32_t slot, struct ring_view *rv,
    uint32_t *own)
{
	ring_view_of(rv, slot_base(v, slot) + v->rel_off, v->geo.rel_cap,
	    sizeof(uint64_t), own);
}
