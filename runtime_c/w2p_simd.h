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
 * The arithmetic is in w2p_simd_arith.h, which this includes. Self-contained (tested on
 * its own by tests/c/test_simd.c).
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
#elif W2P_SSE2 && !W2P_SSSE3
/* SSE2 has no byte shuffle, and GCC builds one byte by byte; it does not see that the
   lanes a shuffle takes from a zero vector (which clang's code interleaves with bytes to
   widen them) could be any of its lanes. Where one operand is a zero the compiler knows,
   the other is shuffled alone, each zero lane taking a neighbour's index, and the zero
   lanes masked off: (0,0,1,1,...) and the like are unpacks. */
#define W2P_I8X16_SHUFFLE(a, b, ...) \
    w2p_i8x16_shuffle_sse2((w2p_u8x16)(a), (w2p_u8x16)(b), (w2p_u8x16){__VA_ARGS__})
__attribute__((always_inline)) static inline W2P_CODE w2p_v128 w2p_shuffle_one_with_zeros(w2p_u8x16 x, w2p_u8x16 lanes, int from_x)
{
    w2p_u8x16 pick, keep;
#pragma GCC unroll 16 /* so that pick and keep are constants */
    for (int i = 0; i < 16; i++) {
#define W2P_FROM_X(lane) ((lane) < 16 ? from_x : !from_x)
        int near = i > 0 && W2P_FROM_X(lanes[i - 1]) ? i - 1 : i < 15 && W2P_FROM_X(lanes[i + 1]) ? i + 1 : i;
        pick[i] = (W2P_FROM_X(lanes[i]) ? lanes[i] : lanes[near]) & 15;
        keep[i] = W2P_FROM_X(lanes[i]) ? 0xFF : 0;
#undef W2P_FROM_X
    }
    return (w2p_v128)(__builtin_shuffle(x, pick) & keep);
}
/* Inlined always: where the zero is seen is at the call. */
__attribute__((always_inline)) static inline W2P_CODE w2p_v128 w2p_i8x16_shuffle_sse2(w2p_u8x16 a, w2p_u8x16 b, w2p_u8x16 lanes)
{
    w2p_v128 va = (w2p_v128)a, vb = (w2p_v128)b;
    if (__builtin_constant_p(va[0] | va[1]) && (va[0] | va[1]) == 0)
        return w2p_shuffle_one_with_zeros(b, lanes, 0);
    if (__builtin_constant_p(vb[0] | vb[1]) && (vb[0] | vb[1]) == 0)
        return w2p_shuffle_one_with_zeros(a, lanes, 1);
    return (w2p_v128)__builtin_shuffle(a, b, lanes);
}
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
#if W2P_SSE2
/* Widening the low 8 bytes of a register: pmovsx and pmovzx with SSE4.1; with SSE2 alone
   the lanes interleaved with zeros, or with themselves and shifted back with their sign
   (for 32-bit lanes, interleaved with their signs). */
#if W2P_SSE41
#define w2p_widen_s8 _mm_cvtepi8_epi16
#define w2p_widen_u8 _mm_cvtepu8_epi16
#define w2p_widen_s16 _mm_cvtepi16_epi32
#define w2p_widen_u16 _mm_cvtepu16_epi32
#define w2p_widen_s32 _mm_cvtepi32_epi64
#define w2p_widen_u32 _mm_cvtepu32_epi64
#else
#define w2p_widen_s8(v) _mm_srai_epi16(_mm_unpacklo_epi8((v), (v)), 8)
#define w2p_widen_u8(v) _mm_unpacklo_epi8((v), _mm_setzero_si128())
#define w2p_widen_s16(v) _mm_srai_epi32(_mm_unpacklo_epi16((v), (v)), 16)
#define w2p_widen_u16(v) _mm_unpacklo_epi16((v), _mm_setzero_si128())
#define w2p_widen_s32(v) _mm_unpacklo_epi32((v), _mm_srai_epi32((v), 31))
#define w2p_widen_u32(v) _mm_unpacklo_epi32((v), _mm_setzero_si128())
#endif
#define W2P_SSE_LOAD_EXTEND(name, widen)                                \
    static inline W2P_CODE w2p_v128 name(uint64_t bits)                 \
    {                                                                   \
        __m128i v = _mm_cvtsi64_si128((long long)bits);                 \
        return (w2p_v128)widen(v);                                      \
    }
W2P_SSE_LOAD_EXTEND(w2p_v128_load8x8_s, w2p_widen_s8)
W2P_SSE_LOAD_EXTEND(w2p_v128_load8x8_u, w2p_widen_u8)
W2P_SSE_LOAD_EXTEND(w2p_v128_load16x4_s, w2p_widen_s16)
W2P_SSE_LOAD_EXTEND(w2p_v128_load16x4_u, w2p_widen_u16)
W2P_SSE_LOAD_EXTEND(w2p_v128_load32x2_s, w2p_widen_s32)
W2P_SSE_LOAD_EXTEND(w2p_v128_load32x2_u, w2p_widen_u32)
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

/* The arithmetic: integer, narrowing and widening, floats, conversions. */
#include "w2p_simd_arith.h"

#endif /* W2P_SIMD_H */
