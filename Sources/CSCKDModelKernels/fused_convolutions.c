#include "sckd_model_kernels.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prepare_band.h"

/* Convolutions fused with what surrounds them, where oneDNN's primitives are bound by memory
 * traffic rather than arithmetic.
 *
 * 1. LDFC-Net's depthwise-separable blocks, h = relu(h + pw(relu(dw(h)))), in one pass for all
 *    the blocks of a stage (depth first, row by row).
 *
 * As two oneDNN primitives the block is bound by memory traffic, not arithmetic: the depthwise
 * convolution reads the feature map and writes its result (several times its arithmetic's time at
 * 48 channels), then the 1x1 reads that result and the map again and writes the map. Here the
 * depthwise result of a few pixels lives in a buffer in L1 and goes straight into the 1x1, so each
 * block reads its input once and writes its output once.
 *
 * The 1x1 is register-blocked as oneDNN's own kernels are: P pixels x C/16 vectors of outputs stay
 * in registers while the input channels stream by (one broadcast and C/16 FMAs per channel and
 * pixel). bfloat16 maps use the CPU's bf16 dot products, two input channels per instruction,
 * with fp32 accumulation (as oneDNN's bf16 kernels); the depthwise part is computed in fp32 and
 * rounded to bf16 once before the 1x1, where oneDNN would store it as bf16.
 *
 * 2. The real-time network's body input: the prepare pass (L_up, E, space-to-depth of (x, E, L_up))
 *    one quarter row at a time into a buffer that stays in cache, the 1x1 l_down on it, relu, and
 *    LGC's calibration in the epilogue. Unfused, the 144-channel space-to-depth map (33 MB at 720p
 *    in fp32) was written once and read once, and the calibration read and wrote g again. */

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

/* relu(dw) for pixels x0 .. x0+n-1 of one row into t[p][C] (float); pixels p >= n are zero.
 * rows[0..2] are the rows above, at and below (NULL: outside the map, zero padding), each
 * [W][C]. One 16-channel block at a time, its 9 taps in registers, sliding a 3x3 window of
 * columns along the row: each pixel loads one new column (3 vectors) for its 9 FMAs. */
SCKD_INLINE __m512 column(const void *row, int bf16, int xx, int W, int C, int b) {
    if (!row || xx < 0 || xx >= W) return _mm512_setzero_ps();
    return load16(row, (size_t)xx * C + 16 * b, bf16);
}

SCKD_INLINE void depthwise(const void *const rows[3], int bf16, int C, int NB, int W, const float *dw_w, const float *dw_b,
                           int x0, int n, int P, float *t) {
    /* The row below is the only one not yet in cache (the other two were read for the rows
     * before); fetch the next tile's part of it while this tile computes. */
    if (rows[2] && x0 + P < W) {
        const size_t bytes = (size_t)C * (bf16 ? 2 : 4);
        const char *next = (const char *)rows[2] + (size_t)(x0 + P) * bytes;
        const int pixels = W - x0 - P < P ? W - x0 - P : P;
        for (size_t off = 0; off < (size_t)pixels * bytes; off += 64) _mm_prefetch(next + off, _MM_HINT_T0);
    }
    for (int b = 0; b < NB; b++) {
        __m512 w[9];
        for (int k = 0; k < 9; k++) w[k] = _mm512_loadu_ps(dw_w + k * C + 16 * b);
        const __m512 bias = _mm512_loadu_ps(dw_b + 16 * b);
        __m512 left[3], mid[3], right[3];
        for (int r = 0; r < 3; r++) {
            left[r] = column(rows[r], bf16, x0 - 1, W, C, b);
            mid[r] = column(rows[r], bf16, x0, W, C, b);
        }
        for (int p = 0; p < P; p++) {
            float *out = t + (size_t)p * C + 16 * b;
            if (p >= n) {
                _mm512_storeu_ps(out, _mm512_setzero_ps());
                continue;
            }
            __m512 acc = bias;
            for (int r = 0; r < 3; r++) {
                right[r] = column(rows[r], bf16, x0 + p + 1, W, C, b);
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

/* acc[p] = bias + W^T in[p] for P pixels: `in` is float [P][cin] (fp32 maps) or bfloat16 pairs
 * [P][cin / 2] (bf16 maps); w is [cin][C] (fp32) or pairs [cin / 2][C][2] (bf16). */
SCKD_INLINE void gemm_tile(__m512 acc[MAX_P][MAX_C / 16], int P, int NB, int cin, int C, int bf16, const float *in,
                           const uint32_t *in_pairs, const float *w, const uint16_t *w_pairs, const float *bias) {
    for (int p = 0; p < P; p++)
        for (int b = 0; b < NB; b++) acc[p][b] = _mm512_loadu_ps(bias + 16 * b);
    if (bf16) {
        for (int j = 0; j < cin / 2; j++) {
            __m512bh wv[MAX_C / 16];
            for (int b = 0; b < NB; b++) wv[b] = (__m512bh)_mm512_loadu_si512(w_pairs + ((size_t)j * C + 16 * b) * 2);
            for (int p = 0; p < P; p++) {
                __m512bh a = (__m512bh)_mm512_set1_epi32((int)in_pairs[(size_t)p * (cin / 2) + j]);
                for (int b = 0; b < NB; b++) acc[p][b] = _mm512_dpbf16_ps(acc[p][b], a, wv[b]);
            }
        }
    } else {
        for (int i = 0; i < cin; i++) {
            __m512 wv[MAX_C / 16];
            for (int b = 0; b < NB; b++) wv[b] = _mm512_loadu_ps(w + (size_t)i * C + 16 * b);
            for (int p = 0; p < P; p++) {
                __m512 a = _mm512_set1_ps(in[(size_t)p * cin + i]);
                for (int b = 0; b < NB; b++) acc[p][b] = _mm512_fmadd_ps(a, wv[b], acc[p][b]);
            }
        }
    }
}

/* out = relu(center + pw(t)) for pixels x0 .. x0+n-1 of one row ([W][C]). fp32: pw_w is
 * [C_in][C_out]; bf16: pw_pairs is [C_in / 2][C_out][2] (two input channels side by side per
 * output, as the dot product instruction takes them). */
SCKD_INLINE void pointwise(const void *center, void *out, int bf16, int C, int NB, const float *pw_w,
                           const uint16_t *pw_pairs, const float *pw_b, int x0, int n, int P, const float *t) {
    __m512 acc[MAX_P][MAX_C / 16];
    uint32_t tp[MAX_P * MAX_C / 2];  /* t as bf16 pairs: one 32-bit word per pixel and pair of channels */
    /* At 16 channels the conversion to bf16 pairs costs more than the dot products save (one thread,
     * 320x180, two blocks: 1.14 ms with them, 0.98 ms in fp32): bf16 maps, fp32 arithmetic. */
    const int dot = bf16 && NB > 1;
    if (dot)
        for (int p = 0; p < P; p++)
            for (int b = 0; b < NB; b++) {
                __m256i h = (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(t + (size_t)p * C + 16 * b));
                _mm256_storeu_si256((__m256i *)(tp + (size_t)p * (C / 2) + 8 * b), h);
            }
    gemm_tile(acc, P, NB, C, C, dot, t, tp, pw_w, pw_pairs, pw_b);
    for (int p = 0; p < n; p++) {
        const size_t at = (size_t)(x0 + p) * C;
        for (int b = 0; b < NB; b++) {
            __m512 v = _mm512_add_ps(acc[p][b], load16(center, at + 16 * b, bf16));
            store16(out, at + 16 * b, _mm512_max_ps(v, _mm512_setzero_ps()), bf16);
        }
    }
}

/* One output row of one block, with NB = C / 16 output vectors per pixel and P pixels per
 * register block (P * NB accumulators + NB weights + 1 broadcast within the 32 vector registers). */
SCKD_INLINE void block_row(const void *const rows[3], void *out, int bf16, int C, int NB, int P, int W,
                           const sckd_ds_weights *k) {
    float t[MAX_P * MAX_C] __attribute__((aligned(64)));
    for (int x0 = 0; x0 < W; x0 += P) {
        const int n = W - x0 < P ? W - x0 : P;
        depthwise(rows, bf16, C, NB, W, k->dw_w, k->dw_b, x0, n, P, t);
        pointwise(rows[1], out, bf16, C, NB, k->pw_w, k->pw_pairs, k->pw_b, x0, n, P, t);
    }
}

/* The tail 1x1 convolution on one finished row ([W][C] in the map's type, with P pixels of slack):
 * out row r = W^T row + bias, float, no activation. */
SCKD_INLINE void tail_row(const void *row, int bf16, int C, int NB, int P, int W, const sckd_conv1x1 *tail, int r) {
    for (int x0 = 0; x0 < W; x0 += P) {
        const int n = W - x0 < P ? W - x0 : P;
        __m512 acc[MAX_P][MAX_C / 16];
        gemm_tile(acc, P, NB, C, C, bf16, (const float *)row + (size_t)x0 * C, (const uint32_t *)row + (size_t)x0 * (C / 2),
                  tail->w, tail->w_pairs, tail->bias);
        for (int p = 0; p < n; p++)
            for (int b = 0; b < NB; b++) _mm512_storeu_ps(tail->out + ((size_t)r * W + x0 + p) * C + 16 * b, acc[p][b]);
    }
}

/* `count` blocks in sequence, depth first: output rows [y_begin, y_end) of the last block. Block
 * k's rows live in a ring of 3 rows (row r in slot r mod 3); each step, block 0 makes row s, block
 * 1 row s - 1, ..., so every row a block reads has just been made and is still in cache. The
 * band's edges are recomputed by each thread (count - 1 - k rows of block k on either side). With
 * a tail, the last block's row goes through the tail 1x1 while in cache instead of to dst. */
SCKD_INLINE int blocks(const void *src, void *dst, int bf16, int C, int NB, int P, int H, int W, int count,
                       const sckd_ds_weights *weights, const sckd_conv1x1 *tail, int y_begin, int y_end) {
    const size_t row_bytes = (size_t)W * C * (bf16 ? 2 : 4);
    const size_t slack = (size_t)MAX_P * C * (bf16 ? 2 : 4);
    const size_t ring_bytes = (size_t)(count - 1) * 3 * row_bytes, tail_bytes = tail ? row_bytes + slack : 0;
    char *ring = ring_bytes + tail_bytes ? aligned_alloc(64, (ring_bytes + tail_bytes + 63) / 64 * 64) : NULL;
    if (ring_bytes + tail_bytes && !ring) return -1;
    char *last = ring + ring_bytes;  /* the tail's input row */
    if (tail) memset(last + row_bytes, 0, slack);
    const int reach = count - 1;
    for (int s = y_begin - reach; s < y_end + reach; s++) {
        for (int k = 0; k < count; k++) {
            const int r = s - k;                                 /* the row block k makes this step */
            const int lo = y_begin - (reach - k), hi = y_end + (reach - k);
            if (r < lo || r >= hi || r < 0 || r >= H) continue;
            const void *in[3];
            for (int d = -1; d <= 1; d++) {
                const int rr = r + d;
                if (rr < 0 || rr >= H)
                    in[d + 1] = NULL;
                else if (k == 0)
                    in[d + 1] = (const char *)src + (size_t)rr * row_bytes;
                else
                    in[d + 1] = ring + ((size_t)(k - 1) * 3 + (size_t)(rr % 3)) * row_bytes;
            }
            void *out = k < count - 1 ? ring + ((size_t)k * 3 + (size_t)(r % 3)) * row_bytes
                        : tail        ? (void *)last
                                      : (char *)dst + (size_t)r * row_bytes;
            block_row(in, out, bf16, C, NB, P, W, &weights[k]);
            if (k == count - 1 && tail) tail_row(last, bf16, C, NB, P, W, tail, r);
        }
    }
    free(ring);
    return 0;
}

/* One specialisation per channel count and type, so that every loop above is unrolled and the
 * accumulators are registers. */
#define SCKD_DS_VARIANT(NAME, C, P, BF16)                                                                        \
    SCKD_AVX512 static int NAME(const void *src, void *dst, int H, int W, int count, const sckd_ds_weights *w,   \
                                const sckd_conv1x1 *tail, int y0, int y1) {                                      \
        return blocks(src, dst, BF16, C, C / 16, P, H, W, count, w, tail, y0, y1);                               \
    }
/* The channel counts, each with its register block P (P * C / 16 accumulators, C / 16 weights and a
 * broadcast within the 32 vector registers), in float and bf16: V(name, C, P, bf16). */
#define SCKD_FOR_EACH_WIDTH(V, PREFIX)                                                                       \
    V(PREFIX##16_f32, 16, 16, 0) V(PREFIX##16_bf16, 16, 16, 1) V(PREFIX##32_f32, 32, 12, 0)                  \
    V(PREFIX##32_bf16, 32, 12, 1) V(PREFIX##48_f32, 48, 8, 0) V(PREFIX##48_bf16, 48, 8, 1)                   \
    V(PREFIX##64_f32, 64, 6, 0) V(PREFIX##64_bf16, 64, 6, 1)
SCKD_FOR_EACH_WIDTH(SCKD_DS_VARIANT, ds)

int sckd_ldfc_ds_block_available(int channels, int bf16) {
    (void)bf16;
    if (channels <= 0 || channels > MAX_C || channels % 16 != 0) return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512bf16");
}

int sckd_ldfc_ds_blocks(const void *src, void *dst, int bf16, int channels, int H, int W, int count,
                        const sckd_ds_weights *weights, const sckd_conv1x1 *tail, int y_begin, int y_end) {
    typedef int (*variant)(const void *, void *, int, int, int, const sckd_ds_weights *, const sckd_conv1x1 *, int, int);
    static const variant table[4][2] = {
        {ds16_f32, ds16_bf16}, {ds32_f32, ds32_bf16}, {ds48_f32, ds48_bf16}, {ds64_f32, ds64_bf16}};
    if (count < 1) return 0;
    return table[channels / 16 - 1][bf16 ? 1 : 0](src, dst, H, W, count, weights, tail, y_begin, y_end);
}

/* ---- 2. The real-time body input ---- */

static uint64_t monotonic_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

enum { S2D = 144 };  /* channels of the space-to-depth input: 9 x 4 x 4 */

/* One quarter row: g = calibrate(relu(l_down(prepared))). `prepared` holds the row's w4 pixels of
 * 144 channels (+ P zero pixels of slack for the last register block). */
SCKD_INLINE void body_row(const void *prepared, const float *illum, void *g, int bf16, int C, int NB, int P, int h4,
                          int w4, int q, const float *w, const uint16_t *w_pairs, const float *bias, const float *ws,
                          const float *s_bias, const float *wt, const float *t_bias) {
    const size_t plane = (size_t)h4 * w4;
    for (int x0 = 0; x0 < w4; x0 += P) {
        const int n = w4 - x0 < P ? w4 - x0 : P;
        __m512 acc[MAX_P][MAX_C / 16];
        gemm_tile(acc, P, NB, S2D, C, bf16, (const float *)prepared + (size_t)x0 * S2D,
                  (const uint32_t *)prepared + (size_t)x0 * (S2D / 2), w, w_pairs, bias);
        for (int p = 0; p < n; p++) {
            const size_t px = (size_t)q * w4 + x0 + p;
            const __m512 l0 = _mm512_set1_ps(illum[px]), l1 = _mm512_set1_ps(illum[plane + px]),
                         l2 = _mm512_set1_ps(illum[2 * plane + px]);
            for (int b = 0; b < NB; b++) {
                const int o = 16 * b;
                __m512 sc = _mm512_fmadd_ps(l0, _mm512_loadu_ps(ws + o), _mm512_loadu_ps(s_bias + o));
                sc = _mm512_fmadd_ps(l1, _mm512_loadu_ps(ws + C + o), sc);
                sc = _mm512_fmadd_ps(l2, _mm512_loadu_ps(ws + 2 * C + o), sc);
                __m512 sh = _mm512_fmadd_ps(l0, _mm512_loadu_ps(wt + o), _mm512_loadu_ps(t_bias + o));
                sh = _mm512_fmadd_ps(l1, _mm512_loadu_ps(wt + C + o), sh);
                sh = _mm512_fmadd_ps(l2, _mm512_loadu_ps(wt + 2 * C + o), sh);
                const __m512 v = _mm512_max_ps(acc[p][b], _mm512_setzero_ps());
                store16(g, px * C + o, _mm512_fmadd_ps(v, sc, sh), bf16);
            }
        }
    }
}

#define SCKD_BODY_VARIANT(NAME, C, P, BF16)                                                                        \
    SCKD_AVX512 static void NAME(const void *prepared, const float *illum, void *g, int h4, int w4, int q,         \
                                 const float *w, const uint16_t *w_pairs, const float *bias, const float *ws,      \
                                 const float *s_bias, const float *wt, const float *t_bias) {                      \
        body_row(prepared, illum, g, BF16, C, C / 16, P, h4, w4, q, w, w_pairs, bias, ws, s_bias, wt, t_bias);     \
    }
SCKD_FOR_EACH_WIDTH(SCKD_BODY_VARIANT, body)

int sckd_ldfc_body_input(const float *x, float gain, const float *illum, float *coarse, void *g, int bf16, int channels,
                         int H, int W, const float *w, const uint16_t *w_pairs, const float *bias, const float *ws,
                         const float *s_bias, const float *wt, const float *t_bias, int q_begin, int q_end,
                         uint64_t *prepare_ns) {
    typedef void (*variant)(const void *, const float *, void *, int, int, int, const float *, const uint16_t *,
                            const float *, const float *, const float *, const float *, const float *);
    static const variant table[4][2] = {{body16_f32, body16_bf16},
                                        {body32_f32, body32_bf16},
                                        {body48_f32, body48_bf16},
                                        {body64_f32, body64_bf16}};
    const int h4 = ((H + 1) / 2 + 1) / 2, w4 = ((W + 1) / 2 + 1) / 2;
    const size_t bytes = ((size_t)w4 + MAX_P) * S2D * (bf16 ? 2 : 4);
    void *prepared = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!prepared) return -1;
    memset(prepared, 0, bytes);  /* the slack past w4 stays zero */
    const variant row = table[channels / 16 - 1][bf16 ? 1 : 0];
    uint64_t spent = 0;
    for (int q = q_begin; q < q_end; q++) {
        const uint64_t t0 = prepare_ns ? monotonic_ns() : 0;
        if (sckd_ldfc_prepare_band(x, gain, illum, coarse, prepared, q, bf16, SCKD_PREPARE_SPACE_TO_DEPTH4, H, W, q, q + 1)) {
            free(prepared);
            return -1;
        }
        if (prepare_ns) spent += monotonic_ns() - t0;
        row(prepared, illum, g, h4, w4, q, w, w_pairs, bias, ws, s_bias, wt, t_bias);
    }
    if (prepare_ns) __atomic_fetch_add(prepare_ns, spent, __ATOMIC_RELAXED);
    free(prepared);
    return 0;
}

/* ---- 3. Phase A's illumination head ---- */

/* e^x for x in [-88, 88]: 2^n e^f, |f| <= ln2 / 2, degree-6 polynomial (relative error ~2e-7). */
SCKD_INLINE __m512 exp_ps(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-88.0f)), _mm512_set1_ps(88.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 f = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    f = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), f);
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

enum { HEAD_IN = 16, HEAD_OUT = 3 };

/* r[i] = row i of a 16x16 block -> out + j * out_stride = column j (in-register transpose:
 * 32-bit and 64-bit interleaves, then two rounds of 128-bit lane shuffles). */
SCKD_INLINE void transpose16_store(__m512 r[16], float *out, size_t out_stride) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        const __m512d a0 = _mm512_castps_pd(t[4 * i]), a1 = _mm512_castps_pd(t[4 * i + 1]);
        const __m512d a2 = _mm512_castps_pd(t[4 * i + 2]), a3 = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
    }
    /* r[4i + j] holds, in each 128-bit lane L, element 4L + j of rows 4i .. 4i+3. */
    for (int j = 0; j < 4; j++) {
        t[j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
        t[4 + j] = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
        t[8 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
        t[12 + j] = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
    }
    for (int j = 0; j < 4; j++) {
        _mm512_storeu_ps(out + (size_t)j * out_stride, _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88));
        _mm512_storeu_ps(out + (size_t)(4 + j) * out_stride, _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0x88));
        _mm512_storeu_ps(out + (size_t)(8 + j) * out_stride, _mm512_shuffle_f32x4(t[j], t[8 + j], 0xdd));
        _mm512_storeu_ps(out + (size_t)(12 + j) * out_stride, _mm512_shuffle_f32x4(t[4 + j], t[12 + j], 0xdd));
    }
}

/* Row yy of the channels-last map as 16 planes of `stride` floats, pixel x at index x + 1 (index 0
 * and everything past W stay zero: the convolution's padding); zeros when yy is outside. */
SCKD_AVX512 static void head_planes(const void *a, int bf16, int H, int W, int yy, size_t stride, float *planes) {
    if (yy < 0 || yy >= H) {
        memset(planes, 0, sizeof(float) * HEAD_IN * stride);
        return;
    }
    int x = 0;
    for (; x + 16 <= W; x += 16) {
        __m512 r[16];
        for (int i = 0; i < 16; i++) r[i] = load16(a, ((size_t)yy * W + x + i) * HEAD_IN, bf16);
        transpose16_store(r, planes + 1 + x, stride);
    }
    for (; x < W; x++) {
        const __m512 v = load16(a, ((size_t)yy * W + x) * HEAD_IN, bf16);
        float lane[HEAD_IN] __attribute__((aligned(64)));
        _mm512_store_ps(lane, v);
        for (int c = 0; c < HEAD_IN; c++) planes[c * stride + 1 + x] = lane[c];
    }
}

SCKD_AVX512 static int head_rows(const void *a, int bf16, int H, int W, const float *w, const float *bias, float floor,
                                 float *L, int y_begin, int y_end) {
    const size_t stride = (size_t)W + 2 + 16;  /* left zero, W pixels, right zero, a vector of slack */
    float *ring = calloc(3 * HEAD_IN * stride, sizeof(float));
    if (!ring) return -1;
    int held[3] = {-2, -2, -2};  /* the row each slot of the ring holds */
    const size_t plane = (size_t)H * W;
    for (int y = y_begin; y < y_end; y++) {
        const float *rows[3];
        for (int ky = 0; ky < 3; ky++) {
            const int yy = y + ky - 1, slot = ((yy % 3) + 3) % 3;
            if (held[slot] != yy) {
                head_planes(a, bf16, H, W, yy, stride, ring + (size_t)slot * HEAD_IN * stride);
                held[slot] = yy;
            }
            rows[ky] = ring + (size_t)slot * HEAD_IN * stride;
        }
        for (int x0 = 0; x0 < W; x0 += 16) {
            /* One accumulator per output and kernel row: nine chains of 48 FMAs rather than three
             * of 144 (the FMA latency bounded this loop). */
            __m512 part[HEAD_OUT][3];
            for (int o = 0; o < HEAD_OUT; o++)
                for (int ky = 0; ky < 3; ky++) part[o][ky] = _mm512_setzero_ps();
            for (int c = 0; c < HEAD_IN; c++)
                for (int ky = 0; ky < 3; ky++) {
                    const float *r = rows[ky] + (size_t)c * stride + x0;  /* index x0 + kx is pixel x0 + kx - 1 */
                    const __m512 v0 = _mm512_loadu_ps(r), v1 = _mm512_loadu_ps(r + 1), v2 = _mm512_loadu_ps(r + 2);
                    for (int o = 0; o < HEAD_OUT; o++) {
                        const float *wk = w + ((o * HEAD_IN + c) * 3 + ky) * 3;  /* PyTorch (out, in, ky, kx) */
                        part[o][ky] = _mm512_fmadd_ps(v0, _mm512_set1_ps(wk[0]), part[o][ky]);
                        part[o][ky] = _mm512_fmadd_ps(v1, _mm512_set1_ps(wk[1]), part[o][ky]);
                        part[o][ky] = _mm512_fmadd_ps(v2, _mm512_set1_ps(wk[2]), part[o][ky]);
                    }
                }
            __m512 acc[HEAD_OUT];
            for (int o = 0; o < HEAD_OUT; o++)
                acc[o] = _mm512_add_ps(_mm512_add_ps(_mm512_set1_ps(bias[o]), part[o][0]), _mm512_add_ps(part[o][1], part[o][2]));
            const __mmask16 keep = W - x0 >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (W - x0)) - 1);
            for (int o = 0; o < HEAD_OUT; o++) {
                const __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), acc[o]));
                const __m512 sig = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
                const __m512 l = _mm512_fmadd_ps(sig, _mm512_set1_ps(1.0f - floor), _mm512_set1_ps(floor));
                _mm512_mask_storeu_ps(L + o * plane + (size_t)y * W + x0, keep, l);
            }
        }
    }
    free(ring);
    return 0;
}

int sckd_ldfc_illumination_head(const void *a, int bf16, int H, int W, const float *w, const float *bias, float floor,
                                float *L, int y_begin, int y_end) {
    return head_rows(a, bf16, H, W, w, bias, floor, L, y_begin, y_end);
}

#else

int sckd_ldfc_ds_block_available(int channels, int bf16) {
    (void)channels;
    (void)bf16;
    return 0;
}

int sckd_ldfc_ds_blocks(const void *src, void *dst, int bf16, int channels, int H, int W, int count,
                        const sckd_ds_weights *weights, const sckd_conv1x1 *tail, int y_begin, int y_end) {
    (void)tail;
    (void)src; (void)dst; (void)bf16; (void)channels; (void)H; (void)W; (void)count; (void)weights; (void)y_begin;
    (void)y_end;
    return -1;
}

int sckd_ldfc_body_input(const float *x, float gain, const float *illum, float *coarse, void *g, int bf16, int channels,
                         int H, int W, const float *w, const uint16_t *w_pairs, const float *bias, const float *ws,
                         const float *s_bias, const float *wt, const float *t_bias, int q_begin, int q_end,
                         uint64_t *prepare_ns) {
    (void)prepare_ns;
    (void)x; (void)gain; (void)illum; (void)coarse; (void)g; (void)bf16; (void)channels; (void)H; (void)W; (void)w;
    (void)w_pairs; (void)bias; (void)ws; (void)s_bias; (void)wt; (void)t_bias; (void)q_begin; (void)q_end;
    return -1;
}

int sckd_ldfc_illumination_head(const void *a, int bf16, int H, int W, const float *w, const float *bias, float floor,
                                float *L, int y_begin, int y_end) {
    (void)a; (void)bf16; (void)H; (void)W; (void)w; (void)bias; (void)floor; (void)L; (void)y_begin; (void)y_end;
    return -1;
}

#endif
