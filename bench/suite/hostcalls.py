"""Host calls, Wasm -> Python: a Wasm loop calling the Python import `def f(x): return x`,
beside C (the map iterator) calling the same function."""
from __future__ import annotations

import collections
import functools

from .runtimes import i32, import_from, ours_and_wasmext
from .timing import interleaved_medians, per_call

# The bar: a host call over its floor (C calling the function).
HOST_CALL_BAR = 1.15
FLOOR = "floor: `deque(map(f, range(n)), maxlen=0)`"


def measure(suite) -> None:
    rounds = suite.rounds
    n_fast = 100_000 if suite.quick else 400_000

    def f(x):
        return x
    expect = lambda n: i32(n * (n - 1) // 2)  # noqa: E731
    runs = {FLOOR: (lambda n: collections.deque(map(f, range(n)), maxlen=0), n_fast, None)}
    for label, (mod, cls, folder) in ours_and_wasmext("hostcall", suite.have_wasmext).items():
        h = cls(import_from(folder, mod), {"env": {"f": f}})
        runs[label] = (h.export("hostcall"), n_fast, expect)
    if "wasmtime" in suite.py:
        runs["wasmtime-py"] = (suite.py["wasmtime"].load("hostcall", f).export("hostcall"), n_fast // 200, expect)
    if "pywasm3" in suite.py:
        runs["pywasm3"] = (suite.py["pywasm3"].load("hostcall", f).export("hostcall"), n_fast // 4, expect)
    for label, (fn, n, exp) in list(runs.items()):
        got = fn(1000)
        if exp and got != exp(1000):
            suite.failures.append(f"host call, {label}: hostcall(1000) = {got}, expected {exp(1000)}")
            del runs[label]
    med = interleaved_medians({k: functools.partial(per_call, fn, n) for k, (fn, n, _) in runs.items()}, rounds)
    floor = med[FLOOR]
    suite.add_table(f"""\
        ## Host calls: a Wasm loop calling the Python import `def f(x): return x`

        `hostcall(n)` calls `env.f(i)` for i < n and sums the results; time per call,
        medians of {rounds} interleaved rounds. The floor is C (the `map` iterator) calling
        the same Python function.

        | caller | ns per call | vs floor |
        |---|---|---|
        """, [f"| {k} | {v * 1e9:.1f} | {v / floor:.2f}x |" for k, v in med.items()])
    if "wasm2pyext" in med:
        ratio = med["wasm2pyext"] / floor
        suite.headline.append(
            f"Host call: {med['wasm2pyext'] * 1e9:.0f} ns = **{ratio:.2f}x** the floor "
            f"({floor * 1e9:.0f} ns; bar {HOST_CALL_BAR}x: **{'met' if ratio <= HOST_CALL_BAR else 'NOT met'}**)"
            + (f"; wasmext {med['wasmext (default: abi3)'] * 1e9:.0f} ns "
               f"({med['wasmext (default: abi3)'] / floor:.2f}x)" if suite.have_wasmext else "")
            + (f"; wasmtime-py {med['wasmtime-py'] * 1e9:.0f} ns" if "wasmtime-py" in med else ""))
