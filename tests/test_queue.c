/*
 * test_queue.c - the transport end to end between real processes: a
 * client (this process, through port.c) and forked workers (queue.c).
 * Lane order and wrap-around, priority, round-robin between clients, the
 * in-flight bound, a worker killed at every step of a take and of a
 * completion, poison and timeout, client close, hostile indexes, and
 * mp_wait-style sleeping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "futex.h"
#include "rig.h"
#include "wait.h"

#define PAGE 16384u

static void
opts(struct rig_opts *o, uint32_t nclients, uint32_t lane_cap, uint32_t cq_cap)
{
	memset(o, 0, sizeof *o);
	o->nclients = nclients;
	o->geo.lane_cap = lane_cap;
	o->geo.cq_cap = cq_cap;
	o->geo.rel_cap = 1024;
	o->nworkers = 4;
	o->page_size = PAGE;
	o->npages = 64;
}

static struct port
client(struct rig *r, uint32_t slot)
{
	struct port p;

	rig_client(r, slot, &p);
	return p;
}

static mp_request
req(uint64_t ud, uint8_t lane)
{
	mp_request q;

	mp_request_init(&q);
	q.user_data = ud;
	q.priority = lane;
	return q;
}

/* A child worker on slot w takes up to n requests (without waiting for a
 * token) and records their user_data, in order, in out[]; returns count. */
static int
take_in_child(struct rig *r, uint32_t w, int n, uint64_t *out)
{
	uint64_t *shared = mmap(NULL, (size_t)(n + 1) * 8, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;
	int st, i, got;

	int chan = q_worker_start(&r->q, w);

	assert_true(shared != MAP_FAILED);
	assert_true(chan >= 0);
	if ((pid = fork()) == 0) {
		mp_request q;
		mp_result res;

		q_worker_enter(&r->q, w, chan);
		for (i = 0; i < n && q_take(&r->q, w, &q); i++) {
			shared[1 + i] = q.user_data;
			memset(&res, 0, sizeof res);
			q_complete(&r->q, w, &res);
		}
		shared[0] = (uint64_t)i;
		_exit(0);
	}
	q_worker_started(&r->q, w, pid, chan);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	got = (int)shared[0];
	memcpy(out, shared + 1, (size_t)got * 8);
	munmap(shared, (size_t)(n + 1) * 8);
	return got;
}

static int
poll_all(struct port *p, mp_result *out, int max)
{
	int n = 0, k;

	while ((k = port_poll(p, out + n, (size_t)(max - n))) > 0)
		n += k;
	assert_true(k >= 0);
	return n;
}

static void
test_lane_fifo_and_wrap(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct port p;
	mp_result res[64];
	uint64_t got[64], next = 0, expect = 0;
	int round, i, n;

	(void)state;
	opts(&o, 2, 8, 64);
	rig_create(&r, &o);
	p = client(&r, 1);
	for (round = 0; round < 7; round++) {          /* 7 x 8 wraps twice */
		mp_request q;

		for (i = 0;; i++) {
			q = req(next, 2);
			if (port_submit(&p, &q) != MP_OK)
				break;
			next++;
		}
		assert_int_equal(i, 8);
		assert_int_equal(port_submit(&p, &q), MP_EAGAIN);   /* full lane */
		n = take_in_child(&r, 0, 64, got);
		assert_int_equal(n, 8);
		for (i = 0; i < n; i++)
			assert_int_equal(got[i], expect + (uint64_t)i);
		assert_int_equal(poll_all(&p, res, 64), 8);
		for (i = 0; i < 8; i++)
			assert_int_equal(res[i].user_data, expect + (uint64_t)i);
		expect += 8;
	}
	rig_destroy(&r);
}

static void
test_priority_order(void **state)
{
	static const uint8_t lanes[] = { 3, 1, 2, 0, 3, 0, 1, 2, 2, 0, 3, 1 };
	struct rig r;
	struct rig_opts o;
	struct port p;
	uint64_t got[16];
	uint8_t prev_lane = 0;
	int i, n;

	(void)state;
	opts(&o, 1, 8, 64);
	rig_create(&r, &o);
	p = client(&r, 0);
	for (i = 0; i < 12; i++) {
		mp_request q = req((uint64_t)lanes[i] << 8 | (uint64_t)i, lanes[i]);

		assert_int_equal(port_submit(&p, &q), MP_OK);
	}
	n = take_in_child(&r, 0, 16, got);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		uint8_t lane = (uint8_t)(got[i] >> 8);

		assert_true(lane >= prev_lane);           /* lane 0 first ... */
		if (i > 0 && lane == prev_lane)           /* ... FIFO inside one */
			assert_true((got[i] & 0xff) > (got[i - 1] & 0xff));
		prev_lane = lane;
	}
	rig_destroy(&r);
}

static void
test_round_robin_between_clients(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct port p[3];
	uint64_t got[32];
	int c, i, n;

	(void)state;
	opts(&o, 3, 8, 64);
	rig_create(&r, &o);
	for (c = 0; c < 3; c++) {
		p[c] = client(&r, (uint32_t)c);
		for (i = 0; i < 6; i++) {
			mp_request q = req((uint64_t)c << 16 | (uint64_t)i, 1);

			assert_int_equal(port_submit(&p[c], &q), MP_OK);
		}
	}
	/* Client 0 filled its lane first, yet the takes alternate. */
	n = take_in_child(&r, 0, 32, got);
	assert_int_equal(n, 18);
	for (i = 0; i < n; i++) {
		assert_int_equal(got[i] >> 16, (uint64_t)(i % 3));
		assert_int_equal(got[i] & 0xffff, (uint64_t)(i / 3));
	}
	rig_destroy(&r);
}

static void
test_in_flight_bound(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct port p;
	mp_result res[64];
	uint64_t got[64];
	int i, n;

	(void)state;
	opts(&o, 1, 16, 16);
	rig_create(&r, &o);
	p = client(&r, 0);
	for (i = 0;; i++) {
		mp_request q = req((uint64_t)i, (uint8_t)(i & 1));

		if (port_submit(&p, &q) != MP_OK)
			break;
	}
	assert_int_equal(i, 16);            /* completion ring size, not lanes */
	/* A client that ignores the limit and writes lanes 2 and 3 directly
	 * still cannot get more than 16 taken: completions must fit. */
	for (i = 0; i < 16; i++) {
		mp_request q = req(100 + (uint64_t)i, (uint8_t)(2 + (i & 1)));
		const struct ring_view *lane = &p.lane[q.priority];

		cseg_side(&p.seg, q.priority, ring_tail(lane))->ticket = UINT32_MAX;
		assert_int_equal(ring_push(lane, &q), RING_OK);
	}
	n = take_in_child(&r, 0, 64, got);
	assert_int_equal(n, 16);
	n = take_in_child(&r, 0, 64, got);
	assert_int_equal(n, 0);
	assert_int_equal(poll_all(&p, res, 64), 16);
	n = take_in_child(&r, 0, 64, got);
	assert_int_equal(n, 16);
	for (i = 0; i < 16; i++)
		assert_true(got[i] >= 100);
	assert_int_equal(poll_all(&p, res, 64), 16);
	rig_destroy(&r);
}

/* --- a worker killed at each step ------------------------------------- */

static int kill_at;

static void
kill_hook(int point)
{
	if (point == kill_at)
		raise(SIGKILL);
}

static void
expect_one_result(struct rig *r, struct port *p, uint64_t ud, int status)
{
	mp_result res[4];
	const struct slab_arena *a = &r->q.arena;
	size_t bytes;
	void *mem;

	assert_int_equal(port_wait(p, 10000), 1);
	assert_int_equal(poll_all(p, res, 4), 1);
	assert_int_equal(res[0].user_data, ud);
	assert_int_equal(res[0].status, status);
	if (status == 0) {
		assert_true(res[0].handle != 0);
		mem = slab_ptr(a, res[0].handle, &bytes);
		assert_non_null(mem);
		assert_int_equal(rig_check(mem, res[0].index_count, ud), 0);
		assert_int_equal(port_release(p, res[0].handle), MP_OK);
	}
	usleep(20000);                       /* a duplicate would show up now */
	assert_int_equal(port_poll(p, res, 4), 0);
}

static void
test_kill_at_every_step(void **state)
{
	static const int points[] = { QF_TAKE_COPIED, QF_TAKE_POPPED,
	    QF_RESERVED, QF_PUBLISHED, QF_PUSHED, QF_NOTED, QF_COUNTED };
	size_t k;

	(void)state;
	for (k = 0; k < sizeof points / sizeof points[0]; k++) {
		struct rig r;
		struct rig_opts o;
		struct rig_worker_opts wo = { .slabs = 1, .fault = kill_hook };
		struct port p;
		mp_request q;
		pid_t pid;
		int st, rec;

		opts(&o, 2, 8, 64);
		rig_create(&r, &o);
		p = client(&r, 1);
		q = req(0xabc0 + k, 1);
		assert_int_equal(port_submit(&p, &q), MP_OK);
		kill_at = points[k];
		pid = rig_spawn_worker(&r, 0, &wo);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		rec = q_recover(&r.q, 0, 0);
		/* Put back exactly when it had left the ring but not reached the
		 * client; finished by the repair when it had. */
		assert_int_equal(rec, points[k] == QF_TAKE_POPPED ||
		    points[k] == QF_RESERVED ? 1 : 0);
		kill_at = 0;
		pid = rig_spawn_worker(&r, 1, &wo);
		expect_one_result(&r, &p, q.user_data, 0);
		/* Counted once, wherever the count was cut short. */
		assert_int_equal(r.q.d->completed, 1);
		assert_int_equal(r.q.d->cl[1].completed, 1);
		assert_int_equal(r.q.d->failed, 0);
		rig_kill_worker(&r, 1, pid);
		q_drain_releases(&r.q);
		assert_int_equal(r.q.arena.h->used_bytes, 0);   /* nothing leaked */
		assert_int_equal(slab_check(&r.q.arena), 0);
		if (points[k] == QF_RESERVED)
			assert_int_equal(r.q.d->arepairs, 1);
		else
			assert_int_equal(r.q.d->qrepairs, 1);
		rig_destroy(&r);
	}
}

static void
test_poison_request_fails_after_two_deaths(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct rig_worker_opts wo = { .slabs = 1, .kill_magic = 0xdead };
	struct port p;
	mp_request q = req(0xdead, 0), ok = req(7, 0);
	pid_t pid;
	int st;

	(void)state;
	opts(&o, 1, 8, 64);
	rig_create(&r, &o);
	p = client(&r, 0);
	assert_int_equal(port_submit(&p, &q), MP_OK);
	pid = rig_spawn_worker(&r, 0, &wo);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(q_recover(&r.q, 0, 0), 1);          /* once: again */
	pid = rig_spawn_worker(&r, 0, &wo);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(q_recover(&r.q, 0, 0), MP_EWORKER); /* twice: fails */
	expect_one_result(&r, &p, 0xdead, MP_EWORKER);
	assert_int_equal(r.q.d->poisoned, 1);
	pid = rig_spawn_worker(&r, 0, &wo);                  /* still serving */
	assert_int_equal(port_submit(&p, &ok), MP_OK);
	expect_one_result(&r, &p, 7, 0);
	rig_kill_worker(&r, 0, pid);
	rig_destroy(&r);
}

static void
test_timeout_fails_the_request(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct rig_worker_opts wo = { .work_us = 60000000 };
	struct port p;
	mp_request q = req(42, 3);
	pid_t pid;
	int st;

	(void)state;
	opts(&o, 1, 8, 64);
	rig_create(&r, &o);
	p = client(&r, 0);
	assert_int_equal(port_submit(&p, &q), MP_OK);
	pid = rig_spawn_worker(&r, 2, &wo);
	assert_true(wait_until(atomic_load(&r.q.d->w[2].state) == WS_BUSY, 5000));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(q_recover(&r.q, 2, MP_ETIMEDOUT), MP_ETIMEDOUT);
	expect_one_result(&r, &p, 42, MP_ETIMEDOUT);
	rig_destroy(&r);
}

static void
test_client_close_reclaims_everything(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct rig_worker_opts wo = { .slabs = 1, .work_us = 2000 };
	struct port a, b;
	mp_result res[64];
	pid_t pid;
	int i, n = 0;

	(void)state;
	opts(&o, 2, 32, 64);
	rig_create(&r, &o);
	a = client(&r, 0);
	b = client(&r, 1);
	for (i = 0; i < 30; i++) {
		mp_request q = req((uint64_t)i, (uint8_t)(i & 3));

		assert_int_equal(port_submit(&a, &q), MP_OK);
	}
	pid = rig_spawn_worker(&r, 0, &wo);
	while (n < 5 && port_wait(&a, 10000) == 1)
		n += port_poll(&a, res + n, 64);     /* holds these slabs */
	assert_true(n >= 5);
	assert_true(r.q.arena.h->owner_used[0] > 0);
	q_client_close(&r.q, 0);                 /* queued, in flight, held */
	assert_int_equal(r.q.arena.h->owner_used[0], 0);
	for (i = 0; i < 10; i++) {
		mp_request q = req(1000 + (uint64_t)i, 0);

		assert_int_equal(port_submit(&b, &q), MP_OK);
	}
	for (n = 0; n < 10;) {
		assert_int_equal(port_wait(&b, 10000), 1);
		n += port_poll(&b, res + n, 64);
	}
	for (i = 0; i < 10; i++) {
		assert_int_equal(res[i].user_data, 1000 + (uint64_t)i);
		assert_int_equal(port_release(&b, res[i].handle), MP_OK);
	}
	rig_kill_worker(&r, 0, pid);
	q_drain_releases(&r.q);
	assert_int_equal(r.q.arena.h->used_bytes, 0);
	assert_int_equal(slab_check(&r.q.arena), 0);
	rig_destroy(&r);
}

/* --- hostile client --------------------------------------------------- */

static void
test_hostile_indexes_are_not_followed(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct port evil, good;
	struct rig_worker_opts wo = { .slabs = 1 };
	mp_result res[8];
	uint64_t junk[4];
	pid_t pid;
	int i;

	(void)state;
	opts(&o, 3, 8, 64);
	rig_create(&r, &o);
	evil = client(&r, 0);
	good = client(&r, 1);
	pid = rig_spawn_worker(&r, 0, &wo);
	/* A good result first, so evil holds a real handle of its own. */
	{
		mp_request q = req(1, 0);

		assert_int_equal(port_submit(&good, &q), MP_OK);
		assert_int_equal(port_wait(&good, 10000), 1);
		assert_int_equal(port_poll(&good, res, 8), 1);
	}
	/* Forged releases: good's handle, junk, zero.  Nothing is freed. */
	junk[0] = res[0].handle;
	junk[1] = 0x123456789abcdefull;
	junk[2] = 0;
	junk[3] = res[0].handle + (1ull << 32);
	for (i = 0; i < 4; i++)
		assert_int_equal(port_release(&evil, junk[i]), MP_OK);
	q_drain_releases(&r.q);
	assert_int_equal(r.q.d->cl[0].bad_releases, 4);
	assert_non_null(slab_ptr(&r.q.arena, res[0].handle, NULL));
	/* A lane tail far beyond its head: detected, the client is cut off. */
	atomic_store(&evil.lane[0].r->tail, 5000);
	atomic_fetch_add(&evil.seg.h->doorbell, 1);         /* ring it */
	futex_wake(&evil.seg.h->doorbell, 1);
	assert_true(wait_until(atomic_load(&r.q.d->cl[0].state) == DC_FAULTY, 5000));
	/* ... and the other client is still served. */
	{
		mp_request q = req(2, 0);

		assert_int_equal(port_submit(&good, &q), MP_OK);
		assert_int_equal(port_wait(&good, 10000), 1);
		assert_int_equal(port_poll(&good, res, 8), 1);
		assert_int_equal(res[0].user_data, 2);
	}
	/* A third client moves its completion ring's head: faulty too. */
	{
		struct port c3 = client(&r, 2);
		mp_request q = req(3, 1);

		atomic_store(&c3.cq.r->head, 999);
		assert_int_equal(port_submit(&c3, &q), MP_OK);
		assert_true(wait_until(atomic_load(&r.q.d->cl[2].state) ==
		    DC_FAULTY, 5000));
	}
	rig_kill_worker(&r, 0, pid);
	assert_true(r.q.d->faults >= 2);
	rig_destroy(&r);
}

static void
test_wait_sleeps_until_result(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct rig_worker_opts wo = { .work_us = 30000 };
	struct port p;
	mp_result res[2];
	mp_request q = req(9, 0);
	pid_t pid;

	(void)state;
	opts(&o, 1, 8, 64);
	rig_create(&r, &o);
	p = client(&r, 0);
	assert_int_equal(port_wait(&p, 30), 0);       /* nothing: times out */
	assert_int_equal(port_wait(&p, 0), 0);
	pid = rig_spawn_worker(&r, 0, &wo);
	assert_int_equal(port_submit(&p, &q), MP_OK);
	assert_int_equal(port_wait(&p, -1), 1);       /* woken by the worker */
	assert_int_equal(port_poll(&p, res, 2), 1);
	assert_int_equal(res[0].user_data, 9);
	rig_kill_worker(&r, 0, pid);
	rig_destroy(&r);
}

/* A request cancelled before any worker took it is answered MP_ECANCELED
 * without being worked on (the rig's worker stamps its pid into every
 * result it makes); the others come back as made. */
static void
test_cancelled_before_taken_is_skipped(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct rig_worker_opts wo = { .slabs = 1 };
	struct port p;
	mp_result res[8];
	pid_t pid;
	int i, n = 0;

	(void)state;
	opts(&o, 1, 8, 64);
	rig_create(&r, &o);
	p = client(&r, 0);
	for (i = 0; i < 4; i++) {
		mp_request q = req(10 + (uint64_t)i, 0);

		assert_int_equal(port_submit(&p, &q), MP_OK);
	}
	assert_int_equal(port_cancel(&p, 12), MP_OK);
	assert_int_equal(port_cancel(&p, 12), MP_ENOENT);  /* once only */
	assert_int_equal(port_cancel(&p, 99), MP_ENOENT);
	pid = rig_spawn_worker(&r, 0, &wo);
	while (n < 4) {
		assert_int_equal(port_wait(&p, 10000), 1);
		n += port_poll(&p, res + n, (size_t)(8 - n));
	}
	for (i = 0; i < 4; i++) {
		if (res[i].user_data == 12) {
			assert_int_equal(res[i].status, MP_ECANCELED);
			assert_int_equal(res[i].vertex_count, 0);   /* never worked on */
			assert_int_equal(res[i].handle, 0);
		} else {
			assert_int_equal(res[i].status, MP_OK);
			assert_int_equal(res[i].vertex_count, (uint32_t)pid);
			assert_int_equal(port_release(&p, res[i].handle), MP_OK);
		}
	}
	assert_int_equal(p.in_flight, 0);
	rig_kill_worker(&r, 0, pid);
	q_drain_releases(&r.q);
	assert_int_equal(r.q.arena.h->used_bytes, 0);
	rig_destroy(&r);
}

/* The port names its requests still out, oldest first, whatever lanes
 * they went to and in whatever order results came back. */
static void
test_unfinished_names_requests(void **state)
{
	struct rig r;
	struct rig_opts o;
	struct port p;
	mp_request out[16];
	mp_result res[16];
	uint64_t got[16];
	int i, n;

	(void)state;
	opts(&o, 1, 8, 64);
	rig_create(&r, &o);
	p = client(&r, 0);
	for (i = 0; i < 10; i++) {
		mp_request q = req(100 + (uint64_t)i, (uint8_t)(3 - i % 4));

		assert_int_equal(port_submit(&p, &q), MP_OK);
	}
	assert_int_equal(port_unfinished(&p, out, 16), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(out[i].user_data, 100 + (uint64_t)i);
	/* Lane 0 first: 103 and 107 are taken first, then lane 1 ... */
	n = take_in_child(&r, 0, 4, got);
	assert_int_equal(n, 4);
	assert_int_equal(poll_all(&p, res, 16), 4);
	assert_int_equal(port_unfinished(&p, out, 16), 6);
	for (i = 0; i < 6; i++) {           /* still in submission order */
		int k;

		for (k = 0; k < 4; k++)
			assert_true(out[i].user_data != got[k]);
		if (i > 0)
			assert_true(out[i].user_data > out[i - 1].user_data);
	}
	assert_int_equal(port_unfinished(&p, out, 2), 2);   /* max respected */
	rig_destroy(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lane_fifo_and_wrap),
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_round_robin_between_clients),
		cmocka_unit_test(test_in_flight_bound),
		cmocka_unit_test(test_kill_at_every_step),
		cmocka_unit_test(test_poison_request_fails_after_two_deaths),
		cmocka_unit_test(test_timeout_fails_the_request),
		cmocka_unit_test(test_client_close_reclaims_everything),
		cmocka_unit_test(test_hostile_indexes_are_not_followed),
		cmocka_unit_test(test_wait_sleeps_until_result),
		cmocka_unit_test(test_cancelled_before_taken_is_skipped),
		cmocka_unit_test(test_unfinished_names_requests),
	};

	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
