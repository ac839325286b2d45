"""The control part (`python bench/run.py --only control`): what the polls that let Wasm
code be stopped cost (and fuel), whether calls on two threads compute in parallel, how
long a Python thread waits while Wasm code runs, and how soon a running call stops when
asked (interrupt(), a deadline, Ctrl-C)."""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager

from .builds import build_ours, build_ours_program, program_check_input
from .common import BUILD, KERNELS, NOTES, PROGRAMS, REPO, log, run, wasm_path
from .report import paired_row, ratios_text
from .runtimes import ours, prepare_program, time_kernel, time_program
from .stats import geomean, ratio_of_rounds
from .stopping import stop_latency
from .threads import COUNT_N, ticker_stall, two_threads
from .timing import paired_rounds

# The bar of issue 17 (threads.py and stopping.py have the others): a build with polls
# over one without, geomean of the kernels.
POLL_BAR = 1.03

# The module of examples/control: `forever` loops until stopped, `count(n)` counts to n.
SPIN = REPO / "examples" / "control" / "spin.wasm"
# The no-poll build: POLL() defined away (templates/module.c.j2 defines it #ifndef).
NO_POLLS = ("--cflags=-DPOLL()=",)  # one word: argparse would take "-D..." for an option
INNER = 3  # runs of each build in a turn


@contextmanager
def every_cpu(suite):
    """Unpinned for a while: free to run on every CPU (builds, threads)."""
    pinned = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        if pinned is not None:
            os.sched_setaffinity(0, suite.cpus or pinned)
        yield
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)


def measure(suite) -> None:
    """Every figure of this part, in the suite's report."""
    with every_cpu(suite):  # the builds use every CPU
        builds = build(suite)
    if builds is None:
        return
    # A paired A/B on one thread: pinned, as the kernels are.
    poll_cost(suite, builds)
    fuel_cost(suite, builds)
    # Threads must be free to run on every CPU: unpinned.
    with every_cpu(suite):
        two_threads(suite)
        ticker_stall(suite)
        stop_latency(suite)


# --------------------------------------------------------------------------- builds

def fuel_option() -> bool:
    """Whether this wasm2pyext's `build` takes --fuel."""
    out = run([sys.executable, "-m", "wasm2pyext", "build", "--help"]).stdout
    return "--fuel" in out


def build(suite):
    """The kernels and the programs without polls (and with fuel, where the option exists),
    and examples/control/spin.wasm both ways: {"programs": [...], "fuel": bool}, or None
    when the no-poll builds fail. The programs' builds are cached (a minute for zstd)."""
    out = BUILD / "ours"
    log("control: building the kernels without polls")
    try:
        for k in KERNELS:
            build_ours(wasm_path(k), out, f"w2pnp_{k}", extra=NO_POLLS)
        build_ours(SPIN, out, "w2p_spin")
        build_ours(SPIN, out, "w2pnp_spin", extra=NO_POLLS)
    except subprocess.CalledProcessError as e:
        suite.failures.append(f"control: a build without polls failed: {e.stderr.strip()[-300:]}")
        return None
    if not polls_removed():
        suite.failures.append("control: the build with `--cflags -DPOLL()=` still polls (a deadline stopped its "
                              "count): the poll cost is not measured")
        return None
    programs = []
    log("control: building the programs with and without polls (cached after the first run)")
    for prog in PROGRAMS:
        try:
            build_ours_program(prog, f"w2p_{prog}")
            build_ours_program(prog, f"w2pnp_{prog}", extra=NO_POLLS)
            programs.append(prog)
        except subprocess.CalledProcessError as e:
            suite.failures.append(f"control: building {prog} failed: {(e.stderr or '').strip()[-300:]}")
    fuel = fuel_option()
    if fuel:
        try:
            for k in KERNELS:
                build_ours(wasm_path(k), out, f"w2pf_{k}", extra=("--fuel",))
        except subprocess.CalledProcessError as e:
            suite.failures.append(f"control: a build with --fuel failed: {e.stderr.strip()[-300:]}")
            fuel = False
    else:
        NOTES.append("fuel: not measured, this wasm2pyext's `build` has no --fuel option")
    return {"programs": programs, "fuel": fuel}


def polls_removed() -> bool:
    """Whether the no-poll build really lacks polls: a deadline stops the polled count and
    not the other (which finishes: nothing can stop it)."""
    import wasm2pyext

    def stopped(name: str) -> bool:
        count = ours(name).inst.exports.count
        try:
            with wasm2pyext.deadline(0.001):
                count(COUNT_N // 10)
        except wasm2pyext.Trap:
            return True
        return False
    return stopped("w2p_spin") and not stopped("w2pnp_spin")


# --------------------------------------------------------------------------- poll and fuel cost

def compare(suite, who: dict, names, measure, rounds: int, mismatch, agree=lambda name: True):
    """Two builds side by side ({label: {name: handle}}, the first over the second), each
    name's results compared: ({name: ratio, round by round}, the table's rows). A name
    whose results differ is reported as mismatch(name, first's, second's) and left out."""
    a, b = who
    results, per_round = paired_rounds(who, names, measure, rounds, INNER, suite.cpus)
    ratios, rows = {}, []
    for name in names:
        if results[(a, name)] != results[(b, name)] or not agree(name):
            suite.failures.append(mismatch(name, results[(a, name)], results[(b, name)]))
            continue
        ratios[name] = ratio_of_rounds(per_round, a, b, name)
        rows.append(paired_row(per_round, a, b, name, ratios[name]))
    return ratios, rows


def kernel_time(suite):
    return lambda h, k: time_kernel(h, k, suite.data)


def poll_cost(suite, builds: dict) -> None:
    rounds, p_rounds = (5, 3) if suite.quick else (21, 9)  # the programs' round trips take 50-100 ms
    polled, bare = "wasm2pyext", "wasm2pyext, no polls"
    kernels = [k for k in KERNELS if k not in suite.ours_failed]
    who = {polled: {k: ours(f"w2p_{k}") for k in kernels}, bare: {k: ours(f"w2pnp_{k}") for k in kernels}}
    log(f"control: the poll cost, {rounds} rounds")
    ratios, rows = compare(suite, who, kernels, kernel_time(suite), rounds,
                           lambda k, a, b: f"control: {k} returned {a} with polls and {b} without")
    gm = geomean(ratios.values())
    rows.append(f"| **geomean** | | | **{gm:.3f}x** |")
    prog_ratios = {}
    if builds["programs"]:
        check = program_check_input()
        who = {polled: {}, bare: {}}
        hashes = {}  # (label, program) -> (the check's result, the input's hash)
        for prog in builds["programs"]:
            for label, prefix in ((polled, "w2p"), (bare, "w2pnp")):
                who[label][prog] = ours(f"{prefix}_{prog}")
                hashes[(label, prog)] = prepare_program(who[label][prog], prog, check)
        log(f"control: the poll cost of the programs, {p_rounds} rounds")
        prog_ratios, prog_rows = compare(
            suite, who, builds["programs"], lambda h, prog: time_program(h, prog, ""), p_rounds,
            lambda prog, a, b: f"control: {prog} gave {a} with polls and {b} without",
            lambda prog: hashes[(polled, prog)] == hashes[(bare, prog)])
        rows += prog_rows
    suite.add_table(f"""\
        ## The cost of polling

        Generated code polls a word of its thread's at the head of every loop and on entry
        to every function that calls another (so that it can be stopped and can let the
        GIL go). Each kernel built as usual and built with `--cflags=-DPOLL()=`, which
        leaves the polls out, side by side: {rounds} rounds (programs {p_rounds})
        taking each kernel through both builds in a new random order, {INNER} runs each;
        the ratio is the median over the rounds of the polled build's median time in a
        round over the other's in the same round. Both builds' results were compared.
        The bar: at most {POLL_BAR:.2f}x, geomean of the kernels.

        | kernel | with polls (ms) | without (ms) | ratio, round by round |
        |---|---|---|---|
        """, rows)
    met = "met" if gm <= POLL_BAR else "NOT met"
    suite.headline.append(
        "Polling: kernels with polls over without, round by round: " + ratios_text(ratios, 3)
        + f"; geomean **{gm:.3f}x** (bar {POLL_BAR:.2f}x: {met})"
        + "".join(f"; {p} {v:.3f}x" for p, v in prog_ratios.items()))


def fuel_cost(suite, builds: dict) -> None:
    """Kernels built with --fuel over the usual build, if the option exists. How fuel is
    given is not settled here: a fuel build is timed as it runs by default; a kernel that
    runs out of fuel that way is reported, not timed."""
    import wasm2pyext
    if not builds["fuel"]:
        return
    rounds = 5 if suite.quick else 15
    plain, fuelled = "wasm2pyext", "wasm2pyext --fuel"
    kernels = []
    for k in KERNELS:
        try:
            time_kernel(ours(f"w2pf_{k}"), k, suite.data)
            kernels.append(k)
        except wasm2pyext.Trap as e:
            suite.failures.append(f"fuel: {k} built with --fuel trapped ({e.kind}) when run as it is: not timed")
    if not kernels:
        return
    who = {fuelled: {k: ours(f"w2pf_{k}") for k in kernels}, plain: {k: ours(f"w2p_{k}") for k in kernels}}
    log(f"control: the fuel cost, {rounds} rounds")
    ratios, rows = compare(suite, who, kernels, kernel_time(suite), rounds,
                           lambda k, a, b: f"fuel: {k} returned {a} built with --fuel, {b} without")
    gm = geomean(ratios.values())
    suite.add_table(f"""\
        ## The cost of fuel

        Each kernel built with `--fuel` and as usual, side by side as in the poll table
        ({rounds} rounds); the ratio is the median over the rounds of the fuel build's
        time over the usual build's in the same round.

        | kernel | --fuel (ms) | as usual (ms) | ratio, round by round |
        |---|---|---|---|
        """, rows + [f"| **geomean** | | | **{gm:.3f}x** |"])
    suite.headline.append("Fuel: kernels built with `--fuel` over the usual build: "
                          + ratios_text(ratios, 3) + f"; geomean **{gm:.3f}x**")
