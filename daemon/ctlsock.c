/*
 * ctlsock.c - the control socket: registration of clients (SO_PEERCRED
 * checked, fds passed with SCM_RIGHTS), status for meshpoolctl, and the
 * end of a client's connection meaning the client is gone.
 *
 * A lock file next to the socket, held with flock for the daemon's life,
 * tells a live instance from a stale socket left by a dead one.
 */
#include <errno.h>
#include <pwd.h>
#include <grp.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "monotime.h"
#include "proto.h"
#include "supervisor.h"

static void drop_client(struct supervisor *sv, struct sv_client *c);

struct conn_ctx {               /* what a bufferevent callback needs */
	struct supervisor *sv;
	struct sv_client  *c;
};

static void
reply(struct sv_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reply(struct sv_client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(bufferevent_get_output(c->bev), fmt, ap);
	va_end(ap);
}

/* The welcome line and the two fds, in one sendmsg on the raw socket: the
 * output buffer is empty at this point (one request, one answer). */
static int
send_welcome(struct supervisor *sv, struct sv_client *c, uint32_t gen)
{
	char line[128];
	int fds[2] = { sv->ctl_seg.fd, sv->arena_seg.ro_fd };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof fds)];
	} u;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cm;
	int n = snprintf(line, sizeof line, "ok %d %u %zu %zu\n", c->slot, gen,
	    sv->ctl_seg.size, sv->arena_seg.size);

	memset(&msg, 0, sizeof msg);
	memset(&u, 0, sizeof u);
	iov.iov_base = line;
	iov.iov_len = (size_t)n;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	return sendmsg(bufferevent_getfd(c->bev), &msg, MSG_NOSIGNAL) == n ? 0 : -1;
}

static int
free_slot(struct supervisor *sv)
{
	uint32_t i;

	for (i = 0; i < sv->q.d->nclients; i++)
		if (sv->clients[i] == NULL &&
		    atomic_load(&sv->q.d->cl[i].state) == DC_FREE)
			return (int)i;
	return -1;
}

/* 0, or -1 when the client was dropped (c is then freed). */
static int
do_hello(struct supervisor *sv, struct sv_client *c, const char *line)
{
	struct proto_hello h;
	uint32_t gen;
	int slot;

	if (proto_parse_hello(line, &h) != 0 || c->slot >= 0) {
		reply(c, "err %d bad hello\n", MP_EINVAL);
		return 0;
	}
	if (h.abi != CTL_ABI) {
		reply(c, "err %d ABI mismatch: client %u, daemon %u\n", MP_EPROTO,
		    h.abi, CTL_ABI);
		return 0;
	}
	if (sv->stopping || sv->draining) {
		reply(c, "err %d daemon is %s\n", MP_ESHUTDOWN,
		    sv->stopping ? "stopping" : "draining");
		return 0;
	}
	if ((slot = free_slot(sv)) < 0) {
		reply(c, "err %d all %u client slots are taken (max_clients)\n",
		    MP_EAGAIN, sv->q.d->nclients);
		return 0;
	}
	gen = q_client_open(&sv->q, (uint32_t)slot, c->pid);
	c->slot = slot;
	sv->clients[slot] = c;
	if (send_welcome(sv, c, gen) != 0) {
		log_msg(LOG_WARNING, "client pid %ld: cannot send welcome: %s",
		    (long)c->pid, strerror(errno));
		drop_client(sv, c);
		return -1;
	}
	log_msg(LOG_INFO, "client pid %ld uid %ld registered in slot %d",
	    (long)c->pid, (long)c->uid, slot);
	return 0;
}

static void
do_status(struct supervisor *sv, struct sv_client *c)
{
	static const char *const states[] = { "starting", "running", "draining",
	    "stopped" };
	const struct sv_worker *sw;
	struct q_stats st;
	uint32_t i, n, state = atomic_load(&sv->q.ctl.h->state);
	struct evbuffer *out = bufferevent_get_output(c->bev);

	q_drain_releases(&sv->q);
	q_stats(&sv->q, &st);
	evbuffer_add_printf(out, "{\"instance\":\"%s\",\"pid\":%ld,\"state\":\"%s\","
	    "\"uptime_s\":%.1f,\"workers\":%u,\"busy_workers\":%u,\"clients\":%u,"
	    "\"queued\":%u,\"in_flight\":%u,\"completed\":%llu,\"failed\":%llu,"
	    "\"requeued\":%llu,\"poisoned\":%llu,\"arena_bytes\":%llu,"
	    "\"arena_used_bytes\":%llu,\"worker_restarts\":%llu,\"min_workers\":%u,"
	    "\"max_workers\":%u,\"mode\":\"%s\"",
	    sv->name, (long)getpid(), states[state & 3],
	    (mono_ns() - sv->started_ns) / 1e9, sv->nworkers, st.busy_workers,
	    st.clients, st.queued, st.in_flight,
	    (unsigned long long)st.completed, (unsigned long long)st.failed,
	    (unsigned long long)st.requeued, (unsigned long long)st.poisoned,
	    (unsigned long long)sv->q.arena.h->npages * sv->q.arena.h->page_size,
	    (unsigned long long)sv->q.arena.h->used_bytes,
	    (unsigned long long)sv->restarts, sv->cfg.min_workers,
	    sv->cfg.max_workers, config_dynamic(&sv->cfg) ? "dynamic" : "static");
	evbuffer_add_printf(out, ",\"lock_repairs\":%llu,\"client_faults\":%llu",
	    (unsigned long long)(sv->q.d->qrepairs + sv->q.d->arepairs),
	    (unsigned long long)st.faults);
	evbuffer_add_printf(out, ",\"chunks_per_s_10s\":%.1f,\"compute_p50_us\":%.1f,"
	    "\"compute_p99_us\":%.1f,\"failed_by\":{", st.rate_10s, st.p50_us,
	    st.p99_us);
	for (i = 1, n = 0; i < 16; i++)
		if (st.failed_by[i] != 0) {
			const char *name = mp_strerror(-(int)i);

			evbuffer_add_printf(out, "%s\"%.*s\":%llu", n++ ? "," : "",
			    (int)strcspn(name, ":"), name,
			    (unsigned long long)st.failed_by[i]);
		}
	evbuffer_add_printf(out, "},\"worker_list\":[");
	for (i = 0; i < sv->nworkers; i++) {
		const struct wslot *ws = &sv->q.d->w[i];
		uint32_t s = atomic_load(&ws->state);
		uint64_t now = mono_ns();

		sw = &sv->w[i];
		evbuffer_add_printf(out, "%s{\"slot\":%u,\"pid\":%ld,\"state\":\"%s\","
		    "\"done\":%llu,\"busy_for_ms\":%.1f,\"user_data\":%llu}",
		    i ? "," : "", i, (long)sw->pid,
		    sw->pid == 0 ? "down" : s == WS_IDLE ? "idle" : "busy",
		    (unsigned long long)ws->done,
		    s == WS_BUSY && now > ws->start_ns ? (now - ws->start_ns) / 1e6 : 0.0,
		    s == WS_BUSY ? (unsigned long long)ws->req.user_data : 0ull);
	}
	evbuffer_add_printf(out, "]}\n");
}

static void
do_clients(struct supervisor *sv, struct sv_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	uint32_t i, n = 0;

	q_drain_releases(&sv->q);
	evbuffer_add_printf(out, "{\"clients\":[");
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		const struct sv_client *k = sv->clients[i];
		const struct dclient *dc = &sv->q.d->cl[i];

		if (k == NULL)
			continue;
		evbuffer_add_printf(out, "%s{\"slot\":%u,\"pid\":%ld,\"uid\":%ld,"
		    "\"in_flight\":%u,\"completed\":%llu,\"failed\":%llu,"
		    "\"arena_bytes\":%llu}", n++ ? "," : "", i, (long)k->pid,
		    (long)k->uid, dc->taken, (unsigned long long)dc->completed,
		    (unsigned long long)dc->failed,
		    (unsigned long long)slab_owner_used(&sv->q.arena, i));
	}
	evbuffer_add_printf(out, "]}\n");
}

static void
do_scale(struct supervisor *sv, struct sv_client *c, const char *arg)
{
	char why[128], *end;
	unsigned long n = strtoul(arg, &end, 10);

	if (end == arg || *end != '\0' || arg[0] == '-' || n > 1000)
		reply(c, "err %d scale: want a number of workers\n", MP_EINVAL);
	else if (sv_scale(sv, (uint32_t)n, why, sizeof why) != 0)
		reply(c, "err %d scale: %s\n", MP_EINVAL, why);
	else
		reply(c, "ok %lu\n", n);
}

/* 0, or -1 when the client was dropped.  Operator commands are refused
 * on a registered client's connection: that one is for its lifetime. */
static int
handle_line(struct supervisor *sv, struct sv_client *c, const char *line)
{
	if (strncmp(line, "hello ", 6) == 0)
		return do_hello(sv, c, line);
	if (c->slot >= 0)
		reply(c, "err %d registered connection\n", MP_EINVAL);
	else if (strcmp(line, "status") == 0)
		do_status(sv, c);
	else if (strcmp(line, "clients") == 0)
		do_clients(sv, c);
	else if (strncmp(line, "scale ", 6) == 0)
		do_scale(sv, c, line + 6);
	else if (strcmp(line, "reload") == 0) {
		char why[256];

		if (sv_reload(sv, why, sizeof why) != 0)
			reply(c, "err %d reload: %s\n", MP_EINVAL, why);
		else
			reply(c, "ok reloaded\n");
	} else if (strcmp(line, "drain") == 0) {
		sv_drain(sv);
		reply(c, "ok draining\n");
	} else
		reply(c, "err %d unknown command\n", MP_EINVAL);
	return 0;
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct conn_ctx *x = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	if (x->c->refused) {            /* read and ignore until it leaves */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		int r = n < PROTO_LINE_MAX ? handle_line(x->sv, x->c, line) : 0;

		free(line);
		if (r != 0)
			return;         /* dropped: x is gone */
	}
	if (evbuffer_get_length(in) > PROTO_LINE_MAX) {
		log_msg(LOG_WARNING, "client pid %ld: line too long, disconnected",
		    (long)x->c->pid);
		drop_client(x->sv, x->c);
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn_ctx *x = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		drop_client(x->sv, x->c);
}

/* The client has gone (or is thrown out): its slot, queued requests and
 * slabs are reclaimed now. */
static void
drop_client(struct supervisor *sv, struct sv_client *c)
{
	struct conn_ctx *x = NULL;

	if (c->slot >= 0) {
		q_client_close(&sv->q, (uint32_t)c->slot);
		sv->clients[c->slot] = NULL;
		log_msg(LOG_INFO, "client pid %ld left slot %d", (long)c->pid,
		    c->slot);
	}
	bufferevent_getcb(c->bev, NULL, NULL, NULL, (void **)&x);
	bufferevent_free(c->bev);
	free(x);
	free(c);
}

/* The daemon's own user, root, and members of the configured group. */
static int
peer_allowed(const struct supervisor *sv, const struct ucred *cr)
{
	struct passwd pw, *res;
	gid_t groups[256];
	int n = 256, i;
	char buf[4096];

	if (cr->uid == geteuid() || cr->uid == 0)
		return 1;
	if (sv->cfg.group[0] == '\0')
		return 0;
	if (cr->gid == sv->cfg.gid)
		return 1;
	if (getpwuid_r(cr->uid, &pw, buf, sizeof buf, &res) != 0 || res == NULL ||
	    getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == sv->cfg.gid)
			return 1;
	return 0;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	struct supervisor *sv = arg;
	struct ucred cr;
	socklen_t crlen = sizeof cr;
	struct sv_client *c;
	struct conn_ctx *x;

	(void)l, (void)sa, (void)len;
	c = calloc(1, sizeof *c);
	x = calloc(1, sizeof *x);
	if (c == NULL || x == NULL ||
	    (c->bev = bufferevent_socket_new(sv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c), free(x);
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 ||
	    !peer_allowed(sv, &cr)) {
		/* Say why, and keep the connection until the peer closes it:
		 * closing now, with its hello unread, would reset the socket and
		 * it might never read the answer. */
		log_msg(LOG_WARNING, "refused connection from uid %ld pid %ld",
		    (long)cr.uid, (long)cr.pid);
		c->refused = 1;
		cr.uid = (uid_t)-1;
	}
	c->uid = cr.uid;
	c->pid = cr.pid;
	c->slot = -1;
	x->sv = sv, x->c = c;
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, x);
	bufferevent_enable(c->bev, EV_READ);
	if (c->refused)
		reply(c, "err %d permission denied\n", MP_EPERM);
}

int
ctlsock_open(struct supervisor *sv)
{
	struct sockaddr_un sun;
	char err[256];
	mode_t old;
	int fd;

	int group = sv->cfg.group[0] != '\0';
	mode_t mode = sv->cfg.mode >= 0 ? (mode_t)sv->cfg.mode :
	    group ? 0660 : 0600;

	if (sv->cfg.socket[0] != '\0') {       /* the operator's own place */
		snprintf(sv->sock_path, sizeof sv->sock_path, "%s", sv->cfg.socket);
		snprintf(sv->lock_path, sizeof sv->lock_path, "%s.lock",
		    sv->cfg.socket);
	} else {
		char dir[256];

		if (sock_dir_make(group, err, sizeof err) != 0) {
			log_msg(LOG_ERR, "%s", err);
			return -1;
		}
		if (group && sock_dir(dir, sizeof dir) == 0 &&
		    (chown(dir, (uid_t)-1, sv->cfg.gid) != 0 || chmod(dir, 0750) != 0))
			log_msg(LOG_WARNING, "chgrp %s: %s", dir, strerror(errno));
		if (sock_path(sv->name, sv->sock_path, sizeof sv->sock_path) != 0 ||
		    lock_path(sv->name, sv->lock_path, sizeof sv->lock_path) != 0) {
			log_msg(LOG_ERR, "instance name %s: socket path too long",
			    sv->name);
			return -1;
		}
	}
	sv->lock_fd = open(sv->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sv->lock_fd < 0 || flock(sv->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		log_msg(LOG_ERR, "instance %s is already running (%s is locked)",
		    sv->name, sv->lock_path);
		if (sv->lock_fd >= 0)
			close(sv->lock_fd);
		sv->lock_fd = -1;
		return -1;
	}
	unlink(sv->sock_path);          /* stale: its daemon no longer holds the lock */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sv->sock_path, strlen(sv->sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	old = umask(0077);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old);
		log_msg(LOG_ERR, "bind %s: %s", sv->sock_path, strerror(errno));
		return -1;
	}
	umask(old);
	if (chmod(sv->sock_path, mode) != 0 || (group &&
	    chown(sv->sock_path, (uid_t)-1, sv->cfg.gid) != 0)) {
		log_msg(LOG_ERR, "%s: cannot set mode/group: %s", sv->sock_path,
		    strerror(errno));
		return -1;
	}
	sv->listener = evconnlistener_new(sv->base, accept_cb, sv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, fd);
	if (sv->listener == NULL) {
		log_msg(LOG_ERR, "listen %s: %s", sv->sock_path, strerror(errno));
		return -1;
	}
	return 0;
}

void
ctlsock_drop_faulty(struct supervisor *sv)
{
	uint32_t i;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct sv_client *c = sv->clients[i];

		if (c != NULL && atomic_load(&sv->q.d->cl[i].state) == DC_FAULTY) {
			log_msg(LOG_WARNING, "client pid %ld wrote impossible ring "
			    "indexes: disconnected", (long)c->pid);
			drop_client(sv, c);
		}
	}
}

void
ctlsock_close(struct supervisor *sv)
{
	uint32_t i;

	if (sv->listener != NULL)
		evconnlistener_free(sv->listener);
	sv->listener = NULL;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		if (sv->clients[i] != NULL)
			drop_client(sv, sv->clients[i]);
	if (sv->lock_fd >= 0) {
		unlink(sv->sock_path);  /* the lock file stays: unlinking it would
		                         * race with a daemon starting now */
		close(sv->lock_fd);
		sv->lock_fd = -1;
	}
}
