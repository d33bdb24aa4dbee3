/*
 * field_noise.h - the terrain density fields of mp_field (HEIGHTMAP, VOLUME)
 * as a struct field the extractor can sample.
 */
#ifndef MP_FIELD_NOISE_H
#define MP_FIELD_NOISE_H

#include "meshpool.h"
#include "field.h"
#include "noise.h"

struct noise_field {
	uint32_t   kind;
	struct fbm fbm;
	float      amplitude, offset;
	uint64_t   key;             /* the field's identity (struct field) */
};

/* f must be valid (request_problem() == NULL). */
void noise_field_init(struct noise_field *nf, const mp_field *f);
/* The density at one world point: the same bits as a fill would give
 * for a lattice point there. */
float noise_field_sample(const struct noise_field *nf, float x, float y,
          float z);
/* A struct field view of nf; nf must outlive it. */
struct field noise_field_as_field(const struct noise_field *nf);

#endif
