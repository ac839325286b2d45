/* What the two programs (lz4_bench.c, zstd_bench.c) share: the input area, a
   generator of pseudo-text to fill it, and the hash their results are made of.

   Each program exports the same four functions, so that one harness drives both:
     input_buffer(capacity)  the address of the input area (the host may write there)
     generate(n, seed)       fills the first n bytes with pseudo-text; their hash
     roundtrip(n, level)     compresses the first n bytes, decompresses, checks the
                             copy is identical; the hash of the compressed bytes
                             (>= 0), or a negative error code
     compressed_size()       the compressed size of the last round trip
   The input stays put between round trips; everything else a round trip allocates
   is released at the start of the next. */
#ifndef BENCH_PROGRAM_H
#define BENCH_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "../kernels/common.h"
#include "bump.h"

/* Error codes of roundtrip() */
#define RT_TOO_BIG (-1)        /* n is negative or beyond the input area */
#define RT_NO_MEMORY (-2)
#define RT_COMPRESS_FAILED (-3)
#define RT_DECOMPRESS_FAILED (-4)
#define RT_WRONG_SIZE (-5)     /* decompressed to a different length */
#define RT_MISMATCH (-6)       /* decompressed to different bytes */

static uint8_t *input_area;
static size_t input_capacity;
static size_t heap_after_input; /* what every round trip releases back to */
static int32_t last_compressed_size;

/* A 32-bit multiply-rotate hash of a byte string, 4 bytes a step. */
static uint32_t program_hash(const uint8_t *p, size_t n) {
    uint32_t h = 0x2545f491u ^ (uint32_t)n;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t k;
        __builtin_memcpy(&k, p + i, 4);
        k *= 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        h ^= k * 0x1b873593u;
        h = ((h << 13) | (h >> 19)) * 5u + 0xe6546b64u;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x01000193u;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    return h;
}

static uint8_t *program_input(int32_t capacity) {
    if (capacity < 0) return NULL;
    if ((size_t)capacity > input_capacity || !input_area) {
        bump_release(0);
        input_area = bump_alloc((size_t)capacity);
        input_capacity = input_area ? (size_t)capacity : 0;
        heap_after_input = bump_mark();
    }
    return input_area;
}

/* Pseudo-text: words from a vocabulary made from the seed, picked with a skew towards
   the common ones and, half the time, among a few usual successors of the word before
   (so phrases recur, as in prose), with commas, full stops, capitals and line breaks.
   It compresses about as well as English prose does (lz4 ~1.6x, zstd -3 ~3x),
   not like noise or zeros. */
#define VOCABULARY 2048
#define MAX_WORD 12
#define SUCCESSORS 4
static char words[VOCABULARY][MAX_WORD];
static uint8_t word_length[VOCABULARY];
static uint16_t successors[VOCABULARY][SUCCESSORS];

/* the product of two uniform picks: small indices (common words) far likelier */
static uint32_t skewed_word(uint32_t r) { return ((r & 0x7ff) * ((r >> 11) & 0x7ff)) >> 11; }

static void make_vocabulary(uint32_t *state) {
    static const char letters[] = "etaoinshrdlcumwfgypbvkjxqz"; /* by frequency */
    for (int w = 0; w < VOCABULARY; w++) {
        uint32_t r = bench_xorshift32(state);
        int len = 1 + (int)(r % 4) + (int)((r >> 8) % 5) + (int)((r >> 16) % 3); /* 1..10, mostly 4..7 */
        for (int i = 0; i < len; i++) {
            uint32_t a = bench_xorshift32(state) % 26, b = bench_xorshift32(state) % 26;
            words[w][i] = letters[a < b ? a : b]; /* the min of two: frequent letters win */
        }
        word_length[w] = (uint8_t)len;
        for (int s = 0; s < SUCCESSORS; s++) successors[w][s] = (uint16_t)skewed_word(bench_xorshift32(state));
    }
}

static void write_text(uint8_t *out, size_t n, uint32_t seed) {
    uint32_t state = seed | 1u;
    make_vocabulary(&state);
    size_t at = 0, line = 0;
    int capital = 1;
    uint32_t w = 0;
    while (at < n) {
        uint32_t r = bench_xorshift32(&state);
        w = r >> 31 ? successors[w][(r >> 29) & (SUCCESSORS - 1)] : skewed_word(r);
        for (int i = 0; i < word_length[w] && at < n; i++) {
            char c = words[w][i];
            out[at++] = (uint8_t)(capital && i == 0 ? c - 'a' + 'A' : c);
        }
        line += word_length[w];
        capital = 0;
        uint32_t p = (r >> 22) % 32;
        if (p == 0 && at < n) { out[at++] = '.'; capital = 1; }
        else if (p < 3 && at < n) out[at++] = ',';
        if (at < n) {
            if (line > 68) { out[at++] = '\n'; line = 0; }
            else { out[at++] = ' '; line++; }
        }
    }
}

static int32_t program_generate(int32_t n, int32_t seed) {
    if (n < 0 || !program_input(n)) return RT_TOO_BIG;
    write_text(input_area, (size_t)n, (uint32_t)seed);
    return (int32_t)(program_hash(input_area, (size_t)n) & 0x7fffffff);
}

/* Checks a decompressed copy against the input; the round trip's result. */
static int32_t program_verdict(const uint8_t *compressed, size_t compressed_size, const uint8_t *copy,
                               size_t copy_size, size_t n) {
    if (copy_size != n) return RT_WRONG_SIZE;
    if (__builtin_memcmp(copy, input_area, n) != 0) return RT_MISMATCH;
    last_compressed_size = (int32_t)compressed_size;
    return (int32_t)(program_hash(compressed, compressed_size) & 0x7fffffff);
}

int32_t roundtrip(int32_t n, int32_t level);

/* The exported entry points, the same in every program. */
#ifdef __wasm__
EXPORT(input_buffer) int32_t input_buffer(int32_t capacity) { return (int32_t)(uintptr_t)program_input(capacity); }
#else
uint8_t *input_buffer_native(int32_t capacity) { return program_input(capacity); }
#endif
EXPORT(generate) int32_t generate(int32_t n, int32_t seed) { return program_generate(n, seed); }
EXPORT(compressed_size) int32_t compressed_size(void) { return last_compressed_size; }

/* Starts a round trip: the input must be there; frees the previous round trip's memory. */
static int program_begin(int32_t n) {
    if (n < 0 || !input_area || (size_t)n > input_capacity) return 0;
    bump_release(heap_after_input);
    last_compressed_size = 0;
    return 1;
}

#endif
