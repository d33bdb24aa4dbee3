/*
 * ctlsock.c - the control socket: registration of clients (SO_PEERCRED
 * checked, fds passed with SCM_RIGHTS), status for meshpoolctl, and the
 * end of a client's connection meaning the client is gone.
 *
 * A lock file next to the socket, locked for the daemon's life
 * (filelock.h), tells a live instance from a stale socket left by a dead
 * one.
 */
#include <errno.h>
#include <pwd.h>
#include <grp.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "monotime.h"
#include "proto.h"
#include "ctlsock.h"
#include "fdpass.h"
#include "filelock.h"
#include "snapshot.h"
#include "supervisor.h"

#define UNREG_MAX        32       /* connections not yet registered */
#define UNREG_DEADLINE_S 5        /* to register, or to finish a command */
#define OUT_MAX          (64 * 1024)  /* unread replies before we stop
                                       * reading a peer's commands */
#define IN_MAX           (4 * PROTO_LINE_MAX)
#define ACCEPT_BACKOFF_MIN_MS 100
#define ACCEPT_BACKOFF_MAX_MS 1000
#define REFUSE_BATCH     64       /* pending connections refused per pause */

static void drop_client(struct supervisor *sv, struct sv_client *c);
static void process_lines(struct sv_client *c);

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

static void
reply_error(struct sv_client *c, int code, const char *msg)
{
	char line[PROTO_LINE_MAX];

	proto_format_error(line, sizeof line, code, msg);
	evbuffer_add(bufferevent_get_output(c->bev), line, strlen(line));
}

/* The welcome line and the three fds, in one sendmsg on the raw socket:
 * the output buffer is empty at this point (one request, one answer). */
_Static_assert(PROTO_NFDS <= FDPASS_MAX, "a welcome's fds fit one message");

static int
send_welcome(struct supervisor *sv, struct sv_client *c, uint32_t gen,
    int cseg_fd)
{
	char line[PROTO_LINE_MAX];
	int fds[PROTO_NFDS];
	struct proto_welcome w = {
		.slot = (uint32_t)c->slot, .gen = gen,
		.cseg_bytes = cseg_bytes(&sv->q.geo),
		.inst_bytes = sv->inst_seg.size,
		.arena_bytes = sv->arena_seg.size,
	};
	int n = proto_format_welcome(line, sizeof line, &w);

	fds[PROTO_FD_CSEG] = cseg_fd;
	fds[PROTO_FD_INST] = sv->inst_seg.ro_fd;
	fds[PROTO_FD_ARENA] = sv->arena_seg.ro_fd;
	return fd_send(bufferevent_getfd(c->bev), line, (size_t)n, fds,
	    PROTO_NFDS, 0);
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

/* Registered: no deadline any more, and no longer counted against the
 * cap on connections waiting to register. */
static void
registered(struct supervisor *sv, struct sv_client *c)
{
	if (c->deadline != NULL) {
		event_free(c->deadline);
		c->deadline = NULL;
		sv->unregistered--;
	}
}

/* 0, or -1 when the client was dropped (c is then freed). */
static int
do_hello(struct supervisor *sv, struct sv_client *c, const char *line)
{
	struct proto_hello h;
	char why[256];
	uint64_t deaf;
	uint32_t gen, w;
	int slot, fd, r;

	if (proto_parse_hello(line, &h) != 0 || c->slot >= 0) {
		reply_error(c, MP_EINVAL, "bad hello");
		return 0;
	}
	if (h.abi != MP_ABI) {
		reply(c, "err %d ABI mismatch: client %u, daemon %u\n", MP_EPROTO,
		    h.abi, MP_ABI);
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
	if ((gen = q_client_open(&sv->q, (uint32_t)slot, c->pid, &fd, &deaf, why,
	    sizeof why)) == 0) {
		log_msg(LOG_WARNING, "client pid %ld: %s", (long)c->pid, why);
		reply(c, "err %d cannot create its shared memory: %s\n", MP_EAGAIN,
		    why);
		return 0;
	}
	for (w = 0; w < MP_MAX_WORKERS; w++)
		if (deaf & (1ull << w))
			sv_kill_worker(sv, w, "could not be told of a new client");
	c->slot = slot;
	sv->clients[slot] = c;
	registered(sv, c);
	r = send_welcome(sv, c, gen, fd);
	close(fd);
	if (r != 0) {
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
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct sv_worker_info wi;
	struct q_stats qs;
	struct status st;
	char flat[2048];
	uint32_t i, n;

	sv_status(sv, &st, &qs);
	status_format(flat, sizeof flat, &st);
	evbuffer_add_printf(out, "{%s,\"failed_by\":{", flat);
	for (i = 1, n = 0; i < Q_NSTATUS; i++)
		if (qs.failed_by[i] != 0) {
			const char *name = mp_strerror(-(int)i);

			evbuffer_add_printf(out, "%s\"%.*s\":%llu", n++ ? "," : "",
			    (int)strcspn(name, ":"), name,
			    (unsigned long long)qs.failed_by[i]);
		}
	evbuffer_add_printf(out, "},\"worker_list\":[");
	for (i = 0; i < sv->nworkers; i++) {
		sv_worker_info(sv, i, &wi);
		evbuffer_add_printf(out, "%s{\"slot\":%u,\"pid\":%ld,\"state\":\"%s\","
		    "\"done\":%llu,\"busy_for_ms\":%.1f,\"user_data\":%llu}",
		    i ? "," : "", i, (long)wi.pid, wi.state,
		    (unsigned long long)wi.done, wi.busy_ms,
		    (unsigned long long)wi.user_data);
	}
	evbuffer_add_printf(out, "]}\n");
}

static void
do_clients(struct supervisor *sv, struct sv_client *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct sv_client_info ci;
	uint32_t i, n = 0;

	evbuffer_add_printf(out, "{\"clients\":[");
	for (i = 0; i < MP_MAX_CLIENTS; i++) {
		if (!sv_client_info(sv, i, &ci))
			continue;
		evbuffer_add_printf(out, "%s{\"slot\":%u,\"pid\":%ld,\"uid\":%ld,"
		    "\"in_flight\":%u,\"completed\":%llu,\"failed\":%llu,"
		    "\"arena_bytes\":%llu}", n++ ? "," : "", i, (long)ci.pid,
		    (long)ci.uid, ci.in_flight, (unsigned long long)ci.completed,
		    (unsigned long long)ci.failed,
		    (unsigned long long)ci.arena_bytes);
	}
	evbuffer_add_printf(out, "]}\n");
}

static void
do_scale(struct supervisor *sv, struct sv_client *c, uint32_t n)
{
	char why[160];

	if (sv_scale(sv, n, why, sizeof why) != 0)
		reply(c, "err %d scale: %s\n", MP_EINVAL, why);
	else if (why[0] != '\0')       /* asked for, but not all running */
		reply(c, "ok %u: %s\n", n, why);
	else
		reply(c, "ok %u\n", n);
}

static void
do_reload(struct supervisor *sv, struct sv_client *c, uint32_t arg)
{
	char why[256];

	(void)arg;
	if (sv_reload(sv, why, sizeof why) != 0)
		reply(c, "err %d reload: %s\n", MP_EINVAL, why);
	else
		reply(c, "ok reloaded\n");
}

static void
do_drain(struct supervisor *sv, struct sv_client *c, uint32_t arg)
{
	(void)arg;
	sv_drain(sv);
	reply(c, "ok draining\n");
}

static void
do_status_cmd(struct supervisor *sv, struct sv_client *c, uint32_t arg)
{
	(void)arg;
	do_status(sv, c);
}

static void
do_clients_cmd(struct supervisor *sv, struct sv_client *c, uint32_t arg)
{
	(void)arg;
	do_clients(sv, c);
}

/* What each operator command does (shared/proto.c names and parses them). */
static void (*const handlers[CMD_NCMDS])(struct supervisor *,
    struct sv_client *, uint32_t) = {
	[CMD_STATUS] = do_status_cmd,
	[CMD_CLIENTS] = do_clients_cmd,
	[CMD_SCALE] = do_scale,
	[CMD_DRAIN] = do_drain,
	[CMD_RELOAD] = do_reload,
};

/* 0, or -1 when the client was dropped.  A registered client's
 * connection carries nothing after its hello: anything more is a broken
 * client, and costs it its registration. */
static int
handle_line(struct supervisor *sv, struct sv_client *c, const char *line)
{
	enum proto_cmd cmd;
	const char *why;
	uint32_t arg;

	if (c->slot >= 0) {
		log_msg(LOG_WARNING, "client pid %ld wrote on its registered "
		    "connection: disconnected", (long)c->pid);
		drop_client(sv, c);
		return -1;
	}
	if (strncmp(line, "hello ", 6) == 0)
		return do_hello(sv, c, line);
	if (proto_parse_command(line, &cmd, &arg, &why) != 0)
		reply(c, "err %d %.*s: %s\n", MP_EINVAL,
		    (int)strcspn(line, " \n"), line, why);
	else
		handlers[cmd](sv, c, arg);
	return 0;
}

/* Answer the lines read so far, but stop while the peer leaves more than
 * OUT_MAX of answers unread: reading resumes when it has caught up. */
static void
process_lines(struct sv_client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char *line;
	size_t n;

	if (c->refused) {               /* read and ignore until it leaves */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (evbuffer_get_length(out) < OUT_MAX &&
	    (line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
		int r = n < PROTO_LINE_MAX ? handle_line(c->sv, c, line) : 0;

		free(line);
		if (r != 0)
			return;         /* dropped: c is gone */
	}
	if (evbuffer_get_length(out) >= OUT_MAX) {
		bufferevent_disable(c->bev, EV_READ);
		return;
	}
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(in) > PROTO_LINE_MAX) {
		log_msg(LOG_WARNING, "connection from pid %ld: line too long, "
		    "closed", (long)c->pid);
		drop_client(c->sv, c);
	}
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	process_lines(arg);
}

/* The peer read enough of our answers: take its commands again. */
static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct sv_client *c = arg;

	if (!(bufferevent_get_enabled(bev) & EV_READ))
		process_lines(c);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sv_client *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		drop_client(c->sv, c);
}

static void
deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sv_client *c = arg;

	(void)fd, (void)what;
	log_msg(LOG_DEBUG, "connection from pid %ld: nothing registered or "
	    "finished within %d s: closed", (long)c->pid, UNREG_DEADLINE_S);
	drop_client(c->sv, c);
}

/* The client has gone (or is thrown out): its slot, queued requests and
 * slabs are reclaimed now, and its segment is never used again. */
static void
drop_client(struct supervisor *sv, struct sv_client *c)
{
	if (c->slot >= 0) {
		q_client_close(&sv->q, (uint32_t)c->slot);
		sv->clients[c->slot] = NULL;
		log_msg(LOG_INFO, "client pid %ld left slot %d", (long)c->pid,
		    c->slot);
	}
	if (c->deadline != NULL) {
		event_free(c->deadline);
		sv->unregistered--;
	}
	TAILQ_REMOVE(&sv->conns, c, link);
	bufferevent_free(c->bev);
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

/* Say why on a connection we will not serve, and close it.  Whatever it
 * sent is read first, so closing does not turn into a reset that could
 * swallow the answer. */
static void
refuse_fd(int fd, int code, const char *msg)
{
	char line[PROTO_LINE_MAX], junk[PROTO_LINE_MAX];
	int n = proto_format_error(line, sizeof line, code, msg);

	while (recv(fd, junk, sizeof junk, MSG_DONTWAIT) > 0)
		;
	if (send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_msg(LOG_DEBUG, "refusing a connection: %s", strerror(errno));
	close(fd);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	struct supervisor *sv = arg;
	struct timeval dl = { UNREG_DEADLINE_S, 0 };
	struct ucred cr;
	socklen_t crlen = sizeof cr;
	struct sv_client *c;

	(void)l, (void)sa, (void)len;
	if (sv->accept_backoff_ms != 0) {
		log_msg(LOG_INFO, "file descriptors available again: accepting "
		    "connections");
		sv->accept_backoff_ms = 0;
	}
	if (sv->unregistered >= UNREG_MAX) {
		refuse_fd(fd, MP_EAGAIN, "too many connections waiting to register");
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL ||
	    (c->bev = bufferevent_socket_new(sv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->deadline = evtimer_new(sv->base, deadline_cb, c)) == NULL) {
		if (c != NULL && c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		free(c);
		return;
	}
	c->sv = sv;
	c->slot = -1;
	TAILQ_INSERT_TAIL(&sv->conns, c, link);
	sv->unregistered++;
	evtimer_add(c->deadline, &dl);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0 ||
	    !peer_allowed(sv, &cr)) {
		/* Say why, and keep the connection until the peer closes it (or
		 * the deadline), so it reads the answer. */
		log_msg(LOG_WARNING, "refused connection from uid %ld pid %ld",
		    (long)cr.uid, (long)cr.pid);
		c->refused = 1;
		cr.uid = (uid_t)-1;
	}
	c->uid = cr.uid;
	c->pid = cr.pid;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, IN_MAX);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUT_MAX / 2, 0);
	bufferevent_enable(c->bev, EV_READ);
	if (c->refused)
		reply_error(c, MP_EPERM, "permission denied");
}

static void
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;

	(void)fd, (void)what;
	if (sv->listener != NULL)
		evconnlistener_enable(sv->listener);
}

/*
 * accept() failed.  Out of file descriptors, the listener would fire again
 * at once, for ever: instead, give up the spare descriptor to answer the
 * waiting connections with a reason, pause the listener (100 ms, doubling
 * to 1 s), and log once per episode.
 */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct supervisor *sv = arg;
	struct timeval tv;
	int e = EVUTIL_SOCKET_ERROR(), fd, i;

	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
		log_msg(LOG_WARNING, "accept: %s", strerror(e));
		return;
	}
	if (sv->accept_backoff_ms == 0)
		log_msg(LOG_ERR, "accept: %s: refusing new connections until "
		    "descriptors are free", strerror(e));
	for (i = 0; i < REFUSE_BATCH && sv->spare_fd >= 0; i++) {
		close(sv->spare_fd);
		fd = accept4(evconnlistener_get_fd(l), NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			refuse_fd(fd, MP_EAGAIN, "meshpoold is out of file descriptors");
		sv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
	}
	sv->accept_backoff_ms = sv->accept_backoff_ms == 0 ?
	    ACCEPT_BACKOFF_MIN_MS : sv->accept_backoff_ms * 2;
	if (sv->accept_backoff_ms > ACCEPT_BACKOFF_MAX_MS)
		sv->accept_backoff_ms = ACCEPT_BACKOFF_MAX_MS;
	evconnlistener_disable(l);
	tv.tv_sec = 0;
	tv.tv_usec = (long)sv->accept_backoff_ms * 1000;
	evtimer_add(sv->accept_timer, &tv);
}

/* The socket's path and its lock file's, for sv->name or the operator's
 * own place: 0, or -1 (logged). */
static int
socket_paths(struct supervisor *sv, int group)
{
	char err[256];

	if (sv->cfg.socket[0] != '\0') {      /* the operator's own place */
		snprintf(sv->sock_path, sizeof sv->sock_path, "%s", sv->cfg.socket);
		snprintf(sv->lock_path, sizeof sv->lock_path, "%s.lock",
		    sv->cfg.socket);
		return 0;
	}
	if (sock_dir_make(group, err, sizeof err) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return -1;
	}
	if (sock_path(sv->name, sv->sock_path, sizeof sv->sock_path) != 0 ||
	    lock_path(sv->name, sv->lock_path, sizeof sv->lock_path) != 0) {
		log_msg(LOG_ERR, "instance name %s: socket path too long", sv->name);
		return -1;
	}
	return 0;
}

/*
 * Hold the lock file for our life: -1 (logged) if a live instance does.  The
 * daemon that stops removes the file while it still holds it, so a lock won
 * on a file that is no longer at the path (its owner removed it between our
 * open and our lock) proves nothing: open the path again.
 */
static int
take_lock(struct supervisor *sv)
{
	struct stat held, now;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		sv->lock_fd = open(sv->lock_path, O_RDWR | O_CREAT | O_CLOEXEC,
		    0600);
		if (sv->lock_fd < 0) {
			log_msg(LOG_ERR, "lock file %s: %s", sv->lock_path,
			    strerror(errno));
			return -1;
		}
		if (file_lock(sv->lock_fd) != 0)
			break;
		if (fstat(sv->lock_fd, &held) == 0 &&
		    stat(sv->lock_path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev)
			return 0;
		close(sv->lock_fd);
	}
	log_msg(LOG_ERR, "instance %s is already running (%s is locked)",
	    sv->name, sv->lock_path);
	close(sv->lock_fd);
	sv->lock_fd = -1;
	return -1;
}

/* A listening socket at sv->sock_path with its mode and group: the fd, or
 * -1 (logged). */
static int
bind_socket(struct supervisor *sv, int group, mode_t mode)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd;

	unlink(sv->sock_path);  /* stale: its daemon no longer holds the lock */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, sv->sock_path, strlen(sv->sock_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) < 0)
		goto err;
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old);
		goto err;
	}
	umask(old);
	if (chmod(sv->sock_path, mode) != 0 || (group &&
	    chown(sv->sock_path, (uid_t)-1, sv->cfg.gid) != 0)) {
		log_msg(LOG_ERR, "%s: cannot set mode/group: %s", sv->sock_path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
err:
	log_msg(LOG_ERR, "bind %s: %s", sv->sock_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
ctlsock_open(struct supervisor *sv)
{
	int group = sv->cfg.group[0] != '\0', fd;
	mode_t mode = sv->cfg.mode >= 0 ? (mode_t)sv->cfg.mode :
	    group ? 0660 : 0600;

	TAILQ_INIT(&sv->conns);
	sv->spare_fd = -1;
	if (socket_paths(sv, group) != 0 || take_lock(sv) != 0)
		return -1;
	if ((fd = bind_socket(sv, group, mode)) < 0)
		goto err;
	sv->listener = evconnlistener_new(sv->base, accept_cb, sv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, fd);
	if (sv->listener == NULL) {
		log_msg(LOG_ERR, "listen %s: %s", sv->sock_path, strerror(errno));
		close(fd);
		goto err;
	}
	evconnlistener_set_error_cb(sv->listener, accept_error_cb);
	sv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if ((sv->accept_timer = evtimer_new(sv->base, accept_resume, sv)) == NULL)
		goto err;
	return 0;
err:
	ctlsock_close(sv);
	return -1;
}

void
ctlsock_drop_faulty(struct supervisor *sv)
{
	uint32_t i;

	for (i = 0; i < MP_MAX_CLIENTS; i++) {
		struct sv_client *c = sv->clients[i];

		if (c != NULL && atomic_load(&sv->q.d->cl[i].state) == DC_FAULTY) {
			log_msg(LOG_WARNING, "client pid %ld broke its rings: "
			    "disconnected", (long)c->pid);
			drop_client(sv, c);
		}
	}
}

void
ctlsock_close(struct supervisor *sv)
{
	if (sv->listener != NULL)
		evconnlistener_free(sv->listener);
	sv->listener = NULL;
	if (sv->accept_timer != NULL)
		event_free(sv->accept_timer);
	sv->accept_timer = NULL;
	while (!TAILQ_EMPTY(&sv->conns))
		drop_client(sv, TAILQ_FIRST(&sv->conns));
	if (sv->spare_fd >= 0)
		close(sv->spare_fd);
	sv->spare_fd = -1;
	if (sv->lock_fd >= 0) {
		unlink(sv->sock_path);
		unlink(sv->lock_path);  /* still locked: see take_lock */
		close(sv->lock_fd);
		sv->lock_fd = -1;
	}
}
