/* Shared by every kernel: the export marker and a small deterministic PRNG, so the
   native build and the wasm32 build see exactly the same inputs. No libc. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(#name)))
#define IMPORT(mod, name) __attribute__((import_module(#mod), import_name(#name)))
#else
#define EXPORT(name)
#define IMPORT(mod, name)
#endif

/* xorshift32: one step of the generator every kernel fills its inputs with. */
static inline uint32_t bench_xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif
