/*
 * bench_api.c - what mp_submit and mp_poll cost the host, against a
 * running instance: ns per request submitted and per result polled,
 * median of rounds of 512 empty chunks (meshed by the workers in well under
 * a microsecond, so the daemon is never the bottleneck).  Each measured
 * loop is bracketed by getppid() calls so that a run under strace can
 * count the system calls made inside it (tests/bench_syscalls.sh).
 * Then the round trip of one empty chunk, submit to result in hand: with
 * the host busy-polling mp_poll while the worker is still spinning from
 * the last one, and with the worker parked (2 ms of quiet first) and the
 * host asleep in mp_wait.
 *
 *   bench-api INSTANCE
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "meshpool.h"
#include "benchstat.h"

#define BATCH  512
#define ROUNDS 200
#define TRIPS  2000
#define NAPS   300

static int
fail(int line)
{
	fprintf(stderr, "bench-api: failed at line %d\n", line);
	return 1;
}

/* Which boundary: the kernel ignores getppid's argument, but perf's
 * syscall tracepoint records it, so a lost event cannot shift the count
 * of every later window. */
enum { SUBMIT_BEGIN = 1, SUBMIT_END, POLL_BEGIN, POLL_END };

static void
marker(long which)
{
	syscall(SYS_getppid, which);
}

/* Round trips of one request; asleep: let the workers park first and wait
 * in mp_wait, else spin on mp_poll.  Sorted microseconds into us. */
static int
round_trips(mp_client *c, const mp_request *r, int asleep, double *us, int n)
{
	mp_result res;
	int i, got;

	for (i = 0; i < n; i++) {
		double t0;

		if (asleep)
			usleep(2000);
		t0 = bench_ns();
		if (mp_submit(c, r) != MP_OK)
			return -1;
		while ((got = mp_poll(c, &res, 1)) == 0)
			if (asleep && mp_wait(c, 1000) < 0)
				return -1;
		if (got < 0)
			return -1;
		us[i] = (bench_ns() - t0) / 1e3;
	}
	bench_sort(us, n);
	return 0;
}

int
main(int argc, char **argv)
{
	static double sub[ROUNDS], pol[ROUNDS];
	mp_request r[BATCH];
	mp_result res[64];
	mp_client *c;
	int i, k, n, got, e;

	setvbuf(stdout, NULL, _IOLBF, 0);
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

		marker(SUBMIT_BEGIN);
		t0 = bench_ns();
		for (i = 0; i < BATCH; i++)
			if (mp_submit(c, &r[i]) != MP_OK)
				return fail(__LINE__);
		sub[k] = (bench_ns() - t0) / BATCH;
		marker(SUBMIT_END);
		if (mp_drain(c, 10000) != MP_OK)
			return fail(__LINE__);
		marker(POLL_BEGIN);
		t0 = bench_ns();
		for (got = 0; got < BATCH; got += n)
			if ((n = mp_poll(c, res, 64)) <= 0)
				return fail(__LINE__);
		pol[k] = (bench_ns() - t0) / BATCH;
		marker(POLL_END);
	}
	bench_sort(sub, ROUNDS);
	bench_sort(pol, ROUNDS);
	printf("  mp_submit   %6.1f ns per request (median of %d rounds of %d; "
	    "p90 %.1f)\n", sub[ROUNDS / 2], ROUNDS, BATCH, sub[ROUNDS * 9 / 10]);
	printf("  mp_poll     %6.1f ns per result  (64 per call; p90 %.1f)\n",
	    pol[ROUNDS / 2], pol[ROUNDS * 9 / 10]);
	{
		static double rt[TRIPS], nap[NAPS];

		if (round_trips(c, &r[0], 0, rt, TRIPS) != 0 ||
		    round_trips(c, &r[0], 1, nap, NAPS) != 0)
			return fail(__LINE__);
		printf("  round trip of an empty chunk, host polling:  p50 %5.1f us  "
		    "p99 %5.1f us  (%d)\n", rt[TRIPS / 2], rt[TRIPS * 99 / 100], TRIPS);
		printf("  round trip, worker parked, host in mp_wait:  p50 %5.1f us  "
		    "p99 %5.1f us  (%d)\n", nap[NAPS / 2], nap[NAPS * 99 / 100], NAPS);
	}
	mp_disconnect(c);
	return 0;
}
