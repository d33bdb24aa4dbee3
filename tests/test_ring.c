/*
 * test_ring.c - the SPSC ring: order and wrap-around, full means RING_FULL
 * and a partly taken batch loses nothing, corrupt counters written by a
 * hostile producer are detected rather than followed, and across real
 * processes (fork) millions of items arrive once each, in order; a consumer
 * killed with SIGKILL between peek and pop loses nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ring.h"

static void *
shared_mem(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void
test_init_checks_capacity(void **state)
{
	_Alignas(RING_CACHELINE) unsigned char mem[4096];
	struct ring_view v;

	(void)state;
	assert_int_equal(ring_init(&v, mem, 0, 8), RING_CORRUPT);
	assert_int_equal(ring_init(&v, mem, 6, 8), RING_CORRUPT);
	assert_int_equal(ring_init(&v, mem, 8, 0), RING_CORRUPT);
	assert_int_equal(ring_init(&v, mem + 8, 8, 8), RING_CORRUPT);
	assert_int_equal(ring_init(&v, mem, 8, 8), RING_OK);
	/* Producer and consumer counters never share a cache line. */
	assert_true(offsetof(struct ring, head) - offsetof(struct ring, tail) >=
	    RING_CACHELINE);
	assert_int_equal(offsetof(struct ring, items) % RING_CACHELINE, 0);
	assert_int_equal(ring_bytes(8, 8), offsetof(struct ring, items) + 64);
}

/* Batches of every size through a small ring: order holds across many
 * wrap-arounds of the slots and of nothing else. */
static void
test_order_and_wrap(void **state)
{
	_Alignas(RING_CACHELINE) unsigned char mem[4096];
	struct ring_view v;
	uint64_t next_in = 0, next_out = 0, batch[16], got;
	int round;

	(void)state;
	ring_init(&v, mem, 8, sizeof(uint64_t));
	for (round = 0; round < 5000; round++) {
		uint32_t n = (uint32_t)(round % 11), i, took;

		for (i = 0; i < n; i++)
			batch[i] = next_in + i;
		took = ring_push_many(&v, batch, n);
		assert_true(took <= n);
		next_in += took;
		while ((round % 3) != 0 && ring_peek(&v, &got) == RING_OK) {
			assert_int_equal(got, next_out);
			ring_pop(&v);
			next_out++;
		}
	}
	while (ring_peek(&v, &got) == RING_OK) {
		assert_int_equal(got, next_out);
		ring_pop(&v);
		next_out++;
	}
	assert_int_equal(next_in, next_out);
	assert_true(next_in > 10000);
}

/* Full means RING_FULL; a batch is taken in part and the rest, resubmitted
 * by the caller, arrives after it: nothing lost, nothing twice. */
static void
test_full_and_partial_batch(void **state)
{
	_Alignas(RING_CACHELINE) unsigned char mem[4096];
	struct ring_view v;
	uint64_t items[20], got, k;
	uint32_t took;

	(void)state;
	ring_init(&v, mem, 16, sizeof(uint64_t));
	for (k = 0; k < 20; k++)
		items[k] = 100 + k;
	took = ring_push_many(&v, items, 20);
	assert_int_equal(took, 16);
	assert_int_equal(ring_push(&v, &items[16]), RING_FULL);
	assert_int_equal(ring_count(&v), 16);
	for (k = 0; k < 4; k++) {
		assert_int_equal(ring_peek(&v, &got), RING_OK);
		ring_pop(&v);
	}
	assert_int_equal(ring_push_many(&v, items + took, 20 - took), 4);
	for (k = 4; k < 20; k++) {
		assert_int_equal(ring_peek(&v, &got), RING_OK);
		assert_int_equal(got, 100 + k);
		ring_pop(&v);
	}
	assert_int_equal(ring_peek(&v, &got), RING_EMPTY);
}

/* A producer that writes an impossible tail is caught, not followed, and
 * the consumer never reads outside the ring. */
static void
test_corrupt_counters_detected(void **state)
{
	_Alignas(RING_CACHELINE) unsigned char mem[4096];
	struct ring_view v;
	uint64_t x = 7, got = 0;
	uint32_t bad[] = { 9, 100, 0xffffffffu, 0x80000000u };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ring_init(&v, mem, 8, sizeof(uint64_t));
		ring_push(&v, &x);
		atomic_store(&v.r->tail, bad[i]);     /* hostile write */
		assert_int_equal(ring_count(&v), RING_CORRUPT);
		assert_int_equal(ring_peek(&v, &got), RING_CORRUPT);
		assert_int_equal(got, 0);
	}
	/* A consumer-side head moved past the tail: the producer takes nothing. */
	ring_init(&v, mem, 8, sizeof(uint64_t));
	atomic_store(&v.r->head, 50);
	assert_int_equal(ring_push_many(&v, &x, 1), 0);
}

/* Producer and consumer in two processes: 2 million items, each once, in
 * order, with both sides spinning briefly and yielding when blocked. */
static void
test_two_processes(void **state)
{
	const uint64_t total = 2000000;
	struct ring_view v;
	void *mem = shared_mem(ring_bytes(1024, sizeof(uint64_t)));
	uint64_t expect = 0, got, sum = 0;
	pid_t pid;
	int st;

	(void)state;
	ring_init(&v, mem, 1024, sizeof(uint64_t));
	if ((pid = fork()) == 0) {
		uint64_t k = 0;

		while (k < total) {
			if (ring_push(&v, &k) == RING_OK)
				k++;
			else
				sched_yield();
		}
		_exit(0);
	}
	assert_true(pid > 0);
	while (expect < total) {
		int r = ring_peek(&v, &got);

		if (r == RING_EMPTY) {
			sched_yield();
			continue;
		}
		assert_int_equal(r, RING_OK);
		assert_int_equal(got, expect);
		sum += got;
		ring_pop(&v);
		expect++;
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(sum, total * (total - 1) / 2);
	assert_int_equal(ring_peek(&v, &got), RING_EMPTY);
	munmap(mem, ring_bytes(1024, sizeof(uint64_t)));
}

/* A consumer SIGKILLed after peeking but before popping took nothing: the
 * next consumer sees the same item first. */
static void
test_consumer_killed_between_peek_and_pop(void **state)
{
	struct ring_view v;
	void *mem = shared_mem(ring_bytes(8, sizeof(uint64_t)));
	uint64_t a = 41, b = 42, got;
	int fd[2], st;
	char c;
	pid_t pid;

	(void)state;
	ring_init(&v, mem, 8, sizeof(uint64_t));
	ring_push(&v, &a);
	ring_push(&v, &b);
	assert_int_equal(pipe(fd), 0);
	if ((pid = fork()) == 0) {
		uint64_t x;

		if (ring_peek(&v, &x) != RING_OK || x != 41)
			_exit(1);
		if (write(fd[1], "p", 1) != 1)
			_exit(1);
		for (;;)
			pause();        /* killed here, before ring_pop */
	}
	assert_int_equal(read(fd[0], &c, 1), 1);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_int_equal(ring_count(&v), 2);
	assert_int_equal(ring_peek(&v, &got), RING_OK);
	assert_int_equal(got, 41);
	close(fd[0]);
	close(fd[1]);
	munmap(mem, ring_bytes(8, sizeof(uint64_t)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks_capacity),
		cmocka_unit_test(test_order_and_wrap),
		cmocka_unit_test(test_full_and_partial_batch),
		cmocka_unit_test(test_corrupt_counters_detected),
		cmocka_unit_test(test_two_processes),
		cmocka_unit_test(test_consumer_killed_between_peek_and_pop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
