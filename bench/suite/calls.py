"""Call overhead, Python -> Wasm: sum(5, 37) from a Python loop beside its floors (a
Python function, operator.add, the same add in a C callable that is not a builtin), on
this interpreter and on a newer CPython where one is installed."""
from __future__ import annotations

import functools
import json
import operator
import subprocess
from pathlib import Path
from typing import Callable

from .builds import build_addcall, cached_build, digest, other_cpython, source_tree_digest
from .common import BENCH, BUILD, KERNELS_DIR, NOTES, REPO, run
from .runtimes import import_from, ours, ours_and_wasmext
from .timing import interleaved_per_call, make_loop

# The bar: sum(5, 37) over operator.add's call.
CALL_BAR = 1.3
# The table's row for a call through the trap boundary.
FIB_THROUGH_BOUNDARY = "wasm2pyext `fib(1)`: a function that may trap, through the boundary"
# Each runtime's own spelling of a call with the export looked up in it, the instance bound
# to a local: how the classic API's examples call.
LOOKUP_OURS = "wasm2pyext `instance.exports.sum(5, 37)`"
LOOKUP_WASMEXT = "wasmext `instance.sum(5, 37)`"
# The newer CPython the call overhead is measured on too, where it is installed.
OTHER_CPYTHON = "3.13"
# The table's floors
FLOOR_PYTHON = "Python function `def f(a, b): return a + b`"
FLOOR_ADD = "`operator.add(5, 37)`"
FLOOR_NOT_BUILTIN = "`operator.add`'s work in a C vectorcall object (bench/native/addcall.c)"


def floor_loops(n: int, addcall_dir: Path) -> dict[str, tuple[Callable[[int], None], int]]:
    """The floors of the call overhead table: label -> (loop, calls a round)."""
    def py_sum(a, b):
        return a + b
    loops = {"empty loop (`pass`)": (make_loop("pass", {}), n),
             FLOOR_PYTHON: (make_loop("f(5, 37)", {"f": py_sum}), n),
             FLOOR_ADD: (make_loop("f(5, 37)", {"f": operator.add}), n)}
    # The same add behind C callables that are not builtin functions (as a Wasm function
    # object cannot be): CPython 3.11 specialises calls of builtins, not of other types.
    loops["`functools.partial(operator.add)(5, 37)`"] = (
        make_loop("f(5, 37)", {"f": functools.partial(operator.add)}), n)
    loops[FLOOR_NOT_BUILTIN] = (make_loop("f(5, 37)", {"f": import_from(addcall_dir, "addcall").AddCall()}), n)
    return loops


def measure(suite) -> None:
    rounds = suite.rounds
    n_fast = 50_000 if suite.quick else 200_000
    loops = floor_loops(n_fast, BUILD)
    for label, (mod, cls, folder) in ours_and_wasmext("sum", suite.have_wasmext).items():
        h = cls(import_from(folder, mod))
        loops[label] = (make_loop("f(5, 37)", {"f": h.export("sum")}), n_fast)
        assert h.export("sum")(5, 37) == 42
    # A function that may trap (fib recurses: it could exhaust the stack) is called
    # through the trap boundary; fib(1) returns at once.
    fib = ours("w2p_fib").export("fib")
    assert fib(1) == 1
    loops[FIB_THROUGH_BOUNDARY] = (make_loop("f(1)", {"f": fib}), n_fast)
    loops[LOOKUP_OURS] = (make_loop("i.exports.sum(5, 37)", {"i": import_from(BUILD / "ours", "w2p_sum").Instance()}),
                          n_fast)
    if suite.have_wasmext:
        loops[LOOKUP_WASMEXT] = (make_loop("i.sum(5, 37)", {"i": import_from(BUILD / "wasmext", "wx_sum").Instance()}),
                                 n_fast)
    if "wasmtime" in suite.py:
        h = suite.py["wasmtime"].load("sum")
        loops["wasmtime-py"] = (make_loop("f(s, 5, 37)", {"f": h.raw("sum"), "s": h.store}), n_fast // 100)
    if "pywasm3" in suite.py:
        h = suite.py["pywasm3"].load("sum")
        loops["pywasm3"] = (make_loop("f(5, 37)", {"f": h.export("sum")}), n_fast // 4)
    med = interleaved_per_call(loops, rounds)
    report(suite, med, rounds)
    on_other_cpython(suite, n_fast, rounds)


def report(suite, med: dict, rounds: int) -> None:
    add, pyf, floor = med[FLOOR_ADD], med[FLOOR_PYTHON], med[FLOOR_NOT_BUILTIN]
    suite.add_table(f"""\
        ## Call overhead: `sum(5, 37)` from a Python loop

        Time per iteration of `for _ in repeat(None, n): f(5, 37)` (the function bound to a
        local), loop included; medians of {rounds} interleaved rounds. The floors: a
        Python function; `operator.add`, a builtin, whose calls CPython 3.11 specialises;
        and operator.add's work behind a C vectorcall object of another type
        (bench/native/addcall.c), the generic call path every other callable takes,
        a Wasm function object included. `sum` cannot trap, so its call skips the
        trap boundary; the `fib(1)` row shows the cost of a call that crosses it. Two
        rows look the function up in each call, as the classic API's examples do:
        `instance.exports.sum(5, 37)` for ours, `instance.sum(5, 37)` for wasmext.

        | call | ns per call | vs `operator.add` | vs the same add, not a builtin | vs Python function |
        |---|---|---|---|---|
        """, [f"| {k} | {v * 1e9:.1f} | {v / add:.2f}x | {v / floor:.2f}x | {v / pyf:.2f}x |"
              for k, v in med.items()])
    ratio = med["wasm2pyext"] / add
    suite.headline.append(
        f"`sum(5, 37)`: {med['wasm2pyext'] * 1e9:.0f} ns = **{ratio:.2f}x** `operator.add` "
        f"({add * 1e9:.0f} ns; bar {CALL_BAR}x: **{'met' if ratio <= CALL_BAR else 'NOT met'}**), "
        f"{med['wasm2pyext'] / floor:.2f}x the same add as a callable that is not a builtin "
        f"({floor * 1e9:.0f} ns)" + (f"; abi3 {med['wasm2pyext --abi3'] * 1e9:.0f} ns")
        + (f"; wasmext {med['wasmext (default: abi3)'] * 1e9:.0f} ns "
           f"({med['wasmext (default: abi3)'] / add:.2f}x)" if suite.have_wasmext else "")
        + (f"; wasmtime-py {med['wasmtime-py'] * 1e9:.0f} ns "
           f"({med['wasmtime-py'] / med['wasm2pyext']:.0f}x ours)" if "wasmtime-py" in med else ""))
    suite.headline.append(
        f"Looked up in each call: `instance.exports.sum(5, 37)` {med[LOOKUP_OURS] * 1e9:.0f} ns"
        + (f"; wasmext's `instance.sum(5, 37)` {med[LOOKUP_WASMEXT] * 1e9:.0f} ns" if suite.have_wasmext else ""))


# The timing in the other interpreter: this module's loops, imported there
CHILD = """\
import json, sys
from pathlib import Path
sys.path.insert(0, {bench!r})
from suite import calls, runtimes, timing
loops = calls.floor_loops({n}, Path({out!r}))
f = runtimes.ours("w2p_sum", Path({out!r})).export("sum")
assert f(5, 37) == 42
loops["wasm2pyext"] = (timing.make_loop("f(5, 37)", {{"f": f}}), {n})
print(json.dumps(timing.interleaved_per_call(loops, {rounds})))"""


def on_other_cpython(suite, n: int, rounds: int) -> None:
    """sum(5, 37) and its floors again on a newer CPython (OTHER_CPYTHON), which calls
    callables that are not builtins more cheaply than 3.11: wasm2pyext installed in a
    venv of its own, sum.wasm built there, timed in that interpreter."""
    py = other_cpython(OTHER_CPYTHON)
    if py is None:
        NOTES.append(f"CPython {OTHER_CPYTHON}: not found (on PATH or under pyenv), so the call overhead is "
                     "measured on this interpreter only.")
        return
    venv, out = BUILD / f"venv-{OTHER_CPYTHON}", BUILD / f"ours-{OTHER_CPYTHON}"
    vpy = venv / "bin" / "python"

    def install():
        if not vpy.exists():
            run([py, "-m", "venv", str(venv)])
        run([str(vpy), "-m", "pip", "install", "-q", str(REPO)])
        out.mkdir(exist_ok=True)
        run([str(vpy), "-m", "wasm2pyext", "build", str(KERNELS_DIR / "sum.wasm"), "-o", str(out),
             "--name", "w2p_sum"])
        build_addcall(str(vpy), out)
    try:
        key = digest(source_tree_digest(REPO / "wasm2pyext"), py, KERNELS_DIR / "sum.wasm",
                     BENCH / "native" / "addcall.c")
        cached_build(out / "install.stamp", key, vpy.exists(), install)
        child = run([str(vpy), "-c", CHILD.format(bench=str(BENCH), n=n, out=str(out), rounds=rounds)])
    except subprocess.CalledProcessError as e:
        suite.failures.append(f"calls on CPython {OTHER_CPYTHON}: {(e.stderr or e.stdout).strip()[-300:]}")
        return
    med = json.loads(child.stdout)
    version_text = run([str(vpy), "-c", "import platform; print(platform.python_version())"]).stdout.strip()
    add, floor = med[FLOOR_ADD], med[FLOOR_NOT_BUILTIN]
    suite.add_table(f"""\
        ### The same on CPython {version_text}

        The loops above in an interpreter of CPython {version_text} (pyenv's build on this
        machine), wasm2pyext installed in a venv of its own and sum.wasm built for it:
        from 3.13 on, the interpreter calls other callable types without a detour
        through its generic path. Medians of {rounds} interleaved rounds.

        | call | ns per call | vs `operator.add` | vs the same add, not a builtin |
        |---|---|---|---|
        """, [f"| {k} | {v * 1e9:.1f} | {v / add:.2f}x | {v / floor:.2f}x |" for k, v in med.items()])
    suite.headline.append(f"On CPython {version_text}: `sum(5, 37)` {med['wasm2pyext'] * 1e9:.0f} ns = "
                          f"**{med['wasm2pyext'] / add:.2f}x** `operator.add` ({add * 1e9:.0f} ns)")
