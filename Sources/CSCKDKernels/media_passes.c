#include "sckd_kernels.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clones.h"
#include "exposure.h"

SCKD_CLONES
static void rgb_row(const uint8_t *restrict yr, const float *restrict dr, const float *restrict dg,
                    const float *restrict db, int width, float y_offset, float y_scale, float *restrict ro,
                    float *restrict go, float *restrict bo) {
    for (int x = 0; x < width; x++) {
        float l = ((float)yr[x] - y_offset) * y_scale;
        ro[x] = l + dr[x];
        go[x] = l + dg[x];
        bo[x] = l + db[x];
    }
}

int sckd_yuv8_to_rgbf(const uint8_t *y, int y_stride, const uint8_t *u, int u_stride, const uint8_t *v, int v_stride,
                      int sx, int sy, int width, int height, float y_offset, float y_scale, float cr_r, float cr_g,
                      float cb_g, float cb_b, float *r, float *g, float *b) {
    /* The chroma terms of one chroma row, expanded to full width, so each luma row is one stream. */
    float *dr = malloc(sizeof(float) * 3 * (size_t)width);
    if (!dr) return -1;
    float *dg = dr + width, *db = dg + width;
    for (int row = 0; row < height; row++) {
        if ((row & ((1 << sy) - 1)) == 0) {
            const uint8_t *ur = u + (size_t)(row >> sy) * u_stride, *vr = v + (size_t)(row >> sy) * v_stride;
            for (int x = 0; x < width; x++) {
                float cb = (float)ur[x >> sx] - 128, cr = (float)vr[x >> sx] - 128;
                dr[x] = cr_r * cr;
                dg[x] = -cr_g * cr - cb_g * cb;
                db[x] = cb_b * cb;
            }
        }
        size_t o = (size_t)row * width;
        rgb_row(y + (size_t)row * y_stride, dr, dg, db, width, y_offset, y_scale, r + o, g + o, b + o);
    }
    free(dr);
    return 0;
}

static inline uint8_t clamp_byte(float v) {
    v = v > 0 ? v : 0;
    v = v < 255 ? v : 255;
    return (uint8_t)(int)v;
}

SCKD_CLONES
static void luma_row(const float *restrict r, const float *restrict g, const float *restrict b, int width, float kr,
                     float kg, float kb, float y_offset, float y_scale, uint8_t *restrict out) {
    for (int x = 0; x < width; x++) out[x] = clamp_byte(y_offset + 0.5f + y_scale * (kr * r[x] + kg * g[x] + kb * b[x]));
}

void sckd_rgbf_to_yuv8(const float *r, const float *g, const float *b, int width, int height, int sx, int sy,
                       float kr, float kg, float kb, float y_offset, float y_scale, float cb_scale, float cr_scale,
                       uint8_t *y, int y_stride, uint8_t *u, int u_stride, uint8_t *v, int v_stride) {
    for (int row = 0; row < height; row++) {
        size_t o = (size_t)row * width;
        luma_row(r + o, g + o, b + o, width, kr, kg, kb, y_offset, y_scale, y + (size_t)row * y_stride);
    }
    int cw = (width + (1 << sx) - 1) >> sx, ch = (height + (1 << sy) - 1) >> sy;
    for (int cy = 0; cy < ch; cy++) {
        uint8_t *urow = u + (size_t)cy * u_stride, *vrow = v + (size_t)cy * v_stride;
        int y0 = cy << sy, y1 = y0 + (1 << sy) - 1;
        if (y1 > height - 1) y1 = height - 1;
        const float *r0 = r + (size_t)y0 * width, *g0 = g + (size_t)y0 * width, *b0 = b + (size_t)y0 * width;
        const float *r1 = r + (size_t)y1 * width, *g1 = g + (size_t)y1 * width, *b1 = b + (size_t)y1 * width;
        for (int cx = 0; cx < cw; cx++) {
            int x0 = cx << sx, x1 = x0 + (1 << sx) - 1;
            if (x1 > width - 1) x1 = width - 1;
            float sr = 0.25f * (r0[x0] + r0[x1] + r1[x0] + r1[x1]);
            float sg = 0.25f * (g0[x0] + g0[x1] + g1[x0] + g1[x1]);
            float sb = 0.25f * (b0[x0] + b0[x1] + b1[x0] + b1[x1]);
            float l = kr * sr + kg * sg + kb * sb;
            urow[cx] = clamp_byte(128 + cb_scale * (sb - l) + 0.5f);
            vrow[cx] = clamp_byte(128 + cr_scale * (sr - l) + 0.5f);
        }
    }
}

SCKD_CLONES
static float block_sum(const float *restrict x, size_t n) {
    float lanes[16] = {0};  /* 16 independent sums: vectorises without reassociating */
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) lanes[k] += x[i + k];
    float s = 0;
    for (; i < n; i++) s += x[i];
    for (int k = 0; k < 16; k++) s += lanes[k];
    return s;
}

double sckd_sum_f32(const float *x, size_t n) {
    double total = 0;
    for (size_t i = 0; i < n; i += 4096) total += block_sum(x + i, n - i < 4096 ? n - i : 4096);
    return total;
}

SCKD_CLONES
static void expose_block(const float *restrict src, float *restrict dst, size_t n, float gain, float k) {
    for (size_t i = 0; i < n; i++) {
        float e = sckd_expose(src[i], gain, k);
        dst[i] = e > 0.0f ? e : 0.0f;
    }
}

void sckd_expose_f32(const float *src, float *dst, size_t n, float gain) {
    if (gain == 1.0f) {
        if (dst != src) memmove(dst, src, n * sizeof(float));
        return;
    }
    expose_block(src, dst, n, gain, powf(gain, 1.0f / 2.4f));
}

/* linear(v) on a grid of 1024 steps over [0, 1], interpolated: within 2e-6 of the formula. */
enum { LINEAR_STEPS = 1024 };
static float linear_table[LINEAR_STEPS + 1];
static pthread_once_t linear_once = PTHREAD_ONCE_INIT;

static void fill_linear_table(void) {
    for (int i = 0; i <= LINEAR_STEPS; i++) {
        double v = (double)i / LINEAR_STEPS;
        linear_table[i] = (float)(v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
    }
}

double sckd_linear_light_mean(const float *x, size_t n, size_t step) {
    pthread_once(&linear_once, fill_linear_table);
    if (step == 0) step = 1;
    double total = 0;
    size_t count = 0;
    /* Whole blocks of 64 samples, one block in `step`: the rest of the picture is not read at all
     * (a stride over single samples would still bring in every cache line). */
    for (size_t b = 0; b < n; b += 64 * step) {
        size_t end = b + 64 < n ? b + 64 : n;
        for (size_t i = b; i < end; i++, count++) {
            float v = x[i] * LINEAR_STEPS;
            v = v > 0.0f ? v : 0.0f;
            v = v < (float)LINEAR_STEPS ? v : (float)LINEAR_STEPS;
            int j = (int)v;
            j = j < LINEAR_STEPS ? j : LINEAR_STEPS - 1;
            float t = v - (float)j;
            total += linear_table[j] + t * (linear_table[j + 1] - linear_table[j]);
        }
    }
    return count ? total / (double)count : 0;
}
