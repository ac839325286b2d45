"""Which functions the code generator marks as unable to trap (called from Python without a
trap boundary, wasm2pyext/codegen/traps.py): a wrong "cannot trap" would let a trap unwind
with no boundary to catch it, so every way to trap must count."""
from __future__ import annotations

from wasm2pyext.build import front_end
from wasm2pyext.codegen.traps import MAX_CALL_HEIGHT, functions_that_cannot_trap

from wat import wat


def cannot_trap(text: str) -> set[str]:
    module = front_end(wat(text))
    names = {e.index: e.name for e in module.exports}
    return {names[i] for i in functions_that_cannot_trap(module) if i in names}


def test_arithmetic_locals_constant_globals_and_calls_to_such_functions_cannot_trap():
    assert cannot_trap("""(module
      (global $k i32 (i32.const 1))
      (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "calls_add") (param i32) (result i32) (local i32)
        (local.set 1 (call $add (local.get 0) (global.get $k))) (local.get 1))
      (func (export "saturating") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
      (func (export "branches") (param i32) (result i32)
        (block (br_if 0 (local.get 0)) (return (i32.const 1))) (i32.const 2)))
    """) == {"add", "calls_add", "saturating", "branches"}


def test_every_way_to_trap_counts():
    assert cannot_trap("""(module
      (import "env" "host" (func $host))
      (memory 1)
      (table 1 funcref)
      (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 1)))
      (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
      (func (export "rem") (param i64) (result i64) (i64.rem_s (i64.const 1) (local.get 0)))
      (func (export "trunc") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
      (func (export "unreachable") unreachable)
      (func (export "indirect") (call_indirect (i32.const 0)))
      (func (export "table_get") (result funcref) (table.get 0 (i32.const 0)))
      (func (export "fill") (memory.fill (i32.const 0) (i32.const 0) (i32.const 1)))
      (func (export "host") (call $host))
      (func (export "calls_load") (result i32) (call $load (i32.const 0)))
      (func $self (export "recursive") (param i32) (result i32)
        (if (result i32) (local.get 0) (then (call $self (i32.sub (local.get 0) (i32.const 1)))) (else (i32.const 0)))))
    """) == set()


def test_long_call_chains_may_exhaust_the_stack():
    depth = MAX_CALL_HEIGHT + 2
    funcs = "\n".join(f'(func $f{i} (export "f{i}") {"(call $f" + str(i + 1) + ")" if i < depth else ""})'
                       for i in range(depth + 1))
    safe = cannot_trap(f"(module {funcs})")
    assert f"f{depth}" in safe and f"f{depth - MAX_CALL_HEIGHT}" in safe
    assert f"f{depth - MAX_CALL_HEIGHT - 1}" not in safe and "f0" not in safe
