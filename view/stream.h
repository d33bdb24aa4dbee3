/*
 * stream.h - which chunks the viewer wants, asking for them (from
 * meshpoold, or meshing them in-process with --local), cancelling those
 * that left the view, and uploading finished meshes within a per-frame
 * budget.
 */
#ifndef MPV_STREAM_H
#define MPV_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "camera.h"
#include "render.h"

struct stream;

struct stream_opts {
	const char *instance;   /* the daemon; ignored with local */
	int local;              /* mesh on the calling thread (mp_mesh_local) */
	int reconnect;          /* on losing the daemon, connect again */
	int half_size;          /* k of rings.h */
	int budget;             /* mesh uploads per frame, at most */
};

struct stream_counts {
	uint64_t submitted, cancelled, failed, resubmitted;
	uint64_t uploaded;      /* meshes put into GL buffers */
	uint64_t done;          /* chunks of the view finished (empty ones too) */
	uint64_t upload_ns;     /* in the last frame: GL uploads and releases */
	size_t in_view;         /* chunks of the current view */
	size_t missing;         /* of those, not finished yet */
	int connected;
};

/* Connect (unless local) and size everything for the view:
 * MP_OK or an MP_E* code (MP_ENOMEM, or mp_connect's). */
int  stream_open(struct stream **out, const struct stream_opts *o);
/* Free every GL mesh (the GL context must be current) and disconnect. */
void stream_close(struct stream *s);

/* One frame's work for a camera: follow it with the rings, ask for what
 * is missing nearest first, cancel what left, upload what came (at most
 * the budget).  How many chunks of the view it finished, or
 * MP_EDISCONNECTED once if the daemon went away and reconnect is off. */
int  stream_frame(struct stream *s, const struct camera *cam);

/* The meshes to draw now: *list points at them (valid until the next
 * call), returns how many.  Also counts what the view still misses. */
size_t stream_meshes(struct stream *s, struct gpu_mesh *const **list);
const struct stream_counts *stream_counts(const struct stream *s);

#endif
