/*
 * bench_queue.c - the whole transport between processes: a client
 * (port.c) publishing requests and taking results, workers (queue.c)
 * taking them by lane and completing them with no meshing, so what is
 * measured is the handoff itself.  Median of 5 runs:
 *   - throughput, pipelined, 1 and 2 worker processes (items/s, ratio);
 *   - round trip of one request: worker spinning (it just finished one)
 *     and worker parked (the client sleeps in port_wait).
 * "make bench".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchstat.h"
#include "rig.h"

#define ITEMS  400000
#define TRIPS  20000
#define SLEEPY 2000
#define RUNS   5

static void
make_rig(struct rig *r, uint32_t workers)
{
	struct rig_opts o = {
		.geo = { .lane_cap = 1024, .cq_cap = 1024, .rel_cap = 1024 },
		.nclients = 2,
		.nworkers = workers, .page_size = 16384, .npages = 8,
	};

	rig_create(r, &o);
}

static double
throughput(uint32_t workers)
{
	struct rig r;
	struct rig_worker_opts wo = { .spin_ns = 100000 };
	struct port p;
	mp_request batch[64];
	mp_result res[256];
	pid_t pid[2];
	uint32_t sent = 0, got = 0, i;
	double t0;

	make_rig(&r, workers);
	rig_client(&r, 0, &p);
	for (i = 0; i < workers; i++)
		pid[i] = rig_spawn_worker(&r, i, &wo);
	for (i = 0; i < 64; i++)
		mp_request_init(&batch[i]);
	t0 = bench_ns();
	while (got < ITEMS) {
		int n;

		if (sent < ITEMS)
			sent += (uint32_t)port_submit_batch(&p, batch,
			    ITEMS - sent < 64 ? ITEMS - sent : 64);
		if ((n = port_poll(&p, res, 256)) > 0)
			got += (uint32_t)n;
	}
	t0 = (bench_ns() - t0) / 1e9;
	for (i = 0; i < workers; i++)
		rig_kill_worker(&r, i, pid[i]);
	rig_destroy(&r);
	return ITEMS / t0;
}

/* Round trips of single requests: p50 and p99 in microseconds. */
static void
round_trip(int sleepy, double *p50, double *p99)
{
	static double t[TRIPS];
	struct rig r;
	struct rig_worker_opts wo = { .spin_ns = sleepy ? 0 : 1000000 };
	struct port p;
	mp_request q;
	mp_result res;
	pid_t pid;
	int i, n = sleepy ? SLEEPY : TRIPS;

	make_rig(&r, 1);
	rig_client(&r, 0, &p);
	pid = rig_spawn_worker(&r, 0, &wo);
	mp_request_init(&q);
	usleep(20000);
	for (i = 0; i < n; i++) {
		double t0;

		if (sleepy)
			usleep(300);        /* the worker is parked again */
		t0 = bench_ns();
		port_submit(&p, &q);
		if (sleepy)
			while (port_wait(&p, 1000) == 0)
				;
		while (port_poll(&p, &res, 1) == 0)
			;
		t[i] = (bench_ns() - t0) / 1e3;
	}
	bench_sort(t, n);
	*p50 = t[n / 2];
	*p99 = t[n * 99 / 100];
	rig_kill_worker(&r, 0, pid);
	rig_destroy(&r);
}

int
main(void)
{
	double one[RUNS], two[RUNS], h50[RUNS], h99[RUNS], s50[RUNS], s99[RUNS];
	int i;

	for (i = 0; i < RUNS; i++) {
		one[i] = throughput(1);
		two[i] = throughput(2);
		round_trip(0, &h50[i], &h99[i]);
		round_trip(1, &s50[i], &s99[i]);
	}
	printf("transport (client process -> worker processes -> client), "
	    "median of %d runs, no meshing:\n", RUNS);
	printf("  throughput, 1 worker           %10.0f requests/s\n", bench_median(one, RUNS));
	printf("  throughput, 2 workers          %10.0f requests/s  (%.2fx)\n",
	    bench_median(two, RUNS), bench_median(two, RUNS) / bench_median(one, RUNS));
	printf("  round trip, worker spinning    p50 %6.1f us  p99 %6.1f us\n",
	    bench_median(h50, RUNS), bench_median(h99, RUNS));
	printf("  round trip, worker asleep      p50 %6.1f us  p99 %6.1f us  "
	    "(client in port_wait)\n", bench_median(s50, RUNS), bench_median(s99, RUNS));
	return 0;
}
