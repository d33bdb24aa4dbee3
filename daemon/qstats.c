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

/* Note what the counters res bumps hold now (qlock held). */
static void
take_note(const struct queue *q, uint32_t c, const mp_result *res,
    struct count_note *n)
{
	const struct dseg *d = q->d;
	uint64_t sec = mono_ns() / 1000000000u;
	uint32_t b = hist_bucket(res->compute_ns);

	n->cl_completed = d->cl[c].completed;
	n->cl_failed = d->cl[c].failed;
	n->completed = d->completed;
	n->failed = d->failed;
	n->by = res->status < 0 && res->status > -Q_NSTATUS ?
	    (uint32_t)-res->status : 0;
	n->failed_by = d->failed_by[n->by];
	n->rate_i = (uint32_t)(sec % 16);
	n->rate_sec = sec;
	n->rate_n = d->rate[n->rate_i].sec == sec ? d->rate[n->rate_i].n : 0;
	n->bucket = b < Q_HIST ? b : Q_HIST - 1;
	n->hist = d->hist[n->bucket];
}

/* Set the counters one past the note: the same values however often. */
static void
set_counts(struct queue *q, uint32_t c, int failed, const struct count_note *n)
{
	struct dseg *d = q->d;

	d->cl[c].completed = n->cl_completed + 1;
	d->completed = n->completed + 1;
	if (failed) {
		d->cl[c].failed = n->cl_failed + 1;
		d->failed = n->failed + 1;
		if (n->by != 0)
			d->failed_by[n->by] = n->failed_by + 1;
	}
	d->rate[n->rate_i].sec = n->rate_sec;
	d->rate[n->rate_i].n = n->rate_n + 1;
	d->hist[n->bucket] = n->hist + 1;
}

void
q_count_completion(struct queue *q, uint32_t c, const mp_result *res)
{
	struct count_note n;

	take_note(q, c, res, &n);
	set_counts(q, c, res->status != 0, &n);
}

void
q_count_slot(struct queue *q, uint32_t w)
{
	struct wslot *ws = &q->d->w[w];
	struct count_note *n = &ws->note;

	if (atomic_load_explicit(&n->phase, memory_order_acquire) == NOTE_SET)
		return;
	if (atomic_load_explicit(&n->phase, memory_order_acquire) == NOTE_NONE) {
		take_note(q, ws->client, &ws->res, n);
		atomic_store_explicit(&n->phase, NOTE_TAKEN,
		    memory_order_release);
	}
	if (q->fault != NULL)
		q->fault(QF_NOTED);
	set_counts(q, ws->client, ws->res.status != 0, n);
	atomic_store_explicit(&n->phase, NOTE_SET, memory_order_release);
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
