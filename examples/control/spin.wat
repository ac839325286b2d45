;; For the README's "Stopping Wasm code, and threads": calls that run until stopped.
(module
  ;; Loops forever.
  (func (export "forever") (loop (br 0)))
  ;; Counts to n, slowly enough to be seen in another thread: about a second for 10**9.
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (loop
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))
