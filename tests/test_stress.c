/*
 * test_stress.c - 200,000 requests through the transport between real
 * processes: 2-4 producer processes (clients) and 2-4 consumer processes
 * (workers), consumers SIGKILLed at random moments by this process and
 * also killing themselves inside the locked steps (fault points), each
 * death recovered (q_recover) and the consumer replaced.  Every request
 * must come back exactly once (per-producer bitmaps, and the slab of each
 * carries a pattern derived from its user_data), no slab may leak, and the
 * run must keep moving (a minute without a result fails it).
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
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monotime.h"
#include "rig.h"

#define PAGE 16384u
/* Bound by progress, not by a total: a loaded two-core machine under
 * sanitizers takes minutes, but never a minute without one result. */
#define NO_PROGRESS_NS 60000000000ull

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

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (port_open(&p, q_client_seg(&r->q, slot), r->q.inst) != 0)
		_exit(1);
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

/* Where everything stands, for a run that stopped moving. */
static void
dump_state(struct rig *r, uint32_t producers)
{
	struct ring_view rv;
	uint32_t k, l;

	print_message("# parked %#llx, free pages %u, retries %u..%u\n",
	    (unsigned long long)atomic_load(&r->q.inst->parked),
	    slab_free_pages(&r->q.arena), r->q.d->retry_head, r->q.d->retry_tail);
	for (k = 0; k < r->nworkers; k++)
		print_message("# worker %u: state %u, page set aside %u, park %u\n",
		    k, atomic_load(&r->q.d->w[k].state),
		    atomic_load(&r->q.d->w[k].need_page),
		    atomic_load(&r->q.d->park[k].v));
	for (k = 0; k < producers; k++) {
		const struct cseg_view *seg = q_client_seg(&r->q, k);
		struct dclient *dc = &r->q.d->cl[k];

		print_message("# client %u: state %u, taken %u", k,
		    atomic_load(&dc->state), dc->taken);
		for (l = 0; seg != NULL && l < MP_LANES; l++) {
			uint32_t head = dc->lane_head[l];

			cseg_lane(seg, l, &rv, &head);
			print_message(", lane %u: %lld", l, (long long)ring_count(&rv));
		}
		print_message("\n");
	}
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
		.geo = { .lane_cap = 64, .cq_cap = 256, .rel_cap = 2048 },
		.nclients = 4,
		.nworkers = 4, .page_size = PAGE, .npages = 96,
	};
	struct rig_worker_opts wo = { .spin_ns = 20000, .slabs = 1,
	    .work_us = 2, .fault = suicide_hook };
	struct tally *t;
	pid_t prod[4], cons[4];
	uint32_t i, incarnation = 0, alive;
	unsigned seed = 12345;
	uint64_t t0 = mono_ns(), last_move = t0, sum, last_sum = 0;
	int st;

	rig_create(&r, &o);
	t = mmap(NULL, sizeof *t * 4, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(t != MAP_FAILED);
	memset(t, 0, sizeof *t * 4);
	for (i = 0; i < run->producers; i++) {
		rig_client(&r, i, NULL);
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
		for (i = 0, sum = 0; i < run->producers; i++)
			sum += t[i].received;
		if (sum != last_sum) {
			last_sum = sum;
			last_move = mono_ns();
		} else if (mono_ns() - last_move > NO_PROGRESS_NS) {
			dump_state(&r, run->producers);
			fail_msg("no progress for %.0f s: %llu results in",
			    NO_PROGRESS_NS / 1e9, (unsigned long long)sum);
		}
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

	return cmocka_run_group_tests(tests, NULL, NULL);
}
