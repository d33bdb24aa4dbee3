/*
 * request.h - validation and normalisation of mp_request, shared by the
 * in-process mesher, the client library and the workers.
 */
#ifndef MP_REQUEST_H
#define MP_REQUEST_H

#include "meshpool.h"
#include "transvoxel.h"
#include "field_noise.h"

/* A chunk's samples are world points rounded to float; boxes computed in
 * double are widened by this fraction of a chunk so that no sample on
 * their edge is missed. */
#define REQUEST_BOX_SLACK 1e-4

/* Why a request is invalid, or NULL when it is valid. */
const char *request_problem(const mp_request *r);

/* Why a field is invalid, or NULL. */
const char *field_problem(const mp_field *f);

/* World units of a valid request's chunk side and sample step. */
void request_spans(const mp_request *r, double *span, double *step);
/* The world box of every sample the chunk of r reads (one step beyond
 * its own box, for normals), widened by REQUEST_BOX_SLACK. */
void request_sample_box(const mp_request *r, double lo[3], double hi[3]);

/* Turn a valid request into extractor inputs (defaults applied). */
void request_chunk(const mp_request *r, struct tv_chunk *c);
void request_field(const mp_request *r, struct noise_field *nf);

#endif
