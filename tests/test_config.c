/*
 * test_config.c - meshpoold as a service: the configuration file (bad
 * ones refused with the line number, flags override it, reload applies a
 * change and keeps the old one on error), autoscaling (grows under load,
 * shrinks when idle), detaching with -d and a pidfile, socket mode, and a
 * client of another user refused with MP_EPERM.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshpool.h"
#include "sockpath.h"

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Run a shell command; its stdout+stderr into out; the exit status. */
static int
run(const char *cmd, char *out, size_t len)
{
	char full[600];

	snprintf(full, sizeof full, "%s 2>&1", cmd);
	return shell_out(full, out, len);
}

static long long
status_num(const struct daemon *d, const char *key)
{
	char st[8192];

	assert_int_equal(daemon_status(d, st, sizeof st), 0);
	return json_num(st, key);
}

static void
test_bad_config_refused_with_line(void **state)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "workers = 2\n# fine\nfrobs = 3\n", "test-bad.conf:3: frobs \"3\": unknown key" },
		{ "[meshpoold]\nworkers = 500\n", ":2: workers \"500\": want 1..64 or auto" },
		{ "request_timeout = 10s\n", ":1: request_timeout \"10s\"" },
		{ "lane_depth = 100\n", ":1: lane_depth \"100\": want a power of two" },
		{ "[other]\nworkers = 1\n", ":2: workers \"1\": unknown section" },
		{ "mode = 0777\n", ":1: mode \"0777\"" },
		{ "group = no-such-group-here\n", ":1: group" },
		{ "min_workers = 4\nmax_workers = 2\n", "min_workers is above max_workers" },
		{ "just words\n", ":1: not a key = value line" },
		{ "junk here\nfrobs = 3\n", ":1: not a key = value line" },
		{ "workers = 2\nfrobs = 3\njunk\n", ":2: frobs \"3\": unknown key" },
	};
	char out[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file("test-bad.conf", bad[i].text);
		assert_int_equal(run("./meshpoold -f -n never-starts -c test-bad.conf",
		    out, sizeof out), 1);
		if (strstr(out, bad[i].want) == NULL)
			fail_msg("case %zu: want \"%s\" in \"%s\"", i, bad[i].want, out);
	}
	assert_int_equal(run("./meshpoold -f -n never-starts -c no-such.conf",
	    out, sizeof out), 1);
	assert_non_null(strstr(out, "no-such.conf: cannot read"));
	assert_int_equal(run("./meshpoold -f -w 0 -c /dev/null", out, sizeof out), 2);
	unlink("test-bad.conf");
}

static void
test_config_and_flags(void **state)
{
	struct daemon d;

	(void)state;
	write_file("test-good.conf", "[meshpoold]\nworkers = 3\nrequest_timeout = 5\n"
	    "log_level = warning\n");
	assert_int_equal(daemon_start(&d, 0, "-c test-good.conf"), 0);
	assert_int_equal(status_num(&d, "workers"), 3);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	assert_int_equal(daemon_start(&d, 2, "-c test-good.conf"), 0);   /* -w wins */
	assert_int_equal(status_num(&d, "workers"), 2);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	unlink("test-good.conf");
}

static int
wait_workers(const struct daemon *d, long long want, int ms)
{
	int i;

	for (i = 0; i < ms / 10 && status_num(d, "workers") != want; i++)
		usleep(10000);
	return (int)status_num(d, "workers");
}

static void
test_reload(void **state)
{
	struct daemon d;
	char out[4096], cmd[256];

	(void)state;
	write_file("test-reload.conf", "workers = 1\n");
	assert_int_equal(daemon_start(&d, 0, "-c test-reload.conf"), 0);
	assert_int_equal(status_num(&d, "workers"), 1);
	write_file("test-reload.conf", "workers = 2\n");
	snprintf(cmd, sizeof cmd, "./meshpoolctl -n %s reload", d.name);
	assert_int_equal(run(cmd, out, sizeof out), 0);
	assert_int_equal(wait_workers(&d, 2, 2000), 2);
	write_file("test-reload.conf", "workers = 3\nbogus = 1\n");
	assert_int_equal(run(cmd, out, sizeof out), 1);      /* refused ... */
	assert_non_null(strstr(out, "test-reload.conf:2: bogus"));
	assert_int_equal(status_num(&d, "workers"), 2);        /* ... old kept */
	write_file("test-reload.conf", "workers = 1\n");
	kill(d.pid, SIGHUP);                                   /* SIGHUP too */
	assert_int_equal(wait_workers(&d, 1, 2000), 1);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	unlink("test-reload.conf");
}

static void
test_autoscale(void **state)
{
	struct daemon d;
	mp_client *c;
	mp_result res[64];
	long long peak = 0, w;
	int sent = 0, got = 0, n, i;

	(void)state;
	write_file("test-auto.conf", "min_workers = 1\nmax_workers = 3\n"
	    "idle_timeout = 1\n");
	assert_int_equal(daemon_start(&d, 0, "-c test-auto.conf"), 0);
	assert_int_equal(status_num(&d, "workers"), 1);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	while (got < 4000) {            /* a backlog: grow */
		mp_request r;

		mp_request_init(&r);
		r.cx = sent % 64;
		r.cz = sent / 64 % 64;
		if (sent < 4000 && mp_submit(c, &r) == MP_OK) {
			sent++;
			continue;
		}
		if ((w = status_num(&d, "workers")) > peak)
			peak = w;
		if ((n = mp_poll(c, res, 64)) == 0)
			assert_int_equal(mp_wait(c, 10000), MP_OK);
		for (i = 0; i < n; i++)
			mp_release(c, &res[i]);
		got += n > 0 ? n : 0;
	}
	print_message("# grew to %lld workers under load\n", peak);
	assert_true(peak > 1);
	assert_true(peak <= 3);
	/* Idle: one worker fewer per idle_timeout, down to min_workers ... */
	assert_int_equal(wait_workers(&d, 1, 8000), 1);
	/* ... where no timer is left: the whole daemon sleeps (once the
	 * watchdog, which runs at most 1 s after the last worker parked, has
	 * seen them all parked). */
	usleep(1200000);
	assert_int_equal(daemon_asleep(&d, 1500), 0);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	unlink("test-auto.conf");
}

static void
test_detach_and_pidfile(void **state)
{
	char out[4096], cmd[512], pidfile[] = "test-detach.pid", name[64];
	long pid = 0;
	FILE *f;
	int i;

	(void)state;
	snprintf(name, sizeof name, "detach-%ld", (long)getpid());
	snprintf(cmd, sizeof cmd, "./meshpoold -d -n %s -w 1 -c /dev/null -p %s/%s",
	    name, getcwd(out, sizeof out), pidfile);
	assert_int_equal(run(cmd, out, sizeof out), 0);   /* returns when ready */
	assert_non_null(f = fopen(pidfile, "r"));
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	assert_int_equal(kill((pid_t)pid, 0), 0);
	snprintf(cmd, sizeof cmd, "./meshpoolctl -n %s status", name);
	assert_int_equal(run(cmd, out, sizeof out), 0);
	assert_non_null(strstr(out, "running"));
	/* A second one of the same name fails, with a reason, status 1. */
	snprintf(cmd, sizeof cmd, "./meshpoold -d -n %s -w 1 -c /dev/null -p "
	    "%s.2", name, pidfile);
	assert_int_equal(run(cmd, out, sizeof out), 1);
	kill((pid_t)pid, SIGTERM);
	for (i = 0; i < 300 && kill((pid_t)pid, 0) == 0; i++)
		usleep(10000);
	assert_int_not_equal(kill((pid_t)pid, 0), 0);
	assert_int_equal(access(pidfile, F_OK), -1);       /* removed */
	unlink("test-detach.pid.2");
}

static void
test_socket_mode_and_other_users(void **state)
{
	struct daemon d;
	char path[108], conf[256], extra[300];
	struct stat st;
	struct passwd *nobody;
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(sock_path(d.name, path, sizeof path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);         /* the default */
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	if (geteuid() != 0 || (nobody = getpwnam("nobody")) == NULL) {
		print_message("# not root: the other-user check is skipped\n");
		return;
	}
	/* A socket anyone may reach (socket, mode): the daemon's own peer
	 * check is what refuses another user, and it hands out no fd. */
	snprintf(path, sizeof path, "/tmp/meshpool-test-%ld.sock", (long)getpid());
	snprintf(conf, sizeof conf, "socket = %s\nmode = 0666\n", path);
	write_file("test-sock.conf", conf);
	snprintf(extra, sizeof extra, "-c test-sock.conf");
	d.bin = NULL;
	snprintf(d.name, sizeof d.name, "sockmode-%ld", (long)getpid());
	snprintf(d.log, sizeof d.log, "meshpoold-%s.log", d.name);
	{
		mp_client *c;
		int i;

		if ((d.pid = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the test */
			if (freopen("/dev/null", "w", stdout) == NULL ||
			    freopen(d.log, "a", stderr) == NULL)
				_exit(127);
			execl("./meshpoold", "meshpoold", "-f", "-n", d.name, "-w", "1",
			    "-c", "test-sock.conf", (char *)NULL);
			_exit(127);
		}
		for (i = 0; i < 500 && mp_connect(path, &c) != MP_OK; i++)
			usleep(10000);
		assert_true(i < 500);               /* we (root) may */
		mp_disconnect(c);
	}
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0666);
	if ((pid = fork()) == 0) {
		mp_client *c;

		if (setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0)
			_exit(10);
		_exit(mp_connect(path, &c) == MP_EPERM ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	assert_int_equal(access(path, F_OK), -1);           /* removed at exit */
	unlink("test-sock.conf");
	snprintf(conf, sizeof conf, "%s.lock", path);
	unlink(conf);
	(void)extra;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_config_refused_with_line),
		cmocka_unit_test(test_config_and_flags),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_autoscale),
		cmocka_unit_test(test_detach_and_pidfile),
		cmocka_unit_test(test_socket_mode_and_other_users),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
