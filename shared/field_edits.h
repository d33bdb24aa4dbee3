/*
 * field_edits.h - a noise field with an ordered list of brushes applied
 * after it (terrain edits), as a struct field the extractor can sample.
 */
#ifndef MP_FIELD_EDITS_H
#define MP_FIELD_EDITS_H

#include <stddef.h>

#include "brush.h"
#include "field.h"
#include "field_noise.h"
#include "meshpool.h"

struct edits_field {
	const struct noise_field *base;
	const struct brush_prep *p;      /* valid brushes, in the order they apply */
	size_t          n;
	float           lo[3], hi[3];    /* the reach boxes' union, paint left
	                                  * out (lo > hi: none) */
};

/* Set ef up over base and b[0..n) (all valid); p is room for n prepared
 * brushes, filled here.  Everything must outlive the field. */
void edits_field_init(struct edits_field *ef, const struct noise_field *base,
         const mp_brush *b, size_t n, struct brush_prep *p);
struct field edits_field_as_field(const struct edits_field *ef);

#endif
