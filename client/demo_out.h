/*
 * demo_out.h - what "meshpoolctl demo" makes of its meshes: one welded
 * mesh with a material per vertex, written as OBJ and binary glTF into
 * files opened before the meshing starts.
 */
#ifndef MP_DEMO_OUT_H
#define MP_DEMO_OUT_H

#include <stdint.h>
#include <stdio.h>

#include "meshpool.h"

struct weld {                   /* vertices welded by position */
	uint32_t *slot;             /* open addressing: vertex index + 1 */
	size_t    cap;
	float    *pos, *nrm;        /* 3 floats per vertex */
	uint8_t  *mat;              /* per vertex */
	size_t    nv, pcap, ncap, mcap;
	uint32_t *idx;              /* 3 per triangle */
	size_t    ni, icap;
	size_t    mixed;            /* vertices that came with two materials */
};

/* Add a chunk's mesh to w: 0, or -1 when memory ran out. */
int    weld_mesh(struct weld *w, const mp_mesh_view *v);
/* How many vertices of w have material m. */
size_t weld_count(const struct weld *w, unsigned m);
void   weld_free(struct weld *w);

struct out_file {
	const char *path;
	FILE       *f;
	int         made;           /* we created it: remove it on failure */
};

/* Open path for writing without truncating it yet, so that a bad path
 * fails before anything is meshed and a run that fails later leaves an
 * existing file as it was: 0, or -1 with errno. */
int  out_open(struct out_file *o, const char *path);
/* Close o if open, removing the file if we made it. */
void out_discard(struct out_file *o);
/* Write w into o and close it: 0, or -1 with errno (o is then
 * discarded). */
int  out_write_obj(struct out_file *o, const struct weld *w);
int  out_write_glb(struct out_file *o, const struct weld *w);

/* About how many bytes the OBJ and the GLB of a run of chunks take. */
uint64_t out_estimate_obj(size_t chunks);
uint64_t out_estimate_glb(size_t chunks);

#endif
