/*
 * w2p_simd_arith.h: the arithmetic of WebAssembly's fixed-width SIMD, part of w2p_simd.h
 * (which includes it at its end, after the types, the shapes of operation and the scalar
 * helpers it uses): integer arithmetic, narrowing and widening, floats and conversions.
 * Each instruction is w2p_<shape>_<op>, in portable C, or on x86-64 the SSE instruction
 * with exactly its semantics where the CPU level the build assumes has one.
 */
#ifndef W2P_SIMD_ARITH_H
#define W2P_SIMD_ARITH_H

#ifndef W2P_SIMD_H
#error "include w2p_simd.h, which includes this"
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
#if W2P_SSE2
/* Widened as the extending loads widen (w2p_widen_*, w2p_simd.h): the low half, or the
   high one moved down first. */
#define W2P_SSE_EXTEND(wide, narrow, s, u)                                                               \
    W2P_SSE_UNARY(w2p_##wide##_extend_low_##narrow##_s, w2p_widen_##s(a))                                 \
    W2P_SSE_UNARY(w2p_##wide##_extend_high_##narrow##_s, w2p_widen_##s(_mm_unpackhi_epi64(a, a)))         \
    W2P_SSE_UNARY(w2p_##wide##_extend_low_##narrow##_u, w2p_widen_##u(a))                                 \
    W2P_SSE_UNARY(w2p_##wide##_extend_high_##narrow##_u, w2p_widen_##u(_mm_unpackhi_epi64(a, a)))
W2P_SSE_EXTEND(i16x8, i8x16, s8, u8)
W2P_SSE_EXTEND(i32x4, i16x8, s16, u16)
W2P_SSE_EXTEND(i64x2, i32x4, s32, u32)
#else
#define W2P_LANES_EXTEND(wide, narrow, Ri, Ru, n, Si, Su, Wi, Wu)                                           \
    W2P_LANES1(w2p_##wide##_extend_low_##narrow##_s, Ri, n, Si, (Wi)a[i])                                \
    W2P_LANES1(w2p_##wide##_extend_high_##narrow##_s, Ri, n, Si, (Wi)a[i + (n)])                         \
    W2P_LANES1(w2p_##wide##_extend_low_##narrow##_u, Ru, n, Su, (Wu)a[i])                                \
    W2P_LANES1(w2p_##wide##_extend_high_##narrow##_u, Ru, n, Su, (Wu)a[i + (n)])
W2P_LANES_EXTEND(i16x8, i8x16, w2p_i16x8, w2p_u16x8, 8, w2p_i8x16, w2p_u8x16, int16_t, uint16_t)
W2P_LANES_EXTEND(i32x4, i16x8, w2p_i32x4, w2p_u32x4, 4, w2p_i16x8, w2p_u16x8, int32_t, uint32_t)
W2P_LANES_EXTEND(i64x2, i32x4, w2p_i64x2, w2p_u64x2, 2, w2p_i32x4, w2p_u32x4, int64_t, uint64_t)
#endif
#if W2P_SSE41
/* The products of widened lanes are a vector multiply (pmullw, pmulld), but for 64-bit
   lanes, which pmuldq and pmuludq make from the even 32-bit lanes. */
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
#define W2P_LANES_EXTMUL(wide, narrow, Ru, n, Si, Su, Wi, Wu)                                               \
    W2P_LANES2(w2p_##wide##_extmul_low_##narrow##_s, Ru, n, Si, (Wu)((Wi)a[i] * (Wi)b[i]))                    \
    W2P_LANES2(w2p_##wide##_extmul_high_##narrow##_s, Ru, n, Si, (Wu)((Wi)a[i + (n)] * (Wi)b[i + (n)]))       \
    W2P_LANES2(w2p_##wide##_extmul_low_##narrow##_u, Ru, n, Su, (Wu)a[i] * (Wu)b[i])                          \
    W2P_LANES2(w2p_##wide##_extmul_high_##narrow##_u, Ru, n, Su, (Wu)a[i + (n)] * (Wu)b[i + (n)])
W2P_LANES_EXTMUL(i16x8, i8x16, w2p_u16x8, 8, w2p_i8x16, w2p_u8x16, int16_t, uint16_t)
W2P_LANES_EXTMUL(i32x4, i16x8, w2p_u32x4, 4, w2p_i16x8, w2p_u16x8, int32_t, uint32_t)
W2P_LANES_EXTMUL(i64x2, i32x4, w2p_u64x2, 2, w2p_i32x4, w2p_u32x4, int64_t, uint64_t)
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

#endif /* W2P_SIMD_ARITH_H */
