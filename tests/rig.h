/*
 * rig.h - a daemon's shared-memory state without the daemon, for tests and
 * benchmarks of the transport: the three segments, a fake "mesh" worker
 * loop and the client-side check of what comes back.
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
	struct shm_seg ctl_seg, d_seg, a_seg;
	struct queue   q;
	uint32_t       nworkers;
};

struct rig_opts {
	struct ctl_geometry geo;
	uint32_t nworkers;
	uint32_t page_size, npages;
	uint64_t owner_cap;
};

/* Create segments and lay them out; aborts the test on failure. */
void rig_create(struct rig *r, const struct rig_opts *o);
void rig_destroy(struct rig *r);

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
