/* SIMD kernels for tests/test_simd_clang.py, built by clang with -msimd128 (see there):
   explicit intrinsics of wasm_simd128.h, each with a scalar tail, and one loop left to
   the auto-vectoriser. No libc: the buffers are static and reached through their
   addresses (buffer()), which the test fills through the exported memory. */
#include <stdint.h>
#include <wasm_simd128.h>

#define N 65536
static uint8_t a_buf[N] __attribute__((aligned(16)));
static uint8_t b_buf[N] __attribute__((aligned(16)));
static uint8_t out_buf[N] __attribute__((aligned(16)));

uint8_t *buffer(int which) { return which == 0 ? a_buf : which == 1 ? b_buf : out_buf; }

/* Sum of a[i] * b[i] over n int16s (i32x4.dot_i16x8_s). */
int32_t dot_i16(int n)
{
    const int16_t *a = (const int16_t *)a_buf, *b = (const int16_t *)b_buf;
    v128_t acc = wasm_i32x4_splat(0);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        acc = wasm_i32x4_add(acc, wasm_i32x4_dot_i16x8(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    int32_t sum = wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                  wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3);
    for (; i < n; i++)
        sum += a[i] * b[i];
    return sum;
}

/* How many of the first n bytes of a equal c (i8x16.eq, bitmask, popcount). */
int32_t count_byte(int n, int c)
{
    v128_t needle = wasm_i8x16_splat((int8_t)c);
    int32_t count = 0, i = 0;
    for (; i + 16 <= n; i += 16)
        count += __builtin_popcount(wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(a_buf + i), needle)));
    for (; i < n; i++)
        count += a_buf[i] == (uint8_t)c;
    return count;
}

/* The index of the first zero byte of a at or after `from` (a strlen), or -1 past the
   buffer (v128.any_true on i8x16.eq, then ctz of the bitmask). */
int32_t find_zero(int from)
{
    int i = from;
    for (; (i & 15) && i < N; i++)
        if (!a_buf[i])
            return i;
    for (; i < N; i += 16) {
        v128_t zero = wasm_i8x16_eq(wasm_v128_load(a_buf + i), wasm_i8x16_splat(0));
        if (wasm_v128_any_true(zero))
            return i + __builtin_ctz(wasm_i8x16_bitmask(zero));
    }
    return -1;
}

/* out = (a * alpha + b * (255 - alpha) + 127) / 255, approximated as >> 8 after widening
   (extend, mul, add, shr, narrow). */
void blend(int n, int alpha)
{
    v128_t wa = wasm_i16x8_splat((int16_t)alpha), wb = wasm_i16x8_splat((int16_t)(255 - alpha));
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        v128_t x = wasm_v128_load(a_buf + i), y = wasm_v128_load(b_buf + i);
        v128_t lo = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(x), wa),
                                   wasm_i16x8_mul(wasm_u16x8_extend_low_u8x16(y), wb));
        v128_t hi = wasm_i16x8_add(wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(x), wa),
                                   wasm_i16x8_mul(wasm_u16x8_extend_high_u8x16(y), wb));
        wasm_v128_store(out_buf + i, wasm_u8x16_narrow_i16x8(wasm_u16x8_shr(lo, 8), wasm_u16x8_shr(hi, 8)));
    }
    for (; i < n; i++)
        out_buf[i] = (uint8_t)((a_buf[i] * alpha + b_buf[i] * (255 - alpha)) >> 8);
}

/* out[i] = k * a[i] + b[i] over floats: left to clang's auto-vectoriser. */
void saxpy(int n, float k)
{
    const float *a = (const float *)a_buf, *b = (const float *)b_buf;
    float *out = (float *)out_buf;
    for (int i = 0; i < n; i++)
        out[i] = k * a[i] + b[i];
}

/* The smallest of n floats by pseudo-min (f32x4.pmin), or +inf for none. */
float min_f32(int n)
{
    const float *a = (const float *)a_buf;
    v128_t m = wasm_f32x4_splat(__builtin_inff());
    int i = 0;
    for (; i + 4 <= n; i += 4)
        m = wasm_f32x4_pmin(m, wasm_v128_load(a + i));
    float r = __builtin_inff();
    for (int k = 0; k < 4; k++) {
        float x = wasm_f32x4_extract_lane(m, 0);
        r = x < r ? x : r;
        m = wasm_i32x4_shuffle(m, m, 1, 2, 3, 0);
    }
    for (; i < n; i++)
        r = a[i] < r ? a[i] : r;
    return r;
}
