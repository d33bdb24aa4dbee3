/*
 * layout.c - lay out, check and index the segments clients map (layout.h).
 */
#include <string.h>

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

int
geometry_ok(const struct seg_geometry *g)
{
	return pow2(g->lane_cap, 1u << 16) && pow2(g->cq_cap, 1u << 18) &&
	    pow2(g->rel_cap, 1u << 18);
}

/* Place the regions; returns the segment's size (page aligned). */
static uint64_t
place(const struct seg_geometry *g, uint32_t lane_off[MP_LANES],
    uint32_t side_off[MP_LANES], uint32_t *cq_off, uint32_t *rel_off,
    uint32_t *cancel_off)
{
	uint64_t off = align_up(sizeof(struct cseg_hdr), RING_CACHELINE);
	int i;

	for (i = 0; i < MP_LANES; i++) {
		lane_off[i] = (uint32_t)off;
		off = align_up(off + ring_bytes(g->lane_cap, sizeof(mp_request)),
		    RING_CACHELINE);
	}
	for (i = 0; i < MP_LANES; i++) {
		side_off[i] = (uint32_t)off;
		off = align_up(off + (uint64_t)g->lane_cap *
		    sizeof(struct wire_side), RING_CACHELINE);
	}
	*cq_off = (uint32_t)off;
	off = align_up(off + ring_bytes(g->cq_cap, sizeof(struct wire_res)),
	    RING_CACHELINE);
	*rel_off = (uint32_t)off;
	off = align_up(off + ring_bytes(g->rel_cap, sizeof(uint64_t)),
	    RING_CACHELINE);
	*cancel_off = (uint32_t)off;
	off += align_up(g->cq_cap, 64) / 8;
	return align_up(off, PAGE);
}

void
cseg_view_of(struct cseg_view *v, void *mem, size_t size,
    const struct seg_geometry *geo)
{
	v->h = mem;
	v->base = mem;
	v->size = size;
	v->geo = *geo;
	place(geo, v->lane_off, v->side_off, &v->cq_off, &v->rel_off,
	    &v->cancel_off);
}

size_t
cseg_bytes(const struct seg_geometry *geo)
{
	uint32_t lo[MP_LANES], so[MP_LANES], cq, rel, cancel;

	if (!geometry_ok(geo))
		return 0;
	return (size_t)place(geo, lo, so, &cq, &rel, &cancel);
}

int
cseg_init(struct cseg_view *v, void *mem, size_t size,
    const struct seg_geometry *geo, uint32_t slot, uint32_t gen)
{
	struct cseg_hdr *h = mem;
	struct ring_view rv;
	uint32_t i;

	if (((uintptr_t)mem & (PAGE - 1)) != 0 || cseg_bytes(geo) == 0 ||
	    cseg_bytes(geo) > size)
		return -1;
	cseg_view_of(v, mem, size, geo);
	memset(h, 0, sizeof *h);
	h->abi = MP_ABI;
	h->hdr_bytes = sizeof *h;
	h->slot = slot;
	h->gen = gen;
	h->total_bytes = cseg_bytes(geo);
	h->geo = *geo;
	memcpy(h->lane_off, v->lane_off, sizeof h->lane_off);
	memcpy(h->side_off, v->side_off, sizeof h->side_off);
	h->cq_off = v->cq_off;
	h->rel_off = v->rel_off;
	h->cancel_off = v->cancel_off;
	for (i = 0; i < MP_LANES; i++) {
		cseg_lane(v, i, &rv, NULL);
		ring_init(&rv, rv.r, rv.cap, rv.esz);
	}
	cseg_cq(v, &rv, NULL);
	ring_init(&rv, rv.r, rv.cap, rv.esz);
	cseg_rel(v, &rv, NULL);
	ring_init(&rv, rv.r, rv.cap, rv.esz);
	h->magic = CSEG_MAGIC;      /* last: a reader sees all or nothing */
	return 0;
}

int
cseg_attach(struct cseg_view *v, void *mem, size_t size)
{
	const struct cseg_hdr *h = mem;
	struct cseg_view mine;

	if (size < sizeof *h || h->magic != CSEG_MAGIC)
		return -1;
	if (h->abi != MP_ABI || h->hdr_bytes != sizeof *h)
		return -2;
	if (cseg_bytes(&h->geo) == 0 || cseg_bytes(&h->geo) > size)
		return -1;
	cseg_view_of(&mine, mem, size, &h->geo);
	/* Our own arithmetic must agree with the daemon's, field by field. */
	if (memcmp(mine.lane_off, h->lane_off, sizeof h->lane_off) != 0 ||
	    memcmp(mine.side_off, h->side_off, sizeof h->side_off) != 0 ||
	    mine.cq_off != h->cq_off || mine.rel_off != h->rel_off ||
	    mine.cancel_off != h->cancel_off)
		return -2;
	*v = mine;
	return 0;
}

void
cseg_lane(const struct cseg_view *v, uint32_t lane, struct ring_view *rv,
    uint32_t *own)
{
	ring_view_of(rv, v->base + v->lane_off[lane], v->geo.lane_cap,
	    sizeof(mp_request), own);
}

void
cseg_cq(const struct cseg_view *v, struct ring_view *rv, uint32_t *own)
{
	ring_view_of(rv, v->base + v->cq_off, v->geo.cq_cap,
	    sizeof(struct wire_res), own);
}

void
cseg_rel(const struct cseg_view *v, struct ring_view *rv, uint32_t *own)
{
	ring_view_of(rv, v->base + v->rel_off, v->geo.rel_cap, sizeof(uint64_t),
	    own);
}

struct wire_side *
cseg_side(const struct cseg_view *v, uint32_t lane, uint32_t k)
{
	return (struct wire_side *)(v->base + v->side_off[lane]) +
	    (k & (v->geo.lane_cap - 1));
}

_Atomic uint64_t *
cseg_cancels(const struct cseg_view *v)
{
	return (_Atomic uint64_t *)(v->base + v->cancel_off);
}

void
inst_init(struct inst_hdr *h, pid_t supervisor, uint32_t gen)
{
	memset(h, 0, sizeof *h);
	h->abi = MP_ABI;
	h->hdr_bytes = sizeof *h;
	h->supervisor_pid = (int32_t)supervisor;
	h->generation = gen;
	atomic_store(&h->state, INST_STARTING);
	h->magic = INST_MAGIC;
}

int
inst_attach(const struct inst_hdr *h, size_t size)
{
	if (size < sizeof *h || h->magic != INST_MAGIC)
		return -1;
	return h->abi == MP_ABI && h->hdr_bytes == sizeof *h ? 0 : -2;
}
