/*
 * noise.h - deterministic gradient noise and fractal sums (fBm).
 *
 * Pure functions of their inputs: the same seed and coordinates give the same
 * bits on every run, process and machine with IEEE float (the build uses
 * -ffp-contract=off so no FMA contraction changes results between call sites).
 */
#ifndef MP_NOISE_H
#define MP_NOISE_H

#include <stdint.h>

/* |noise2| and |noise3| never exceed this, and neither does fbm (normalised). */
#define NOISE_BOUND 1.0f

/* Single-octave gradient noise in [-NOISE_BOUND, NOISE_BOUND]; 0 on lattice points. */
float noise2(uint32_t seed, float x, float y);
float noise3(uint32_t seed, float x, float y, float z);

/* Parameters of a fractal sum, already defaulted (lacunarity 0 -> 2, gain 0 -> 0.5). */
struct fbm {
	uint32_t seed;
	uint32_t octaves;   /* 1..16 */
	float frequency;    /* applied to the coordinates before octave 0 */
	float lacunarity;
	float gain;
};

/* fbm2(x, y) = sum_o gain^o * noise2(seed_o, x*f*lac^o, y*f*lac^o) / sum_o gain^o,
 * so |fbm| <= NOISE_BOUND.  Row forms evaluate n points that share y (and z):
 * out[i] = fbm(x[i], y[, z]).  They are the fast path (vectorisable loops) and
 * return bit-identical values to the scalar forms. */
float fbm2(const struct fbm *p, float x, float y);
float fbm3(const struct fbm *p, float x, float y, float z);
void  fbm2_row(const struct fbm *p, const float *x, float y, int n, float *out);
/* Down a column: out[i] = fbm2(x, y[i]), the same bits. */
void  fbm2_col(const struct fbm *p, float x, const float *y, int n, float *out);
void  fbm3_row(const struct fbm *p, const float *x, float y, float z, int n, float *out);

#endif
