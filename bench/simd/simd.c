/* The SIMD kernels of the bench: plain C loops that clang vectorises for wasm32 with
   -msimd128 (simd.wasm) and leaves scalar without it (simd_scalar.wasm); natively the same
   C, built by clang and gcc. Integer arithmetic only, so every build gives the same
   results. The inputs are made here from a seed; each kernel runs `reps` times over them. */
#include <stdint.h>

#define N (1 << 20)

static uint8_t img_a[N], img_b[N], img_out[N];
static int16_t vec_x[N], vec_y[N];

static uint32_t next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

void simd_init(uint32_t seed)
{
    for (int i = 0; i < N; i++) {
        img_a[i] = (uint8_t)next(&seed);
        img_b[i] = (uint8_t)next(&seed);
        vec_x[i] = (int16_t)next(&seed);
        vec_y[i] = (int16_t)next(&seed);
    }
}

/* Blends two 1 MB greyscale images with weights alpha/256 and (256 - alpha)/256; returns
   the sum of the last result's bytes. */
uint32_t blend(int32_t reps)
{
    uint32_t sum = 0;
    for (int r = 0; r < reps; r++) {
        uint16_t alpha = (uint16_t)(64 + r % 128), beta = (uint16_t)(256 - alpha);
        for (int i = 0; i < N; i++)
            img_out[i] = (uint8_t)((img_a[i] * alpha + img_b[i] * beta) >> 8);
    }
    for (int i = 0; i < N; i++)
        sum += img_out[i];
    return sum;
}

/* The dot product of two vectors of 2^20 int16, in int32 (wrapping), `reps` times,
   one of them shifted by the repetition; returns the sum of the products. */
int32_t dot(int32_t reps)
{
    uint32_t total = 0;
    for (int r = 0; r < reps; r++) {
        int16_t k = (int16_t)(r & 7);
        uint32_t acc = 0;
        for (int i = 0; i < N; i++)
            acc += (uint32_t)(vec_x[i] * (vec_y[i] + k));
        total += acc;
    }
    return (int32_t)total;
}
