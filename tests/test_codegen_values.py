"""Values the code generator writes straight into the C expressions that use them
(codegen/function.py, FunctionWriter.defer): a local's value read before the local is set
must stay the old value, an operator's result must be computed where Wasm computes it, and
the C must stay short."""
from __future__ import annotations

import pytest

import wasm2pyext
from wasm2pyext.build import BuildOptions, compile_to_c

from wat import wat

ORDER = wat("""(module
  (memory 1)
  ;; a's old value is on the stack when a is set
  (func (export "set_under") (param $a i32) (param $b i32) (result i32)
    (local.get $a) (local.set $a (local.get $b)) (local.get $a) (i32.sub))
  ;; tee: the old value below, the new one above
  (func (export "tee_under") (param $a i32) (result i32)
    (local.get $a)
    (local.tee $a (i32.add (local.get $a) (i32.const 1)))
    (local.get $a) (i32.mul) (i32.add))
  ;; an operator's result, then its operand's local is set
  (func (export "result_then_set") (param $a i32) (result i32)
    (i32.add (local.get $a) (i32.const 1))
    (local.set $a (i32.const 5))
    (local.get $a) (i32.add))
  ;; a local's value waiting across a store and a load of what the store wrote
  (func (export "across_memory") (param $a i32) (result i32)
    (local.get $a)
    (i32.store (i32.const 8) (i32.const 7))
    (i32.load (i32.const 8)) (i32.add))
  ;; values waiting at the start of a block and a loop that set their locals
  (func (export "across_loop") (param $n i32) (result i32) (local $acc i32)
    (local.get $n)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $acc) (i32.mul))
  ;; negative constants next to unary minus; a dropped result
  (func (export "negatives") (param $x f64) (result f64)
    (drop (i32.add (i32.const 1) (i32.const 2)))
    (f64.sub (f64.neg (f64.const -1.5)) (f64.mul (local.get $x) (f64.const -2))))
  ;; a trapping operator whose result is a br_table's index, or dropped: it still traps
  (func (export "div_as_index") (param $a i32) (param $b i32) (result i32)
    (block $out (br_table $out $out (i32.div_u (local.get $a) (local.get $b)))) (i32.const 1))
  (func (export "div_dropped") (param $a i32) (param $b i32) (result i32)
    (drop (i32.rem_s (local.get $a) (local.get $b))) (i32.const 2))
  ;; a trapping operator whose result goes to a local: it traps before the store after it
  (func (export "div_then_store") (param $a i32) (param $b i32) (result i32) (local $q i32)
    (local.set $q (i32.div_s (local.get $a) (local.get $b)))
    (i32.store (i32.const 0) (local.get $q))
    (i32.load (i32.const 0))))
""")


@pytest.mark.parametrize("options", [BuildOptions(), BuildOptions(bounds_checks=True), BuildOptions(fuel=True)],
                         ids=["guard_pages", "bounds_checks", "fuel"])
def test_values_keep_wasm_order(options):
    inst = wasm2pyext.Module(ORDER, options=options).instantiate()
    if options.fuel:
        inst.fuel = 1_000_000
    e = inst.exports
    assert e.set_under(10, 3) == 7
    assert e.tee_under(4) == 4 + 5 * 5
    assert e.result_then_set(10) == 16
    assert e.across_memory(1) == 8
    assert e.across_loop(4) == 4 * (4 + 3 + 2 + 1)
    assert e.negatives(3.0) == 1.5 + 6.0
    assert e.div_then_store(9, 2) == 4
    with pytest.raises(wasm2pyext.Trap, match="divide by zero"):
        e.div_then_store(1, 0)
    assert e.div_as_index(7, 2) == 1 and e.div_dropped(7, 2) == 2
    for f in (e.div_as_index, e.div_dropped):
        with pytest.raises(wasm2pyext.Trap, match="divide by zero"):
            f(1, 0)
    assert inst.memory.uint32_view(0)[0] == 4


def test_a_local_set_from_an_operator_is_one_statement():
    """`v1 = v0 + 1.0;` where each Wasm instruction once had a statement of its own: the C of
    a 40,000-local function built at -O0 took 6.1 s and 0.89 GB of GCC, now 4.4 s, 0.54 GB."""
    c = compile_to_c(wat("""(module (func (export "f") (param $x f64) (result f64) (local $y f64)
        (local.set $y (f64.add (local.get $x) (f64.const 1))) (local.get $y)))"""), "m")
    body = c[c.index("/* func 0"):]
    body = body[:body.index("\n}\n")]
    assert "v1_y = v0_x + 1.0;" in body and "return v1_y;" in body
    assert body.count(" = ") == 2, body  # the local's zero, the set


def test_results_returned_as_they_are():
    """The function's results go straight into its return, a multi-value one too."""
    wasm = wat("""(module
      (func (export "sum") (param $x i32) (param $y i32) (result i32) (i32.add (local.get $x) (local.get $y)))
      (func (export "pair") (param $x i32) (result i32 i32) (local.get $x) (i32.div_u (i32.const 7) (local.get $x)))
      (func (export "early") (param $x i32) (result i32)
        (if (local.get $x) (then (return (i32.mul (local.get $x) (i32.const 3))))) (i32.const 5)))""")
    c = compile_to_c(wasm, "m")
    assert "return v0_x + v1_y;" in c and "return v0_x * 3u;" in c
    e = wasm2pyext.Module(wasm).instantiate().exports
    assert (e.sum(5, 37), e.pair(2), e.early(4), e.early(0)) == (42, (2, 3), 12, 5)
    with pytest.raises(wasm2pyext.Trap, match="divide by zero"):
        e.pair(0)


def test_conditions_written_into_ifs_nested_past_the_braces():
    """Past MAX_BRACES an `if` becomes `if (!(cond)) goto ..._else;`: a comparison written
    into it must keep its meaning (`!a == 0` would not)."""
    depth = 40
    body = "(local.set 1 (i32.const 1000))"
    for k in reversed(range(depth)):
        body = f"(if (i32.eq (i32.gt_s (local.get 0) (i32.const {k})) (i32.const 1)) (then {body}) " \
               f"(else (local.set 1 (i32.const {k}))))"
    wasm = wat(f'(module (func (export "f") (param i32) (result i32) (local i32) {body} (local.get 1)))')
    assert "if (!(" in compile_to_c(wasm, "m")
    f = wasm2pyext.Module(wasm).instantiate().exports.f
    assert [f(x) for x in (-5, 0, 1, 17, 39, 40, 41)] == [0, 0, 1, 17, 39, 1000, 1000]
