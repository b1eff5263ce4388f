#ifndef SCKD_MEDIA_KERNELS_H
#define SCKD_MEDIA_KERNELS_H

/* The media layer's conversions in C: 8-bit planar YUV to and from planar float RGB, exact inverses
 * of each other, each built for AVX-512, AVX2 and the baseline. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 8-bit planar YUV (chroma subsampled by 1 << sx horizontally, 1 << sy vertically, point-sampled
 * from the co-sited sample) to planar float RGB, not clamped:
 *   l = (Y - y_offset) * y_scale, R = l + cr_r (V - 128), G = l - cr_g (V - 128) - cb_g (U - 128),
 *   B = l + cb_b (U - 128).
 * Returns 0, or -1 when out of memory. */
int sckd_yuv8_to_rgbf(const uint8_t *y, int y_stride, const uint8_t *u, int u_stride, const uint8_t *v, int v_stride,
                      int sx, int sy, int width, int height, float y_offset, float y_scale, float cr_r, float cr_g,
                      float cb_g, float cb_b, float *r, float *g, float *b);

/* The inverse: luma Y = trunc(clamp(y_offset + 0.5 + y_scale (kr R + kg G + kb B), 0, 255)); chroma
 * from the mean of the RGB block each sample covers, U = trunc(clamp(128 + cb_scale (B - l) + 0.5,
 * 0, 255)), V likewise with cr_scale (R - l), l the block's luma. */
void sckd_rgbf_to_yuv8(const float *r, const float *g, const float *b, int width, int height, int sx, int sy,
                       float kr, float kg, float kb, float y_offset, float y_scale, float cb_scale, float cr_scale,
                       uint8_t *y, int y_stride, uint8_t *u, int u_stride, uint8_t *v, int v_stride);

#ifdef __cplusplus
}
#endif

#endif
