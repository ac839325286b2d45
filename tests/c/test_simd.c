/* runtime_c/w2p_simd.h on its own: the edge cases of Wasm's SIMD semantics, lane by lane.
   Prints "all SIMD checks passed" and exits 0, or lists each failed check. */
#include <stdio.h>

#include "check.h"
#include "w2p_simd.h"

/* Opaque to the optimiser, so the helpers are tested, not the compiler's constant folding. */
static w2p_v128 opaque(w2p_v128 v)
{
    __asm__ volatile("" : "+m"(v));
    return v;
}

static w2p_v128 bytes(const uint8_t b[16])
{
    w2p_v128 v;
    memcpy(&v, b, 16);
    return opaque(v);
}

static w2p_v128 i16s(int16_t a, int16_t b, int16_t c, int16_t d, int16_t e, int16_t f, int16_t g, int16_t h)
{
    return opaque((w2p_v128)(w2p_i16x8){a, b, c, d, e, f, g, h});
}

static w2p_v128 i32s(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return opaque((w2p_v128)(w2p_u32x4){a, b, c, d});
}

static w2p_v128 f32s(float a, float b, float c, float d)
{
    return opaque((w2p_v128)(w2p_f32x4){a, b, c, d});
}

static w2p_v128 f64s(double a, double b)
{
    return opaque((w2p_v128)(w2p_f64x2){a, b});
}

static uint32_t lane32(w2p_v128 v, int i) { return w2p_i32x4_extract_lane(v, i); }
static uint32_t lane16(w2p_v128 v, int i) { return w2p_i16x8_extract_lane_u(v, i); }
static uint32_t lane8(w2p_v128 v, int i) { return w2p_i8x16_extract_lane_u(v, i); }
static uint64_t lane64(w2p_v128 v, int i) { return w2p_i64x2_extract_lane(v, i); }

#define F32_QNAN 0x7FC00000u
#define F32_SNAN 0x7FA00000u
#define F32_IS_QUIET_NAN(u) (((u) & 0x7FC00000u) == 0x7FC00000u)

/* Shuffles with a zero vector, each in a function of its own, as generated code has them
   (the compiler sees the zero). */
__attribute__((noinline)) static w2p_v128 widen_low(w2p_v128 x)
{
    w2p_v128 zero = {0, 0};
    return W2P_I8X16_SHUFFLE(zero, x, 16, 1, 17, 3, 18, 5, 19, 7, 20, 9, 21, 11, 22, 13, 23, 15);
}
__attribute__((noinline)) static w2p_v128 widen_high(w2p_v128 x)
{
    w2p_v128 zero = {0, 0};
    return W2P_I8X16_SHUFFLE(x, zero, 8, 17, 9, 19, 10, 21, 11, 23, 12, 25, 13, 27, 14, 29, 15, 31);
}
__attribute__((noinline)) static w2p_v128 zeros_at_ends(w2p_v128 x)
{
    w2p_v128 zero = {0, 0};
    return W2P_I8X16_SHUFFLE(zero, x, 0, 20, 21, 2, 3, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 15);
}

static void lanes_and_shuffles(void)
{
    uint8_t a[16], b[16];
    for (int i = 0; i < 16; i++) {
        a[i] = (uint8_t)(0x10 + i);
        b[i] = (uint8_t)(0x80 + i);
    }
    w2p_v128 va = bytes(a), vb = bytes(b);
    /* Little-endian lanes: byte 0 is lane 0 of every shape. */
    CHECK(lane32(va, 0) == 0x13121110u);
    CHECK(lane64(va, 1) == 0x1F1E1D1C1B1A1918ull);
    CHECK(w2p_i8x16_extract_lane_s(vb, 0) == 0xFFFFFF80u);
    CHECK(w2p_i16x8_extract_lane_s(vb, 0) == 0xFFFF8180u);
    /* Swizzle: indices 16 and up (0x80, 0xFF included) select 0. */
    uint8_t idx[16] = {15, 0, 16, 0x80, 0xFF, 1, 17, 31, 2, 2, 2, 2, 2, 2, 2, 2};
    w2p_v128 s = w2p_i8x16_swizzle(va, bytes(idx));
    CHECK(lane8(s, 0) == 0x1F && lane8(s, 1) == 0x10 && lane8(s, 2) == 0 && lane8(s, 3) == 0);
    CHECK(lane8(s, 4) == 0 && lane8(s, 5) == 0x11 && lane8(s, 6) == 0 && lane8(s, 7) == 0);
    /* Shuffle: 0-15 from the first operand, 16-31 from the second. */
    w2p_v128 sh = W2P_I8X16_SHUFFLE(va, vb, 31, 0, 16, 15, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 30);
    CHECK(lane8(sh, 0) == 0x8F && lane8(sh, 1) == 0x10 && lane8(sh, 2) == 0x80 && lane8(sh, 3) == 0x1F);
    CHECK(lane8(sh, 15) == 0x8E);
    /* A zero operand the compiler knows (without SSSE3 the other is shuffled alone, the
       zero lanes masked): clang's byte widening, low and high half, and zero lanes at
       the ends. */
    w2p_v128 lo = widen_low(va), hi = widen_high(va), ends = zeros_at_ends(va);
    for (int i = 0; i < 16; i++) {
        CHECK(lane8(lo, i) == (uint32_t)(i % 2 ? 0 : 0x10 + i / 2));
        CHECK(lane8(hi, i) == (uint32_t)(i % 2 ? 0 : 0x18 + i / 2));
        CHECK(lane8(ends, i) == (uint32_t)(i == 0 || i == 3 || i == 4 || i == 15 ? 0 : i <= 2 ? 0x13 + i : 0x10 + i + 1));
    }
    w2p_v128 r = w2p_i16x8_replace_lane(va, 7, 0x12345);
    CHECK(lane16(r, 7) == 0x2345 && lane16(r, 6) == 0x1D1C);
    CHECK(w2p_i8x16_bitmask(vb) == 0xFFFF && w2p_i8x16_bitmask(va) == 0);
    CHECK(w2p_i32x4_bitmask(i32s(0x80000000u, 1, 0xFFFFFFFFu, 0)) == 0x5);
    CHECK(w2p_i8x16_all_true(va) == 1 && w2p_i32x4_all_true(i32s(1, 1, 0, 1)) == 0);
    CHECK(w2p_v128_any_true(i32s(0, 0, 0, 0)) == 0 && w2p_v128_any_true(i32s(0, 0, 0, 8)) == 1);
    CHECK(lane16(w2p_v128_load8x8_s(0x80FF7F01ull), 1) == 0x007F && lane16(w2p_v128_load8x8_s(0x80FF7F01ull), 3) == 0xFF80);
    CHECK(lane64(w2p_v128_load32x2_u(0xFFFFFFFF00000001ull), 1) == 0xFFFFFFFFull);
}

static void integer_edges(void)
{
    /* Saturation. */
    w2p_v128 m = i16s(32767, -32768, 100, -100, 0, 1, -1, 300);
    w2p_v128 sat = w2p_i16x8_add_sat_s(m, i16s(1, -1, 0, 0, 0, 0, 0, 0));
    CHECK(lane16(sat, 0) == 0x7FFF && lane16(sat, 1) == 0x8000);
    CHECK(lane16(w2p_i16x8_sub_sat_u(i16s(0, 5, 0, 0, 0, 0, 0, 0), i16s(1, 3, 0, 0, 0, 0, 0, 0)), 0) == 0);
    CHECK(lane16(w2p_i16x8_add_sat_u(i16s(-1, 0, 0, 0, 0, 0, 0, 0), i16s(1, 0, 0, 0, 0, 0, 0, 0)), 0) == 0xFFFF);
    w2p_v128 n = w2p_i8x16_narrow_i16x8_s(m, m);
    CHECK(lane8(n, 0) == 0x7F && lane8(n, 1) == 0x80 && lane8(n, 2) == 100 && lane8(n, 7) == 0x7F);
    n = w2p_i8x16_narrow_i16x8_u(m, m);
    CHECK(lane8(n, 0) == 0xFF && lane8(n, 1) == 0 && lane8(n, 3) == 0 && lane8(n, 7) == 0xFF);
    /* Shift counts modulo the lane width. */
    CHECK(lane16(w2p_i16x8_shl(m, 17), 2) == 200);
    CHECK(lane16(w2p_i16x8_shr_s(m, 16 + 15), 1) == 0xFFFF && lane16(w2p_i16x8_shr_u(m, 15), 1) == 1);
    CHECK(lane64(w2p_i64x2_shl(i32s(1, 0, 0, 0), 64), 0) == 1);
    /* abs keeps INT_MIN; neg wraps. */
    w2p_v128 big = i32s(0x80000000u, 0xFFFFFFFFu, 5, 0);
    CHECK(lane32(w2p_i32x4_abs(big), 0) == 0x80000000u && lane32(w2p_i32x4_abs(big), 1) == 1);
    CHECK(lane32(w2p_i32x4_neg(big), 0) == 0x80000000u);
    /* q15mulr: -1 * -1 saturates; dot: two -32768 squares wrap to INT32_MIN. */
    w2p_v128 min16 = i16s(-32768, -32768, -32768, -32768, 16384, 16384, 1, 1);
    CHECK(lane16(w2p_i16x8_q15mulr_sat_s(min16, min16), 0) == 0x7FFF);
    CHECK(lane16(w2p_i16x8_q15mulr_sat_s(min16, min16), 4) == 0x2000);
    CHECK(lane32(w2p_i32x4_dot_i16x8_s(min16, min16), 0) == 0x80000000u);
    CHECK(lane64(w2p_i64x2_extmul_low_i32x4_u(big, big), 0) == 0x4000000000000000ull);
    CHECK(lane64(w2p_i64x2_extmul_low_i32x4_s(big, big), 1) == 1);
    CHECK(lane32(w2p_i32x4_extmul_high_i16x8_u(min16, min16), 0) == 0x10000000u);
    CHECK(lane16(w2p_i16x8_avgr_u(i16s(-1, 0, 0, 0, 0, 0, 0, 0), i16s(-1, 1, 0, 0, 0, 0, 0, 0)), 0) == 0xFFFF);
    CHECK(lane16(w2p_i16x8_avgr_u(i16s(-1, 0, 0, 0, 0, 0, 0, 0), i16s(-1, 1, 0, 0, 0, 0, 0, 0)), 1) == 1);
    CHECK(lane8(w2p_i8x16_popcnt(i32s(0xFF, 0, 0, 0)), 0) == 8);
    CHECK(lane32(w2p_i32x4_min_u(big, i32s(1, 1, 1, 1)), 0) == 1);
    CHECK(lane32(w2p_i32x4_min_s(big, i32s(1, 1, 1, 1)), 0) == 0x80000000u);
    CHECK(lane32(w2p_i32x4_extadd_pairwise_i16x8_u(min16), 0) == 0x10000);
    CHECK(lane64(w2p_i64x2_lt_s(big, i32s(0, 0, 0, 0)), 0) == UINT64_MAX);
    CHECK(lane64(w2p_i64x2_lt_s(big, i32s(0, 0, 0, 0)), 1) == 0);
    CHECK(lane64(w2p_i64x2_lt_s(i32s(0, 0x80000000u, 0, 0), i32s(0, 0, 0, 0)), 0) == UINT64_MAX);
}

static uint32_t f32lane(w2p_v128 v, int i) { return lane32(v, i); }

static void float_edges(void)
{
    float qnan, snan;
    uint32_t q = F32_QNAN, s = F32_SNAN;
    memcpy(&qnan, &q, 4);
    memcpy(&snan, &s, 4);
    /* min/max: -0 below +0, NaN in, NaN out. */
    w2p_v128 mn = w2p_f32x4_min(f32s(-0.0f, 0.0f, qnan, 1.0f), f32s(0.0f, -0.0f, 1.0f, qnan));
    CHECK(f32lane(mn, 0) == 0x80000000u && f32lane(mn, 1) == 0x80000000u);
    CHECK(F32_IS_QUIET_NAN(f32lane(mn, 2)) && F32_IS_QUIET_NAN(f32lane(mn, 3)));
    w2p_v128 mx = w2p_f32x4_max(f32s(-0.0f, 0.0f, 2.0f, 1.0f), f32s(0.0f, -0.0f, 1.0f, 3.0f));
    CHECK(f32lane(mx, 0) == 0 && f32lane(mx, 1) == 0 && f32lane(mx, 2) == 0x40000000u);
    /* pmin/pmax choose an operand's bits: b < a ? b : a. */
    w2p_v128 pm = w2p_f32x4_pmin(f32s(snan, 1.0f, -0.0f, 0.0f), f32s(1.0f, snan, 0.0f, -0.0f));
    CHECK(f32lane(pm, 0) == F32_SNAN && f32lane(pm, 1) == 0x3F800000u);
    CHECK(f32lane(pm, 2) == 0x80000000u && f32lane(pm, 3) == 0);
    /* nearest is half to even; rounding quiets a signalling NaN. */
    w2p_v128 nr = w2p_f32x4_nearest(f32s(2.5f, 3.5f, -2.5f, snan));
    CHECK(f32lane(nr, 0) == 0x40000000u && f32lane(nr, 1) == 0x40800000u && f32lane(nr, 2) == 0xC0000000u);
    CHECK(F32_IS_QUIET_NAN(f32lane(nr, 3)));
    CHECK(F32_IS_QUIET_NAN(f32lane(w2p_f32x4_ceil(f32s(snan, 0, 0, 0)), 0)));
    /* Splats keep a float's bits (-0, a signalling NaN) and truncate an i32 to the lane. */
    w2p_v128 sp = w2p_f32x4_splat(snan);
    CHECK(f32lane(sp, 0) == F32_SNAN && f32lane(sp, 3) == F32_SNAN);
    CHECK(lane64(w2p_f64x2_splat(-0.0), 1) == 0x8000000000000000ull);
    CHECK(lane8(w2p_i8x16_splat(0x1FF), 15) == 0xFF && lane16(w2p_i16x8_splat(0x12345), 7) == 0x2345);
    CHECK(f32lane(w2p_f32x4_floor(f32s(-0.5f, 0, 0, 0)), 0) == 0xBF800000u);
    CHECK(f32lane(w2p_f32x4_trunc(f32s(-0.5f, 0, 0, 0)), 0) == 0x80000000u);
    /* abs and neg touch only the sign, payloads kept. */
    CHECK(f32lane(w2p_f32x4_neg(f32s(snan, 0, 0, 0)), 0) == (F32_SNAN | 0x80000000u));
    CHECK(f32lane(w2p_f32x4_abs(w2p_f32x4_neg(f32s(snan, 0, 0, 0))), 0) == F32_SNAN);
    /* Saturating conversions. */
    w2p_v128 t = w2p_i32x4_trunc_sat_f32x4_s(f32s(qnan, 3e9f, -3e9f, -1.9f));
    CHECK(lane32(t, 0) == 0 && lane32(t, 1) == 0x7FFFFFFFu && lane32(t, 2) == 0x80000000u && lane32(t, 3) == 0xFFFFFFFFu);
    t = w2p_i32x4_trunc_sat_f32x4_u(f32s(qnan, 5e9f, -0.9f, 4294967040.0f));
    CHECK(lane32(t, 0) == 0 && lane32(t, 1) == 0xFFFFFFFFu && lane32(t, 2) == 0 && lane32(t, 3) == 4294967040u);
    t = w2p_i32x4_trunc_sat_f64x2_u_zero(f64s(4294967295.9, -1.0));
    CHECK(lane32(t, 0) == 0xFFFFFFFFu && lane32(t, 1) == 0 && lane32(t, 2) == 0 && lane32(t, 3) == 0);
    CHECK(f32lane(w2p_f32x4_convert_i32x4_u(i32s(0xFFFFFFFFu, 0, 0, 0)), 0) == 0x4F800000u);
    CHECK(f32lane(w2p_f32x4_convert_i32x4_s(i32s(0xFFFFFFFFu, 0, 0, 0)), 0) == 0xBF800000u);
    CHECK(lane64(w2p_f64x2_convert_low_i32x4_u(i32s(0xFFFFFFFFu, 0, 0, 0)), 0) == 0x41EFFFFFFFE00000ull);
    w2p_v128 d = w2p_f32x4_demote_f64x2_zero(f64s(1e300, 0.1));
    CHECK(f32lane(d, 0) == 0x7F800000u && f32lane(d, 1) == 0x3DCCCCCDu && f32lane(d, 2) == 0 && f32lane(d, 3) == 0);
    CHECK((lane64(w2p_f64x2_promote_low_f32x4(f32s(snan, 0, 0, 0)), 0) & 0x7FF8000000000000ull) == 0x7FF8000000000000ull);
    /* Comparisons: NaN is unordered; ne is true. */
    w2p_v128 c = w2p_f32x4_ne(f32s(qnan, 1, 1, 1), f32s(qnan, 1, 2, 1));
    CHECK(lane32(c, 0) == 0xFFFFFFFFu && lane32(c, 1) == 0 && lane32(c, 2) == 0xFFFFFFFFu);
    CHECK(lane32(w2p_f32x4_eq(f32s(-0.0f, 0, 0, 0), f32s(0.0f, 0, 0, 0)), 0) == 0xFFFFFFFFu);
}

int main(void)
{
    lanes_and_shuffles();
    integer_edges();
    float_edges();
    if (failures) {
        printf("%d SIMD checks failed\n", failures);
        return 1;
    }
    printf("all SIMD checks passed\n");
    return 0;
}
