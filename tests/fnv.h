/*
 * fnv.h - FNV-1a over bytes, for tests that compare meshes by a hash of
 * their arrays (a daemon's against the in-process one, a chunk before and
 * after an edit).
 */
#ifndef MP_TEST_FNV_H
#define MP_TEST_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV_SEED 0xcbf29ce484222325ull

static inline uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n-- > 0)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

#endif
