"""The runtime and the garbage collector: the runtime's classes (static types, which live
as long as the process) are kept out of collections, and collections still free what
they should: instances in reference cycles, with their host functions. An instance in
no cycle is freed by reference counting alone, as soon as nothing needs it."""
from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref

import pytest

import wasm2pyext

from wat import wat

HOST_LOOP = wat(r"""
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "call") (param i32) (result i32) local.get 0 call $f))
""")


def test_the_runtime_classes_and_their_dicts_are_not_tracked():
    # In a fresh interpreter: the runtime is set up by whichever module comes first.
    program = textwrap.dedent("""\
        import gc, sys, wasm2pyext
        rt = sys.modules[wasm2pyext.Trap.__module__]
        HEAPTYPE = 1 << 9
        static = [c for c in vars(rt).values() if isinstance(c, type) and not c.__flags__ & HEAPTYPE]
        tracked = []
        for cls in static:
            (namespace,) = gc.get_referents(cls.__dict__)  # the dict behind the proxy
            if gc.is_tracked(namespace):
                tracked.append(cls.__name__)
            tracked += [f"{cls.__name__}.{k}" for k, v in namespace.items() if gc.is_tracked(v)]
        print(len(static), tracked)
    """)
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    count, tracked = out.split(" ", 1)
    assert int(count) >= 10  # Value, Function, Memory, ... (the exception classes are heap types)
    assert tracked.strip() == "[]"


def test_a_collection_frees_an_instance_in_a_cycle_and_the_classes_still_work():
    class Host:
        def __call__(self, x):
            return x + 1

    host = Host()
    instance = wasm2pyext.Instance(HOST_LOOP, {"env": {"f": host}})
    host.instance = instance  # instance -> its import -> host -> instance
    assert instance.exports.call(41) == 42
    gone = weakref.ref(instance)
    del instance, host
    gc.collect()
    assert gone() is None
    assert repr(wasm2pyext.Value.i32(7)) == "I32(7)"
    assert wasm2pyext.Instance(HOST_LOOP, {"env": {"f": lambda x: x * 2}}).exports.call(21) == 42


# Everything an instance can own: memory, a funcref table and globals, each exported,
# and a host function import whose callable tells when the instance has let it go.
OWNER = wat(r"""
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "table") 1 funcref)
  (elem (i32.const 0) $call)
  (global (export "counter") (mut i32) (i32.const 7))
  (global (export "callee") funcref (ref.func $call))
  (func $call (export "call") (param i32) (result i32) local.get 0 call $f))
""")

WITH_MEMORY_IMPORT = wat(r"""
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "memory" (memory 1))
  (func (export "call") (param i32) (result i32) local.get 0 call $f))
""")


class Host:
    def __call__(self, x):
        return x + 1


def instance_and_host(module=OWNER, **imports):
    host = Host()
    return wasm2pyext.Instance(module, {"env": {"f": host, **imports}}), weakref.ref(host)


@pytest.fixture
def no_collections():
    """What these tests free must go by reference counting alone."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_an_instance_is_freed_with_its_last_reference(no_collections):
    instance, host = instance_and_host()
    assert instance.exports.call(1) == 2
    assert instance.exports.counter.value == 7
    instance.memory.uint8_view()[0] = 1
    del instance
    assert host() is None


def test_the_classic_one_liner_frees_its_instance_at_once(no_collections):
    host = Host()
    assert wasm2pyext.Instance(OWNER, {"env": {"f": host}}).exports.call(41) == 42
    gone = weakref.ref(host)
    del host
    assert gone() is None


@pytest.mark.parametrize("keep", ["function", "exports", "memory", "counter"])
def test_what_is_kept_of_an_instance_keeps_what_it_needs(no_collections, keep):
    instance, host = instance_and_host()
    kept = instance.memory if keep == "memory" else instance.exports if keep == "exports" else (
        getattr(instance.exports, "call" if keep == "function" else keep))
    del instance
    if keep in ("function", "exports"):  # these run the instance's code: it stays
        assert host() is not None
        assert (kept if keep == "function" else kept.call)(2) == 3
    else:  # a memory, or a global of numbers, refers to nothing of the instance
        assert host() is None
        assert kept.size == 1 if keep == "memory" else kept.value == 7
    del kept
    assert host() is None


@pytest.mark.parametrize("kept", ["table", "callee"])
def test_an_exported_table_or_funcref_global_keeps_its_instance_alive(kept):
    instance, host = instance_and_host()
    holder = getattr(instance.exports, kept)
    del instance
    gc.collect()
    assert host() is not None
    function = holder[0] if kept == "table" else holder.value
    assert function(5) == 6
    del holder, function
    gc.collect()
    assert host() is None


def test_an_imported_memory_does_not_tie_the_instance_to_it(no_collections):
    memory = wasm2pyext.Memory(1)
    instance, host = instance_and_host(WITH_MEMORY_IMPORT, memory=memory)
    assert instance.exports.call(1) == 2
    del instance
    assert host() is None
    assert memory.size == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_many_instances_in_turn_hold_the_memory_of_one_at_a_time(no_collections):
    # Each instance fills 4 MB of its memory; were they freed only by the collector,
    # every one would still be mapped at the end.
    module = wat('(module (memory (export "memory") 64) (table 1 funcref))')
    before = mapped_memory_bytes()
    for _ in range(40):
        instance = wasm2pyext.Instance(module)
        memory = instance.exports.memory
        memory.buffer[:] = b"\xff" * memory.data_size
    del instance, memory
    assert mapped_memory_bytes() - before < 16 << 20


def mapped_memory_bytes() -> int:
    """The resident anonymous memory of this process (Linux's /proc/self/status)."""
    status = open("/proc/self/status").read()
    return int(status.split("RssAnon:")[1].split()[0]) * 1024


DEFINES = wat(r"""
(module
  (table (export "t") 2 funcref)
  (global (export "g") (mut funcref) (ref.null func))
  (func $a (export "a") (result i32) i32.const 1)
  (elem (i32.const 0) $a)
  (func (export "call") (param i32) (result i32) local.get 0 call_indirect (result i32)))
""")

# Stores its own function into the table and the global it imports.
FILLS = wat(r"""
(module
  (import "A" "t" (table 2 funcref))
  (import "A" "g" (global (mut funcref)))
  (import "A" "a" (func $ia (result i32)))
  (func $b (result i32) i32.const 2)
  (elem (i32.const 1) $b)
  (func (export "set_global") ref.func $b global.set 0)
  (func (export "through_a") (result i32) call $ia))
""")


@pytest.mark.parametrize("kept", ["table", "global"])
def test_a_table_or_global_alone_keeps_the_instances_whose_functions_it_holds(kept):
    a = wasm2pyext.Instance(DEFINES)
    b = wasm2pyext.Instance(FILLS, {"A": {"t": a.exports.t, "g": a.exports.g, "a": a.exports.a}})
    b.exports.set_global()
    holder = getattr(a.exports, "t" if kept == "table" else "g")
    del a, b
    gc.collect()
    if kept == "table":  # A's function and B's
        assert (holder[0](), holder[1]()) == (1, 2)
    else:  # B's function
        assert holder.value() == 2


@pytest.mark.parametrize("drop", ["definer", "filler", "both"])
def test_references_that_crossed_between_instances_outlive_the_instances(drop):
    a = wasm2pyext.Instance(DEFINES)
    b = wasm2pyext.Instance(FILLS, {"A": {"t": a.exports.t, "g": a.exports.g, "a": a.exports.a}})
    b.exports.set_global()
    table, cell, call, through_a = a.exports.t, a.exports.g, a.exports.call, b.exports.through_a
    if drop in ("definer", "both"):
        del a
    if drop in ("filler", "both"):
        del b
    gc.collect()
    # each of these runs code of an instance nothing but these references keeps
    assert (table[0](), table[1](), cell.value(), call(0), call(1), through_a()) == (1, 2, 2, 1, 2, 1)


def test_a_function_stored_or_returned_outlives_its_instance():
    table = wasm2pyext.Table(1)
    wasm2pyext.Instance(wat("""(module (import "env" "t" (table 1 funcref))
                                (func $c (result i32) i32.const 3) (elem (i32.const 0) $c))"""), {"env": {"t": table}})
    returned = wasm2pyext.Instance(wat("""(module (func $r (result i32) i32.const 4) (elem declare func $r)
                                           (func (export "get") (result funcref) ref.func $r))""")).exports.get()
    gc.collect()
    assert (table[0](), returned()) == (3, 4)
