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

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshpool.h"

#define FI_CRASH_SEED 0xfa11deadu     /* as in daemon/worker.c */
#define FI_HANG_SEED  0xfa11f00du
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poison_request),
		cmocka_unit_test(test_hanging_request_times_out),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
