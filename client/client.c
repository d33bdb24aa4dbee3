/*
 * client.c - libmeshpool's side of the daemon: registration over the
 * control socket, then everything through shared memory (port.c).
 *
 * Liveness without syscalls on the fast path: the daemon's state word in
 * the instance header (read-only here) says STOPPED when it exits
 * cleanly; a daemon killed
 * outright is noticed on the socket (EOF), which mp_poll looks at only
 * when it has nothing to return, and at most every 10 ms.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "meshpool.h"
#include "layout.h"
#include "port.h"
#include "edits.h"
#include "proto.h"
#include "request.h"
#include "slab.h"
#include "sockpath.h"

#define CHECK_EVERY_NS   10000000u      /* socket liveness check, at most */
#define WAIT_SLICE_MS    100            /* mp_wait re-checks liveness */
#define CONNECT_TIMEOUT  5000

struct mp_client {
	int              sock;
	struct mapping { void *mem; size_t size; } cseg, inst, arena;
	struct slab_arena arena_view;
	const struct inst_hdr *ih;
	struct port      port;
	int              port_open;
	uint64_t         checked_ns;
	int              gone;
};


/* --- registration --------------------------------------------------------- */

/* Why the last mp_connect of this thread failed ("" when it did not): one
 * per thread, as a game may connect from any of its threads. */
static __thread char connect_problem[1024];

const char *
mp_connect_problem(void)
{
	return connect_problem[0] != '\0' ? connect_problem : NULL;
}

/* Read the daemon's one-line answer and any fds sent with it. */
static int
read_answer(int s, char *line, size_t len, int fds[PROTO_NFDS], int *nfds)
{
	size_t got = 0;

	*nfds = 0;
	while (got + 1 < len) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(PROTO_NFDS * sizeof(int))];
		} u;
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		struct iovec iov = { line + got, len - 1 - got };
		struct msghdr msg;
		struct cmsghdr *cm;
		ssize_t n;

		if (poll(&pfd, 1, CONNECT_TIMEOUT) <= 0)
			return MP_ETIMEDOUT;
		memset(&msg, 0, sizeof msg);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof u.buf;
		if ((n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC)) <= 0)
			return MP_ENOENT;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
			    *nfds == 0) {
				int k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));

				if (k > PROTO_NFDS)
					k = PROTO_NFDS;   /* the kernel truncated it */
				memcpy(fds, CMSG_DATA(cm), (size_t)k * sizeof(int));
				*nfds = k;
			}
		got += (size_t)n;
		line[got] = '\0';
		if (memchr(line, '\n', got) != NULL)
			return MP_OK;
	}
	return MP_EPROTO;
}

/* Map fd (at least bytes long) into m: MP_OK, MP_EPROTO (not the size the
 * daemon said), or MP_EIO (mmap failed: address space, map count). */
static int
map_fd(struct mapping *m, int fd, uint64_t bytes, int writable)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < bytes || bytes == 0)
		return MP_EPROTO;
	m->mem = mmap(NULL, (size_t)bytes, writable ? PROT_READ | PROT_WRITE :
	    PROT_READ, MAP_SHARED, fd, 0);
	if (m->mem == MAP_FAILED) {
		m->mem = NULL;
		return MP_EIO;
	}
	m->size = (size_t)bytes;
	return MP_OK;
}

static int
map_segments(mp_client *c, const struct proto_welcome *w,
    const int fds[PROTO_NFDS])
{
	struct cseg_view cv;
	int r;

	r = map_fd(&c->cseg, fds[PROTO_FD_CSEG], w->cseg_bytes, 1);
	if (r == MP_OK)
		r = map_fd(&c->inst, fds[PROTO_FD_INST], w->inst_bytes, 0);
	if (r == MP_OK)
		r = map_fd(&c->arena, fds[PROTO_FD_ARENA], w->arena_bytes, 0);
	if (r != MP_OK)
		return r;
	c->ih = c->inst.mem;
	if (inst_attach(c->ih, c->inst.size) != 0 ||
	    cseg_attach(&cv, c->cseg.mem, c->cseg.size) != 0 ||
	    slab_arena_attach(&c->arena_view, c->arena.mem, c->arena.size) != 0 ||
	    cv.h->slot != w->slot || cv.h->gen != w->gen)
		return MP_EPROTO;
	if (port_open(&c->port, &cv, c->ih) != 0)
		return MP_ENOMEM;
	c->port_open = 1;
	return MP_OK;
}

static int
register_with(mp_client *c, const char *path)
{
	char line[PROTO_LINE_MAX], msg[128];
	struct proto_hello h = { MP_ABI, (int32_t)getpid() };
	struct proto_welcome w;
	int fds[PROTO_NFDS], nfds = 0, r, code = MP_OK, i;
	int n = proto_format_hello(line, sizeof line, &h);

	/* A refusal may already be waiting: read the answer even if the
	 * hello could not be sent. */
	(void)send(c->sock, line, (size_t)n, MSG_NOSIGNAL);
	r = read_answer(c->sock, line, sizeof line, fds, &nfds);
	if (r == MP_OK && proto_parse_error(line, &code, msg, sizeof msg) == 0)
		r = code;
	else if (r == MP_OK && (proto_parse_welcome(line, &w) != 0 ||
	    nfds != PROTO_NFDS))
		r = MP_EPROTO;
	else if (r == MP_OK)
		r = map_segments(c, &w, fds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (r != MP_OK && r == code)
		snprintf(connect_problem, sizeof connect_problem, "meshpoold at %s "
		    "refused this client: %s", path, msg);
	else if (r != MP_OK)
		snprintf(connect_problem, sizeof connect_problem, "meshpoold at %s: "
		    "registration failed: %s", path, mp_strerror(r));
	return r;
}

static void
unmap(struct mapping *m)
{
	if (m->mem != NULL)
		munmap(m->mem, m->size);
	m->mem = NULL;
}

void
mp_disconnect(mp_client *c)
{
	if (c == NULL)
		return;
	if (c->sock >= 0)
		close(c->sock);
	if (c->port_open)
		port_close(&c->port);
	unmap(&c->cseg);
	unmap(&c->inst);
	unmap(&c->arena);
	free(c);
}

int
mp_connect(const char *instance, mp_client **out)
{
	char path[SOCK_PATH_MAX];
	mp_client *c;
	int r;

	connect_problem[0] = '\0';
	if (out == NULL) {
		snprintf(connect_problem, sizeof connect_problem, "out is NULL");
		return MP_EINVAL;
	}
	*out = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL) {
		snprintf(connect_problem, sizeof connect_problem, "out of memory");
		return MP_ENOMEM;
	}
	c->sock = -1;
	r = instance_dial(instance, &c->sock, connect_problem,
	    sizeof connect_problem);
	if (r == MP_OK) {
		snprintf(path, sizeof path, "%s", connect_problem);
		connect_problem[0] = '\0';
		r = register_with(c, path);
	}
	if (r != MP_OK) {
		mp_disconnect(c);
		return r;
	}
	*out = c;
	return MP_OK;
}

/* --- liveness --------------------------------------------------------------- */

static int
daemon_gone(mp_client *c, int force)
{
	uint64_t now;
	char b;

	if (c->gone)
		return 1;
	if (atomic_load(&c->ih->state) == INST_STOPPED)
		return c->gone = 1;
	now = mono_ns();
	if (!force && now - c->checked_ns < CHECK_EVERY_NS)
		return 0;
	c->checked_ns = now;
	/* The daemon never writes to a registered client's socket, so any
	 * readiness here is its end. */
	if (recv(c->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0 ||
	    (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		return c->gone = 1;
	return 0;
}

/* --- submit and poll -------------------------------------------------------- */

static int
accepting(mp_client *c)
{
	uint32_t s = atomic_load(&c->ih->state);

	if (c->gone || s == INST_STOPPED)
		return MP_EDISCONNECTED;
	return s == INST_RUNNING ? MP_OK : MP_ESHUTDOWN;
}

int
mp_submit(mp_client *c, const mp_request *r)
{
	int e;

	if (c == NULL || r == NULL || request_problem(r) != NULL)
		return MP_EINVAL;
	if ((e = accepting(c)) != MP_OK)
		return e;
	return port_submit(&c->port, r);
}

int
mp_submit_batch(mp_client *c, const mp_request *r, size_t n)
{
	size_t i, ok;

	if (c == NULL || (r == NULL && n > 0))
		return MP_EINVAL;
	if (accepting(c) != MP_OK)
		return 0;
	for (ok = 0; ok < n && request_problem(&r[ok]) == NULL; ok++)
		;
	i = port_submit_batch(&c->port, r, ok);
	return (int)(i > (size_t)INT32_MAX ? INT32_MAX : i);
}

int
mp_poll(mp_client *c, mp_result *out, size_t max)
{
	int n;

	if (c == NULL || (out == NULL && max > 0))
		return MP_EINVAL;
	if (max > INT32_MAX)
		max = INT32_MAX;
	if ((n = port_poll(&c->port, out, max)) < 0)
		return MP_EDISCONNECTED;        /* the daemon broke our ring */
	if (n > 0)
		return n;
	return daemon_gone(c, 0) ? MP_EDISCONNECTED : 0;
}

int
mp_submit_edited(mp_client *c, const mp_request *r, const mp_edits *e)
{
	mp_brush *b;
	long n;
	int err;

	if (c == NULL || r == NULL || request_problem(r) != NULL)
		return MP_EINVAL;
	if ((err = accepting(c)) != MP_OK)
		return err;
	if ((n = edits_for_request(e, r, &b)) < 0)
		return (int)n;
	err = port_submit_brushes(&c->port, r, b, (uint32_t)n);
	free(b);
	return err;
}

int
mp_submit_group(mp_client *c, const mp_request *r, size_t n, const mp_edits *e)
{
	mp_brush **b = NULL;
	uint32_t *nb = NULL;
	size_t i;
	long k;
	int err = MP_ENOMEM;

	if (c == NULL || (r == NULL && n > 0))
		return MP_EINVAL;
	for (i = 0; i < n; i++)
		if (request_problem(&r[i]) != NULL)
			return MP_EINVAL;
	if ((err = accepting(c)) != MP_OK)
		return err;
	if (n > c->port.seg.geo.cq_cap)
		return MP_EINVAL;       /* more than can ever be in flight */
	if ((b = calloc(n + 1, sizeof *b)) == NULL ||
	    (nb = calloc(n + 1, sizeof *nb)) == NULL) {
		err = MP_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((k = edits_for_request(e, &r[i], &b[i])) < 0) {
			err = (int)k;
			goto out;
		}
		nb[i] = (uint32_t)k;
	}
	err = port_submit_group(&c->port, r, n, (const mp_brush *const *)b, nb);
out:
	for (i = 0; b != NULL && i < n; i++)
		free(b[i]);
	free(b);
	free(nb);
	return err;
}

/* Sleep in slices, so a daemon killed outright is noticed within one. */
static int
wait_for(mp_client *c, uint32_t want, int all, int timeout_ms)
{
	uint64_t until = timeout_ms < 0 ? UINT64_MAX :
	    mono_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		uint64_t now = mono_ns();
		int slice = WAIT_SLICE_MS;

		if (port_wait_results(&c->port, want, all, 0))
			return MP_OK;
		if (daemon_gone(c, 1))
			return MP_EDISCONNECTED;
		if (now >= until)
			return MP_ETIMEDOUT;
		if (until - now < (uint64_t)slice * 1000000u)
			slice = (int)((until - now + 999999) / 1000000);
		if (port_wait_results(&c->port, want, all, slice))
			return MP_OK;
	}
}

int
mp_wait(mp_client *c, int timeout_ms)
{
	if (c == NULL)
		return MP_EINVAL;
	return wait_for(c, 1, 0, timeout_ms);
}

int
mp_drain(mp_client *c, int timeout_ms)
{
	if (c == NULL)
		return MP_EINVAL;
	if (c->port.in_flight == 0)
		return MP_OK;
	return wait_for(c, c->port.in_flight, 1, timeout_ms);
}

int
mp_cancel(mp_client *c, uint64_t user_data)
{
	if (c == NULL)
		return MP_EINVAL;
	return port_cancel(&c->port, user_data);
}

size_t
mp_pending(const mp_client *c)
{
	return c == NULL ? 0 : c->port.in_flight;
}

int
mp_unfinished(const mp_client *c, mp_request *out, size_t max)
{
	size_t n;

	if (c == NULL || (out == NULL && max > 0))
		return MP_EINVAL;
	n = port_unfinished(&c->port, out, max);
	return (int)(n > (size_t)INT32_MAX ? INT32_MAX : n);
}

/* --- meshes ----------------------------------------------------------------- */

int
mp_mesh(mp_client *c, const mp_result *r, mp_mesh_view *v)
{
	struct mesh_slab_map map;
	const unsigned char *p;
	size_t bytes;

	if (c == NULL || r == NULL || v == NULL || r->status != MP_OK)
		return MP_EINVAL;
	memset(v, 0, sizeof *v);
	if (r->handle == 0)
		return r->vertex_count == 0 ? MP_OK : MP_EINVAL;
	map = mesh_slab_map(r->vertex_count, r->index_count);
	if ((p = slab_ptr(&c->arena_view, r->handle, &bytes)) == NULL ||
	    map.bytes > bytes)
		return MP_EINVAL;
	v->positions = (const float *)p;
	v->normals = (const float *)(p + map.normals);
	v->indices = (const uint32_t *)(p + map.indices);
	v->materials = p + map.materials;
	v->vertex_count = r->vertex_count;
	v->index_count = r->index_count;
	return MP_OK;
}

void
mp_release(mp_client *c, const mp_result *r)
{
	if (c == NULL || r == NULL || r->handle == 0)
		return;
	/* The ring holds every slab we can own at once (daemon's sizing), so
	 * it is never full; if it were, the slab is freed when we leave. */
	(void)port_release(&c->port, r->handle);
}
