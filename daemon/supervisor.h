/*
 * supervisor.h - meshpoold's one context: the segments, the workers, the
 * control socket and the libevent loop that ties them together.
 */
#ifndef MP_SUPERVISOR_H
#define MP_SUPERVISOR_H

#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "queue.h"
#include "shm.h"
#include "sockpath.h"
#include "worker.h"

struct sv_config {
	char     name[INSTANCE_MAX + 1];
	uint32_t workers;            /* 0: auto, half the CPUs, at least 1 */
	uint32_t request_timeout_ms;
	uint32_t arena_mb, max_clients, lane_depth;
	uint32_t max_mesh_kb;        /* the arena's page: largest mesh */
	int      foreground;
};

struct sv_client {               /* one registered connection */
	struct bufferevent *bev;
	uid_t    uid;
	pid_t    pid;
	int      slot;               /* -1 until registered */
};

struct supervisor;

struct sv_worker {
	struct supervisor *sv;
	uint32_t index;
	pid_t    pid;
	uint64_t started_ns;
	uint32_t backoff_ms;         /* restart throttle */
	int      retiring;           /* scaled down: do not replace */
	struct event *respawn;
};

struct supervisor {
	struct sv_config cfg;
	struct shm_seg   ctl_seg, dmn_seg, arena_seg;
	struct queue     q;
	struct event_base *base;
	struct event    *sig[6];
	struct event    *notify_ev, *stop_timer;
	struct evconnlistener *listener;
	int              notify[2];  /* workers -> supervisor: a client faulted */
	int              lock_fd;
	char             sock_path[108], lock_path[256];
	struct sv_worker w[Q_MAX_WORKERS];
	uint32_t         nworkers;
	struct sv_client *clients[CTL_MAX_CLIENTS];
	uint64_t         restarts, started_ns;
	int              stopping, draining;
	char            *title;      /* argv[0]'s memory, for worker titles */
	size_t           title_len;
};

/* Build everything (segments, socket, workers): 0, or -1 with a message
 * already logged. */
int  sv_start(struct supervisor *sv);
/* Run the loop until stopped; returns the exit status. */
int  sv_run(struct supervisor *sv);

/* Run n workers from now on (1..Q_MAX_WORKERS): 0, or -1 with a reason. */
int  sv_scale(struct supervisor *sv, uint32_t n, char *why, size_t len);
/* Take no new work; finish what is queued. */
void sv_drain(struct supervisor *sv);

/* ctlsock.c */
int  ctlsock_open(struct supervisor *sv);
void ctlsock_close(struct supervisor *sv);
void ctlsock_drop_faulty(struct supervisor *sv);

uint64_t sv_now_ns(void);

#endif
