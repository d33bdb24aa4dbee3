/*
 * clones.h - ROW_CLONES: a row loop built once per ISA and picked at load
 * by an ifunc, so the vectorizer can use the widest registers the machine
 * has.  No FMA is enabled (and -ffp-contract=off everywhere), so every
 * clone computes the same bits as the scalar code.
 */
#ifndef MP_CLONES_H
#define MP_CLONES_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ROW_CLONES __attribute__((target_clones("avx2", "sse4.1", "default")))
#else
#define ROW_CLONES
#endif

#endif
