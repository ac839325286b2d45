"""Wasm calls and Python threads (part of control): two calls on two threads against one
thread, and a Python thread's stall beside a long call."""
from __future__ import annotations

import os
import sys
import threading
import time

from .common import BUILD, KERNELS, log
from .runtimes import NativeHandle, ours, time_kernel
from .stats import median, round_ratios
from .timing import interleaved

THREADS_BAR = 1.8        # throughput of two threads over one, for calls of at least LONG_CALL
LONG_CALL = 0.05         # seconds: a call long enough for the two-thread bar
# count(n) of examples/control/spin.wasm for about 0.2 s on the machine of the first
# results (10**9 in about a second)
COUNT_N = 200_000_000
LABELS = ("wasm2pyext", "native gcc -O2")


class Count:
    """spin.wasm's count(n) as a kernel: one long call that only loops."""

    def __init__(self, n: int):
        self.f = ours("w2p_spin").inst.exports.count
        self.n = n

    def __call__(self):
        t0 = time.perf_counter()
        r = self.f(self.n)
        return str(r), time.perf_counter() - t0


def jobs(suite) -> dict:
    """name -> {label: [a run on one instance, a run on the other]}, each run giving
    (result, seconds): ours and the native build (a second copy of the library: its own
    static data for the second thread) of each kernel, and our `count`."""
    native_lib = suite.native.get("gcc") or next(iter(suite.native.values()), None)
    if native_lib is not None:
        twin = BUILD / f"{native_lib.stem}-twin.so"
        twin.write_bytes(native_lib.read_bytes())
    found = {}
    for k in KERNELS:
        if k in suite.ours_failed:
            continue
        found[k] = {"wasm2pyext": [ours(f"w2p_{k}"), ours(f"w2p_{k}")]}
        if native_lib is not None:
            found[k]["native gcc -O2"] = [NativeHandle(native_lib), NativeHandle(twin)]
        for label, pair in found[k].items():
            found[k][label] = [lambda h=h, k=k: time_kernel(h, k, suite.data) for h in pair]
    found["count"] = {"wasm2pyext": [Count(COUNT_N), Count(COUNT_N)]}
    return found


def both_ways(a, b, n: int, expect: set):
    """n calls of a and n of b on this thread, then on two threads at once: (serial
    seconds, parallel seconds, CPU seconds of the parallel runs, errors on the threads)."""
    t0 = time.perf_counter()
    for f in (a, b):
        for _ in range(n):
            f()
    serial = time.perf_counter() - t0
    start = threading.Barrier(3)
    errors = []

    def work(f):
        start.wait()
        try:
            for _ in range(n):
                result = f()[0]
                if result not in expect:
                    raise AssertionError(f"returned {result} on two threads, {expect} on one")
        except Exception as e:  # reported, not timed
            errors.append(e)
    threads = [threading.Thread(target=work, args=(f,)) for f in (a, b)]
    for t in threads:
        t.start()
    start.wait()
    t0, c0 = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    return serial, time.perf_counter() - t0, time.process_time() - c0, errors


def two_threads(suite) -> None:
    """Two instances on two threads at once against one thread making the same calls
    one after the other; beside them the native build, through ctypes (which lets the GIL
    go): what the machine itself gives two threads in that moment."""
    rounds = 2 if suite.quick else 5
    by_name = jobs(suite)
    # how many calls a thread makes: about 0.2 s of work each
    reps, single, expected = {}, {}, {}
    for name, by in by_name.items():
        single[name] = median([by["wasm2pyext"][0]()[1] for _ in range(3)])
        reps[name] = max(1, round(0.2 / single[name]))
        for label, (a, b) in by.items():
            expected[(label, name)] = {a()[0], b()[0]}
            if len(expected[(label, name)]) != 1:
                suite.failures.append(f"two threads, {label} {name}: the two instances disagree on one thread")
    log(f"control: two threads, {rounds} rounds")
    load_before = os.getloadavg()[0]
    ratios, cpus = {}, {}  # (label, name) -> {round: ratio}; -> [CPUs busy in the parallel runs]
    for r, name, label in interleaved(rounds, by_name, lambda name: by_name[name], log_rounds=True):
        serial, parallel, cpu, errors = both_ways(*by_name[name][label], reps[name], expected[(label, name)])
        if errors:
            suite.failures.append(f"two threads, {label} {name}: {type(errors[0]).__name__}: {errors[0]}")
            continue
        ratios.setdefault((label, name), {})[r] = serial / parallel
        cpus.setdefault((label, name), []).append(cpu / parallel)
    load = f"the load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    report(suite, rounds, list(by_name), single, reps, ratios, cpus, load)


def report(suite, rounds: int, names: list, single: dict, reps: dict, ratios: dict, cpus: dict, load: str) -> None:
    rows = []
    med = {key: median(v.values()) for key, v in ratios.items()}
    for name in names:
        cells = [f"{med[(lb, name)]:.2f}x" if (lb, name) in med else "-" for lb in LABELS]
        paired = round_ratios(ratios.get((LABELS[0], name), {}), ratios.get((LABELS[1], name), {}))
        cells.append(f"{median(paired.values()):.2f}x" if paired else "-")
        cells += [f"{median(cpus[(lb, name)]):.2f}" if (lb, name) in cpus else "-" for lb in LABELS]
        rows.append(f"| {name} | {single[name] * 1e3:.1f} | {reps[name]} | " + " | ".join(cells) + " |")
    long_calls = [n for n in names if single[n] >= LONG_CALL and ("wasm2pyext", n) in med]
    worst = min((med[("wasm2pyext", n)] for n in long_calls), default=float("nan"))
    suite.add_table(f"""\
        ## Two threads

        Two instances of a kernel called on two Python threads at once, against one
        thread making the same calls one after the other: the throughput ratio (serial
        time over parallel time; 2.00x is perfect on two CPUs). A call lets the GIL go
        after it has run a millisecond, so short calls gain less. The native build,
        through ctypes (which lets the GIL go for the whole call; a second copy of the
        library for the second thread), measures what the shared machine gave two
        threads in the same moments. The checksum's calls include writing and reading
        its 16 MB from Python, with the GIL held. `count` is
        examples/control/spin.wasm's `count({COUNT_N:_})`: a loop and nothing else.
        Unpinned; medians of {rounds} rounds ({load}). "Paired" is
        our ratio over native's in the same round; "CPUs busy" the process's CPU time over the wall time of the parallel
        runs (2.00 on two free CPUs; it falls when other processes take the CPUs, and to
        about 1 if the calls ran one at a time). The bar: at least {THREADS_BAR}x for calls
        of {LONG_CALL * 1e3:.0f} ms or more.

        | kernel | one call (ms) | calls a thread | wasm2pyext | native gcc -O2 | paired | CPUs busy, wasm2pyext | CPUs busy, native |
        |---|---|---|---|---|---|---|---|
        """, rows)
    met = "met" if worst >= THREADS_BAR else "NOT met"
    suite.headline.append(
        "Two threads, two instances, throughput over one thread: "
        + ", ".join(f"{n} {med[('wasm2pyext', n)]:.2f}x" for n in names if ("wasm2pyext", n) in med)
        + f" (calls of {LONG_CALL * 1e3:.0f} ms or more: {', '.join(long_calls)}; bar {THREADS_BAR}x: **{met}**; "
        + ", ".join(f"{n} {median(cpus[('wasm2pyext', n)]):.2f}" for n in long_calls)
        + f" CPUs busy; {load})"
        + ("; native through ctypes, the machine's own: "
           + ", ".join(f"{n} {med[('native gcc -O2', n)]:.2f}x" for n in names if ("native gcc -O2", n) in med)
           if any(lb == "native gcc -O2" for lb, _ in med) else ""))


def ticker_stall(suite) -> None:
    """A Python thread sleeping 1 ms at a time, and its largest gap between wake-ups while
    the main thread: sleeps (the floor), runs a long Wasm call, runs Python code."""
    rounds = 3 if suite.quick else 9
    count = Count(COUNT_N)

    def python_loop():
        t0 = time.perf_counter()
        x = 0
        for i in range(3_000_000):
            x += i
        return x, time.perf_counter() - t0
    duration = count()[1]
    cases = {"the main thread sleeps": lambda: time.sleep(duration),
             f"the main thread runs `count({COUNT_N:_})` (Wasm, {duration * 1e3:.0f} ms)": count,
             "the main thread runs a Python loop": python_loop}
    gaps = {c: [] for c in cases}
    medians = {c: [] for c in cases}
    for _, case, _ in interleaved(rounds, cases, [None]):
        seen = ticks_beside(cases[case])
        gaps[case].append(max(seen))
        medians[case].append(median(seen))
    rows = [f"| {c} | {median(medians[c]) * 1e3:.2f} | {median(gaps[c]) * 1e3:.2f} | {max(gaps[c]) * 1e3:.2f} |"
            for c in cases]
    suite.add_table(f"""\
        ### A Python thread beside a long call

        A Python thread loops on `time.sleep(0.001)` and records the time between its
        wake-ups while the main thread does something else; its largest gap is how long
        the main thread kept it from running. {rounds} rounds, unpinned; a Python loop
        keeps the GIL for the interpreter's switch interval
        ({sys.getswitchinterval() * 1e3:.0f} ms) at a time.

        | meanwhile | median gap (ms) | largest gap, median of rounds (ms) | largest gap of all (ms) |
        |---|---|---|---|
        """, rows)
    sleeps, wasm, python = cases
    suite.headline.append(
        f"A Python thread ticking every 1 ms while a {duration * 1e3:.0f} ms Wasm call runs: largest gap "
        f"**{median(gaps[wasm]) * 1e3:.1f} ms** (median of {rounds} rounds; while the main thread sleeps "
        f"{median(gaps[sleeps]) * 1e3:.1f} ms, runs Python {median(gaps[python]) * 1e3:.1f} ms)")


def ticks_beside(meanwhile) -> list[float]:
    """The gaps between the wake-ups of a thread sleeping 1 ms at a time while this one
    runs meanwhile()."""
    stop = threading.Event()
    seen = []

    def tick():
        last = time.perf_counter()
        while not stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            seen.append(now - last)
            last = now
    t = threading.Thread(target=tick)
    t.start()
    time.sleep(0.01)
    meanwhile()
    stop.set()
    t.join()
    return seen
