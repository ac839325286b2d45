/* The stdlib.h of our freestanding wasm32 libc: malloc and friends are the bump
   allocator (bump.c), free does nothing; abort traps. qsort is declared
   for the same unused code as in stdio.h. */
#ifndef BENCH_LIBC_STDLIB_H
#define BENCH_LIBC_STDLIB_H
#include <stddef.h>
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void free(void *p);
_Noreturn void abort(void);
void qsort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));
#endif
