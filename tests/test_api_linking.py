"""Linking instances through the Python API: exports of one instance imported by another are
shared, not copied; missing or mismatched imports are LinkErrors."""
from __future__ import annotations

import gc

import pytest

import wasm2pyext
from wasm2pyext import Global, LinkError, Memory, Table, Trap, Value

from wat import wat

PROVIDER = wat(r"""
(module
  (memory (export "mem") 1 2)
  (global $gm (export "gm") (mut i32) (i32.const 7))
  (global (export "gi") i32 (i32.const 9))
  (global (export "g64") (mut i64) (i64.const 0))
  (table (export "tab") 2 funcref)
  (elem (i32.const 0) func $square)
  (func $square (export "square") (param i32) (result i32) local.get 0 local.get 0 i32.mul)
  (func (export "pair") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func $provider_trap (export "boom") (param i32) (result i32) unreachable)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "size") (result i32) memory.size)
  (func (export "get_gm") (result i32) global.get $gm))
""")

CONSUMER = wat(r"""
(module
  (type $i32_to_i32 (func (param i32) (result i32)))
  (import "a" "square" (func $square (param i32) (result i32)))
  (import "a" "mem" (memory 1 2))
  (import "a" "gm" (global $gm (mut i32)))
  (import "a" "gi" (global $gi i32))
  (import "a" "tab" (table $tab 2 funcref))
  (export "square_again" (func $square))
  (func (export "square_plus_one") (param i32) (result i32) local.get 0 call $square i32.const 1 i32.add)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "set_gm") (param i32) local.get 0 global.set $gm)
  (func (export "get_gm") (result i32) global.get $gm)
  (func (export "get_gi") (result i32) global.get $gi)
  (func (export "call") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect $tab (type $i32_to_i32)))
""")

# One import of each kind and shape, for the mismatch tests.
EVERY_KIND = wat(r"""
(module
  (import "m" "f" (func (param i32) (result i32)))
  (import "m" "mem" (memory 1 2))
  (import "m" "gmut" (global (mut i32)))
  (import "m" "gconst" (global i32))
  (import "m" "funcs" (table 1 funcref))
  (import "m" "refs" (table 1 externref)))
""")


@pytest.fixture
def provider():
    return wasm2pyext.Instance(PROVIDER)


def consumer_of(provider):
    ex = provider.exports
    return wasm2pyext.Instance(CONSUMER, {"a": {name: ex[name] for name in ("square", "mem", "gm", "gi", "tab")}})


@pytest.fixture
def consumer(provider):
    return consumer_of(provider)


def every_kind_imports(**overrides):
    square = wasm2pyext.Instance(PROVIDER).exports.square
    imports = {"f": square, "mem": Memory(1, 2), "gmut": Global(Value.i32(0), mutable=True),
               "gconst": Global(Value.i32(0)), "funcs": Table(1), "refs": Table(1, element="externref")}
    imports.update(overrides)
    return {"m": imports}


# ---- sharing ----

def test_imported_function_is_called(consumer):
    assert consumer.exports.square_plus_one(5) == 26


def test_reexported_function_is_the_same_function(provider, consumer):
    again = consumer.exports.square_again
    assert again == provider.exports.square
    assert again(3) == 9


def test_imported_memory_is_shared(provider, consumer):
    provider.exports.store(0, 123)
    assert consumer.exports.load(0) == 123
    consumer.exports.store(4, -5)
    assert provider.exports.load(4) == -5
    assert consumer.memory is provider.exports.mem


def test_imported_memory_grow_is_seen_by_both(provider, consumer):
    assert consumer.exports.grow(1) == 1
    assert provider.exports.size() == 2
    assert provider.exports.mem.size == 2


def test_imported_mutable_global_is_shared(provider, consumer):
    consumer.exports.set_gm(100)
    assert provider.exports.get_gm() == 100
    assert provider.exports.gm.value == 100
    provider.exports.gm.value = 5
    assert consumer.exports.get_gm() == 5


def test_imported_immutable_global_value(consumer):
    assert consumer.exports.get_gi() == 9


def test_imported_table_is_shared(provider, consumer):
    assert consumer.exports.call(0, 4) == 16
    provider.exports.tab[1] = provider.exports.square
    assert consumer.exports.call(1, 3) == 9


def test_trap_in_an_imported_function_reaches_the_caller_of_the_importer(provider):
    ex = provider.exports
    importer = wasm2pyext.Instance(CONSUMER, {"a": {"square": ex.boom, "mem": ex.mem, "gm": ex.gm, "gi": ex.gi,
                                                    "tab": ex.tab}})
    with pytest.raises(Trap) as info:
        importer.exports.square_plus_one(1)
    assert info.value.kind == "unreachable"
    assert "provider_trap" in str(info.value)


def test_provider_stays_alive_while_the_importer_is(provider):
    consumer = consumer_of(provider)
    provider.exports.store(8, 31)
    del provider
    gc.collect()
    assert consumer.exports.square_plus_one(2) == 5
    assert consumer.exports.load(8) == 31


def test_two_instances_of_one_module_share_nothing():
    a, b = wasm2pyext.Instance(PROVIDER), wasm2pyext.Instance(PROVIDER)
    a.exports.store(0, 1)
    a.exports.gm.value = 3
    assert b.exports.load(0) == 0
    assert b.exports.gm.value == 7


def test_every_kind_links_with_matching_imports():
    assert wasm2pyext.Instance(EVERY_KIND, every_kind_imports()) is not None


def test_larger_memory_within_the_maximum_links():
    assert wasm2pyext.Instance(EVERY_KIND, every_kind_imports(mem=Memory(2, 2))) is not None


def test_larger_table_links():
    assert wasm2pyext.Instance(EVERY_KIND, every_kind_imports(funcs=Table(5))) is not None


def test_module_lists_its_imports():
    assert wasm2pyext.Module(EVERY_KIND).imports == [
        ("m", "f", "func", (("i32",), ("i32",))),
        ("m", "mem", "memory", (1, 2)),
        ("m", "gmut", "global", ("i32", True)),
        ("m", "gconst", "global", ("i32", False)),
        ("m", "funcs", "table", ("funcref", 1, None)),
        ("m", "refs", "table", ("externref", 1, None)),
    ]


# ---- link errors ----

def test_missing_import_is_a_link_error_naming_it():
    with pytest.raises(LinkError) as info:
        wasm2pyext.Instance(CONSUMER, {})
    assert "square" in str(info.value)


def test_missing_import_of_a_present_module_is_a_link_error_naming_it():
    imports = every_kind_imports()
    del imports["m"]["gconst"]
    with pytest.raises(LinkError) as info:
        wasm2pyext.Instance(EVERY_KIND, imports)
    assert "gconst" in str(info.value)


def test_no_imports_given_is_a_link_error():
    with pytest.raises(LinkError):
        wasm2pyext.Instance(CONSUMER)


def test_link_error_is_a_wasm2pyext_error():
    assert issubclass(LinkError, wasm2pyext.Error)


@pytest.mark.parametrize("name, value", [
    pytest.param("f", lambda: wasm2pyext.Instance(PROVIDER).exports.pair, id="function signature"),
    pytest.param("f", lambda: wasm2pyext.Instance(PROVIDER).exports.get_gm, id="function results"),
    pytest.param("f", lambda: Memory(1, 2), id="memory for a function"),
    pytest.param("f", lambda: 5, id="int for a function"),
    pytest.param("mem", lambda: Memory(1), id="memory without maximum"),
    pytest.param("mem", lambda: Memory(1, 3), id="memory maximum too large"),
    pytest.param("mem", lambda: Memory(0, 2), id="memory too small"),
    pytest.param("mem", lambda: Table(1), id="table for a memory"),
    pytest.param("gmut", lambda: Global(Value.i32(0)), id="immutable for mutable global"),
    pytest.param("gconst", lambda: Global(Value.i32(0), mutable=True), id="mutable for immutable global"),
    pytest.param("gmut", lambda: Global(Value.i64(0), mutable=True), id="global type"),
    pytest.param("gconst", lambda: Global(Value.f32(0)), id="immutable global type"),
    pytest.param("gconst", lambda: 0, id="int for a global"),
    pytest.param("funcs", lambda: Table(1, element="externref"), id="table element type"),
    pytest.param("refs", lambda: Table(1), id="externref table element type"),
    pytest.param("funcs", lambda: Table(0), id="table too small"),
    pytest.param("funcs", lambda: Memory(1), id="memory for a table"),
])
def test_mismatched_import_is_a_link_error_naming_it(name, value):
    with pytest.raises(LinkError) as info:
        wasm2pyext.Instance(EVERY_KIND, every_kind_imports(**{name: value()}))
    assert repr(name) in str(info.value) or name in str(info.value)


def test_exported_immutable_global_imported_as_mutable_is_a_link_error(provider):
    ex = provider.exports
    with pytest.raises(LinkError):
        wasm2pyext.Instance(CONSUMER, {"a": {"square": ex.square, "mem": ex.mem, "gm": ex.gi, "gi": ex.gi,
                                             "tab": ex.tab}})


def test_exported_global_of_another_type_is_a_link_error(provider):
    ex = provider.exports
    with pytest.raises(LinkError):
        wasm2pyext.Instance(CONSUMER, {"a": {"square": ex.square, "mem": ex.mem, "gm": ex.g64, "gi": ex.gi,
                                             "tab": ex.tab}})


def test_failed_link_leaves_the_provider_usable(provider):
    with pytest.raises(LinkError):
        wasm2pyext.Instance(EVERY_KIND, every_kind_imports(mem=provider.exports.mem, funcs=Table(0)))
    assert provider.exports.square(3) == 9


REEXPORTER = wat(r"""
(module
  (import "m" "mem" (memory $mem 1))
  (import "m" "g" (global $g (mut i32)))
  (import "m" "t" (table $t 1 funcref))
  (import "m" "f" (func $f (param i32) (result i32)))
  (export "mem" (memory $mem))
  (export "g" (global $g))
  (export "t" (table $t))
  (export "f" (func $f)))
""")

# Declares other function types before (i32) -> i32, so its type index differs.
MANY_TYPES = wat(r"""
(module
  (type (func (param f64 f64)))
  (type (func (result i64)))
  (type (func (param i32) (result i32)))
  (func (export "neg") (type 2) i32.const 0 local.get 0 i32.sub))
""")


def test_reexported_imports_are_the_same_objects():
    memory, glob, table = Memory(1), Global(Value.i32(1), mutable=True), Table(1)
    square = wasm2pyext.Instance(PROVIDER).exports.square
    ex = wasm2pyext.Instance(REEXPORTER, {"m": {"mem": memory, "g": glob, "t": table, "f": square}}).exports
    assert ex.mem is memory
    assert ex.g is glob
    assert ex.t is table
    assert ex.f == square and ex.f(4) == 16


def test_reexported_host_function_is_callable():
    ex = wasm2pyext.Instance(REEXPORTER, {"m": {"mem": Memory(1), "g": Global(Value.i32(1), mutable=True),
                                               "t": Table(1), "f": lambda x: x + 100}}).exports
    assert isinstance(ex.f, wasm2pyext.Function)
    assert ex.f(1) == 101
    assert ex.f.type == (("i32",), ("i32",))


def test_reexported_host_function_links_into_another_instance():
    ex = wasm2pyext.Instance(REEXPORTER, {"m": {"mem": Memory(1), "g": Global(Value.i32(1), mutable=True),
                                               "t": Table(1), "f": lambda x: x * 3}}).exports
    provider = wasm2pyext.Instance(PROVIDER).exports
    consumer = wasm2pyext.Instance(CONSUMER, {"a": {"square": ex.f, "mem": provider.mem, "gm": provider.gm,
                                                    "gi": provider.gi, "tab": provider.tab}})
    assert consumer.exports.square_plus_one(5) == 16


def test_function_of_an_equal_type_from_another_module_links():
    neg = wasm2pyext.Instance(MANY_TYPES).exports.neg
    provider = wasm2pyext.Instance(PROVIDER).exports
    consumer = wasm2pyext.Instance(CONSUMER, {"a": {"square": neg, "mem": provider.mem, "gm": provider.gm,
                                                    "gi": provider.gi, "tab": provider.tab}})
    assert consumer.exports.square_plus_one(5) == -4


def test_function_of_an_equal_type_from_another_module_in_a_shared_table():
    neg = wasm2pyext.Instance(MANY_TYPES).exports.neg
    provider = wasm2pyext.Instance(PROVIDER)
    consumer = consumer_of(provider)
    provider.exports.tab[1] = neg
    assert consumer.exports.call(1, 8) == -8


PING = wat(r"""
(module
  (type $i32_to_i32 (func (param i32) (result i32)))
  (import "m" "t" (table $t 2 funcref))
  (func $ping (export "ping") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add
    local.get 0 i32.const 1 i32.and  ;; table[0] and table[1] in turn
    call_indirect $t (type $i32_to_i32)))
""")


def test_unbounded_recursion_across_two_instances_is_a_trap():
    table = Table(2)
    a = wasm2pyext.Instance(PING, {"m": {"t": table}})
    b = wasm2pyext.Instance(PING, {"m": {"t": table}})
    table[0], table[1] = a.exports.ping, b.exports.ping
    with pytest.raises(Trap) as info:
        a.exports.ping(0)
    assert info.value.kind == "call stack exhausted"
    table[1] = wasm2pyext.Instance(PROVIDER).exports.square
    assert a.exports.ping(2) == 16  # a.ping(2) -> a.ping(3) -> square(4)
