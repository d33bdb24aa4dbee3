/*
 * demo.h - meshpoolctl's demo command.
 */
#ifndef MP_DEMO_H
#define MP_DEMO_H

struct demo_opts {
	const char *instance;       /* NULL: start a private meshpoold */
	int         size;           /* chunks from the centre per level, even */
	const char *obj, *glb;      /* files to write, or NULL */
	int         force;          /* write outputs over the size limit */
};

/* Mesh the LOD-ring region with the demo's edits, write OBJ/GLB as asked:
 * the exit status for meshpoolctl (ctl.h). */
int demo_run(const struct demo_opts *o);

#endif
