#ifndef OCPI_MALLOC_TUNING_H
#define OCPI_MALLOC_TUNING_H

/// Sets how the C library's allocator maps and returns memory: blocks up to `mmap_threshold`
/// bytes come from the heap rather than a mapping of their own, and free memory at the top of the
/// heap is returned to the system once it exceeds `trim_threshold`. Does nothing where the C
/// library has no such settings (anything but glibc).
void ocpi_tune_malloc(int mmap_threshold, int trim_threshold);

#endif
