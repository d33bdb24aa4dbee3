/*
 * test_slab.c - the mesh arena: size classes, churn with pattern-filled
 * slabs (any overlap corrupts a pattern), exhaustion and recovery, pages
 * moving between classes, the per-owner cap, reclaim of a dead owner's
 * slabs, stale and forged handles refused, and two processes sharing it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slab.h"

#define PAGE  (256u * 1024)
#define BYTES ((size_t)24 << 20)

static void *mem;
static struct slab_arena A;

static int
setup(void **state)
{
	(void)state;
	mem = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	return mem == MAP_FAILED;
}

static int
teardown(void **state)
{
	(void)state;
	munmap(mem, BYTES);
	return 0;
}

static void
fresh(uint64_t cap)
{
	assert_int_equal(slab_arena_init(&A, mem, BYTES, PAGE, cap), 0);
}

static uint32_t rng = 7;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

static void
fill(uint64_t h)
{
	size_t n, i;
	uint64_t *p = slab_ptr(&A, h, &n);

	assert_non_null(p);
	for (i = 0; i < n / 8; i++)
		p[i] = h ^ i;
}

static void
check(uint64_t h)
{
	size_t n, i;
	uint64_t *p = slab_ptr(&A, h, &n);

	assert_non_null(p);
	for (i = 0; i < n / 8; i++)
		assert_true(p[i] == (h ^ i));
}

static void
test_classes(void **state)
{
	uint32_t c;

	(void)state;
	fresh(0);
	assert_int_equal(A.h->class_size[0], 4096);
	assert_int_equal(A.h->class_size[A.h->nclasses - 1], PAGE);
	for (c = 1; c < A.h->nclasses; c++) {
		assert_true(A.h->class_size[c] > A.h->class_size[c - 1]);
		assert_true(A.h->class_size[c] <= A.h->class_size[c - 1] * 5 / 4 + 64);
		assert_int_equal(A.h->class_size[c] % 64, 0);
	}
	assert_true(A.h->npages >= 80);
	assert_true(slab_arena_bytes(PAGE, A.h->npages) <= BYTES);
}

/* Random sizes in and out, every live slab pattern-filled and re-checked:
 * no two live slabs ever share a byte; usage adds up. */
static void
test_churn_no_overlap(void **state)
{
	static uint64_t live[4000];
	uint64_t sum = 0;
	int n = 0, step, i;

	(void)state;
	fresh(0);
	for (step = 0; step < 30000; step++) {
		if (n > 0 && (rnd(3) == 0 || n == 4000)) {
			i = (int)rnd((uint32_t)n);
			check(live[i]);
			assert_int_equal(slab_free(&A, live[i], 1), 0);
			live[i] = live[--n];
		} else {
			uint64_t h = slab_alloc(&A, 1 + rnd(rnd(8) ? 20000 : PAGE), 1);

			if (h) {
				fill(h);
				live[n++] = h;
			}
		}
	}
	for (i = 0; i < n; i++) {
		size_t sz;

		check(live[i]);
		slab_ptr(&A, live[i], &sz);
		sum += sz;
	}
	assert_int_equal(A.h->used_bytes, sum);
	assert_int_equal(A.h->owner_used[1], sum);
	for (i = 0; i < n; i++)
		assert_int_equal(slab_free(&A, live[i], 1), 0);
	assert_int_equal(A.h->used_bytes, 0);
}

/* Full means 0 (backpressure), and freeing brings it back; pages emptied by
 * small slabs serve page-sized ones afterwards. */
static void
test_exhaustion_and_recovery(void **state)
{
	static uint64_t h[20000];
	uint32_t n = 0, i, big = 0;

	(void)state;
	fresh(0);
	while ((h[n] = slab_alloc(&A, 4000, 2)) != 0)
		n++;
	assert_int_equal(n, A.h->npages * (PAGE / 4096));
	assert_int_equal(slab_alloc(&A, 100, 3), 0);
	assert_int_equal(slab_alloc(&A, PAGE, 3), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(slab_free(&A, h[i], 2), 0);
	while (slab_alloc(&A, PAGE, 3) != 0)
		big++;
	assert_int_equal(big, A.h->npages);
	assert_int_equal(slab_alloc(&A, PAGE + 1, 3), 0);   /* larger than a page */
}

static void
test_owner_cap(void **state)
{
	uint32_t n = 0;

	(void)state;
	fresh(1u << 20);                       /* 1 MiB each */
	while (slab_alloc(&A, 4096, 4) != 0)
		n++;
	assert_int_equal(n, 256);
	assert_int_equal(A.h->owner_used[4], 1u << 20);
	/* Another client is not affected. */
	assert_true(slab_alloc(&A, 4096, 5) != 0);
	assert_true(slab_alloc(&A, 200000, 5) != 0);
}

static void
test_reclaim_dead_owner(void **state)
{
	uint64_t mine[300], other;
	uint32_t i;

	(void)state;
	fresh(0);
	other = slab_alloc(&A, 5000, 9);
	fill(other);
	for (i = 0; i < 300; i++)
		assert_true((mine[i] = slab_alloc(&A, 1 + rnd(60000), 6)) != 0);
	assert_int_equal(slab_reclaim_owner(&A, 6), 300);
	assert_int_equal(A.h->owner_used[6], 0);
	for (i = 0; i < 300; i++) {
		assert_null(slab_ptr(&A, mine[i], NULL));
		assert_int_equal(slab_free(&A, mine[i], 6), -1);
	}
	check(other);
	assert_int_equal(A.h->used_bytes, A.h->owner_used[9]);
	assert_int_equal(slab_reclaim_owner(&A, 6), 0);
}

/* Handles come back from clients: stale, forged or foreign ones change
 * nothing. */
static void
test_bad_handles(void **state)
{
	uint64_t h, used;
	int i;

	(void)state;
	fresh(0);
	h = slab_alloc(&A, 10000, 1);
	used = A.h->used_bytes;
	assert_int_equal(slab_free(&A, h, 2), -1);            /* not yours */
	assert_int_equal(slab_free(&A, 0, 1), -1);
	assert_int_equal(slab_free(&A, h + (1ull << 32), 1), -1);   /* wrong gen */
	assert_int_equal(slab_free(&A, h | 0xfff, 1), -1);     /* slot range */
	assert_int_equal(slab_free(&A, h | (0xfffffull << 12), 1), -1);
	for (i = 0; i < 10000; i++) {
		uint64_t junk = (uint64_t)rnd(1u << 31) << 32 | rnd(1u << 31);

		if (junk != h)
			assert_int_equal(slab_free(&A, junk, 1), -1);
	}
	assert_int_equal(A.h->used_bytes, used);
	assert_int_equal(slab_free(&A, h, 1), 0);
	assert_int_equal(slab_free(&A, h, 1), -1);             /* twice */
	assert_int_equal(slab_alloc(&A, 10, SLAB_OWNERS), 0);  /* no such owner */
	assert_int_equal(slab_alloc(&A, 0, 1), 0);
}

/* A worker process allocates and fills; the parent attaches, reads, frees. */
static void
test_two_processes(void **state)
{
	uint64_t *handles = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct slab_arena b;
	pid_t pid;
	int st, i;

	(void)state;
	fresh(0);
	if ((pid = fork()) == 0) {
		struct slab_arena w;

		if (slab_arena_attach(&w, mem, BYTES) != 0)
			_exit(1);
		for (i = 0; i < 100; i++) {
			uint64_t h = slab_alloc(&w, 4096 * (1 + i % 9), 7);
			uint32_t *p = slab_ptr(&w, h, NULL);

			if (!h || !p)
				_exit(2);
			p[0] = (uint32_t)i * 3;
			handles[i] = h;
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(slab_arena_attach(&b, mem, BYTES), 0);
	for (i = 0; i < 100; i++) {
		uint32_t *p = slab_ptr(&b, handles[i], NULL);

		assert_non_null(p);
		assert_int_equal(p[0], (uint32_t)i * 3);
		assert_int_equal(slab_free(&b, handles[i], 7), 0);
	}
	assert_int_equal(b.h->used_bytes, 0);
	assert_int_equal(slab_arena_attach(&b, (char *)mem + 4096, BYTES - 4096), -1);
	munmap(handles, 4096);
}

/* Reserved slabs belong to the worker writing them until published. */
static void
test_reserve_publish_cancel(void **state)
{
	uint64_t r1, r2, r3;

	(void)state;
	fresh(0);
	r1 = slab_reserve(&A, 5000, 3, 0);
	r2 = slab_reserve(&A, 5000, 3, 1);
	r3 = slab_reserve(&A, 5000, 3, 1);
	assert_true(r1 && r2 && r3);
	assert_non_null(slab_ptr(&A, r1, NULL));        /* the worker writes */
	assert_int_equal(slab_free(&A, r1, 3), -1);     /* owner cannot free */
	assert_int_equal(slab_reclaim_owner(&A, 3), 0); /* nor reclaim */
	assert_int_equal(slab_publish(&A, r1), 0);
	assert_int_equal(slab_publish(&A, r1), -1);     /* once */
	assert_int_equal(slab_cancel(&A, r1), -1);      /* published: owner's */
	assert_int_equal(slab_cancel(&A, r2), 0);
	assert_int_equal(slab_drop_holder(&A, 1), 1);   /* r3: its holder died */
	assert_null(slab_ptr(&A, r3, NULL));
	assert_int_equal(slab_free(&A, r1, 3), 0);
	assert_int_equal(A.h->used_bytes, 0);
	assert_int_equal(slab_reserve(&A, 10, 3, SLAB_HOLDERS), 0);
	assert_int_equal(slab_check(&A), 0);
}

/* Lists and counters scribbled over (what a death mid-update leaves) are
 * rebuilt from the slots: every live slab survives with its content. */
static void
test_repair_rebuilds_lists(void **state)
{
	uint64_t h[400];
	unsigned own[400];
	int i, n = 0;

	(void)state;
	fresh(0);
	for (i = 0; i < 400; i++) {
		own[n] = (unsigned)(i % 5);
		if ((h[n] = slab_alloc(&A, 1 + rnd(40000), own[n])) != 0)
			fill(h[n++]);
	}
	for (i = 0; i < n; i += 3)
		assert_int_equal(slab_free(&A, h[i], own[i]), 0);
	assert_int_equal(slab_check(&A), 0);
	A.h->used_bytes += 12345;
	A.h->owner_used[2] = 7;
	A.h->free_pages = 3;
	for (i = 0; i < SLAB_MAX_CLASS; i++)
		A.h->class_partial[i] = (uint32_t)i;
	assert_int_equal(slab_check(&A), -1);
	slab_repair(&A);
	assert_int_equal(slab_check(&A), 0);
	for (i = 0; i < n; i++) {
		if (i % 3 == 0)
			continue;
		check(h[i]);
		assert_int_equal(slab_free(&A, h[i], own[i]), 0);
	}
	assert_int_equal(A.h->used_bytes, 0);
	assert_int_equal(slab_check(&A), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_churn_no_overlap),
		cmocka_unit_test(test_exhaustion_and_recovery),
		cmocka_unit_test(test_owner_cap),
		cmocka_unit_test(test_reclaim_dead_owner),
		cmocka_unit_test(test_bad_handles),
		cmocka_unit_test(test_two_processes),
		cmocka_unit_test(test_reserve_publish_cancel),
		cmocka_unit_test(test_repair_rebuilds_lists),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
