/*
 * supervisor.h - meshpoold's one context: the segments, the workers, the
 * control socket and the libevent loop that ties them together.
 */
#ifndef MP_SUPERVISOR_H
#define MP_SUPERVISOR_H

#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "queue.h"
#include "shm.h"
#include "sockpath.h"
#include "worker.h"
#include "config.h"

#define MAX_MESH_BYTES (1u << 20)   /* the arena's page: largest mesh */
#define SV_NSIGNALS    5            /* TERM, INT, QUIT, HUP, CHLD */

struct supervisor;

struct sv_client {               /* one connection to the control socket */
	struct supervisor  *sv;
	struct bufferevent *bev;
	struct event *deadline;      /* until registered: when it is closed */
	uid_t    uid;
	pid_t    pid;
	int      slot;               /* -1 until registered */
	int      refused;            /* not allowed: told so, waiting for EOF */
	TAILQ_ENTRY(sv_client) link; /* in supervisor.conns */
};

struct sv_worker {
	struct supervisor *sv;
	uint32_t index;
	pid_t    pid;
	uint64_t started_ns;
	uint32_t backoff_ms;         /* restart throttle */
	uint64_t done_at_start;      /* its slot's completions when it started */
	int      retiring;           /* scaled down: do not replace */
	int      timed_out;          /* killed by the watchdog: MP_ETIMEDOUT */
	int      spawn_errno;        /* the last fork failed with this, or 0 */
	uint64_t stopped_ns;         /* stopped (SIGSTOP) since, or 0 */
	struct event *respawn;
};

struct supervisor {
	char             name[INSTANCE_MAX + 1];
	int              foreground, daemonize;
	char             config_path[256];
	int              config_given;  /* -c: the file must exist */
	char             pidfile[256];
	struct config    flags;         /* what the command line set */
	struct config    cfg;           /* in force: defaults < file < flags */
	struct event    *idle_timer;    /* dynamic mode, above min only */
	uint64_t         last_grow_ns;
	struct shm_seg   inst_seg, dmn_seg, arena_seg;
	struct queue     q;
	struct event_base *base;
	struct event    *sig[SV_NSIGNALS];
	struct event    *notify_ev, *stop_timer, *watch_timer;
	struct evconnlistener *listener;
	struct event    *accept_timer;  /* re-enables the listener after EMFILE */
	uint32_t         accept_backoff_ms;
	int              spare_fd;   /* given up at EMFILE to refuse politely */
	TAILQ_HEAD(, sv_client) conns; /* every open connection */
	uint32_t         unregistered;  /* connections not (yet) registered */
	int              notify[2];  /* workers -> supervisor, see queue.h */
	int              lock_fd;
	char             sock_path[108], lock_path[256];
	struct sv_worker w[MP_MAX_WORKERS];
	uint32_t         nworkers;
	struct sv_client *clients[MP_MAX_CLIENTS];
	uint64_t         restarts, started_ns;
	int              stopping, draining;
	char            *title;      /* argv[0]'s memory, for worker titles */
	size_t           title_len;
};

/* Build everything (segments, socket, workers): 0, or -1 with a message
 * already logged. */
int  sv_start(struct supervisor *sv);
/* Run the loop until stopped, then free the segments. */
void sv_run(struct supervisor *sv);

/* Run n workers from now on (1..MP_MAX_WORKERS): 0, or -1 with a reason.
 * On 0, why says what happened if not all could be started (fork
 * failed: they are retried), else it is empty. */
int  sv_scale(struct supervisor *sv, uint32_t n, char *why, size_t len);
/* Worker processes running now (the pool is degraded while fewer than
 * nworkers). */
uint32_t sv_live_workers(const struct supervisor *sv);
/* Kill worker i now (a deaf or overdue worker); reap() recovers it. */
void sv_kill_worker(struct supervisor *sv, uint32_t i, const char *why);
/* Take no new work; finish what is queued. */
void sv_drain(struct supervisor *sv);
/* Read the configuration again and apply what can change live: 0, or -1
 * with the reason in why (the old configuration stays). */
int  sv_reload(struct supervisor *sv, char *why, size_t len);
/* Defaults, file, flags into sv->cfg: 0, or -1 with why. */
int  sv_configure(struct supervisor *sv, struct config *out, char *why,
         size_t len);

/* watchdog.c: request timeouts and stuck workers, from outside them */
void watch_arm(struct supervisor *sv);
void watch_tick(evutil_socket_t fd, short what, void *arg);
void watch_lock_stuck(pid_t holder, uint64_t held_ns, void *arg);

/* ctlsock.c */
int  ctlsock_open(struct supervisor *sv);
void ctlsock_close(struct supervisor *sv);
void ctlsock_drop_faulty(struct supervisor *sv);


#endif
