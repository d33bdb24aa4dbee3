/*
 * test_ctl.c - meshpoolctl against a private daemon: the --json fields
 * tools depend on, scale really changes the worker processes, drain makes
 * submit fail with MP_ESHUTDOWN while queued work still completes, the
 * human reports, and the documented exit statuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshpool.h"

/* Run meshpoolctl with args; its stdout into out; the exit status. */
static int
ctl(const struct daemon *d, const char *args, char *out, size_t len)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "./meshpoolctl -n %s %s 2>/dev/null",
	    d ? d->name : "no-such-instance", args);
	return shell_out(cmd, out, len);
}

/* wait_workers, and on a mismatch show the daemon's log before failing. */
static void
expect_workers(const struct daemon *d, int want)
{
	int got = wait_workers(d, want, 3000);
	char cmd[256];

	if (got != want) {
		snprintf(cmd, sizeof cmd, "tail -20 %s >&2; ps -ef | grep -c "
		    "'[m]eshpoold: worker' >&2", d->log);
		if (system(cmd) < 0)
			fail_msg("cannot show the log");
	}
	assert_int_equal(got, want);
}

static void
test_status_json_fields(void **state)
{
	static const char *const keys[] = { "workers", "busy_workers", "clients",
	    "queued", "in_flight", "completed", "failed", "arena_bytes",
	    "arena_used_bytes", "worker_restarts" };
	struct daemon d;
	char out[8192];
	size_t i;

	(void)state;
	assert_int_equal(daemon_start(&d, 2, NULL), 0);
	assert_int_equal(ctl(&d, "status --json", out, sizeof out), 0);
	assert_int_equal(out[0], '{');
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		assert_true(json_num(out, keys[i]) >= 0);
	assert_int_equal(json_num(out, "workers"), 2);
	assert_int_equal(json_num(out, "clients"), 0);
	assert_true(json_num(out, "arena_bytes") > 0);
	assert_int_equal(ctl(&d, "--json status", out, sizeof out), 0);
	assert_int_equal(json_num(out, "workers"), 2);
	assert_int_equal(ctl(&d, "status", out, sizeof out), 0);
	assert_non_null(strstr(out, "0 busy of 2"));
	assert_int_equal(ctl(&d, "workers", out, sizeof out), 0);
	assert_non_null(strstr(out, "idle"));
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_scale_changes_processes(void **state)
{
	struct daemon d;
	char out[8192];

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	expect_workers(&d, 1);
	assert_int_equal(ctl(&d, "scale 3", out, sizeof out), 0);
	expect_workers(&d, 3);
	assert_int_equal(ctl(&d, "status --json", out, sizeof out), 0);
	assert_int_equal(json_num(out, "workers"), 3);
	assert_int_equal(ctl(&d, "scale 1", out, sizeof out), 0);
	expect_workers(&d, 1);
	assert_int_equal(ctl(&d, "status --json", out, sizeof out), 0);
	assert_int_equal(json_num(out, "workers"), 1);
	assert_int_equal(json_num(out, "worker_restarts"), 0); /* retired, not died */
	assert_int_equal(ctl(&d, "scale 0", out, sizeof out), 1);
	assert_int_equal(ctl(&d, "scale many", out, sizeof out), 2);
	/* Up and straight down again, over and over: workers retired while
	 * they are still being born must not take the supervisor with them
	 * (a SIGTERM reaching a child that still had the supervisor's signal
	 * handler once stopped the whole daemon). */
	{
		int k;

		for (k = 0; k < 20; k++) {
			assert_int_equal(ctl(&d, "scale 4", out, sizeof out), 0);
			assert_int_equal(ctl(&d, "scale 1", out, sizeof out), 0);
		}
	}
	expect_workers(&d, 1);
	assert_int_equal(ctl(&d, "status --json", out, sizeof out), 0);
	assert_non_null(strstr(out, "\"state\":\"running\""));
	assert_int_equal(json_num(out, "worker_restarts"), 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* Scaled down under load: the retiring worker finishes its request. */
static void
test_scale_down_under_load_loses_nothing(void **state)
{
	struct daemon d;
	mp_client *c;
	mp_result res[64];
	char out[8192];
	int sent = 0, got = 0, n, i, scaled = 0;

	(void)state;
	assert_int_equal(daemon_start(&d, 3, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	while (got < 3000) {
		mp_request r;

		mp_request_init(&r);
		r.cells = 16;
		r.cx = sent % 50;
		r.user_data = (uint64_t)sent;
		if (sent < 3000 && mp_submit(c, &r) == MP_OK) {
			sent++;
			continue;
		}
		if (!scaled && got > 500) {
			assert_int_equal(ctl(&d, "scale 1", out, sizeof out), 0);
			scaled = 1;
		}
		if ((n = mp_poll(c, res, 64)) == 0)
			assert_int_equal(mp_wait(c, 10000), MP_OK);
		for (i = 0; i < n; i++) {
			assert_int_equal(res[i].status, MP_OK);
			mp_release(c, &res[i]);
		}
		got += n > 0 ? n : 0;
	}
	assert_int_equal(got, 3000);
	assert_int_equal(wait_workers(&d, 1, 3000), 1);
	assert_int_equal(ctl(&d, "status --json", out, sizeof out), 0);
	assert_int_equal(json_num(out, "completed"), 3000);
	assert_true(json_num(out, "chunks_per_s_10s") > 0);
	assert_true(json_num(out, "compute_p50_us") > 0);
	assert_true(json_num(out, "compute_p99_us") >= json_num(out, "compute_p50_us"));
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_drain(void **state)
{
	struct daemon d;
	mp_client *c, *late;
	mp_request r;
	mp_result res[64];
	char out[8192];
	int i, n, got = 0;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	mp_request_init(&r);
	for (i = 0; i < 200; i++) {
		r.user_data = (uint64_t)i;
		r.cx = i;
		assert_int_equal(mp_submit(c, &r), MP_OK);
	}
	assert_int_equal(ctl(&d, "drain", out, sizeof out), 0);
	assert_int_equal(mp_submit(c, &r), MP_ESHUTDOWN);
	assert_int_equal(mp_connect(d.name, &late), MP_ESHUTDOWN);
	while (got < 200) {             /* what was queued still completes */
		assert_int_equal(mp_wait(c, 10000), MP_OK);
		while ((n = mp_poll(c, res, 64)) > 0)
			for (i = 0; i < n; i++, got++) {
				assert_int_equal(res[i].status, MP_OK);
				mp_release(c, &res[i]);
			}
	}
	assert_int_equal(ctl(&d, "status --json", out, sizeof out), 0);
	assert_non_null(strstr(out, "\"state\":\"draining\""));
	assert_int_equal(json_num(out, "completed"), 200);
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

static void
test_clients_and_exit_codes(void **state)
{
	struct daemon d;
	mp_client *c;
	char out[8192], want[64];

	(void)state;
	assert_int_equal(ctl(NULL, "status", out, sizeof out), 3);
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(mp_connect(d.name, &c), MP_OK);
	assert_int_equal(ctl(&d, "clients --json", out, sizeof out), 0);
	snprintf(want, sizeof want, "\"pid\":%ld", (long)getpid());
	assert_non_null(strstr(out, want));
	assert_int_equal(ctl(&d, "clients", out, sizeof out), 0);
	assert_non_null(strstr(out, "IN_FLIGHT"));
	assert_int_equal(ctl(&d, "", out, sizeof out), 2);
	assert_int_equal(ctl(&d, "frobnicate", out, sizeof out), 2);
	assert_int_equal(ctl(&d, "--help", out, sizeof out), 0);
	assert_non_null(strstr(out, "exit status"));
	assert_int_equal(ctl(&d, "scale --help", out, sizeof out), 0);
	assert_non_null(strstr(out, "scale N"));
	assert_int_equal(ctl(&d, "demo --help", out, sizeof out), 0);
	assert_non_null(strstr(out, "demo [--size N]"));
	assert_int_equal(ctl(&d, "--version", out, sizeof out), 0);
	assert_non_null(strstr(out, "meshpoolctl "));
	mp_disconnect(c);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
}

/* Both programs answer --help and --version (and the daemon -h and -V)
 * on stdout with exit status 0, each line ended; a wrong option is a usage
 * error (2) that names the option. */
static void
test_help_and_version(void **state)
{
	static const char *ok[] = {
		"./meshpoold --help", "./meshpoold -h", "./meshpoold --version",
		"./meshpoold -V", "./meshpoolctl --help", "./meshpoolctl --version",
	};
	char out[4096];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char cmd[128];

		snprintf(cmd, sizeof cmd, "%s 2>/dev/null", ok[i]);
		if (shell_out(cmd, out, sizeof out) != 0)
			fail_msg("%s: exit status not 0", ok[i]);
		n = strlen(out);
		if (n == 0 || out[n - 1] != '\n')
			fail_msg("%s: output \"%s\" does not end a line", ok[i], out);
		if (strstr(ok[i], "ver") || strstr(ok[i], "-V"))
			assert_non_null(strstr(out, PACKAGE_VERSION));
		else
			assert_non_null(strstr(out, "usage"));
	}
	assert_int_equal(shell_out("./meshpoold --bogus 2>&1", out, sizeof out),
	    2);
	assert_non_null(strstr(out, "--bogus"));
	assert_non_null(strstr(out, "-h, --help"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_json_fields),
		cmocka_unit_test(test_scale_changes_processes),
		cmocka_unit_test(test_scale_down_under_load_loses_nothing),
		cmocka_unit_test(test_drain),
		cmocka_unit_test(test_clients_and_exit_codes),
		cmocka_unit_test(test_help_and_version),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
