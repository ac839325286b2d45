"""Whatever Python does with the runtime's objects raises or works, and never crashes the
interpreter: objects made with cls.__new__(cls) alone (skipping __init__, or made by the
runtime only), and every method and operation of real ones given wrong, huge or odd
arguments. Each runs in a fresh interpreter, since a crash would take the test process
with it."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

UNMADE = textwrap.dedent(r"""
    import sys
    sys.path.insert(0, {tests!r})
    import wasm2pyext
    from wat import wat

    rt = sys.modules[wasm2pyext.Trap.__module__]
    built = wasm2pyext.Module(wat('(module (memory 1) (func (export "f") (result i32) i32.const 1))'))
    classes = [c for c in vars(rt).values() if isinstance(c, type) and not issubclass(c, BaseException)]
    classes.append(built.extension.Instance)
    SKIP = {{"__init_subclass__", "__subclasshook__", "__class__", "__new__", "__init__", "__reduce_ex__",
            "__getstate__"}}

    def attempt(f, *args):
        try:
            f(*args)
        except Exception:
            pass

    tried = 0
    for cls in classes:
        try:
            obj = cls.__new__(cls)
        except TypeError:
            continue
        for op in (repr, str, len, iter, bool, hash, lambda o: o == o, lambda o: o[0], lambda o: o[-1],
                   lambda o: o[0:2], lambda o: o.__setitem__(0, 0), lambda o: o.__setitem__(slice(0, 2), b"ab"),
                   lambda o: o(), lambda o: o(1, 2), lambda o: "x" in o, lambda o: o.nothing):
            attempt(op, obj)
        try:
            names = dir(obj)
        except Exception:
            names = dir(cls)
        for name in names:
            if name in SKIP:
                continue
            try:
                value = getattr(obj, name)
            except Exception:
                continue
            if callable(value):
                for args in ((), (0,), (1, 2)):
                    attempt(value, *args)
        tried += 1
    print("tried", tried)
""")


HOSTILE = textwrap.dedent(r"""
    import itertools, sys
    sys.path.insert(0, {tests!r})
    import wasm2pyext
    from wasm2pyext import Value, Memory, Table, Global
    from wat import wat

    module = wat('''(module
      (import "env" "h" (func $h (param i32) (result i32)))
      (memory (export "memory") 1 2)
      (table (export "table") 2 funcref)
      (table (export "xtable") 2 externref)
      (global (export "g") (mut i32) (i32.const 1))
      (global (export "fg") (mut funcref) (ref.null func))
      (global (export "xg") (mut externref) (ref.null extern))
      (elem (i32.const 0) $f)
      (func $f (export "f") (param i32 i64 f32 f64) (result i32) local.get 0)
      (func (export "r") (param funcref externref) (result externref) local.get 1)
      (func (export "call_h") (param i32) (result i32) local.get 0 call $h)
      (func (export "ci") (param i32) (result i32) i32.const 5 local.get 0 call_indirect (param i32) (result i32)))''')
    instance = wasm2pyext.Instance(module, {{"env": {{"h": lambda x: x}}}})
    e = instance.exports
    memory = e.memory
    objects = [instance, e, e.f, e.r, e.call_h, e.ci, memory, memory.uint8_view(0), memory.int64_view(3),
               memory.float32_view(1), e.table, e.xtable, e.g, e.fg, e.xg, Value.i32(1), Value.funcref(e.f),
               Value.externref(object()), Memory(1), Table(1), Global(Value.i64(3), True)]
    ODD = [None, -1, 0, 1, 2**31, 2**32, 2**63, 2**64, -2**64, 2**200, 1.5, float("nan"), "x", b"ab", bytearray(3),
           slice(None), slice(-2**70, 2**70, 3), (), [1, 2], e.f, Value.i32(1), Value.f64(1.0), Value.funcref(None),
           object()]
    OPERATIONS = ("__getitem__", "__setitem__", "__call__", "__len__", "__contains__")

    def attempt(f, *args):
        try:
            f(*args)
        except Exception:
            pass

    calls = 0
    for o in objects:
        for x in ODD:
            attempt(lambda: o[x])
            attempt(lambda: o.__setitem__(x, 1))
            attempt(lambda: o.__setitem__(x, x))
            attempt(lambda: o(x))
            attempt(lambda: x in o)
        for name in dir(o):
            if name.startswith("__") and name not in OPERATIONS:
                continue
            try:
                method = getattr(o, name)
            except Exception:
                continue
            if not callable(method):
                for x in ODD:
                    attempt(setattr, o, name, x)
                continue
            for args in itertools.chain([()], ((x,) for x in ODD), ((x, y) for x in ODD[:12] for y in ODD)):
                if name == "grow" and args and isinstance(args[0], int) and args[0] > 2:
                    continue  # growing a table by millions of elements is slow, not odd
                attempt(method, *args)
                calls += 1
    assert e.f(1, 2, 3.0, 4.0) == 1 and e.call_h(7) == 7  # and the instance still works
    print("calls", calls)
""")


def run_fresh(program: str) -> int:
    """Runs the program in a new interpreter; returns the count it prints last."""
    tests = str(Path(__file__).parent)
    proc = subprocess.run([sys.executable, "-c", program.format(tests=tests)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.split()[-1])


def test_objects_never_initialised_raise_instead_of_crashing():
    assert run_fresh(UNMADE) >= 10


def test_odd_arguments_to_every_method_raise_instead_of_crashing():
    assert run_fresh(HOSTILE) > 10_000
