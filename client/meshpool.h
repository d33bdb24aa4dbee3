/*
 * meshpool.h - public interface of libmeshpool.
 *
 * meshpool turns a noise-defined voxel terrain into triangle meshes.  This
 * header holds the request/result structures shared with the daemon and the
 * in-process mesher (mp_mesh_local).  See meshpool(3).
 */
#ifndef MESHPOOL_H
#define MESHPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP_VERSION_MAJOR 0
#define MP_VERSION_MINOR 1

#define MP_MAX_LOD   15   /* highest LOD level a request may ask for */
#define MP_MAX_CELLS 64   /* cells per chunk side, at most */
#define MP_MIN_CELLS 8    /* cells per chunk side, at least (0 means 32) */
#define MP_MAX_OCTAVES 16

/* Errors are negative; 0 is success. */
enum {
	MP_OK           = 0,
	MP_EAGAIN       = -1,  /* queue full, try again later */
	MP_EINVAL       = -2,  /* a request field is out of range */
	MP_ENOMEM       = -3,  /* out of memory (or arena full) */
	MP_ECANCELED    = -4,  /* request cancelled by mp_cancel */
	MP_ETIMEDOUT    = -5,  /* request or wait timed out */
	MP_EWORKER      = -6,  /* request killed its worker twice */
	MP_ESHUTDOWN    = -7,  /* daemon is stopping or draining */
	MP_ENOENT       = -8,  /* no such daemon instance */
	MP_EPERM        = -9,  /* not allowed to connect */
	MP_EDISCONNECTED = -10, /* the daemon went away */
	MP_EPROTO       = -11, /* ABI or protocol mismatch */
	MP_EIO          = -12  /* system call failed unexpectedly */
};

enum { MP_FIELD_HEIGHTMAP = 0, MP_FIELD_VOLUME = 1 };

typedef struct mp_field {
	uint32_t kind;        /* MP_FIELD_HEIGHTMAP | MP_FIELD_VOLUME */
	uint32_t seed;
	uint32_t octaves;     /* 1..16 */
	float    frequency;   /* > 0, finite */
	float    amplitude;   /* finite */
	float    offset;      /* finite */
	float    lacunarity;  /* 0 means 2.0 */
	float    gain;        /* 0 means 0.5 */
} mp_field;

enum {
	MP_TRANS_NX = 1, MP_TRANS_PX = 2, MP_TRANS_NY = 4,
	MP_TRANS_PY = 8, MP_TRANS_NZ = 16, MP_TRANS_PZ = 32
};

/* The 12 chunk edges, each named by the two faces that meet there.  A bit
 * set in mp_request.edges says that the chunk diagonally across that edge
 * (the one sharing only the edge with this chunk) is one LOD finer.  With
 * the transition bits that tells the mesher whether the same-LOD neighbour
 * across a plain face has the same transition face as this chunk: then
 * both move their shared vertices on that face to make room for the
 * transition cells, and those cells keep their full width up to the face.
 * 0 (not known) keeps those vertices in place; the mesh is still
 * watertight, with thinner transition cells beside such faces.  The
 * layout must be 2:1: no two chunks sharing a face or an edge differ by
 * more than one LOD.  Zero at LOD 0. */
enum {
	MP_EDGE_NX_NY = 1 << 0, MP_EDGE_PX_NY = 1 << 1,     /* along z */
	MP_EDGE_NX_PY = 1 << 2, MP_EDGE_PX_PY = 1 << 3,
	MP_EDGE_NX_NZ = 1 << 4, MP_EDGE_PX_NZ = 1 << 5,     /* along y */
	MP_EDGE_NX_PZ = 1 << 6, MP_EDGE_PX_PZ = 1 << 7,
	MP_EDGE_NY_NZ = 1 << 8, MP_EDGE_PY_NZ = 1 << 9,     /* along x */
	MP_EDGE_NY_PZ = 1 << 10, MP_EDGE_PY_PZ = 1 << 11
};

/* The 8 chunk corners, each named by the three faces that meet there (bit
 * number: +X 1, +Y 2, +Z 4).  A bit set in mp_request.corners says that
 * the chunk diagonally across that corner (the one sharing only the
 * corner) is one LOD finer.  Beside a transition face, the four chunks
 * around the edge line of two plain faces share the vertices on it; with
 * the corner bit all four know that each has the transition face, and
 * move those vertices alike instead of keeping them in place (where the
 * surface passes through the corner, the transition cells there were so
 * thin that triangles folded).  0 (not known) keeps them in place.  Zero
 * at LOD 0. */
enum {
	MP_CORNER_NX_NY_NZ = 1 << 0, MP_CORNER_PX_NY_NZ = 1 << 1,
	MP_CORNER_NX_PY_NZ = 1 << 2, MP_CORNER_PX_PY_NZ = 1 << 3,
	MP_CORNER_NX_NY_PZ = 1 << 4, MP_CORNER_PX_NY_PZ = 1 << 5,
	MP_CORNER_NX_PY_PZ = 1 << 6, MP_CORNER_PX_PY_PZ = 1 << 7
};

typedef struct mp_request {
	uint64_t user_data;   /* returned untouched in the result */
	int32_t  cx, cy, cz;  /* chunk coordinates at this LOD */
	uint8_t  lod;         /* 0..MP_MAX_LOD */
	uint8_t  transitions; /* MP_TRANS_*: that neighbour is one LOD finer */
	uint8_t  priority;    /* lane 0..3, 0 most urgent */
	uint8_t  cells;       /* cells per side, 0 means 32; 8..64 */
	float    voxel_size;  /* at LOD 0, > 0, at most 1e6 */
	mp_field field;
	uint16_t edges;       /* MP_EDGE_*: that diagonal chunk is one LOD finer */
	uint8_t  corners;     /* MP_CORNER_*: that diagonal chunk is one LOD finer */
	uint8_t  reserved;    /* 0 */
} mp_request;

typedef struct mp_result {
	uint64_t user_data;
	int32_t  status;              /* 0 or MP_E* */
	uint32_t vertex_count, index_count;
	float    aabb_min[3], aabb_max[3];
	uint64_t queue_ns, compute_ns;
	uint64_t handle;              /* opaque slab handle, 0 for an empty mesh */
} mp_result;

typedef struct mp_mesh_view {         /* pointers into the read-only arena */
	const float *positions, *normals;  /* 3 floats per vertex */
	const uint32_t *indices;           /* 3 per triangle */
	uint32_t vertex_count, index_count;
	/* Per vertex: the material of the solid side of its edge (0, the
	 * field's base, or the last brush that built or painted there); never
	 * NULL when vertex_count > 0. */
	const uint8_t *materials;
} mp_mesh_view;

typedef struct mp_mesh_buf {          /* owned, from mp_mesh_local */
	float *positions, *normals;
	uint32_t *indices;
	uint32_t vertex_count, index_count;
	float aabb_min[3], aabb_max[3];
	uint8_t *materials;               /* per vertex, as in mp_mesh_view */
} mp_mesh_buf;

/* Defaults: cells 32, voxel 1, HEIGHTMAP seed 42, 4 octaves, frequency 0.02,
 * amplitude 10, offset 0, lacunarity 2, gain 0.5, lod 0, no transitions,
 * no edges, no corners. */
void mp_request_init(mp_request *r);

/* Set r->transitions, r->edges and r->corners from where the finer chunks
 * are: finer(ctx, cx, cy, cz) says whether the place of chunk (cx, cy, cz)
 * at r's LOD is covered by chunks one LOD finer.  It is asked about the six
 * face neighbours, the twelve chunks diagonally across r's edges and the
 * eight across its corners; at LOD 0 the masks are cleared and it is not
 * called. */
void mp_request_set_neighbours(mp_request *r,
         int (*finer)(void *ctx, int32_t cx, int32_t cy, int32_t cz),
         void *ctx);

/* 0 if every field of r is in range, else MP_EINVAL. */
int mp_request_validate(const mp_request *r);
/* NULL if r is valid, else a static sentence naming the field and the rule
 * it breaks ("transitions need lod >= 1"): what MP_EINVAL from mp_submit
 * or mp_mesh_local means for this request. */
const char *mp_request_problem(const mp_request *r);

/* Mesh r in the calling thread.  On success *out owns malloc'd arrays (NULL
 * for an empty chunk) to be freed with mp_mesh_buf_free.  On error *out is
 * zeroed and nothing is allocated. */
int  mp_mesh_local(const mp_request *r, mp_mesh_buf *out);
void mp_mesh_buf_free(mp_mesh_buf *b);

/* --- through the daemon (meshpoold) ------------------------------------- */

typedef struct mp_client mp_client;

/* Register with the daemon instance: a name (NULL = "default") looked for
 * in this user's socket folder ($XDG_RUNTIME_DIR/meshpool, else
 * /run/user/UID/meshpool, then /tmp/meshpool-UID) and then the system's
 * (/run/meshpool), or a socket's path starting with "/".  MP_OK, MP_ENOENT
 * (no such daemon running), MP_EPERM (one runs, this user may not
 * connect), MP_EPROTO (ABI mismatch), MP_EAGAIN (all client slots taken),
 * MP_ESHUTDOWN, MP_EINVAL (bad name), MP_ENOMEM, MP_ETIMEDOUT (daemon did
 * not answer in 5 s), MP_EIO (a segment it sent could not be mapped). */
int    mp_connect(const char *instance, mp_client **out);
/* Why the calling thread's last mp_connect failed, naming the sockets it
 * tried and what each said; NULL after a success. */
const char *mp_connect_problem(void);
/* Leave: the daemon frees every slab, queued request and slot of ours. */
void   mp_disconnect(mp_client *c);
/* Queue one request, lane r->priority: MP_OK, MP_EAGAIN (lane full or
 * mp_pending() at the in-flight limit: poll, then retry), MP_EINVAL (the
 * request is invalid: see mp_request_validate), MP_ESHUTDOWN (daemon is
 * stopping), MP_EDISCONNECTED.  Never blocks, no syscall unless a worker
 * is asleep. */
int    mp_submit(mp_client *c, const mp_request *r);
/* Queue r[0..n) in order, stopping at the first one not taken (full or
 * invalid): returns how many were taken; the rest are still the caller's. */
int    mp_submit_batch(mp_client *c, const mp_request *r, size_t n);
/* Up to max finished results into out: the count (0 if none yet), or
 * MP_EDISCONNECTED once the daemon is gone and nothing is left.  Never
 * blocks.  Each result with a handle holds a slab until mp_release. */
int    mp_poll(mp_client *c, mp_result *out, size_t max);
/* Sleep until a result is ready (MP_OK), timeout_ms passes (MP_ETIMEDOUT;
 * -1 waits for ever), or the daemon goes (MP_EDISCONNECTED). */
int    mp_wait(mp_client *c, int timeout_ms);
/* Sleep until every submitted request has a result ready to poll. */
int    mp_drain(mp_client *c, int timeout_ms);
/* Cancel the oldest request in flight with this user_data: its result
 * comes back with MP_ECANCELED and no mesh (a worker that has not taken it
 * yet skips it).  MP_OK, MP_ENOENT (no such request in flight). */
int    mp_cancel(mp_client *c, uint64_t user_data);
/* Submitted and not yet polled. */
size_t mp_pending(const mp_client *c);
/* The requests submitted on c whose results have not been polled, oldest
 * first, up to max into out: how many.  After mp_poll said
 * MP_EDISCONNECTED these are exactly the requests the daemon never
 * completed: submit them again on a new connection. */
int    mp_unfinished(const mp_client *c, mp_request *out, size_t max);
/* A view of r's mesh, read in place in the arena (read-only memory):
 * MP_OK (an empty mesh gives counts 0), MP_EINVAL (r is an error result,
 * or its handle is not a live slab of ours). Valid until mp_release. */
int    mp_mesh(mp_client *c, const mp_result *r, mp_mesh_view *v);
/* Give r's slab back.  Results without a handle are ignored. */
void   mp_release(mp_client *c, const mp_result *r);

/* A static string naming err ("MP_EINVAL: invalid request", ...). */
const char *mp_strerror(int err);

/* --- terrain edits: brushes the game owns, meshed with the noise ------- */

enum { MP_BRUSH_SPHERE = 0, MP_BRUSH_BOX = 1, MP_BRUSH_CAPSULE = 2 };
enum { MP_EDIT_ADD = 0, MP_EDIT_SUBTRACT = 1, MP_EDIT_PAINT = 2 };

typedef struct mp_brush {      /* world units */
	uint8_t shape;             /* MP_BRUSH_* */
	uint8_t op;                /* ADD builds (union), SUBTRACT digs, PAINT
	                            * sets the material only */
	uint8_t material;          /* written where it builds or paints; the
	                            * field's own is 0 */
	uint8_t reserved;          /* 0 */
	float   a[3];              /* sphere centre; box min corner; capsule end */
	float   b[3];              /* box max corner; capsule other end; unused
	                            * for a sphere */
	float   radius;            /* sphere and capsule radius; box corner
	                            * rounding (0: sharp) */
	float   smooth;            /* smooth union/subtraction radius, 0: sharp */
} mp_brush;

/* A brush (adding or digging) acts within its smooth radius plus this many
 * world units of its shape, painting only inside it, and nowhere else: so
 * nothing outside the shape's box grown by as much changes, which is what
 * makes mp_edits_chunks exact. */
#define MP_BRUSH_REACH 2.0f
/* Brushes one edited request may carry (those touching its chunk). */
#define MP_MAX_BRUSHES 8192

/* The ordered brushes of one world, with a spatial index.  Calls that take
 * a const mp_edits * only read it (no cache inside), so any number of
 * threads may use one set at once while nobody adds to it. */
typedef struct mp_edits mp_edits;

/* MP_OK, MP_EINVAL (out is NULL), MP_ENOMEM. */
int    mp_edits_new(mp_edits **out);
void   mp_edits_free(mp_edits *e);
/* Append b (it applies after every brush before it): MP_OK, MP_EINVAL (a
 * field out of range: see mp_brush_problem; nothing is kept), MP_ENOMEM. */
int    mp_edits_add(mp_edits *e, const mp_brush *b);
size_t mp_edits_count(const mp_edits *e);
/* NULL if b is a valid brush, else a static sentence naming the field and
 * the rule it breaks. */
const char *mp_brush_problem(const mp_brush *b);
/* The inclusive box of chunk coordinates, at like->lod, like->cells and
 * like->voxel_size, whose mesh b can change (the samples a chunk reads
 * beyond its own box included): MP_OK, or MP_EINVAL (b or like invalid). */
int    mp_edits_chunks(const mp_brush *b, const mp_request *like,
           int32_t lo[3], int32_t hi[3]);
/* Write e to path: atomically (a crash leaves the old file or the new
 * one), versioned and checksummed.  MP_OK, MP_EINVAL (NULL), MP_ENOMEM,
 * MP_EIO (with errno; if only the final sync of the folder failed, the new
 * file is already in place). */
int    mp_edits_save(const mp_edits *e, const char *path);
/* Read an edit set saved by mp_edits_save: MP_OK, MP_EPROTO (damaged,
 * truncated or not an edit set: nothing is loaded), MP_EIO, MP_ENOMEM. */
int    mp_edits_load(const char *path, mp_edits **out);
/* The edited density of field f at a world point (negative: solid); NaN
 * if f is invalid.  Allocates nothing. */
float  mp_edits_sample(const mp_edits *e, const mp_field *f, float x, float y,
           float z);
/* Where the ray from, along dir (need not be unit), first enters solid
 * within max_dist world units: MP_OK and *hit, or MP_ENOENT. */
int    mp_edits_raycast(const mp_edits *e, const mp_field *f,
           const float from[3], const float dir[3], float max_dist,
           float hit[3]);
/* How many brushes of e touch r's chunk (the samples it reads beyond its
 * box included): what an edited request carries, at most MP_MAX_BRUSHES.
 * -1 if r is invalid or memory ran out. */
long   mp_edits_touching(const mp_edits *e, const mp_request *r);
/* Like mp_submit / mp_mesh_local, meshing the chunk with the brushes of e
 * (NULL: none) that touch it; the brushes travel with the request, into
 * this client's own shared memory.  MP_EINVAL also when more than
 * MP_MAX_BRUSHES touch it (mp_edits_touching).  mp_submit_edited also
 * returns MP_EAGAIN when that memory is full of brushes still out. */
int    mp_submit_edited(mp_client *c, const mp_request *r, const mp_edits *e);
int    mp_mesh_local_edited(const mp_request *r, const mp_edits *e,
           mp_mesh_buf *out);
/* All n requests or none, each with the brushes of e that touch it:
 * MP_OK, MP_EAGAIN (not now: poll, then retry), MP_EINVAL (a member is
 * invalid, or the group could never fit: more members than can be in
 * flight or than a lane holds, more brushes than this client's memory
 * holds).  Their results come out of mp_poll together, in one call, once
 * all are done (a call with room for all of them: mp_wait says a whole
 * group is there, so a host that polls with less room than its largest
 * group never gets it), so a host swaps every chunk of one edit in the
 * same frame; mp_unfinished lists members not yet
 * handed out, also those done and held for the rest. */
int    mp_submit_group(mp_client *c, const mp_request *r, size_t n,
           const mp_edits *e);

#ifdef __cplusplus
}
#endif
#endif /* MESHPOOL_H */
