/*
 * render.h - the viewer's OpenGL 3.3 core side: one shader, one set of
 * buffers per chunk mesh, a frame, and reading the frame back.
 */
#ifndef MPV_RENDER_H
#define MPV_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "camera.h"

/* A chunk's mesh on the GPU. */
struct gpu_mesh {
	uint32_t vao, vbo[3], ibo;      /* GL names; vao 0 = nothing uploaded */
	int32_t  index_count;
	float    lo[3], hi[3];          /* bounds, for frustum culling */
	uint8_t  lod;                   /* tints the LOD rings apart */
};

/* A mesh to upload, wherever it lies (the daemon's arena, a local
 * buffer): mp_mesh_view and mp_mesh_buf both fill one. */
struct render_mesh {
	const float *positions, *normals;       /* 3 floats per vertex */
	const uint8_t *materials;               /* per vertex; NULL: all 0 */
	const uint32_t *indices;
	uint32_t vertex_count, index_count;
	float lo[3], hi[3];
};

struct render {
	uint32_t program;
	int32_t  u_vp, u_eye, u_lod, u_fog;
	int      width, height;
	float    fog;                   /* density: 1 / distance */
	int      tint;                  /* colour the LOD rings apart */
};

/* Compile the shader and set the fixed state (depth test, back-face
 * culling); the fog hides the ground from about fog_dist on.  0, or -1
 * with the reason on stderr. */
int  render_init(struct render *r, int width, int height, int tint,
    float fog_dist);
void render_fini(struct render *r);

/* Copy a mesh into new GL buffers (straight from the caller's arrays: for
 * the daemon's meshes, the arena itself); an empty mesh makes nothing. */
void render_upload(struct gpu_mesh *g, const struct render_mesh *m,
    uint8_t lod);
void render_free(struct gpu_mesh *g);

/* Clear, then draw each mesh of list that the camera may see. */
void render_frame(struct render *r, const struct camera *cam,
    struct gpu_mesh *const *list, size_t n);

/* The back buffer as width * height * 3 bytes of RGB, bottom row first. */
int  render_read(const struct render *r, uint8_t *rgb);

#endif
