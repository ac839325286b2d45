/* The wasm2c peer: the same .wasm kernels translated by wabt's wasm2c and compiled for the
   host with the native flags. run.py generates the C into its build folder
   (wasm2c -n KERNEL) and runs this in a process of its own (wasm2c's runtime installs a
   signal handler of its own, which would contend with ours in the benchmark's process).

   usage: wasm2c_harness REPS KERNEL=ARG ...    e.g. wasm2c_harness 5 fib=32 sieve=8000000
          (checksum=PATH reads its input from a file: the bytes Python writes)
   prints per kernel: "KERNEL RESULT NS NS ..." (one warm-up call, then REPS timed calls;
   RESULT is what the Wasm export returns, and for checksum also the CRC-32 of the output). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasm-rt.h"
#include "sum.h"
#include "fib.h"
#include "sieve.h"
#include "matmul.h"
#include "sort.h"
#include "checksum.h"

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static volatile double sink;

static w2c_sum sum_inst;
static w2c_fib fib_inst;
static w2c_sieve sieve_inst;
static w2c_matmul matmul_inst;
static w2c_sort sort_inst;
static w2c_checksum checksum_inst;

static int run_checksum(int reps, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *in = malloc(n), *out = malloc(n);
    if (!in || !out || fread(in, 1, n, f) != (size_t)n) { fprintf(stderr, "%s: read failed\n", path); return 1; }
    fclose(f);
    uint8_t *mem = w2c_checksum_memory(&checksum_inst)->data;
    uint32_t at = w2c_checksum_checksum_buffer(&checksum_inst);
    int32_t result = 0;
    printf("checksum");
    for (int r = -1; r < reps; r++) {
        int64_t t0 = now_ns();
        memcpy(mem + at, in, n);
        result = (int32_t)w2c_checksum_checksum(&checksum_inst, (u32)n);
        memcpy(out, mem + at, n);
        int64_t t1 = now_ns();
        if (r == -1) printf(" %d/%u", result, crc32_of(out, n));
        else printf(" %lld", (long long)(t1 - t0));
    }
    printf("\n");
    free(in);
    free(out);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: wasm2c_harness REPS KERNEL=ARG ...\n"); return 2; }
    int reps = atoi(argv[1]);
    wasm_rt_init();
    wasm2c_sum_instantiate(&sum_inst);
    wasm2c_fib_instantiate(&fib_inst);
    wasm2c_sieve_instantiate(&sieve_inst);
    wasm2c_matmul_instantiate(&matmul_inst);
    wasm2c_sort_instantiate(&sort_inst);
    wasm2c_checksum_instantiate(&checksum_inst);
    for (int a = 2; a < argc; a++) {
        char *eq = strchr(argv[a], '=');
        if (!eq) { fprintf(stderr, "bad argument %s\n", argv[a]); return 2; }
        *eq = 0;
        const char *name = argv[a], *arg = eq + 1;
        if (!strcmp(name, "checksum")) {
            if (run_checksum(reps, arg)) return 1;
            continue;
        }
        u32 x = (u32)atol(arg);
        printf("%s", name);
        for (int r = -1; r < reps; r++) {
            double result;
            int64_t t0 = now_ns();
            if (!strcmp(name, "sum")) result = (int32_t)w2c_sum_sum(&sum_inst, x, 37);
            else if (!strcmp(name, "fib")) result = (int32_t)w2c_fib_fib(&fib_inst, x);
            else if (!strcmp(name, "sieve")) result = (int32_t)w2c_sieve_sieve(&sieve_inst, x);
            else if (!strcmp(name, "matmul")) result = w2c_matmul_matmul(&matmul_inst, x);
            else if (!strcmp(name, "sort")) result = (int32_t)w2c_sort_sort(&sort_inst, x);
            else { fprintf(stderr, "unknown kernel %s\n", name); return 2; }
            int64_t t1 = now_ns();
            sink = result;
            if (r == -1) printf(" %.17g", result);
            else printf(" %lld", (long long)(t1 - t0));
        }
        printf("\n");
    }
    return 0;
}
