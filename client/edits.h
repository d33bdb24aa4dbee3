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

#endif
