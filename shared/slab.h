/*
 * slab.h - the mesh arena: slabs of size classes carved from fixed pages,
 * in the shared arena segment (read-write for the daemon, read-only for
 * clients).  Callers serialise every call that changes it (the daemon's
 * arena lock); clients only read, through slab_view.
 *
 * Segment map (offsets from the segment base, all recorded in the header):
 *
 *   +------------------+ 0
 *   | struct arena_hdr |  magic, page size, page count, classes, usage,
 *   |                  |  per-owner usage and cap
 *   +------------------+ hdr->pages_off
 *   | struct page_meta |  one per page: class, free-slot list, live count,
 *   |  [npages]        |  partial-list link
 *   +------------------+ hdr->slots_off
 *   | struct slot_meta |  slots_per_page_max per page: generation, owner,
 *   |  [npages * spp]  |  bytes, free-list link
 *   +------------------+ hdr->data_off (page aligned)
 *   | page 0 .. n-1    |  page_size bytes each, split into equal slabs
 *   +------------------+
 *
 * A slab is named by a 64-bit handle: generation (32) | page (20) | slot (12).
 * Generations start at 1 and grow on every free, so a handle is never 0 and
 * a stale or forged handle is refused rather than followed.
 */
#ifndef MP_SLAB_H
#define MP_SLAB_H

#include <stddef.h>
#include <stdint.h>

#define SLAB_MIN        4096u
#define SLAB_MAX_CLASS  48
#define SLAB_OWNERS     64     /* client slots; owner ids 0..63 */
#define SLAB_HOLDERS    255    /* workers that may hold a reserved slab */
#define SLAB_NO_PAGE    0xffffffffu

struct arena_hdr {
	uint64_t magic;
	uint32_t page_size, npages, spp_max;   /* spp: slots per page */
	uint32_t nclasses;
	uint32_t class_size[SLAB_MAX_CLASS];
	uint32_t class_partial[SLAB_MAX_CLASS]; /* pages with a free slot */
	uint32_t free_pages;                    /* list of unused pages */
	uint32_t free_count;                    /* pages on that list */
	uint64_t pages_off, slots_off, data_off, total_bytes;
	uint64_t used_bytes;                    /* sum of slab sizes handed out */
	uint64_t owner_used[SLAB_OWNERS];
	uint64_t owner_cap;                     /* per-owner limit in bytes */
};

struct slab_arena {            /* one process's trusted view */
	struct arena_hdr *h;
	unsigned char    *base;
	size_t            size;
};

/* Bytes of arena segment for npages pages of page_size bytes. */
size_t   slab_arena_bytes(uint32_t page_size, uint32_t npages);
/* Lay out an arena in mem (size bytes).  Classes grow by 1.25 from 4 KiB to
 * page_size.  owner_cap 0 means no per-owner cap.  0 or -1. */
int      slab_arena_init(struct slab_arena *a, void *mem, size_t size,
             uint32_t page_size, uint64_t owner_cap);
/* Attach to an arena laid out by another process (checks the header). */
int      slab_arena_attach(struct slab_arena *a, void *mem, size_t size);

/* A slab of at least bytes for owner: its handle, or 0 when the arena is
 * full, the owner is at its cap, or bytes exceeds a page. */
uint64_t slab_alloc(struct slab_arena *a, size_t bytes, unsigned owner);
/* The same, reserved by worker holder (0..254) while it writes the mesh:
 * the owner cannot free it and slab_reclaim_owner leaves it alone.  It
 * becomes the owner's with slab_publish, or goes back with slab_cancel or,
 * for a worker that died, slab_drop_holder.  The owner cap is not applied
 * here: the daemon admits a request only when its owner is under the cap
 * and a free page is set aside for it, so the reservation cannot fail. */
uint64_t slab_reserve(struct slab_arena *a, size_t bytes, unsigned owner,
             unsigned holder);
int      slab_publish(struct slab_arena *a, uint64_t handle);
int      slab_cancel(struct slab_arena *a, uint64_t handle);
uint32_t slab_drop_holder(struct slab_arena *a, unsigned holder);
/* Give a slab back.  0, or -1 if the handle is not a published slab of
 * owner (stale, forged, foreign or reserved handles change nothing). */
int      slab_free(struct slab_arena *a, uint64_t handle, unsigned owner);
/* Free every slab of owner (a client that disconnected or died). */
uint32_t slab_reclaim_owner(struct slab_arena *a, unsigned owner);
/* Pages no class holds: any slab of any size fits in one of them. */
uint32_t slab_free_pages(const struct slab_arena *a);
/* Bytes held by owner (slabs reserved for it included). */
uint64_t slab_owner_used(const struct slab_arena *a, unsigned owner);
/* After a holder of the arena lock died mid-update: rebuild every list and
 * counter from the per-slot records. */
void     slab_repair(struct slab_arena *a);
/* Every list and counter consistent with the slots: 0, else -1 (tests). */
int      slab_check(const struct slab_arena *a);
/* Address of a live slab and its size, or NULL for a bad handle. */
void    *slab_ptr(const struct slab_arena *a, uint64_t handle, size_t *bytes);

#endif
