/* The native peer: the same kernels (bench/kernels) compiled for the host and timed
   here, so that run.py can set each Wasm runtime beside native C in the same run.

   usage: harness REPS KERNEL=ARG ...      e.g. harness 5 fib=32 sieve=8000000
          (checksum=PATH reads its input from a file, to see the bytes Python writes)
   prints per kernel: "KERNEL RESULT NS NS ..." (one warm-up call, then REPS timed calls;
   RESULT is what the Wasm export returns, and for checksum also the CRC-32 of the output). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int32_t sum(int32_t a, int32_t b);
int32_t fib(int32_t n);
int32_t sieve(int32_t n);
double matmul(int32_t seed);
int32_t sort(int32_t seed);
int32_t checksum(int32_t n);
uint8_t *checksum_buffer_native(void);

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

/* The compiler must not drop or hoist a call whose result is unused: every result goes here. */
static volatile double sink;

static int run_checksum(int reps, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 1; }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *in = malloc(n), *out = malloc(n);
    if (!in || !out || fread(in, 1, n, f) != (size_t)n) { fprintf(stderr, "%s: read failed\n", path); return 1; }
    fclose(f);
    int32_t result = 0;
    printf("checksum");
    for (int r = -1; r < reps; r++) {
        int64_t t0 = now_ns();
        memcpy(checksum_buffer_native(), in, n); /* copy in, run, copy out: as from Python */
        result = checksum((int32_t)n);
        memcpy(out, checksum_buffer_native(), n);
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
    if (argc < 3) { fprintf(stderr, "usage: harness REPS KERNEL=ARG ...\n"); return 2; }
    int reps = atoi(argv[1]);
    for (int a = 2; a < argc; a++) {
        char *eq = strchr(argv[a], '=');
        if (!eq) { fprintf(stderr, "bad argument %s\n", argv[a]); return 2; }
        *eq = 0;
        const char *name = argv[a], *arg = eq + 1;
        if (!strcmp(name, "checksum")) {
            if (run_checksum(reps, arg)) return 1;
            continue;
        }
        int32_t x = (int32_t)atol(arg);
        printf("%s", name);
        for (int r = -1; r < reps; r++) {
            double result;
            int64_t t0 = now_ns();
            if (!strcmp(name, "sum")) result = sum(x, 37);
            else if (!strcmp(name, "fib")) result = fib(x);
            else if (!strcmp(name, "sieve")) result = sieve(x);
            else if (!strcmp(name, "matmul")) result = matmul(x);
            else if (!strcmp(name, "sort")) result = sort(x);
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
