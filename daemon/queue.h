/*
 * queue.h - the daemon's side of the transport: which worker takes which
 * request, and how none is lost or done twice when a worker dies.
 *
 * State lives in the daemon segment (struct dseg), which no client maps:
 * two robust locks, the worker slots, the park words, the retry queue and
 * the trusted per-client indexes.  Every process of the daemon has its own
 * struct queue describing it; forked workers inherit the mappings, and
 * learn of client segments created later over their channel (qclients.c).
 *
 * Lock order: qlock, then alock; never qlock while holding alock.
 *   qlock  the lanes' consumer side, completion rings' producer side,
 *          worker slot transitions, retry queue, per-client state
 *   alock  the slab arena and the release rings' consumer side
 *
 * Finding work.  There is no shared counter of work: a worker looks at the
 * lanes of every active client (q_take), clients taking turns (one request
 * each, round-robin), each client's most urgent lane first.  Lanes are a
 * client's own priorities; no client can push another back by using lane
 * 0.  A worker that finds nothing it may take waits (q_worker_wait): it
 * spins a few tens of microseconds watching the lanes, then parks (park.h).
 *
 * Admission.  A request is taken only if its client has room (its results
 * fit in its completion ring, its arena bytes are under its cap) and the
 * arena has a free page set aside for it, so a worker never waits for
 * arena room: a request that cannot be stored waits in its lane instead,
 * and only its own client's requests wait when that client is at its cap.
 */
#ifndef MP_QUEUE_H
#define MP_QUEUE_H

#include <stdint.h>
#include <sys/types.h>

#include "meshpool.h"
#include "layout.h"
#include "park.h"
#include "plock.h"
#include "slab.h"

#define Q_RETRY_CAP     64      /* >= MP_MAX_WORKERS, see queue.c */
#define Q_POISON_DEATHS 2       /* a request that killed this many fails */
#define Q_HIST          (64 * 8) /* 8 buckets per power of two */
#define Q_NSTATUS       16      /* failed_by[-status] for every MP_E* */
#define Q_CLIENT_SHARE  8       /* a client may hold 1/8 of the arena */

_Static_assert(Q_RETRY_CAP >= MP_MAX_WORKERS, "a retry per worker fits");
_Static_assert(-MP_EIO < Q_NSTATUS, "every error code has a counter");
_Static_assert(MP_MAX_CLIENTS <= SLAB_OWNERS, "a slab owner per client");
_Static_assert(MP_MAX_WORKERS <= SLAB_HOLDERS, "a slab holder per worker");

/* Bytes workers write to the supervisor's notify pipe. */
enum { NOTIFY_FAULT = 'F', NOTIFY_GROW = 'G', NOTIFY_WATCH = 'W' };

/* Worker slot states.  TAKING and COMPLETING exist only under qlock. */
enum ws_state { WS_EMPTY = 0, WS_IDLE, WS_TAKING, WS_BUSY, WS_COMPLETING };
enum { Q_SRC_LANE = 0, Q_SRC_RETRY = 1 };

/* Per-client state.  OPENING: its segment is being handed to the workers.
 * FAULTY: the client broke a ring; it is served no more and the supervisor
 * disconnects it. */
enum dc_state { DC_FREE = 0, DC_OPENING, DC_ACTIVE, DC_FAULTY };

/* What one completion's counts were before it bumped them, noted in the
 * worker's slot so that a worker killed halfway through counting leaves
 * counts the next finisher sets again instead of adding twice or never. */
enum { NOTE_NONE = 0, NOTE_TAKEN, NOTE_SET };
struct count_note {
	_Atomic uint32_t phase;          /* NOTE_* */
	uint32_t by, rate_i, bucket;     /* which failed_by, rate, hist entry */
	uint64_t cl_completed, cl_failed, completed, failed;
	uint64_t failed_by, rate_sec, rate_n, hist;
};

struct wslot {
	_Atomic uint32_t state;          /* enum ws_state */
	int32_t  pid;
	uint32_t client, gen, lane, deaths;
	uint32_t src, pos;               /* where it was taken from, index then */
	uint32_t cq_pos;                 /* completion ring index when pushing */
	uint32_t ticket;                 /* the client's, echoed in the result */
	uint32_t brushes, brush_off;     /* what its side entry said (untrusted) */
	_Atomic uint32_t need_page;      /* a free page is set aside for it */
	_Atomic uint64_t start_ns;       /* CLOCK_MONOTONIC at take */
	_Atomic uint64_t parked_ns;      /* parked since, or 0 */
	uint64_t submit_ns;              /* the client's stamp (untrusted) */
	mp_request req;                  /* full copy, made before the pop */
	mp_result  res;                  /* the result being pushed */
	struct count_note note;          /* its counts, once pushed */
	uint64_t done;                   /* completions by this slot */
};

struct dclient {
	_Atomic uint32_t state;          /* enum dc_state */
	_Atomic uint32_t gen;
	int32_t  pid;
	uint32_t lane_head[MP_LANES];    /* trusted consumer indexes */
	uint32_t cq_tail;                /* trusted producer index */
	uint32_t rel_head;               /* trusted consumer index */
	uint32_t taken;                  /* in worker slots or retry queue */
	uint64_t completed, failed, bad_releases;
};

struct retry_entry {
	mp_request req;
	uint64_t submit_ns;
	uint32_t client, gen, lane, deaths, ticket;
	uint32_t brushes, brush_off;
};

struct dseg {
	struct plock qlock;
	struct plock alock;
	uint32_t nclients, nworkers;
	uint32_t rr;                     /* next client to look at */
	uint32_t retry_head, retry_tail;
	struct retry_entry retry[Q_RETRY_CAP];
	uint64_t requeued, poisoned, faults, qrepairs, arepairs;
	uint64_t completed, failed;      /* all clients, ever */
	uint64_t failed_by[Q_NSTATUS];   /* by -status */
	struct { uint64_t sec, n; } rate[16];   /* completions per second */
	uint64_t hist[Q_HIST];           /* compute_ns, log-linear buckets */
	_Atomic uint32_t timeout_ms;     /* request_timeout, read per request */
	_Atomic uint32_t grow_ok;        /* the supervisor would add a worker */
	_Atomic uint32_t grow_asked;     /* a worker asked; the supervisor
	                                  * clears it when it reads the ask */
	_Atomic uint32_t watch;          /* the supervisor's watchdog runs */
	_Atomic uint32_t epoch;          /* bumped when clients come and go */
	_Atomic uint64_t active;         /* bit c: client c is DC_ACTIVE */
	struct park_word park[MP_MAX_WORKERS];
	struct dclient cl[MP_MAX_CLIENTS];
	struct wslot w[MP_MAX_WORKERS];
};

/* Test-only fault points: q->fault, if set, is called at each. */
enum q_fault_point {
	QF_TAKE_COPIED = 1,     /* request in the slot, still in the ring */
	QF_TAKE_POPPED,         /* out of the ring, slot not yet BUSY */
	QF_RESERVED,            /* slab reserved, alock still held */
	QF_PUBLISHED,           /* slab published, completion not pushed */
	QF_PUSHED,              /* completion pushed, not yet counted */
	QF_NOTED,               /* its counts noted, not yet set */
	QF_COUNTED,             /* counted, slot not yet IDLE */
};

struct qmap {                    /* this process's mapping of a client */
	uint32_t gen;            /* the registration it belongs to */
	struct cseg_view v;      /* v.base NULL: not mapped */
};

struct qbell {                   /* a worker's view of one doorbell */
	uint32_t strikes;        /* wake-ups in a row that found no work */
	uint64_t mute_ns;        /* the last mute's length, 0: not muted lately */
	uint64_t mute_until;     /* ignored until then (CLOCK_MONOTONIC) */
};

struct queue {                   /* one process's trusted view */
	struct dseg       *d;
	struct inst_hdr   *inst;
	struct slab_arena  arena;
	struct seg_geometry geo;     /* every client segment's, our copy */
	pid_t              self;
	struct qmap        map[MP_MAX_CLIENTS];
	int                chan;     /* worker: its channel end, or -1 */
	int                wchan[MP_MAX_WORKERS]; /* supervisor: each worker's */
	int                notify_fd;   /* to the supervisor, or -1 */
	uint32_t           epoch_seen;  /* d->epoch when we last followed */
	uint64_t           woke_by;     /* worker: doorbells that woke it */
	struct qbell       bell[MP_MAX_CLIENTS];
	void             (*fault)(int point);
	/* Supervisor: called while it waits for a lock someone holds. */
	plock_stuck_fn     stuck;
	void              *stuck_arg;
};

size_t q_bytes(void);
/* Lay out the daemon segment dmem (q_bytes long) for an instance header,
 * an arena and client segments of geometry geo. */
int    q_init(struct queue *q, void *dmem, struct inst_hdr *inst,
           const struct slab_arena *arena, const struct seg_geometry *geo,
           uint32_t nclients, uint32_t nworkers);

/* --- clients (qclients.c) ------------------------------------------------ */

/* Supervisor: register pid in a free slot: a new client segment, mapped
 * here and sent to every worker.  Its read-write fd for the client goes to
 * *fd (the caller closes it once sent).  Returns the generation, or 0 with
 * the reason in err.  Workers that could not be told are in *deaf (bit w):
 * kill them; their replacements inherit the mapping. */
uint32_t q_client_open(struct queue *q, uint32_t slot, pid_t pid, int *fd,
             uint64_t *deaf, char *err, size_t len);
/* Supervisor: forget a client at once: queued and retried requests are
 * dropped, its slabs freed, its segment retired (never used again); a
 * worker busy on it throws its result away. */
void   q_client_close(struct queue *q, uint32_t slot);
/* This process's view of client c's segment, or NULL if c is not active
 * or its segment has not reached this process yet. */
const struct cseg_view *q_client_seg(struct queue *q, uint32_t c);
/* Worker: map segments announced on the channel, unmap retired ones. */
void   q_follow(struct queue *q);

/* --- workers ------------------------------------------------------------ */

/* Supervisor, before it forks the worker for slot w: the slot is idle and
 * has a new channel; returns the worker's end of it, or -1. */
int    q_worker_start(struct queue *q, uint32_t w);
/* Supervisor, after fork: pid > 0 started (our copy of the worker's end is
 * closed), or the fork failed (the slot is empty again). */
void   q_worker_started(struct queue *q, uint32_t w, pid_t pid, int chan);
/* In the new worker: keep only its own channel end. */
void   q_worker_enter(struct queue *q, uint32_t w, int chan);
/* Supervisor, after the worker of slot w is known dead (reaped): put its
 * request back, or complete it with MP_EWORKER after Q_POISON_DEATHS
 * deaths, or with fail_status (MP_ETIMEDOUT...) if that is not 0.  Frees
 * any slab it held.  Returns the status the request completed with, 1 if
 * it was put back, 0 if it held none. */
int    q_recover(struct queue *q, uint32_t w, int fail_status);

/* A number that changes whenever a client publishes, releases, comes or
 * goes: read it before q_take, and hand it to q_worker_wait. */
uint32_t q_pulse(struct queue *q);
/* Requests wait in some client's lanes (a hint: no lock). */
int    q_waiting(struct queue *q);
/* Worker: wait until something may have changed since pulse: spin up to
 * spin_ns (no system call), then park.  Returns 0 (look again) or -1 (a
 * signal).  Tells the supervisor's watchdog when it starts running. */
int    q_worker_wait(struct queue *q, uint32_t w, uint64_t spin_ns,
           uint32_t pulse);
/* Worker: take the next request (retries first, then clients in turn)
 * into slot w and *out.  1 or 0 (none that may be taken).  Requests the
 * client cancelled before they were taken complete at once, unmeshed. */
int    q_take(struct queue *q, uint32_t w, mp_request *out);
/* Worker: copy the brushes the request in slot w carries out of its
 * client's input region into out (room for max): how many, or -1 when
 * the count or place its client gave is impossible.  A client that has
 * gone gives none (its result is thrown away). */
int    q_brushes(struct queue *q, uint32_t w, mp_brush *out, uint32_t max);
/* Worker: a slab of bytes for the request in slot w, reserved by w; its
 * address in *mem.  0 only for bytes above the arena's page size (complete
 * with MP_ENOMEM): admission set a free page aside. */
uint64_t q_reserve(struct queue *q, uint32_t w, size_t bytes, void **mem);
/* Worker: complete the request in slot w with *res (res->handle from
 * q_reserve, or 0).  Wakes the client if it waits. */
void   q_complete(struct queue *q, uint32_t w, const mp_result *res);
/* Supervisor: wake every parked worker (clients changed, or stopping). */
void   q_kick_all(struct queue *q);

/* Bytes of the slabs clients have handed back that nobody freed yet
 * (read only: what status subtracts from the arena's use). */
uint64_t q_released_bytes(struct queue *q);
/* Anyone in the daemon: free the slabs clients handed back. */
void   q_drain_releases(struct queue *q);
/* Supervisor, shutting down: complete every request still queued (lanes
 * and retries) with status.  Returns how many. */
uint32_t q_fail_queued(struct queue *q, int status);

/* --- internals shared by queue.c, qclients.c and qstats.c --------------- */

void   q_lock(struct queue *q);
void   q_unlock(struct queue *q);
void   q_alock(struct queue *q);
void   q_aunlock(struct queue *q);
int    q_client_live(const struct queue *q, uint32_t c, uint32_t gen);
void   q_mark_faulty(struct queue *q, uint32_t c);
void   q_notify(struct queue *q, char what);

/* --- statistics (qstats.c) ---------------------------------------------- */

struct q_stats {
	uint32_t busy_workers, clients, queued, in_flight;
	uint64_t completed, failed, requeued, poisoned, faults;
	uint64_t failed_by[Q_NSTATUS];
	double   rate_10s;               /* completions/s over the last 10 s */
	double   p50_us, p99_us;         /* compute time, all requests */
};
/* Count one completion for client c (qlock held). */
void   q_count_completion(struct queue *q, uint32_t c, const mp_result *res);
/* Count slot w's pushed result once, however often a death makes its
 * finishing run again (qlock held). */
void   q_count_slot(struct queue *q, uint32_t w);
/* A snapshot for status (no lock: figures may be a moment apart). */
void   q_stats(struct queue *q, struct q_stats *st);

#endif
