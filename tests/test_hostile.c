/*
 * test_hostile.c - no client can stall, corrupt or crash another client
 * or the daemon: hostile and broken clients against a private meshpoold,
 * through the public API and the memory they were actually given.
 *
 *   - a scribbler that knows nothing of the layout overwrites every shared
 *     writable mapping mp_connect gave it (random words, zeros, 0xff,
 *     counters near 0 and near overflow), reconnecting when thrown out,
 *     while a good client's paced requests all come back once, correct and
 *     never late by 2 s; no worker dies; the daemon sleeps afterwards;
 *   - what a client can write at all: one segment of its own, a new one per
 *     registration; the instance header and the arena fault on a write;
 *   - clients that submit and never poll or release (one, then four): a
 *     good client is still served and the arena stays in bounds;
 *   - a worker stopped with SIGSTOP is replaced and loses nothing;
 *   - the control socket: idle and slowloris connections are cut at the
 *     deadline and capped, a peer that never reads its answers does not
 *     grow the daemon, and out of file descriptors it refuses with a
 *     reason instead of spinning;
 *   - fork failing: scale says what it could do, status says degraded,
 *     and the workers are started once fork works again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "fnv.h"
#include "meshpool.h"
#include "monotime.h"
#include "sockpath.h"
#include "wait.h"

#define NREF      32            /* distinct chunks a good client asks for */
#define STALL_NS  2000000000ull /* a good request may never wait this long */
#define MAXMAPS   16

/* --- a good client ------------------------------------------------------ */

static void
ref_request(mp_request *r, uint32_t k)
{
	mp_request_init(r);
	r->cx = (int32_t)(k % 8);
	r->cz = (int32_t)(k / 8 % 4);
	r->cy = -1;                 /* the terrain's surface crosses cy -1 */
}

static uint64_t
mesh_hash(const float *pos, const float *nrm, const uint32_t *idx,
    uint32_t nv, uint32_t ni)
{
	uint64_t h = FNV_SEED;

	h = fnv(h, pos, (size_t)nv * 12);
	h = fnv(h, nrm, (size_t)nv * 12);
	return fnv(h, idx, (size_t)ni * 4);
}

static void
reference(uint64_t ref[NREF])
{
	uint32_t k;

	for (k = 0; k < NREF; k++) {
		mp_request r;
		mp_mesh_buf b;

		ref_request(&r, k);
		assert_int_equal(mp_mesh_local(&r, &b), MP_OK);
		ref[k] = mesh_hash(b.positions, b.normals, b.indices,
		    b.vertex_count, b.index_count);
		mp_mesh_buf_free(&b);
	}
}

struct good_run {
	uint32_t n, pace_us;         /* n requests, one every pace_us */
	uint32_t got, dups, wrong;
	uint64_t worst_ns;           /* longest submit-to-poll */
};

/* Submit run->n requests at a pace, poll everything, check each result is
 * new, OK and bit-identical to the in-process mesher. */
static void
good_client(const char *name, struct good_run *run)
{
	uint64_t ref[NREF], *sent_at;
	unsigned char *seen;
	uint64_t next = mono_ns(), give_up;
	uint32_t sent = 0;
	mp_client *c;

	reference(ref);
	sent_at = calloc(run->n, sizeof *sent_at);
	seen = calloc(run->n, 1);
	assert_non_null(sent_at);
	assert_non_null(seen);
	assert_int_equal(mp_connect(name, &c), MP_OK);
	give_up = mono_ns() + 120000000000ull;
	while (run->got < run->n && mono_ns() < give_up) {
		mp_result res[16];
		int n, i;

		if (sent < run->n && mono_ns() >= next) {
			mp_request r;

			ref_request(&r, sent % NREF);
			r.user_data = sent;
			if (mp_submit(c, &r) == MP_OK) {
				sent_at[sent++] = mono_ns();
				next += (uint64_t)run->pace_us * 1000;
			}
		}
		assert_true((n = mp_poll(c, res, 16)) >= 0);
		for (i = 0; i < n; i++) {
			uint64_t ud = res[i].user_data, lat;
			mp_mesh_view v;

			if (ud >= run->n || seen[ud]++) {
				run->dups++;
				continue;
			}
			run->got++;
			lat = mono_ns() - sent_at[ud];
			if (lat > run->worst_ns)
				run->worst_ns = lat;
			if (res[i].status != MP_OK || mp_mesh(c, &res[i], &v) != MP_OK ||
			    mesh_hash(v.positions, v.normals, v.indices,
			    v.vertex_count, v.index_count) != ref[ud % NREF])
				run->wrong++;
			mp_release(c, &res[i]);
		}
		if (n == 0)
			usleep(200);
	}
	mp_disconnect(c);
	free(sent_at);
	free(seen);
}

static void
assert_good(const struct good_run *run)
{
	print_message("# good client: %u of %u, worst wait %.1f ms\n", run->got,
	    run->n, run->worst_ns / 1e6);
	assert_int_equal(run->got, run->n);
	assert_int_equal(run->dups, 0);
	assert_int_equal(run->wrong, 0);
	assert_true(run->worst_ns < STALL_NS);
}

/* --- mappings ---------------------------------------------------------- */

struct range {
	unsigned long lo, hi;
	char perm[5];
	unsigned long inode;
};

/* The shared mappings of this process ("rw-s", "r--s"...). */
static int
shared_maps(struct range *out, int max)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL && n < max) {
		struct range r;

		if (sscanf(line, "%lx-%lx %4s %*s %*s %lu", &r.lo, &r.hi, r.perm,
		    &r.inode) == 4 && r.perm[3] == 's')
			out[n++] = r;
	}
	fclose(f);
	return n;
}

static int
known(const struct range *r, const struct range *set, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (set[i].lo == r->lo && set[i].hi == r->hi)
			return 1;
	return 0;
}

/* Connect, and find the mappings the connection brought: how many. */
static int
connect_and_map(const char *name, mp_client **c, struct range *got)
{
	struct range before[MAXMAPS * 2], after[MAXMAPS * 2];
	int nb = shared_maps(before, MAXMAPS * 2), na, i, n = 0;

	if (mp_connect(name, c) != MP_OK)
		return -1;
	na = shared_maps(after, MAXMAPS * 2);
	for (i = 0; i < na; i++)
		if (!known(&after[i], before, nb))
			got[n++] = after[i];
	return n;
}

/* --- the scribbler ----------------------------------------------------- */

enum { PAT_RANDOM, PAT_ZERO, PAT_ONES, PAT_NEAR_ZERO, PAT_NEAR_WRAP, NPAT };

static void
scribble(const struct range *r, int pattern, uint64_t *rng)
{
	uint32_t *w = (uint32_t *)r->lo;
	size_t i, n = (r->hi - r->lo) / 4;

	for (i = 0; i < n; i++) {
		*rng ^= *rng << 13, *rng ^= *rng >> 7, *rng ^= *rng << 17;
		switch (pattern) {
		case PAT_RANDOM:    w[i] = (uint32_t)*rng; break;
		case PAT_ZERO:      w[i] = 0; break;
		case PAT_ONES:      w[i] = 0xffffffffu; break;
		case PAT_NEAR_ZERO: w[i] = (uint32_t)(*rng % 8); break;
		default:            w[i] = 0xfffffff8u + (uint32_t)(*rng % 8); break;
		}
	}
}

/* For ms: connect, overwrite every writable mapping we were given, use
 * the library now and then; when thrown out (or after a while), connect
 * again with the next pattern. */
static void
scribbler(const char *name, uint64_t ms, uint32_t *connects)
{
	uint64_t until = mono_ns() + ms * 1000000u, rng = 0x9e3779b97f4a7c15ull;
	int pattern = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (mono_ns() < until) {
		struct range mine[MAXMAPS];
		mp_client *c;
		int n, k, round;

		if ((n = connect_and_map(name, &c, mine)) < 0) {
			usleep(10000);
			continue;
		}
		(*connects)++;
		for (round = 0; round < 200 && mono_ns() < until; round++) {
			mp_request r;
			mp_result res[8];

			for (k = 0; k < n; k++)
				if (mine[k].perm[1] == 'w')
					scribble(&mine[k], pattern, &rng);
			mp_request_init(&r);
			(void)mp_submit(c, &r);
			if (mp_poll(c, res, 8) < 0)
				break;          /* thrown out */
			sched_yield();
		}
		mp_disconnect(c);
		pattern = (pattern + 1) % NPAT;
	}
}

static void
test_scribbler_harms_nobody(void **state)
{
	struct daemon d;
	struct good_run run = { .n = 2000, .pace_us = 2000 };
	uint32_t *connects = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char st[16384];
	pid_t evil;
	int s;

	(void)state;
	assert_true(connects != MAP_FAILED);
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	if ((evil = fork()) == 0) {
		scribbler(d.name, 4000, connects);
		_exit(0);
	}
	good_client(d.name, &run);
	assert_int_equal(waitpid(evil, &s, 0), evil);
	assert_true(WIFEXITED(s) && WEXITSTATUS(s) == 0);
	print_message("# the scribbler connected %u times\n", *connects);
	assert_true(*connects >= NPAT);
	assert_good(&run);
	/* No worker died, a fresh client is served, and once the scribbler
	 * has gone the daemon sleeps again. */
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "worker_restarts"), 0);
	run = (struct good_run){ .n = 20, .pace_us = 0 };
	good_client(d.name, &run);
	assert_good(&run);
	usleep(1200000);
	assert_int_equal(daemon_asleep(&d, 1000), 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	munmap(connects, 4096);
}

/* --- what a client can write at all ---------------------------------- */

/* A write into mapping r in a child: 1 if it faulted. */
static int
write_faults(const struct range *r)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		signal(SIGSEGV, SIG_DFL);       /* not cmocka's handler */
		*(volatile uint32_t *)r->lo = 0x5a5a5a5a;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

static void
test_client_writes_only_its_own_segment(void **state)
{
	struct daemon d;
	struct range a[MAXMAPS], b[MAXMAPS];
	mp_client *ca, *cb;
	int na, nb, i, rw_a = -1, rw_b = -1;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	na = connect_and_map(d.name, &ca, a);
	nb = connect_and_map(d.name, &cb, b);
	assert_int_equal(na, 3);            /* its segment, header, arena */
	assert_int_equal(nb, 3);
	for (i = 0; i < na; i++) {
		if (a[i].perm[1] == 'w') {
			assert_int_equal(rw_a, -1);     /* one writable mapping */
			rw_a = i;
		} else
			assert_true(write_faults(&a[i]));
	}
	for (i = 0; i < nb; i++)
		if (b[i].perm[1] == 'w')
			rw_b = i;
	assert_true(rw_a >= 0 && rw_b >= 0);
	/* Two registrations, two different segments (memfds). */
	assert_true(a[rw_a].inode != b[rw_b].inode);
	mp_disconnect(cb);
	/* A registration in the slot cb left gets new memory again. */
	assert_int_equal(connect_and_map(d.name, &cb, b), 3);
	for (i = 0; i < 3; i++)
		if (b[i].perm[1] == 'w')
			assert_true(b[i].inode != a[rw_a].inode);
	mp_disconnect(ca);
	mp_disconnect(cb);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A client thrown out keeps its old mapping and goes on writing it; the
 * client registered in its slot after it is not touched. */
static void
test_thrown_out_client_writes_into_the_void(void **state)
{
	struct daemon d;
	struct good_run warm = { .n = 200, .pace_us = 500 };
	struct good_run run = { .n = 300, .pace_us = 500 };
	struct range mine[MAXMAPS], later[MAXMAPS];
	char st[16384];
	mp_client *evil, *next;
	uint64_t rng = 1;
	pid_t pid;
	int n, i, k, st_;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, "-m 2"), 0);    /* two slots */
	n = connect_and_map(d.name, &evil, mine);
	assert_int_equal(n, 3);
	if ((pid = fork()) == 0) {
		uint64_t until = mono_ns() + 4000000000ull;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		while (mono_ns() < until)       /* broken, and stays so */
			for (k = 0; k < n; k++)
				if (mine[k].perm[1] == 'w')
					scribble(&mine[k], k % 2 ? PAT_ONES : PAT_RANDOM,
					    &rng);
		_exit(0);
	}
	mp_disconnect(evil);            /* the child holds its own copy */
	/* A good client's traffic makes the workers look at every client:
	 * the broken one is thrown out (its socket closed by the daemon). */
	good_client(d.name, &warm);
	assert_good(&warm);
	wait_until(daemon_status(&d, st, sizeof st) == 0 &&
	    json_num(st, "client_faults") == 1 && json_num(st, "clients") == 0,
	    5000);
	assert_int_equal(json_num(st, "client_faults"), 1);
	/* Its slot is taken again, with new memory, while it keeps writing
	 * the old; the new client and one more are served in full. */
	assert_int_equal(connect_and_map(d.name, &next, later), 3);
	for (k = 0; k < 3; k++)
		for (i = 0; i < n; i++)
			if (later[k].perm[1] == 'w' && mine[i].perm[1] == 'w')
				assert_true(later[k].inode != mine[i].inode);
	good_client(d.name, &run);
	assert_good(&run);
	mp_disconnect(next);
	assert_int_equal(waitpid(pid, &st_, 0), pid);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* --- stuck clients ----------------------------------------------------- */

/* Submit all we may, then hold everything for good (until killed). */
static pid_t
stuck_client(const char *name)
{
	pid_t pid;

	if ((pid = fork()) == 0) {
		mp_client *c;
		mp_request r;
		uint32_t k = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (mp_connect(name, &c) != MP_OK)
			_exit(1);
		for (;;) {
			ref_request(&r, k++ % NREF);
			if (mp_submit(c, &r) != MP_OK)
				break;
		}
		for (;;)
			pause();
	}
	return pid;
}

static void
stuck_clients(int nstuck)
{
	struct daemon d;
	struct good_run run = { .n = 400, .pace_us = 0 };
	pid_t stuck[4];
	char st[16384];
	long long used, size;
	int i;

	assert_int_equal(daemon_start(&d, 2, "-a 32"), 0);
	for (i = 0; i < nstuck; i++)
		stuck[i] = stuck_client(d.name);
	usleep(1500000);                /* they take what they can */
	good_client(d.name, &run);
	assert_good(&run);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	used = json_num(st, "arena_used_bytes");
	size = json_num(st, "arena_bytes");
	print_message("# %d stuck: arena %lld of %lld bytes used\n", nstuck, used,
	    size);
	assert_true(used > 0 && used <= size);
	/* Each stuck client holds at most its share (an eighth) plus the
	 * pages of the requests it had in progress. */
	assert_true(used <= nstuck * (size / 8 + 2 * (1 << 20)));
	for (i = 0; i < nstuck; i++) {
		kill(stuck[i], SIGKILL);
		waitpid(stuck[i], NULL, 0);
	}
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void test_one_stuck_client(void **s) { (void)s; stuck_clients(1); }
static void test_four_stuck_clients(void **s) { (void)s; stuck_clients(4); }

/* --- a stopped worker -------------------------------------------------- */

static void
test_stopped_worker_is_replaced(void **state)
{
	struct daemon d;
	struct good_run run = { .n = 600, .pace_us = 1000 };
	pid_t w[4], pid;
	char st[16384];

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(daemon_children(d.pid, w, 4), 2);
	if ((pid = fork()) == 0) {          /* stop one while requests run */
		usleep(200000);
		kill(w[0], SIGSTOP);
		_exit(0);
	}
	good_client(d.name, &run);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_good(&run);
	wait_until(daemon_status(&d, st, sizeof st) == 0 &&   /* replaced */
	    json_num(st, "worker_restarts") >= 1 &&
	    json_num(st, "live_workers") == 2, 6000);
	assert_true(json_num(st, "worker_restarts") >= 1);
	assert_int_equal(json_num(st, "live_workers"), 2);
	assert_true(kill(w[0], 0) != 0);   /* gone (and reaped) */
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* The only worker stopped in the middle of a stream: the watchdog kills
 * it, its request is done again by its replacement, nothing is lost. */
static void
test_only_worker_stopped(void **state)
{
	struct daemon d;
	struct good_run run = { .n = 300, .pace_us = 1000 };
	pid_t w[2], pid;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(daemon_children(d.pid, w, 2), 1);
	if ((pid = fork()) == 0) {
		usleep(100000);
		kill(w[0], SIGSTOP);
		_exit(0);
	}
	good_client(d.name, &run);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_good(&run);
	assert_true(kill(w[0], 0) != 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* --- the control socket ------------------------------------------------ */

/* What the daemon says on s within ms: 1 a line (into buf), 0 EOF, -1
 * nothing yet. */
static int
hear(int s, char *buf, size_t len, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	ssize_t n;

	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	n = recv(s, buf, len - 1, ms == 0 ? MSG_DONTWAIT : 0);
	if (n > 0) {
		buf[n] = '\0';
		return 1;
	}
	return n == 0 ? 0 : -1;
}

static void
test_idle_and_slow_connections_are_bounded(void **state)
{
	struct daemon d;
	int s[40], i, held = 0, refused = 0, closed = 0;
	char buf[256];
	mp_client *c;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	for (i = 0; i < 40; i++) {
		s[i] = daemon_dial(&d);
		assert_true(s[i] >= 0);
	}
	/* Past the cap, refused at once and told why. */
	for (i = 0; i < 40; i++)
		if (hear(s[i], buf, sizeof buf, 20) == 1 &&
		    strstr(buf, "too many connections") != NULL)
			refused++;
		else
			held++;
	print_message("# %d held, %d refused\n", held, refused);
	assert_true(refused >= 8);
	/* Three of the held ones dribble a byte now and then (slowloris);
	 * at the deadline every held one is closed all the same. */
	for (i = 0; i < 6000 / 300; i++) {
		int k;

		for (k = 0; k < 3; k++)
			(void)send(s[k], "s", 1, MSG_NOSIGNAL);
		usleep(300000);
	}
	for (i = 0; i < 40; i++) {
		int r = hear(s[i], buf, sizeof buf, 100);

		closed += r == 0 || (r == 1 && hear(s[i], buf, sizeof buf, 100) == 0);
		close(s[i]);
	}
	assert_int_equal(closed, 40);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static long
rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof line, f) != NULL)
		sscanf(line, "VmRSS: %ld", &kib);
	fclose(f);
	return kib;
}

/* A peer that sends commands and never reads the answers: the daemon
 * stops reading it once a little output is waiting, and serves others. */
static void
test_unread_answers_do_not_grow_the_daemon(void **state)
{
	struct daemon d;
	struct good_run run = { .n = 50, .pace_us = 0 };
	long before, after;
	int s, i, sent = 0;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	before = rss_kib(d.pid);
	assert_true((s = daemon_dial(&d)) >= 0);
	fcntl(s, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 200000; i++) {
		if (send(s, "status\n", 7, MSG_NOSIGNAL) != 7) {
			usleep(1000);
			if (i > 1000 && sent > 0 && errno == EAGAIN)
				break;          /* it stopped reading us */
			continue;
		}
		sent++;
	}
	good_client(d.name, &run);
	assert_good(&run);
	after = rss_kib(d.pid);
	print_message("# %d status lines sent, unread; supervisor RSS %ld -> "
	    "%ld KiB\n", sent, before, after);
	assert_true(after - before < 8192);
	close(s);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static int
log_lines(const struct daemon *d, const char *what)
{
	char cmd[512], out[64];

	snprintf(cmd, sizeof cmd, "grep -c '%s' %s", what, d->log);
	shell_out(cmd, out, sizeof out);
	return atoi(out);
}

/* Out of file descriptors: the listener pauses instead of spinning, says
 * so once, and answers those who call with a reason at once. */
static void
test_out_of_descriptors(void **state)
{
	struct daemon d;
	struct proc_sample a, b;
	int s[64], n = 0, i, r, episodes;
	char buf[256];
	mp_client *c;
	uint64_t t0;

	(void)state;
	assert_int_equal(daemon_start_pre(&d, NULL, "ulimit -n 28;", 1, NULL), 0);
	while (n < 64 && (s[n] = daemon_dial(&d)) >= 0)
		n++;
	usleep(300000);                 /* the daemon has met the limit */
	assert_int_equal(proc_sample(d.pid, &a), 0);
	usleep(1000000);
	assert_int_equal(proc_sample(d.pid, &b), 0);
	print_message("# %d connections open; at the limit the supervisor used "
	    "%llu ticks in 1 s\n", n, b.ticks - a.ticks);
	assert_true(b.ticks - a.ticks < 30);            /* of 100: no spin */
	t0 = mono_ns();
	r = mp_connect(d.name, &c);
	print_message("# mp_connect: %s after %.0f ms\n", mp_strerror(r),
	    (mono_ns() - t0) / 1e6);
	assert_int_equal(r, MP_EAGAIN);         /* refused, not timed out */
	for (i = 0; i < n; i++)
		if (hear(s[i], buf, sizeof buf, 0) == 1)
			assert_non_null(strstr(buf, "out of file descriptors"));
	/* Once per episode: an episode ends when a descriptor comes free
	 * (here, at worst, when the start-up check's connection is reaped). */
	episodes = log_lines(&d, "refusing new connections");
	print_message("# %d episodes logged\n", episodes);
	assert_true(episodes >= 1 && episodes <= 3);
	assert_int_equal(episodes - log_lines(&d, "available again"), 1);
	for (i = 0; i < n; i++)
		close(s[i]);
	assert_true(wait_until(mp_connect(d.name, &c) == MP_OK, 3000));
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* --- fork failing ------------------------------------------------------- */

static void
test_fork_failure_degrades_then_recovers(void **state)
{
	struct daemon d;
	char flag[64], pre[128], out[512], cmd[256], st[16384];
	struct good_run run = { .n = 20, .pace_us = 0 };
	pid_t w[4];

	(void)state;
	snprintf(flag, sizeof flag, "test-forkfail-%ld", (long)getpid());
	snprintf(pre, sizeof pre, "MESHPOOL_FI_FORK_FAIL=%s", flag);
	unlink(flag);
	assert_int_equal(daemon_start_pre(&d, "tests/meshpoold-fi", pre, 1, NULL), 0);
	close(open(flag, O_CREAT | O_WRONLY, 0600));    /* fork fails now */
	snprintf(cmd, sizeof cmd, "./meshpoolctl -n %s scale 3", d.name);
	assert_int_equal(shell_out(cmd, out, sizeof out), 0);
	print_message("# scale 3: %s", out);
	assert_non_null(strstr(out, "could not be started"));
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "workers"), 3);
	assert_int_equal(json_num(st, "live_workers"), 1);
	assert_non_null(strstr(st, "\"health\":\"degraded\""));
	assert_non_null(strstr(st, "\"spawn_error\":\"fork:"));
	/* The one worker dies: it cannot be replaced while fork fails. */
	assert_int_equal(daemon_children(d.pid, w, 4), 1);
	kill(w[0], SIGKILL);
	usleep(300000);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "live_workers"), 0);
	unlink(flag);                   /* fork works again: all come back */
	wait_until(daemon_status(&d, st, sizeof st) == 0 &&
	    json_num(st, "live_workers") == 3, 12000);
	assert_int_equal(json_num(st, "live_workers"), 3);
	assert_non_null(strstr(st, "\"health\":\"ok\""));
	good_client(d.name, &run);
	assert_good(&run);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scribbler_harms_nobody),
		cmocka_unit_test(test_client_writes_only_its_own_segment),
		cmocka_unit_test(test_thrown_out_client_writes_into_the_void),
		cmocka_unit_test(test_one_stuck_client),
		cmocka_unit_test(test_four_stuck_clients),
		cmocka_unit_test(test_stopped_worker_is_replaced),
		cmocka_unit_test(test_only_worker_stopped),
		cmocka_unit_test(test_idle_and_slow_connections_are_bounded),
		cmocka_unit_test(test_unread_answers_do_not_grow_the_daemon),
		cmocka_unit_test(test_out_of_descriptors),
		cmocka_unit_test(test_fork_failure_degrades_then_recovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
