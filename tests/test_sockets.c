/*
 * test_sockets.c - where instances listen and how clients find them: no
 * files left after a stop, a group-shared instance that leaves the socket
 * folder as it found it, and, run as another user (root runs these tests
 * as nobody), a game that finds the system instance, is told "not allowed"
 * apart from "not running" with the paths tried, and prefers its own
 * user's instance.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
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
#include "wait.h"

/* In a forked child, where cmocka's asserts cannot report: say what failed
 * and exit 1. */
#define CHILD_CHECK(c) do {                                                  \
	if (!(c)) {                                                          \
		fprintf(stderr, "%s:%d: child: %s\n", __FILE__, __LINE__, #c); \
		_exit(1);                                                    \
	}                                                                    \
} while (0)

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A graceful stop leaves neither the socket nor the lock file; a SIGKILL
 * leaves both, and the next start replaces them and removes them again. */
static void
test_no_files_left(void **state)
{
	char sock[SOCK_PATH_MAX], lock[SOCK_PATH_MAX];
	struct daemon d;

	(void)state;
	assert_int_equal(daemon_start(&d, 1, NULL), 0);
	assert_int_equal(sock_path(d.name, sock, sizeof sock), 0);
	assert_int_equal(lock_path(d.name, lock, sizeof lock), 0);
	assert_true(exists(sock) && exists(lock));
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	assert_false(exists(sock));
	assert_false(exists(lock));

	assert_int_equal(daemon_restart(&d, 1, NULL), 0);
	daemon_stop(&d, SIGKILL);
	assert_true(exists(sock) && exists(lock));         /* stale */
	assert_int_equal(daemon_restart(&d, 1, NULL), 0);
	assert_int_equal(daemon_stop(&d, SIGTERM), 0);
	assert_false(exists(sock) || exists(lock));
}

/* Two daemons racing for one name while a third stops: exactly one runs. */
static void
test_lock_race(void **state)
{
	struct daemon a, b;
	int i, won = 0;

	(void)state;
	assert_int_equal(daemon_start(&a, 1, NULL), 0);
	for (i = 0; i < 5; i++) {
		b = a;
		/* Start a second one of the same name while a stops: b either
		 * finds a still running (and exits) or takes over. */
		if ((b.pid = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (freopen("/dev/null", "w", stdout) == NULL ||
			    freopen("/dev/null", "w", stderr) == NULL)
				_exit(127);
			execl("./meshpoold", "meshpoold", "-f", "-n", a.name, "-w",
			    "1", "-c", "/dev/null", (char *)NULL);
			_exit(127);
		}
		kill(a.pid, SIGTERM);
		waitpid(a.pid, NULL, 0);
		usleep(200 * 1000);
		if (waitpid(b.pid, NULL, WNOHANG) == 0) {
			mp_client *c;

			/* b runs: it must be the only instance, answering. */
			assert_true(wait_until(mp_connect(a.name, &c) == MP_OK, 5000));
			mp_disconnect(c);
			won++;
			a = b;
		} else {
			assert_int_equal(daemon_restart(&a, 1, NULL), 0);
		}
	}
	print_message("# 5 stop/start races: the newcomer took over %d times\n",
	    won);
	assert_int_equal(daemon_stop(&a, SIGTERM), 0);
}

/* A daemon with group = G gives the socket to G (0660) and leaves the
 * folder's owner and group as they were, so instances without a group
 * still start afterwards, and alongside. */
static void
test_group_leaves_folder(void **state)
{
	char dir[SOCK_PATH_MAX], sock[SOCK_PATH_MAX], conf[128], extra[160];
	struct stat before, after, st;
	struct daemon g, plain;
	struct group *gr;

	(void)state;
	if ((gr = getgrgid(getegid() == 0 ? 65534 : getegid())) == NULL) {
		print_message("# no group to share with: skipped\n");
		return;
	}
	assert_int_equal(sock_dir(dir, sizeof dir), 0);
	assert_int_equal(daemon_start(&plain, 1, NULL), 0);   /* makes dir */
	assert_int_equal(stat(dir, &before), 0);
	snprintf(conf, sizeof conf, "test-group-%ld.conf", (long)getpid());
	snprintf(extra, sizeof extra, "group = %s\n", gr->gr_name);
	write_file(conf, extra);
	snprintf(extra, sizeof extra, "-c %s", conf);
	assert_int_equal(daemon_start(&g, 1, extra), 0);
	assert_int_equal(sock_path(g.name, sock, sizeof sock), 0);
	assert_int_equal(stat(sock, &st), 0);
	assert_int_equal(st.st_gid, gr->gr_gid);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(stat(dir, &after), 0);
	assert_int_equal(after.st_uid, before.st_uid);
	assert_int_equal(after.st_gid, before.st_gid);
	assert_int_equal(after.st_mode & 0022, 0);          /* nobody else writes */
	assert_int_equal(after.st_mode & 0011, 0011);       /* members pass */
	assert_int_equal(daemon_stop(&g, SIGTERM), 0);
	assert_int_equal(daemon_stop(&plain, SIGTERM), 0);
	/* After it, a plain instance starts as before. */
	assert_int_equal(daemon_start(&plain, 1, NULL), 0);
	assert_int_equal(stat(dir, &after), 0);
	assert_int_equal(after.st_gid, before.st_gid);
	assert_int_equal(daemon_stop(&plain, SIGTERM), 0);
	unlink(conf);
}

/* --- as another user -------------------------------------------------- */

struct other {
	struct passwd pw;
	char tmp[64];           /* a folder of theirs: cwd, copies of programs */
	char ctl[96];           /* meshpoolctl, where they can run it */
	char bin[96];           /* meshpoold */
};

static int
copy_file(const char *from, const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "cp %s %s && chmod 755 %s", from, to, to);
	return system(cmd) == 0 ? 0 : -1;
}

/* nobody, with a folder to work in and the programs copied where it can
 * run them (the build tree may be private); 0, or -1 when not root. */
static int
other_user(struct other *o)
{
	struct passwd *pw;

	if (geteuid() != 0 || (pw = getpwnam("nobody")) == NULL)
		return -1;
	o->pw = *pw;
	snprintf(o->tmp, sizeof o->tmp, "/tmp/mp-other-XXXXXX");
	assert_non_null(mkdtemp(o->tmp));
	assert_int_equal(chown(o->tmp, pw->pw_uid, pw->pw_gid), 0);
	assert_int_equal(chmod(o->tmp, 0755), 0);
	snprintf(o->ctl, sizeof o->ctl, "%s/meshpoolctl", o->tmp);
	snprintf(o->bin, sizeof o->bin, "%s/meshpoold", o->tmp);
	assert_int_equal(copy_file("./meshpoolctl", o->ctl), 0);
	assert_int_equal(copy_file("./meshpoold", o->bin), 0);
	return 0;
}

static void
other_done(struct other *o)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", o->tmp);
	assert_int_equal(system(cmd), 0);
}

/* In a child: become o's user, in o's folder, with no XDG_RUNTIME_DIR (a
 * game started from a service or a plain shell). */
static void
become(const struct other *o)
{
	CHILD_CHECK(setgroups(0, NULL) == 0);
	CHILD_CHECK(setgid(o->pw.pw_gid) == 0);
	CHILD_CHECK(setuid(o->pw.pw_uid) == 0);
	CHILD_CHECK(chdir(o->tmp) == 0);
	unsetenv("XDG_RUNTIME_DIR");
}

/* The child's exit status: 0 when every check in it held. */
static int
child_result(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A numeric field of d's status (root asks), or -1. */
static long long
json_num_status(const struct daemon *d, const char *key)
{
	char buf[4096];

	if (daemon_status(d, buf, sizeof buf) != 0)
		return -1;
	return json_num(buf, key);
}

/* meshpoolctl -n name status as o: its exit status, stderr into err. */
static int
ctl_as(const struct other *o, const char *name, char *err, size_t len)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "setpriv --reuid=%ld --regid=%ld "
	    "--clear-groups env -u XDG_RUNTIME_DIR %s -n %s status 2>&1 "
	    ">/dev/null", (long)o->pw.pw_uid, (long)o->pw.pw_gid, o->ctl, name);
	return shell_out(cmd, err, len);
}

static void
test_other_user_finds_system_instance(void **state)
{
	char conf[128], extra[160], err[1024], sock[SOCK_PATH_MAX];
	struct daemon shared, private;
	struct group *gr;
	struct other o;
	pid_t pid;

	(void)state;
	if (other_user(&o) != 0 || (gr = getgrgid(o.pw.pw_gid)) == NULL) {
		print_message("# not root: the other-user checks are skipped\n");
		return;
	}
	snprintf(conf, sizeof conf, "test-shared-%ld.conf", (long)getpid());
	snprintf(extra, sizeof extra, "group = %s\n", gr->gr_name);
	write_file(conf, extra);
	snprintf(extra, sizeof extra, "-c %s", conf);
	assert_int_equal(daemon_start(&shared, 1, extra), 0);
	assert_int_equal(daemon_start(&private, 1, NULL), 0);

	/* The system instance, shared with the user's group: found by name,
	 * meshed for. */
	if ((pid = fork()) == 0) {
		mp_request r;
		mp_result res;
		mp_client *c;

		become(&o);
		CHILD_CHECK(mp_connect(shared.name, &c) == MP_OK);
		CHILD_CHECK(mp_connect_problem() == NULL);
		mp_request_init(&r);
		CHILD_CHECK(mp_submit(c, &r) == MP_OK);
		CHILD_CHECK(mp_wait(c, 10000) == MP_OK);
		CHILD_CHECK(mp_poll(c, &res, 1) == 1 && res.status == MP_OK);
		mp_release(c, &res);
		mp_disconnect(c);
		_exit(0);
	}
	assert_int_equal(child_result(pid), 0);
	assert_int_equal(ctl_as(&o, shared.name, err, sizeof err), 0);

	/* Root's own instance: there, but not for this user; the sentence
	 * names the socket and its owner. */
	assert_int_equal(sock_path(private.name, sock, sizeof sock), 0);
	if ((pid = fork()) == 0) {
		const char *why;
		mp_client *c;

		become(&o);
		CHILD_CHECK(mp_connect(private.name, &c) == MP_EPERM);
		why = mp_connect_problem();
		CHILD_CHECK(why != NULL && strstr(why, sock) != NULL);
		CHILD_CHECK(strstr(why, "is running but this user may not") != NULL);
		_exit(0);
	}
	assert_int_equal(child_result(pid), 0);
	assert_int_equal(ctl_as(&o, private.name, err, sizeof err), 4);
	print_message("# meshpoolctl as nobody: %s", err);
	assert_non_null(strstr(err, sock));

	/* A socket anyone may reach, a daemon that refuses them itself: also
	 * "not allowed" (exit 4), not a failure. */
	{
		struct daemon open;
		char conf2[128], extra2[160];

		snprintf(conf2, sizeof conf2, "test-open-%ld.conf", (long)getpid());
		write_file(conf2, "mode = 0666\n");
		snprintf(extra2, sizeof extra2, "-c %s", conf2);
		assert_int_equal(daemon_start(&open, 1, extra2), 0);
		assert_int_equal(ctl_as(&o, open.name, err, sizeof err), 4);
		assert_int_equal(daemon_stop(&open, SIGTERM), 0);
		unlink(conf2);
	}

	/* No such instance: "not running", with every path it tried. */
	if ((pid = fork()) == 0) {
		char mine[SOCK_PATH_MAX];
		const char *why;
		mp_client *c;

		become(&o);
		CHILD_CHECK(mp_connect("no-such-instance", &c) == MP_ENOENT);
		why = mp_connect_problem();
		CHILD_CHECK(why != NULL && strstr(why, "not running") != NULL);
		snprintf(mine, sizeof mine, "/tmp/meshpool-%ld/no-such-instance"
		    ".sock", (long)getuid());
		CHILD_CHECK(strstr(why, mine) != NULL);
		snprintf(mine, sizeof mine, "/run/user/%ld/meshpool/"
		    "no-such-instance.sock", (long)getuid());
		CHILD_CHECK(strstr(why, mine) != NULL);
		CHILD_CHECK(strstr(why, "/run/meshpool/no-such-instance.sock"));
		_exit(0);
	}
	assert_int_equal(child_result(pid), 0);
	assert_int_equal(ctl_as(&o, "no-such-instance", err, sizeof err), 3);

	assert_int_equal(daemon_stop(&private, SIGTERM), 0);
	assert_int_equal(daemon_stop(&shared, SIGTERM), 0);
	unlink(conf);
	other_done(&o);
}

/* Clients registered at the instance listening at path (root asks). */
static long long
clients_at(const char *path)
{
	char cmd[256], out[4096];

	snprintf(cmd, sizeof cmd, "./meshpoolctl -n %s status --json", path);
	if (shell_out(cmd, out, sizeof out) != 0)
		return -1;
	return json_num(out, "clients");
}

/*
 * The user's own instance, started where XDG_RUNTIME_DIR pointed
 * (/run/user/UID), is the one a game of theirs started without
 * XDG_RUNTIME_DIR gets, even with a system instance of the same name open
 * to them.
 */
static void
test_own_instance_first(void **state)
{
	char conf[128], extra[160], xdg[32], own_sock[SOCK_PATH_MAX + 64];
	int made_xdg = 0, go[2], done[2];
	struct daemon sys;
	struct group *gr;
	struct other o;
	pid_t pid;
	char b = 0;

	(void)state;
	if (other_user(&o) != 0 || (gr = getgrgid(o.pw.pw_gid)) == NULL) {
		print_message("# not root: the other-user checks are skipped\n");
		return;
	}
	snprintf(xdg, sizeof xdg, "/run/user/%ld", (long)o.pw.pw_uid);
	if (!exists(xdg)) {
		assert_int_equal(system("mkdir -p /run/user"), 0);
		assert_int_equal(mkdir(xdg, 0700), 0);
		assert_int_equal(chown(xdg, o.pw.pw_uid, o.pw.pw_gid), 0);
		made_xdg = 1;
	}
	snprintf(conf, sizeof conf, "test-own-%ld.conf", (long)getpid());
	snprintf(extra, sizeof extra, "group = %s\n", gr->gr_name);
	write_file(conf, extra);
	snprintf(extra, sizeof extra, "-c %s", conf);
	assert_int_equal(daemon_start(&sys, 1, extra), 0);
	snprintf(own_sock, sizeof own_sock, "%s/meshpool/%s.sock", xdg, sys.name);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	if ((pid = fork()) == 0) {
		struct daemon own;
		mp_client *c;

		close(go[0]);
		close(done[1]);
		become(&o);
		/* The user's daemon, started in a session with XDG_RUNTIME_DIR,
		 * under the system instance's name. */
		setenv("XDG_RUNTIME_DIR", xdg, 1);
		memset(&own, 0, sizeof own);
		own.bin = o.bin;
		snprintf(own.name, sizeof own.name, "%s", sys.name);
		snprintf(own.log, sizeof own.log, "meshpoold-own.log");
		CHILD_CHECK(daemon_restart(&own, 1, NULL) == 0);
		CHILD_CHECK(wait_until(mp_connect(own_sock, &c) == MP_OK, 5000));
		mp_disconnect(c);
		/* The game, without it. */
		unsetenv("XDG_RUNTIME_DIR");
		CHILD_CHECK(mp_connect(sys.name, &c) == MP_OK);
		CHILD_CHECK(write(go[1], "c", 1) == 1);
		CHILD_CHECK(read(done[0], &b, 1) == 1);
		mp_disconnect(c);
		CHILD_CHECK(daemon_stop(&own, SIGTERM) == 0);
		CHILD_CHECK(!exists(own_sock));
		_exit(0);
	}
	close(go[1]);
	close(done[0]);
	assert_int_equal(read(go[0], &b, 1), 1);
	assert_true(wait_until(clients_at(own_sock) == 1, 5000));
	assert_int_equal(json_num_status(&sys, "clients"), 0);
	assert_int_equal(write(done[1], "d", 1), 1);
	assert_int_equal(child_result(pid), 0);
	close(go[0]);
	close(done[1]);
	assert_int_equal(daemon_stop(&sys, SIGTERM), 0);
	unlink(conf);
	if (made_xdg) {
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", xdg);
		assert_int_equal(system(cmd), 0);
	}
	other_done(&o);
}

/* A user's first "meshpoold -d", before the socket folder exists: the
 * pidfile goes next to the socket, in the folder the daemon makes. */
static void
test_user_detach_first_start(void **state)
{
	char dir[32], pidfile[128], cmd[512], out[1024], name[32];
	struct other o;
	long pid = 0;
	FILE *f;

	(void)state;
	if (other_user(&o) != 0) {
		print_message("# not root: the other-user checks are skipped\n");
		return;
	}
	snprintf(dir, sizeof dir, "/tmp/meshpool-%ld", (long)o.pw.pw_uid);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(name, sizeof name, "detach-%ld", (long)getpid());
	snprintf(pidfile, sizeof pidfile, "%s/%s.pid", dir, name);
	snprintf(cmd, sizeof cmd, "setpriv --reuid=%ld --regid=%ld "
	    "--clear-groups env -u XDG_RUNTIME_DIR %s -d -n %s -w 1 -c /dev/null "
	    "2>&1", (long)o.pw.pw_uid, (long)o.pw.pw_gid, o.bin, name);
	if (shell_out(cmd, out, sizeof out) != 0)
		fail_msg("meshpoold -d as nobody: %s", out);
	assert_non_null(f = fopen(pidfile, "r"));
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	assert_true(pid > 1);
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	assert_true(wait_until(kill((pid_t)pid, 0) != 0, 10000));
	assert_false(exists(pidfile));
	snprintf(cmd, sizeof cmd, "%s/%s.lock", dir, name);
	assert_false(exists(cmd));
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	other_done(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_files_left),
		cmocka_unit_test(test_lock_race),
		cmocka_unit_test(test_group_leaves_folder),
		cmocka_unit_test(test_other_user_finds_system_instance),
		cmocka_unit_test(test_own_instance_first),
		cmocka_unit_test(test_user_detach_first_start),
	};

	alarm(300);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
