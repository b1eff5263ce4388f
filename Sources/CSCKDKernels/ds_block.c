#include "sckd_kernels.h"

#include <string.h>

/* LDFC-Net's depthwise-separable block, dst = relu(src + pw(relu(dw(src)))), in one pass.
 *
 * As two oneDNN primitives the block is bound by memory traffic, not arithmetic: the depthwise
 * convolution reads the feature map and writes its result (4.2x its arithmetic at 48 channels,
 * measured), then the 1x1 reads that result and the map again and writes the map. Here the
 * depthwise result of a few pixels lives in a buffer in L1 and goes straight into the 1x1, so each
 * block reads its input once and writes its output once.
 *
 * The 1x1 is register-blocked as oneDNN's own kernels are: P pixels x C/16 vectors of outputs stay
 * in registers while the input channels stream by (one broadcast and C/16 FMAs per channel and
 * pixel). bfloat16 maps use the CPU's bf16 dot products, two input channels per instruction,
 * with fp32 accumulation (as oneDNN's bf16 kernels); the depthwise part is computed in fp32 and
 * rounded to bf16 once before the 1x1, where oneDNN would store it as bf16. */

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define SCKD_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
#define SCKD_INLINE static inline __attribute__((always_inline)) SCKD_AVX512

enum { MAX_C = 64, MAX_P = 16 };

SCKD_INLINE __m512 load16(const void *base, size_t i, int bf16) {
    if (bf16) {
        __m256i h = _mm256_loadu_si256((const __m256i *)((const uint16_t *)base + i));
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    return _mm512_loadu_ps((const float *)base + i);
}

SCKD_INLINE void store16(void *base, size_t i, __m512 v, int bf16) {
    if (bf16)
        _mm256_storeu_si256((__m256i *)((uint16_t *)base + i), (__m256i)_mm512_cvtneps_pbh(v));
    else
        _mm512_storeu_ps((float *)base + i, v);
}

/* relu(dw(src)) for pixels x0 .. x0+n-1 of row y into t[p][C] (float); pixels p >= n are zero.
 * One 16-channel block at a time, its 9 taps in registers, sliding a 3x3 window of columns along
 * the row: each pixel loads one new column (3 vectors) for its 9 FMAs. */
SCKD_INLINE __m512 column(const void *src, int bf16, int valid_row, size_t row_at, int xx, int W, int C) {
    if (!valid_row || xx < 0 || xx >= W) return _mm512_setzero_ps();
    return load16(src, row_at + (size_t)xx * C, bf16);
}

SCKD_INLINE void depthwise(const void *src, int bf16, int C, int NB, int H, int W, const float *dw_w, const float *dw_b,
                           int y, int x0, int n, int P, float *t) {
    int valid[3];
    size_t row_at[3];
    for (int r = 0; r < 3; r++) {
        const int yy = y + r - 1;
        valid[r] = yy >= 0 && yy < H;
        row_at[r] = valid[r] ? (size_t)yy * W * C : 0;
    }
    /* The row below is the only one not yet in cache (the other two were read for the rows
     * before); fetch the next tile's part of it while this tile computes. */
    if (valid[2] && x0 + P < W) {
        const size_t bytes = (size_t)C * (bf16 ? 2 : 4);
        const char *next = (const char *)src + (row_at[2] + (size_t)(x0 + P) * C) * (bf16 ? 2 : 4);
        const int pixels = W - x0 - P < P ? W - x0 - P : P;
        for (size_t off = 0; off < (size_t)pixels * bytes; off += 64) _mm_prefetch(next + off, _MM_HINT_T0);
    }
    for (int b = 0; b < NB; b++) {
        __m512 w[9];
        for (int k = 0; k < 9; k++) w[k] = _mm512_loadu_ps(dw_w + k * C + 16 * b);
        const __m512 bias = _mm512_loadu_ps(dw_b + 16 * b);
        __m512 left[3], mid[3], right[3];
        for (int r = 0; r < 3; r++) {
            left[r] = column(src, bf16, valid[r], row_at[r] + 16 * b, x0 - 1, W, C);
            mid[r] = column(src, bf16, valid[r], row_at[r] + 16 * b, x0, W, C);
        }
        for (int p = 0; p < P; p++) {
            float *out = t + (size_t)p * C + 16 * b;
            if (p >= n) {
                _mm512_storeu_ps(out, _mm512_setzero_ps());
                continue;
            }
            __m512 acc = bias;
            for (int r = 0; r < 3; r++) {
                right[r] = column(src, bf16, valid[r], row_at[r] + 16 * b, x0 + p + 1, W, C);
                acc = _mm512_fmadd_ps(left[r], w[3 * r], acc);
                acc = _mm512_fmadd_ps(mid[r], w[3 * r + 1], acc);
                acc = _mm512_fmadd_ps(right[r], w[3 * r + 2], acc);
                left[r] = mid[r];
                mid[r] = right[r];
            }
            _mm512_storeu_ps(out, _mm512_max_ps(acc, _mm512_setzero_ps()));
        }
    }
}

/* dst = relu(src + pw(t)) for pixels x0 .. x0+n-1 of row y. fp32: pw_w is [C_in][C_out]; bf16:
 * pw_pairs is [C_in / 2][C_out][2] (two input channels side by side per output, as the dot
 * product instruction takes them). */
SCKD_INLINE void pointwise(const void *src, void *dst, int bf16, int C, int NB, int W, const float *pw_w,
                           const uint16_t *pw_pairs, const float *pw_b, int y, int x0, int n, int P, const float *t) {
    __m512 acc[MAX_P][MAX_C / 16];
    for (int p = 0; p < P; p++)
        for (int b = 0; b < NB; b++) acc[p][b] = _mm512_loadu_ps(pw_b + 16 * b);
    if (bf16) {
        /* t as bf16 pairs: one 32-bit word per pixel and pair of channels. */
        uint32_t tp[MAX_P * MAX_C / 2];
        for (int p = 0; p < P; p++)
            for (int b = 0; b < NB; b++) {
                __m256i h = (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(t + (size_t)p * C + 16 * b));
                _mm256_storeu_si256((__m256i *)(tp + (size_t)p * (C / 2) + 8 * b), h);
            }
        for (int j = 0; j < C / 2; j++) {
            __m512bh w[MAX_C / 16];
            for (int b = 0; b < NB; b++) w[b] = (__m512bh)_mm512_loadu_si512(pw_pairs + ((size_t)j * C + 16 * b) * 2);
            for (int p = 0; p < P; p++) {
                __m512bh a = (__m512bh)_mm512_set1_epi32((int)tp[p * (C / 2) + j]);
                for (int b = 0; b < NB; b++) acc[p][b] = _mm512_dpbf16_ps(acc[p][b], a, w[b]);
            }
        }
    } else {
        for (int i = 0; i < C; i++) {
            __m512 w[MAX_C / 16];
            for (int b = 0; b < NB; b++) w[b] = _mm512_loadu_ps(pw_w + (size_t)i * C + 16 * b);
            for (int p = 0; p < P; p++) {
                __m512 a = _mm512_set1_ps(t[(size_t)p * C + i]);
                for (int b = 0; b < NB; b++) acc[p][b] = _mm512_fmadd_ps(a, w[b], acc[p][b]);
            }
        }
    }
    for (int p = 0; p < n; p++) {
        const size_t at = ((size_t)y * W + x0 + p) * C;
        for (int b = 0; b < NB; b++) {
            __m512 v = _mm512_add_ps(acc[p][b], load16(src, at + 16 * b, bf16));
            store16(dst, at + 16 * b, _mm512_max_ps(v, _mm512_setzero_ps()), bf16);
        }
    }
}

/* Rows [y_begin, y_end) with NB = C / 16 output vectors per pixel and P pixels per register block
 * (P * NB accumulators + NB weights + 1 broadcast within the 32 vector registers). */
SCKD_INLINE void rows(const void *src, void *dst, int bf16, int C, int NB, int P, int H, int W, const float *dw_w,
                      const float *dw_b, const float *pw_w, const uint16_t *pw_pairs, const float *pw_b, int y_begin,
                      int y_end) {
    float t[MAX_P * MAX_C] __attribute__((aligned(64)));
    for (int y = y_begin; y < y_end; y++) {
        for (int x0 = 0; x0 < W; x0 += P) {
            const int n = W - x0 < P ? W - x0 : P;
            depthwise(src, bf16, C, NB, H, W, dw_w, dw_b, y, x0, n, P, t);
            pointwise(src, dst, bf16, C, NB, W, pw_w, pw_pairs, pw_b, y, x0, n, P, t);
        }
    }
}

/* One specialisation per channel count and type, so that every loop above is unrolled and the
 * accumulators are registers. */
#define SCKD_DS_VARIANT(NAME, C, P, BF16)                                                                       \
    SCKD_AVX512 static void NAME(const void *src, void *dst, int H, int W, const float *dw_w, const float *dw_b, \
                                 const float *pw_w, const uint16_t *pw_pairs, const float *pw_b, int y0, int y1) { \
        rows(src, dst, BF16, C, C / 16, P, H, W, dw_w, dw_b, pw_w, pw_pairs, pw_b, y0, y1);                        \
    }
SCKD_DS_VARIANT(ds16_f32, 16, 16, 0)
SCKD_DS_VARIANT(ds16_bf16, 16, 16, 1)
SCKD_DS_VARIANT(ds32_f32, 32, 12, 0)
SCKD_DS_VARIANT(ds32_bf16, 32, 12, 1)
SCKD_DS_VARIANT(ds48_f32, 48, 8, 0)
SCKD_DS_VARIANT(ds48_bf16, 48, 8, 1)
SCKD_DS_VARIANT(ds64_f32, 64, 6, 0)
SCKD_DS_VARIANT(ds64_bf16, 64, 6, 1)

int sckd_ldfc_ds_block_available(int channels, int bf16) {
    (void)bf16;
    if (channels <= 0 || channels > MAX_C || channels % 16 != 0) return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512bf16");
}

void sckd_ldfc_ds_block(const void *src, void *dst, int bf16, int channels, int H, int W, const float *dw_w,
                        const float *dw_b, const float *pw_w, const uint16_t *pw_pairs, const float *pw_b, int y_begin,
                        int y_end) {
    typedef void (*variant)(const void *, void *, int, int, const float *, const float *, const float *,
                            const uint16_t *, const float *, int, int);
    static const variant table[4][2] = {
        {ds16_f32, ds16_bf16}, {ds32_f32, ds32_bf16}, {ds48_f32, ds48_bf16}, {ds64_f32, ds64_bf16}};
    table[channels / 16 - 1][bf16 ? 1 : 0](src, dst, H, W, dw_w, dw_b, pw_w, pw_pairs, pw_b, y_begin, y_end);
}

#else

int sckd_ldfc_ds_block_available(int channels, int bf16) {
    (void)channels;
    (void)bf16;
    return 0;
}

void sckd_ldfc_ds_block(const void *src, void *dst, int bf16, int channels, int H, int W, const float *dw_w,
                        const float *dw_b, const float *pw_w, const uint16_t *pw_pairs, const float *pw_b, int y_begin,
                        int y_end) {
    (void)src; (void)dst; (void)bf16; (void)channels; (void)H; (void)W; (void)dw_w; (void)dw_b; (void)pw_w;
    (void)pw_pairs; (void)pw_b; (void)y_begin; (void)y_end;
}

#endif
