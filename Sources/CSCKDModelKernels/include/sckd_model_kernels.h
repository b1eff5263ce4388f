#ifndef SCKD_MODEL_KERNELS_H
#define SCKD_MODEL_KERNELS_H

/* LDFC-Net's hot loops in C: the passes that are not convolutions (each built for AVX-512, AVX2 and
 * the baseline; the loader picks one) and the convolutions fused with their neighbours (AVX-512
 * with bf16 only; the engine falls back to oneDNN primitives elsewhere).
 *
 * Fused full-resolution passes of phase B. Everything at full resolution in this network is
 * elementwise on 3 planes; run as separate oneDNN primitives (resample, crop, divide, three
 * concatenation reorders, sub-pixel scatter, planar reorder, add) those passes are limited by
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

/* For the rows of quarter-resolution rows [q_begin, q_end) (full rows 4*q_begin .. 4*q_end-1),
 * with the picture taken as x exposed `gain` times longer in linear light (as sckd_expose_f32; 1: x
 * itself):
 * L_up = bilinear x4 of `illum` (planar 3 x h4 x w4; half-pixel centres, source clamped to the edge,
 * the scale fixed at 4), E = min(x / L_up, 1) written planar to `coarse` (3 x H x W), and (x, E,
 * L_up) written to `dst` in `layout`, as float or, when `dst_bf16`, as bfloat16 (round to nearest
 * even). `x` is planar 3 x H x W. h4 = ceil(ceil(H/2)/2), w4 likewise. Returns 0, or -1 when out of
 * memory. */
int sckd_ldfc_prepare(const float *x, float gain, const float *illum, float *coarse, void *dst, int dst_bf16, int layout,
                      int H, int W, int q_begin, int q_end);

/* out = clamp(out + residual, 0, 1) on full rows [4*q_begin, 4*q_end) ∩ [0, H), where `out` is
 * planar 3 x H x W (holding E) and the residual comes from `sub`, the 48-channel output of the
 * sub-pixel 1x1 convolution at quarter resolution, channels-last [h4][w4][48] with channel
 * c * 16 + dy * 4 + dx for full pixel (4 qy + dy, 4 qx + dx). */
void sckd_ldfc_subpixel_residual(const float *sub, float *out, int H, int W, int q_begin, int q_end);

/* The quality model's last step on rows [y_begin, y_end): out = clamp(out + bias + w f, 0, 1) per
 * pixel, where `out` is planar 3 x H x W holding E, f the channels-last full-resolution feature map
 * (C channels, float or, when `bf16`, bfloat16) and w the 1x1 convolution's (3, C) weights. One pass
 * instead of a convolution to 3 channels (which oneDNN runs with its reference kernel on AVX2), a
 * planar reorder and an add. Returns 0, or -1 when out of memory. */
int sckd_ldfc_output_1x1(const void *f, int bf16, int C, const float *w, const float *bias, float *out, int H, int W,
                         int y_begin, int y_end);

/* LGC's light-guided calibration, in place on pixels [p_begin, p_end) of the feature map `g`
 * (channels-last, `channels` per pixel) guided by the illumination `l` at the same resolution
 * (channels-last, 3 per pixel), both float or both bfloat16 (`bf16`):
 * g = g * (s_bias + Ws l) + (t_bias + Wt l), Ws and Wt channel-minor [3][channels] (s_bias holds
 * the "1 +" of g * (1 + scale)). The arithmetic is float; bfloat16 is rounded once, on the store.
 * One pass over g instead of two 1x1 convolutions and a binary primitive. */
void sckd_ldfc_calibrate(void *g, const void *l, int bf16, int channels, const float *ws, const float *s_bias,
                         const float *wt, const float *t_bias, size_t p_begin, size_t p_end);

/* The weights of one depthwise-separable block, h = relu(h + pw(relu(dw(h)))). dw: 3x3
 * depthwise, zero padding 1, dw_w [9][channels] (tap ky * 3 + kx), bias dw_b. pw: 1x1, bias pw_b,
 * weights pw_w [in][out] (used for float maps) and pw_pairs (bfloat16 maps: [in / 2][out][2], input
 * channels 2j and 2j + 1 side by side). */
typedef struct {
    const float *dw_w, *dw_b, *pw_w, *pw_b;
    const uint16_t *pw_pairs;
} sckd_ds_weights;

/* A 1x1 convolution with as many outputs as inputs, written as float channels-last: weights w
 * [in][out] (float maps) and w_pairs (bfloat16 maps, as pw_pairs), bias, output `out`. */
typedef struct {
    const float *w, *bias;
    const uint16_t *w_pairs;
    float *out;
} sckd_conv1x1;

/* `count` depthwise-separable blocks applied in sequence, src -> dst (which must not overlap), on
 * output rows [y_begin, y_end) of an H x W map, channels-last ([H][W][channels]), float or, when
 * `bf16`, bfloat16 (intermediates rounded as the maps are). Computed depth first: the rows between
 * blocks stay in cache. With a `tail` (else NULL), the last block's rows go through that 1x1
 * convolution into tail->out ([H][W][channels] float) instead of to dst (unused). Only where
 * sckd_ldfc_ds_block_available says so (for every fused kernel here): channels a multiple of 16 up
 * to 64 on a CPU with AVX-512 and its bf16 dot products. Returns 0, or -1 when out of memory. */
int sckd_ldfc_ds_block_available(int channels, int bf16);
int sckd_ldfc_ds_blocks(const void *src, void *dst, int bf16, int channels, int H, int W, int count,
                        const sckd_ds_weights *weights, const sckd_conv1x1 *tail, int y_begin, int y_end);

/* The real-time network's body input in one pass, on quarter rows [q_begin, q_end): what
 * sckd_ldfc_prepare does with SCKD_PREPARE_SPACE_TO_DEPTH4 (E to `coarse`), then, while each
 * quarter row of the 144-channel result is in cache, g = relu(l_down) (1x1, weights w [144][channels]
 * for float maps, w_pairs [72][channels][2] for bfloat16 ones, bias) calibrated as
 * sckd_ldfc_calibrate does, by the planar illumination `illum` (3 x h4 x w4, float). g is
 * channels-last [h4][w4][channels], float or bfloat16 (`bf16`). Where
 * sckd_ldfc_ds_block_available says so. When `prepare_ns` is not NULL, the nanoseconds spent in
 * the prepare part are added to it (atomically: for profiles that separate the elementwise work
 * from the convolution). Returns 0, or -1 when out of memory. */
int sckd_ldfc_body_input(const float *x, float gain, const float *illum, float *coarse, void *g, int bf16, int channels,
                         int H, int W, const float *w, const uint16_t *w_pairs, const float *bias, const float *ws,
                         const float *s_bias, const float *wt, const float *t_bias, int q_begin, int q_end,
                         uint64_t *prepare_ns);

/* Phase A's head on rows [y_begin, y_end): L = floor + (1 - floor) * sigmoid(conv3x3(a) + bias),
 * zero padding 1, from `a` channels-last [H][W][16] (float or, when `bf16`, bfloat16) to L planar
 * 3 x H x W float; w in PyTorch's layout (3, 16, 3, 3). Where sckd_ldfc_ds_block_available(16, ...)
 * says so. Returns 0, or -1 when out of memory. */
int sckd_ldfc_illumination_head(const void *a, int bf16, int H, int W, const float *w, const float *bias, float floor,
                                float *L, int y_begin, int y_end);

/* Phase A's whole-frame context (architecture version 2), first half: adds to sums[c] the sum of
 * channel c of a channels-last [.][W][C] map (float or, when `bf16`, bfloat16) over rows
 * [y_begin, y_end) and columns [x_begin, x_end) (each row summed in float, the rows in double).
 * Returns 0, or -1 for more than 1024 channels. */
int sckd_ldfc_channel_sums(const void *h, int bf16, int C, int W, int y_begin, int y_end, int x_begin, int x_end,
                           double *sums);

/* Second half: h[p][c] = max(h[p][c] + add[c], 0) in place for pixels [p_begin, p_end) of a
 * channels-last map with C channels (bf16 rounded to nearest even, as oneDNN stores). */
void sckd_ldfc_add_relu_channels(void *h, int bf16, int C, const float *add, size_t p_begin, size_t p_end);

#ifdef __cplusplus
}
#endif

#endif
