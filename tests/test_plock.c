/*
 * test_plock.c - a holder SIGKILLed in the middle of an update does not
 * deadlock anyone: the next locker repairs the invariant and the lock keeps
 * working for every process; contended counting across processes is exact;
 * and a holder that is stopped is named to a watched waiter, which can
 * kill it and go on; a waiter whose wakeup was lost (a robust mutex loses
 * one when a woken waiter is SIGKILLed and another process barges in) takes
 * the lock anyway.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plock.h"

struct guarded {                /* invariant: a == b */
	struct plock lock;
	volatile long a, b;
	int repairs;
};

static struct guarded *
shared_guarded(void)
{
	struct guarded *g = mmap(NULL, sizeof *g, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(g != MAP_FAILED);
	assert_int_equal(plock_init(&g->lock), 0);
	g->a = g->b = 0;
	g->repairs = 0;
	return g;
}

static void
repair(void *arg)
{
	struct guarded *g = arg;

	g->b = g->a;
	g->repairs++;
}

static void
test_holder_killed_mid_update(void **state)
{
	struct guarded *g = shared_guarded();
	int fd[2], st;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(fd), 0);
	if ((pid = fork()) == 0) {
		plock_lock(&g->lock, getpid(), repair, g);
		g->a++;                 /* half of the update ... */
		if (write(fd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();        /* ... killed before b++ */
	}
	assert_int_equal(read(fd[0], &c, 1), 1);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(plock_lock(&g->lock, getpid(), repair, g), 0);
	assert_int_equal(g->repairs, 1);
	assert_true(g->a == 1 && g->b == 1);
	plock_unlock(&g->lock);
	/* Consistent again: another process locks without repair. */
	if ((pid = fork()) == 0) {
		if (plock_lock(&g->lock, getpid(), repair, g) != 0)
			_exit(1);
		g->a++, g->b++;
		plock_unlock(&g->lock);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(g->repairs, 1);
	assert_true(g->a == 2 && g->b == 2);
	close(fd[0]);
	close(fd[1]);
	munmap(g, sizeof *g);
}

/* Three processes, 100k locked increments each, one killed part-way:
 * every completed increment is counted once and the invariant holds. */
static void
test_contended_with_a_death(void **state)
{
	struct guarded *g = shared_guarded();
	pid_t pid[3];
	int i, st;

	(void)state;
	for (i = 0; i < 3; i++) {
		if ((pid[i] = fork()) == 0) {
			long k;

			for (k = 0; k < 100000; k++) {
				if (plock_lock(&g->lock, getpid(), repair, g) != 0)
					_exit(1);
				g->a++;
				g->b++;
				plock_unlock(&g->lock);
			}
			_exit(0);
		}
	}
	usleep(2000);
	kill(pid[1], SIGKILL);
	for (i = 0; i < 3; i++)
		assert_int_equal(waitpid(pid[i], &st, 0), pid[i]);
	assert_int_equal(plock_lock(&g->lock, getpid(), repair, g), 0);
	assert_true(g->a == g->b);
	assert_true(g->a >= 200000 && g->a <= 300000);
	plock_unlock(&g->lock);
	munmap(g, sizeof *g);
}

/* What the supervisor does with a holder that does not run. */
static void
kill_slow_holder(pid_t holder, uint64_t held_ns, void *arg)
{
	int *calls = arg;

	(*calls)++;
	if (held_ns > 200000000u)       /* 0.2 s: stuck */
		kill(holder, SIGKILL);
}

static void
test_stopped_holder_named_to_watched_waiter(void **state)
{
	struct guarded *g = shared_guarded();
	int fd[2], st, calls = 0;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(fd), 0);
	if ((pid = fork()) == 0) {
		plock_lock(&g->lock, getpid(), repair, g);
		g->a++;
		if (write(fd[1], "x", 1) != 1)
			_exit(1);
		raise(SIGSTOP);         /* stopped, holding it */
		_exit(0);
	}
	assert_int_equal(read(fd[0], &c, 1), 1);
	assert_int_equal(plock_holder(&g->lock, NULL), pid);
	assert_int_equal(plock_lock_watched(&g->lock, getpid(), repair, g, 20,
	    kill_slow_holder, &calls), 0);
	assert_true(calls >= 5);        /* told every 20 ms until 0.2 s */
	assert_int_equal(plock_holder(&g->lock, NULL), getpid());
	assert_int_equal(g->repairs, 1);
	assert_true(g->a == 1 && g->b == 1);
	plock_unlock(&g->lock);
	assert_int_equal(plock_holder(&g->lock, NULL), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	close(fd[0]);
	close(fd[1]);
	munmap(g, sizeof *g);
}

/* The state a lost wakeup leaves, made on purpose: a waiter asleep on the
 * lock's futex while the lock word no longer says anyone waits (here the
 * bit is cleared by hand; in life the woken waiter that should have set it
 * again was killed and another process took the lock).  The unlock then
 * wakes nobody.  The waiter must still get the lock: it looks again after
 * a slice instead of sleeping for ever. */
static void
test_lost_wakeup_costs_a_slice(void **state)
{
	struct guarded *g = shared_guarded();
	unsigned int *word = (unsigned int *)&g->lock.m.__data.__lock;
	struct pollfd pfd;
	int fd[2], st, i;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(plock_lock(&g->lock, getpid(), repair, g), 0);
	if ((pid = fork()) == 0) {
		if (plock_lock(&g->lock, getpid(), repair, g) != 0)
			_exit(1);
		g->a++, g->b++;
		plock_unlock(&g->lock);
		_exit(write(fd[1], "x", 1) == 1 ? 0 : 1);
	}
	/* Until the child sleeps on the futex (it set the waiters bit). */
	for (i = 0; i < 5000 && !(__atomic_load_n(word, __ATOMIC_SEQ_CST) &
	    FUTEX_WAITERS); i++)
		usleep(1000);
	assert_true(__atomic_load_n(word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS);
	usleep(20000);          /* asleep in the kernel by now */
	__atomic_fetch_and(word, ~(unsigned int)FUTEX_WAITERS, __ATOMIC_SEQ_CST);
	plock_unlock(&g->lock); /* wakes nobody */
	pfd.fd = fd[0], pfd.events = POLLIN;
	/* A liveness bound, far above the slice: without slices, never (and
	 * the waiter is killed, so the failure does not hang the run). */
	if (poll(&pfd, 1, 5000) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		fail_msg("the waiter never got the lock: its wakeup stays lost");
	}
	assert_int_equal(read(fd[0], &c, 1), 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(g->a == 1 && g->b == 1);
	assert_int_equal(g->repairs, 0);
	close(fd[0]);
	close(fd[1]);
	munmap(g, sizeof *g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holder_killed_mid_update),
		cmocka_unit_test(test_contended_with_a_death),
		cmocka_unit_test(test_stopped_holder_named_to_watched_waiter),
		cmocka_unit_test(test_lost_wakeup_costs_a_slice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
