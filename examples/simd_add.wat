;; A v128 function for README's SIMD section: lane-wise i32 addition.
(module
  (func (export "add") (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (local.get 1))))
