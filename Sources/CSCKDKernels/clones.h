#ifndef SCKD_CLONES_H
#define SCKD_CLONES_H

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

#endif
