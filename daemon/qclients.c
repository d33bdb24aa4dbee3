/*
 * qclients.c - client segments in every process of the daemon (queue.h).
 *
 * Each registration gets a fresh sealed memfd: the supervisor creates and
 * lays it out, maps it, and sends the fd down each worker's channel (a
 * SOCK_SEQPACKET socketpair made at spawn) before it marks the client
 * active, so a worker that sees a new generation finds the fd waiting.
 * Workers forked later inherit the supervisor's mappings instead.
 *
 * Nothing of the layout is read back from the segment: every process
 * builds its view from the geometry it already knows.  A retired segment
 * is unmapped by each process on its own, outside any lock, once it sees
 * the registration it maps has ended.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "queue.h"
#include "shm.h"

struct chan_msg {                /* supervisor -> worker, with the fd */
	uint32_t slot, gen;
	uint64_t bytes;
};

static void
unmap(struct qmap *m)
{
	if (m->v.base != NULL)
		munmap(m->v.base, m->v.size);
	memset(m, 0, sizeof *m);
}

/* Tell worker w about slot's new segment: 0, or -1 if it cannot be told
 * now (its channel is full: it is stuck). */
static int
send_segment(int chan, const struct chan_msg *m, int fd)
{
	return fd_send(chan, m, sizeof *m, &fd, 1, MSG_DONTWAIT);
}

static void
set_state(struct queue *q, uint32_t slot, uint32_t state)
{
	struct dclient *dc = &q->d->cl[slot];

	atomic_store(&dc->state, state);
	if (state == DC_ACTIVE)
		atomic_fetch_or(&q->d->active, 1ull << slot);
	else
		atomic_fetch_and(&q->d->active, ~(1ull << slot));
	atomic_fetch_add(&q->d->epoch, 1);
}

uint32_t
q_client_open(struct queue *q, uint32_t slot, pid_t pid, int *fd,
    uint64_t *deaf, char *err, size_t len)
{
	struct dclient *dc = &q->d->cl[slot];
	struct chan_msg m;
	struct shm_seg seg;
	uint32_t gen, w;

	*fd = -1;
	*deaf = 0;
	q_lock(q);
	if ((gen = atomic_load(&dc->gen) + 1) == 0)
		gen = 1;
	atomic_store(&dc->gen, gen);
	set_state(q, slot, DC_OPENING);
	q_unlock(q);
	if (shm_create_sealed(&seg, "client", cseg_bytes(&q->geo), err, len) != 0)
		goto fail;
	unmap(&q->map[slot]);
	if (cseg_init(&q->map[slot].v, seg.base, seg.size, &q->geo, slot,
	    gen) != 0) {
		snprintf(err, len, "bad client segment geometry");
		shm_destroy(&seg);
		goto fail;
	}
	q->map[slot].gen = gen;
	m.slot = slot, m.gen = gen, m.bytes = seg.size;
	for (w = 0; w < MP_MAX_WORKERS; w++)
		if (q->wchan[w] >= 0 && send_segment(q->wchan[w], &m, seg.fd) != 0)
			*deaf |= 1ull << w;
	q_lock(q);
	q_alock(q);
	slab_reclaim_owner(&q->arena, slot);
	memset(dc->lane_head, 0, sizeof dc->lane_head);
	dc->cq_tail = dc->rel_head = dc->taken = 0;
	dc->completed = dc->failed = dc->bad_releases = 0;
	dc->pid = (int32_t)pid;
	memset(&q->bell[slot], 0, sizeof q->bell[slot]);
	set_state(q, slot, DC_ACTIVE);
	q_aunlock(q);
	q_unlock(q);
	/* Parked workers sleep on the doorbells they knew: they must add
	 * this one before the client can count on ringing it. */
	q_kick_all(q);
	*fd = seg.fd;           /* the mapping stays in q->map[slot] */
	return gen;
fail:
	q_lock(q);
	set_state(q, slot, DC_FREE);
	q_unlock(q);
	return 0;
}

void
q_client_close(struct queue *q, uint32_t slot)
{
	struct dclient *dc = &q->d->cl[slot];

	q_lock(q);
	q_alock(q);
	set_state(q, slot, DC_FREE);
	dc->pid = 0;
	dc->taken = 0;
	/* Retry entries of this generation are skipped when they come up; a
	 * worker busy on it cancels its slab when it completes. */
	slab_reclaim_owner(&q->arena, slot);
	q_aunlock(q);
	q_unlock(q);
	unmap(&q->map[slot]);
}

const struct cseg_view *
q_client_seg(struct queue *q, uint32_t c)
{
	const struct dclient *dc = &q->d->cl[c];
	uint32_t gen = atomic_load(&dc->gen);

	if (atomic_load(&dc->state) != DC_ACTIVE)
		return NULL;
	if (q->map[c].gen != gen && q->chan >= 0)
		q_follow(q);    /* announced, not yet read from the channel */
	return q->map[c].v.base != NULL && q->map[c].gen == gen ?
	    &q->map[c].v : NULL;
}

/* Take one announcement off the channel: 1, or 0 when there is none. */
static int
receive_segment(struct queue *q)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct chan_msg m;
	struct iovec iov = { &m, sizeof m };
	struct msghdr msg;
	struct cmsghdr *cm;
	int fd = -1;
	void *mem;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	if (recvmsg(q->chan, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) !=
	    (ssize_t)sizeof m)
		return 0;
	if ((cm = CMSG_FIRSTHDR(&msg)) != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	if (fd < 0)
		return 1;
	if (m.slot < MP_MAX_CLIENTS && m.bytes == cseg_bytes(&q->geo) &&
	    (mem = shm_map(fd, (size_t)m.bytes, 1)) != NULL) {
		unmap(&q->map[m.slot]);
		cseg_view_of(&q->map[m.slot].v, mem, (size_t)m.bytes, &q->geo);
		q->map[m.slot].gen = m.gen;
	}
	close(fd);
	return 1;
}

void
q_follow(struct queue *q)
{
	uint32_t c;

	if (q->chan < 0)
		return;
	q->epoch_seen = atomic_load(&q->d->epoch);
	while (receive_segment(q))
		;
	for (c = 0; c < MP_MAX_CLIENTS; c++) {
		const struct dclient *dc = &q->d->cl[c];
		uint32_t state = atomic_load(&dc->state);
		int current = (state == DC_OPENING || state == DC_ACTIVE) &&
		    q->map[c].gen == atomic_load(&dc->gen);

		if (q->map[c].v.base != NULL && !current)
			unmap(&q->map[c]);      /* that registration has ended */
	}
}
