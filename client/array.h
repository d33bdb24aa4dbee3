/*
 * array.h - growing arrays, for the client library and meshpoolctl.
 */
#ifndef MP_ARRAY_H
#define MP_ARRAY_H

#include <stdint.h>
#include <stdlib.h>

/* Make room in *p for need elements of each bytes, doubling *cap (from 16)
 * so that n appends cost O(n): 0, or -1 with *p and *cap untouched. */
static inline int
array_grow(void **p, size_t *cap, size_t need, size_t each)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return -1;
		c *= 2;
	}
	if (c > SIZE_MAX / each || (q = realloc(*p, c * each)) == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

#endif
