"""The three ways a call from Python runs must agree: the vectorcall a module generates for
each function type of numbers (templates/module.c.j2, pycall_*), the runtime's own fast
path (runtime_c/w2p_pycall.h: what an --abi3 module's functions and other types take)
and the general path (Function.call_values, and whatever the fast paths decline).

Both kinds of module are built here and loaded into one process, in either order, since
the first module loaded provides the runtime every later one uses."""
from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wasm2pyext.build import BuildOptions, build_extension
from wasm2pyext.toolchain import ext_suffix

from wat import wat

ROOT = Path(__file__).resolve().parents[1]

MIXED = r"""
(module
  (import "env" "host" (func $host (param i64 f64) (result f64)))
  (export "host" (func $host))
  (func (export "mix") (param i32 i64 f32 f64) (result f64)
    local.get 0 f64.convert_i32_s local.get 1 f64.convert_i64_s f64.add
    local.get 2 f64.promote_f32 f64.add local.get 3 f64.add)
  (func (export "id_i32") (param i32) (result i32) local.get 0)
  (func (export "id_i64") (param i64) (result i64) local.get 0)
  (func (export "id_f32") (param f32) (result f32) local.get 0)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "nine") (param i32 i32 i32 i32 i32 i32 i32 i32 i64) (result i64)
    local.get 0 local.get 1 i32.add local.get 2 i32.add local.get 3 i32.add local.get 4 i32.add
    local.get 5 i32.add local.get 6 i32.add local.get 7 i32.add i64.extend_i32_s local.get 8 i64.add)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "seven") (result i32) i32.const 7)
  (memory (export "memory") 1))
"""

# Each export with arguments to call it with: edges of each type's range, both signs, and
# of the small ints the boxing keeps at hand (-5 to 256).
CASES = {
    "id_i32": [(0,), (1,), (-1,), (2**31 - 1,), (-2**31,), (2**31,), (2**32 - 1,), (True,),
               (-5,), (-6,), (256,), (257,)],
    "id_i64": [(0,), (-1,), (2**63 - 1,), (-2**63,), (2**62,), (12345678901,), (-5,), (-6,), (256,), (257,)],
    "id_f32": [(0.0,), (-0.0,), (1.1,), (3.4e38,), (1e-45,), (math.inf,), (-math.inf,)],
    "mix": [(1, 2, 0.5, 0.25), (-2**31, -2**63, -1.5, 1e300), (2**32 - 1, 2**63 - 1, 1e38, -0.0)],
    "div": [(7, 2), (-7, 2), (2**31 - 1, -1)],
    "nine": [(1, 2, 3, 4, 5, 6, 7, 8, 9), (-1, -1, -1, -1, -1, -1, -1, -1, -2**63 + 8)],
    "load": [(0,), (4,), (65532,)],
    "seven": [()],
    "host": [(3, 0.5), (-2**63, -1.0)],
}

# Calls the fast paths decline and the general path answers with an error.
ERRORS = {
    "id_i32": [(2**32,), (-2**31 - 1,), (1.0,), ("1",)],
    "id_i64": [(2**64,), (-2**63 - 1,)],
    "id_f32": [("1.0",), (None,)],
    "seven": [(1,)],
    "div": [(1,), (1, 2, 3)],
}

PROGRAM = textwrap.dedent("""\
    import json, math, sys
    sys.path[:0] = sys.argv[1:3]
    import importlib
    cases, errors = json.loads(sys.stdin.read())
    def host(x, y):
        if x == 0:
            raise KeyError("from the host")
        return x * y
    def run(name):
        inst = importlib.import_module(name).Instance({"env": {"host": host}})
        ex = inst.exports
        out = {}
        for fn, calls in cases.items():
            f = getattr(ex, fn)
            for args in calls:
                # Twice: the first call of a small result may box it anew, the next not.
                first, again = repr(f(*args)), repr(f(*args))
                direct = first if again == first else f"{first}, then {again}"
                general = f.call_values(*args)
                out[f"{fn}{tuple(args)}"] = [direct, [repr(v.value) for v in general]]
        for fn, calls in errors.items():
            f = getattr(ex, fn)
            for args in calls:
                try:
                    f(*args)
                except Exception as e:
                    out[f"{fn}{tuple(args)} raises"] = type(e).__name__
        try:
            ex.div(1, 0)
        except Exception as e:
            out["div(1, 0)"] = [type(e).__name__, e.kind]
        try:
            ex.host(0, 1.0)
        except KeyError as e:
            out["host(0, 1.0)"] = str(e)
        # Every int in and just outside the small ints' range, twice over.
        out["small ints"] = [k for _ in range(2) for k in range(-6, 258)
                             if ex.id_i32(k) != k or ex.id_i64(k) != k or ex.load(0) != 0]
        ex.store(8, -5)
        out["store, then load"] = ex.load(8)
        try:
            ex.store(65534, 1)
        except Exception as e:
            out["store out of bounds"] = [type(e).__name__, e.kind]
        out["after the traps"] = ex.mix(1, 2, 3.0, 4.0)
        try:
            ex.mix(1, 2, 3.0, d=4.0)
        except TypeError:
            out["keywords"] = "TypeError"
        return out
    print(json.dumps({name: run(name) for name in sys.argv[3:]}))
""")


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """The module built both ways: with the generated vectorcalls, and --abi3."""
    wasm = wat(MIXED)
    out = {}
    for name, abi3 in (("paths_full", False), ("paths_abi3", True)):
        folder = tmp_path_factory.mktemp(name)
        build_extension(wasm, name, folder / f"{name}{ext_suffix(abi3)}", BuildOptions(abi3=abi3, stubs=False))
        out[name] = folder
    return out


def run_both(builds: dict[str, Path], order: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROGRAM, *(str(builds[n]) for n in sorted(builds)), *order],
                          input=json.dumps([CASES, ERRORS]), capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=""))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def expected() -> dict:
    """What every path must answer, worked out in Python."""
    def s32(x):
        return (x + 2**31) % 2**32 - 2**31

    def s64(x):
        return (x + 2**63) % 2**64 - 2**63

    out = {}
    results = {
        "id_i32": lambda a: s32(a),
        "id_i64": lambda a: s64(a),
        "id_f32": lambda a: f32(a),
        "mix": lambda a, b, c, d: float(s32(a)) + float(s64(b)) + f32(c) + d,
        "div": lambda a, b: int(s32(a) / s32(b)),
        "nine": lambda *a: s64(s32(sum(a[:8])) + a[8]),
        "load": lambda a: 0,
        "seven": lambda: 7,
        "host": lambda x, y: x * y,
    }
    for fn, calls in CASES.items():
        for args in calls:
            r = results[fn](*args)
            out[f"{fn}{tuple(args)}"] = [repr(r), [repr(r)]]
    return out


@pytest.mark.parametrize("order", [["paths_full", "paths_abi3"], ["paths_abi3", "paths_full"]],
                         ids=["full-runtime-first", "abi3-runtime-first"])
def test_every_call_path_gives_the_same_answers(builds, order):
    got = run_both(builds, order)
    want = expected()
    for name in order:
        answers = got[name]
        for key, value in want.items():
            assert answers[key] == value, (name, key)
        for fn, calls in ERRORS.items():
            for args in calls:
                assert answers[f"{fn}{tuple(args)} raises"] in ("TypeError", "OverflowError"), (name, fn, args)
        assert answers["id_i32(1.0,) raises"] == "TypeError"
        assert answers["id_i32(4294967296,) raises"] == "OverflowError"
        assert answers["div(1, 0)"] == ["Trap", "integer divide by zero"]
        assert answers["host(0, 1.0)"] == "'from the host'"
        assert answers["small ints"] == []
        assert answers["store, then load"] == -5
        assert answers["store out of bounds"] == ["Trap", "out of bounds memory access"]
        assert answers["after the traps"] == 10.0
        assert answers["keywords"] == "TypeError"
    assert got[order[0]] == got[order[1]]


VECTORCALL_OWNER = textwrap.dedent("""\
    import ctypes, json, sys
    sys.path[:0] = sys.argv[1:3]
    import importlib
    def mapped_file(address):
        for line in open("/proc/self/maps"):
            fields = line.split()
            low, high = (int(x, 16) for x in fields[0].split("-"))
            if low <= address < high and len(fields) > 5:
                return fields[5].rsplit("/", 1)[-1]
    out = {}
    for name in sys.argv[3:]:
        f = importlib.import_module(name).Instance({"env": {"host": lambda x, y: x}}).exports.id_i32
        # A Function's first field, just after the object header, is its vectorcall.
        address = ctypes.c_void_p.from_address(id(f) + object.__basicsize__).value
        out[name] = mapped_file(address)
    print(json.dumps(out))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_calls_take_the_modules_own_vectorcall_where_it_has_one(builds):
    """The first module loaded provides the runtime; the second's functions are still
    called through the vectorcall generated in the second's own shared object, and an
    --abi3 module's (which has none) through the registered runtime's."""
    def owners(order):
        proc = subprocess.run([sys.executable, "-c", VECTORCALL_OWNER, *(str(builds[n]) for n in sorted(builds)),
                               *order], capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=""))
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)
    got = owners(["paths_full", "paths_abi3"])
    assert got["paths_full"].startswith("paths_full.")
    assert got["paths_abi3"].startswith("paths_full.")  # the registered runtime's generic one
    got = owners(["paths_abi3", "paths_full"])
    assert got["paths_full"].startswith("paths_full.")
