/*
 * supervisor.c - meshpoold's supervisor: lays out the segments, forks and
 * replaces workers, and stops cleanly.  Single-threaded on a libevent loop:
 * signals (evsignal), the control socket (evconnlistener, ctlsock.c), and
 * a pipe workers write to when a client breaks its rings.  There is no
 * periodic timer: an idle daemon does not wake up.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "log.h"
#include "monotime.h"
#include "supervisor.h"

#define MiB ((uint64_t)1 << 20)
#define SCRATCH_PER_WORKER (64 * MiB)   /* sample grids + mesh, worst case */


static uint32_t
pow2_at_least(uint64_t x)
{
	uint32_t p = 1;

	while (p < x && p < (1u << 30))
		p <<= 1;
	return p;
}

static int check_memory(const struct supervisor *sv, uint32_t workers,
    uint64_t arena);
static void arm_idle_timer(struct supervisor *sv);

/* --- workers -------------------------------------------------------------- */

static void
set_title(struct supervisor *sv, uint32_t i)
{
	char name[16];

	if (sv->title != NULL && sv->title_len > 1) {
		memset(sv->title, 0, sv->title_len);
		snprintf(sv->title, sv->title_len, "meshpoold: worker %u", i);
	}
	snprintf(name, sizeof name, "mp-worker-%u", i);
	prctl(PR_SET_NAME, name);
}

/* In the child: nothing of the supervisor's but the mappings and the
 * notify pipe; default signal dispositions; die with the supervisor. */
static void
become_worker(struct supervisor *sv, uint32_t i, pid_t parent,
    const sigset_t *mask)
{
	struct worker_opts o = {
		.spin_ns = 50000,
		.grow_fd = 3,
	};
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD,
	    SIGALRM, SIGPIPE };
	int fd, maxfd;
	size_t k;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);               /* the supervisor is already gone */
	for (k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
		signal(sigs[k], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);   /* now signals are our own */
	fd = dup2(sv->notify[1], 3);
	maxfd = (int)sysconf(_SC_OPEN_MAX);
	for (fd = 4; fd < maxfd && fd < 65536; fd++)
		close(fd);
	sv->q.notify_fd = 3;
	set_title(sv, i);
	worker_main(&sv->q, i, &o);
}

static void
spawn(struct supervisor *sv, uint32_t i)
{
	pid_t parent = getpid(), pid;
	sigset_t all, old;

	q_worker_start(&sv->q, i, 0);
	/*
	 * Signals stay blocked across fork until the child has put back the
	 * default handlers: a SIGTERM (scale down) reaching a child that still
	 * had libevent's handler would be written into the supervisor's own
	 * signal pipe, and the supervisor would stop.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		log_msg(LOG_ERR, "fork worker %u: %s", i, strerror(errno));
		return;
	}
	if (pid == 0)
		become_worker(sv, i, parent, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sv->w[i].pid = pid;
	sv->w[i].started_ns = mono_ns();
	sv->w[i].done_at_start = sv->q.d->w[i].done;
}

static void
respawn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sv_worker *w = arg;

	(void)fd, (void)what;
	if (!w->sv->stopping && w->pid == 0 && w->index < w->sv->nworkers)
		spawn(w->sv, w->index);
}

/* A worker that dies within a second of starting without completing a
 * single request is restarted after a pause that doubles up to 5 s, so a
 * crash loop cannot make us spin; one that did work (killed from outside,
 * or by a bad request) is replaced at once. */
static void
schedule_respawn(struct supervisor *sv, uint32_t i)
{
	struct sv_worker *w = &sv->w[i];
	uint64_t lived = mono_ns() - w->started_ns;
	struct timeval tv;

	if (lived > 1000000000u || sv->q.d->w[i].done != w->done_at_start)
		w->backoff_ms = 0;
	else
		w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 : 100;
	if (w->backoff_ms > 5000)
		w->backoff_ms = 5000;
	if (w->backoff_ms == 0) {
		spawn(sv, i);
		return;
	}
	log_msg(LOG_WARNING, "worker %u died %.0f ms after start; restarting in "
	    "%u ms", i, lived / 1e6, w->backoff_ms);
	tv.tv_sec = w->backoff_ms / 1000;
	tv.tv_usec = (long)(w->backoff_ms % 1000) * 1000;
	evtimer_add(w->respawn, &tv);
}

static void
reap(struct supervisor *sv, pid_t pid, int status)
{
	uint32_t i;
	int r;

	for (i = 0; i < Q_MAX_WORKERS && sv->w[i].pid != pid; i++)
		;
	if (i == Q_MAX_WORKERS)
		return;
	sv->w[i].pid = 0;
	if (sv->w[i].retiring) {            /* scaled down: it left */
		q_recover(&sv->q, i, 0);
		sv->w[i].retiring = 0;
		log_msg(LOG_INFO, "worker %u (pid %ld) retired", i, (long)pid);
		if (i < sv->nworkers && !sv->stopping)
			spawn(sv, i);           /* scaled up again meanwhile */
		return;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		r = q_recover(&sv->q, i, MP_ETIMEDOUT);
		log_msg(LOG_WARNING, "worker %u (pid %ld) ran past request_timeout "
		    "(%u s): killed, request failed with MP_ETIMEDOUT", i,
		    (long)pid, sv->cfg.request_timeout_s);
	} else {
		r = q_recover(&sv->q, i, 0);
		if (sv->stopping && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
			return;
		log_msg(LOG_WARNING, "worker %u (pid %ld) %s %d%s", i, (long)pid,
		    WIFSIGNALED(status) ? "killed by signal" : "exited with",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		    r == 1 ? ": its request was put back" :
		    r == MP_EWORKER ? ": its request killed two workers, failed "
		    "with MP_EWORKER" : "");
	}
	if (sv->stopping)
		return;
	sv->restarts++;
	schedule_respawn(sv, i);
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *sv = arg;
	pid_t pid;
	int status;

	(void)sig, (void)what;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		reap(sv, pid, status);
}

/* --- stopping ------------------------------------------------------------- */

static uint32_t
live_workers(const struct supervisor *sv)
{
	uint32_t i, n = 0;

	for (i = 0; i < Q_MAX_WORKERS; i++)
		n += sv->w[i].pid > 0;
	return n;
}

/* Tell the workers whether asking for one more worker can help. */
static void
publish_growth(struct supervisor *sv)
{
	atomic_store(&sv->q.d->grow_ok, config_dynamic(&sv->cfg) &&
	    !sv->stopping && sv->nworkers < sv->cfg.max_workers);
}

int
sv_scale(struct supervisor *sv, uint32_t n, char *why, size_t len)
{
	uint32_t i;

	if (n < 1 || n > Q_MAX_WORKERS) {
		snprintf(why, len, "workers: 1..%d", Q_MAX_WORKERS);
		return -1;
	}
	if (sv->stopping) {
		snprintf(why, len, "stopping");
		return -1;
	}
	if (check_memory(sv, n, sv->q.arena.h->total_bytes) != 0) {
		snprintf(why, len, "%u workers do not fit in 80%% of memory", n);
		return -1;
	}
	for (i = sv->nworkers; i < n; i++)          /* up */
		if (sv->w[i].pid == 0)
			spawn(sv, i);
		/* else it was told to leave and will: reap() replaces it,
		 * since its slot is wanted again */
	for (i = n; i < sv->nworkers; i++)          /* down */
		if (sv->w[i].pid > 0) {
			sv->w[i].retiring = 1;
			evtimer_del(sv->w[i].respawn);
			kill(sv->w[i].pid, SIGTERM);
		}
	log_msg(LOG_INFO, "scaled from %u to %u workers", sv->nworkers, n);
	sv->nworkers = n;
	publish_growth(sv);
	arm_idle_timer(sv);
	return 0;
}

void
sv_drain(struct supervisor *sv)
{
	if (sv->stopping || sv->draining)
		return;
	sv->draining = 1;
	atomic_store(&sv->q.ctl.h->state, CTL_DRAINING);
	log_msg(LOG_INFO, "draining: no new requests or clients; finishing "
	    "what is queued");
}

/* Kill what is left of the workers and leave the loop. */
static void
finish(struct supervisor *sv, int sig)
{
	uint64_t until = mono_ns() + 2000000000u;
	uint32_t i;
	int status;
	pid_t pid;

	atomic_store(&sv->q.ctl.h->state, CTL_STOPPED);
	for (i = 0; i < Q_MAX_WORKERS; i++)
		if (sv->w[i].pid > 0)
			kill(sv->w[i].pid, sig);
	while (live_workers(sv) > 0) {
		if ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			reap(sv, pid, status);
			continue;
		}
		if (mono_ns() > until) {
			for (i = 0; i < Q_MAX_WORKERS; i++)
				if (sv->w[i].pid > 0)
					kill(sv->w[i].pid, SIGKILL);
			until = UINT64_MAX;
		}
		usleep(2000);
	}
	ctlsock_close(sv);
	event_base_loopbreak(sv->base);
}

/* During a graceful stop only: check every 10 ms whether the requests
 * that were running have finished. */
static void
stop_tick(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	struct q_stats st;
	struct timeval tv = { 0, 10000 };

	(void)fd, (void)what;
	q_fail_queued(&sv->q, MP_ESHUTDOWN);
	q_stats(&sv->q, &st);
	if (st.busy_workers == 0 || live_workers(sv) == 0) {
		log_msg(LOG_INFO, "stopped: %llu requests completed",
		    (unsigned long long)st.completed);
		finish(sv, SIGTERM);
		return;
	}
	evtimer_add(sv->stop_timer, &tv);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *sv = arg;
	uint32_t n;

	(void)what;
	if (sig == SIGQUIT) {
		log_msg(LOG_INFO, "SIGQUIT: stopping now");
		sv->stopping = 1;
		finish(sv, SIGKILL);
		return;
	}
	if (sv->stopping)
		return;
	sv->stopping = 1;
	publish_growth(sv);
	atomic_store(&sv->q.ctl.h->state, CTL_DRAINING);
	evconnlistener_disable(sv->listener);
	n = q_fail_queued(&sv->q, MP_ESHUTDOWN);
	log_msg(LOG_INFO, "%s: stopping; %u queued requests completed with "
	    "MP_ESHUTDOWN, finishing those in progress", strsignal((int)sig), n);
	stop_tick(-1, 0, sv);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	char why[256];

	(void)sig, (void)what;
	sv_reload(arg, why, sizeof why);
}

/* --- autoscaling (dynamic mode: min_workers < max_workers) ---------------- */

/* A worker saw requests waiting with every worker busy: one more, at most
 * one per 100 ms (the new one needs a moment to start taking work). */
static void
grow(struct supervisor *sv)
{
	char why[128];
	uint64_t now = mono_ns();

	if (!config_dynamic(&sv->cfg) || sv->stopping ||
	    sv->nworkers >= sv->cfg.max_workers ||
	    now - sv->last_grow_ns < 100000000u)
		return;
	sv->last_grow_ns = now;
	if (sv_scale(sv, sv->nworkers + 1, why, sizeof why) != 0)
		log_msg(LOG_INFO, "autoscale: not growing: %s", why);
}

/* Armed only while above min_workers, so a pool at its floor has no timer
 * and an idle daemon no wake-up at all. */
static void
arm_idle_timer(struct supervisor *sv)
{
	struct timeval tv = { (time_t)sv->cfg.idle_timeout_s, 0 };

	if (sv->idle_timer == NULL)
		return;
	if (config_dynamic(&sv->cfg) && !sv->stopping &&
	    sv->nworkers > sv->cfg.min_workers) {
		if (!evtimer_pending(sv->idle_timer, NULL))
			evtimer_add(sv->idle_timer, &tv);
	} else
		evtimer_del(sv->idle_timer);
}

/* One worker fewer if one has slept through a whole idle_timeout. */
static void
idle_tick(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	uint64_t now = mono_ns(), limit = sv->cfg.idle_timeout_s * 1000000000ull;
	uint32_t i;
	char why[128];

	(void)fd, (void)what;
	for (i = 0; i < sv->nworkers; i++) {
		uint64_t since = atomic_load(&sv->q.d->w[i].parked_ns);

		if (since != 0 && now - since >= limit &&
		    sv->nworkers > sv->cfg.min_workers) {
			log_msg(LOG_INFO, "autoscale: a worker slept %u s: %u -> %u "
			    "workers", sv->cfg.idle_timeout_s, sv->nworkers,
			    sv->nworkers - 1);
			sv_scale(sv, sv->nworkers - 1, why, sizeof why);
			break;
		}
	}
	arm_idle_timer(sv);
}

static void
on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct supervisor *sv = arg;
	char buf[64];
	ssize_t n, i;
	int fault = 0, more = 0;

	(void)what;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++) {
			fault |= buf[i] == NOTIFY_FAULT;
			more |= buf[i] == NOTIFY_GROW;
		}
	if (fault)
		ctlsock_drop_faulty(sv);
	if (more) {
		atomic_store(&sv->q.d->grow_asked, 0);
		grow(sv);
	}
}

/* --- configuration ------------------------------------------------------- */

int
sv_configure(struct supervisor *sv, struct config *out, char *why, size_t len)
{
	struct config c;
	const char *bad;

	config_defaults(&c);
	if (config_load(sv->config_path, !sv->config_given, &c, why, len) != 0)
		return -1;
	if ((bad = config_merge(&c, &sv->flags)) != NULL) {
		snprintf(why, len, "%s (with the command line)", bad);
		return -1;
	}
	*out = c;
	return 0;
}

int
sv_reload(struct supervisor *sv, char *why, size_t len)
{
	struct config c, old = sv->cfg;
	uint32_t n;

	if (sv_configure(sv, &c, why, len) != 0) {
		log_msg(LOG_ERR, "reload: %s; keeping the configuration in force",
		    why);
		return -1;
	}
	if (c.arena_mb != old.arena_mb || c.max_clients != old.max_clients ||
	    c.lane_depth != old.lane_depth || strcmp(c.socket, old.socket) != 0 ||
	    strcmp(c.group, old.group) != 0 || c.mode != old.mode)
		log_msg(LOG_WARNING, "reload: arena_mb, max_clients, lane_depth, "
		    "socket, group and mode take effect at the next start");
	c.arena_mb = old.arena_mb, c.max_clients = old.max_clients;
	c.lane_depth = old.lane_depth;
	memcpy(c.socket, old.socket, sizeof c.socket);
	memcpy(c.group, old.group, sizeof c.group);
	c.gid = old.gid, c.mode = old.mode;
	sv->cfg = c;
	log_set_level(c.log_level);
	atomic_store(&sv->q.d->timeout_ms, c.request_timeout_s * 1000);
	publish_growth(sv);
	n = !config_dynamic(&c) ? c.min_workers :
	    sv->nworkers < c.min_workers ? c.min_workers :
	    sv->nworkers > c.max_workers ? c.max_workers : sv->nworkers;
	if (n != sv->nworkers && sv_scale(sv, n, why, len) != 0)
		log_msg(LOG_WARNING, "reload: cannot run %u workers: %s", n, why);
	arm_idle_timer(sv);
	log_msg(LOG_INFO, "reloaded %s: workers %u..%u (%u running), "
	    "request_timeout %u s, idle_timeout %u s", sv->config_path,
	    c.min_workers, c.max_workers, sv->nworkers, c.request_timeout_s,
	    c.idle_timeout_s);
	return 0;
}

/* --- start ------------------------------------------------------------- */

static int
check_memory(const struct supervisor *sv, uint32_t workers, uint64_t arena)
{
	uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) *
	    (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t need = arena + workers * SCRATCH_PER_WORKER;

	(void)sv;
	if (need > ram / 10 * 8) {
		log_msg(LOG_ERR, "arena (%llu MiB) + %u workers' scratch (%llu MiB) "
		    "exceeds 80%% of memory (%llu MiB): lower arena_mb or workers",
		    (unsigned long long)(arena / MiB), workers,
		    (unsigned long long)(workers * SCRATCH_PER_WORKER / MiB),
		    (unsigned long long)(ram / MiB));
		return -1;
	}
	return 0;
}

static int
make_segments(struct supervisor *sv)
{
	const struct config *c = &sv->cfg;
	uint32_t page = MAX_MESH_BYTES;
	uint64_t arena = (uint64_t)c->arena_mb * MiB, cap = arena / 4;
	struct ctl_geometry geo = {
		.nclients = c->max_clients,
		.lane_cap = pow2_at_least(c->lane_depth),
		.cq_cap = pow2_at_least((uint64_t)c->lane_depth * CTL_LANES),
		.rel_cap = pow2_at_least(cap / SLAB_MIN),
	};
	struct ctl_view cv;
	struct slab_arena a;
	char err[256];

	if (check_memory(sv, sv->nworkers, arena) != 0)
		return -1;
	if (ctl_bytes(&geo) == 0) {
		log_msg(LOG_ERR, "bad geometry: max_clients 1..%d, lane_depth "
		    "1..65536", CTL_MAX_CLIENTS);
		return -1;
	}
	if (shm_create(&sv->ctl_seg, "ctl", ctl_bytes(&geo), 0, err, sizeof err) != 0 ||
	    shm_create(&sv->dmn_seg, "dmn", q_bytes(), 0, err, sizeof err) != 0 ||
	    shm_create(&sv->arena_seg, "arena", slab_arena_bytes(page,
	    (uint32_t)(arena / page)), 1, err, sizeof err) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return -1;
	}
	if (ctl_init(&cv, sv->ctl_seg.base, sv->ctl_seg.size, &geo, getpid(),
	    (uint32_t)time(NULL)) != 0 ||
	    slab_arena_init(&a, sv->arena_seg.base, sv->arena_seg.size, page,
	    cap) != 0 || q_init(&sv->q, sv->dmn_seg.base, &cv, &a,
	    Q_MAX_WORKERS) != 0) {
		log_msg(LOG_ERR, "cannot lay out shared memory (arena_mb %u)",
		    c->arena_mb);
		return -1;
	}
	sv->q.notify_fd = sv->notify[1];
	atomic_store(&sv->q.d->timeout_ms, c->request_timeout_s * 1000);
	publish_growth(sv);
	return 0;
}

static int
add_signal(struct supervisor *sv, int k, int sig, event_callback_fn cb)
{
	sv->sig[k] = evsignal_new(sv->base, sig, cb, sv);
	return sv->sig[k] == NULL || evsignal_add(sv->sig[k], NULL) != 0 ? -1 : 0;
}

int
sv_start(struct supervisor *sv)
{
	uint32_t i;

	sv->nworkers = sv->cfg.start_workers;
	sv->started_ns = mono_ns();
	signal(SIGPIPE, SIG_IGN);
	if ((sv->base = event_base_new()) == NULL)
		return -1;
	if (pipe2(sv->notify, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	if (ctlsock_open(sv) != 0)
		return -1;
	if (make_segments(sv) != 0) {
		ctlsock_close(sv);
		return -1;
	}
	if (add_signal(sv, 0, SIGTERM, on_stop) || add_signal(sv, 1, SIGINT, on_stop) ||
	    add_signal(sv, 2, SIGQUIT, on_stop) || add_signal(sv, 3, SIGHUP, on_hup) ||
	    add_signal(sv, 4, SIGCHLD, on_sigchld))
		return -1;
	sv->notify_ev = event_new(sv->base, sv->notify[0], EV_READ | EV_PERSIST,
	    on_notify, sv);
	sv->stop_timer = evtimer_new(sv->base, stop_tick, sv);
	sv->idle_timer = evtimer_new(sv->base, idle_tick, sv);
	if (sv->notify_ev == NULL || sv->stop_timer == NULL ||
	    sv->idle_timer == NULL ||
	    event_add(sv->notify_ev, NULL) != 0)
		return -1;
	for (i = 0; i < Q_MAX_WORKERS; i++) {
		sv->w[i].sv = sv;
		sv->w[i].index = i;
		sv->w[i].respawn = evtimer_new(sv->base, respawn_cb, &sv->w[i]);
		if (i < sv->nworkers)
			spawn(sv, i);
	}
	atomic_store(&sv->q.ctl.h->state, CTL_RUNNING);
	arm_idle_timer(sv);
	log_msg(LOG_INFO, "instance %s: %u workers (%s %u..%u), arena %u MiB, "
	    "socket %s", sv->name, sv->nworkers, config_dynamic(&sv->cfg) ?
	    "dynamic" : "static", sv->cfg.min_workers, sv->cfg.max_workers,
	    sv->cfg.arena_mb, sv->sock_path);
	return 0;
}

int
sv_run(struct supervisor *sv)
{
	event_base_dispatch(sv->base);
	shm_destroy(&sv->ctl_seg);
	shm_destroy(&sv->dmn_seg);
	shm_destroy(&sv->arena_seg);
	return 0;
}
