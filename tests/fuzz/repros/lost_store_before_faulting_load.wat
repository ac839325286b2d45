;; status: fixed (FINDINGS.md, finding 1: STORE_MADE in templates/module.c.j2)
;; Default (guard-page) build: f(x) must store demote(x) at 16, then trap on the load at
;; 70000, leaving the stored bytes in memory (wasmtime and --bounds-checks do). Ours traps
;; with bytes 16..19 still zero: GCC scheduled the load, which faults, before the store.
;; Found as smith module 201372 (and 201505) of `python -m tests.fuzz.diff`.
;; Run: python -m tests.fuzz.diff --wasm tests/fuzz/repros/lost_store_before_faulting_load.wat
(module
  (memory (export "mem") 1)
  (func (export "f") (param f64) (result i32)
    (f32.store (i32.const 16) (f32.demote_f64 (local.get 0)))
    (i32.load16_s (i32.const 70000))))
