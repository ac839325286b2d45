/* matmul(seed): C = A * B for 256x256 f64 matrices filled from seed; returns the sum of
   C's elements. Floating point and a memory access pattern of rows. */
#include "common.h"

#define N 256
static double A[N * N], B[N * N], C[N * N];

static void fill(double *m, uint32_t *state) {
    for (int i = 0; i < N * N; i++) m[i] = (double)(bench_xorshift32(state) % 2001u) / 1000.0 - 1.0;
}

EXPORT(matmul) double matmul(int32_t seed) {
    uint32_t state = (uint32_t)seed | 1u;
    fill(A, &state);
    fill(B, &state);
    for (int i = 0; i < N; i++) {
        double *c = &C[i * N];
        for (int j = 0; j < N; j++) c[j] = 0.0;
        for (int k = 0; k < N; k++) {
            double a = A[i * N + k];
            const double *b = &B[k * N];
            for (int j = 0; j < N; j++) c[j] += a * b[j];
        }
    }
    double total = 0.0;
    for (int i = 0; i < N * N; i++) total += C[i];
    return total;
}
