/*
 * bench_api.c - what mp_submit and mp_poll cost the host, against a
 * running instance: ns per request submitted and per result polled,
 * median of rounds of 512 empty chunks (meshed by the workers in well under
 * a microsecond, so the daemon is never the bottleneck).  Each measured
 * loop is bracketed by getppid() calls so that a run under strace can
 * count the system calls made inside it (tests/bench_syscalls.sh).
 *
 *   bench-api INSTANCE
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "meshpool.h"

#define BATCH  512
#define ROUNDS 200

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
marker(void)
{
	syscall(SYS_getppid);
}

int
main(int argc, char **argv)
{
	static double sub[ROUNDS], pol[ROUNDS];
	mp_request r[BATCH];
	mp_result res[64];
	mp_client *c;
	int i, k, n, got, e;

	if (argc != 2 || (e = mp_connect(argv[1], &c)) != MP_OK) {
		fprintf(stderr, "bench-api: %s\n", argc != 2 ? "usage: bench-api "
		    "INSTANCE" : mp_strerror(e));
		return 1;
	}
	for (i = 0; i < BATCH; i++) {
		mp_request_init(&r[i]);
		r[i].cells = 8;
		r[i].cy = 1000;                 /* far above the terrain: empty */
		r[i].cx = i;
		r[i].priority = (uint8_t)(i % 4);
	}
	for (k = 0; k < ROUNDS; k++) {
		double t0;

		marker();
		t0 = now_ns();
		for (i = 0; i < BATCH; i++)
			if (mp_submit(c, &r[i]) != MP_OK)
				return 1;
		sub[k] = (now_ns() - t0) / BATCH;
		marker();
		if (mp_drain(c, 10000) != MP_OK)
			return 1;
		marker();
		t0 = now_ns();
		for (got = 0; got < BATCH; got += n)
			if ((n = mp_poll(c, res, 64)) <= 0)
				return 1;
		pol[k] = (now_ns() - t0) / BATCH;
		marker();
	}
	qsort(sub, ROUNDS, sizeof sub[0], cmp);
	qsort(pol, ROUNDS, sizeof pol[0], cmp);
	printf("  mp_submit   %6.1f ns per request (median of %d rounds of %d; "
	    "p90 %.1f)\n", sub[ROUNDS / 2], ROUNDS, BATCH, sub[ROUNDS * 9 / 10]);
	printf("  mp_poll     %6.1f ns per result  (64 per call; p90 %.1f)\n",
	    pol[ROUNDS / 2], pol[ROUNDS * 9 / 10]);
	mp_disconnect(c);
	return 0;
}
