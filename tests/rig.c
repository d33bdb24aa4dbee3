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
	struct slab_arena a;
	char err[256];
	size_t abytes = slab_arena_bytes(o->page_size, o->npages);

	memset(r, 0, sizeof *r);
	if (shm_create(&r->inst_seg, "tinst", sizeof(struct inst_hdr), 1, err,
	    sizeof err) != 0)
		die("instance segment", err);
	if (shm_create(&r->d_seg, "tdmn", q_bytes(), 0, err, sizeof err) != 0)
		die("daemon segment", err);
	if (shm_create(&r->a_seg, "tarn", abytes, 1, err, sizeof err) != 0)
		die("arena segment", err);
	inst_init(r->inst_seg.base, getpid(), 1);
	if (slab_arena_init(&a, r->a_seg.base, r->a_seg.size, o->page_size,
	    o->owner_cap) != 0)
		die("slab_arena_init", "bad arena");
	if (q_init(&r->q, r->d_seg.base, r->inst_seg.base, &a, &o->geo,
	    o->nclients, o->nworkers) != 0)
		die("q_init", "bad queue");
	atomic_store(&r->q.inst->state, INST_RUNNING);
	r->nworkers = o->nworkers;
}

void
rig_destroy(struct rig *r)
{
	uint32_t i;

	for (i = 0; i < MP_MAX_CLIENTS; i++) {
		port_close(&r->ports[i]);
		if (r->q.map[i].v.base != NULL)
			q_client_close(&r->q, i);
	}
	for (i = 0; i < MP_MAX_WORKERS; i++)
		if (r->q.wchan[i] >= 0)
			close(r->q.wchan[i]);
	shm_destroy(&r->inst_seg);
	shm_destroy(&r->d_seg);
	shm_destroy(&r->a_seg);
}

void
rig_client(struct rig *r, uint32_t slot, struct port *p)
{
	char err[256];
	uint64_t deaf;
	int fd;

	if (q_client_open(&r->q, slot, getpid(), &fd, &deaf, err, sizeof err) == 0)
		die("q_client_open", err);
	if (deaf != 0)
		die("q_client_open", "a worker could not be told");
	close(fd);              /* we share the supervisor's mapping */
	if (p == NULL)
		return;
	port_close(&r->ports[slot]);
	if (port_open(p, q_client_seg(&r->q, slot), r->q.inst) != 0)
		die("port_open", "out of memory");
	r->ports[slot] = *p;
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
	for (;;) {
		uint32_t pulse = q_pulse(q);

		if (!q_take(q, w, &req)) {
			q_worker_wait(q, w, o->spin_ns, pulse);
			continue;
		}
		if (o->kill_magic != 0 && req.user_data == o->kill_magic)
			raise(SIGKILL);
		spin_us(o->work_us);
		memset(&res, 0, sizeof res);
		res.vertex_count = (uint32_t)getpid();   /* who did it */
		if (o->slabs) {
			size_t bytes = rig_mesh_bytes(req.user_data,
			    q->arena.h->page_size);
			void *mem;

			/* Admission set a page aside: reserving cannot fail. */
			if ((res.handle = q_reserve(q, w, bytes, &mem)) == 0)
				die("q_reserve", "no room after admission");
			rig_fill(mem, bytes, req.user_data);
			res.index_count = (uint32_t)bytes;
		}
		q_complete(q, w, &res);
	}
}

pid_t
rig_spawn_worker(struct rig *r, uint32_t w, const struct rig_worker_opts *o)
{
	int chan = q_worker_start(&r->q, w);
	pid_t pid;

	if (chan < 0)
		die("q_worker_start", strerror(errno));
	if ((pid = fork()) < 0)
		die("fork", strerror(errno));
	if (pid == 0) {
		q_worker_enter(&r->q, w, chan);
		worker_loop(r, w, o);
		_exit(0);
	}
	q_worker_started(&r->q, w, pid, chan);
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
