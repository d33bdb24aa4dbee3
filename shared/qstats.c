/*
 * qstats.c - the figures meshpoolctl status shows (queue.h): completions,
 * failures by code, a 10-second rate and compute-time percentiles from a
 * log-linear histogram, all kept in the daemon segment as requests
 * complete.
 */
#include <string.h>

#include "monotime.h"
#include "queue.h"

static uint32_t
hist_bucket(uint64_t ns)
{
	uint32_t lg = ns < 8 ? 0 : 63 - (uint32_t)__builtin_clzll(ns) - 2;

	/* Power of two lg+2, then the next three bits: 8 steps per octave. */
	return ns < 8 ? (uint32_t)ns : (lg + 1) * 8 + (uint32_t)((ns >> lg) & 7);
}

static uint64_t
hist_value(uint32_t b)
{
	return b < 8 ? b : (uint64_t)(8 + b % 8) << (b / 8 - 1);
}

void
q_count_completion(struct queue *q, const mp_result *res)
{
	struct dseg *d = q->d;
	uint64_t sec = mono_ns() / 1000000000u;
	uint32_t b = hist_bucket(res->compute_ns);

	d->completed++;
	if (res->status < 0 && res->status > -Q_NSTATUS)
		d->failed_by[-res->status]++;
	if (res->status != 0)
		d->failed++;
	if (d->rate[sec % 16].sec != sec) {
		d->rate[sec % 16].sec = sec;
		d->rate[sec % 16].n = 0;
	}
	d->rate[sec % 16].n++;
	d->hist[b < Q_HIST ? b : Q_HIST - 1]++;
}

/* Completions per second over this second and the 9 before. */
static double
rate_10s(const struct dseg *d)
{
	uint64_t sec = mono_ns() / 1000000000u, n = 0;
	uint32_t k;

	for (k = 0; k < 16; k++)
		if (d->rate[k].sec <= sec && d->rate[k].sec + 10 > sec)
			n += d->rate[k].n;
	return n / 10.0;
}

static void
percentiles(const struct dseg *d, double *p50_us, double *p99_us)
{
	uint64_t total = 0, seen = 0;
	uint32_t k;

	*p50_us = *p99_us = 0;
	for (k = 0; k < Q_HIST; k++)
		total += d->hist[k];
	for (k = 0; k < Q_HIST && total > 0; k++) {
		seen += d->hist[k];
		if (*p50_us == 0 && seen * 2 >= total)
			*p50_us = hist_value(k) / 1e3;
		if (seen * 100 >= total * 99) {
			*p99_us = hist_value(k) / 1e3;
			break;
		}
	}
}

/* Requests waiting in client c's lanes; a lane a client broke counts 0. */
static uint32_t
queued_of(struct queue *q, uint32_t c)
{
	const struct cseg_view *seg = q_client_seg(q, c);
	struct ring_view rv;
	uint32_t lane, n = 0;

	for (lane = 0; seg != NULL && lane < MP_LANES; lane++) {
		uint32_t head = q->d->cl[c].lane_head[lane];
		int64_t k;

		cseg_lane(seg, lane, &rv, &head);
		if ((k = ring_count(&rv)) > 0)
			n += (uint32_t)k;
	}
	return n;
}

void
q_stats(struct queue *q, struct q_stats *st)
{
	struct dseg *d = q->d;
	uint32_t i;

	memset(st, 0, sizeof *st);
	for (i = 0; i < d->nworkers; i++) {
		uint32_t s = atomic_load(&d->w[i].state);

		if (s == WS_TAKING || s == WS_BUSY || s == WS_COMPLETING)
			st->busy_workers++;
	}
	for (i = 0; i < d->nclients; i++) {
		if (atomic_load(&d->cl[i].state) == DC_FREE)
			continue;
		st->clients++;
		st->in_flight += d->cl[i].taken;
		st->queued += queued_of(q, i);
	}
	st->completed = d->completed;
	st->failed = d->failed;
	memcpy(st->failed_by, d->failed_by, sizeof st->failed_by);
	st->rate_10s = rate_10s(d);
	percentiles(d, &st->p50_us, &st->p99_us);
	st->requeued = d->requeued;
	st->poisoned = d->poisoned;
	st->faults = d->faults;
}
