#include "sckd_core_kernels.h"

#include <math.h>
#include <stdlib.h>


/* Bilinear sample positions of a coarse grid for each of `n` pixels (align-corners-false, clamped):
 * index of the left/top cell and the weight of the next one. */
static void grid_positions(int n, int cells, int *index, float *frac) {
    for (int i = 0; i < n; i++) {
        float g = ((float)i + 0.5f) * (float)cells / (float)n - 0.5f;
        if (g < 0) g = 0;
        if (g > (float)(cells - 1)) g = (float)(cells - 1);
        int j = (int)g;
        if (j > cells - 2) j = cells > 1 ? cells - 2 : 0;
        index[i] = j;
        frac[i] = cells > 1 ? g - (float)j : 0.0f;
    }
}

SCKD_CLONES
static void tone_row(const float *restrict x, float *restrict y, const float *restrict weight, int width, float x_scale,
                     float knee, float span) {
    for (int i = 0; i < width; i++) {
        float xv = x[i] * x_scale;
        xv = xv < 1.0f ? xv : 1.0f;
        float o = xv + weight[i] * (y[i] - xv);
        o = o < 0.0f ? 0.0f : o > 1.0f ? 1.0f : o;
        /* Above the knee, a soft roll-off (slope 1 at the knee, t / (1 + t): no exp, so the loop
         * vectorises) that takes 1 to `white`. */
        float t = (o - knee) / span;
        t = t > 0.0f ? t : 0.0f;
        float rolled = knee + span * t / (1.0f + t);
        o = o > knee ? rolled : o;
        y[i] = o > xv ? o : xv;
    }
}

int sckd_exposure_tone(const float *x, float x_scale, float *y, int width, int height, const float *grid, int grid_w,
                       int grid_h, float exposure, float knee, float white) {
    size_t plane = (size_t)width * (size_t)height;
    int *col = malloc(sizeof(int) * (size_t)(width + height));
    float *buf = malloc(sizeof(float) * (size_t)(2 * width + height + grid_w));
    if (!col || !buf) {
        free(col);
        free(buf);
        return -1;
    }
    int *row_index = col + width;
    float *col_frac = buf, *weight = buf + width, *row_frac = weight + width, *row_grid = row_frac + height;
    grid_positions(width, grid_w, col, col_frac);
    grid_positions(height, grid_h, row_index, row_frac);
    /* span s with knee + s r / (s + r) = white for r = 1 - knee. */
    float r = 1.0f - knee, span = r * (white - knee) / (r - (white - knee));
    for (int r = 0; r < height; r++) {
        const float *g0 = grid + (size_t)row_index[r] * grid_w;
        const float *g1 = grid_h > 1 ? g0 + grid_w : g0;
        for (int j = 0; j < grid_w; j++) row_grid[j] = g0[j] + row_frac[r] * (g1[j] - g0[j]);
        for (int i = 0; i < width; i++) {
            int j = col[i];
            float a = row_grid[j], b = grid_w > 1 ? row_grid[j + 1] : a;
            weight[i] = exposure * (a + col_frac[i] * (b - a));
        }
        for (int c = 0; c < 3; c++) {
            size_t o = c * plane + (size_t)r * width;
            tone_row(x + o, y + o, weight, width, x_scale, knee, span);
        }
    }
    free(col);
    free(buf);
    return 0;
}
