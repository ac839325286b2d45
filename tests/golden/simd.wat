;; The golden module of SIMD (tests/test_codegen_golden.py): v128 params, locals, globals
;; and results, constants, shuffles, lanes, memory accesses and their lane forms.
(module
  (memory 1)
  (global $bias (mut v128) (v128.const f32x4 0.5 0.5 0.5 0.5))
  (func $axpy (export "axpy") (param $p i32) (param $k f32) (result v128) (local $acc v128)
    (local.set $acc (f32x4.mul (v128.load offset=16 (local.get $p)) (f32x4.splat (local.get $k))))
    (v128.store (local.get $p) (f32x4.add (local.get $acc) (global.get $bias)))
    (local.get $acc))
  (func $lanes (export "lanes") (param $v v128) (param $p i32) (result i32 v128)
    (v128.store8_lane 15 (local.get $p) (local.get $v))
    (i32.add (i8x16.extract_lane_u 3 (local.get $v)) (i8x16.bitmask (local.get $v)))
    (v128.load32_lane 1 (local.get $p)
      (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $v) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))))
  (func $pick (export "pick") (param v128 v128 i32) (result v128)
    (select (i16x8.add_sat_s (local.get 0) (local.get 1)) (i32x4.trunc_sat_f32x4_u (local.get 1)) (local.get 2)))
)
