#include "sckd_core_kernels.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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
static float block_luma_sum(const float *restrict r, const float *restrict g, const float *restrict b, size_t n) {
    float lanes[16] = {0};  /* as block_sum */
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) lanes[k] += 0.299f * r[i + k] + 0.587f * g[i + k] + 0.114f * b[i + k];
    float s = 0;
    for (; i < n; i++) s += 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
    for (int k = 0; k < 16; k++) s += lanes[k];
    return s;
}

double sckd_mean_luma_f32(const float *r, const float *g, const float *b, size_t n) {
    double total = 0;
    for (size_t i = 0; i < n; i += 4096) {
        size_t m = n - i < 4096 ? n - i : 4096;
        total += block_luma_sum(r + i, g + i, b + i, m);
    }
    return n ? total / (double)n : 0;
}

SCKD_CLONES
void sckd_scale_clamp_f32(float *x, size_t n, float gain) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i] * gain;
        x[i] = v < 1.0f ? v : 1.0f;
    }
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

/* linear(x), x clamped to [0, 1], from the table (filled first). */
static inline float table_linear(float x) {
    float v = x * LINEAR_STEPS;
    v = v > 0.0f ? v : 0.0f;
    v = v < (float)LINEAR_STEPS ? v : (float)LINEAR_STEPS;
    int j = (int)v;
    j = j < LINEAR_STEPS ? j : LINEAR_STEPS - 1;
    float t = v - (float)j;
    return linear_table[j] + t * (linear_table[j + 1] - linear_table[j]);
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
        for (size_t i = b; i < end; i++, count++) total += table_linear(x[i]);
    }
    return count ? total / (double)count : 0;
}

int sckd_cell_means(const float *x, int width, int height, int channels, int columns, int rows, int linear,
                    float *means) {
    if (linear) pthread_once(&linear_once, fill_linear_table);
    int x0 = 1 % width, sampled_x = (width - x0 + 1) / 2;  /* x = 1, 3, 5, ... (0 in a picture 1 wide) */
    int *cell_of = malloc((size_t)(sampled_x > 0 ? sampled_x : 1) * sizeof(int));
    double *sums = calloc((size_t)columns * rows, sizeof(double));
    float *row_sums = malloc((size_t)columns * sizeof(float));
    size_t *counts = calloc((size_t)columns * rows, sizeof(size_t));
    if (!cell_of || !sums || !row_sums || !counts) {
        free(cell_of); free(sums); free(row_sums); free(counts);
        return -1;
    }
    for (int k = 0; k < sampled_x; k++) cell_of[k] = (x0 + 2 * k) * columns / width;
    size_t plane = (size_t)width * height;
    for (int y = 1 % height; y < height; y += 2) {
        int cy = y * rows / height;
        for (int c = 0; c < channels; c++) {
            const float *row = x + c * plane + (size_t)y * width + x0;
            for (int i = 0; i < columns; i++) row_sums[i] = 0;
            if (linear)
                for (int k = 0; k < sampled_x; k++) row_sums[cell_of[k]] += table_linear(row[2 * k]);
            else
                for (int k = 0; k < sampled_x; k++) row_sums[cell_of[k]] += row[2 * k];
            for (int i = 0; i < columns; i++) sums[cy * columns + i] += row_sums[i];
        }
        for (int k = 0; k < sampled_x; k++) counts[cy * columns + cell_of[k]] += (size_t)channels;
    }
    for (int i = 0; i < columns * rows; i++) means[i] = counts[i] ? (float)(sums[i] / (double)counts[i]) : 0.0f;
    free(cell_of); free(sums); free(row_sums); free(counts);
    return 0;
}
