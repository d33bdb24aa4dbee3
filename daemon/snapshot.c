/*
 * snapshot.c - what the supervisor tells about itself: the status object's
 * fields, each worker and each client, read without changing anything
 * (control socket commands only print them).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "monotime.h"
#include "snapshot.h"

static const char *const state_names[INST_NSTATES] = { "starting",
    "running", "draining", "stopped" };

static void
word(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* Arena bytes held by meshes: the slabs clients handed back and nobody
 * freed yet are not held any more. */
static uint64_t
arena_held(struct supervisor *sv)
{
	uint64_t used = __atomic_load_n(&sv->q.arena.h->used_bytes,
	    __ATOMIC_RELAXED), back = q_released_bytes(&sv->q);

	return used > back ? used - back : 0;
}

void
sv_status(struct supervisor *sv, struct status *st, struct q_stats *qs)
{
	uint32_t i, state = atomic_load(&sv->q.inst->state);

	memset(st, 0, sizeof *st);
	q_stats(&sv->q, qs);
	word(st->instance, sizeof st->instance, sv->name);
	st->pid = (int64_t)getpid();
	word(st->state, sizeof st->state, state < INST_NSTATES ?
	    state_names[state] : "unknown");
	st->uptime_s = (mono_ns() - sv->started_ns) / 1e9;
	st->workers = sv->nworkers;
	st->busy_workers = qs->busy_workers;
	st->live_workers = sv_live_workers(sv);
	word(st->health, sizeof st->health, st->live_workers < sv->nworkers ?
	    "degraded" : "ok");
	for (i = 0; i < sv->nworkers; i++)
		if (sv->w[i].pid == 0 && sv->w[i].spawn_errno != 0) {
			snprintf(st->spawn_error, sizeof st->spawn_error, "fork: %s",
			    strerror(sv->w[i].spawn_errno));
			break;
		}
	st->clients = qs->clients;
	st->queued = qs->queued;
	st->in_flight = qs->in_flight;
	st->completed = qs->completed;
	st->failed = qs->failed;
	st->requeued = qs->requeued;
	st->poisoned = qs->poisoned;
	st->arena_bytes = (uint64_t)sv->q.arena.h->npages * sv->q.arena.h->page_size;
	st->arena_used_bytes = arena_held(sv);
	st->worker_restarts = sv->restarts;
	st->min_workers = sv->cfg.min_workers;
	st->max_workers = sv->cfg.max_workers;
	word(st->mode, sizeof st->mode, config_dynamic(&sv->cfg) ? "dynamic" :
	    "static");
	st->lock_repairs = sv->q.d->qrepairs + sv->q.d->arepairs;
	st->client_faults = qs->faults;
	st->chunks_per_s_10s = qs->rate_10s;
	st->compute_p50_us = qs->p50_us;
	st->compute_p99_us = qs->p99_us;
}

void
sv_worker_info(struct supervisor *sv, uint32_t i, struct sv_worker_info *wi)
{
	const struct sv_worker *sw = &sv->w[i];
	const struct wslot *ws = &sv->q.d->w[i];
	uint32_t s = atomic_load(&ws->state);
	uint64_t start = atomic_load(&ws->start_ns), now = mono_ns();

	wi->pid = sw->pid;
	wi->state = sw->pid == 0 ? "down" : sw->stopped_ns ? "stopped" :
	    s == WS_IDLE ? "idle" : "busy";
	wi->done = ws->done;
	wi->busy_ms = s == WS_BUSY && now > start ? (now - start) / 1e6 : 0.0;
	wi->user_data = s == WS_BUSY ? ws->req.user_data : 0;
}

int
sv_client_info(struct supervisor *sv, uint32_t slot, struct sv_client_info *ci)
{
	const struct sv_client *k = sv->clients[slot];
	const struct dclient *dc = &sv->q.d->cl[slot];

	if (k == NULL)
		return 0;
	ci->pid = k->pid;
	ci->uid = k->uid;
	ci->in_flight = dc->taken;
	ci->completed = dc->completed;
	ci->failed = dc->failed;
	ci->arena_bytes = slab_owner_used(&sv->q.arena, slot);
	return 1;
}
