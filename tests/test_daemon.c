/*
 * test_daemon.c - meshpoold and libmeshpool end to end, real processes:
 * a private daemon per test.  Exactly once and bit-identical to the
 * in-process mesher; the four failures of the thread-pool host (the pool
 * really has the workers asked for and uses them all; work submitted is
 * run with nothing but submit/poll; a batch only partly taken loses
 * nothing); bad requests; worker, client and daemon deaths; SIGTERM;
 * stale and live instances; ABI mismatch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "wait.h"
#include "meshpool.h"
#include "monotime.h"
#include "futex.h"
#include "layout.h"

static uint64_t
now_ms(void)
{
	return mono_ns() / 1000000;
}

/* Request i of a block around the origin: LOD 0 and 1, all transition
 * patterns at LOD 1, all four lanes. */
static mp_request
block_req(uint32_t i)
{
	mp_request r;

	mp_request_init(&r);
	r.user_data = i;
	r.cells = 16;
	r.cx = (int32_t)(i % 16) - 8;
	r.cz = (int32_t)(i / 16 % 16) - 8;
	r.cy = -(int32_t)(i / 256 % 2);
	r.lod = (uint8_t)(i / 512 % 2);
	r.transitions = r.lod ? (uint8_t)(i * 7 % 64) : 0;
	r.edges = r.lod ? (uint16_t)(i * 97 % 4096) : 0;
	r.corners = r.lod ? (uint8_t)(i * 37 % 256) : 0;
	r.priority = (uint8_t)(i % 4);
	return r;
}

static int
same_mesh(mp_client *c, const mp_result *res, const mp_request *r)
{
	mp_mesh_buf b;
	mp_mesh_view v;
	int same;

	if (mp_mesh_local(r, &b) != MP_OK || mp_mesh(c, res, &v) != MP_OK)
		return 0;
	same = v.vertex_count == b.vertex_count && v.index_count == b.index_count &&
	    res->vertex_count == b.vertex_count &&
	    (b.vertex_count == 0 || (
	    memcmp(v.positions, b.positions, b.vertex_count * 12) == 0 &&
	    memcmp(v.normals, b.normals, b.vertex_count * 12) == 0 &&
	    memcmp(v.indices, b.indices, b.index_count * 4) == 0 &&
	    memcmp(res->aabb_min, b.aabb_min, 12) == 0 &&
	    memcmp(res->aabb_max, b.aabb_max, 12) == 0));
	mp_mesh_buf_free(&b);
	return same;
}

struct run {
	uint32_t n, sent, got, dups, bad, shutdown, mismatched, untimed;
	int      batch, wait, check, disconnected;
	unsigned char *seen;
};

/* The host loop: keep submitting, poll, check every result, release. */
static void
host_loop(mp_client *c, struct run *run, uint64_t deadline_ms)
{
	mp_result res[64];
	int i, n;

	run->seen = calloc(run->n, 1);
	while (run->got < run->n && now_ms() < deadline_ms) {
		if (run->batch) {
			mp_request b[64];
			uint32_t k;

			for (k = 0; k < 64 && run->sent + k < run->n; k++)
				b[k] = block_req(run->sent + k);
			if (k > 0)
				run->sent += (uint32_t)mp_submit_batch(c, b, k);
		} else {
			while (run->sent < run->n) {
				mp_request r = block_req(run->sent);

				if (mp_submit(c, &r) != MP_OK)
					break;
				run->sent++;
			}
		}
		if ((n = mp_poll(c, res, 64)) < 0) {
			run->disconnected = n == MP_EDISCONNECTED;
			break;
		}
		if (n == 0 && run->wait)
			mp_wait(c, 1000);
		for (i = 0; i < n; i++) {
			uint64_t ud = res[i].user_data;

			if (ud >= run->n || run->seen[ud]++) {
				run->dups++;
				continue;
			}
			run->got++;
			if (res[i].status == MP_ESHUTDOWN) {
				run->shutdown++;
				continue;
			}
			if (res[i].status == MP_OK && (res[i].queue_ns == 0 ||
			    res[i].compute_ns == 0))
				run->untimed++;
			if (res[i].status != MP_OK)
				run->bad++;
			else if (run->check) {
				mp_request r = block_req((uint32_t)ud);

				if (!same_mesh(c, &res[i], &r))
					run->mismatched++;
			}
			mp_release(c, &res[i]);
		}
	}
	free(run->seen);
}

static void
test_connect_errors(void **state)
{
	mp_client *c = (mp_client *)1;
	uint64_t t0 = now_ms();

	(void)state;
	assert_int_equal(mp_connect("no-such-instance-here", &c), MP_ENOENT);
	assert_null(c);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(mp_connect("../etc", &c), MP_EINVAL);
	assert_int_equal(mp_connect("", &c), MP_EINVAL);
	assert_int_equal(mp_connect(NULL, NULL), MP_EINVAL);
}

static void
test_exactly_once_and_bit_identical(void **state)
{
	struct daemon d;
	struct run run = { .n = 20000, .wait = 1, .check = 1 };
	char st[4096];
	mp_client *c;
	long long done0, done1;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	host_loop(c, &run, now_ms() + 240000);
	assert_int_equal(run.got, run.n);
	assert_int_equal(run.dups, 0);
	assert_int_equal(run.bad, 0);
	assert_int_equal(run.mismatched, 0);
	assert_int_equal(run.untimed, 0);       /* queue and compute times */
	assert_int_equal(mp_pending(c), 0);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "completed"), 20000);
	assert_int_equal(json_num(st, "arena_used_bytes"), 0);   /* all released */
	/* Both workers took a real share of it. */
	done0 = json_num(strstr(st, "\"slot\":0"), "done");
	done1 = json_num(strstr(st, "\"slot\":1"), "done");
	print_message("# worker 0 did %lld, worker 1 did %lld\n", done0, done1);
	assert_true(done0 > 2000 && done1 > 2000);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static int
children_of(pid_t parent)
{
	return daemon_children(parent, NULL, 0);
}

/* Gone, or a zombie nobody has reaped yet: not running either way. */
static int
running(pid_t pid)
{
	struct proc_sample ps;

	return proc_sample(pid, &ps) == 0 && ps.state != 'Z' && ps.state != 'X';
}

static void
test_runs_the_workers_asked_for(void **state)
{
	struct daemon d;
	char st[4096];

	(void)state;
	assert_int_equal(daemon_start(&d, 3, NULL), 0);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "workers"), 3);
	assert_int_equal(children_of(d.pid), 3);      /* real processes */
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	assert_int_equal(children_of(d.pid), 0);
}

/* Nothing but submit and poll, never a wait: all of it still runs. */
static void
test_submit_and_poll_only(void **state)
{
	struct daemon d;
	struct run run = { .n = 3000 };
	mp_client *c;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	host_loop(c, &run, now_ms() + 120000);
	assert_int_equal(run.got, 3000);
	assert_int_equal(run.dups + run.bad, 0);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* Batches larger than the room left: the count taken is returned and the
 * rest resubmitted by the caller; nothing lost, nothing twice. */
static void
test_partly_taken_batches(void **state)
{
	struct daemon d;
	struct run run = { .n = 6000, .batch = 1, .wait = 1 };
	mp_request big[600];
	mp_client *c;
	int i, took;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	for (i = 0; i < 600; i++) {
		big[i] = block_req((uint32_t)i);
		big[i].priority = 0;
	}
	took = mp_submit_batch(c, big, 600);      /* one lane holds 256 */
	assert_true(took > 0 && took < 600);
	assert_int_equal(mp_pending(c), (size_t)took);
	assert_int_equal(mp_drain(c, 60000), MP_OK);
	{
		mp_result res[64];
		int n, got = 0;

		while ((n = mp_poll(c, res, 64)) > 0)
			for (i = 0; i < n; i++, got++)
				mp_release(c, &res[i]);
		assert_int_equal(got, took);
	}
	host_loop(c, &run, now_ms() + 120000);
	assert_int_equal(run.got, 6000);
	assert_int_equal(run.dups + run.bad, 0);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

#define NBAD 20

static void
test_bad_requests(void **state)
{
	struct daemon d;
	mp_client *c;
	mp_request bad[NBAD], ok;
	struct raw_client rc;
	mp_result res[32];
	char line[256];
	int i, got = 0;

	(void)state;
	for (i = 0; i < NBAD; i++)
		mp_request_init(&bad[i]);
	bad[0].lod = 200;
	bad[1].cells = 3;
	bad[2].voxel_size = -1;
	bad[3].field.kind = 9;
	bad[4].field.octaves = 0;
	bad[5].field.frequency = 0.0f / 0.0f;
	bad[6].transitions = 1;             /* transitions at LOD 0 */
	bad[7].field.amplitude = 1.0f / 0.0f;
	bad[8].priority = 9;
	bad[9].cells = 65;
	bad[10].field.lacunarity = -2;
	bad[11].field.gain = 0.0f / 0.0f;
	bad[12].field.offset = -1.0f / 0.0f;
	bad[13].voxel_size = 1e25f, bad[13].cx = INT32_MAX;   /* past float */
	bad[14].field.octaves = 17;
	bad[15].transitions = 64, bad[15].lod = 1;
	bad[16].edges = MP_EDGE_NX_NY;      /* edges at LOD 0 */
	bad[17].edges = 0x1000, bad[17].lod = 1;
	bad[18].reserved = 1;
	bad[19].corners = MP_CORNER_PX_PY_PZ;  /* corners at LOD 0 */
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	for (i = 0; i < NBAD; i++)
		assert_int_equal(mp_submit(c, &bad[i]), MP_EINVAL);
	/* Written straight into the rings, past the library's checks: each
	 * comes back as an MP_EINVAL result and the daemon keeps serving. */
	assert_int_equal(raw_register(&d, MP_ABI, line, sizeof line, &rc), 1);
	for (i = 0; i < NBAD; i++) {        /* raw bytes into the lanes */
		const struct ring_view *lane = &rc.p.lane[i % 4];

		bad[i].user_data = 100 + (uint64_t)i;
		cseg_side(&rc.p.seg, (uint32_t)i % 4, ring_tail(lane))->ticket =
		    UINT32_MAX;         /* no ticket of the port's */
		assert_int_equal(ring_push(lane, &bad[i]), RING_OK);
	}
	atomic_fetch_add(&rc.p.seg.h->doorbell, 1);
	futex_wake(&rc.p.seg.h->doorbell, 1);
	while (got < NBAD && port_wait(&rc.p, 10000))
		got += port_poll(&rc.p, res + got, 32);
	assert_int_equal(got, NBAD);
	for (i = 0; i < NBAD; i++)
		assert_int_equal(res[i].status, MP_EINVAL);
	mp_request_init(&ok);
	assert_int_equal(mp_submit(c, &ok), MP_OK);
	assert_int_equal(mp_wait(c, 10000), MP_OK);
	assert_int_equal(mp_poll(c, res, 16), 1);
	assert_int_equal(res[0].status, MP_OK);
	assert_true(res[0].vertex_count > 0);
	mp_release(c, &res[0]);
	raw_close(&rc);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_abi_mismatch_refused(void **state)
{
	struct daemon d;
	struct raw_client rc;
	char line[256];

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(raw_register(&d, 999, line, sizeof line, &rc), 0);
	assert_true(strncmp(line, "err -11 ", 8) == 0);
	raw_close(&rc);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* Workers SIGKILLed during a run: replaced, their requests redone. */
static void
test_worker_kills_lose_nothing(void **state)
{
	struct daemon d;
	struct run run = { .n = 4000, .wait = 1, .check = 1 };
	char st[4096];
	mp_client *c;
	pid_t killer;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	if ((killer = fork()) == 0) {
		int k;

		for (k = 0; k < 20; k++) {
			char cmd[128];

			usleep(50000);
			snprintf(cmd, sizeof cmd, "pkill -KILL -P %ld -f 'worker %d'",
			    (long)d.pid, k % 2);
			if (system(cmd) < 0)
				_exit(1);
		}
		_exit(0);
	}
	host_loop(c, &run, now_ms() + 240000);
	waitpid(killer, NULL, 0);
	assert_int_equal(run.got, 4000);
	assert_int_equal(run.dups + run.bad + run.mismatched, 0);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	print_message("# %lld worker restarts, %lld requests put back\n",
	    json_num(st, "worker_restarts"), json_num(st, "requeued"));
	assert_true(json_num(st, "worker_restarts") > 0);
	assert_int_equal(json_num(st, "workers"), 2);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A client killed with requests queued and slabs held: reclaimed. */
static void
test_client_death_reclaims(void **state)
{
	struct daemon d;
	char st[4096], b;
	int held[2], i;
	pid_t pid;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(pipe(held), 0);
	if ((pid = fork()) == 0) {
		mp_client *c;
		mp_result res[8];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		uint32_t k;
		int n, slabs = 0;

		close(held[0]);
		if (mp_connect(d.name, &c) != MP_OK)
			_exit(1);
		for (k = 0; k < 500; k++) {
			mp_request r = block_req(k);

			if (mp_submit(c, &r) != MP_OK)
				break;
		}
		while (slabs == 0) {            /* hold a real slab or more */
			if ((n = mp_poll(c, res, 8)) < 0)
				_exit(2);
			for (i = 0; i < n; i++)
				slabs += res[i].handle != 0;
			if (n == 0)
				mp_wait(c, 1000);
		}
		if (write(held[1], "x", 1) != 1)
			_exit(3);
		pause();                    /* until killed */
		_exit(0);
	}
	close(held[1]);
	assert_int_equal(read(held[0], &b, 1), 1);
	close(held[0]);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "clients"), 1);
	assert_true(json_num(st, "arena_used_bytes") > 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	/* Within a second (a worker busy on it throws its result away when
	 * it finishes). */
	wait_until(daemon_status(&d, st, sizeof st) == 0 &&
	    json_num(st, "clients") == 0 && json_num(st, "arena_used_bytes") == 0,
	    1000);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "clients"), 0);
	assert_int_equal(json_num(st, "arena_used_bytes"), 0);
	assert_int_equal(json_num(st, "queued"), 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* SIGTERM: running requests finish, queued ones fail with MP_ESHUTDOWN,
 * every request has exactly one result; then the client is told. */
static void
test_sigterm_is_graceful(void **state)
{
	struct daemon d;
	struct run run = { .n = 900, .wait = 1 };
	mp_client *c;
	mp_request r;
	uint32_t i;
	int st;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	for (i = 0; i < run.n; i++) {
		r = block_req(i);
		if (mp_submit(c, &r) != MP_OK)
			break;
	}
	run.n = i;
	run.sent = i;
	kill(d.pid, SIGTERM);
	host_loop(c, &run, now_ms() + 60000);
	assert_int_equal(run.got, run.n);
	assert_int_equal(run.dups + run.bad, 0);
	print_message("# %u of %u completed with MP_ESHUTDOWN\n", run.shutdown,
	    run.n);
	assert_true(run.shutdown > 0);
	waitpid(d.pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(mp_poll(c, NULL, 0), MP_EDISCONNECTED);
	r = block_req(0);
	assert_int_equal(mp_submit(c, &r), MP_EDISCONNECTED);
	mp_disconnect(c);
	assert_int_equal(mp_connect(d.name, &c), MP_ENOENT);  /* socket gone */
}

/* SIGKILL of the supervisor: its workers go too, the client is told
 * within a second, and the same name starts again over the stale socket. */
static void
test_daemon_killed(void **state)
{
	struct daemon d, again;
	mp_client *c;
	pid_t workers[16];
	uint64_t t0;
	int r;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	assert_int_equal(daemon_children(d.pid, workers, 16), 2);
	daemon_stop(&d, SIGKILL);
	t0 = now_ms();
	r = mp_wait(c, 5000);
	assert_int_equal(r, MP_EDISCONNECTED);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(mp_poll(c, NULL, 0), MP_EDISCONNECTED);
	mp_disconnect(c);
	wait_until(!running(workers[0]) && !running(workers[1]), 1000);
	assert_false(running(workers[0]));      /* no orphans */
	assert_false(running(workers[1]));
	/* Same name again, over the stale socket and lock file. */
	again = d;
	assert_int_equal(daemon_restart(&again, 1, NULL), 0);
	assert_int_equal(daemon_stop(&again, SIGTERM), 0);
}

/* The daemon killed with requests out: the client polls what was done,
 * then mp_unfinished names exactly the rest, oldest first; submitted
 * again to a new daemon, every request has exactly one result. */
static void
test_lost_requests_are_named(void **state)
{
	enum { N = 800 };
	struct daemon d;
	mp_client *c;
	mp_result res[64];
	mp_request *lost = calloc(N, sizeof *lost);
	unsigned char *seen = calloc(N, 1);
	int sent = 0, got = 0, nlost, i, n;

	(void)state;
	assert_non_null(lost);
	assert_non_null(seen);
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	while (sent < N) {
		mp_request r = block_req((uint32_t)sent);

		r.cells = 32;           /* slower: plenty still out at the kill */
		if (mp_submit(c, &r) != MP_OK)
			break;
		sent++;
	}
	assert_true(sent >= 500);
	usleep(20000);
	daemon_stop(&d, SIGKILL);
	while ((n = mp_poll(c, res, 64)) != MP_EDISCONNECTED) {
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			assert_int_equal(seen[res[i].user_data]++, 0);
			got++;
		}
		if (n == 0)
			usleep(1000);
	}
	nlost = mp_unfinished(c, lost, N);
	print_message("# %d submitted, %d done before the kill, %d lost\n", sent,
	    got, nlost);
	assert_true(nlost > 0);
	assert_int_equal(got + nlost, sent);
	assert_int_equal((int)mp_pending(c), nlost);
	for (i = 0; i < nlost; i++) {
		assert_int_equal(seen[lost[i].user_data], 0);   /* not done */
		if (i > 0)
			assert_true(lost[i].user_data > lost[i - 1].user_data);
	}
	mp_disconnect(c);
	assert_int_equal(daemon_restart(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	for (i = 0; i < nlost;) {
		if ((n = mp_submit_batch(c, lost + i, (size_t)(nlost - i))) == 0)
			assert_int_equal(mp_wait(c, 10000), MP_OK);
		i += n;
		while ((n = mp_poll(c, res, 64)) > 0)
			for (; n > 0; n--) {
				assert_int_equal(seen[res[n - 1].user_data]++, 0);
				assert_int_equal(res[n - 1].status, MP_OK);
				mp_release(c, &res[n - 1]);
				got++;
			}
	}
	while (got < sent) {
		assert_int_equal(mp_wait(c, 10000), MP_OK);
		while ((n = mp_poll(c, res, 64)) > 0)
			for (; n > 0; n--) {
				assert_int_equal(seen[res[n - 1].user_data]++, 0);
				mp_release(c, &res[n - 1]);
				got++;
			}
	}
	assert_int_equal(got, sent);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	free(lost);
	free(seen);
}

/* The example host (client/examples/host_loop) rides out a daemon killed
 * and started again: it reconnects, submits again what was lost, and
 * goes on meshing; and it digs as it goes, each dig's chunks swapped in as
 * a group that never came out of mp_poll split. */
static void
test_host_example_survives_restart(void **state)
{
	struct daemon d;
	char cmd[256], out[4096], *p;
	long dug, swapped, superseded, split;
	pid_t pid;
	int fd[2], st;
	ssize_t n;
	size_t len = 0;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(pipe(fd), 0);
	snprintf(cmd, sizeof cmd, "client/examples/host_loop -n %s -s 4", d.name);
	if ((pid = fork()) == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd[1], 1);
		close(fd[0]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	usleep(1500000);
	daemon_stop(&d, SIGKILL);
	usleep(500000);
	assert_int_equal(daemon_restart(&d, 2, NULL), 0);
	while (len + 1 < sizeof out && (n = read(fd[0], out + len,
	    sizeof out - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_non_null(p = strstr(out, "reconnected 1 times"));
	print_message("# %.*s\n", (int)strcspn(strstr(out, "submitted "), "\n"),
	    strstr(out, "submitted "));
	assert_non_null(p = strstr(out, "dug "));
	assert_int_equal(sscanf(p, "dug %ld, groups swapped %ld, superseded %ld, "
	    "split %ld", &dug, &swapped, &superseded, &split), 4);
	print_message("# %.*s\n", (int)strcspn(p, "\n"), p);
	assert_true(dug > 0);
	assert_true(swapped > 0);
	assert_int_equal(split, 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_second_instance_refused(void **state)
{
	struct daemon d;
	char cmd[256];

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	snprintf(cmd, sizeof cmd, "./meshpoold -f -n %s -w 1 2>meshpoold-dup.log; "
	    "test $? -eq 1 && grep -q 'already running' meshpoold-dup.log", d.name);
	assert_int_equal(shell_out(cmd, NULL, 0), 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* "Idle means asleep": after work, neither the supervisor nor any worker
 * wakes even once while nothing is submitted (a client stays connected). */
static void
test_idle_daemon_never_wakes(void **state)
{
	struct daemon d;
	struct run run = { .n = 500, .wait = 1 };
	mp_client *c;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	host_loop(c, &run, now_ms() + 60000);
	assert_int_equal(run.got, 500);
	/* Past the workers' spin and the watchdog's last tick (it runs while
	 * a worker does, at most 1 s apart, and stops once all are parked). */
	usleep(1200000);
	assert_int_equal(daemon_asleep(&d, 1500), 0);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A fixed-size pool with requests queued behind a busy worker: the worker
 * does not ask the supervisor for growth it cannot give, so the supervisor
 * sleeps through the whole run (it was woken for every request). */
static void
test_busy_fixed_pool_leaves_supervisor_asleep(void **state)
{
	struct daemon d;
	struct run run = { .n = 600, .wait = 1 };
	struct proc_sample a, b;
	mp_client *c;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	assert_int_equal(proc_sample(d.pid, &a), 0);
	host_loop(c, &run, now_ms() + 60000);
	assert_int_equal(run.got, 600);
	assert_int_equal(proc_sample(d.pid, &b), 0);
	print_message("# supervisor: %llu context switches over 600 requests\n",
	    b.switches - a.switches);
	assert_true(b.switches - a.switches < 20);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A client that writes impossible ring indexes is disconnected (its
 * socket closed, its slot freed); another client does not notice. */
static void
test_hostile_client_disconnected(void **state)
{
	struct daemon d;
	struct raw_client rc;
	mp_client *good;
	mp_request r;
	mp_result res[4];
	char line[256], st[8192], b;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &good), MP_OK);
	assert_int_equal(raw_register(&d, MP_ABI, line, sizeof line, &rc), 1);
	atomic_store(&rc.p.lane[1].r->tail, 100000);    /* far past its head */
	atomic_fetch_add(&rc.p.seg.h->doorbell, 1);
	futex_wake(&rc.p.seg.h->doorbell, 1);
	mp_request_init(&r);
	assert_int_equal(mp_submit(good, &r), MP_OK);   /* wakes a worker too */
	assert_int_equal(mp_wait(good, 10000), MP_OK);
	assert_int_equal(mp_poll(good, res, 4), 1);
	assert_int_equal(res[0].status, MP_OK);
	mp_release(good, &res[0]);
	assert_true(wait_until(read(rc.sock, &b, 1) == 0, 1000)); /* EOF: out */
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "client_faults"), 1);
	assert_int_equal(json_num(st, "clients"), 1);   /* only the good one */
	raw_close(&rc);
	mp_disconnect(good);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* Meshes are read in place from memory the client cannot write. */
static void
test_arena_is_read_only_in_clients(void **state)
{
	struct daemon d;
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	if ((pid = fork()) == 0) {
		mp_client *c;
		mp_request r;
		mp_result res;
		mp_mesh_view v;

		mp_request_init(&r);
		if (mp_connect(d.name, &c) != MP_OK || mp_submit(c, &r) != MP_OK ||
		    mp_wait(c, 10000) != MP_OK || mp_poll(c, &res, 1) != 1 ||
		    mp_mesh(c, &res, &v) != MP_OK || v.vertex_count == 0)
			_exit(1);
		signal(SIGSEGV, SIG_DFL);       /* not cmocka's handler */
		((volatile float *)v.positions)[0] = 1.0f;      /* must fault */
		_exit(2);
	}
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_client_disconnected),
		cmocka_unit_test(test_arena_is_read_only_in_clients),
		cmocka_unit_test(test_idle_daemon_never_wakes),
		cmocka_unit_test(test_busy_fixed_pool_leaves_supervisor_asleep),
		cmocka_unit_test(test_connect_errors),
		cmocka_unit_test(test_exactly_once_and_bit_identical),
		cmocka_unit_test(test_runs_the_workers_asked_for),
		cmocka_unit_test(test_submit_and_poll_only),
		cmocka_unit_test(test_partly_taken_batches),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_abi_mismatch_refused),
		cmocka_unit_test(test_worker_kills_lose_nothing),
		cmocka_unit_test(test_client_death_reclaims),
		cmocka_unit_test(test_sigterm_is_graceful),
		cmocka_unit_test(test_daemon_killed),
		cmocka_unit_test(test_lost_requests_are_named),
		cmocka_unit_test(test_host_example_survives_restart),
		cmocka_unit_test(test_second_instance_refused),
	};

	alarm(900);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
