/*
 * supervisor.c - meshpoold's supervisor: lays out the segments, forks and
 * replaces workers, and stops cleanly.  Single-threaded on a libevent loop:
 * signals (evsignal), the control socket (evconnlistener, ctlsock.c), and
 * a pipe workers write to when a client breaks its rings, when they want
 * another worker, or when they start running and the watchdog is off
 * (watchdog.c).  An idle daemon has no timer at all: it does not wake up.
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
#define RESPAWN_FIRST_MS   100          /* restart throttle: first pause */
#define RESPAWN_MAX_MS     5000         /* ... doubling up to this */
#define WORKER_NOTIFY_FD   3            /* in a worker: the notify pipe */
#define WORKER_CHAN_FD     4            /* in a worker: its channel */

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

/* In the child: nothing of the supervisor's but the mappings, the notify
 * pipe and its own channel; default signal dispositions; die with the
 * supervisor. */
static void
become_worker(struct supervisor *sv, uint32_t i, int chan, pid_t parent,
    const sigset_t *mask)
{
	struct worker_opts o = { .spin_ns = 50000 };
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
	/* Out of the way of the fixed numbers before they are taken. */
	if ((chan = fcntl(chan, F_DUPFD, WORKER_CHAN_FD + 1)) < 0 ||
	    dup2(sv->notify[1], WORKER_NOTIFY_FD) < 0 ||
	    dup2(chan, WORKER_CHAN_FD) < 0)
		_exit(1);
	maxfd = (int)sysconf(_SC_OPEN_MAX);
	for (fd = WORKER_CHAN_FD + 1; fd < maxfd && fd < 65536; fd++)
		close(fd);
	sv->q.notify_fd = WORKER_NOTIFY_FD;
	for (k = 0; k < MP_MAX_WORKERS; k++)
		sv->q.wchan[k] = -1;    /* closed above */
	q_worker_enter(&sv->q, i, WORKER_CHAN_FD);
	set_title(sv, i);
	worker_main(&sv->q, i, &o);
}

static void schedule_respawn(struct supervisor *sv, uint32_t i, int failed);

/* Start worker i: 0, or -1 if fork failed (a retry is scheduled). */
static int
spawn(struct supervisor *sv, uint32_t i)
{
	struct sv_worker *w = &sv->w[i];
	pid_t parent = getpid(), pid = -1;
	sigset_t all, old;
	int chan;

	if ((chan = q_worker_start(&sv->q, i)) < 0) {
		w->spawn_errno = errno;
		schedule_respawn(sv, i, 1);
		return -1;
	}
	/*
	 * Signals stay blocked across fork until the child has put back the
	 * default handlers: a SIGTERM (scale down) reaching a child that still
	 * had libevent's handler would be written into the supervisor's own
	 * signal pipe, and the supervisor would stop.
	 */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
#ifdef MP_FAULT_INJECTION
	if (getenv("MESHPOOL_FI_FORK_FAIL") != NULL &&
	    access(getenv("MESHPOOL_FI_FORK_FAIL"), F_OK) == 0)
		errno = EAGAIN;         /* test builds: fork "fails" */
	else
#endif
	pid = fork();
	if (pid == 0)
		become_worker(sv, i, chan, parent, &old);
	w->spawn_errno = pid < 0 ? errno : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	q_worker_started(&sv->q, i, pid, chan);
	if (pid < 0) {
		log_msg(LOG_ERR, "cannot start worker %u: fork: %s; retrying", i,
		    strerror(w->spawn_errno));
		schedule_respawn(sv, i, 1);
		return -1;
	}
	w->pid = pid;
	w->timed_out = 0;
	w->stopped_ns = 0;
	w->started_ns = mono_ns();
	w->done_at_start = sv->q.d->w[i].done;
	watch_arm(sv);          /* it runs until it first parks */
	return 0;
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
 * single request, or that could not be forked, is started again after a
 * pause that doubles up to 5 s, so a crash loop cannot make us spin; one
 * that did work (killed from outside, or by a bad request) is replaced at
 * once. */
static void
schedule_respawn(struct supervisor *sv, uint32_t i, int failed)
{
	struct sv_worker *w = &sv->w[i];
	uint64_t lived = mono_ns() - w->started_ns;
	struct timeval tv;

	if (!failed && (lived > 1000000000u ||
	    sv->q.d->w[i].done != w->done_at_start))
		w->backoff_ms = 0;
	else
		w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 : RESPAWN_FIRST_MS;
	if (w->backoff_ms > RESPAWN_MAX_MS)
		w->backoff_ms = RESPAWN_MAX_MS;
	if (w->backoff_ms == 0) {
		spawn(sv, i);
		return;
	}
	if (!failed)
		log_msg(LOG_WARNING, "worker %u died %.0f ms after start; "
		    "restarting in %u ms", i, lived / 1e6, w->backoff_ms);
	tv.tv_sec = w->backoff_ms / 1000;
	tv.tv_usec = (long)(w->backoff_ms % 1000) * 1000;
	evtimer_add(w->respawn, &tv);
}

void
sv_kill_worker(struct supervisor *sv, uint32_t i, const char *why)
{
	if (sv->w[i].pid <= 0)
		return;
	log_msg(LOG_WARNING, "worker %u (pid %ld) %s: killed", i,
	    (long)sv->w[i].pid, why);
	kill(sv->w[i].pid, SIGKILL);
}

static void
reap(struct supervisor *sv, pid_t pid, int status)
{
	struct sv_worker *w;
	uint32_t i;
	int r;

	for (i = 0; i < MP_MAX_WORKERS && sv->w[i].pid != pid; i++)
		;
	if (i == MP_MAX_WORKERS)
		return;
	w = &sv->w[i];
	w->pid = 0;
	w->stopped_ns = 0;
	if (w->retiring) {                  /* scaled down: it left */
		q_recover(&sv->q, i, 0);
		w->retiring = 0;
		log_msg(LOG_INFO, "worker %u (pid %ld) retired", i, (long)pid);
		if (i < sv->nworkers && !sv->stopping)
			spawn(sv, i);           /* scaled up again meanwhile */
		return;
	}
	if (w->timed_out) {
		r = q_recover(&sv->q, i, MP_ETIMEDOUT);
		log_msg(LOG_WARNING, "worker %u (pid %ld) ran past request_timeout "
		    "(%u s): its request failed with MP_ETIMEDOUT", i, (long)pid,
		    sv->cfg.request_timeout_s);
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
	schedule_respawn(sv, i, 0);
}

/* A worker stopped (SIGSTOP) or continued: the watchdog looks after a
 * stopped one, which could hold a lock or swallow a client's wake-up. */
static void
note_stop(struct supervisor *sv, pid_t pid, int stopped)
{
	uint32_t i;

	for (i = 0; i < MP_MAX_WORKERS; i++)
		if (sv->w[i].pid == pid) {
			sv->w[i].stopped_ns = stopped ? mono_ns() : 0;
			if (stopped) {
				log_msg(LOG_WARNING, "worker %u (pid %ld) was stopped",
				    i, (long)pid);
				evtimer_del(sv->watch_timer);   /* tick sooner */
				watch_arm(sv);
			}
		}
}

static void
on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct supervisor *sv = arg;
	pid_t pid;
	int status;

	(void)sig, (void)what;
	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED | WCONTINUED)) > 0) {
		if (WIFSTOPPED(status) || WIFCONTINUED(status))
			note_stop(sv, pid, WIFSTOPPED(status));
		else
			reap(sv, pid, status);
	}
}

/* --- stopping ------------------------------------------------------------- */

uint32_t
sv_live_workers(const struct supervisor *sv)
{
	uint32_t i, n = 0;

	for (i = 0; i < MP_MAX_WORKERS; i++)
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
	uint32_t i, failed = 0;
	int err = 0;

	if (n < 1 || n > MP_MAX_WORKERS) {
		snprintf(why, len, "workers: 1..%d", MP_MAX_WORKERS);
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
		if (sv->w[i].pid == 0 && spawn(sv, i) != 0) {
			failed++;
			err = sv->w[i].spawn_errno;
		}
		/* else it was told to leave and will: reap() replaces it,
		 * since its slot is wanted again */
	for (i = n; i < sv->nworkers; i++)          /* down */
		if (sv->w[i].pid > 0) {
			sv->w[i].retiring = 1;
			evtimer_del(sv->w[i].respawn);
			kill(sv->w[i].pid, SIGTERM);
		} else
			evtimer_del(sv->w[i].respawn);
	log_msg(LOG_INFO, "scaled from %u to %u workers", sv->nworkers, n);
	sv->nworkers = n;
	why[0] = '\0';
	if (failed > 0)
		snprintf(why, len, "%u of %u could not be started (fork: %s); "
		    "retrying", failed, n, strerror(err));
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
	atomic_store(&sv->q.inst->state, INST_DRAINING);
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

	atomic_store(&sv->q.inst->state, INST_STOPPED);
	for (i = 0; i < MP_MAX_WORKERS; i++)
		if (sv->w[i].pid > 0) {
			kill(sv->w[i].pid, sig);
			kill(sv->w[i].pid, SIGCONT);    /* a stopped one too */
		}
	while (sv_live_workers(sv) > 0) {
		if ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			reap(sv, pid, status);
			continue;
		}
		if (mono_ns() > until) {
			for (i = 0; i < MP_MAX_WORKERS; i++)
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
	if (st.busy_workers == 0 || sv_live_workers(sv) == 0) {
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
	atomic_store(&sv->q.inst->state, INST_DRAINING);
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
	int fault = 0, more = 0, watch = 0;

	(void)what;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < n; i++) {
			fault |= buf[i] == NOTIFY_FAULT;
			more |= buf[i] == NOTIFY_GROW;
			watch |= buf[i] == NOTIFY_WATCH;
		}
	if (fault)
		ctlsock_drop_faulty(sv);
	if (watch)
		watch_arm(sv);
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
	uint64_t arena = (uint64_t)c->arena_mb * MiB, cap = arena / Q_CLIENT_SHARE;
	struct seg_geometry geo = {
		.lane_cap = pow2_at_least(c->lane_depth),
		.cq_cap = pow2_at_least((uint64_t)c->lane_depth * MP_LANES),
		.rel_cap = pow2_at_least((cap + page) / SLAB_MIN),
	};
	struct slab_arena a;
	char err[256];

	if (check_memory(sv, sv->nworkers, arena) != 0)
		return -1;
	if (cseg_bytes(&geo) == 0) {
		log_msg(LOG_ERR, "bad geometry: lane_depth 1..65536");
		return -1;
	}
	if (shm_create(&sv->inst_seg, "inst", sizeof(struct inst_hdr), 1, err,
	    sizeof err) != 0 ||
	    shm_create(&sv->dmn_seg, "dmn", q_bytes(), 0, err, sizeof err) != 0 ||
	    shm_create(&sv->arena_seg, "arena", slab_arena_bytes(page,
	    (uint32_t)(arena / page)), 1, err, sizeof err) != 0) {
		log_msg(LOG_ERR, "%s", err);
		return -1;
	}
	inst_init(sv->inst_seg.base, getpid(), (uint32_t)time(NULL));
	if (slab_arena_init(&a, sv->arena_seg.base, sv->arena_seg.size, page,
	    cap) != 0 || q_init(&sv->q, sv->dmn_seg.base, sv->inst_seg.base, &a,
	    &geo, c->max_clients, MP_MAX_WORKERS) != 0) {
		log_msg(LOG_ERR, "cannot lay out shared memory (arena_mb %u)",
		    c->arena_mb);
		return -1;
	}
	sv->q.notify_fd = sv->notify[1];
	sv->q.stuck = watch_lock_stuck;
	sv->q.stuck_arg = sv;
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

static int
add_events(struct supervisor *sv)
{
	uint32_t i;

	if (add_signal(sv, 0, SIGTERM, on_stop) || add_signal(sv, 1, SIGINT, on_stop) ||
	    add_signal(sv, 2, SIGQUIT, on_stop) || add_signal(sv, 3, SIGHUP, on_hup) ||
	    add_signal(sv, 4, SIGCHLD, on_sigchld))
		return -1;
	sv->notify_ev = event_new(sv->base, sv->notify[0], EV_READ | EV_PERSIST,
	    on_notify, sv);
	sv->stop_timer = evtimer_new(sv->base, stop_tick, sv);
	sv->idle_timer = evtimer_new(sv->base, idle_tick, sv);
	sv->watch_timer = evtimer_new(sv->base, watch_tick, sv);
	if (sv->notify_ev == NULL || sv->stop_timer == NULL ||
	    sv->idle_timer == NULL || sv->watch_timer == NULL ||
	    event_add(sv->notify_ev, NULL) != 0)
		return -1;
	for (i = 0; i < MP_MAX_WORKERS; i++) {
		sv->w[i].sv = sv;
		sv->w[i].index = i;
		if ((sv->w[i].respawn = evtimer_new(sv->base, respawn_cb,
		    &sv->w[i])) == NULL)
			return -1;
	}
	return 0;
}

int
sv_start(struct supervisor *sv)
{
	uint32_t i;

	sv->nworkers = sv->cfg.start_workers;
	sv->started_ns = mono_ns();
	signal(SIGPIPE, SIG_IGN);
	if (!park_supported()) {
		log_msg(LOG_ERR, "this kernel has no futex_waitv: meshpoold needs "
		    "Linux 5.16 or later (idle workers wait on every client's "
		    "doorbell at once)");
		return -1;
	}
	if ((sv->base = event_base_new()) == NULL ||
	    pipe2(sv->notify, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_msg(LOG_ERR, "cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	if (ctlsock_open(sv) != 0)
		return -1;
	if (make_segments(sv) != 0 || add_events(sv) != 0) {
		log_msg(LOG_ERR, "cannot start instance %s", sv->name);
		ctlsock_close(sv);
		return -1;
	}
	for (i = 0; i < sv->nworkers; i++)
		spawn(sv, i);
	atomic_store(&sv->q.inst->state, INST_RUNNING);
	arm_idle_timer(sv);
	log_msg(LOG_INFO, "instance %s: %u workers (%s %u..%u), arena %u MiB, "
	    "socket %s", sv->name, sv->nworkers, config_dynamic(&sv->cfg) ?
	    "dynamic" : "static", sv->cfg.min_workers, sv->cfg.max_workers,
	    sv->cfg.arena_mb, sv->sock_path);
	return 0;
}

void
sv_run(struct supervisor *sv)
{
	event_base_dispatch(sv->base);
	shm_destroy(&sv->inst_seg);
	shm_destroy(&sv->dmn_seg);
	shm_destroy(&sv->arena_seg);
}
