/*
 * test_shm.c - segments leave nothing in /dev/shm, the read-only view cannot
 * be written (a write faults, in a real child process), forked processes
 * share the pages, and a segment larger than tmpfs is refused up front with
 * a clear message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm.h"

#define MiB ((size_t)1 << 20)

static int
entries_named(const char *prefix)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static void
test_nothing_left_in_dev_shm(void **state)
{
	struct shm_seg s;
	char err[256];

	(void)state;
	assert_int_equal(shm_create(&s, "tleak", 4 * MiB, 1, err, sizeof err), 0);
	assert_int_equal(entries_named("meshpool.tleak"), 0);  /* while alive */
	memset(s.base, 0x5a, s.size);          /* every page is really there */
	shm_destroy(&s);
	assert_int_equal(entries_named("meshpool.tleak"), 0);
	assert_int_equal(s.fd, -1);
}

static void
test_read_only_view(void **state)
{
	struct shm_seg s;
	char err[256];
	unsigned char *ro;
	size_t i;

	(void)state;
	assert_int_equal(shm_create(&s, "tro", MiB, 1, err, sizeof err), 0);
	for (i = 0; i < s.size; i++)
		((unsigned char *)s.base)[i] = (unsigned char)(i * 7);
	assert_non_null(ro = shm_map(s.ro_fd, s.size, 0));
	for (i = 0; i < s.size; i += 4093)
		assert_int_equal(ro[i], (unsigned char)(i * 7));
	/* The read-only fd can never become a writable mapping. */
	assert_null(shm_map(s.ro_fd, s.size, 1));
	assert_int_equal(errno, EACCES);
	assert_int_not_equal(mprotect(ro, s.size, PROT_READ | PROT_WRITE), 0);
	munmap(ro, s.size);
	shm_destroy(&s);
}

/* A client mapping the arena from the read-only fd dies writing to it. */
static void
test_write_to_read_only_faults(void **state)
{
	struct shm_seg s;
	char err[256];
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(shm_create(&s, "tfault", MiB, 1, err, sizeof err), 0);
	if ((pid = fork()) == 0) {
		volatile unsigned char *ro = shm_map(s.ro_fd, s.size, 0);

		signal(SIGSEGV, SIG_DFL);   /* not cmocka's handler: really die */
		if (ro == NULL)
			_exit(2);
		ro[100] = 1;            /* must fault */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSEGV);
	assert_int_equal(((unsigned char *)s.base)[100], 0);
	shm_destroy(&s);
}

/* Forked workers inherit the mapping: writes meet. */
static void
test_shared_across_fork(void **state)
{
	struct shm_seg s;
	char err[256];
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(shm_create(&s, "tfork", MiB, 0, err, sizeof err), 0);
	assert_int_equal(s.ro_fd, -1);
	if ((pid = fork()) == 0) {
		memcpy(s.base, "from the child", 15);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal((char *)s.base, "from the child");
	shm_destroy(&s);
}

/* More than tmpfs holds: refused at once, with a sentence, nothing left. */
static void
test_too_big_refused(void **state)
{
	struct statvfs v;
	struct shm_seg s;
	char err[256] = "";
	size_t want;

	(void)state;
	assert_int_equal(statvfs("/dev/shm", &v), 0);
	want = (size_t)v.f_bavail * v.f_frsize + 1024 * MiB;
	assert_int_equal(shm_create(&s, "tbig", want, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "/dev/shm"));
	assert_null(s.base);
	assert_int_equal(entries_named("meshpool.tbig"), 0);
	assert_int_equal(shm_create(&s, "tzero", 0, 0, err, sizeof err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_left_in_dev_shm),
		cmocka_unit_test(test_read_only_view),
		cmocka_unit_test(test_write_to_read_only_faults),
		cmocka_unit_test(test_shared_across_fork),
		cmocka_unit_test(test_too_big_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
