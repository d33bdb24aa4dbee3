/*
 * queue.h - the daemon's side of the transport: which worker takes which
 * request, and how none is lost or done twice when a worker dies.
 *
 * State lives in the daemon segment (struct dseg), which no client maps:
 * two robust locks, the worker slots, the retry queue and the trusted
 * per-client indexes.  Every process of the daemon has its own struct
 * queue describing it; forked workers inherit the mappings.
 *
 * Lock order: qlock, then alock; never qlock while holding alock.
 *   qlock  the lanes' consumer side, completion rings' producer side,
 *          worker slot transitions, retry queue, per-client state
 *   alock  the slab arena and the release rings' consumer side
 *
 * Work tokens (tokens.h): a client adds one per request it publishes; a
 * worker takes one token (q_worker_wait), then one request (q_take).  A
 * request put back after a death gets its token back, and every recovered
 * death posts one more, covering a worker killed between taking a token
 * and recording it; a surplus token costs one empty wake-up, never a loss.
 */
#ifndef MP_QUEUE_H
#define MP_QUEUE_H

#include <stdint.h>
#include <sys/types.h>

#include "meshpool.h"
#include "layout.h"
#include "plock.h"
#include "slab.h"

#define Q_MAX_WORKERS   CTL_MAX_WORKERS
#define Q_RETRY_CAP     64      /* >= Q_MAX_WORKERS, see queue.c */
#define Q_POISON_DEATHS 2       /* a request that killed this many fails */
#define Q_HIST          (64 * 8) /* 8 buckets per power of two */

/* Worker slot states.  TAKING and COMPLETING exist only under qlock. */
enum ws_state { WS_EMPTY = 0, WS_IDLE, WS_TAKING, WS_BUSY, WS_COMPLETING };
enum { Q_SRC_LANE = 0, Q_SRC_RETRY = 1 };

/* Per-client state.  FAULTY: the client broke a ring; it is served no more
 * and the supervisor should disconnect it. */
enum dc_state { DC_FREE = 0, DC_ACTIVE, DC_FAULTY };

struct wslot {
	_Atomic uint32_t state;          /* enum ws_state */
	int32_t  pid;
	uint32_t client, gen, lane, deaths;
	uint32_t src, pos;               /* where it was taken from, index then */
	uint32_t cq_pos;                 /* completion ring index when pushing */
	uint64_t start_ns;               /* CLOCK_MONOTONIC at take */
	_Atomic uint64_t parked_ns;      /* parked (tokens_park) since, or 0 */
	uint64_t submit_ns;              /* the client's stamp (untrusted) */
	mp_request req;                  /* full copy, made before the pop */
	mp_result  res;                  /* the result being pushed */
	uint64_t done;                   /* completions by this slot */
};

struct dclient {
	_Atomic uint32_t state;          /* enum dc_state */
	uint32_t gen;
	int32_t  pid;
	uint32_t lane_head[CTL_LANES];   /* trusted consumer indexes */
	uint32_t cq_tail;                /* trusted producer index */
	uint32_t rel_head;               /* trusted consumer index */
	uint32_t taken;                  /* in worker slots or retry queue */
	uint64_t completed, failed, bad_releases;
};

struct retry_entry {
	mp_request req;
	uint64_t submit_ns;
	uint32_t client, gen, lane, deaths;
};

struct dseg {
	struct plock qlock;
	struct plock alock;
	uint32_t nclients, nworkers;
	uint32_t rr[CTL_LANES];          /* next client to look at, per lane */
	uint32_t retry_head, retry_tail;
	struct retry_entry retry[Q_RETRY_CAP];
	uint64_t requeued, poisoned, faults, qrepairs, arepairs;
	uint64_t completed, failed;      /* all clients, ever */
	uint64_t failed_by[16];          /* by -status */
	struct { uint64_t sec, n; } rate[16];   /* completions per second */
	uint64_t hist[Q_HIST];           /* compute_ns, log-linear buckets */
	_Atomic uint32_t timeout_ms;     /* request_timeout, read per request */
	_Atomic uint32_t grow_ok;        /* the supervisor would add a worker */
	_Atomic uint32_t grow_asked;     /* a worker asked; the supervisor
	                                  * clears it when it reads the ask */
	struct dclient cl[CTL_MAX_CLIENTS];
	struct wslot w[Q_MAX_WORKERS];
};

/* Test-only fault points: q->fault, if set, is called at each. */
enum q_fault_point {
	QF_TAKE_COPIED = 1,     /* request in the slot, still in the ring */
	QF_TAKE_POPPED,         /* out of the ring, slot not yet BUSY */
	QF_RESERVED,            /* slab reserved, alock still held */
	QF_PUBLISHED,           /* slab published, completion not pushed */
	QF_PUSHED,              /* completion pushed, slot not yet IDLE */
};

struct queue {                   /* one process's trusted view */
	struct dseg       *d;
	struct ctl_view    ctl;
	struct slab_arena  arena;
	int                notify_fd;   /* a byte here when a client faults, or -1 */
	void             (*fault)(int point);
	/* If set, called with 1 just before a worker parks and 0 when it is
	 * up again (the daemon's worker stops its watchdog timer there). */
	void             (*parking)(int asleep);
};

size_t q_bytes(void);
/* Lay out the daemon segment dmem (q_bytes long) for ctl and arena. */
int    q_init(struct queue *q, void *dmem, const struct ctl_view *ctl,
           const struct slab_arena *arena, uint32_t nworkers);

/* Supervisor: open client slot for pid; returns its new generation. */
uint32_t q_client_open(struct queue *q, uint32_t slot, pid_t pid);
/* Supervisor: forget a client at once: queued and retried requests are
 * dropped, its slabs freed; a worker busy on it throws its result away. */
void   q_client_close(struct queue *q, uint32_t slot);

/* Supervisor, before it forks the worker for slot w: the slot is idle and
 * belongs to the new process (which records its pid in it). */
void   q_worker_start(struct queue *q, uint32_t w, pid_t pid);
/* Supervisor, after the worker of slot w is known dead (reaped): put its
 * request back, or complete it with MP_EWORKER after Q_POISON_DEATHS
 * deaths, or with fail_status (MP_ETIMEDOUT...) if that is not 0.  Frees
 * any slab it held.  Returns the status the request completed with, 1 if
 * it was put back, 0 if it held none. */
int    q_recover(struct queue *q, uint32_t w, int fail_status);

/* Worker: wait for a work token, spinning up to spin_ns first (no syscall),
 * then parked (tokens_park).  0, or -1 if interrupted by a signal. */
int    q_worker_wait(struct queue *q, uint32_t w, uint64_t spin_ns);
/* Worker: take the most urgent request (retries, then lane 0..3, clients
 * round-robin inside a lane) into slot w and *out.  1 or 0 (none). */
int    q_take(struct queue *q, uint32_t w, mp_request *out);
/* Worker: a slab of bytes for the request in slot w, reserved by w; its
 * address in *mem.  0 when the arena is full (wait and call again); bytes
 * above the arena's page size never fit (complete with MP_ENOMEM). */
uint64_t q_reserve(struct queue *q, uint32_t w, size_t bytes, void **mem);
/* Worker: complete the request in slot w with *res (res->handle from
 * q_reserve, or 0).  Wakes the client if it waits. */
void   q_complete(struct queue *q, uint32_t w, const mp_result *res);

/* Anyone in the daemon: free the slabs clients handed back. */
void   q_drain_releases(struct queue *q);
/* Supervisor, shutting down: complete every request still queued (lanes
 * and retries) with status.  Returns how many. */
uint32_t q_fail_queued(struct queue *q, int status);

struct q_stats {
	uint32_t busy_workers, clients, queued, in_flight;
	uint64_t completed, failed, requeued, poisoned, faults;
	uint64_t failed_by[16];
	double   rate_10s;               /* completions/s over the last 10 s */
	double   p50_us, p99_us;         /* compute time, all requests */
};
/* A snapshot for status (no lock: figures may be a moment apart). */
void   q_stats(struct queue *q, struct q_stats *st);

#endif
