/*
 * test_faults.c - faults injected into a real daemon (tests/meshpoold-fi:
 * meshpoold with test-only triggers, never installed).  A request that
 * crashes its worker is retried once and fails with MP_EWORKER after the
 * second death; a request that hangs is timed out with MP_ETIMEDOUT and
 * its worker replaced; everyone else is served meanwhile.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshpool.h"

#define FI_CRASH_SEED 0xfa11deadu     /* as in daemon/worker.c */
#define FI_HANG_SEED  0xfa11f00du
#define FI_QLOCK_SEED 0xfa11b0c5u
#define FI_ALOCK_SEED 0xfa11a7e5u
#define FI "./tests/meshpoold-fi"

/* Submit the special request and n normal ones; collect all results. */
static void
run(mp_client *c, uint32_t seed, int n, int *special_status, int *ok)
{
	mp_request r;
	mp_result res[16];
	int i, got = 0, k;

	mp_request_init(&r);
	r.user_data = 1000;
	r.field.seed = seed;
	assert_int_equal(mp_submit(c, &r), MP_OK);
	for (i = 0; i < n; i++) {
		mp_request_init(&r);
		r.user_data = (uint64_t)i;
		r.cx = i;
		r.cells = 16;
		assert_int_equal(mp_submit(c, &r), MP_OK);
	}
	*ok = 0;
	*special_status = 1;
	while (got < n + 1) {
		assert_int_equal(mp_wait(c, 20000), MP_OK);
		while ((k = mp_poll(c, res, 16)) > 0)
			for (i = 0; i < k; i++, got++) {
				if (res[i].user_data == 1000)
					*special_status = res[i].status;
				else if (res[i].status == MP_OK)
					(*ok)++;
				mp_release(c, &res[i]);
			}
	}
}

static void
test_poison_request(void **state)
{
	struct daemon d;
	mp_client *c;
	char st[4096];
	int status, ok;

	(void)state;
	assert_int_equal(daemon_start_bin(&d, FI, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	run(c, FI_CRASH_SEED, 200, &status, &ok);
	assert_int_equal(status, MP_EWORKER);
	assert_int_equal(ok, 200);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "poisoned"), 1);
	assert_int_equal(json_num(st, "requeued"), 1);
	assert_int_equal(json_num(st, "worker_restarts"), 2);
	assert_non_null(strstr(st, "\"failed_by\":{\"MP_EWORKER\":1}"));
	/* Both workers are back and serving. */
	run(c, 42, 50, &status, &ok);
	assert_int_equal(status, MP_OK);
	assert_int_equal(ok, 50);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_hanging_request_times_out(void **state)
{
	struct daemon d;
	mp_client *c;
	char st[4096];
	int status, ok;

	(void)state;
	assert_int_equal(daemon_start_bin(&d, FI, 2, "-t 1"), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	run(c, FI_HANG_SEED, 100, &status, &ok);
	assert_int_equal(status, MP_ETIMEDOUT);
	assert_int_equal(ok, 100);       /* the other worker kept serving */
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	assert_int_equal(json_num(st, "worker_restarts"), 1);
	assert_int_equal(json_num(st, "workers"), 2);
	assert_non_null(strstr(st, "\"MP_ETIMEDOUT\":1"));
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* Request i of the chaos run: LOD 0 and 1, all transition patterns. */
static mp_request
chaos_req(uint32_t i)
{
	mp_request r;

	mp_request_init(&r);
	r.user_data = i;
	r.cells = 16;
	r.cx = (int32_t)(i % 32) - 16;
	r.cz = (int32_t)(i / 32 % 32) - 16;
	r.lod = (uint8_t)(i / 1024 % 2);
	r.transitions = r.lod ? (uint8_t)(i % 64) : 0;
	return r;
}

/* Chaos: a random worker SIGKILLed every 50 ms through 20,000 requests:
 * every one completes exactly once, bit-identical to mp_mesh_local. */
static void
test_chaos(void **state)
{
	struct daemon d;
	mp_client *c;
	mp_result res[64];
	unsigned char *seen = calloc(20000, 1);
	uint32_t sent = 0, got = 0, bad = 0, dup = 0;
	char st[8192];
	pid_t killer;
	int n, i, stop[2];

	(void)state;
	assert_int_equal(daemon_start_bin(&d, FI, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	assert_int_equal(pipe(stop), 0);
	if ((killer = fork()) == 0) {
		unsigned seed = 7;
		char cmd[128], b;

		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		while (read(stop[0], &b, 1) < 0) {     /* until the run ends */
			usleep(50000);
			snprintf(cmd, sizeof cmd, "pkill -KILL -P %ld -f 'worker %u$'",
			    (long)d.pid, rand_r(&seed) % 2);
			if (system(cmd) < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(stop[0]);
	while (got < 20000) {
		mp_request r = chaos_req(sent);

		if (sent < 20000 && mp_submit(c, &r) == MP_OK) {
			sent++;
			continue;
		}
		if ((n = mp_poll(c, res, 64)) == 0)
			assert_int_equal(mp_wait(c, 30000), MP_OK);
		assert_true(n >= 0);
		for (i = 0; i < n; i++) {
			uint64_t ud = res[i].user_data;
			mp_request q;
			mp_mesh_buf b;
			mp_mesh_view v;

			if (ud >= 20000 || seen[ud]++) {
				dup++;
				continue;
			}
			got++;
			q = chaos_req((uint32_t)ud);
			/* A request may meet two deaths in a row: MP_EWORKER is its
			 * one result then; anything else must be the exact mesh. */
			if (res[i].status == MP_EWORKER)
				continue;
			if (res[i].status != MP_OK || mp_mesh_local(&q, &b) != MP_OK ||
			    mp_mesh(c, &res[i], &v) != MP_OK ||
			    v.vertex_count != b.vertex_count ||
			    (b.vertex_count && (memcmp(v.positions, b.positions,
			    b.vertex_count * 12) || memcmp(v.indices, b.indices,
			    b.index_count * 4))))
				bad++;
			mp_mesh_buf_free(&b);
			mp_release(c, &res[i]);
		}
	}
	close(stop[1]);
	waitpid(killer, NULL, 0);
	assert_int_equal(got, 20000);
	assert_int_equal(dup, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	print_message("# 20000 requests, %lld worker restarts, %lld put back, "
	    "%lld poisoned\n", json_num(st, "worker_restarts"),
	    json_num(st, "requeued"), json_num(st, "poisoned"));
	assert_true(json_num(st, "worker_restarts") >= 5);
	assert_int_equal(json_num(st, "completed"), 20000);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	free(seen);
}

/* Workers that die the moment they start: the supervisor backs off
 * (100 ms doubling to 5 s) instead of spinning, and stays responsive. */
static void
test_restart_throttle(void **state)
{
	struct daemon d;
	struct proc_sample a, b;
	char st[8192];
	long long restarts;

	(void)state;
	setenv("MESHPOOL_FI_DIE_AT_START", "1", 1);
	assert_int_equal(daemon_start_bin(&d, FI, 2, NULL), 0);
	unsetenv("MESHPOOL_FI_DIE_AT_START");
	assert_int_equal(proc_sample(d.pid, &a), 0);
	sleep(2);
	assert_int_equal(proc_sample(d.pid, &b), 0);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	restarts = json_num(st, "worker_restarts");
	print_message("# %lld restarts of 2 crash-looping workers in ~2 s, "
	    "supervisor CPU %llu ticks\n", restarts, b.ticks - a.ticks);
	assert_true(restarts >= 4);          /* it does keep trying ... */
	assert_true(restarts <= 20);         /* ... with pauses, not a spin */
	assert_true(b.ticks - a.ticks < 50); /* under half a second of CPU */
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A worker killed while holding each daemon lock: nobody deadlocks, the
 * lock is repaired, and the request still has exactly one result. */
static void
test_death_under_locks(void **state)
{
	struct daemon d;
	mp_client *c;
	char st[8192];
	int status, ok;

	(void)state;
	assert_int_equal(daemon_start_bin(&d, FI, 2, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	/* Dies after pushing its result, holding qlock: the result stands. */
	run(c, FI_QLOCK_SEED, 100, &status, &ok);
	assert_int_equal(status, MP_OK);
	assert_int_equal(ok, 100);
	/* Dies holding the arena lock with a slab reserved, every time it is
	 * tried: the arena is rebuilt, the request fails after two deaths. */
	run(c, FI_ALOCK_SEED, 100, &status, &ok);
	assert_int_equal(status, MP_EWORKER);
	assert_int_equal(ok, 100);
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	print_message("# %lld lock repairs\n", json_num(st, "lock_repairs"));
	assert_true(json_num(st, "lock_repairs") >= 2);
	assert_int_equal(json_num(st, "worker_restarts"), 3);
	assert_int_equal(json_num(st, "arena_used_bytes"), 0);   /* none leaked */
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* A client that never releases reaches its cap (a quarter of the arena):
 * its requests wait, other clients keep meshing; once it releases, the
 * rest of its requests complete. */
static void
test_arena_cap_does_not_block_others(void **state)
{
	struct daemon d;
	mp_client *hog, *other;
	mp_result *held = calloc(1024, sizeof *held);
	mp_result res[64];
	char st[8192];
	int n, i, got = 0, idle = 0, total;

	(void)state;
	assert_int_equal(daemon_start_bin(&d, FI, 2, "-a 64"), 0);
	assert_int_equal(mp_connect(d.name, &hog), MP_OK);
	assert_int_equal(mp_connect(d.name, &other), MP_OK);
	for (i = 0; i < 1024; i++) {
		mp_request r;

		mp_request_init(&r);
		r.user_data = (uint64_t)i;
		r.cx = i % 32, r.cz = i / 32;
		r.priority = (uint8_t)(i % 4);          /* 4 lanes of 256 */
		assert_int_equal(mp_submit(hog, &r), MP_OK);
	}
	while (idle < 5) {              /* take what comes, release nothing */
		if ((n = mp_poll(hog, held + got, (size_t)(1024 - got))) == 0) {
			idle++;
			mp_wait(hog, 100);
		} else
			idle = 0;
		got += n > 0 ? n : 0;
	}
	assert_int_equal(daemon_status(&d, st, sizeof st), 0);
	print_message("# the hog got %d of 1024 before its cap; arena used "
	    "%lld of %lld\n", got, json_num(st, "arena_used_bytes"),
	    json_num(st, "arena_bytes"));
	assert_true(got > 0 && got < 1024);
	assert_true(json_num(st, "arena_used_bytes") <= json_num(st, "arena_bytes") / 4);
	{
		int status, ok;

		run(other, 42, 200, &status, &ok);   /* everyone else: served */
		assert_int_equal(status, MP_OK);
		assert_int_equal(ok, 200);
	}
	for (i = 0; i < got; i++)
		mp_release(hog, &held[i]);
	total = got;
	while (total < 1024) {
		assert_int_equal(mp_wait(hog, 30000), MP_OK);
		while ((n = mp_poll(hog, res, 64)) > 0)
			for (i = 0; i < n; i++, total++)
				mp_release(hog, &res[i]);
	}
	assert_int_equal(total, 1024);
	mp_disconnect(hog);
	mp_disconnect(other);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	free(held);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_death_under_locks),
		cmocka_unit_test(test_arena_cap_does_not_block_others),
		cmocka_unit_test(test_chaos),
		cmocka_unit_test(test_restart_throttle),
		cmocka_unit_test(test_poison_request),
		cmocka_unit_test(test_hanging_request_times_out),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
