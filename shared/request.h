/*
 * request.h - validation and normalisation of mp_request, shared by the
 * in-process mesher, the client library and the workers.
 */
#ifndef MP_REQUEST_H
#define MP_REQUEST_H

#include "meshpool.h"
#include "transvoxel.h"
#include "field_noise.h"

/* Why a request is invalid, or NULL when it is valid. */
const char *request_problem(const mp_request *r);

/* Turn a valid request into extractor inputs (defaults applied). */
void request_chunk(const mp_request *r, struct tv_chunk *c);
void request_field(const mp_request *r, struct noise_field *nf);

#endif
