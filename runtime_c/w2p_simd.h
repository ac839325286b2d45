/*
 * w2p_simd.h: WebAssembly fixed-width SIMD (v128) for generated modules.
 *
 * A v128 is a GCC/Clang vector of 16 bytes (w2p_v128); each instruction is a static inline
 * function w2p_<shape>_<op> (the opcode table, wasm2pyext/opcodes.py, names them), which
 * views its operands as the vector type of its shape (a cast between vector types of one
 * size reinterprets the bits). Where C has a vector operator the compiler picks SSE on
 * x86-64 and NEON on arm64; elsewhere a loop over the lanes, which it vectorises where it
 * can. Lanes are numbered as Wasm numbers them, little-endian: lane 0 is the low bytes.
 *
 * Exact Wasm semantics: integer arithmetic wraps (in unsigned lanes), shift counts are
 * taken modulo the lane width, float min/max propagate NaNs and order -0 below +0,
 * rounding quiets NaNs, nearest rounds half to even, float -> int conversions saturate.
 * Self-contained (tested on its own by tests/c/test_simd.c).
 */
#ifndef W2P_SIMD_H
#define W2P_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* In the code section of the module that includes it (W2P_CODE, w2p_rt.h), as every
   function of generated code is; empty where compiled alone (tests/c). */
#ifndef W2P_CODE
#define W2P_CODE
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "w2p_simd.h: Wasm's lanes are little-endian; big-endian hosts are not supported"
#endif

/* The value type, and its views by lane shape. */
typedef uint64_t w2p_v128 __attribute__((vector_size(16)));
typedef int8_t w2p_i8x16 __attribute__((vector_size(16)));
typedef uint8_t w2p_u8x16 __attribute__((vector_size(16)));
typedef int16_t w2p_i16x8 __attribute__((vector_size(16)));
typedef uint16_t w2p_u16x8 __attribute__((vector_size(16)));
typedef int32_t w2p_i32x4 __attribute__((vector_size(16)));
typedef uint32_t w2p_u32x4 __attribute__((vector_size(16)));
typedef int64_t w2p_i64x2 __attribute__((vector_size(16)));
typedef uint64_t w2p_u64x2 __attribute__((vector_size(16)));
typedef float w2p_f32x4 __attribute__((vector_size(16)));
typedef double w2p_f64x2 __attribute__((vector_size(16)));

/* On x86-64, the instructions whose Wasm semantics an SSE instruction has exactly (the
   saturating, packing, pairwise and rounding ones) use it: GCC does not find them in the
   lane loops, which cost a dozen to a hundred instructions each. Which ones the compiler
   may use depends on the CPU the build assumes (SSE2 always; SSSE3 and SSE4.1 with
   x86-64-v2, as modules compiled on the fly are built where the CPU has it). */
#if defined(__SSE2__)
#include <emmintrin.h>
#define W2P_SSE2 1
#else
#define W2P_SSE2 0
#endif
#if defined(__SSSE3__)
#include <tmmintrin.h>
#define W2P_SSSE3 1
#else
#define W2P_SSSE3 0
#endif
#if defined(__SSE4_1__)
#include <smmintrin.h>
#define W2P_SSE41 1
#else
#define W2P_SSE41 0
#endif
/* One instruction (an intrinsic of __m128i operands) as a Wasm one. */
#define W2P_SSE_UNARY(name, expr)                                       \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va)                   \
    {                                                                   \
        __m128i a = (__m128i)va;                                        \
        return (w2p_v128)(expr);                                        \
    }
#define W2P_SSE_BINARY(name, expr)                                      \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va, w2p_v128 vb)     \
    {                                                                   \
        __m128i a = (__m128i)va, b = (__m128i)vb;                       \
        return (w2p_v128)(expr);                                        \
    }

/* A v128 stored at any address (w2p_val.v128, a global's cell), as an lvalue. */
typedef uint64_t w2p_v128_unaligned __attribute__((vector_size(16), aligned(1), __may_alias__));
#define W2P_V128_AT(p) (*(w2p_v128_unaligned *)(void *)(p))

/* i8x16.shuffle: lane indices are constants, 0-15 from a, 16-31 from b. */
#if defined(__clang__)
#define W2P_I8X16_SHUFFLE(a, b, ...) \
    ((w2p_v128)__builtin_shufflevector((w2p_u8x16)(a), (w2p_u8x16)(b), __VA_ARGS__))
#else
#define W2P_I8X16_SHUFFLE(a, b, ...) \
    ((w2p_v128)__builtin_shuffle((w2p_u8x16)(a), (w2p_u8x16)(b), (w2p_u8x16){__VA_ARGS__}))
#endif

/* ---- The shapes of operation, each a macro defining one helper per instruction ---- */

/* An expression of whole vectors a (and b) viewed as T. */
#define W2P_UNARY(name, T, expr)                                        \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va)                            \
    {                                                                   \
        T a = (T)va;                                                    \
        return (w2p_v128)(expr);                                        \
    }
#define W2P_BINARY(name, T, expr)                                       \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va, w2p_v128 vb)               \
    {                                                                   \
        T a = (T)va, b = (T)vb;                                         \
        return (w2p_v128)(expr);                                        \
    }
/* Lane by lane: lane i of the result (of type R, n lanes) is expr of a, b and i. */
#define W2P_LANES1(name, R, n, T, expr)                                 \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va)                            \
    {                                                                   \
        T a = (T)va;                                                    \
        R r;                                                            \
        for (int i = 0; i < (n); i++)                                   \
            r[i] = (expr);                                              \
        return (w2p_v128)r;                                             \
    }
#define W2P_LANES2(name, R, n, T, expr)                                 \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va, w2p_v128 vb)               \
    {                                                                   \
        T a = (T)va, b = (T)vb;                                         \
        R r;                                                            \
        for (int i = 0; i < (n); i++)                                   \
            r[i] = (expr);                                              \
        return (w2p_v128)r;                                             \
    }
/* Shifts by an i32, modulo the lane width. */
#define W2P_SHIFT(name, T, bits, op)                                    \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va, uint32_t n)                \
    {                                                                   \
        return (w2p_v128)((T)va op (int)(n & ((bits) - 1)));            \
    }
/* A v128 -> i32 reduction over the lanes. */
#define W2P_REDUCE(name, T, n, init, step)                              \
    static inline W2P_CODE uint32_t name(w2p_v128 va)                            \
    {                                                                   \
        T a = (T)va;                                                    \
        uint32_t r = (init);                                            \
        for (int i = 0; i < (n); i++)                                   \
            r = (step);                                                 \
        return r;                                                       \
    }
/* A scalar broadcast to every lane: vector + scalar widens the scalar (a broadcast
   instruction, where a lane loop gave a shuffle per lane). */
#define W2P_SPLAT(name, R, S, L)                                        \
    static inline W2P_CODE w2p_v128 name(S x)                                    \
    {                                                                   \
        return (w2p_v128)((R){0} + (L)x);                               \
    }
/* Lane access; `i` is always a constant in generated code. */
#define W2P_EXTRACT(name, T, S)                                         \
    static inline W2P_CODE S name(w2p_v128 va, int i)                            \
    {                                                                   \
        T a = (T)va;                                                    \
        return (S)a[i];                                                 \
    }
#define W2P_REPLACE(name, T, S, L)                                      \
    static inline W2P_CODE w2p_v128 name(w2p_v128 va, int i, S x)                \
    {                                                                   \
        T a = (T)va;                                                    \
        a[i] = (L)x;                                                    \
        return (w2p_v128)a;                                             \
    }

/* ---- Scalar helpers for the lanes ---- */

static inline W2P_CODE int32_t w2p_sat_s(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static inline W2P_CODE uint32_t w2p_f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline W2P_CODE uint64_t w2p_f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

/* min/max: a NaN operand gives a NaN (a + b quiets it), and -0 < +0. */
static inline W2P_CODE float w2p_fminf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline W2P_CODE float w2p_fmaxf(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline W2P_CODE double w2p_fmin(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline W2P_CODE double w2p_fmax(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* Float -> int, saturating: NaN -> 0, out of range -> the nearest bound (compared in
   double, where every bound is exact). */
static inline W2P_CODE int32_t w2p_trunc_sat_s32(double x)
{
    if (x != x)
        return 0;
    if (x <= -2147483649.0)
        return INT32_MIN;
    if (x >= 2147483648.0)
        return INT32_MAX;
    return (int32_t)x;
}
static inline W2P_CODE uint32_t w2p_trunc_sat_u32(double x)
{
    if (x != x || x <= -1.0)
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}

/* ---- Memory: the loads that widen, splat or zero-extend (the access itself is the
   generated code's, bounds-checked or guarded) ---- */

#define W2P_LOAD_EXTEND(name, R, n, L)                                  \
    static inline W2P_CODE w2p_v128 name(uint64_t bits)                          \
    {                                                                   \
        R r;                                                            \
        for (int i = 0; i < (n); i++)                                   \
            r[i] = (L)(bits >> (i * (64 / (n))));                       \
        return (w2p_v128)r;                                             \
    }
#if W2P_SSE41
/* pmovsx and pmovzx widen the low 8 bytes of a register. */
#define W2P_SSE_LOAD_EXTEND(name, widen)                                \
    static inline W2P_CODE w2p_v128 name(uint64_t bits)                 \
    {                                                                   \
        return (w2p_v128)widen(_mm_cvtsi64_si128((long long)bits));     \
    }
W2P_SSE_LOAD_EXTEND(w2p_v128_load8x8_s, _mm_cvtepi8_epi16)
W2P_SSE_LOAD_EXTEND(w2p_v128_load8x8_u, _mm_cvtepu8_epi16)
W2P_SSE_LOAD_EXTEND(w2p_v128_load16x4_s, _mm_cvtepi16_epi32)
W2P_SSE_LOAD_EXTEND(w2p_v128_load16x4_u, _mm_cvtepu16_epi32)
W2P_SSE_LOAD_EXTEND(w2p_v128_load32x2_s, _mm_cvtepi32_epi64)
W2P_SSE_LOAD_EXTEND(w2p_v128_load32x2_u, _mm_cvtepu32_epi64)
#else
W2P_LOAD_EXTEND(w2p_v128_load8x8_s, w2p_i16x8, 8, int8_t)
W2P_LOAD_EXTEND(w2p_v128_load8x8_u, w2p_u16x8, 8, uint8_t)
W2P_LOAD_EXTEND(w2p_v128_load16x4_s, w2p_i32x4, 4, int16_t)
W2P_LOAD_EXTEND(w2p_v128_load16x4_u, w2p_u32x4, 4, uint16_t)
W2P_LOAD_EXTEND(w2p_v128_load32x2_s, w2p_i64x2, 2, int32_t)
W2P_LOAD_EXTEND(w2p_v128_load32x2_u, w2p_u64x2, 2, uint32_t)
#endif

static inline W2P_CODE w2p_v128 w2p_v128_load32_zero(uint32_t x) { return (w2p_v128)(w2p_u32x4){x, 0, 0, 0}; }
static inline W2P_CODE w2p_v128 w2p_v128_load64_zero(uint64_t x) { return (w2p_v128){x, 0}; }

/* ---- Lanes: splat, extract, replace, swizzle ---- */

W2P_SPLAT(w2p_i8x16_splat, w2p_u8x16, uint32_t, uint8_t)
W2P_SPLAT(w2p_i16x8_splat, w2p_u16x8, uint32_t, uint16_t)
W2P_SPLAT(w2p_i32x4_splat, w2p_u32x4, uint32_t, uint32_t)
W2P_SPLAT(w2p_i64x2_splat, w2p_u64x2, uint64_t, uint64_t)
/* Floats by their bits: 0.0 + x would turn -0 into +0 and quiet a NaN. */
static inline W2P_CODE w2p_v128 w2p_f32x4_splat(float x) { return w2p_i32x4_splat(w2p_f32_bits(x)); }
static inline W2P_CODE w2p_v128 w2p_f64x2_splat(double x) { return w2p_i64x2_splat(w2p_f64_bits(x)); }

W2P_EXTRACT(w2p_i8x16_extract_lane_s, w2p_i8x16, uint32_t)
W2P_EXTRACT(w2p_i8x16_extract_lane_u, w2p_u8x16, uint32_t)
W2P_EXTRACT(w2p_i16x8_extract_lane_s, w2p_i16x8, uint32_t)
W2P_EXTRACT(w2p_i16x8_extract_lane_u, w2p_u16x8, uint32_t)
W2P_EXTRACT(w2p_i32x4_extract_lane, w2p_u32x4, uint32_t)
W2P_EXTRACT(w2p_i64x2_extract_lane, w2p_u64x2, uint64_t)
W2P_EXTRACT(w2p_f32x4_extract_lane, w2p_f32x4, float)
W2P_EXTRACT(w2p_f64x2_extract_lane, w2p_f64x2, double)

W2P_REPLACE(w2p_i8x16_replace_lane, w2p_u8x16, uint32_t, uint8_t)
W2P_REPLACE(w2p_i16x8_replace_lane, w2p_u16x8, uint32_t, uint16_t)
W2P_REPLACE(w2p_i32x4_replace_lane, w2p_u32x4, uint32_t, uint32_t)
W2P_REPLACE(w2p_i64x2_replace_lane, w2p_u64x2, uint64_t, uint64_t)
W2P_REPLACE(w2p_f32x4_replace_lane, w2p_f32x4, float, float)
W2P_REPLACE(w2p_f64x2_replace_lane, w2p_f64x2, double, double)

/* Indices 16 and up select 0. */
#if W2P_SSSE3
/* pshufb gives 0 for an index with its top bit set: adding 0x70 with unsigned saturation
   sets it for every index of 16 or more and keeps the low four bits of the others. */
W2P_SSE_BINARY(w2p_i8x16_swizzle, _mm_shuffle_epi8(a, _mm_adds_epu8(b, _mm_set1_epi8(0x70))))
#else
W2P_LANES2(w2p_i8x16_swizzle, w2p_u8x16, 16, w2p_u8x16, b[i] < 16 ? a[b[i] & 15] : 0)
#endif

/* ---- Comparisons: all ones where true ---- */

W2P_BINARY(w2p_i8x16_eq, w2p_i8x16, a == b)
W2P_BINARY(w2p_i8x16_ne, w2p_i8x16, a != b)
W2P_BINARY(w2p_i8x16_lt_s, w2p_i8x16, a < b)
W2P_BINARY(w2p_i8x16_lt_u, w2p_u8x16, a < b)
W2P_BINARY(w2p_i8x16_gt_s, w2p_i8x16, a > b)
W2P_BINARY(w2p_i8x16_gt_u, w2p_u8x16, a > b)
W2P_BINARY(w2p_i8x16_le_s, w2p_i8x16, a <= b)
W2P_BINARY(w2p_i8x16_le_u, w2p_u8x16, a <= b)
W2P_BINARY(w2p_i8x16_ge_s, w2p_i8x16, a >= b)
W2P_BINARY(w2p_i8x16_ge_u, w2p_u8x16, a >= b)
W2P_BINARY(w2p_i16x8_eq, w2p_i16x8, a == b)
W2P_BINARY(w2p_i16x8_ne, w2p_i16x8, a != b)
W2P_BINARY(w2p_i16x8_lt_s, w2p_i16x8, a < b)
W2P_BINARY(w2p_i16x8_lt_u, w2p_u16x8, a < b)
W2P_BINARY(w2p_i16x8_gt_s, w2p_i16x8, a > b)
W2P_BINARY(w2p_i16x8_gt_u, w2p_u16x8, a > b)
W2P_BINARY(w2p_i16x8_le_s, w2p_i16x8, a <= b)
W2P_BINARY(w2p_i16x8_le_u, w2p_u16x8, a <= b)
W2P_BINARY(w2p_i16x8_ge_s, w2p_i16x8, a >= b)
W2P_BINARY(w2p_i16x8_ge_u, w2p_u16x8, a >= b)
W2P_BINARY(w2p_i32x4_eq, w2p_i32x4, a == b)
W2P_BINARY(w2p_i32x4_ne, w2p_i32x4, a != b)
W2P_BINARY(w2p_i32x4_lt_s, w2p_i32x4, a < b)
W2P_BINARY(w2p_i32x4_lt_u, w2p_u32x4, a < b)
W2P_BINARY(w2p_i32x4_gt_s, w2p_i32x4, a > b)
W2P_BINARY(w2p_i32x4_gt_u, w2p_u32x4, a > b)
W2P_BINARY(w2p_i32x4_le_s, w2p_i32x4, a <= b)
W2P_BINARY(w2p_i32x4_le_u, w2p_u32x4, a <= b)
W2P_BINARY(w2p_i32x4_ge_s, w2p_i32x4, a >= b)
W2P_BINARY(w2p_i32x4_ge_u, w2p_u32x4, a >= b)
W2P_BINARY(w2p_i64x2_eq, w2p_i64x2, a == b)
W2P_BINARY(w2p_i64x2_ne, w2p_i64x2, a != b)
W2P_BINARY(w2p_i64x2_lt_s, w2p_i64x2, a < b)
W2P_BINARY(w2p_i64x2_gt_s, w2p_i64x2, a > b)
W2P_BINARY(w2p_i64x2_le_s, w2p_i64x2, a <= b)
W2P_BINARY(w2p_i64x2_ge_s, w2p_i64x2, a >= b)
/* Ordered comparisons are false with a NaN, ne is true. */
W2P_BINARY(w2p_f32x4_eq, w2p_f32x4, a == b)
W2P_BINARY(w2p_f32x4_ne, w2p_f32x4, a != b)
W2P_BINARY(w2p_f32x4_lt, w2p_f32x4, a < b)
W2P_BINARY(w2p_f32x4_gt, w2p_f32x4, a > b)
W2P_BINARY(w2p_f32x4_le, w2p_f32x4, a <= b)
W2P_BINARY(w2p_f32x4_ge, w2p_f32x4, a >= b)
W2P_BINARY(w2p_f64x2_eq, w2p_f64x2, a == b)
W2P_BINARY(w2p_f64x2_ne, w2p_f64x2, a != b)
W2P_BINARY(w2p_f64x2_lt, w2p_f64x2, a < b)
W2P_BINARY(w2p_f64x2_gt, w2p_f64x2, a > b)
W2P_BINARY(w2p_f64x2_le, w2p_f64x2, a <= b)
W2P_BINARY(w2p_f64x2_ge, w2p_f64x2, a >= b)

/* ---- Reductions to an i32 ---- */

static inline W2P_CODE uint32_t w2p_v128_any_true(w2p_v128 a) { return (a[0] | a[1]) != 0; }
#if W2P_SSE2
/* The byte mask of the lanes equal to zero (pmovmskb), or the lanes' sign bits. */
static inline W2P_CODE uint32_t w2p_i8x16_all_true(w2p_v128 a)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi8((__m128i)a, _mm_setzero_si128())) == 0;
}
static inline W2P_CODE uint32_t w2p_i16x8_all_true(w2p_v128 a)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi16((__m128i)a, _mm_setzero_si128())) == 0;
}
static inline W2P_CODE uint32_t w2p_i32x4_all_true(w2p_v128 a)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi32((__m128i)a, _mm_setzero_si128())) == 0;
}
#else
W2P_REDUCE(w2p_i8x16_all_true, w2p_u8x16, 16, 1, r & (a[i] != 0))
W2P_REDUCE(w2p_i16x8_all_true, w2p_u16x8, 8, 1, r & (a[i] != 0))
W2P_REDUCE(w2p_i32x4_all_true, w2p_u32x4, 4, 1, r & (a[i] != 0))
#endif
W2P_REDUCE(w2p_i64x2_all_true, w2p_u64x2, 2, 1, r & (a[i] != 0))
#if W2P_SSE2
static inline W2P_CODE uint32_t w2p_i8x16_bitmask(w2p_v128 a) { return (uint32_t)_mm_movemask_epi8((__m128i)a); }
/* Packing with signed saturation keeps each lane's sign. */
static inline W2P_CODE uint32_t w2p_i16x8_bitmask(w2p_v128 a)
{
    return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16((__m128i)a, _mm_setzero_si128()));
}
static inline W2P_CODE uint32_t w2p_i32x4_bitmask(w2p_v128 a) { return (uint32_t)_mm_movemask_ps((__m128)a); }
static inline W2P_CODE uint32_t w2p_i64x2_bitmask(w2p_v128 a) { return (uint32_t)_mm_movemask_pd((__m128d)a); }
#else
W2P_REDUCE(w2p_i8x16_bitmask, w2p_i8x16, 16, 0, r | (uint32_t)(a[i] < 0) << i)
W2P_REDUCE(w2p_i16x8_bitmask, w2p_i16x8, 8, 0, r | (uint32_t)(a[i] < 0) << i)
W2P_REDUCE(w2p_i32x4_bitmask, w2p_i32x4, 4, 0, r | (uint32_t)(a[i] < 0) << i)
W2P_REDUCE(w2p_i64x2_bitmask, w2p_i64x2, 2, 0, r | (uint32_t)(a[i] < 0) << i)
#endif

/* ---- Integer arithmetic (in unsigned lanes: it wraps) ---- */

W2P_UNARY(w2p_i8x16_neg, w2p_u8x16, -a)
W2P_UNARY(w2p_i16x8_neg, w2p_u16x8, -a)
W2P_UNARY(w2p_i32x4_neg, w2p_u32x4, -a)
W2P_UNARY(w2p_i64x2_neg, w2p_u64x2, -a)
/* abs: (a ^ s) - s with s the lane's sign spread over it; INT_MIN stays INT_MIN. */
W2P_UNARY(w2p_i8x16_abs, w2p_u8x16, (a ^ (w2p_u8x16)((w2p_i8x16)a >> 7)) - (w2p_u8x16)((w2p_i8x16)a >> 7))
W2P_UNARY(w2p_i16x8_abs, w2p_u16x8, (a ^ (w2p_u16x8)((w2p_i16x8)a >> 15)) - (w2p_u16x8)((w2p_i16x8)a >> 15))
W2P_UNARY(w2p_i32x4_abs, w2p_u32x4, (a ^ (w2p_u32x4)((w2p_i32x4)a >> 31)) - (w2p_u32x4)((w2p_i32x4)a >> 31))
W2P_UNARY(w2p_i64x2_abs, w2p_u64x2, (a ^ (w2p_u64x2)((w2p_i64x2)a >> 63)) - (w2p_u64x2)((w2p_i64x2)a >> 63))
#if W2P_SSSE3
/* Each nibble's count looked up in a table of 16 (pshufb), the two added. */
static inline W2P_CODE w2p_v128 w2p_i8x16_popcnt(w2p_v128 va)
{
    const __m128i counts = _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4), low = _mm_set1_epi8(0x0F);
    __m128i a = (__m128i)va;
    return (w2p_v128)_mm_add_epi8(_mm_shuffle_epi8(counts, _mm_and_si128(a, low)),
                                  _mm_shuffle_epi8(counts, _mm_and_si128(_mm_srli_epi16(a, 4), low)));
}
#else
W2P_LANES1(w2p_i8x16_popcnt, w2p_u8x16, 16, w2p_u8x16, (uint8_t)__builtin_popcount(a[i]))
#endif

W2P_BINARY(w2p_i8x16_add, w2p_u8x16, a + b)
W2P_BINARY(w2p_i16x8_add, w2p_u16x8, a + b)
W2P_BINARY(w2p_i32x4_add, w2p_u32x4, a + b)
W2P_BINARY(w2p_i64x2_add, w2p_u64x2, a + b)
W2P_BINARY(w2p_i8x16_sub, w2p_u8x16, a - b)
W2P_BINARY(w2p_i16x8_sub, w2p_u16x8, a - b)
W2P_BINARY(w2p_i32x4_sub, w2p_u32x4, a - b)
W2P_BINARY(w2p_i64x2_sub, w2p_u64x2, a - b)
W2P_BINARY(w2p_i16x8_mul, w2p_u16x8, a * b)
W2P_BINARY(w2p_i32x4_mul, w2p_u32x4, a * b)
W2P_BINARY(w2p_i64x2_mul, w2p_u64x2, a * b)

#if W2P_SSE2
W2P_SSE_BINARY(w2p_i8x16_add_sat_s, _mm_adds_epi8(a, b))
W2P_SSE_BINARY(w2p_i8x16_add_sat_u, _mm_adds_epu8(a, b))
W2P_SSE_BINARY(w2p_i8x16_sub_sat_s, _mm_subs_epi8(a, b))
W2P_SSE_BINARY(w2p_i8x16_sub_sat_u, _mm_subs_epu8(a, b))
W2P_SSE_BINARY(w2p_i16x8_add_sat_s, _mm_adds_epi16(a, b))
W2P_SSE_BINARY(w2p_i16x8_add_sat_u, _mm_adds_epu16(a, b))
W2P_SSE_BINARY(w2p_i16x8_sub_sat_s, _mm_subs_epi16(a, b))
W2P_SSE_BINARY(w2p_i16x8_sub_sat_u, _mm_subs_epu16(a, b))
#else
W2P_LANES2(w2p_i8x16_add_sat_s, w2p_i8x16, 16, w2p_i8x16, (int8_t)w2p_sat_s(a[i] + b[i], INT8_MIN, INT8_MAX))
W2P_LANES2(w2p_i8x16_add_sat_u, w2p_u8x16, 16, w2p_u8x16, (uint8_t)w2p_sat_s(a[i] + b[i], 0, UINT8_MAX))
W2P_LANES2(w2p_i8x16_sub_sat_s, w2p_i8x16, 16, w2p_i8x16, (int8_t)w2p_sat_s(a[i] - b[i], INT8_MIN, INT8_MAX))
W2P_LANES2(w2p_i8x16_sub_sat_u, w2p_u8x16, 16, w2p_u8x16, (uint8_t)w2p_sat_s(a[i] - b[i], 0, UINT8_MAX))
W2P_LANES2(w2p_i16x8_add_sat_s, w2p_i16x8, 8, w2p_i16x8, (int16_t)w2p_sat_s(a[i] + b[i], INT16_MIN, INT16_MAX))
W2P_LANES2(w2p_i16x8_add_sat_u, w2p_u16x8, 8, w2p_u16x8, (uint16_t)w2p_sat_s(a[i] + b[i], 0, UINT16_MAX))
W2P_LANES2(w2p_i16x8_sub_sat_s, w2p_i16x8, 8, w2p_i16x8, (int16_t)w2p_sat_s(a[i] - b[i], INT16_MIN, INT16_MAX))
W2P_LANES2(w2p_i16x8_sub_sat_u, w2p_u16x8, 8, w2p_u16x8, (uint16_t)w2p_sat_s(a[i] - b[i], 0, UINT16_MAX))
#endif

#define W2P_MINMAX(shape, bits, n)                                                                   \
    W2P_LANES2(w2p_##shape##_min_s, w2p_i##bits##x##n, n, w2p_i##bits##x##n, a[i] < b[i] ? a[i] : b[i]) \
    W2P_LANES2(w2p_##shape##_min_u, w2p_u##bits##x##n, n, w2p_u##bits##x##n, a[i] < b[i] ? a[i] : b[i]) \
    W2P_LANES2(w2p_##shape##_max_s, w2p_i##bits##x##n, n, w2p_i##bits##x##n, a[i] > b[i] ? a[i] : b[i]) \
    W2P_LANES2(w2p_##shape##_max_u, w2p_u##bits##x##n, n, w2p_u##bits##x##n, a[i] > b[i] ? a[i] : b[i])
#if W2P_SSE41
W2P_SSE_BINARY(w2p_i8x16_min_s, _mm_min_epi8(a, b))
W2P_SSE_BINARY(w2p_i8x16_min_u, _mm_min_epu8(a, b))
W2P_SSE_BINARY(w2p_i8x16_max_s, _mm_max_epi8(a, b))
W2P_SSE_BINARY(w2p_i8x16_max_u, _mm_max_epu8(a, b))
W2P_SSE_BINARY(w2p_i16x8_min_s, _mm_min_epi16(a, b))
W2P_SSE_BINARY(w2p_i16x8_min_u, _mm_min_epu16(a, b))
W2P_SSE_BINARY(w2p_i16x8_max_s, _mm_max_epi16(a, b))
W2P_SSE_BINARY(w2p_i16x8_max_u, _mm_max_epu16(a, b))
W2P_SSE_BINARY(w2p_i32x4_min_s, _mm_min_epi32(a, b))
W2P_SSE_BINARY(w2p_i32x4_min_u, _mm_min_epu32(a, b))
W2P_SSE_BINARY(w2p_i32x4_max_s, _mm_max_epi32(a, b))
W2P_SSE_BINARY(w2p_i32x4_max_u, _mm_max_epu32(a, b))
#else
W2P_MINMAX(i8x16, 8, 16)
W2P_MINMAX(i16x8, 16, 8)
W2P_MINMAX(i32x4, 32, 4)
#endif

/* Rounding average: (a + b + 1) / 2 without overflow. */
W2P_BINARY(w2p_i8x16_avgr_u, w2p_u8x16, (a | b) - ((a ^ b) >> 1))
W2P_BINARY(w2p_i16x8_avgr_u, w2p_u16x8, (a | b) - ((a ^ b) >> 1))

/* (a * b + 2**14) >> 15, saturated: only -32768 * -32768 overflows. */
#if W2P_SSSE3
/* pmulhrsw rounds alike; it gives -32768 only for -32768 * -32768 (no product in range
   rounds to it), which saturates to 32767: flipping every bit of such a lane does that. */
static inline W2P_CODE w2p_v128 w2p_i16x8_q15mulr_sat_s(w2p_v128 a, w2p_v128 b)
{
    __m128i r = _mm_mulhrs_epi16((__m128i)a, (__m128i)b);
    return (w2p_v128)_mm_xor_si128(r, _mm_cmpeq_epi16(r, _mm_set1_epi16(INT16_MIN)));
}
#else
W2P_LANES2(w2p_i16x8_q15mulr_sat_s, w2p_i16x8, 8, w2p_i16x8,
           (int16_t)w2p_sat_s((a[i] * b[i] + 0x4000) >> 15, INT16_MIN, INT16_MAX))
#endif
/* Pairwise products summed: only two lanes of -32768 squared wrap (to INT32_MIN). */
#if W2P_SSE2
W2P_SSE_BINARY(w2p_i32x4_dot_i16x8_s, _mm_madd_epi16(a, b)) /* pmaddwd wraps alike */
#else
W2P_LANES2(w2p_i32x4_dot_i16x8_s, w2p_u32x4, 4, w2p_i16x8,
           (uint32_t)(a[2 * i] * b[2 * i]) + (uint32_t)(a[2 * i + 1] * b[2 * i + 1]))
#endif

W2P_SHIFT(w2p_i8x16_shl, w2p_u8x16, 8, <<)
W2P_SHIFT(w2p_i8x16_shr_s, w2p_i8x16, 8, >>)
W2P_SHIFT(w2p_i8x16_shr_u, w2p_u8x16, 8, >>)
W2P_SHIFT(w2p_i16x8_shl, w2p_u16x8, 16, <<)
W2P_SHIFT(w2p_i16x8_shr_s, w2p_i16x8, 16, >>)
W2P_SHIFT(w2p_i16x8_shr_u, w2p_u16x8, 16, >>)
W2P_SHIFT(w2p_i32x4_shl, w2p_u32x4, 32, <<)
W2P_SHIFT(w2p_i32x4_shr_s, w2p_i32x4, 32, >>)
W2P_SHIFT(w2p_i32x4_shr_u, w2p_u32x4, 32, >>)
W2P_SHIFT(w2p_i64x2_shl, w2p_u64x2, 64, <<)
W2P_SHIFT(w2p_i64x2_shr_s, w2p_i64x2, 64, >>)
W2P_SHIFT(w2p_i64x2_shr_u, w2p_u64x2, 64, >>)

/* ---- Narrowing (saturating, from signed lanes), widening, extended multiplication ---- */

#if W2P_SSE2
W2P_SSE_BINARY(w2p_i8x16_narrow_i16x8_s, _mm_packs_epi16(a, b))
W2P_SSE_BINARY(w2p_i8x16_narrow_i16x8_u, _mm_packus_epi16(a, b))
W2P_SSE_BINARY(w2p_i16x8_narrow_i32x4_s, _mm_packs_epi32(a, b))
#else
W2P_LANES2(w2p_i8x16_narrow_i16x8_s, w2p_i8x16, 16, w2p_i16x8,
           (int8_t)w2p_sat_s(i < 8 ? a[i] : b[i - 8], INT8_MIN, INT8_MAX))
W2P_LANES2(w2p_i8x16_narrow_i16x8_u, w2p_u8x16, 16, w2p_i16x8,
           (uint8_t)w2p_sat_s(i < 8 ? a[i] : b[i - 8], 0, UINT8_MAX))
W2P_LANES2(w2p_i16x8_narrow_i32x4_s, w2p_i16x8, 8, w2p_i32x4,
           (int16_t)w2p_sat_s(i < 4 ? a[i] : b[i - 4], INT16_MIN, INT16_MAX))
#endif
#if W2P_SSE41
W2P_SSE_BINARY(w2p_i16x8_narrow_i32x4_u, _mm_packus_epi32(a, b))
#else
W2P_LANES2(w2p_i16x8_narrow_i32x4_u, w2p_u16x8, 8, w2p_i32x4,
           (uint16_t)w2p_sat_s(i < 4 ? a[i] : b[i - 4], 0, UINT16_MAX))
#endif

/* extend_low/high and extmul_low/high for one pair of shapes: the wide one (R, n lanes of
   type W) from the narrow one (S signed, U unsigned). */
#if W2P_SSE41
/* pmovsx and pmovzx widen the low half (the high one moved down first); the products of
   widened lanes are a vector multiply (pmullw, pmulld), but for 64-bit lanes, which
   pmuldq and pmuludq make from the even 32-bit lanes. */
#define W2P_SSE_EXTEND(wide, narrow, signed_cvt, unsigned_cvt)                                               \
    W2P_SSE_UNARY(w2p_##wide##_extend_low_##narrow##_s, signed_cvt(a))                                       \
    W2P_SSE_UNARY(w2p_##wide##_extend_high_##narrow##_s, signed_cvt(_mm_unpackhi_epi64(a, a)))               \
    W2P_SSE_UNARY(w2p_##wide##_extend_low_##narrow##_u, unsigned_cvt(a))                                     \
    W2P_SSE_UNARY(w2p_##wide##_extend_high_##narrow##_u, unsigned_cvt(_mm_unpackhi_epi64(a, a)))
W2P_SSE_EXTEND(i16x8, i8x16, _mm_cvtepi8_epi16, _mm_cvtepu8_epi16)
W2P_SSE_EXTEND(i32x4, i16x8, _mm_cvtepi16_epi32, _mm_cvtepu16_epi32)
W2P_SSE_EXTEND(i64x2, i32x4, _mm_cvtepi32_epi64, _mm_cvtepu32_epi64)
#define W2P_EXTMUL(wide, narrow, Ru)                                                                         \
    static inline W2P_CODE w2p_v128 w2p_##wide##_extmul_low_##narrow##_s(w2p_v128 a, w2p_v128 b)               \
    {                                                                                                        \
        return (w2p_v128)((Ru)w2p_##wide##_extend_low_##narrow##_s(a) * (Ru)w2p_##wide##_extend_low_##narrow##_s(b)); \
    }                                                                                                        \
    static inline W2P_CODE w2p_v128 w2p_##wide##_extmul_high_##narrow##_s(w2p_v128 a, w2p_v128 b)              \
    {                                                                                                        \
        return (w2p_v128)((Ru)w2p_##wide##_extend_high_##narrow##_s(a) * (Ru)w2p_##wide##_extend_high_##narrow##_s(b)); \
    }                                                                                                        \
    static inline W2P_CODE w2p_v128 w2p_##wide##_extmul_low_##narrow##_u(w2p_v128 a, w2p_v128 b)               \
    {                                                                                                        \
        return (w2p_v128)((Ru)w2p_##wide##_extend_low_##narrow##_u(a) * (Ru)w2p_##wide##_extend_low_##narrow##_u(b)); \
    }                                                                                                        \
    static inline W2P_CODE w2p_v128 w2p_##wide##_extmul_high_##narrow##_u(w2p_v128 a, w2p_v128 b)              \
    {                                                                                                        \
        return (w2p_v128)((Ru)w2p_##wide##_extend_high_##narrow##_u(a) * (Ru)w2p_##wide##_extend_high_##narrow##_u(b)); \
    }
W2P_EXTMUL(i16x8, i8x16, w2p_u16x8)
W2P_EXTMUL(i32x4, i16x8, w2p_u32x4)
W2P_SSE_BINARY(w2p_i64x2_extmul_low_i32x4_s, _mm_mul_epi32(_mm_unpacklo_epi32(a, a), _mm_unpacklo_epi32(b, b)))
W2P_SSE_BINARY(w2p_i64x2_extmul_high_i32x4_s, _mm_mul_epi32(_mm_unpackhi_epi32(a, a), _mm_unpackhi_epi32(b, b)))
W2P_SSE_BINARY(w2p_i64x2_extmul_low_i32x4_u, _mm_mul_epu32(_mm_unpacklo_epi32(a, a), _mm_unpacklo_epi32(b, b)))
W2P_SSE_BINARY(w2p_i64x2_extmul_high_i32x4_u, _mm_mul_epu32(_mm_unpackhi_epi32(a, a), _mm_unpackhi_epi32(b, b)))
#else
#define W2P_WIDEN(wide, narrow, Ri, Ru, n, Si, Su, Wi, Wu)                                                    \
    W2P_LANES1(w2p_##wide##_extend_low_##narrow##_s, Ri, n, Si, (Wi)a[i])                                    \
    W2P_LANES1(w2p_##wide##_extend_high_##narrow##_s, Ri, n, Si, (Wi)a[i + (n)])                             \
    W2P_LANES1(w2p_##wide##_extend_low_##narrow##_u, Ru, n, Su, (Wu)a[i])                                    \
    W2P_LANES1(w2p_##wide##_extend_high_##narrow##_u, Ru, n, Su, (Wu)a[i + (n)])                             \
    W2P_LANES2(w2p_##wide##_extmul_low_##narrow##_s, Ru, n, Si, (Wu)((Wi)a[i] * (Wi)b[i]))                    \
    W2P_LANES2(w2p_##wide##_extmul_high_##narrow##_s, Ru, n, Si, (Wu)((Wi)a[i + (n)] * (Wi)b[i + (n)]))       \
    W2P_LANES2(w2p_##wide##_extmul_low_##narrow##_u, Ru, n, Su, (Wu)a[i] * (Wu)b[i])                          \
    W2P_LANES2(w2p_##wide##_extmul_high_##narrow##_u, Ru, n, Su, (Wu)a[i + (n)] * (Wu)b[i + (n)])
W2P_WIDEN(i16x8, i8x16, w2p_i16x8, w2p_u16x8, 8, w2p_i8x16, w2p_u8x16, int16_t, uint16_t)
W2P_WIDEN(i32x4, i16x8, w2p_i32x4, w2p_u32x4, 4, w2p_i16x8, w2p_u16x8, int32_t, uint32_t)
W2P_WIDEN(i64x2, i32x4, w2p_i64x2, w2p_u64x2, 2, w2p_i32x4, w2p_u32x4, int64_t, uint64_t)
#endif

#if W2P_SSSE3
/* pmaddubsw multiplies unsigned bytes by signed ones: by ones, pairs summed (no sum
   reaches its saturation). */
W2P_SSE_UNARY(w2p_i16x8_extadd_pairwise_i8x16_s, _mm_maddubs_epi16(_mm_set1_epi8(1), a))
W2P_SSE_UNARY(w2p_i16x8_extadd_pairwise_i8x16_u, _mm_maddubs_epi16(a, _mm_set1_epi8(1)))
#else
W2P_LANES1(w2p_i16x8_extadd_pairwise_i8x16_s, w2p_i16x8, 8, w2p_i8x16, (int16_t)(a[2 * i] + a[2 * i + 1]))
W2P_LANES1(w2p_i16x8_extadd_pairwise_i8x16_u, w2p_u16x8, 8, w2p_u8x16, (uint16_t)(a[2 * i] + a[2 * i + 1]))
#endif
#if W2P_SSE2
/* pmaddwd by ones; unsigned lanes made signed by subtracting 32768 from each, which the
   pair's sum gets back as 65536. */
W2P_SSE_UNARY(w2p_i32x4_extadd_pairwise_i16x8_s, _mm_madd_epi16(a, _mm_set1_epi16(1)))
W2P_SSE_UNARY(w2p_i32x4_extadd_pairwise_i16x8_u,
              _mm_add_epi32(_mm_madd_epi16(_mm_xor_si128(a, _mm_set1_epi16(INT16_MIN)), _mm_set1_epi16(1)),
                            _mm_set1_epi32(65536)))
#else
W2P_LANES1(w2p_i32x4_extadd_pairwise_i16x8_s, w2p_i32x4, 4, w2p_i16x8, (int32_t)a[2 * i] + a[2 * i + 1])
W2P_LANES1(w2p_i32x4_extadd_pairwise_i16x8_u, w2p_u32x4, 4, w2p_u16x8, (uint32_t)a[2 * i] + a[2 * i + 1])
#endif

/* ---- Floats ---- */

/* abs and neg touch the sign bit only (a NaN's payload is kept). */
W2P_UNARY(w2p_f32x4_abs, w2p_u32x4, a & 0x7FFFFFFFu)
W2P_UNARY(w2p_f32x4_neg, w2p_u32x4, a ^ 0x80000000u)
W2P_UNARY(w2p_f64x2_abs, w2p_u64x2, a & 0x7FFFFFFFFFFFFFFFull)
W2P_UNARY(w2p_f64x2_neg, w2p_u64x2, a ^ 0x8000000000000000ull)

W2P_BINARY(w2p_f32x4_add, w2p_f32x4, a + b)
W2P_BINARY(w2p_f32x4_sub, w2p_f32x4, a - b)
W2P_BINARY(w2p_f32x4_mul, w2p_f32x4, a * b)
W2P_BINARY(w2p_f32x4_div, w2p_f32x4, a / b)
W2P_BINARY(w2p_f64x2_add, w2p_f64x2, a + b)
W2P_BINARY(w2p_f64x2_sub, w2p_f64x2, a - b)
W2P_BINARY(w2p_f64x2_mul, w2p_f64x2, a * b)
W2P_BINARY(w2p_f64x2_div, w2p_f64x2, a / b)
W2P_LANES1(w2p_f32x4_sqrt, w2p_f32x4, 4, w2p_f32x4, sqrtf(a[i]))
W2P_LANES1(w2p_f64x2_sqrt, w2p_f64x2, 2, w2p_f64x2, sqrt(a[i]))

W2P_LANES2(w2p_f32x4_min, w2p_f32x4, 4, w2p_f32x4, w2p_fminf(a[i], b[i]))
W2P_LANES2(w2p_f32x4_max, w2p_f32x4, 4, w2p_f32x4, w2p_fmaxf(a[i], b[i]))
W2P_LANES2(w2p_f64x2_min, w2p_f64x2, 2, w2p_f64x2, w2p_fmin(a[i], b[i]))
W2P_LANES2(w2p_f64x2_max, w2p_f64x2, 2, w2p_f64x2, w2p_fmax(a[i], b[i]))
/* Pseudo-min/max: b < a ? b : a and a < b ? b : a, choosing bits (NaNs unchanged). */
W2P_BINARY(w2p_f32x4_pmin, w2p_f32x4, ((w2p_i32x4)b & (w2p_i32x4)(b < a)) | ((w2p_i32x4)a & ~(w2p_i32x4)(b < a)))
W2P_BINARY(w2p_f32x4_pmax, w2p_f32x4, ((w2p_i32x4)b & (w2p_i32x4)(a < b)) | ((w2p_i32x4)a & ~(w2p_i32x4)(a < b)))
W2P_BINARY(w2p_f64x2_pmin, w2p_f64x2, ((w2p_i64x2)b & (w2p_i64x2)(b < a)) | ((w2p_i64x2)a & ~(w2p_i64x2)(b < a)))
W2P_BINARY(w2p_f64x2_pmax, w2p_f64x2, ((w2p_i64x2)b & (w2p_i64x2)(a < b)) | ((w2p_i64x2)a & ~(w2p_i64x2)(a < b)))

/* Rounding keeps NaN payloads in libm but must quiet them in Wasm: x + x does. nearest
   is nearbyint in the default rounding mode, half to even. */
#if W2P_SSE41
/* roundps/roundpd: -0 kept, half to even for nearest, a NaN quieted with its payload. */
#define W2P_SSE_ROUND(name, T, intrinsic, mode)                         \
    static inline W2P_CODE w2p_v128 name(w2p_v128 a)                    \
    {                                                                   \
        return (w2p_v128)intrinsic((T)a, (mode) | _MM_FROUND_NO_EXC);   \
    }
W2P_SSE_ROUND(w2p_f32x4_ceil, __m128, _mm_round_ps, _MM_FROUND_TO_POS_INF)
W2P_SSE_ROUND(w2p_f32x4_floor, __m128, _mm_round_ps, _MM_FROUND_TO_NEG_INF)
W2P_SSE_ROUND(w2p_f32x4_trunc, __m128, _mm_round_ps, _MM_FROUND_TO_ZERO)
W2P_SSE_ROUND(w2p_f32x4_nearest, __m128, _mm_round_ps, _MM_FROUND_TO_NEAREST_INT)
W2P_SSE_ROUND(w2p_f64x2_ceil, __m128d, _mm_round_pd, _MM_FROUND_TO_POS_INF)
W2P_SSE_ROUND(w2p_f64x2_floor, __m128d, _mm_round_pd, _MM_FROUND_TO_NEG_INF)
W2P_SSE_ROUND(w2p_f64x2_trunc, __m128d, _mm_round_pd, _MM_FROUND_TO_ZERO)
W2P_SSE_ROUND(w2p_f64x2_nearest, __m128d, _mm_round_pd, _MM_FROUND_TO_NEAREST_INT)
#else
W2P_LANES1(w2p_f32x4_ceil, w2p_f32x4, 4, w2p_f32x4, a[i] != a[i] ? a[i] + a[i] : ceilf(a[i]))
W2P_LANES1(w2p_f32x4_floor, w2p_f32x4, 4, w2p_f32x4, a[i] != a[i] ? a[i] + a[i] : floorf(a[i]))
W2P_LANES1(w2p_f32x4_trunc, w2p_f32x4, 4, w2p_f32x4, a[i] != a[i] ? a[i] + a[i] : truncf(a[i]))
W2P_LANES1(w2p_f32x4_nearest, w2p_f32x4, 4, w2p_f32x4, a[i] != a[i] ? a[i] + a[i] : nearbyintf(a[i]))
W2P_LANES1(w2p_f64x2_ceil, w2p_f64x2, 2, w2p_f64x2, a[i] != a[i] ? a[i] + a[i] : ceil(a[i]))
W2P_LANES1(w2p_f64x2_floor, w2p_f64x2, 2, w2p_f64x2, a[i] != a[i] ? a[i] + a[i] : floor(a[i]))
W2P_LANES1(w2p_f64x2_trunc, w2p_f64x2, 2, w2p_f64x2, a[i] != a[i] ? a[i] + a[i] : trunc(a[i]))
W2P_LANES1(w2p_f64x2_nearest, w2p_f64x2, 2, w2p_f64x2, a[i] != a[i] ? a[i] + a[i] : nearbyint(a[i]))
#endif

/* ---- Conversions (the _zero ones fill the upper lanes with 0; NaNs quieted) ---- */

W2P_LANES1(w2p_f32x4_demote_f64x2_zero, w2p_f32x4, 4, w2p_f64x2,
           i < 2 ? (a[i] != a[i] ? (float)(a[i] + a[i]) : (float)a[i]) : 0.0f)
W2P_LANES1(w2p_f64x2_promote_low_f32x4, w2p_f64x2, 2, w2p_f32x4,
           a[i] != a[i] ? (double)a[i] + (double)a[i] : (double)a[i])
W2P_LANES1(w2p_i32x4_trunc_sat_f32x4_s, w2p_i32x4, 4, w2p_f32x4, w2p_trunc_sat_s32(a[i]))
W2P_LANES1(w2p_i32x4_trunc_sat_f32x4_u, w2p_u32x4, 4, w2p_f32x4, w2p_trunc_sat_u32(a[i]))
W2P_LANES1(w2p_i32x4_trunc_sat_f64x2_s_zero, w2p_i32x4, 4, w2p_f64x2, i < 2 ? w2p_trunc_sat_s32(a[i]) : 0)
W2P_LANES1(w2p_i32x4_trunc_sat_f64x2_u_zero, w2p_u32x4, 4, w2p_f64x2, i < 2 ? w2p_trunc_sat_u32(a[i]) : 0)
W2P_LANES1(w2p_f32x4_convert_i32x4_s, w2p_f32x4, 4, w2p_i32x4, (float)a[i])
W2P_LANES1(w2p_f32x4_convert_i32x4_u, w2p_f32x4, 4, w2p_u32x4, (float)a[i])
W2P_LANES1(w2p_f64x2_convert_low_i32x4_s, w2p_f64x2, 2, w2p_i32x4, (double)a[i])
W2P_LANES1(w2p_f64x2_convert_low_i32x4_u, w2p_f64x2, 2, w2p_u32x4, (double)a[i])

#endif /* W2P_SIMD_H */
