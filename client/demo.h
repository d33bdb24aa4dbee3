/*
 * demo.h - meshpoolctl's demo command.
 */
#ifndef MP_DEMO_H
#define MP_DEMO_H

/* Mesh the LOD-ring region of half-size size (chunks per level, even)
 * through instance (NULL: a private meshpoold), write OBJ/GLB if given.
 * The exit status for meshpoolctl. */
int demo_run(const char *instance, int size, const char *obj, const char *glb);

#endif
