"""The runtime and the garbage collector: the runtime's classes (static types, which live
as long as the process) are kept out of collections, and collections still free what
they should: instances in reference cycles, with their host functions."""
from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import weakref

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
