/*
 * rig.h - a daemon's shared-memory state without the daemon, for tests and
 * benchmarks of the transport: the segments, client segments opened the
 * way the supervisor opens them, a fake "mesh" worker loop and the
 * client-side check of what comes back.  The test process plays the
 * supervisor (and usually the client too).
 */
#ifndef MP_TEST_RIG_H
#define MP_TEST_RIG_H

#include <stdint.h>
#include <sys/types.h>

#include "layout.h"
#include "port.h"
#include "queue.h"
#include "shm.h"
#include "slab.h"

struct rig {
	struct shm_seg inst_seg, d_seg, a_seg;
	struct queue   q;
	uint32_t       nworkers;
	struct port    ports[MP_MAX_CLIENTS];  /* rig_client's, closed at the end */
};

struct rig_opts {
	struct seg_geometry geo;
	uint32_t nclients;
	uint32_t nworkers;
	uint32_t page_size, npages;
	uint64_t owner_cap;
};

/* Create segments and lay them out; aborts the test on failure. */
void rig_create(struct rig *r, const struct rig_opts *o);
void rig_destroy(struct rig *r);
/* Register a client in slot (as the supervisor does: a new segment, told
 * to every worker) and open port p on it (NULL: none); aborts on failure.
 * rig_destroy closes the port (copies of *p share its tables). */
void rig_client(struct rig *r, uint32_t slot, struct port *p);

/* Bytes of the fake mesh for a request, and its content (from user_data):
 * lets a client check that the slab it got is the one made for it. */
size_t   rig_mesh_bytes(uint64_t user_data, uint32_t page_size);
void     rig_fill(void *mem, size_t bytes, uint64_t user_data);
int      rig_check(const void *mem, size_t bytes, uint64_t user_data);

struct rig_worker_opts {
	uint64_t spin_ns;      /* spin before parking */
	uint32_t work_us;      /* busy time per request */
	int      slabs;        /* reserve and fill a slab per request */
	void   (*fault)(int point);
	uint64_t kill_magic;   /* a request with this user_data kills us */
};

/* Fork a worker on slot w (q_worker_start first); returns its pid.  It
 * loops for ever: token, take, work, reserve, fill, complete. */
pid_t rig_spawn_worker(struct rig *r, uint32_t w, const struct rig_worker_opts *o);
/* Reap/kill helpers: SIGKILL pid, wait, recover slot w. */
int   rig_kill_worker(struct rig *r, uint32_t w, pid_t pid);

#endif
