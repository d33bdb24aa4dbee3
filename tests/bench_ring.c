/*
 * bench_ring.c - SPSC ring between two processes: handoff throughput of
 * mp_request-sized items (64 bytes) and one-way latency from a ping-pong
 * over two rings, both sides spinning.  Median of 5 runs.  "make bench".
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meshpool.h"
#include "benchstat.h"
#include "ring.h"

#define ITEMS  2000000
#define PINGS  200000
#define CAP    1024

static void *
shared(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static double
throughput(void)
{
	size_t bytes = ring_bytes(CAP, sizeof(mp_request));
	struct ring_view v;
	mp_request r;
	double t0, dt;
	long k;
	pid_t pid;

	ring_init(&v, shared(bytes), CAP, sizeof(mp_request));
	mp_request_init(&r);
	t0 = bench_ns();
	if ((pid = fork()) == 0) {
		for (k = 0; k < ITEMS; ) {
			r.user_data = (uint64_t)k;
			if (ring_push(&v, &r) == RING_OK)
				k++;
		}
		_exit(0);
	}
	for (k = 0; k < ITEMS; ) {
		if (ring_peek(&v, &r) == RING_OK) {
			if (r.user_data != (uint64_t)k)
				abort();
			ring_pop(&v);
			k++;
		}
	}
	dt = bench_ns() - t0;
	waitpid(pid, NULL, 0);
	munmap(v.r, bytes);
	return ITEMS / (dt / 1e9);
}

static double
one_way_latency(void)
{
	size_t bytes = ring_bytes(CAP, sizeof(uint64_t));
	struct ring_view ping, pong;
	double t0, dt;
	uint64_t k, x;
	pid_t pid;

	ring_init(&ping, shared(bytes), CAP, sizeof(uint64_t));
	ring_init(&pong, shared(bytes), CAP, sizeof(uint64_t));
	if ((pid = fork()) == 0) {
		for (k = 0; k < PINGS; k++) {
			while (ring_peek(&ping, &x) != RING_OK)
				;
			ring_pop(&ping);
			ring_push(&pong, &x);
		}
		_exit(0);
	}
	t0 = bench_ns();
	for (k = 0; k < PINGS; k++) {
		ring_push(&ping, &k);
		while (ring_peek(&pong, &x) != RING_OK)
			;
		ring_pop(&pong);
	}
	dt = bench_ns() - t0;
	waitpid(pid, NULL, 0);
	munmap(ping.r, bytes);
	munmap(pong.r, bytes);
	return dt / PINGS / 2;
}

int
main(void)
{
	double tp[5], lat[5];
	int i;

	for (i = 0; i < 5; i++) {
		tp[i] = throughput();
		lat[i] = one_way_latency();
	}
	printf("bench-ring: two processes, both spinning, median of 5\n");
	printf("  handoff throughput  %.1f M requests/s (64-byte items, ring of %d)\n",
	    bench_median(tp, 5) / 1e6, CAP);
	printf("  one-way latency     %.0f ns (ping-pong / 2)\n",
	    bench_median(lat, 5));
	return 0;
}
