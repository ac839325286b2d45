"""The Python API of calls: argument casts and checks, results, call_values, Function.type,
the exports mapping, the Value class, and the Module / validate entry points."""
from __future__ import annotations

import gc
import math
import pickle
import struct
import weakref

import pytest

import wasm2pyext
from wasm2pyext import Value

from wat import wat

CALLS = wat(r"""
(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "addf32") (param f32 f32) (result f32) local.get 0 local.get 1 f32.add)
  (func (export "addf64") (param f64 f64) (result f64) local.get 0 local.get 1 f64.add)
  (func (export "id_i32") (param i32) (result i32) local.get 0)
  (func (export "id_i64") (param i64) (result i64) local.get 0)
  (func (export "id_f32") (param f32) (result f32) local.get 0)
  (func (export "id_f64") (param f64) (result f64) local.get 0)
  (func (export "nothing"))
  (func (export "swap") (param i32 i64) (result i64 i32) local.get 1 local.get 0)
  (func (export "three") (result i32 f64 i64) i32.const -1 f64.const 0.5 i64.const -2)
  (func (export "name with spaces") (result i32) i32.const 7)
  (func (export "") (result i32) i32.const 8)
  (memory (export "mem") 1)
  (global (export "glob") i32 (i32.const 3))
  (table (export "tab") 1 funcref))
""")

EXPORT_NAMES = {"add", "add64", "addf32", "addf64", "id_i32", "id_i64", "id_f32", "id_f64", "nothing", "swap",
                "three", "name with spaces", "", "mem", "glob", "tab"}


@pytest.fixture
def ex():
    return wasm2pyext.Instance(CALLS).exports


def f32(x: float) -> float:
    """x rounded to the nearest f32."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


# ---- argument casts ----

def test_ints_are_cast_to_i32(ex):
    assert ex.add(5, 37) == 42


def test_ints_are_cast_to_i64(ex):
    assert ex.add64(2**40, 3) == 2**40 + 3


def test_ints_are_cast_to_floats(ex):
    result = ex.addf64(1, 2)
    assert result == 3.0 and type(result) is float


def test_f32_argument_is_rounded_to_single_precision(ex):
    assert ex.id_f32(0.1) == f32(0.1) != 0.1


def test_f64_argument_keeps_double_precision(ex):
    assert ex.id_f64(0.1) == 0.1


def test_bool_is_accepted_as_an_int(ex):
    assert ex.add(True, True) == 2


def test_value_arguments_pass_explicit_types(ex):
    assert ex.add(Value.i32(5), Value.i32(37)) == 42
    assert ex.add64(Value.i64(-1), 1) == 0
    assert ex.addf32(Value.f32(1.5), 0.25) == 1.75
    assert ex.addf64(Value.f64(0.5), Value.f64(0.25)) == 0.75


@pytest.mark.parametrize("export, value", [
    ("id_i32", Value.i64(1)),
    ("id_i64", Value.i32(1)),
    ("id_f32", Value.f64(1.0)),
    ("id_f64", Value.f32(1.0)),
    ("id_i32", Value.f32(1.0)),
])
def test_value_argument_of_another_type_is_a_type_error(ex, export, value):
    with pytest.raises(TypeError):
        ex[export](value)


@pytest.mark.parametrize("args", [(), (1,), (1, 2, 3)])
def test_wrong_arity_is_a_type_error(ex, args):
    with pytest.raises(TypeError):
        ex.add(*args)


def test_no_argument_function_rejects_arguments(ex):
    with pytest.raises(TypeError):
        ex.nothing(1)


@pytest.mark.parametrize("export, value", [
    ("id_i32", 2**32),
    ("id_i32", -2**31 - 1),
    ("id_i64", 2**64),
    ("id_i64", -2**63 - 1),
    ("id_i32", 10**30),
])
def test_int_out_of_range_is_an_overflow_error(ex, export, value):
    with pytest.raises(OverflowError):
        ex[export](value)


def test_range_limits_are_accepted_and_wrap_to_signed(ex):
    assert ex.id_i32(0xFFFFFFFF) == -1
    assert ex.id_i32(-2**31) == -2**31
    assert ex.id_i64(2**64 - 1) == -1
    assert ex.id_i64(-2**63) == -2**63


@pytest.mark.parametrize("export, value", [
    ("id_i32", 1.0), ("id_i64", 2.5), ("id_i32", "1"), ("id_f64", "1.0"), ("id_f32", None), ("id_i32", None),
])
def test_non_int_to_integer_param_or_non_number_to_float_param_is_a_type_error(ex, export, value):
    with pytest.raises(TypeError):
        ex[export](value)


# ---- results ----

def test_void_function_returns_none(ex):
    assert ex.nothing() is None


def test_several_results_come_back_as_a_tuple(ex):
    assert ex.swap(1, 2) == (2, 1)
    assert ex.three() == (-1, 0.5, -2)
    assert type(ex.three()) is tuple


def test_i32_results_are_signed(ex):
    assert ex.add(0x7FFFFFFF, 1) == -2**31
    assert ex.id_i32(0x80000000) == -2**31


def test_i64_results_are_signed(ex):
    assert ex.add64(2**63 - 1, 1) == -2**63


def test_float_results_are_python_floats(ex):
    assert type(ex.addf32(1, 2)) is float
    assert ex.addf32(1, 2) == 3.0


def test_nan_and_infinity_pass_through_f64(ex):
    assert math.isnan(ex.id_f64(math.nan))
    assert ex.id_f64(-math.inf) == -math.inf


# ---- call_values ----

def test_call_values_returns_a_tuple_of_values(ex):
    assert ex.add.call_values(1, 2) == (Value.i32(3),)
    assert ex.nothing.call_values() == ()
    assert ex.three.call_values() == (Value.i32(-1), Value.f64(0.5), Value.i64(-2))


def test_call_values_keeps_an_f32_nan_payload(ex):
    (result,) = ex.id_f32.call_values(Value.f32_bits(0x7FA00001))
    assert result.type == "f32"
    assert result.bits == 0x7FA00001


def test_call_values_keeps_an_f64_nan_payload(ex):
    (result,) = ex.id_f64.call_values(Value.f64_bits(0xFFF4000000000001))
    assert result.type == "f64"
    assert result.bits == 0xFFF4000000000001


def test_call_values_gives_unsigned_bits_of_negative_ints(ex):
    (result,) = ex.id_i64.call_values(-1)
    assert result.bits == 2**64 - 1
    assert result.value == -1


# ---- Function.type ----

def test_function_type_is_params_and_results(ex):
    assert ex.add.type == (("i32", "i32"), ("i32",))
    assert ex.swap.type == (("i32", "i64"), ("i64", "i32"))
    assert ex.nothing.type == ((), ())
    assert ex.addf32.type == (("f32", "f32"), ("f32",))


# ---- the exports mapping ----

def test_export_with_a_non_identifier_name_by_subscript(ex):
    assert ex["name with spaces"]() == 7
    assert ex[""]() == 8


def test_exports_len_iteration_and_dir(ex):
    assert len(ex) == len(EXPORT_NAMES)
    assert set(ex) == EXPORT_NAMES
    assert EXPORT_NAMES <= set(dir(ex))


def test_exports_membership(ex):
    assert "add" in ex
    assert "name with spaces" in ex
    assert "missing" not in ex


def test_missing_export_attribute_is_an_attribute_error(ex):
    with pytest.raises(AttributeError):
        ex.missing
    assert getattr(ex, "missing", None) is None


def test_missing_export_subscript_is_a_key_error(ex):
    with pytest.raises(KeyError):
        ex["missing"]


def test_export_attribute_and_subscript_give_the_same_object(ex):
    assert ex.add is ex["add"]
    assert ex.mem is ex["mem"]


def test_exports_are_of_the_public_classes(ex):
    assert isinstance(ex.add, wasm2pyext.Function)
    assert isinstance(ex.mem, wasm2pyext.Memory)
    assert isinstance(ex.glob, wasm2pyext.Global)
    assert isinstance(ex.tab, wasm2pyext.Table)


def test_instance_is_a_wasm2pyext_instance():
    instance = wasm2pyext.Instance(CALLS)
    assert isinstance(instance, wasm2pyext.Instance)
    assert not isinstance(object(), wasm2pyext.Instance)


# ---- Value ----

def test_value_reprs():
    assert repr(Value.i32(7)) == "I32(7)"
    assert repr(Value.i64(-3)) == "I64(-3)"
    assert repr(Value.f64(7.42)) == "F64(7.42)"
    assert repr(Value.f32(0.5)) == "F32(0.5)"


def test_value_type_value_and_bits():
    v = Value.i32(-1)
    assert (v.type, v.value, v.bits) == ("i32", -1, 0xFFFFFFFF)
    v = Value.f64(1.0)
    assert (v.type, v.value, v.bits) == ("f64", 1.0, 0x3FF0000000000000)
    assert Value.i64(-2).bits == 2**64 - 2


@pytest.mark.parametrize("make, value, bits", [
    (Value.i32, -2**31, 2**31), (Value.i32, 2**32 - 1, 2**32 - 1), (Value.i32, 2**31, 2**31),
    (Value.i32, True, 1),
    (Value.i64, -2**63, 2**63), (Value.i64, 2**63 - 1, 2**63 - 1), (Value.i64, 2**63, 2**63),
    (Value.i64, 2**64 - 1, 2**64 - 1),
])
def test_value_bits_at_the_ends_of_the_range(make, value, bits):
    # each end on both sides of what fits a C long long (the fast path) and what does not
    assert make(value).bits == bits


def test_value_f32_rounds_to_single_precision():
    assert Value.f32(0.1).value == f32(0.1)
    assert Value.f32(1.0).bits == 0x3F800000


def test_value_from_bits():
    assert Value.f32_bits(0x3F800000).value == 1.0
    assert Value.f64_bits(0xBFF0000000000000).value == -1.0
    assert Value.f32_bits(0x7FA00001).bits == 0x7FA00001
    assert math.isnan(Value.f32_bits(0x7FA00001).value)


def test_value_equality():
    assert Value.i32(7) == Value.i32(7)
    assert Value.i32(-1) == Value.i32(0xFFFFFFFF)
    assert Value.i32(7) != Value.i32(8)
    assert Value.i32(1) != Value.i64(1)
    assert Value.f32_bits(0x7FC00000) == Value.f32_bits(0x7FC00000)
    assert Value.f32_bits(0x7FC00000) != Value.f32_bits(0x7FC00001)


@pytest.mark.parametrize("make, value", [
    (Value.i32, 2**32), (Value.i32, -2**31 - 1), (Value.i64, 2**64), (Value.i64, -2**63 - 1),
    (Value.f32_bits, 2**32),
    (Value.f32_bits, -1), (Value.f64_bits, 2**64),
])
def test_value_out_of_range_is_an_overflow_error(make, value):
    with pytest.raises(OverflowError):
        make(value)


def test_value_of_a_float_for_an_int_type_is_a_type_error():
    with pytest.raises(TypeError):
        Value.i32(1.5)


@pytest.mark.parametrize("value", [
    Value.i32(-7), Value.i64(2**63 - 1), Value.f32_bits(0x7FA00001), Value.f64_bits(0xFFF8000000000001),
    Value.externref(("any", "object")), Value.funcref(None),
], ids=repr)
def test_value_pickles_bit_exact(value):
    copy = pickle.loads(pickle.dumps(value))
    assert copy.type == value.type
    if value.type in ("funcref", "externref"):
        assert copy.value == value.value
    else:
        assert copy.bits == value.bits


def test_unpickling_a_forged_value_is_checked():
    forged = pickle.dumps(Value.i32(3)).replace(b"i32", b"x32")
    with pytest.raises(ValueError):
        pickle.loads(forged)


def test_instances_can_be_weakly_referenced():
    instance = wasm2pyext.Instance(CALLS)
    ref = weakref.ref(instance)
    assert ref() is instance
    del instance
    gc.collect()
    assert ref() is None


# ---- Module and validate ----

def test_module_lists_imports_and_exports():
    module = wasm2pyext.Module(CALLS)
    assert module.imports == []
    assert ("", "add", "func", (("i32", "i32"), ("i32",))) in module.exports
    assert len(module.exports) == len(EXPORT_NAMES)
    kinds = {name: kind for _, name, kind, _ in module.exports}
    assert (kinds["mem"], kinds["glob"], kinds["tab"]) == ("memory", "global", "table")


def test_module_instances_are_independent():
    module = wasm2pyext.Module(CALLS)
    a, b = module.instantiate(), module.instantiate()
    a.exports.mem.uint8_view()[0] = 9
    assert b.exports.mem.uint8_view()[0] == 0


def test_module_accepts_a_bytearray():
    assert wasm2pyext.Instance(bytearray(CALLS)).exports.add(1, 1) == 2


def test_validate_true_for_a_valid_module():
    assert wasm2pyext.validate(CALLS) is True


def test_validate_false_for_garbage_and_invalid_modules():
    assert wasm2pyext.validate(b"garbage!") is False
    assert wasm2pyext.validate(INVALID) is False


INVALID = wat("(module (func (result i32) i64.const 1))", check=False)


def test_garbage_raises_decode_error_with_offset_and_reason():
    with pytest.raises(wasm2pyext.DecodeError) as info:
        wasm2pyext.Module(b"\0asn\1\0\0\0")
    error = info.value
    assert isinstance(error.offset, int) and error.offset >= 0
    assert isinstance(error.reason, str) and error.reason
    assert isinstance(error, wasm2pyext.CompileError) and isinstance(error, wasm2pyext.Error)


def test_truncated_module_decode_error_offset_is_within_input():
    data = CALLS[:20]
    with pytest.raises(wasm2pyext.DecodeError) as info:
        wasm2pyext.Module(data)
    assert 0 <= info.value.offset <= len(data)


def test_invalid_module_raises_validation_error():
    with pytest.raises(wasm2pyext.ValidationError) as info:
        wasm2pyext.Module(INVALID)
    assert isinstance(info.value, wasm2pyext.CompileError)
    assert isinstance(info.value.offset, int)
    assert "type mismatch" in info.value.reason


def test_instance_of_garbage_raises_decode_error():
    with pytest.raises(wasm2pyext.DecodeError):
        wasm2pyext.Instance(b"")


# ---- many parameters and results (more than fit the fast path) ----

MANY = wat("(module (func (export \"sum20\") (param " + "i64 " * 20 + ") (result i64) "
           + "local.get 0 " + " ".join(f"local.get {k} i64.add" for k in range(1, 20)) + ")"
           + " (func (export \"seq17\") (result " + "i32 " * 17 + ") "
           + " ".join(f"i32.const {k}" for k in range(17)) + ")"
           + " (func (export \"mixed18\") (param " + "f64 i32 " * 9 + ") (result " + "i32 f64 " * 9 + ") "
           + " ".join(f"local.get {2 * k + 1} local.get {2 * k}" for k in range(9)) + "))")


def test_function_with_twenty_params():
    sum20 = wasm2pyext.Instance(MANY).exports.sum20
    assert sum20(*range(20)) == sum(range(20))
    assert sum20.call_values(*range(20)) == (Value.i64(sum(range(20))),)
    with pytest.raises(TypeError):
        sum20(*range(19))


def test_function_with_seventeen_results():
    seq17 = wasm2pyext.Instance(MANY).exports.seq17
    assert seq17() == tuple(range(17))
    assert seq17.call_values() == tuple(Value.i32(k) for k in range(17))


def test_function_with_many_mixed_params_and_results():
    mixed = wasm2pyext.Instance(MANY).exports.mixed18
    args = [x for k in range(9) for x in (k + 0.5, -k)]
    assert mixed(*args) == tuple(x for k in range(9) for x in (-k, k + 0.5))


SHADOWING = wat(r"""
(module
  (func (export "keys") (result i32) i32.const 1)
  (func (export "items") (result i32) i32.const 2)
  (func (export "__len__") (result i32) i32.const 3))
""")


def test_exports_named_like_mapping_methods_are_reached_by_attribute():
    ex = wasm2pyext.Instance(SHADOWING).exports
    assert ex.keys() == 1
    assert ex.items() == 2


def test_export_with_a_dunder_name_is_reached_by_subscript():
    ex = wasm2pyext.Instance(SHADOWING).exports
    assert ex["__len__"]() == 3
    assert ex["__len__"]() == 3  # asked for again: not kept where attribute lookup looks
    assert len(ex) == 3
    assert ex.__len__() == 3 and ex.__len__ != ex["__len__"]


def test_an_export_is_made_once_and_kept_however_it_is_reached():
    instance = wasm2pyext.Instance(SHADOWING)
    assert instance.exports is instance.exports
    assert instance.exports.keys is instance.exports["keys"] is instance.exports.keys
    assert instance.exports["items"] is instance.exports.items
    with pytest.raises(AttributeError):
        instance.exports = {}
    with pytest.raises(AttributeError, match="no export named 'values'"):
        instance.exports.values
    with pytest.raises(KeyError):
        instance.exports["values"]
    with pytest.raises(KeyError):
        instance.exports[1]


def test_keyword_arguments_are_a_type_error(ex):
    with pytest.raises(TypeError):
        ex.add(1, b=2)
    with pytest.raises(TypeError):
        ex.add.call_values(1, b=2)


def test_functions_of_two_instances_are_different():
    a, b = wasm2pyext.Instance(CALLS).exports, wasm2pyext.Instance(CALLS).exports
    assert a.add != b.add
    assert a.add == a["add"]


def test_value_is_made_by_its_constructors_only():
    with pytest.raises(TypeError, match="Value.i32"):
        wasm2pyext.Value(7)
