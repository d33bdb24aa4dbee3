/*
 * bench_daemon.c - the same chunk list meshed in-process on one thread
 * (mp_mesh_local) and through a private meshpoold with 1 and 2 workers;
 * chunks/s, the 2-worker speed-up and parallel efficiency, median of 3
 * runs each, measured side by side.  The seed workload: a 16 x 2 x 16
 * block of LOD 0 chunks of 32 cells around the origin, 4 times over.
 * The host sleeps in mp_wait when nothing is ready, as a game would not
 * spin either.  "make bench" (needs ./meshpoold built).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshpool.h"

#define CHUNKS 2048
#define RUNS   3

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static mp_request
chunk(uint32_t i)
{
	mp_request r;

	mp_request_init(&r);
	r.user_data = i;
	r.cx = (int32_t)(i % 16) - 8;
	r.cz = (int32_t)(i / 16 % 16) - 8;
	r.cy = -(int32_t)(i / 256 % 2);
	return r;
}

static double
in_process(void)
{
	double t0 = now_s();
	uint32_t i;

	for (i = 0; i < CHUNKS; i++) {
		mp_request r = chunk(i);
		mp_mesh_buf b;

		if (mp_mesh_local(&r, &b) != MP_OK)
			exit(1);
		mp_mesh_buf_free(&b);
	}
	return CHUNKS / (now_s() - t0);
}

static double
through_daemon(int workers)
{
	struct daemon d;
	mp_client *c;
	mp_result res[64];
	uint32_t sent = 0, got = 0;
	double t0;
	int n, i;

	if (daemon_start(&d, workers, NULL) != 0 || mp_connect(d.name, &c) != MP_OK) {
		fprintf(stderr, "bench-daemon: cannot start ./meshpoold\n");
		exit(1);
	}
	t0 = now_s();
	while (got < CHUNKS) {
		while (sent < CHUNKS) {
			mp_request r = chunk(sent);

			if (mp_submit(c, &r) != MP_OK)
				break;
			sent++;
		}
		if ((n = mp_poll(c, res, 64)) == 0) {
			mp_wait(c, 1000);
			continue;
		}
		if (n < 0)
			exit(1);
		for (i = 0; i < n; i++)
			mp_release(c, &res[i]);
		got += (uint32_t)n;
	}
	t0 = CHUNKS / (now_s() - t0);
	mp_disconnect(c);
	daemon_stop(&d, SIGTERM);
	unlink(d.log);
	return t0;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v)
{
	qsort(v, RUNS, sizeof v[0], cmp);
	return v[RUNS / 2];
}

int
main(void)
{
	double local[RUNS], one[RUNS], two[RUNS], l, o, t;
	int i;

	for (i = 0; i < RUNS; i++) {
		local[i] = in_process();
		one[i] = through_daemon(1);
		two[i] = through_daemon(2);
	}
	l = median(local), o = median(one), t = median(two);
	printf("meshing %d LOD 0 chunks of the seed workload, median of %d runs:\n",
	    CHUNKS, RUNS);
	printf("  in-process, 1 thread        %8.0f chunks/s\n", l);
	printf("  meshpoold, 1 worker         %8.0f chunks/s  (%.2fx in-process)\n",
	    o, o / l);
	printf("  meshpoold, 2 workers        %8.0f chunks/s  (%.2fx 1 worker, "
	    "%.2fx in-process, parallel efficiency %.0f%%)\n", t, t / o, t / l,
	    100 * t / (2 * l));
	return 0;
}
