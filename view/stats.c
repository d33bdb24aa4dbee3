/*
 * stats.c - frame time percentiles, streaming progress, and how long
 * edits took to show.
 *
 * Progress is a chunk of the view finished.  A stall is time with chunks
 * missing and none finishing; time with nothing missing is not a stall,
 * so a stretch starts again when the view moves on.
 */
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define FIRST_CAP 1024

int
stats_init(struct stats *st, uint64_t start_ns)
{
	memset(st, 0, sizeof *st);
	st->start_ns = st->progress_ns = start_ns;
	st->cap = FIRST_CAP;
	st->frame_ms = malloc(st->cap * sizeof *st->frame_ms);
	st->stream_ms = malloc(st->cap * sizeof *st->stream_ms);
	st->upload_ms = malloc(st->cap * sizeof *st->upload_ms);
	if (st->frame_ms == NULL || st->stream_ms == NULL || st->upload_ms == NULL) {
		stats_fini(st);
		return -1;
	}
	return 0;
}

void
stats_fini(struct stats *st)
{
	free(st->frame_ms);
	free(st->stream_ms);
	free(st->upload_ms);
	free(st->edit_ms);
	st->frame_ms = st->stream_ms = st->upload_ms = st->edit_ms = NULL;
}

static int
grow(double **p, size_t cap)
{
	double *q = realloc(*p, cap * sizeof *q);

	if (q == NULL)
		return -1;
	*p = q;
	return 0;
}

int
stats_frame(struct stats *st, double frame_ms, double stream_ms,
    double upload_ms)
{
	if (st->n == st->cap) {
		if (grow(&st->frame_ms, 2 * st->cap) != 0 ||
		    grow(&st->stream_ms, 2 * st->cap) != 0 ||
		    grow(&st->upload_ms, 2 * st->cap) != 0)
			return -1;
		st->cap *= 2;
	}
	st->frame_ms[st->n] = frame_ms;
	st->stream_ms[st->n] = stream_ms;
	st->upload_ms[st->n] = upload_ms;
	st->n++;
	return 0;
}

int
stats_edit(struct stats *st, double ms)
{
	if (st->nedit == st->edit_cap) {
		size_t cap = st->edit_cap > 0 ? 2 * st->edit_cap : FIRST_CAP;

		if (grow(&st->edit_ms, cap) != 0)
			return -1;
		st->edit_cap = cap;
	}
	st->edit_ms[st->nedit++] = ms;
	return 0;
}

void
stats_progress(struct stats *st, uint64_t now_ns, int finished, size_t missing)
{
	if (finished > 0 || missing == 0) {
		st->progress_ns = now_ns;
	} else if (now_ns - st->progress_ns > st->stall_max_ns) {
		st->stall_max_ns = now_ns - st->progress_ns;
	}
	if (missing == 0 && st->complete_ns == 0)
		st->complete_ns = now_ns;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile p (0..100) of v[0..n), sorted in place. */
static double
percentile(double *v, size_t n, int p)
{
	size_t rank;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	rank = (n * (size_t)p + 99) / 100;
	return v[rank > 0 ? rank - 1 : 0];
}

void
stats_print(FILE *f, const struct stats *st, const char *mode,
    uint64_t uploaded, size_t missing, const struct stats_edits *e)
{
	double p50 = percentile(st->frame_ms, st->n, 50);
	double p99 = percentile(st->frame_ms, st->n, 99);
	double max = st->n > 0 ? st->frame_ms[st->n - 1] : 0;
	double s50 = percentile(st->stream_ms, st->n, 50);
	double s99 = percentile(st->stream_ms, st->n, 99);
	double up99 = percentile(st->upload_ms, st->n, 99);
	double e50 = percentile(st->edit_ms, st->nedit, 50);
	double e99 = percentile(st->edit_ms, st->nedit, 99);
	double emax = st->nedit > 0 ? st->edit_ms[st->nedit - 1] : 0;
	char complete[32];

	if (st->complete_ns != 0)
		snprintf(complete, sizeof complete, "%.2f",
		    (st->complete_ns - st->start_ns) / 1e9);
	else
		snprintf(complete, sizeof complete, "never");
	fprintf(f, "meshpool-view: mode=%s frames=%zu frame_ms_p50=%.2f "
	    "frame_ms_p99=%.2f frame_ms_max=%.2f stream_ms_p50=%.3f "
	    "stream_ms_p99=%.3f uploaded=%llu upload_ms_p99=%.3f complete_s=%s "
	    "stall_max_s=%.2f missing=%zu digs=%llu builds=%llu "
	    "groups_swapped=%llu dig_ms_p50=%.2f dig_ms_p99=%.2f dig_ms_max=%.2f "
	    "groups_split=%llu\n",
	    mode, st->n, p50, p99, max, s50, s99, (unsigned long long)uploaded, up99,
	    complete, st->stall_max_ns / 1e9, missing, (unsigned long long)e->digs,
	    (unsigned long long)e->builds, (unsigned long long)e->swapped, e50, e99,
	    emax, (unsigned long long)e->split);
}
