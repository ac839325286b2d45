/* The string.h of our freestanding wasm32 libc (libc.c): the memory functions only. */
#ifndef BENCH_LIBC_STRING_H
#define BENCH_LIBC_STRING_H
#include <stddef.h>
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
