/*
 * rig.c - see rig.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "rig.h"

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "rig: %s: %s\n", what, err);
	abort();
}

void
rig_create(struct rig *r, const struct rig_opts *o)
{
	struct ctl_view cv;
	struct slab_arena a;
	char err[256];
	size_t abytes = slab_arena_bytes(o->page_size, o->npages);

	memset(r, 0, sizeof *r);
	if (shm_create(&r->ctl_seg, "tctl", ctl_bytes(&o->geo), 1, err, sizeof err) != 0)
		die("control segment", err);
	if (shm_create(&r->d_seg, "tdmn", q_bytes(), 0, err, sizeof err) != 0)
		die("daemon segment", err);
	if (shm_create(&r->a_seg, "tarn", abytes, 1, err, sizeof err) != 0)
		die("arena segment", err);
	if (ctl_init(&cv, r->ctl_seg.base, r->ctl_seg.size, &o->geo, getpid(), 1) != 0)
		die("ctl_init", "bad geometry");
	if (slab_arena_init(&a, r->a_seg.base, r->a_seg.size, o->page_size,
	    o->owner_cap) != 0)
		die("slab_arena_init", "bad arena");
	if (q_init(&r->q, r->d_seg.base, &cv, &a, o->nworkers) != 0)
		die("q_init", "bad queue");
	r->nworkers = o->nworkers;
}

void
rig_destroy(struct rig *r)
{
	shm_destroy(&r->ctl_seg);
	shm_destroy(&r->d_seg);
	shm_destroy(&r->a_seg);
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

size_t
rig_mesh_bytes(uint64_t user_data, uint32_t page_size)
{
	return 64 + mix(user_data) % (page_size - 64);
}

void
rig_fill(void *mem, size_t bytes, uint64_t user_data)
{
	unsigned char *p = mem;
	size_t i;

	for (i = 0; i + 8 <= bytes; i += 8) {
		uint64_t v = mix(user_data + i);

		memcpy(p + i, &v, 8);
	}
}

int
rig_check(const void *mem, size_t bytes, uint64_t user_data)
{
	const unsigned char *p = mem;
	size_t i;

	for (i = 0; i + 8 <= bytes; i += 8) {
		uint64_t v = mix(user_data + i);

		if (memcmp(p + i, &v, 8) != 0)
			return -1;
	}
	return 0;
}

static void
spin_us(uint32_t us)
{
	uint64_t until = mono_ns() + (uint64_t)us * 1000;

	while (mono_ns() < until)
		;
}

static void
worker_loop(struct rig *r, uint32_t w, const struct rig_worker_opts *o)
{
	struct queue *q = &r->q;
	mp_request req;
	mp_result res;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	q->fault = o->fault;
	q->d->w[w].pid = getpid();
	for (;;) {
		if (q_worker_wait(q, w, o->spin_ns) != 0)
			continue;
		if (!q_take(q, w, &req))
			continue;
		if (o->kill_magic != 0 && req.user_data == o->kill_magic)
			raise(SIGKILL);
		spin_us(o->work_us);
		memset(&res, 0, sizeof res);
		res.vertex_count = (uint32_t)getpid();   /* who did it */
		if (o->slabs) {
			size_t bytes = rig_mesh_bytes(req.user_data,
			    q->arena.h->page_size);
			void *mem;
			uint32_t backoff = 50;

			while ((res.handle = q_reserve(q, w, bytes, &mem)) == 0) {
				usleep(backoff);     /* arena full: wait */
				if (backoff < 5000)
					backoff *= 2;
			}
			rig_fill(mem, bytes, req.user_data);
			res.index_count = (uint32_t)bytes;
		}
		q_complete(q, w, &res);
	}
}

pid_t
rig_spawn_worker(struct rig *r, uint32_t w, const struct rig_worker_opts *o)
{
	pid_t pid;

	q_worker_start(&r->q, w, 0);
	if ((pid = fork()) < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		worker_loop(r, w, o);
		_exit(0);
	}
	return pid;
}

int
rig_kill_worker(struct rig *r, uint32_t w, pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return q_recover(&r->q, w, 0);
}
