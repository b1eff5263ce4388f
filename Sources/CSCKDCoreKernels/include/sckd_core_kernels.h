#ifndef SCKD_CORE_KERNELS_H
#define SCKD_CORE_KERNELS_H

/* The picture passes of the core layer in C, each built for AVX-512, AVX2 and the baseline (the
 * loader picks one): sums, exposure in linear light, and the exposure tone that decides how bright
 * a learned result is. */

#include <stddef.h>
#include <stdint.h>
#include "sckd_kernel_support.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The sum of n floats (blocks summed in float, the blocks' sums in double). */
double sckd_sum_f32(const float *x, size_t n);

/* The mean Rec. 601 luma 0.299 r + 0.587 g + 0.114 b of n samples of three planes. */
double sckd_mean_luma_f32(const float *r, const float *g, const float *b, size_t n);

/* x[i] = min(x[i] * gain, 1), in place. */
void sckd_scale_clamp_f32(float *x, size_t n, float gain);

/* dst[i] = the sRGB-coded src[i] exposed `gain` times longer in linear light, clamped to [0, 1]
 * (within 2e-3 of srgb(gain * linear(v)), at the knee of the toe); gain 1 copies. src and dst may
 * be the same. */
void sckd_expose_f32(const float *src, float *dst, size_t n, float gain);

/* The mean linear light of sRGB-coded samples (clamped to [0, 1]), over one block of 64 samples in
 * every `step` blocks: the exposure of a picture in the quantity that a longer exposure scales. */
double sckd_linear_light_mean(const float *x, size_t n, size_t step);

/* The mean of each cell of a `columns` x `rows` grid over a planar picture (row-major into `means`), from
 * every other sample (x = 1, 3, ...) of every other row (y = 1, 3, ...) of the first `channels` planes,
 * taken to linear light first when `linear`. A cell no sample falls in is 0. Returns 0, or -1 when out
 * of memory. */
int sckd_cell_means(const float *x, int width, int height, int channels, int columns, int rows, int linear,
                    float *means);

/* How bright the result is, after a network's phase B (planar RGB, sRGB-coded, in place on y):
 * y = x' + w (y - x'), with x' = min(x_scale x, 1) the picture phase B saw (x_scale approximates its
 * exposure gain on coded values), w = exposure * the coarse `grid` (grid_w x grid_h, bilinear over the
 * picture) of how much lift each region may take; then values above `knee` rolled off softly so that 1
 * becomes `white` (knee < white < 1), and never below x', so highlights and light sources keep the input's
 * look instead of clipping. Returns 0, or -1 when out of memory. */
int sckd_exposure_tone(const float *x, float x_scale, float *y, int width, int height, const float *grid, int grid_w,
                       int grid_h, float exposure, float knee, float white);

#ifdef __cplusplus
}
#endif

#endif
