/*
 * test_idle.c - "idle means asleep": a consumer process parked on the
 * process-shared work semaphore uses no CPU and is not woken at all while
 * there is no work (utime+stime and context switches from /proc do not
 * move over a second), yet every posted item wakes it and is consumed once.
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

#include "ring.h"

#define CAP 64

struct queue {
	sem_t work;             /* one token per published item */
	_Alignas(RING_CACHELINE) unsigned char ring[4096];
};

struct sample {
	char state;
	unsigned long long ticks, switches;
};

static int
read_sample(pid_t pid, struct sample *s)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st, vol = 0, invol = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL || fgets(buf, sizeof buf, f) == NULL)
		return -1;
	fclose(f);
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &s->state, &ut, &st) != 3)
		return -1;
	s->ticks = ut + st;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(buf, sizeof buf, f) != NULL) {
		sscanf(buf, "voluntary_ctxt_switches: %llu", &vol);
		sscanf(buf, "nonvoluntary_ctxt_switches: %llu", &invol);
	}
	fclose(f);
	s->switches = vol + invol;
	return 0;
}

static void
test_idle_consumer_sleeps(void **state)
{
	struct queue *q = mmap(NULL, sizeof *q, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct ring_view v;
	struct sample a, b;
	uint64_t k;
	pid_t pid;
	int st, i;

	(void)state;
	assert_true(q != MAP_FAILED);
	assert_int_equal(sem_init(&q->work, 1, 0), 0);
	assert_int_equal(ring_init(&v, q->ring, CAP, sizeof(uint64_t)), RING_OK);
	if ((pid = fork()) == 0) {
		uint64_t x, want = 0;

		while (want < 1000) {
			while (sem_wait(&q->work) != 0)
				;
			if (ring_peek(&v, &x) != RING_OK || x != want)
				_exit(1);
			ring_pop(&v);
			want++;
		}
		_exit(0);
	}
	/* Let it park, then watch it for a second. */
	for (i = 0; i < 200; i++) {
		assert_int_equal(read_sample(pid, &a), 0);
		if (a.state == 'S')
			break;
		usleep(5000);
	}
	usleep(100000);
	assert_int_equal(read_sample(pid, &a), 0);
	sleep(1);
	assert_int_equal(read_sample(pid, &b), 0);
	assert_int_equal(b.state, 'S');
	assert_true(b.ticks == a.ticks);        /* no CPU time */
	assert_true(b.switches == a.switches);  /* not woken once */
	/* Work wakes it; everything posted is consumed once, in order. */
	for (k = 0; k < 1000; k++) {
		while (ring_push(&v, &k) != RING_OK)
			usleep(100);
		sem_post(&q->work);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(ring_count(&v), 0);
	sem_destroy(&q->work);
	munmap(q, sizeof *q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_consumer_sleeps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
