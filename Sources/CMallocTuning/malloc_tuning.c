#include "malloc_tuning.h"

// Any C library header says which C library this is (glibc defines __GLIBC__ in it).
#include <stdlib.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void ocpi_tune_malloc(int mmap_threshold, int trim_threshold) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
#else
    (void)mmap_threshold;
    (void)trim_threshold;
#endif
}
