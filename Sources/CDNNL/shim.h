// oneDNN 2.6 (Debian's libdnnl-dev, OpenMP runtime) for Swift: the v2 C API plus static inline
// wrappers (prefixed sckd_dnnl_) for the macros Swift cannot import.
#ifndef SCKD_CDNNL_SHIM_H
#define SCKD_CDNNL_SHIM_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

/// OpenMP (libgomp): the calling thread's team size for the parallel regions it starts.
void omp_set_num_threads(int n);
int omp_get_max_threads(void);

static inline void *sckd_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
static inline void *sckd_dnnl_memory_none(void) { return DNNL_MEMORY_NONE; }
/// The execution-argument index of the src1 of binary post-op number `index`.
static inline int sckd_dnnl_arg_post_op_src1(int index) {
    return DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1;
}

#endif
