/*
 * stream.h - which chunks the viewer wants, asking for them (from
 * meshpoold, or meshing them in-process with --local), cancelling those
 * that left the view, and uploading finished meshes within a per-frame
 * budget; the world's terrain edits, every request meshed with them, and
 * each edit's chunks re-meshed as one group that is swapped in whole.
 */
#ifndef MPV_STREAM_H
#define MPV_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "camera.h"
#include "meshpool.h"
#include "render.h"

struct stream;

struct stream_opts {
	const char *instance;   /* the daemon; ignored with local */
	int local;              /* mesh on the calling thread (mp_mesh_local) */
	int reconnect;          /* on losing the daemon, connect again */
	int half_size;          /* k of rings.h */
	int budget;             /* mesh uploads per frame, at most */
	int edit_wait_ms;       /* how long a frame that sent an edit group
	                         * waits for it to come back, to show it in
	                         * that very frame (0: never waits) */
};

struct stream_counts {
	uint64_t submitted, cancelled, failed, resubmitted;
	uint64_t uploaded;      /* meshes put into GL buffers */
	uint64_t done;          /* chunks of the view finished (empty ones too) */
	uint64_t upload_ns;     /* in the last frame: GL uploads and releases */
	uint64_t edits;         /* brushes taken by stream_edit */
	uint64_t swapped;       /* edit groups whose meshes all went up at once */
	uint64_t superseded;    /* groups merged into a newer edit's */
	uint64_t redone;        /* groups asked again (a member failed or
	                         * changed while out) */
	uint64_t split;         /* groups whose results came in more than one
	                         * mp_poll call: must stay 0 */
	size_t in_view;         /* chunks of the current view */
	size_t missing;         /* of those, not finished yet */
	int connected;
};

/* Connect (unless local) and size everything for the view, with no edits
 * yet: MP_OK or an MP_E* code (MP_ENOMEM, or mp_connect's). */
int  stream_open(struct stream **out, const struct stream_opts *o);
/* Free every GL mesh (the GL context must be current) and disconnect. */
void stream_close(struct stream *s);

/* One frame's work for a camera: follow it with the rings, ask for what
 * is missing nearest first, cancel what left, upload what came (at most
 * the budget).  How many chunks of the view it finished, or
 * MP_EDISCONNECTED once if the daemon went away and reconnect is off. */
int  stream_frame(struct stream *s, const struct camera *cam);

/* Add brush b to the world's edits and have every chunk of the view it
 * changes, at the LOD the chunk is shown at, meshed again as one group:
 * requests still out for them are cancelled (a group still out for one of
 * them is merged into this one), their old meshes stay drawn, and all the
 * new ones go up in the same frame.  MP_OK; MP_EAGAIN: not now, nothing
 * added (no group free, or it would have too many chunks); MP_EINVAL (b
 * is not a valid brush: mp_brush_problem), MP_ENOMEM. */
int  stream_edit(struct stream *s, const mp_brush *b);
/* The world's edits, to aim with (mp_edits_raycast); the field they are
 * applied to is mp_request_init's. */
const mp_edits *stream_edits(const struct stream *s);
/* The times (mono_ns) of the edits whose groups the last stream_frame
 * swapped in: *edit_ns points at them, valid until the next frame. */
size_t stream_landed(const struct stream *s, const uint64_t **edit_ns);

/* The meshes to draw now: *list points at them (valid until the next
 * call), returns how many.  Also counts what the view still misses. */
size_t stream_meshes(struct stream *s, struct gpu_mesh *const **list);
const struct stream_counts *stream_counts(const struct stream *s);

#endif
