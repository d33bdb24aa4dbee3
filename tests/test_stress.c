/*
 * test_stress.c - 200,000 requests through the transport between real
 * processes: 2-4 producer processes (clients) and 2-4 consumer processes
 * (workers), consumers SIGKILLed at random moments by this process and
 * also killing themselves inside the locked steps (fault points), each
 * death recovered (q_recover) and the consumer replaced.  Every request
 * must come back exactly once (per-producer bitmaps, and the slab of each
 * carries a pattern derived from its user_data), no slab may leak, and the
 * run must end (alarm).
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
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monotime.h"
#include "rig.h"

#define PAGE 16384u

struct tally {                  /* one per producer, in shared memory */
	uint64_t received, dups, foreign, bad_status, bad_content, poisoned;
	int      done;
};

/* Fault hook state: set by the parent before each fork, so every consumer
 * incarnation aims at one step and dies on its countdown-th pass there. */
static int      target_point;
static uint32_t countdown;

static void
suicide_hook(int point)
{
	if (point == target_point && countdown != 0 && --countdown == 0)
		raise(SIGKILL);
}

static void
produce(struct rig *r, uint32_t slot, uint32_t n, struct tally *t)
{
	struct port p;
	unsigned char *seen = calloc(n, 1);
	uint32_t next = 0, i;
	mp_request batch[32];
	mp_result res[64];
	unsigned seed = (unsigned)getpid();

	alarm(200);
	port_open(&p, &r->q.ctl, slot, atomic_load(&ctl_client(&r->q.ctl, slot)->generation));
	while (t->received < n) {
		uint32_t k = 0;
		int got;

		while (next + k < n && k < 32) {
			mp_request_init(&batch[k]);
			batch[k].user_data = (uint64_t)slot << 40 | (next + k);
			batch[k].priority = (uint8_t)(rand_r(&seed) % 4);
			k++;
		}
		next += (uint32_t)port_submit_batch(&p, batch, k);
		if ((got = port_poll(&p, res, 64)) == 0) {
			port_wait(&p, 200);
			continue;
		}
		for (i = 0; i < (uint32_t)got; i++) {
			uint64_t ud = res[i].user_data, seq = ud & 0xffffffffffull;
			size_t bytes;
			void *mem;

			if (ud >> 40 != slot || seq >= n) {
				t->foreign++;
				continue;
			}
			if (seen[seq]++) {
				t->dups++;
				continue;
			}
			t->received++;
			if (res[i].status == MP_EWORKER) {
				t->poisoned++;
				continue;
			}
			if (res[i].status != 0) {
				t->bad_status++;
				continue;
			}
			mem = slab_ptr(&r->q.arena, res[i].handle, &bytes);
			if (mem == NULL || res[i].index_count > bytes ||
			    rig_check(mem, res[i].index_count, ud) != 0)
				t->bad_content++;
			if (port_release(&p, res[i].handle) != MP_OK)
				t->bad_content++;
		}
	}
	free(seen);
	t->done = 1;
}

struct run {
	uint32_t producers, consumers, per_producer;
	uint64_t kills, suicides, requeued, poisoned, qrepairs, arepairs;
};

static void
stress(struct run *run)
{
	struct rig r;
	struct rig_opts o = {
		.geo = { .nclients = 4, .lane_cap = 64, .cq_cap = 256, .rel_cap = 2048 },
		.nworkers = 4, .page_size = PAGE, .npages = 96,
	};
	struct rig_worker_opts wo = { .spin_ns = 20000, .slabs = 1,
	    .work_us = 2, .fault = suicide_hook };
	struct tally *t;
	pid_t prod[4], cons[4];
	uint32_t i, incarnation = 0, alive;
	unsigned seed = 12345;
	uint64_t t0 = mono_ns();
	int st;

	rig_create(&r, &o);
	t = mmap(NULL, sizeof *t * 4, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(t != MAP_FAILED);
	memset(t, 0, sizeof *t * 4);
	for (i = 0; i < run->producers; i++) {
		q_client_open(&r.q, i, 0);
		if ((prod[i] = fork()) == 0) {
			produce(&r, i, run->per_producer, &t[i]);
			_exit(0);
		}
	}
	for (i = 0; i < run->consumers; i++) {
		target_point = (int)(incarnation++ % 5) + 1;
		countdown = 1 + (uint32_t)rand_r(&seed) % 3000;
		cons[i] = rig_spawn_worker(&r, i, &wo);
	}
	for (alive = run->producers; alive > 0;) {
		pid_t pid;

		usleep(1000 + (useconds_t)(rand_r(&seed) % 8000));
		if (rand_r(&seed) % 2 == 0) {       /* a random kill -9 */
			kill(cons[rand_r(&seed) % run->consumers], SIGKILL);
			run->kills++;
		}
		while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
			for (i = 0; i < run->producers; i++)
				if (pid == prod[i]) {
					assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
					alive--;
				}
			for (i = 0; i < run->consumers; i++)
				if (pid == cons[i]) {
					q_recover(&r.q, i, 0);
					target_point = (int)(incarnation++ % 5) + 1;
					countdown = 1 + (uint32_t)rand_r(&seed) % 3000;
					cons[i] = rig_spawn_worker(&r, i, &wo);
				}
		}
		if (mono_ns() - t0 > 60000000000ull)
			fail_msg("no progress: stuck after %.0f s",
			    (mono_ns() - t0) / 1e9);
	}
	for (i = 0; i < run->consumers; i++)
		rig_kill_worker(&r, i, cons[i]);
	run->suicides = incarnation - run->consumers - run->kills;
	for (i = 0; i < run->producers; i++) {
		assert_int_equal(t[i].done, 1);
		assert_int_equal(t[i].received, run->per_producer);
		assert_int_equal(t[i].dups, 0);
		assert_int_equal(t[i].foreign, 0);
		assert_int_equal(t[i].bad_status, 0);
		assert_int_equal(t[i].bad_content, 0);
		run->poisoned += t[i].poisoned;
	}
	/* Every slab handed out came back: none leaked by a death. */
	q_drain_releases(&r.q);
	assert_int_equal(r.q.arena.h->used_bytes, 0);
	assert_int_equal(slab_check(&r.q.arena), 0);
	assert_int_equal(r.q.d->poisoned, run->poisoned);
	run->requeued = r.q.d->requeued;
	run->qrepairs = r.q.d->qrepairs;
	run->arepairs = r.q.d->arepairs;
	print_message("# %u producers x %u consumers, %u requests: %llu kill -9, "
	    "%llu deaths inside locked steps, %llu put back, %llu poisoned, "
	    "%llu/%llu lock repairs, %.1f s\n", run->producers, run->consumers,
	    run->producers * run->per_producer, (unsigned long long)run->kills,
	    (unsigned long long)run->suicides, (unsigned long long)run->requeued,
	    (unsigned long long)run->poisoned, (unsigned long long)run->qrepairs,
	    (unsigned long long)run->arepairs, (mono_ns() - t0) / 1e9);
	munmap(t, sizeof *t * 4);
	rig_destroy(&r);
}

static void
test_stress(uint32_t producers, uint32_t consumers, uint32_t total)
{
	struct run run = { .producers = producers, .consumers = consumers,
	    .per_producer = total / producers };

	stress(&run);
	assert_true(run.kills > 0);
	assert_true(run.requeued > 0);
	assert_true(run.qrepairs > 0);   /* robust-lock repair exercised */
	assert_true(run.arepairs > 0);
}

static void test_2x2(void **s) { (void)s; test_stress(2, 2, 200000); }
static void test_4x3(void **s) { (void)s; test_stress(4, 3, 200000); }
static void test_3x4(void **s) { (void)s; test_stress(3, 4, 200001); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2x2),
		cmocka_unit_test(test_4x3),
		cmocka_unit_test(test_3x4),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
