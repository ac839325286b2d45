;; A small module touching most of the code generator: recursion, loops, blocks with
;; several results, br_table, memory, globals, a table with call_indirect, a host import,
;; and a start function. Its generated C is tests/golden/kitchen.c.
(module
  (import "env" "log" (func $log (param i32)))
  (type $binop (func (param i32 i32) (result i32)))
  (memory (export "memory") 1 2)
  (global $counter (mut i32) (i32.const 0))
  (global $scale (export "scale") f64 (f64.const 2.5))
  (table 2 funcref)
  (elem (i32.const 0) $add $sub)
  (data (i32.const 16) "hello\00")

  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))

  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1)))))))

  (func $sum_to (export "sum_to") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))

  (func $divmod (export "divmod") (param $a i32) (param $b i32) (result i32 i32)
    (block (result i32 i32)
      (i32.div_u (local.get $a) (local.get $b))
      (i32.rem_u (local.get $a) (local.get $b))))

  (func $apply (export "apply") (param $op i32) (param $a i32) (param $b i32) (result i32)
    (call_indirect (type $binop) (local.get $a) (local.get $b) (local.get $op)))

  (func $classify (export "classify") (param $x i32) (result i32)
    (block $other
      (block $one
        (block $zero
          (br_table $zero $one $other (local.get $x)))
        (return (i32.const 100)))
      (return (i32.const 101)))
    (select (i32.const 1) (i32.const -1) (i32.gt_s (local.get $x) (i32.const 0))))

  (func $peek (export "peek") (param $addr i32) (result i32)
    (i32.load8_u offset=16 (local.get $addr)))

  (func $bump (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call $log (global.get $counter))
    (global.get $counter))

  (func $init
    (i32.store (i32.const 0) (i32.const 42)))
  (start $init))
