/*
 * test_idle.c - "idle means asleep": worker processes running the real
 * wait loop (q_worker_wait: a short spin, then futex_waitv in park_sleep) use
 * no CPU and are not woken at all while there is no work (utime+stime and
 * context switches from /proc do not move over a second), yet every
 * request submitted wakes them and comes back once, after which they go
 * back to sleep.  And a burst wakes every parked worker, though the
 * client wakes only one (the others are woken down a chain, park.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "futex.h"
#include "monotime.h"
#include "rig.h"

/* Wait until pid parks, then watch it for ms: not one tick of CPU, not one
 * wake-up (context switch). */
static void
assert_asleep(pid_t pid, int ms)
{
	struct proc_sample a, b;
	int i;

	for (i = 0; i < 400; i++) {
		assert_int_equal(proc_sample(pid, &a), 0);
		if (a.state == 'S')
			break;
		usleep(5000);
	}
	usleep(100000);             /* past the spin-before-park window */
	assert_int_equal(proc_sample(pid, &a), 0);
	usleep((useconds_t)ms * 1000);
	assert_int_equal(proc_sample(pid, &b), 0);
	assert_int_equal(b.state, 'S');
	assert_true(b.ticks == a.ticks);
	assert_true(b.switches == a.switches);
}

static void
test_idle_workers_sleep(void **state)
{
	struct rig r;
	struct rig_opts o = {
		.geo = { .lane_cap = 64, .cq_cap = 256, .rel_cap = 256 },
		.nclients = 2,
		.nworkers = 2, .page_size = 16384, .npages = 16,
	};
	struct rig_worker_opts wo = { .spin_ns = 50000 };
	struct port p;
	mp_result res[64];
	pid_t w[2];
	uint64_t sum = 0;
	uint32_t sent = 0, got = 0;
	int i, n;

	(void)state;
	rig_create(&r, &o);
	rig_client(&r, 1, &p);
	for (i = 0; i < 2; i++)
		w[i] = rig_spawn_worker(&r, (uint32_t)i, &wo);
	for (i = 0; i < 2; i++)
		assert_asleep(w[i], 1000);
	assert_int_equal(__builtin_popcountll(atomic_load(&r.q.inst->parked)), 2);
	/* Work wakes them; every request comes back once. */
	while (got < 2000) {
		mp_request q;

		mp_request_init(&q);
		q.user_data = sent;
		q.priority = (uint8_t)(sent % 4);
		if (sent < 2000 && port_submit(&p, &q) == MP_OK) {
			sent++;
			continue;
		}
		if ((n = port_poll(&p, res, 64)) == 0)
			assert_int_equal(port_wait(&p, 10000), 1);
		for (i = 0; i < n; i++)
			sum += res[i].user_data;
		got += (uint32_t)(n > 0 ? n : 0);
	}
	assert_int_equal(sum, 1999ull * 2000 / 2);
	assert_int_equal(port_poll(&p, res, 64), 0);
	for (i = 0; i < 2; i++)     /* and back to sleep */
		assert_asleep(w[i], 500);
	for (i = 0; i < 2; i++)
		rig_kill_worker(&r, (uint32_t)i, w[i]);
	rig_destroy(&r);
}

/* A rig with one client (p) and two workers running wo. */
static void
two_workers(struct rig *r, struct port *p, const struct rig_worker_opts *wo,
    pid_t w[2])
{
	struct rig_opts o = {
		.geo = { .lane_cap = 64, .cq_cap = 64, .rel_cap = 64 },
		.nclients = 1,
		.nworkers = 2, .page_size = 16384, .npages = 16,
	};
	uint32_t i;

	rig_create(r, &o);
	rig_client(r, 0, p);
	for (i = 0; i < 2; i++)
		w[i] = rig_spawn_worker(r, i, wo);
}

static void
stop_workers(struct rig *r, pid_t w[2])
{
	uint32_t i;

	for (i = 0; i < 2; i++)
		rig_kill_worker(r, i, w[i]);
	rig_destroy(r);
}

/* Both workers parked; one batch of slow requests, one client wake: the
 * woken worker must wake the other, or it does the whole batch alone. */
static void
test_burst_wakes_every_worker(void **state)
{
	struct rig r;
	struct rig_worker_opts wo = { .spin_ns = 10000, .work_us = 20000 };
	mp_request q[8];
	mp_result res[8];
	struct port p;
	pid_t w[2];
	uint64_t sum = 0;
	int i, n, got = 0;

	(void)state;
	two_workers(&r, &p, &wo, w);
	for (i = 0; i < 2; i++)
		assert_asleep(w[i], 100);
	for (i = 0; i < 8; i++) {
		mp_request_init(&q[i]);
		q[i].user_data = (uint64_t)i + 1;
	}
	assert_int_equal(port_submit_batch(&p, q, 8), 8);
	while (got < 8) {
		if ((n = port_poll(&p, res, 8)) == 0)
			assert_int_equal(port_wait(&p, 10000), 1);
		for (i = 0; i < n; i++)
			sum += res[i].user_data;
		got += n;
	}
	assert_int_equal(sum, 36);
	assert_true(r.q.d->w[0].done > 0);
	assert_true(r.q.d->w[1].done > 0);
	assert_int_equal(r.q.d->w[0].done + r.q.d->w[1].done, 8);
	stop_workers(&r, w);
}

/* Workers that park at once (no spin) and a client that submits one to
 * three requests at a time, over and over: every request is a race between
 * a worker going to sleep and a client waking it.  A lost wake-up shows
 * as a wait that times out with a request still out. */
static void
test_no_lost_wakeups(void **state)
{
	struct rig r;
	struct rig_worker_opts wo = { .spin_ns = 0 };
	mp_request q[3];
	mp_result res[3];
	struct port p;
	pid_t w[2];
	uint32_t round, out;
	int i, n;

	(void)state;
	two_workers(&r, &p, &wo, w);
	for (i = 0; i < 3; i++)
		mp_request_init(&q[i]);
	for (round = 0; round < 20000; round++) {
		out = 1 + round % 3;
		assert_int_equal(port_submit_batch(&p, q, out), out);
		while (out > 0) {
			if ((n = port_poll(&p, res, 3)) == 0) {
				if (port_wait(&p, 5000) != 1)
					fail_msg("round %u: a request was never "
					    "taken (%u parked)", round,
					    __builtin_popcountll(atomic_load(
					    &r.q.inst->parked)));
				continue;
			}
			out -= (uint32_t)n;
		}
		if (round % 64 == 0)
			usleep(50);     /* let both park now and then */
	}
	stop_workers(&r, w);
}

/* A client that rings its doorbell without end, and never has work:
 * workers mute it after a few empty wake-ups, longer each time, so they
 * are woken a few hundred times, not hundreds of thousands; and a real
 * request from it is still served. */
static void
test_doorbell_storm_is_muted(void **state)
{
	struct rig r;
	struct rig_worker_opts wo = { .spin_ns = 0 };
	struct proc_sample a[2], b[2];
	struct port p;
	mp_request q;
	mp_result res;
	pid_t w[2], storm;
	uint64_t wakes = 0, ticks = 0;
	int i;

	(void)state;
	two_workers(&r, &p, &wo, w);
	for (i = 0; i < 2; i++)
		assert_asleep(w[i], 100);
	for (i = 0; i < 2; i++)
		assert_int_equal(proc_sample(w[i], &a[i]), 0);
	if ((storm = fork()) == 0) {
		uint64_t until = mono_ns() + 2000000000ull;

		while (mono_ns() < until) {
			atomic_fetch_add(&p.seg.h->doorbell, 1);
			futex_wake(&p.seg.h->doorbell, 1);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(storm, NULL, 0), storm);
	for (i = 0; i < 2; i++) {
		assert_int_equal(proc_sample(w[i], &b[i]), 0);
		wakes += b[i].switches - a[i].switches;
		ticks += b[i].ticks - a[i].ticks;
	}
	print_message("# 2 s of doorbell storm: %llu worker wake-ups, %llu "
	    "CPU ticks\n", (unsigned long long)wakes, (unsigned long long)ticks);
	assert_true(wakes < 2000);
	assert_true(ticks < 40);        /* of 400: neither worker spins */
	mp_request_init(&q);
	q.user_data = 77;
	assert_int_equal(port_submit(&p, &q), MP_OK);
	assert_int_equal(port_wait(&p, 5000), 1);
	assert_int_equal(port_poll(&p, &res, 1), 1);
	assert_int_equal(res.user_data, 77);
	stop_workers(&r, w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_workers_sleep),
		cmocka_unit_test(test_burst_wakes_every_worker),
		cmocka_unit_test(test_no_lost_wakeups),
		cmocka_unit_test(test_doorbell_storm_is_muted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
