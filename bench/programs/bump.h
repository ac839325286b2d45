/* The bump allocator both programs allocate from, in the wasm32 build and the native
   ones alike, so allocation costs the same few instructions everywhere and neither side
   measures a different malloc. Allocation advances a pointer; nothing is freed one by
   one: bump_release() rolls the pointer back to a mark, once per round trip. */
#ifndef BENCH_BUMP_H
#define BENCH_BUMP_H

#include <stddef.h>

void *bump_alloc(size_t size);           /* 16-byte aligned; NULL when out of memory */
void *bump_calloc(size_t count, size_t size);
size_t bump_mark(void);                  /* what to release back to later */
void bump_release(size_t mark);

/* The callback shapes zstd and lz4 take for custom allocators (opaque unused). */
void *bump_alloc_cb(void *opaque, size_t size);
void *bump_calloc_cb(void *opaque, size_t size);
void bump_free_cb(void *opaque, void *address);

#endif
