"""Globals and tables through the Python API, and reference values (funcref, externref)."""
from __future__ import annotations

import gc
import math
import weakref

import pytest

import wasm2pyext
from wasm2pyext import Global, Table, Trap, Value

from wat import wat

GLOBALS = wat(r"""
(module
  (import "env" "counter" (global $counter (mut i32)))
  (global $const (export "const") i32 (i32.const 42))
  (global $mut (export "mut") (mut i64) (i64.const -5))
  (global $single (export "single") (mut f32) (f32.const 1.5))
  (global $double (export "double") f64 (f64.const 2.5))
  (func (export "get_mut") (result i64) global.get $mut)
  (func (export "set_mut") (param i64) local.get 0 global.set $mut)
  (func (export "get_single_bits") (result i32) global.get $single i32.reinterpret_f32)
  (func (export "get_counter") (result i32) global.get $counter)
  (func (export "bump_counter") global.get $counter i32.const 1 i32.add global.set $counter))
""")

TABLES = wat(r"""
(module
  (type $i32_to_i32 (func (param i32) (result i32)))
  (table $funcs (export "funcs") 2 10 funcref)
  (table $things (export "things") 2 externref)
  (elem (table $funcs) (i32.const 0) func $double)
  (global $held (export "held") (mut externref) (ref.null extern))
  (func $double (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func $increment (export "increment") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func (export "call") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect $funcs (type $i32_to_i32))
  (func (export "size") (result i32) table.size $funcs)
  (func (export "grow_funcs") (param i32) (result i32) ref.null func local.get 0 table.grow $funcs)
  (func (export "thing") (param i32) (result externref) local.get 0 table.get $things)
  (func (export "set_thing") (param i32 externref) local.get 0 local.get 1 table.set $things)
  (func (export "same") (param externref) (result externref) local.get 0)
  (func (export "same_func") (param funcref) (result funcref) local.get 0)
  (func (export "is_null") (param externref) (result i32) local.get 0 ref.is_null)
  (func (export "pair") (param externref externref) (result externref externref) local.get 1 local.get 0)
  (func (export "get_held") (result externref) global.get $held)
  (func (export "set_held") (param externref) local.get 0 global.set $held))
""")


def globals_instance(counter=None):
    counter = counter if counter is not None else Global(Value.i32(0), mutable=True)
    return wasm2pyext.Instance(GLOBALS, {"env": {"counter": counter}})


@pytest.fixture
def gx():
    return globals_instance().exports


@pytest.fixture
def tx():
    return wasm2pyext.Instance(TABLES).exports


# ---- exported globals ----

def test_immutable_global_value_type_and_mutability(gx):
    assert gx.const.value == 42
    assert gx.const.type == "i32"
    assert gx.const.mutable is False


def test_setting_an_immutable_global_is_an_attribute_error(gx):
    with pytest.raises(AttributeError):
        gx.const.value = 1
    assert gx.const.value == 42


def test_mutable_global_value_type_and_mutability(gx):
    assert gx.mut.value == -5
    assert gx.mut.type == "i64"
    assert gx.mut.mutable is True


def test_mutable_global_set_from_python_is_seen_by_wasm(gx):
    gx.mut.value = 2**40
    assert gx.get_mut() == 2**40


def test_mutable_global_set_by_wasm_is_seen_from_python(gx):
    gx.set_mut(-77)
    assert gx.mut.value == -77


def test_global_typed_value(gx):
    assert gx.mut.typed_value == Value.i64(-5)
    assert gx.double.typed_value == Value.f64(2.5)
    assert gx.single.typed_value.type == "f32"


def test_global_set_with_a_value(gx):
    gx.mut.value = Value.i64(3)
    assert gx.get_mut() == 3


def test_global_set_with_a_wrong_type_is_a_type_error(gx):
    with pytest.raises(TypeError):
        gx.mut.value = 1.5
    with pytest.raises(TypeError):
        gx.mut.value = Value.i32(1)
    assert gx.mut.value == -5


def test_global_set_out_of_range_is_an_overflow_error(gx):
    with pytest.raises(OverflowError):
        gx.mut.value = 2**64


def test_f32_global_keeps_a_nan_payload(gx):
    gx.single.value = Value.f32_bits(0x7FA00001)
    assert gx.single.typed_value.bits == 0x7FA00001
    assert gx.get_single_bits() == 0x7FA00001
    assert math.isnan(gx.single.value)


def test_float_globals(gx):
    assert gx.single.value == 1.5 and gx.double.value == 2.5
    assert (gx.single.type, gx.double.type) == ("f32", "f64")


def test_instances_have_their_own_globals():
    a, b = globals_instance().exports, globals_instance().exports
    a.mut.value = 10
    assert b.mut.value == -5


# ---- host globals ----

def test_host_global_object():
    g = Global(Value.f64(0.5), mutable=True)
    assert (g.value, g.type, g.mutable) == (0.5, "f64", True)
    g.value = 1.25
    assert g.typed_value == Value.f64(1.25)


def test_host_global_defaults_to_immutable():
    g = Global(Value.i32(1))
    assert g.mutable is False
    with pytest.raises(AttributeError):
        g.value = 2


REF_GLOBALS = wat(r"""
(module
  (import "env" "thing" (global $thing (mut externref)))
  (import "env" "func" (global $func funcref))
  (func (export "get_thing") (result externref) global.get $thing)
  (func (export "set_thing") (param externref) local.get 0 global.set $thing)
  (func (export "get_func") (result funcref) global.get $func))
""")


def test_host_externref_global_object():
    thing = object()
    g = Global(Value.externref(thing), mutable=True)
    assert (g.type, g.mutable) == ("externref", True)
    assert g.value is thing
    g.value = None
    assert g.value is None


def test_host_funcref_global_object(tx):
    g = Global(Value.funcref(tx.double))
    assert g.type == "funcref"
    assert g.value == tx.double and g.value(3) == 6
    assert Global(Value.funcref(None)).value is None


def test_imported_host_reference_globals(tx):
    thing = object()
    thing_global = Global(Value.externref(thing), mutable=True)
    ex = wasm2pyext.Instance(REF_GLOBALS, {"env": {"thing": thing_global,
                                                   "func": Global(Value.funcref(tx.increment))}}).exports
    assert ex.get_thing() is thing
    assert ex.get_func()(1) == 2
    other = object()
    ex.set_thing(other)
    assert thing_global.value is other


def test_host_global_needs_a_value():
    with pytest.raises(TypeError):
        Global(1)


def test_imported_host_global_changed_from_both_sides():
    counter = Global(Value.i32(1), mutable=True)
    exports = globals_instance(counter).exports
    assert exports.get_counter() == 1
    exports.bump_counter()
    assert counter.value == 2
    counter.value = 10
    assert exports.get_counter() == 10


def test_host_global_shared_by_two_instances():
    counter = Global(Value.i32(0), mutable=True)
    a, b = globals_instance(counter).exports, globals_instance(counter).exports
    a.bump_counter()
    b.bump_counter()
    assert counter.value == 2 and a.get_counter() == 2


# ---- exported tables ----

def test_table_length(tx):
    assert len(tx.funcs) == 2
    assert len(tx.things) == 2


def test_table_element_is_a_callable_function_or_none(tx):
    first = tx.funcs[0]
    assert isinstance(first, wasm2pyext.Function)
    assert first(21) == 42
    assert first == tx.double
    assert tx.funcs[1] is None


def test_table_index_outside_is_an_index_error(tx):
    with pytest.raises(IndexError):
        tx.funcs[2]
    with pytest.raises(IndexError):
        tx.funcs[2] = tx.double


def test_table_negative_index_counts_from_the_end(tx):
    assert tx.funcs[-2] == tx.double


def test_table_written_from_python_is_used_by_call_indirect(tx):
    tx.funcs[1] = tx.increment
    assert tx.call(1, 5) == 6
    tx.funcs[0] = tx.increment
    assert tx.call(0, 5) == 6


def test_table_element_set_to_none_traps_when_called(tx):
    tx.funcs[0] = None
    with pytest.raises(Trap) as info:
        tx.call(0, 1)
    assert info.value.kind == "uninitialized element"


def test_table_element_of_a_wrong_kind_is_a_type_error(tx):
    with pytest.raises(TypeError):
        tx.funcs[0] = 5
    with pytest.raises(TypeError):
        tx.funcs[0] = lambda x: x
    assert tx.funcs[0] == tx.double


def test_table_grow_returns_the_previous_size(tx):
    assert tx.funcs.grow(3) == 2
    assert len(tx.funcs) == 5
    assert tx.size() == 5
    assert tx.funcs[4] is None


def test_table_grow_with_an_initial_element(tx):
    tx.funcs.grow(2, tx.increment)
    assert tx.funcs[3] == tx.increment
    assert tx.call(3, 1) == 2


def test_table_grow_past_the_maximum_raises(tx):
    with pytest.raises(wasm2pyext.Error):
        tx.funcs.grow(9)
    assert len(tx.funcs) == 2


def test_wasm_table_grow_is_seen_from_python(tx):
    assert tx.grow_funcs(1) == 2
    assert len(tx.funcs) == 3


def test_function_from_another_instance_in_a_table(tx):
    other = wasm2pyext.Instance(TABLES).exports
    tx.funcs[1] = other.increment
    assert tx.call(1, 9) == 10


def test_host_table_object():
    table = Table(2, 4)
    assert len(table) == 2 and table[0] is None
    assert table.grow(2) == 2
    with pytest.raises(wasm2pyext.Error):
        table.grow(1)


# ---- reference values ----

def test_externref_round_trips_with_identity_through_params_and_results(tx):
    thing = object()
    assert tx.same(thing) is thing
    assert tx.same(None) is None


def test_externref_none_is_null(tx):
    assert tx.is_null(None) == 1
    assert tx.is_null(0) == 0
    assert tx.is_null(object()) == 0


def test_externref_several_results(tx):
    a, b = object(), [1]
    assert tx.pair(a, b) == (b, a)
    first, second = tx.pair(a, b)
    assert first is b and second is a


def test_externref_round_trips_through_a_table(tx):
    thing = {"key": "value"}
    tx.set_thing(1, thing)
    assert tx.things[1] is thing
    other = object()
    tx.things[0] = other
    assert tx.thing(0) is other


def test_externref_round_trips_through_a_global(tx):
    thing = object()
    tx.set_held(thing)
    assert tx.held.value is thing
    other = object()
    tx.held.value = other
    assert tx.get_held() is other
    tx.held.value = None
    assert tx.get_held() is None


def test_externref_value_argument(tx):
    thing = object()
    assert tx.same(Value.externref(thing)) is thing
    (result,) = tx.same.call_values(thing)
    assert result.type == "externref" and result.value is thing


def test_externref_kept_alive_while_a_table_holds_it(tx):
    class Thing:
        pass

    thing = Thing()
    thing.mark = 12
    ref = weakref.ref(thing)
    tx.set_thing(0, thing)
    del thing
    gc.collect()
    assert ref() is not None
    assert tx.thing(0).mark == 12


def test_externref_kept_alive_while_a_global_holds_it(tx):
    class Thing:
        pass

    thing = Thing()
    ref = weakref.ref(thing)
    tx.held.value = thing
    del thing
    gc.collect()
    assert ref() is not None
    assert tx.get_held() is ref()


def test_funcref_round_trips(tx):
    assert tx.same_func(tx.double) == tx.double
    assert tx.same_func(tx.double)(4) == 8
    assert tx.same_func(None) is None


def test_funcref_argument_must_be_a_function(tx):
    with pytest.raises(TypeError):
        tx.same_func(abs)


def test_externref_table_accepts_any_object(tx):
    for thing in (1, "s", None, tx.double, [], 2.5):
        tx.things[0] = thing
        assert tx.thing(0) is thing


# ---- lifetimes ----

def test_exported_function_outlives_its_instance_reference():
    double = wasm2pyext.Instance(TABLES).exports.double
    gc.collect()
    assert double(5) == 10


def test_function_from_a_table_outlives_its_instance_reference():
    table = wasm2pyext.Instance(TABLES).exports.funcs
    gc.collect()
    assert table[0](6) == 12


def test_exported_global_and_table_outlive_their_instance_reference():
    exports = wasm2pyext.Instance(TABLES).exports
    thing = object()
    exports.set_thing(0, thing)
    held, things = exports.held, exports.things
    del exports
    gc.collect()
    assert things[0] is thing
    held.value = thing
    assert held.value is thing
