#ifndef SCKD_KERNEL_SUPPORT_H
#define SCKD_KERNEL_SUPPORT_H

/* What every kernel target shares: how hot loops are compiled for the CPU, and exposure in linear
 * light as one sample's arithmetic. */

/* Hot loops are compiled for AVX-512 and AVX2 beside the baseline; the loader picks one for the
 * CPU (ifunc). Not under sanitizers: ifunc resolvers run before the sanitizer runtime is up. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SCKD_SANITIZED 1
#endif
#endif
#if defined(__x86_64__) && defined(__clang__) && !defined(SCKD_SANITIZED)
#define SCKD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SCKD_CLONES
#endif

/* A sample of an sRGB-coded picture, exposed `gain` times longer in linear light:
 * srgb(gain * linear(v)), clamped to 1, in two fused multiply-adds and a min/max.
 *
 * Where v and the result both lie on sRGB's power segment, linear light scales by `gain` exactly
 * when (v + 0.055) scales by gain^(1/2.4) (`k`); on the linear toe, v itself scales by `gain`. The
 * exact curve follows whichever of the two is lower for gain > 1 (higher for gain < 1); between
 * them, around the toe's knee, the error stays below 2e-3 (half an 8-bit level) for gains up to 2.
 * A gain on the coded values instead (one factor for every sample, matched on the mean) moves the
 * dark, noisy toe by gain^0.42 relative to the rest: on night footage, enough for the enhanced
 * picture to keep flickering with auto-exposure jitter. */
static inline float sckd_expose(float v, float gain, float k) {
    float power = (v + 0.055f) * k - 0.055f, toe = v * gain;
    float e = gain > 1.0f ? (power < toe ? power : toe) : (power > toe ? power : toe);
    return e < 1.0f ? e : 1.0f;
}

#endif
