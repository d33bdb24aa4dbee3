/*
 * slab.c - the mesh arena (see slab.h for the segment map).
 *
 * Like memcached's slab allocator, memory is cut into pages and each page
 * into equal slabs of one size class, so allocation is a free-list pop.
 * Unlike it, a page whose last slab is freed goes back to the common pool,
 * so a burst of small meshes cannot starve large ones forever.
 */
#include <string.h>

#include "slab.h"

#define ARENA_MAGIC  0x6d70617265616e31ull   /* "mparean1" */
#define PAGE_FREE    0xffffffffu
#define NONE         0xffffffffu

struct page_meta {
	uint32_t cls;          /* size class, or PAGE_FREE */
	uint32_t nslots, live;
	uint32_t free_head;    /* first free slot, or NONE */
	uint32_t prev, next;   /* partial list of the class, or free-page list */
};

/* live: a slab is FREE, RESERVED by a worker writing into it (holder is
 * that worker + 1), or PUBLISHED (handed to its owner, who may free it). */
enum { FREE = 0, PUBLISHED = 1, RESERVED = 2 };

struct slot_meta {
	uint32_t gen;          /* bumped on every free; never 0 */
	uint32_t next_free;
	uint8_t  owner, live, holder;
	uint8_t  pad;
};

static struct page_meta *
pages(const struct slab_arena *a)
{
	return (struct page_meta *)(a->base + a->h->pages_off);
}

static struct slot_meta *
slots(const struct slab_arena *a, uint32_t page)
{
	return (struct slot_meta *)(a->base + a->h->slots_off) +
	    (size_t)page * a->h->spp_max;
}

static uint64_t
align_up(uint64_t x, uint64_t to)
{
	return (x + to - 1) / to * to;
}

static void
layout(uint32_t page_size, uint32_t npages, uint64_t *pages_off,
    uint64_t *slots_off, uint64_t *data_off, uint64_t *total)
{
	uint32_t spp = page_size / SLAB_MIN;

	*pages_off = align_up(sizeof(struct arena_hdr), 64);
	*slots_off = align_up(*pages_off + (uint64_t)npages *
	    sizeof(struct page_meta), 64);
	*data_off = align_up(*slots_off + (uint64_t)npages * spp *
	    sizeof(struct slot_meta), 4096);
	*total = *data_off + (uint64_t)npages * page_size;
}

size_t
slab_arena_bytes(uint32_t page_size, uint32_t npages)
{
	uint64_t p, s, d, t;

	layout(page_size, npages, &p, &s, &d, &t);
	return (size_t)t;
}

/* 4 KiB, then x1.25 rounded to 64 bytes, up to (and ending at) a page. */
static void
init_classes(struct arena_hdr *h)
{
	uint64_t c = SLAB_MIN;

	h->nclasses = 0;
	while (c < h->page_size && h->nclasses < SLAB_MAX_CLASS - 1) {
		h->class_size[h->nclasses++] = (uint32_t)c;
		c = align_up(c + c / 4, 64);
	}
	h->class_size[h->nclasses++] = h->page_size;
}

int
slab_arena_init(struct slab_arena *a, void *mem, size_t size,
    uint32_t page_size, uint64_t owner_cap)
{
	struct arena_hdr *h = mem;
	uint32_t npages, i;
	uint64_t per;

	if (page_size < SLAB_MIN || (page_size & (page_size - 1)) != 0 ||
	    page_size / SLAB_MIN > 4096 || ((uintptr_t)mem & 4095) != 0)
		return -1;
	per = page_size + sizeof(struct page_meta) +
	    (uint64_t)(page_size / SLAB_MIN) * sizeof(struct slot_meta);
	npages = size > 8192 ? (uint32_t)((size - 8192) / per) : 0;
	while (npages > 0 && slab_arena_bytes(page_size, npages) > size)
		npages--;
	if (npages == 0 || npages >= (1u << 20))
		return -1;
	memset(h, 0, sizeof *h);
	h->page_size = page_size;
	h->npages = npages;
	h->spp_max = page_size / SLAB_MIN;
	h->owner_cap = owner_cap;
	layout(page_size, npages, &h->pages_off, &h->slots_off, &h->data_off,
	    &h->total_bytes);
	init_classes(h);
	a->h = h, a->base = mem, a->size = size;
	for (i = 0; i < SLAB_MAX_CLASS; i++)
		h->class_partial[i] = NONE;
	for (i = 0; i < npages; i++) {
		struct page_meta *pm = &pages(a)[i];

		pm->cls = PAGE_FREE;
		pm->next = i + 1 < npages ? i + 1 : NONE;
		pm->prev = NONE;
	}
	memset(slots(a, 0), 0, (size_t)npages * h->spp_max *
	    sizeof(struct slot_meta));
	h->free_pages = 0;
	h->free_count = npages;
	h->magic = ARENA_MAGIC;
	return 0;
}

int
slab_arena_attach(struct slab_arena *a, void *mem, size_t size)
{
	const struct arena_hdr *h = mem;

	if (size < sizeof *h || h->magic != ARENA_MAGIC ||
	    h->total_bytes > size || h->nclasses == 0 ||
	    h->nclasses > SLAB_MAX_CLASS)
		return -1;
	a->h = mem, a->base = mem, a->size = size;
	return 0;
}

static void
partial_push(struct slab_arena *a, uint32_t p)
{
	struct page_meta *pm = pages(a);
	uint32_t c = pm[p].cls, head = a->h->class_partial[c];

	pm[p].prev = NONE;
	pm[p].next = head;
	if (head != NONE)
		pm[head].prev = p;
	a->h->class_partial[c] = p;
}

static void
partial_remove(struct slab_arena *a, uint32_t p)
{
	struct page_meta *pm = pages(a);

	if (pm[p].prev != NONE)
		pm[pm[p].prev].next = pm[p].next;
	else
		a->h->class_partial[pm[p].cls] = pm[p].next;
	if (pm[p].next != NONE)
		pm[pm[p].next].prev = pm[p].prev;
	pm[p].prev = pm[p].next = NONE;
}

/* Take a free page for class c and thread its slots on its free list. */
static uint32_t
page_for_class(struct slab_arena *a, uint32_t c)
{
	struct page_meta *pm = pages(a);
	uint32_t p = a->h->free_pages, s;
	struct slot_meta *sm;

	if (p == NONE)
		return NONE;
	a->h->free_pages = pm[p].next;
	__atomic_fetch_sub(&a->h->free_count, 1, __ATOMIC_RELAXED);
	pm[p].cls = c;
	pm[p].nslots = a->h->page_size / a->h->class_size[c];
	pm[p].live = 0;
	pm[p].free_head = 0;
	sm = slots(a, p);
	for (s = 0; s < pm[p].nslots; s++) {
		sm[s].next_free = s + 1 < pm[p].nslots ? s + 1 : NONE;
		if (sm[s].gen == 0)
			sm[s].gen = 1;
	}
	partial_push(a, p);
	return p;
}

static uint64_t
take(struct slab_arena *a, size_t bytes, unsigned owner, uint8_t live,
    uint8_t holder)
{
	struct arena_hdr *h = a->h;
	struct page_meta *pm = pages(a);
	struct slot_meta *sm;
	uint32_t c, p, s;

	if (owner >= SLAB_OWNERS || bytes == 0)
		return 0;
	for (c = 0; c < h->nclasses && h->class_size[c] < bytes; c++)
		;
	if (c == h->nclasses)
		return 0;
	if (live == PUBLISHED && h->owner_cap &&
	    h->owner_used[owner] + h->class_size[c] > h->owner_cap)
		return 0;
	if ((p = h->class_partial[c]) == NONE && (p = page_for_class(a, c)) == NONE)
		return 0;
	sm = slots(a, p);
	s = pm[p].free_head;
	pm[p].free_head = sm[s].next_free;
	if (pm[p].free_head == NONE)
		partial_remove(a, p);
	pm[p].live++;
	/* Owner and holder first, live last: a process killed between these
	 * stores leaves a slot that is either free or complete, and
	 * slab_repair / slab_drop_holder find every reserved one by holder. */
	sm[s].holder = holder;
	sm[s].owner = (uint8_t)owner;
	__atomic_store_n(&sm[s].live, live, __ATOMIC_RELEASE);
	h->used_bytes += h->class_size[c];
	h->owner_used[owner] += h->class_size[c];
	return (uint64_t)sm[s].gen << 32 | (uint64_t)p << 12 | s;
}

uint64_t
slab_alloc(struct slab_arena *a, size_t bytes, unsigned owner)
{
	return take(a, bytes, owner, PUBLISHED, 0);
}

uint64_t
slab_reserve(struct slab_arena *a, size_t bytes, unsigned owner,
    unsigned holder)
{
	if (holder >= SLAB_HOLDERS)
		return 0;
	return take(a, bytes, owner, RESERVED, (uint8_t)(holder + 1));
}

/* The slot of a live slab named by handle, or NULL: every field checked. */
static struct slot_meta *
live_slot(const struct slab_arena *a, uint64_t handle, uint32_t *page,
    uint32_t *slot)
{
	uint32_t gen = (uint32_t)(handle >> 32), p = (uint32_t)(handle >> 12) & 0xfffff;
	uint32_t s = (uint32_t)handle & 0xfff;
	const struct page_meta *pm;
	struct slot_meta *sm;

	if (handle == 0 || p >= a->h->npages)
		return NULL;
	pm = &pages(a)[p];
	if (pm->cls == PAGE_FREE || pm->cls >= a->h->nclasses || s >= pm->nslots)
		return NULL;
	sm = &slots(a, p)[s];
	if (sm->live == FREE || sm->gen != gen)
		return NULL;
	*page = p, *slot = s;
	return sm;
}

static void
release(struct slab_arena *a, uint32_t p, uint32_t s)
{
	struct page_meta *pm = &pages(a)[p];
	struct slot_meta *sm = &slots(a, p)[s];
	uint32_t size = a->h->class_size[pm->cls];

	a->h->used_bytes -= size;
	a->h->owner_used[sm->owner] -= size;
	sm->live = FREE;
	sm->holder = 0;
	if (++sm->gen == 0)
		sm->gen = 1;
	if (pm->free_head == NONE)
		partial_push(a, p);     /* was full: has room again */
	sm->next_free = pm->free_head;
	pm->free_head = s;
	if (--pm->live == 0) {      /* empty page back to the common pool */
		partial_remove(a, p);
		pm->cls = PAGE_FREE;
		pm->next = a->h->free_pages;
		a->h->free_pages = p;
		__atomic_fetch_add(&a->h->free_count, 1, __ATOMIC_RELAXED);
	}
}

int
slab_free(struct slab_arena *a, uint64_t handle, unsigned owner)
{
	uint32_t p, s;
	struct slot_meta *sm = live_slot(a, handle, &p, &s);

	if (sm == NULL || sm->owner != owner || sm->live != PUBLISHED)
		return -1;
	release(a, p, s);
	return 0;
}

int
slab_publish(struct slab_arena *a, uint64_t handle)
{
	uint32_t p, s;
	struct slot_meta *sm = live_slot(a, handle, &p, &s);

	if (sm == NULL || sm->live != RESERVED)
		return -1;
	sm->live = PUBLISHED;
	sm->holder = 0;
	return 0;
}

int
slab_cancel(struct slab_arena *a, uint64_t handle)
{
	uint32_t p, s;
	struct slot_meta *sm = live_slot(a, handle, &p, &s);

	if (sm == NULL || sm->live != RESERVED)
		return -1;
	release(a, p, s);
	return 0;
}

uint32_t
slab_reclaim_owner(struct slab_arena *a, unsigned owner)
{
	uint32_t p, s, n = 0;

	for (p = 0; p < a->h->npages; p++) {
		struct page_meta *pm = &pages(a)[p];
		uint32_t ns = pm->nslots;

		if (pm->cls == PAGE_FREE)
			continue;
		for (s = 0; s < ns && pm->cls != PAGE_FREE; s++) {
			struct slot_meta *sm = &slots(a, p)[s];

			if (sm->live == PUBLISHED && sm->owner == owner) {
				release(a, p, s);
				n++;
			}
		}
	}
	return n;
}

void *
slab_ptr(const struct slab_arena *a, uint64_t handle, size_t *bytes)
{
	uint32_t p, s, size;

	if (live_slot(a, handle, &p, &s) == NULL)
		return NULL;
	size = a->h->class_size[pages(a)[p].cls];
	if (bytes)
		*bytes = size;
	return a->base + a->h->data_off + (size_t)p * a->h->page_size +
	    (size_t)s * size;
}

uint32_t
slab_drop_holder(struct slab_arena *a, unsigned holder)
{
	uint32_t p, s, n = 0;

	for (p = 0; p < a->h->npages; p++) {
		struct page_meta *pm = &pages(a)[p];

		for (s = 0; s < pm->nslots && pm->cls != PAGE_FREE; s++) {
			struct slot_meta *sm = &slots(a, p)[s];

			if (sm->live == RESERVED && sm->holder == holder + 1) {
				release(a, p, s);
				n++;
			}
		}
	}
	return n;
}

uint32_t
slab_free_pages(const struct slab_arena *a)
{
	return __atomic_load_n(&a->h->free_count, __ATOMIC_RELAXED);
}

uint64_t
slab_owner_used(const struct slab_arena *a, unsigned owner)
{
	return owner < SLAB_OWNERS ? a->h->owner_used[owner] : 0;
}

/*
 * Rebuild every list and counter from the per-slot records, the one thing
 * each step of an update leaves whole: a worker killed in the middle of
 * slab_reserve or release leaves lists half-linked, but each slot still
 * says whether it is live, for whom and of which page class.
 */
static void
rebuild_page(struct slab_arena *a, uint32_t p)
{
	struct arena_hdr *h = a->h;
	struct page_meta *pm = &pages(a)[p];
	struct slot_meta *sm = slots(a, p);
	uint32_t s, nslots = 0, live = 0, free_head = NONE;

	if (pm->cls < h->nclasses)
		nslots = h->page_size / h->class_size[pm->cls];
	for (s = 0; s < h->spp_max; s++) {
		if (sm[s].gen == 0)
			sm[s].gen = 1;
		/* Out of range, or reserved by nobody (cannot be completed by
		 * anyone): free. */
		if (s >= nslots || sm[s].live > RESERVED || sm[s].owner >= SLAB_OWNERS ||
		    (sm[s].live == RESERVED && sm[s].holder == 0))
			sm[s].live = FREE;
		if (sm[s].live != FREE) {
			live++;
			h->used_bytes += h->class_size[pm->cls];
			h->owner_used[sm[s].owner] += h->class_size[pm->cls];
		}
	}
	for (s = nslots; s-- > 0;)
		if (sm[s].live == FREE) {
			sm[s].next_free = free_head;
			free_head = s;
		}
	pm->prev = pm->next = NONE;
	if (live == 0) {
		pm->cls = PAGE_FREE;
		pm->next = h->free_pages;
		h->free_pages = p;
		__atomic_fetch_add(&h->free_count, 1, __ATOMIC_RELAXED);
		return;
	}
	pm->nslots = nslots;
	pm->live = live;
	pm->free_head = free_head;
	if (free_head != NONE)
		partial_push(a, p);
}

void
slab_repair(struct slab_arena *a)
{
	struct arena_hdr *h = a->h;
	uint32_t i, p;

	h->used_bytes = 0;
	memset(h->owner_used, 0, sizeof h->owner_used);
	for (i = 0; i < SLAB_MAX_CLASS; i++)
		h->class_partial[i] = NONE;
	h->free_pages = NONE;
	h->free_count = 0;
	for (p = h->npages; p-- > 0;)
		rebuild_page(a, p);
}

/* Walk a list of pages, at most npages steps; count them or -1 if it loops
 * or holds a page that does not belong on it. */
static int64_t
walk(const struct slab_arena *a, uint32_t p, uint32_t cls)
{
	const struct page_meta *pm = pages(a);
	int64_t n = 0;

	for (; p != NONE; p = pm[p].next) {
		if (p >= a->h->npages || n++ > a->h->npages || pm[p].cls != cls)
			return -1;
		if (cls != PAGE_FREE && (pm[p].free_head == NONE || pm[p].live == 0))
			return -1;
	}
	return n;
}

int
slab_check(const struct slab_arena *a)
{
	const struct arena_hdr *h = a->h;
	const struct page_meta *pm = pages(a);
	uint64_t used = 0, owner[SLAB_OWNERS] = { 0 };
	int64_t listed = 0, w;
	uint32_t p, s, c, partial = 0, nfree = 0;

	for (p = 0; p < h->npages; p++) {
		uint32_t live = 0, onlist = 0, k;

		if (pm[p].cls == PAGE_FREE) {
			nfree++;
			continue;
		}
		if (pm[p].cls >= h->nclasses ||
		    pm[p].nslots != h->page_size / h->class_size[pm[p].cls])
			return -1;
		for (s = 0; s < pm[p].nslots; s++) {
			const struct slot_meta *sm = &slots(a, p)[s];

			if (sm->live == FREE)
				continue;
			live++;
			used += h->class_size[pm[p].cls];
			owner[sm->owner] += h->class_size[pm[p].cls];
		}
		for (k = pm[p].free_head; k != NONE; k = slots(a, p)[k].next_free)
			if (k >= pm[p].nslots || slots(a, p)[k].live != FREE ||
			    ++onlist > pm[p].nslots)
				return -1;
		if (live != pm[p].live || live == 0 || live + onlist != pm[p].nslots)
			return -1;
		if (onlist > 0)
			partial++;
	}
	for (c = 0; c < h->nclasses; c++) {
		if ((w = walk(a, h->class_partial[c], c)) < 0)
			return -1;
		listed += w;
	}
	if (listed != partial || walk(a, h->free_pages, PAGE_FREE) != nfree ||
	    nfree != h->free_count || used != h->used_bytes)
		return -1;
	for (c = 0; c < SLAB_OWNERS; c++)
		if (owner[c] != h->owner_used[c])
			return -1;
	return 0;
}
