/* The wasm2c peer of the programs (bench/programs): one program (-DPROGRAM=lz4 or zstd),
   from wabt's wasm2c translation of its .wasm (wasm2c -n PROGRAM), in a process of its
   own (wasm2c's runtime installs a signal handler of its own, which would contend with
   ours in the benchmark's process; the native builds are timed there, through ctypes).

   usage: wasm2c_program_harness REPS N SEED LEVEL [CHECK_FILE]
   prints "PROGRAM INPUT_HASH/RESULT/COMPRESSED_SIZE NS NS ...": generate(N, SEED) once,
   then a warm-up and REPS timed roundtrip(N, LEVEL) calls; and with CHECK_FILE, first
   "check RESULT/COMPRESSED_SIZE" for a round trip of that file's bytes, to compare with
   what the Python runtimes do with the same bytes written into linear memory. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

#include "wasm-rt.h"
#include STR(PROGRAM.h)
/* w2c_lz4_roundtrip(&instance, ...) and the like, for PROGRAM = lz4 */
#define W2C(name) CAT(CAT(CAT(w2c_, PROGRAM), _), name)
static CAT(w2c_, PROGRAM) instance;
static void setup(void) {
    wasm_rt_init();
    CAT(CAT(wasm2c_, PROGRAM), _instantiate)(&instance);
}
static uint8_t *input_at(int32_t capacity) {
    uint32_t at = W2C(input_buffer)(&instance, (u32)capacity);
    return at ? W2C(memory)(&instance)->data + at : NULL;
}
static int32_t generate(int32_t n, int32_t seed) { return (int32_t)W2C(generate)(&instance, (u32)n, (u32)seed); }
static int32_t roundtrip(int32_t n, int32_t level) { return (int32_t)W2C(roundtrip)(&instance, (u32)n, (u32)level); }
static int32_t compressed_size(void) { return (int32_t)W2C(compressed_size)(&instance); }

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int check_file(const char *path, int32_t level) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *in = input_at((int32_t)n);
    if (!in || fread(in, 1, n, f) != (size_t)n) { fprintf(stderr, "%s: read failed\n", path); return 1; }
    fclose(f);
    int32_t result = roundtrip((int32_t)n, level);
    printf("check %d/%d\n", result, compressed_size());
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: wasm2c_program_harness REPS N SEED LEVEL [CHECK_FILE]\n"); return 2; }
    int reps = atoi(argv[1]);
    int32_t n = (int32_t)atol(argv[2]), seed = (int32_t)atol(argv[3]), level = (int32_t)atol(argv[4]);
    setup();
    if (argc > 5 && check_file(argv[5], level)) return 1;
    if (!input_at(n)) { fprintf(stderr, "no memory for %d bytes of input\n", n); return 1; }
    int32_t input_hash = generate(n, seed);
    printf("%s", STR(PROGRAM));
    for (int r = -1; r < reps; r++) {
        int64_t t0 = now_ns();
        int32_t result = roundtrip(n, level);
        int64_t t1 = now_ns();
        if (r == -1) printf(" %d/%d/%d", input_hash, result, compressed_size());
        else printf(" %lld", (long long)(t1 - t0));
    }
    printf("\n");
    return 0;
}
