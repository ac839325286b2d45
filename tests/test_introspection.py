"""What a user sees when looking at a module: reprs, signatures, help() (issue 18)."""
from __future__ import annotations

import inspect

import wasm2pyext

from wat import wat

MODULE = """(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1 2)
  (table (export "table") 2 funcref)
  (global (export "counter") (mut i64) (i64.const 0))
  (func $add (export "sum") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "pair") (param f64) (result f64 i32) (local.get 0) (i32.const 1))
  (func (export "nothing")))"""


def instance(names=True):
    return wasm2pyext.Instance(wat(MODULE, names=names), {"env": {"log": print}})


def test_a_function_repr_names_it_and_gives_its_type():
    ex = instance().exports
    assert repr(ex.sum) == "<wasm function 'add' (#1) [i32 i32] -> [i32]>"  # the name section's
    assert repr(instance(names=False).exports.sum) == "<wasm function 'sum' (#1) [i32 i32] -> [i32]>"


def test_a_host_function_repr_names_its_callable():
    ex = wasm2pyext.Instance(wat('(module (import "env" "log" (func (param i32))) (export "log" (func 0)))'),
                             {"env": {"log": print}}).exports
    assert repr(ex.log) == "<wasm function (host) <built-in function print> [i32] -> []>"


def test_signatures_give_wasm_types():
    ex = instance().exports
    assert str(inspect.signature(ex.sum)) == "(a0: 'i32', a1: 'i32', /) -> 'i32'"
    assert str(inspect.signature(ex.pair)) == "(a0: 'f64', /) -> 'tuple[f64, i32]'"
    assert str(inspect.signature(ex.nothing)) == "() -> None"


def test_help_of_the_instance_class_lists_exports_and_imports():
    doc = type(instance()).__doc__
    assert "    sum(i32, i32) -> i32" in doc
    assert "    pair(f64) -> (f64, i32)" in doc
    assert "    nothing() -> None" in doc
    assert "    memory: memory of 1..2 pages" in doc
    assert "    counter: global mut i64" in doc
    assert "    table: table of 2.. funcref" in doc
    assert "    env log(i32) -> None" in doc
