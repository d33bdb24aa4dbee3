/*
 * stats.h - what the viewer measures: frame times, upload time per frame,
 * when the view was first complete, the longest stretch without progress
 * while chunks were missing, and how long each edit took to show.
 */
#ifndef MPV_STATS_H
#define MPV_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct stats {
	double  *frame_ms;              /* one per frame */
	double  *stream_ms;             /* of it, choosing, meshing, uploading */
	double  *upload_ms;             /* of that, GL uploads and releases */
	size_t   n, cap;
	uint64_t start_ns;              /* streaming started */
	uint64_t progress_ns;           /* last progress, or last time whole */
	uint64_t complete_ns;           /* first time whole, 0 = not yet */
	uint64_t stall_max_ns;
	double  *edit_ms;               /* per edit: made to on screen */
	size_t   nedit, edit_cap;
};

/* The tool's and the stream's edit figures, for the summary. */
struct stats_edits {
	uint64_t digs, builds;          /* brushes the tool made */
	uint64_t swapped;               /* groups swapped in whole */
	uint64_t split;                 /* groups that came apart: 0 */
};

int  stats_init(struct stats *st, uint64_t start_ns);
void stats_fini(struct stats *st);

/* One frame's duration, its time in stream_frame and, of that, in
 * uploads: 0, or -1 out of memory. */
int  stats_frame(struct stats *st, double frame_ms, double stream_ms,
    double upload_ms);

/* An edit is on screen, ms after it was made: 0, or -1 out of memory. */
int  stats_edit(struct stats *st, double ms);

/* At the end of a frame: finished chunks of the view in it, and how many
 * it still misses. */
void stats_progress(struct stats *st, uint64_t now_ns, int finished,
    size_t missing);

/* The summary line: "key=value" pairs, for people and scripts alike.
 * Sorts the samples. */
void stats_print(FILE *f, const struct stats *st, const char *mode,
    uint64_t uploaded, size_t missing, const struct stats_edits *e);

#endif
