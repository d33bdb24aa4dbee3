/*
 * bench_daemon.c - the same chunk list meshed in-process on one thread
 * (mp_mesh_local) and through a private meshpoold with 1 and 2 workers;
 * chunks/s, the 2-worker speed-up and parallel efficiency, median of 5
 * runs each.  The seed workload: a 16 x 2 x 16 block of LOD 0 chunks of 32
 * cells around the origin, 8 times over.  The configurations take turns
 * within each round, so a slow patch of a shared machine hits them alike.
 * The host sleeps in mp_wait when nothing is ready, as a game would not
 * spin either.  A baseline transport runs
 * beside it: the same mesher in worker processes fed over socketpairs,
 * meshes copied back through them.  "make bench" (needs ./meshpoold).
 *
 *   bench-daemon [local | local2 | pipes | WORKERS | -WORKERS]
 *       one configuration, once (for a profiler); -WORKERS: host in mp_wait
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchstat.h"
#include "daemon_rig.h"
#include "meshpool.h"

#define CHUNKS 4096
#define RUNS   5

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

/* The machine's own ceiling: two threads meshing halves of the list. */
static void *
half(void *arg)
{
	uint32_t i;

	for (i = (uint32_t)(uintptr_t)arg; i < CHUNKS; i += 2) {
		mp_request r = chunk(i);
		mp_mesh_buf b;

		if (mp_mesh_local(&r, &b) != MP_OK)
			exit(1);
		mp_mesh_buf_free(&b);
	}
	return NULL;
}

static double
in_process_2(void)
{
	double t0 = bench_s();
	pthread_t t;

	if (pthread_create(&t, NULL, half, (void *)(uintptr_t)1) != 0)
		exit(1);
	half((void *)(uintptr_t)0);
	pthread_join(t, NULL);
	return CHUNKS / (bench_s() - t0);
}

static double
in_process(void)
{
	double t0 = bench_s();
	uint32_t i;

	for (i = 0; i < CHUNKS; i++) {
		mp_request r = chunk(i);
		mp_mesh_buf b;

		if (mp_mesh_local(&r, &b) != MP_OK)
			exit(1);
		mp_mesh_buf_free(&b);
	}
	return CHUNKS / (bench_s() - t0);
}

/* The host either sleeps in mp_wait whenever nothing is ready (woken for
 * every result), or runs like a game's frame loop at 1 kHz: submit what
 * fits, poll and release what is done, sleep out the rest of the frame. */
enum host { HOST_WAIT, HOST_FRAMES };

static double
through_daemon(int workers, enum host how)
{
	struct daemon d;
	mp_client *c;
	mp_result res[64];
	uint32_t sent = 0, got = 0;
	double t0, next;
	int n, i;

	if (daemon_start(&d, workers, NULL) != 0 || mp_connect(d.name, &c) != MP_OK) {
		fprintf(stderr, "bench-daemon: cannot start ./meshpoold\n");
		exit(1);
	}
	t0 = next = bench_s();
	while (got < CHUNKS) {
		while (sent < CHUNKS) {
			mp_request r = chunk(sent);

			if (mp_submit(c, &r) != MP_OK)
				break;
			sent++;
		}
		while ((n = mp_poll(c, res, 64)) > 0) {
			for (i = 0; i < n; i++)
				mp_release(c, &res[i]);
			got += (uint32_t)n;
		}
		if (n < 0)
			exit(1);
		if (got == CHUNKS)
			break;
		if (how == HOST_WAIT)
			mp_wait(c, 1000);
		else {
			struct timespec ts = { 0, 0 };
			double left;

			next += 0.001;
			if ((left = next - bench_s()) > 0) {
				ts.tv_nsec = (long)(left * 1e9);
				nanosleep(&ts, NULL);
			}
		}
	}
	t0 = CHUNKS / (bench_s() - t0);
	mp_disconnect(c);
	daemon_stop(&d, SIGTERM);
	unlink(d.log);
	return t0;
}

/* --- the baseline: the same workers fed over socketpairs ---------------- */

struct wire_hdr { uint64_t user_data; uint32_t nv, ni; };

static int
full_io(int fd, void *buf, size_t n, int writing)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t k = writing ? write(fd, p, n) : read(fd, p, n);

		if (k <= 0)
			return -1;
		p += k, n -= (size_t)k;
	}
	return 0;
}

/* A worker process: request in, mesh out (header, then the arrays). */
static void
pipe_worker(int fd)
{
	mp_request r;
	mp_mesh_buf b;

	while (full_io(fd, &r, sizeof r, 0) == 0) {
		struct wire_hdr h = { r.user_data, 0, 0 };

		if (mp_mesh_local(&r, &b) == MP_OK)
			h.nv = b.vertex_count, h.ni = b.index_count;
		if (full_io(fd, &h, sizeof h, 1) != 0 ||
		    (h.nv && (full_io(fd, b.positions, h.nv * 12, 1) != 0 ||
		    full_io(fd, b.normals, h.nv * 12, 1) != 0 ||
		    full_io(fd, b.indices, h.ni * 4, 1) != 0)))
			_exit(1);
		mp_mesh_buf_free(&b);
	}
	_exit(0);
}

/* Chunks/s with the meshes copied back through the sockets; 4 requests in
 * flight per worker, the host waiting in poll(). */
static double
through_pipes(int workers)
{
	int fds[2][2], i, w;
	pid_t pid[2];
	uint32_t sent = 0, got = 0;
	static unsigned char buf[8 << 20];
	double t0;

	for (w = 0; w < workers; w++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds[w]) != 0)
			exit(1);
		if ((pid[w] = fork()) == 0) {
			for (i = 0; i <= w; i++)    /* not the host's ends: EOF */
				close(fds[i][0]);
			pipe_worker(fds[w][1]);
		}
		close(fds[w][1]);
	}
	t0 = bench_s();
	for (w = 0; w < workers; w++)
		for (i = 0; i < 4 && sent < CHUNKS; i++) {
			mp_request r = chunk(sent++);

			full_io(fds[w][0], &r, sizeof r, 1);
		}
	while (got < CHUNKS) {
		struct pollfd pf[2];

		for (w = 0; w < workers; w++)
			pf[w].fd = fds[w][0], pf[w].events = POLLIN;
		if (poll(pf, (nfds_t)workers, -1) <= 0)
			exit(1);
		for (w = 0; w < workers; w++) {
			struct wire_hdr h;

			if (!(pf[w].revents & POLLIN))
				continue;
			if (full_io(fds[w][0], &h, sizeof h, 0) != 0 ||
			    full_io(fds[w][0], buf, (size_t)h.nv * 24 + (size_t)h.ni * 4,
			    0) != 0)
				exit(1);
			got++;
			if (sent < CHUNKS) {
				mp_request r = chunk(sent++);

				full_io(fds[w][0], &r, sizeof r, 1);
			}
		}
	}
	t0 = CHUNKS / (bench_s() - t0);
	for (w = 0; w < workers; w++) {
		close(fds[w][0]);
		waitpid(pid[w], NULL, 0);
	}
	return t0;
}

int
main(int argc, char **argv)
{
	double local[RUNS], l2[RUNS], f1[RUNS], f2[RUNS], w1[RUNS], w2[RUNS],
	    p1[RUNS], p2[RUNS], l, a, b, c, d;
	int i;

	if (argc == 2) {        /* one configuration, for a profiler */
		if (strcmp(argv[1], "local") == 0)
			printf("%.0f\n", in_process());
		else if (strcmp(argv[1], "local2") == 0)
			printf("%.0f\n", in_process_2());
		else if (strcmp(argv[1], "pipes") == 0)
			printf("%.0f\n", through_pipes(1));
		else
			printf("%.0f\n", through_daemon(abs(atoi(argv[1])),
			    atoi(argv[1]) < 0 ? HOST_WAIT : HOST_FRAMES));
		return 0;
	}
	for (i = 0; i < RUNS; i++) {
		local[i] = in_process();
		l2[i] = in_process_2();
		f1[i] = through_daemon(1, HOST_FRAMES);
		f2[i] = through_daemon(2, HOST_FRAMES);
		w1[i] = through_daemon(1, HOST_WAIT);
		w2[i] = through_daemon(2, HOST_WAIT);
		p1[i] = through_pipes(1);
		p2[i] = through_pipes(2);
	}
	l = bench_median(local, RUNS), a = bench_median(f1, RUNS), b = bench_median(f2, RUNS);
	c = bench_median(w1, RUNS), d = bench_median(w2, RUNS);
	printf("meshing %d LOD 0 chunks of the seed workload, median of %d runs:\n",
	    CHUNKS, RUNS);
	printf("  in-process, 1 thread                 %8.0f chunks/s\n", l);
	printf("  in-process, 2 threads                %8.0f chunks/s  "
	    "(%.2fx: this machine's ceiling for 2)\n", bench_median(l2, RUNS), bench_median(l2, RUNS) / l);
	printf("  host in a 1 kHz frame loop (submit, poll, sleep):\n");
	printf("    meshpoold, 1 worker                %8.0f chunks/s  "
	    "(%.2fx in-process)\n", a, a / l);
	printf("    meshpoold, 2 workers               %8.0f chunks/s  "
	    "(%.2fx 1 worker, %.2fx in-process, parallel efficiency %.0f%%)\n",
	    b, b / a, b / l, 100 * b / (2 * l));
	printf("  host asleep until each result (mp_wait; the baseline in poll):\n");
	printf("    meshpoold, 1 worker                %8.0f chunks/s  "
	    "(%.2fx in-process)\n", c, c / l);
	printf("    meshpoold, 2 workers               %8.0f chunks/s  "
	    "(%.2fx 1 worker, %.2fx in-process)\n", d, d / c, d / l);
	printf("    baseline: socketpairs, 1 worker    %8.0f chunks/s  "
	    "(meshpoold %.2fx it)\n", bench_median(p1, RUNS), c / bench_median(p1, RUNS));
	printf("    baseline: socketpairs, 2 workers   %8.0f chunks/s  "
	    "(meshpoold %.2fx it)\n", bench_median(p2, RUNS), d / bench_median(p2, RUNS));
	return 0;
}
