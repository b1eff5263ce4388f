#include "sckd_media_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sckd_kernel_support.h"

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
