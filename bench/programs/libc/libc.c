/* A tiny freestanding libc for the wasm32 builds of the programs: what lz4 and zstd
   call from string.h and stdlib.h, and nothing else. Built with -fno-builtin so that
   clang does not turn these very loops back into calls to themselves.

   The copies move 8 bytes at a time through unaligned loads and stores (legal and
   cheap in Wasm), then finish byte by byte: simple, and fast enough that the programs'
   own code, not the libc, dominates the timings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../bump.h"

typedef uint64_t __attribute__((aligned(1), may_alias)) unaligned_u64;

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (; n >= 8; n -= 8, d += 8, s += 8) *(unaligned_u64 *)d = *(const unaligned_u64 *)s;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) {  /* a forward copy never reads what it already wrote */
        for (; n >= 8; n -= 8, d += 8, s += 8) *(unaligned_u64 *)d = *(const unaligned_u64 *)s;
        while (n--) *d++ = *s++;
    } else {                     /* dst overlaps the tail of src: copy from the end */
        d += n;
        s += n;
        for (; n >= 8; n -= 8) {
            d -= 8;
            s -= 8;
            *(unaligned_u64 *)d = *(const unaligned_u64 *)s;
        }
        while (n--) *--d = *--s;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    uint64_t word = 0x0101010101010101ull * (unsigned char)c;
    for (; n >= 8; n -= 8, d += 8) *(unaligned_u64 *)d = word;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *p = a, *q = b;
    /* skip equal words quickly; the differing one is settled byte by byte below */
    for (; n >= 8 && *(const unaligned_u64 *)p == *(const unaligned_u64 *)q; n -= 8, p += 8, q += 8) {}
    for (; n; n--, p++, q++)
        if (*p != *q) return *p < *q ? -1 : 1;
    return 0;
}

size_t strlen(const char *s) {
    const char *e = s;
    while (*e) e++;
    return (size_t)(e - s);
}

void *malloc(size_t size) { return bump_alloc(size); }

void *calloc(size_t count, size_t size) { return bump_calloc(count, size); }

void free(void *p) { (void)p; }

_Noreturn void abort(void) { __builtin_trap(); }
