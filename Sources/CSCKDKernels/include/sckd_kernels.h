#ifndef SCKD_KERNELS_H
#define SCKD_KERNELS_H

/* Fused full-resolution passes of LDFC-Net's phase B. Everything at full resolution in this
 * network is elementwise on 3 planes; run as separate oneDNN primitives (resample, crop, divide,
 * three concatenation reorders, sub-pixel scatter, planar reorder, add) those passes are limited by
 * memory traffic, not arithmetic. Each function here is one pass over a band of rows, so a caller
 * can split a frame between threads. Semantics are those of Training/model.py. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Layouts of the trainable part's input that sckd_ldfc_prepare writes. */
enum {
    /* (x, E, L_up) channels-last: [H][W][9], channel c of x, then E, then L_up. */
    SCKD_PREPARE_CONCAT = 0,
    /* The same 9 channels space-to-depth by 4: [ceil(H/4)][ceil(W/4)][144], channel
     * c * 16 + ky * 4 + kx (PyTorch's weight order, so a 4x4 stride-4 convolution's weights serve
     * unchanged as a 1x1 convolution's); pixels beyond the frame are zero (that convolution's
     * padding). */
    SCKD_PREPARE_SPACE_TO_DEPTH4 = 1,
};

/* For the rows of quarter-resolution rows [q_begin, q_end) (full rows 4*q_begin .. 4*q_end-1):
 * L_up = bilinear x4 of `illum` (planar 3 x h4 x w4; half-pixel centres, source clamped to the edge,
 * the scale fixed at 4), E = min(x / L_up, 1) written planar to `coarse` (3 x H x W), and (x, E,
 * L_up) written to `dst` in `layout`, as float or, when `dst_bf16`, as bfloat16 (round to nearest
 * even). `x` is planar 3 x H x W. h4 = ceil(ceil(H/2)/2), w4 likewise. Returns 0, or -1 when out of
 * memory. */
int sckd_ldfc_prepare(const float *x, const float *illum, float *coarse, void *dst, int dst_bf16, int layout,
                      int H, int W, int q_begin, int q_end);

/* out = clamp(out + residual, 0, 1) on full rows [4*q_begin, 4*q_end) ∩ [0, H), where `out` is
 * planar 3 x H x W (holding E) and the residual comes from `sub`, the 48-channel output of the
 * sub-pixel 1x1 convolution at quarter resolution, channels-last [h4][w4][48] with channel
 * c * 16 + dy * 4 + dx for full pixel (4 qy + dy, 4 qx + dx). */
void sckd_ldfc_subpixel_residual(const float *sub, float *out, int H, int W, int q_begin, int q_end);

#ifdef __cplusplus
}
#endif

#endif
