;; The example of the README: `wasm2pyext build examples/simple.wasm`, then
;; `import simple; simple.Instance().exports.sum(5, 37)`.
;; Rebuild the binary with: wat2wasm --debug-names examples/simple.wat -o examples/simple.wasm
(module
  ;; A page of linear memory, for the README's views (instance.memory.uint8_view()).
  (memory (export "memory") 1)
  (func $sum (export "sum") (param $x i32) (param $y i32) (result i32)
    local.get $x
    local.get $y
    i32.add))
