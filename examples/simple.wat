;; The example of the README: `wasm2pyext build examples/simple.wasm`, then
;; `import simple; simple.Instance().exports.sum(5, 37)`.
;; Rebuild the binary with: wat2wasm --debug-names examples/simple.wat -o examples/simple.wasm
(module
  (func $sum (export "sum") (param $x i32) (param $y i32) (result i32)
    local.get $x
    local.get $y
    i32.add))
