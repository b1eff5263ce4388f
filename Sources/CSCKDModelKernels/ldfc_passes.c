#include "sckd_model_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sckd_kernel_support.h"
#include "prepare_band.h"

static inline int ceil_half(int n) { return (n + 1) / 2; }

/* Round to nearest even, as oneDNN converts; branch-free so that the loops around it vectorise. */
static inline uint16_t to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    uint32_t quiet_nan = (u >> 16) | 0x40u;
    return (uint16_t)((u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
}

/* PyTorch's bilinear source index with align_corners=False and a fixed scale of 1/4: p samples
 * (p + 0.5) / 4 - 0.5, clamped to >= 0; the upper neighbour is clamped to the last index. */
static inline void source_index(int p, int n, int *i0, int *i1, float *l0, float *l1) {
    float s = 0.25f * ((float)p + 0.5f) - 0.5f;
    if (s < 0) s = 0;
    int i = (int)s;
    *i0 = i;
    *i1 = i < n - 1 ? i + 1 : i;
    *l1 = s - (float)i;
    *l0 = 1.0f - *l1;
}

/* One quarter row of the illumination, interpolated horizontally to full width (3 planes). */
SCKD_CLONES
static void horizontal(const float *restrict illum, int h4, int w4, int q, int W, const int *restrict i0,
                       const int *restrict i1, const float *restrict l0, const float *restrict l1, float *restrict row) {
    for (int c = 0; c < 3; c++) {
        const float *src = illum + ((size_t)c * h4 + q) * w4;
        float *dst = row + (size_t)c * W;
        for (int x = 0; x < W; x++) dst[x] = l0[x] * src[i0[x]] + l1[x] * src[i1[x]];
    }
}

/* Vertical interpolation and E = min(x / L_up, 1), for one full row (3 planes): L_up to `lu`,
 * E to `coarse`. */
SCKD_CLONES
static void row_values(const float *restrict x, const float *restrict a, const float *restrict b, float la, float lb,
                       size_t plane, int W, float gain, float k, float *restrict xs, float *restrict coarse, float *restrict lu) {
    for (int c = 0; c < 3; c++) {
        const float *xc = x + c * plane, *ac = a + (size_t)c * W, *bc = b + (size_t)c * W;
        float *cc = coarse + c * plane, *luc = lu + (size_t)c * W, *xsc = xs + (size_t)c * W;
        for (int i = 0; i < W; i++) {
            float l = la * ac[i] + lb * bc[i];
            float xv = gain == 1.0f ? xc[i] : sckd_expose(xc[i], gain, k);
            xv = xv < 1.0f ? xv : 1.0f;
            xsc[i] = xv;
            float v = xv / l;
            luc[i] = l;
            cc[i] = v < 1.0f ? v : 1.0f;
        }
    }
}

/* One row of one channel into channels-last (x, E, L_up): every 9th element from `offset`. */
SCKD_CLONES
static void interleave9(const float *restrict src, int W, void *dst, size_t offset, int bf16) {
    if (bf16) {
        uint16_t *d = (uint16_t *)dst + offset;
        for (int i = 0; i < W; i++) d[(size_t)i * 9] = to_bf16(src[i]);
    } else {
        float *d = (float *)dst + offset;
        for (int i = 0; i < W; i++) d[(size_t)i * 9] = src[i];
    }
}

/* A row of floats as bfloat16 (contiguous: vectorises). */
SCKD_CLONES
static void row_to_bf16(const float *restrict src, int n, uint16_t *restrict dst) {
    for (int i = 0; i < n; i++) dst[i] = to_bf16(src[i]);
}

/* One row of one channel into the space-to-depth layout: groups of 4 pixels, `group` elements
 * apart, starting at `offset`; the pixels past W in the last group are zero. Each group is one
 * 16-byte (8-byte in bf16) copy; `scratch` holds the row converted to bf16 first. */
SCKD_CLONES
static void space_to_depth4(const float *restrict src, int W, void *dst, size_t offset, size_t group, int bf16,
                            uint16_t *restrict scratch) {
    int full = W / 4, rest = W % 4;
    if (bf16) {
        row_to_bf16(src, W, scratch);
        uint16_t *d = (uint16_t *)dst + offset;
        for (int q = 0; q < full; q++) memcpy(d + (size_t)q * group, scratch + 4 * q, 8);
        if (rest)
            for (int k = 0; k < 4; k++) d[(size_t)full * group + k] = k < rest ? scratch[4 * full + k] : 0;
    } else {
        float *d = (float *)dst + offset;
        for (int q = 0; q < full; q++) memcpy(d + (size_t)q * group, src + 4 * q, 16);
        if (rest)
            for (int k = 0; k < 4; k++) d[(size_t)full * group + k] = k < rest ? src[4 * full + k] : 0.0f;
    }
}

int sckd_ldfc_prepare(const float *x, float gain, const float *illum, float *coarse, void *dst, int dst_bf16, int layout,
                      int H, int W, int q_begin, int q_end) {
    return sckd_ldfc_prepare_band(x, gain, illum, coarse, dst, 0, dst_bf16, layout, H, W, q_begin, q_end);
}

int sckd_ldfc_prepare_band(const float *x, float gain, const float *illum, float *coarse, void *dst, int dst_q0,
                           int dst_bf16, int layout, int H, int W, int q_begin, int q_end) {
    const int h4 = ceil_half(ceil_half(H)), w4 = ceil_half(ceil_half(W));
    const size_t plane = (size_t)H * W;
    int *i0 = malloc(sizeof(int) * 2 * (size_t)W);
    float *buf = malloc(sizeof(float) * ((size_t)2 * W + (size_t)3 * 3 * W + (size_t)3 * W + (size_t)3 * W + (size_t)W));
    if (!i0 || !buf) {
        free(i0);
        free(buf);
        return -1;
    }
    int *i1 = i0 + W;
    float *l0 = buf, *l1 = buf + W;
    float *ring = buf + 2 * (size_t)W;   /* 3 horizontally interpolated quarter rows, slot q mod 3 */
    float *lu = ring + 9 * (size_t)W;
    float *xs = lu + 3 * (size_t)W;      /* the row of x, exposed by the gain */
    uint16_t *scratch = (uint16_t *)(xs + 3 * (size_t)W);  /* a row in bf16 */
    const float k = powf(gain, 1.0f / 2.4f);
    for (int i = 0; i < W; i++) source_index(i, w4, &i0[i], &i1[i], &l0[i], &l1[i]);
    int held[3] = {-1, -1, -1};          /* which quarter row each ring slot holds */

    for (int y = 4 * q_begin; y < 4 * q_end; y++) {
        const int qy = y >> 2, ry = y & 3;
        if (y >= H) {
            if (layout == SCKD_PREPARE_SPACE_TO_DEPTH4) {
                size_t size = dst_bf16 ? 2 : 4;
                for (int qx = 0; qx < w4; qx++)
                    for (int c = 0; c < 9; c++)
                        memset((char *)dst + (((size_t)(qy - dst_q0) * w4 + qx) * 144 + (size_t)c * 16 + (size_t)ry * 4) * size, 0, 4 * size);
            }
            continue;
        }
        int a, b;
        float la, lb;
        source_index(y, h4, &a, &b, &la, &lb);
        for (int q = a; q <= b; q++) {
            if (held[q % 3] == q) continue;
            horizontal(illum, h4, w4, q, W, i0, i1, l0, l1, ring + (size_t)(q % 3) * 3 * W);
            held[q % 3] = q;
        }
        float *e = coarse + (size_t)y * W;
        row_values(x + (size_t)y * W, ring + (size_t)(a % 3) * 3 * W, ring + (size_t)(b % 3) * 3 * W, la, lb, plane, W, gain,
                   k, xs, e, lu);
        const float *rows[9] = {xs, xs + W, xs + 2 * (size_t)W,
                                e, e + plane, e + 2 * plane, lu, lu + W, lu + 2 * (size_t)W};
        for (int c = 0; c < 9; c++) {
            if (layout == SCKD_PREPARE_CONCAT)
                interleave9(rows[c], W, dst, (size_t)y * W * 9 + c, dst_bf16);
            else
                space_to_depth4(rows[c], W, dst, (size_t)(qy - dst_q0) * w4 * 144 + (size_t)c * 16 + (size_t)ry * 4, 144, dst_bf16,
                                scratch);
        }
    }
    free(i0);
    free(buf);
    return 0;
}

/* out = clamp(out + r, 0, 1) over a contiguous row (vectorises). */
SCKD_CLONES
static void add_clamp_row(float *restrict out, const float *restrict r, int n) {
    for (int i = 0; i < n; i++) {
        float v = out[i] + r[i];
        v = v > 0.0f ? v : 0.0f;
        out[i] = v < 1.0f ? v : 1.0f;
    }
}

void sckd_ldfc_subpixel_residual(const float *sub, float *out, int H, int W, int q_begin, int q_end) {
    const int w4 = ceil_half(ceil_half(W));
    const size_t plane = (size_t)H * W;
    const int y_end = 4 * q_end < H ? 4 * q_end : H;
    float row[4 * w4];  /* one channel's residual for one full row, gathered 4 pixels at a time */
    for (int y = 4 * q_begin; y < y_end; y++) {
        const float *s = sub + (size_t)(y >> 2) * w4 * 48 + (size_t)(y & 3) * 4;
        for (int c = 0; c < 3; c++) {
            const float *sc = s + c * 16;
            for (int q = 0; q < w4; q++) memcpy(row + 4 * q, sc + (size_t)q * 48, 16);
            add_clamp_row(out + c * plane + (size_t)y * W, row, W);
        }
    }
}

static inline float from_bf16(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* One pixel's calibration in float: g[n] = g[n] * (s_bias[n] + ws[n] . l) + (t_bias[n] + wt[n] . l). */
SCKD_CLONES
static void calibrate_pixels_f32(float *restrict g, const float *restrict l, int C, size_t n, const float *restrict ws,
                                 const float *restrict sb, const float *restrict wt, const float *restrict tb) {
    for (size_t p = 0; p < n; p++) {
        float l0 = l[3 * p], l1 = l[3 * p + 1], l2 = l[3 * p + 2];
        float *gp = g + p * (size_t)C;
        for (int c = 0; c < C; c++) {
            float s = sb[c] + ws[c] * l0 + ws[C + c] * l1 + ws[2 * C + c] * l2;
            float t = tb[c] + wt[c] * l0 + wt[C + c] * l1 + wt[2 * C + c] * l2;
            gp[c] = gp[c] * s + t;
        }
    }
}

SCKD_CLONES
static void calibrate_pixels_bf16(uint16_t *restrict g, const uint16_t *restrict l, int C, size_t n,
                                  const float *restrict ws, const float *restrict sb, const float *restrict wt,
                                  const float *restrict tb) {
    for (size_t p = 0; p < n; p++) {
        float l0 = from_bf16(l[3 * p]), l1 = from_bf16(l[3 * p + 1]), l2 = from_bf16(l[3 * p + 2]);
        uint16_t *gp = g + p * (size_t)C;
        for (int c = 0; c < C; c++) {
            float s = sb[c] + ws[c] * l0 + ws[C + c] * l1 + ws[2 * C + c] * l2;
            float t = tb[c] + wt[c] * l0 + wt[C + c] * l1 + wt[2 * C + c] * l2;
            gp[c] = to_bf16(from_bf16(gp[c]) * s + t);
        }
    }
}

void sckd_ldfc_calibrate(void *g, const void *l, int bf16, int channels, const float *ws, const float *s_bias,
                         const float *wt, const float *t_bias, size_t p_begin, size_t p_end) {
    size_t n = p_end - p_begin;
    if (bf16)
        calibrate_pixels_bf16((uint16_t *)g + p_begin * channels, (const uint16_t *)l + p_begin * 3, channels, n, ws, s_bias,
                              wt, t_bias);
    else
        calibrate_pixels_f32((float *)g + p_begin * channels, (const float *)l + p_begin * 3, channels, n, ws, s_bias, wt,
                             t_bias);
}

int sckd_ldfc_channel_sums(const void *h, int bf16, int C, int W, int y_begin, int y_end, int x_begin, int x_end,
                           double *sums) {
    float row[1024];
    if (C > 1024) return -1;
    for (int y = y_begin; y < y_end; y++) {
        memset(row, 0, (size_t)C * sizeof(float));
        size_t first = ((size_t)y * W + x_begin) * C;
        for (int x = 0; x < x_end - x_begin; x++) {
            size_t p = first + (size_t)x * C;
            if (bf16)
                for (int c = 0; c < C; c++) row[c] += from_bf16(((const uint16_t *)h)[p + c]);
            else
                for (int c = 0; c < C; c++) row[c] += ((const float *)h)[p + c];
        }
        for (int c = 0; c < C; c++) sums[c] += row[c];
    }
    return 0;
}

SCKD_CLONES
static void add_relu_f32(float *restrict h, int C, const float *restrict add, size_t n) {
    for (size_t p = 0; p < n; p++)
        for (int c = 0; c < C; c++) {
            float v = h[p * C + c] + add[c];
            h[p * C + c] = v > 0 ? v : 0;
        }
}

SCKD_CLONES
static void add_relu_bf16(uint16_t *restrict h, int C, const float *restrict add, size_t n) {
    for (size_t p = 0; p < n; p++)
        for (int c = 0; c < C; c++) {
            float v = from_bf16(h[p * C + c]) + add[c];
            h[p * C + c] = to_bf16(v > 0 ? v : 0);
        }
}

void sckd_ldfc_add_relu_channels(void *h, int bf16, int C, const float *add, size_t p_begin, size_t p_end) {
    if (bf16)
        add_relu_bf16((uint16_t *)h + p_begin * C, C, add, p_end - p_begin);
    else
        add_relu_f32((float *)h + p_begin * C, C, add, p_end - p_begin);
}

/* One row of the residual in float, channel-major (3 x n), from n channels-last feature pixels. */
SCKD_CLONES
static void pointwise3_row(const float *restrict f, int C, const float *restrict w, const float *restrict bias,
                           float *restrict r, int n) {
    for (int x = 0; x < n; x++) {
        const float *fx = f + (size_t)x * C;
        float a0 = bias[0], a1 = bias[1], a2 = bias[2];
        for (int c = 0; c < C; c++) {
            a0 += w[c] * fx[c];
            a1 += w[C + c] * fx[c];
            a2 += w[2 * C + c] * fx[c];
        }
        r[x] = a0;
        r[n + x] = a1;
        r[2 * n + x] = a2;
    }
}

int sckd_ldfc_output_1x1(const void *f, int bf16, int C, const float *w, const float *bias, float *out, int H, int W,
                         int y_begin, int y_end) {
    const size_t plane = (size_t)H * W;
    float *r = malloc(sizeof(float) * 3 * (size_t)W);
    float *row = bf16 ? malloc(sizeof(float) * (size_t)W * C) : NULL;
    if (!r || (bf16 && !row)) { free(r); free(row); return -1; }
    for (int y = y_begin; y < y_end; y++) {
        const float *fy;
        if (bf16) {
            const uint16_t *h = (const uint16_t *)f + (size_t)y * W * C;
            for (size_t i = 0; i < (size_t)W * C; i++) row[i] = from_bf16(h[i]);
            fy = row;
        } else {
            fy = (const float *)f + (size_t)y * W * C;
        }
        pointwise3_row(fy, C, w, bias, r, W);
        for (int c = 0; c < 3; c++) add_clamp_row(out + c * plane + (size_t)y * W, r + (size_t)c * W, W);
    }
    free(r);
    free(row);
    return 0;
}
