/*
 * edits.h - what the rest of the library needs of an edit set (edits.c).
 */
#ifndef MP_EDITS_H
#define MP_EDITS_H

#include <stddef.h>

#include "meshpool.h"

/* The brushes of e whose reach box meets the world box [lo, hi], in the
 * order they apply: the count (only the first max are copied into out,
 * which may be NULL to count), or -1 when memory ran out. */
long edits_touching(const mp_edits *e, const double lo[3], const double hi[3],
         mp_brush *out, size_t max);
/* The brushes of e an edited request r carries (r valid), into *out
 * (malloc'd, NULL when none): the count, MP_EINVAL (more than
 * MP_MAX_BRUSHES) or MP_ENOMEM. */
long edits_for_request(const mp_edits *e, const mp_request *r,
         mp_brush **out);

#endif
