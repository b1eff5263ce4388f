#ifndef SCKD_PREPARE_BAND_H
#define SCKD_PREPARE_BAND_H

/* sckd_ldfc_prepare writing its space-to-depth output relative to quarter row dst_q0 (dst holds
 * rows dst_q0 ..), so that a caller can prepare one quarter row at a time into a small buffer and
 * use it while it is in cache (sckd_ldfc_body_input). The concatenated layout ignores dst_q0. */
int sckd_ldfc_prepare_band(const float *x, float gain, const float *illum, float *coarse, void *dst, int dst_q0,
                           int dst_bf16, int layout, int H, int W, int q_begin, int q_end);

#endif
