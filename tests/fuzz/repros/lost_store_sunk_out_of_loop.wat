;; status: fixed (FINDINGS.md, finding 1: STORE_MADE in templates/module.c.j2)
;; Default (guard-page) build: the loop stores its counter at 16 each iteration and, in its
;; tenth, loads from 70000, which traps; memory[16] must then be 9 (wasmtime and
;; --bounds-checks agree). Ours leaves it 0: GCC's loop store motion keeps the counter in
;; a register and stores it once, after the loop, which the trap never reaches.
;; Run: python -m tests.fuzz.diff --wasm tests/fuzz/repros/lost_store_sunk_out_of_loop.wat
(module
  (memory (export "mem") 1)
  (func (export "f") (param i32) (result i32) (local i32)
    (loop $l
      (i32.store (i32.const 16) (local.get 1))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (if (i32.eq (local.get 1) (i32.const 10)) (then (drop (i32.load (i32.const 70000)))))
      (br_if $l (i32.lt_u (local.get 1) (i32.const 100))))
    (local.get 1)))
