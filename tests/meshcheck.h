/*
 * meshcheck.h - test support: weld chunk meshes by exact position and check
 * manifoldness, orientation, Euler characteristic, area and volume.
 */
#ifndef MP_MESHCHECK_H
#define MP_MESHCHECK_H

#include <stdint.h>

struct mc_mesh {
	float    *pos, *nrm;          /* welded vertices */
	uint32_t  nv, cap_v;
	uint32_t *tri;                /* 3 welded indices per triangle */
	uint32_t  nt, cap_t;
	uint32_t  ndegenerate;        /* triangles dropped: two equal corners */
	uint32_t  nsplit;             /* vertices added again at a position
	                               * with another normal (mc_add) */
	float     tag;                /* copied to tags[] for each triangle added */
	float    *tags;               /* per triangle, e.g. the cell face area */
	uint32_t *hash;               /* open addressing: vertex index + 1 */
	uint32_t  hcap;
};

struct mc_edge_report {
	uint32_t edges;               /* undirected edges checked */
	uint32_t bad_count;           /* open: directions do not balance (a hole) */
	uint32_t bad_orientation;     /* used twice in the same direction */
	uint32_t nonmanifold;         /* used 4, 6... times, balanced: no hole */
	uint32_t boundary_edges;      /* skipped: in a face plane of the box */
	float    example[6];          /* one offending edge */
};

void     mc_init(struct mc_mesh *m);
void     mc_free(struct mc_mesh *m);
void     mc_add(struct mc_mesh *m, const float *pos, const float *nrm,
             uint32_t nv, const uint32_t *idx, uint32_t ni);
void     mc_check_edges(const struct mc_mesh *m, const float lo[3],
             const float hi[3], float eps, struct mc_edge_report *r);
long     mc_euler(const struct mc_mesh *m);
uint32_t mc_components(const struct mc_mesh *m);
void     mc_xz_area(const struct mc_mesh *m, double *signed_area,
             double *abs_area);
uint32_t mc_count_misoriented(const struct mc_mesh *m, double min_area);
/* Triangles whose area is below frac times their tag (a cell face area). */
uint32_t mc_count_slivers(const struct mc_mesh *m, double frac);

/* The quality counts of a welded mesh: edges off the box [lo, hi] (eps as
 * for mc_check_edges) open or non-manifold, triangles dropped as
 * degenerate, slivers (area below frac of the tag), folds (facing against
 * the mean of their vertex normals). */
struct mc_quality {
	uint32_t tris, open, nonmanifold, degenerate, slivers, folds;
	uint32_t split_normals;       /* a position added with two normals */
};
void     mc_quality(const struct mc_mesh *m, const float lo[3],
             const float hi[3], float eps, double frac, struct mc_quality *q);
double   mc_volume(const struct mc_mesh *m);
/* Weld in's vertices again at distance tol (Euclidean): vertices closer than
 * tol join (transitively) into the first of them; out gets the result, with
 * its own ndegenerate count.  Returns how many pairs of distinct vertices
 * of in lie closer than tol (0 when the two welds agree). */
uint32_t mc_weld_near(const struct mc_mesh *in, float tol, struct mc_mesh *out);
int      mc_write_obj(const struct mc_mesh *m, const char *path);

#endif
