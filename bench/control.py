"""The control part of the benchmark (`python bench/run.py --only control`): what the
polls that let Wasm code be stopped cost, whether calls on two threads compute in
parallel, how long a Python thread waits while Wasm code runs, and how soon a running
call stops when asked (interrupt(), a deadline, Ctrl-C).

Called from run.py with its Suite, whose builds, report and helpers it shares (`import
run`: run.py makes itself that module also when it runs as __main__).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import run as R

# The bars of issue 17.
POLL_BAR = 1.03          # a build with polls over one without, geomean of the kernels
THREADS_BAR = 1.8        # throughput of two threads over one, for calls of at least LONG_CALL
LONG_CALL = 0.05         # seconds: a call long enough for the two-thread bar
STOP_BAR = 0.010         # seconds from a request to stop to the exception
GUARD = 2.0              # seconds after which a stop request counts as lost

# The module of examples/control: `forever` loops until stopped, `count(n)` counts to n.
SPIN = Path(__file__).resolve().parent.parent / "examples" / "control" / "spin.wasm"
# count(n) for about 0.2 s on the machine of the first results (10**9 in about a second)
COUNT_N = 200_000_000
# The no-poll build: POLL() defined away (templates/module.c.j2 defines it #ifndef).
NO_POLLS = ("--cflags=-DPOLL()=",)  # one word: argparse would take "-D..." for an option


def measure(suite) -> None:
    """Every figure of this part, in the suite's report."""
    import wasm2pyext
    global Trap
    Trap = wasm2pyext.Trap
    pinned = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        if pinned is not None:
            os.sched_setaffinity(0, suite.cpus or pinned)  # the builds use every CPU
        builds = build(suite)
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)
    if builds is None:
        return
    # A paired A/B on one thread: pinned, as the kernels are.
    poll_cost(suite, builds)
    fuel_cost(suite, builds)
    # Threads must be free to run on every CPU: unpinned.
    try:
        if pinned is not None:
            os.sched_setaffinity(0, suite.cpus or pinned)
        two_threads(suite)
        ticker_stall(suite)
        stop_latency(suite)
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)


# --------------------------------------------------------------------------- builds

def fuel_option() -> bool:
    """Whether this wasm2pyext's `build` takes --fuel."""
    out = R.run([sys.executable, "-m", "wasm2pyext", "build", "--help"]).stdout
    return "--fuel" in out


def build(suite):
    """The kernels and the programs without polls (and with fuel, where the option exists),
    and examples/control/spin.wasm both ways: {"programs": [...], "fuel": bool}, or None
    when the no-poll builds fail. The programs' builds are cached (a minute for zstd)."""
    out = R.BUILD / "ours"
    R.log("control: building the kernels without polls")
    try:
        for k in R.KERNELS:
            R.build_ours(R.wasm_path(k), out, f"w2pnp_{k}", extra=NO_POLLS)
        R.build_ours(SPIN, out, "w2p_spin")
        R.build_ours(SPIN, out, "w2pnp_spin", extra=NO_POLLS)
    except subprocess.CalledProcessError as e:
        suite.failures.append(f"control: a build without polls failed: {e.stderr.strip()[-300:]}")
        return None
    if not polls_removed():
        suite.failures.append("control: the build with `--cflags -DPOLL()=` still polls (a deadline stopped its "
                              "count): the poll cost is not measured")
        return None
    programs = []
    R.log("control: building the programs with and without polls (cached after the first run)")
    for prog in R.PROGRAMS:
        try:
            suite.build_ours_program(prog, f"w2p_{prog}")
            suite.build_ours_program(prog, f"w2pnp_{prog}", extra=NO_POLLS)
            programs.append(prog)
        except subprocess.CalledProcessError as e:
            suite.failures.append(f"control: building {prog} failed: {(e.stderr or '').strip()[-300:]}")
    fuel = fuel_option()
    if fuel:
        try:
            for k in R.KERNELS:
                R.build_ours(R.wasm_path(k), out, f"w2pf_{k}", extra=("--fuel",))
        except subprocess.CalledProcessError as e:
            suite.failures.append(f"control: a build with --fuel failed: {e.stderr.strip()[-300:]}")
            fuel = False
    else:
        R.NOTES.append("fuel: not measured, this wasm2pyext's `build` has no --fuel option")
    return {"programs": programs, "fuel": fuel}


def polls_removed() -> bool:
    """Whether the no-poll build really lacks polls: a deadline stops the polled count and
    not the other (which finishes: nothing can stop it)."""
    import wasm2pyext

    def stopped(name: str) -> bool:
        count = R.import_from(R.BUILD / "ours", name).Instance().exports.count
        try:
            with wasm2pyext.deadline(0.001):
                count(COUNT_N // 10)
        except Trap:
            return True
        return False
    return stopped("w2p_spin") and not stopped("w2pnp_spin")


# --------------------------------------------------------------------------- poll cost

def paired_rounds(suite, who: dict, names, measure, rounds: int, inner: int):
    """Rounds that take each name through each of `who` ({label: {name: handle}}) in a new
    random order, `inner` runs each: ({(label, name): result}, {(label, name): {round:
    median seconds}}). Pinned as the kernels are, the quicker CPU probed before each turn."""
    results, per_round = {}, {}
    for r in range(rounds):
        for name in random.sample(list(names), len(names)):
            if len(suite.cpus) > 1:
                R.pin_to_quietest_cpu(suite.cpus, probes=2)
            for label in random.sample(list(who), len(who)):
                h = who[label][name]
                if r == 0:
                    measure(h, name)  # warm-up
                ts = []
                for _ in range(inner):
                    res, t = measure(h, name)
                    results[(label, name)] = res
                    ts.append(t)
                per_round.setdefault((label, name), {})[r] = R.median(ts)
        R.log(f"  round {r + 1}/{rounds} done")
    return results, per_round


def ratio_of_rounds(per_round: dict, a: str, b: str, name: str) -> float:
    """The median over the rounds of a's time over b's in the same round."""
    ta, tb = per_round[(a, name)], per_round[(b, name)]
    return R.median([ta[r] / tb[r] for r in ta if r in tb])


def ratio_row(per_round: dict, a: str, b: str, name: str, ratio: float) -> str:
    """A table row: name, a's and b's median times (ms) and the ratio of a over b."""
    return (f"| {name} | {R.median(per_round[(a, name)].values()) * 1e3:.2f} | "
            f"{R.median(per_round[(b, name)].values()) * 1e3:.2f} | {ratio:.3f}x |")


def poll_cost(suite, builds: dict) -> None:
    rounds, p_rounds = (5, 3) if suite.quick else (21, 9)  # the programs' round trips take 50-100 ms
    inner = 3
    polled, bare = "wasm2pyext", "wasm2pyext, no polls"
    load = lambda prefix, k: R.OursHandle(R.import_from(R.BUILD / "ours", f"{prefix}_{k}"))  # noqa: E731
    kernels = [k for k in R.KERNELS if k not in suite.ours_failed]
    who = {polled: {k: load("w2p", k) for k in kernels}, bare: {k: load("w2pnp", k) for k in kernels}}
    R.log(f"control: the poll cost, {rounds} rounds")
    results, per_round = paired_rounds(suite, who, kernels, lambda h, k: R.time_kernel(h, k, suite.data),
                                       rounds, inner)
    rows, ratios = [], {}
    for k in kernels:
        if results[(polled, k)] != results[(bare, k)]:
            suite.failures.append(f"control: {k} returned {results[(polled, k)]} with polls and "
                                  f"{results[(bare, k)]} without")
            continue
        ratios[k] = ratio_of_rounds(per_round, polled, bare, k)
        rows.append(ratio_row(per_round, polled, bare, k, ratios[k]))
    gm = R.geomean(ratios.values())
    rows.append(f"| **geomean** | | | **{gm:.3f}x** |")

    prog_ratios = {}
    if builds["programs"]:
        check = R.program_check_input()
        who = {polled: {}, bare: {}}
        hashes = {}
        for prog in builds["programs"]:
            for label, prefix in ((polled, "w2p"), (bare, "w2pnp")):
                h = load(prefix, prog)
                hashes[(label, prog)] = R.prepare_program(h, prog, check)  # (the check's result, the input's hash)
                who[label][prog] = h
        R.log(f"control: the poll cost of the programs, {p_rounds} rounds")
        results, per_round = paired_rounds(
            suite, who, builds["programs"],
            lambda h, prog: R.time_program(h, prog, ""), p_rounds, inner)
        for prog in builds["programs"]:
            if results[(polled, prog)] != results[(bare, prog)] or hashes[(polled, prog)] != hashes[(bare, prog)]:
                suite.failures.append(f"control: {prog} gave {results[(polled, prog)]} with polls and "
                                      f"{results[(bare, prog)]} without")
                continue
            prog_ratios[prog] = ratio_of_rounds(per_round, polled, bare, prog)
            rows.append(ratio_row(per_round, polled, bare, prog, prog_ratios[prog]))
    suite.tables.append(textwrap.dedent(f"""\
        ## The cost of polling

        Generated code polls a word of its thread's at the head of every loop and on entry
        to every function that calls another (so that it can be stopped and can let the
        GIL go). Each kernel built as usual and built with `--cflags=-DPOLL()=`, which
        leaves the polls out, side by side: {rounds} rounds (programs {p_rounds})
        taking each kernel through both builds in a new random order, {inner} runs each;
        the ratio is the median over the rounds of the polled build's median time in a
        round over the other's in the same round. Both builds' results were compared.
        The bar: at most {POLL_BAR:.2f}x, geomean of the kernels.

        | kernel | with polls (ms) | without (ms) | ratio, round by round |
        |---|---|---|---|
        """) + "\n".join(rows) + "\n")
    met = "met" if gm <= POLL_BAR else "NOT met"
    suite.headline.append(
        "Polling: kernels with polls over without, round by round: "
        + ", ".join(f"{k} {v:.3f}x" for k, v in ratios.items())
        + f"; geomean **{gm:.3f}x** (bar {POLL_BAR:.2f}x: {met})"
        + "".join(f"; {p} {v:.3f}x" for p, v in prog_ratios.items()))


# --------------------------------------------------------------------------- fuel

def fuel_cost(suite, builds: dict) -> None:
    """Kernels built with --fuel over the usual build, if the option exists. How fuel is
    given is not settled here: a fuel build is timed as it runs by default; a kernel that
    runs out of fuel that way is reported, not timed."""
    if not builds["fuel"]:
        return
    rounds = 5 if suite.quick else 15
    plain, fuelled = "wasm2pyext", "wasm2pyext --fuel"
    load = lambda prefix, k: R.OursHandle(R.import_from(R.BUILD / "ours", f"{prefix}_{k}"))  # noqa: E731
    kernels = []
    for k in R.KERNELS:
        try:
            R.time_kernel(load("w2pf", k), k, suite.data)
            kernels.append(k)
        except Trap as e:
            suite.failures.append(f"fuel: {k} built with --fuel trapped ({e.kind}) when run as it is: not timed")
    if not kernels:
        return
    who = {plain: {k: load("w2p", k) for k in kernels}, fuelled: {k: load("w2pf", k) for k in kernels}}
    R.log(f"control: the fuel cost, {rounds} rounds")
    results, per_round = paired_rounds(suite, who, kernels, lambda h, k: R.time_kernel(h, k, suite.data),
                                       rounds, 3)
    ratios = {k: ratio_of_rounds(per_round, fuelled, plain, k) for k in kernels
              if results[(fuelled, k)] == results[(plain, k)]}
    for k in kernels:
        if k not in ratios:
            suite.failures.append(f"fuel: {k} returned {results[(fuelled, k)]} built with --fuel, "
                                  f"{results[(plain, k)]} without")
    gm = R.geomean(ratios.values())
    rows = [ratio_row(per_round, fuelled, plain, k, v) for k, v in ratios.items()]
    suite.tables.append(textwrap.dedent(f"""\
        ## The cost of fuel

        Each kernel built with `--fuel` and as usual, side by side as in the poll table
        ({rounds} rounds); the ratio is the median over the rounds of the fuel build's
        time over the usual build's in the same round.

        | kernel | --fuel (ms) | as usual (ms) | ratio, round by round |
        |---|---|---|---|
        """) + "\n".join(rows) + f"\n| **geomean** | | | **{gm:.3f}x** |\n")
    suite.headline.append("Fuel: kernels built with `--fuel` over the usual build: "
                          + ", ".join(f"{k} {v:.3f}x" for k, v in ratios.items()) + f"; geomean **{gm:.3f}x**")


# --------------------------------------------------------------------------- two threads

class Count:
    """spin.wasm's count(n) as a kernel: one long call that only loops."""

    def __init__(self, n: int):
        self.f = R.import_from(R.BUILD / "ours", "w2p_spin").Instance().exports.count
        self.n = n

    def __call__(self):
        t0 = time.perf_counter()
        r = self.f(self.n)
        return str(r), time.perf_counter() - t0


def two_threads(suite) -> None:
    """Two instances on two threads at once against one thread making the same calls
    one after the other; beside them the native build, through ctypes (which lets the GIL
    go): what the machine itself gives two threads in that moment."""
    rounds = 2 if suite.quick else 5
    native_lib = suite.native.get("gcc") or next(iter(suite.native.values()), None)
    if native_lib is not None:
        # a second copy of the library: its own static data for the second thread
        twin = R.BUILD / f"{native_lib.stem}-twin.so"
        twin.write_bytes(native_lib.read_bytes())
    jobs = {}  # name -> {label: [a run on one instance, a run on the other]}: (result, seconds)
    for k in R.KERNELS:
        if k in suite.ours_failed:
            continue
        ours = [R.OursHandle(R.import_from(R.BUILD / "ours", f"w2p_{k}")) for _ in range(2)]
        jobs[k] = {"wasm2pyext": [lambda h=h, k=k: R.time_kernel(h, k, suite.data) for h in ours]}
        if native_lib is not None:
            natives = [R.NativeHandle(native_lib), R.NativeHandle(twin)]
            jobs[k]["native gcc -O2"] = [lambda h=h, k=k: R.time_kernel(h, k, suite.data) for h in natives]
    jobs["count"] = {"wasm2pyext": [Count(COUNT_N), Count(COUNT_N)]}
    # how many calls a thread makes: about 0.2 s of work each
    reps, single, expected = {}, {}, {}
    for name, by in jobs.items():
        t = R.median([by["wasm2pyext"][0]()[1] for _ in range(3)])
        single[name] = t
        reps[name] = max(1, round(0.2 / t))
        for label, (a, b) in by.items():
            expected[(label, name)] = {a()[0], b()[0]}
            if len(expected[(label, name)]) != 1:
                suite.failures.append(f"two threads, {label} {name}: the two instances disagree on one thread")
    R.log(f"control: two threads, {rounds} rounds")
    load_before = os.getloadavg()[0]
    ratios, cpus = {}, {}  # (label, name) -> {round: ratio}; -> [CPUs busy in the parallel runs]
    for r in range(rounds):
        for name in random.sample(list(jobs), len(jobs)):
            for label in random.sample(list(jobs[name]), len(jobs[name])):
                a, b = jobs[name][label]
                n = reps[name]
                t0 = time.perf_counter()
                for f in (a, b):
                    for _ in range(n):
                        f()
                serial = time.perf_counter() - t0
                start = threading.Barrier(3)
                errors = []

                def work(f, n=n, expect=expected[(label, name)]):
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
                parallel, cpu = time.perf_counter() - t0, time.process_time() - c0
                if errors:
                    suite.failures.append(f"two threads, {label} {name}: {type(errors[0]).__name__}: {errors[0]}")
                    continue
                ratios.setdefault((label, name), {})[r] = serial / parallel
                cpus.setdefault((label, name), []).append(cpu / parallel)
        R.log(f"  round {r + 1}/{rounds} done")
    load = f"the load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    labels = ["wasm2pyext", "native gcc -O2"]
    rows = []
    med = {key: R.median(v.values()) for key, v in ratios.items()}
    for name in jobs:
        cells = [f"{med[(lb, name)]:.2f}x" if (lb, name) in med else "-" for lb in labels]
        ours, native = ratios.get(("wasm2pyext", name), {}), ratios.get(("native gcc -O2", name), {})
        paired = [ours[r] / native[r] for r in ours if r in native]
        cells.append(f"{R.median(paired):.2f}x" if paired else "-")
        cells += [f"{R.median(cpus[(lb, name)]):.2f}" if (lb, name) in cpus else "-" for lb in labels]
        rows.append(f"| {name} | {single[name] * 1e3:.1f} | {reps[name]} | " + " | ".join(cells) + " |")
    long_calls = [n for n in jobs if single[n] >= LONG_CALL and ("wasm2pyext", n) in med]
    worst = min((med[("wasm2pyext", n)] for n in long_calls), default=float("nan"))
    suite.tables.append(textwrap.dedent(f"""\
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
        """) + "\n".join(rows) + "\n")
    met = "met" if worst >= THREADS_BAR else "NOT met"
    suite.headline.append(
        "Two threads, two instances, throughput over one thread: "
        + ", ".join(f"{n} {med[('wasm2pyext', n)]:.2f}x" for n in jobs if ("wasm2pyext", n) in med)
        + f" (calls of {LONG_CALL * 1e3:.0f} ms or more: {', '.join(long_calls)}; bar {THREADS_BAR}x: **{met}**; "
        + ", ".join(f"{n} {R.median(cpus[('wasm2pyext', n)]):.2f}" for n in long_calls)
        + f" CPUs busy; {load})"
        + ("; native through ctypes, the machine's own: "
           + ", ".join(f"{n} {med[('native gcc -O2', n)]:.2f}x" for n in jobs if ("native gcc -O2", n) in med)
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
    for _ in range(rounds):
        for case in random.sample(list(cases), len(cases)):
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
            cases[case]()
            stop.set()
            t.join()
            gaps[case].append(max(seen))
            medians[case].append(R.median(seen))
    rows = [f"| {c} | {R.median(medians[c]) * 1e3:.2f} | {R.median(gaps[c]) * 1e3:.2f} | {max(gaps[c]) * 1e3:.2f} |"
            for c in cases]
    suite.tables.append(textwrap.dedent(f"""\
        ### A Python thread beside a long call

        A Python thread loops on `time.sleep(0.001)` and records the time between its
        wake-ups while the main thread does something else; its largest gap is how long
        the main thread kept it from running. {rounds} rounds, unpinned; a Python loop
        keeps the GIL for the interpreter's switch interval
        ({sys.getswitchinterval() * 1e3:.0f} ms) at a time.

        | meanwhile | median gap (ms) | largest gap, median of rounds (ms) | largest gap of all (ms) |
        |---|---|---|---|
        """) + "\n".join(rows) + "\n")
    wasm = list(cases)[1]
    suite.headline.append(
        f"A Python thread ticking every 1 ms while a {duration * 1e3:.0f} ms Wasm call runs: largest gap "
        f"**{R.median(gaps[wasm]) * 1e3:.1f} ms** (median of {rounds} rounds; while the main thread sleeps "
        f"{R.median(gaps[list(cases)[0]]) * 1e3:.1f} ms, runs Python {R.median(gaps[list(cases)[2]]) * 1e3:.1f} ms)")


# --------------------------------------------------------------------------- stopping

def stop_latency(suite) -> None:
    """Time from a request to stop `forever` (a `(loop (br 0))`) to the exception in the
    caller: instance.interrupt() from another thread, a deadline's overshoot, SIGINT sent
    by another thread (os.kill). Each request comes 0-30 ms into the call, at random."""
    import wasm2pyext
    n = 8 if suite.quick else 30
    inst = R.import_from(R.BUILD / "ours", "w2p_spin").Instance()
    forever = inst.exports.forever
    figures = {"`instance.interrupt()` from another thread": [],
               "`wasm2pyext.deadline(s)`: time past the deadline": [],
               "SIGINT (os.kill from another thread): KeyboardInterrupt": []}
    interrupt, deadline, sigint = figures
    bad = []

    lost = {}  # kind -> requests that did not stop the call within GUARD seconds (ms into the call)

    def stop_one(which: str, delay: float) -> None:
        """One call of `forever`, stopped by `which` `delay` s into it. A guard thread
        interrupts a call that a request has not stopped within GUARD s (and the figure is
        counted as lost), so that a lost request cannot hang the bench."""
        asked, done = [], threading.Event()

        def request():
            time.sleep(delay)
            asked.append(time.perf_counter())
            if which == interrupt:
                while inst.interrupt() is False:  # before the call began: nothing to stop yet
                    time.sleep(0.0005)
                    asked[0] = time.perf_counter()
            elif which == sigint:
                os.kill(os.getpid(), signal.SIGINT)

        def guard():
            if which != deadline:
                request()
            if not done.wait(GUARD):
                lost.setdefault(which, []).append(f"{delay * 1e3:.1f}")
                while not done.wait(0.1):
                    inst.interrupt()
        t = threading.Thread(target=guard)
        if which == deadline:
            asked.append(time.perf_counter() + delay)
        try:
            try:
                t.start()
                if which == deadline:
                    with wasm2pyext.deadline(delay):
                        forever()
                else:
                    forever()
                bad.append(f"{which}: the call returned")
            finally:
                stopped = time.perf_counter()
                done.set()
                t.join()
        except Trap as e:
            if e.kind != "interrupted":
                bad.append(f"{which}: Trap {e.kind}")
            elif which != sigint and stopped - asked[0] < GUARD:
                figures[which].append(stopped - asked[0])
            elif which == sigint:  # stopped by the guard: the lost signal's exception may follow
                try:
                    time.sleep(0.01)
                except KeyboardInterrupt:
                    pass
        except KeyboardInterrupt:
            if which != sigint:
                raise
            figures[which].append(stopped - asked[0])

    # A process started in the background by a shell without job control inherits SIGINT
    # ignored, and Python then leaves it so: Ctrl-C as a user's terminal sends it needs
    # Python's handler, which the runtime finds on its next look at the handlers.
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for _ in range(n):
            for which in random.sample(list(figures), len(figures)):
                try:
                    stop_one(which, random.uniform(0.0, 0.03))
                except KeyboardInterrupt:  # a lost SIGINT's, raised after the guard's interrupt
                    pass
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    for which, delays in lost.items():
        suite.failures.append(f"stop latency: {len(delays)} of {n} requests by {which} did not stop the call "
                              f"within {GUARD:.0f} s (a guard thread interrupted it then); they came "
                              f"{', '.join(delays)} ms into the call")
    suite.failures += [f"stop latency: {b}" for b in bad]
    rows = [f"| {w} | {len(v)} | {len(lost.get(w, []))} | {R.median(v) * 1e3:.2f} | "
            f"{max(v, default=float('nan')) * 1e3:.2f} |" for w, v in figures.items()]
    note = (" This process was started with SIGINT ignored (in the background, by a shell without job\n"
            "control): Python's handler was set for these figures." if ignored else "")
    medians = [R.median(v) for v in figures.values()]
    met = "met" if not lost and all(m <= STOP_BAR for m in medians) else "NOT met"
    suite.tables.append(textwrap.dedent(f"""\
        ## Stopping a running call

        examples/control/spin.wasm's `forever` (a `(loop (br 0))`) called on the main
        thread and stopped 0-30 ms into the call, at random: the time from the request
        (the other thread's call of `interrupt()`, the deadline, `os.kill`) to the `Trap`
        or `KeyboardInterrupt` in the caller. Unpinned, {n} of each, interleaved. A
        request that has not stopped the call {GUARD:.0f} s later counts as lost (a guard
        thread then interrupts the call). The bar: {STOP_BAR * 1e3:.0f} ms, none lost.{note}

        | request | stops | lost | median (ms) | largest (ms) |
        |---|---|---|---|---|
        """) + "\n".join(rows) + "\n")
    suite.headline.append(
        "Stopping a running call, median (largest): "
        + "; ".join(f"{w.split(':')[0]} {R.median(v) * 1e3:.2f} ms ({max(v, default=float('nan')) * 1e3:.2f})"
                    for w, v in figures.items())
        + "".join(f"; {w.split(':')[0]} lost {len(d)} of {n}" for w, d in lost.items())
        + f" (bar {STOP_BAR * 1e3:.0f} ms, none lost: **{met}**)")


Trap = Exception  # wasm2pyext.Trap, once measure() has imported wasm2pyext
