/*
 * daemon_rig.c - see daemon_rig.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon_rig.h"
#include "meshpool.h"
#include "layout.h"
#include "proto.h"
#include "sockpath.h"
#include "status.h"
#include "wait.h"

int
daemon_start(struct daemon *d, int workers, const char *extra)
{
	return daemon_start_bin(d, NULL, workers, extra);
}

int
daemon_start_bin(struct daemon *d, const char *bin, int workers,
    const char *extra)
{
	return daemon_start_pre(d, bin, NULL, workers, extra);
}

int
daemon_start_pre(struct daemon *d, const char *bin, const char *pre,
    int workers, const char *extra)
{
	static int seq;

	d->bin = bin;
	d->pre = pre;
	snprintf(d->name, sizeof d->name, "test-%ld-%d", (long)getpid(), seq++);
	snprintf(d->log, sizeof d->log, "meshpoold-%s.log", d->name);
	return daemon_restart(d, workers, extra);
}

int
daemon_restart(struct daemon *d, int workers, const char *extra)
{
	char cmd[512], w[32] = "";
	int i;

	if (workers > 0)        /* 0: no -w, the configuration decides */
		snprintf(w, sizeof w, "-w %d", workers);
	/* -c /dev/null unless the test brings its own: the machine's
	 * /etc/meshpool/meshpoold.conf must not change a test. */
	snprintf(cmd, sizeof cmd, "%s exec %s -f -n %s %s %s %s 2>>%s",
	    d->pre ? d->pre : "", d->bin ? d->bin : "./meshpoold", d->name, w,
	    extra && strstr(extra, "-c ") ? "" : "-c /dev/null",
	    extra ? extra : "", d->log);
	if ((d->pid = fork()) == 0) {
		/* Never outlive the test, and never hold its stdout (the TAP
		 * driver reads it to the end). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 500; i++) {
		mp_client *c;

		if (mp_connect(d->name, &c) == MP_OK) {
			mp_disconnect(c);
			return 0;
		}
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid)
			return -1;
		usleep(10000);
	}
	return -1;
}

int
daemon_stop(struct daemon *d, int sig)
{
	int st = -1;

	kill(d->pid, sig);
	while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

int
daemon_dial(const struct daemon *d)
{
	struct sockaddr_un sun;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (s < 0 || sock_path(d->name, sun.sun_path, sizeof sun.sun_path) != 0 ||
	    connect(s, (struct sockaddr *)&sun, sizeof sun) != 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

int
daemon_status(const struct daemon *d, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int s = daemon_dial(d);

	if (s < 0 || write(s, "status\n", 7) != 7) {
		if (s >= 0)
			close(s);
		return -1;
	}
	while (got + 1 < len && (n = read(s, buf + got, len - 1 - got)) > 0) {
		got += (size_t)n;
		buf[got] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
	close(s);
	return got > 0 ? 0 : -1;
}

long long
json_num(const char *json, const char *key)
{
	return (long long)json_number(json, key, -1);
}

static void *
map_fd(int fd, size_t size, int writable)
{
	void *m = mmap(NULL, size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
	    MAP_SHARED, fd, 0);

	return m == MAP_FAILED ? NULL : m;
}

int
raw_register(const struct daemon *d, unsigned abi, char *line, size_t len,
    struct raw_client *rc)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(PROTO_NFDS * sizeof(int))];
	} u;
	struct iovec iov = { line, len - 1 };
	struct proto_hello h = { abi, (int32_t)getpid() };
	struct msghdr msg;
	struct proto_welcome w;
	struct cseg_view cv;
	int fds[PROTO_NFDS], s = daemon_dial(d), i;
	ssize_t n;

	memset(rc, 0, sizeof *rc);
	rc->sock = s;
	if (s < 0)
		return -1;
	n = proto_format_hello(line, len, &h);
	if (write(s, line, (size_t)n) != n)
		return -1;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	if ((n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC)) <= 0)
		return -1;
	line[n] = '\0';
	if (proto_parse_welcome(line, &w) != 0)
		return 0;               /* an error line: the caller reads it */
	memcpy(fds, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof fds);
	rc->cseg_size = (size_t)w.cseg_bytes;
	rc->inst_size = (size_t)w.inst_bytes;
	rc->arena_size = (size_t)w.arena_bytes;
	rc->cseg = map_fd(fds[PROTO_FD_CSEG], rc->cseg_size, 1);
	rc->inst = map_fd(fds[PROTO_FD_INST], rc->inst_size, 0);
	rc->arena = map_fd(fds[PROTO_FD_ARENA], rc->arena_size, 0);
	for (i = 0; i < PROTO_NFDS; i++)
		close(fds[i]);
	if (rc->cseg == NULL || rc->inst == NULL || rc->arena == NULL ||
	    cseg_attach(&cv, rc->cseg, rc->cseg_size) != 0 ||
	    port_open(&rc->p, &cv, rc->inst) != 0)
		return -1;
	return 1;
}

void
raw_close(struct raw_client *rc)
{
	port_close(&rc->p);
	if (rc->cseg != NULL)
		munmap(rc->cseg, rc->cseg_size);
	if (rc->inst != NULL)
		munmap(rc->inst, rc->inst_size);
	if (rc->arena != NULL)
		munmap(rc->arena, rc->arena_size);
	if (rc->sock >= 0)
		close(rc->sock);
	memset(rc, 0, sizeof *rc);
	rc->sock = -1;
}

static int
pool_is(const struct daemon *d, int want)
{
	char st[16384];

	return daemon_children(d->pid, NULL, 0) == want &&
	    daemon_status(d, st, sizeof st) == 0 && json_num(st, "workers") == want;
}

int
wait_workers(const struct daemon *d, int want, int ms)
{
	wait_until(pool_is(d, want), ms);
	return daemon_children(d->pid, NULL, 0);
}

int
proc_sample(pid_t pid, struct proc_sample *s)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st, vol = 0, invol = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL || fgets(buf, sizeof buf, f) == NULL) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
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

int
daemon_children(pid_t parent, pid_t *out, int max)
{
	DIR *dir = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (dir != NULL && (e = readdir(dir)) != NULL) {
		char path[300], buf[512], *p;
		long ppid;
		FILE *f;

		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    (f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) &&
		    p[2] != 'Z' && p[2] != 'X' &&
		    sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == parent) {
			if (n < max)
				out[n] = (pid_t)atol(e->d_name);
			n++;
		}
		fclose(f);
	}
	if (dir != NULL)
		closedir(dir);
	return n;
}

int
daemon_asleep(const struct daemon *d, int ms)
{
	pid_t pids[80];
	struct proc_sample a[80], b[80];
	int n, i, moved = 0;

	pids[0] = d->pid;
	n = 1 + daemon_children(d->pid, pids + 1, 79);
	if (n > 80)
		n = 80;

	for (i = 0; i < n; i++)
		if (proc_sample(pids[i], &a[i]) != 0)
			return -1;
	usleep((useconds_t)ms * 1000);
	for (i = 0; i < n; i++) {
		if (proc_sample(pids[i], &b[i]) != 0)
			return -1;
		if (b[i].ticks != a[i].ticks || b[i].switches != a[i].switches)
			moved++;
	}
	return moved;
}

int
shell_out(const char *cmd, char *out, size_t len)
{
	char drop[4096];
	size_t got;
	FILE *p;
	int st;

	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	if (out == NULL || len == 0) {
		while (fread(drop, 1, sizeof drop, p) > 0)
			;
	} else {
		got = fread(out, 1, len - 1, p);
		out[got] = '\0';
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
