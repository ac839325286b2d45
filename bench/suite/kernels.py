"""The kernels (bench/kernels/): each one's time in every runtime and its ratio to the
faster native build, over all rounds and round by round."""
from __future__ import annotations

import collections

from .common import KERNELS, NATIVE_LABELS, WASM2C, log
from .report import columns, geomean_row, median_ratio_table, ratios_text, time_tables
from .runtimes import load_handles, native_runtimes, run_harness, time_kernel
from .stats import median, round_ratios
from .timing import interleaved, pin_to_quietest_cpu

# A kernel's round counts as quiet when its faster native build ran within this factor of
# its quickest time in the run (the machine of 2026-12-01 had states about 1.8x apart).
QUIET_NATIVE = 1.15


def measure(suite) -> None:
    log(f"kernels: {suite.kernel_rounds} rounds")
    inner = 2 if suite.quick else 3
    # Every runtime runs in this process but wasm2c's output, which is an executable:
    # its runtime's signal handler would contend with ours here.
    runtimes = native_runtimes({cc: (lambda k, lib=lib: lib) for cc, lib in suite.native.items()})
    runtimes.update(suite.py)
    labels = {k: rt.label for k, rt in runtimes.items()}
    if suite.wasm2c:
        labels[WASM2C] = WASM2C
    handles = load_handles(runtimes, KERNELS, lambda who, k: who == "wasm2pyext" and k in suite.ours_failed,
                           suite.failures)
    results, times, rounds = time_rounds(suite, runtimes, labels, handles, inner)
    # agreement with native clang (the reference) before any timing counts
    ref_who = NATIVE_LABELS[0] if NATIVE_LABELS[0] in labels else next(iter(labels))
    ok = {}
    for (who, k), res in results.items():
        ref = results.get((ref_who, k))
        ok[(who, k)] = res == ref
        if res != ref:
            suite.failures.append(f"{labels[who]}: {k} returned {res}, native C {ref}: WRONG RESULT, "
                                  "its timing is not counted")
    med = {key: median(ts) for key, ts in times.items() if ok.get(key)}
    headline = tables(suite, labels, med, results, inner)
    paired_ratios(suite, rounds, ok, labels)
    if headline:
        suite.headline.append(headline)


def time_rounds(suite, runtimes: dict, labels: dict, handles: dict, inner: int):
    """A round takes one kernel at a time through every runtime, in a new order each time,
    re-pinned to the quicker CPU before each kernel. ({(who, kernel): result},
    {(who, kernel): [seconds]}, {(who, kernel): {round: median of its runs}})."""
    times = collections.defaultdict(list)
    rounds = collections.defaultdict(dict)
    results = {}

    def repin():
        cpu, speed = pin_to_quietest_cpu(suite.cpus, probes=2)
        suite.repins.append((cpu, speed[cpu]))
    for r, k, who in interleaved(suite.kernel_rounds, KERNELS, labels, repin if len(suite.cpus) > 1 else None,
                                 log_rounds=True):
        n_before = len(times[(who, k)])
        if who == WASM2C:
            results[(who, k)], ts = run_harness(suite.wasm2c, inner, [k])[k]
            times[(who, k)] += ts
        else:
            suite.python_round(who, runtimes[who], r, inner, [k], handles,
                               lambda h, k: time_kernel(h, k, suite.data), results, times, labels)
        if len(times[(who, k)]) > n_before:
            rounds[(who, k)][r] = median(times[(who, k)][n_before:])
    return results, times, rounds


def tables(suite, labels: dict, med: dict, results: dict, inner: int) -> str:
    """The time and ratio tables, over all rounds; returns their headline ("" if ours did
    not run)."""
    cols = columns(labels)
    lines, ratio_rows, ratios = time_tables("kernel", KERNELS, cols, labels, med, results, suite.ours_failed)
    gm, complete = geomean_row(ratio_rows, "**geomean**", cols, [ratios], len(KERNELS))
    suite.kernel_ratios = ratios
    args = ", ".join(f"{k}({v if k != 'checksum' else '16 MB'})" for k, v in KERNELS.items())
    suite.add_table(f"""\
        ## Kernels

        {args}; inputs made by the kernels themselves from a seed (the checksum's 16 MB
        are written from Python, and its time includes copying them in and back out:
        through the memory buffer, or for the native builds with `ctypes.memmove` and
        `ctypes.string_at`). The native builds are shared libraries called through
        ctypes in this process, like the Wasm runtimes (a call costs about a
        microsecond; the shortest kernel takes milliseconds); wasm2c's output is an
        executable timing itself. Every runtime's results were checked against native
        clang before its timings counted. Ratios are to the faster of the two native
        builds of each kernel (lower is better); medians over {suite.kernel_rounds} rounds of
        {inner} runs (pywasm3: fewer, one run a round), each round taking one kernel at a
        time through every runtime in a new random order.

        Time (ms, median):

        """, lines + ["", "Ratio to the faster native build:", ""] + ratio_rows)
    ours = ratios.get("wasm2pyext", {})
    if not ours:
        return ""
    return ("Kernels vs the faster native build: " + ratios_text(ours) + f"; geomean **{gm['wasm2pyext']:.2f}x**"
            + "".join(f"; {labels[c]} {gm[c]:.2f}x" for c in cols if c != "wasm2pyext" and complete[c]
                      and not c.startswith("native")))


def paired_ratios(suite, rounds: dict, ok: dict, labels: dict) -> None:
    """Each runtime's time in each round over the faster native build's in the same
    round, a fraction of a second before or after: the machine may change speed
    between rounds, but seldom within one. Writes a table of the medians of those
    per-round ratios over every round, and one over the quiet turns only: the rounds
    in which that kernel's faster native build ran within QUIET_NATIVE of its quickest
    time in the run. Contention does not slow every kind of code alike (bench/LIMITS.md):
    the two tables say how much of a ratio is the machine's."""
    refs = [n for n in NATIVE_LABELS if n in labels]
    if not refs:
        return
    native = collections.defaultdict(dict)  # kernel -> {round: the faster native build's time}
    for (who, k), per_round in rounds.items():
        if who in refs:
            for r, t in per_round.items():
                native[k][r] = min(t, native[k].get(r, t))
    quiet = {(r, k) for k, ts in native.items() for r, t in ts.items() if t <= QUIET_NATIVE * min(ts.values())}
    paired = {(who, k): round_ratios(per_round, native[k])
              for (who, k), per_round in rounds.items() if who not in refs and ok.get((who, k))}
    paired = {key: ratios for key, ratios in paired.items() if ratios}
    cols = [w for w in labels if any((w, k) in paired for k in KERNELS)]
    rows, per, gm, complete = median_ratio_table(KERNELS, paired, cols, labels, lambda r, k: True)
    suite.add_table("""\
        ### Kernels, round by round

        Each runtime's median time in a round divided by the faster native build's in
        the same round, medians over the rounds: a figure that the machine's changes of
        speed between rounds move less than the medians above.

        """, rows)
    if per.get("wasm2pyext"):
        suite.headline.append(
            "Kernels round by round against native: " + ratios_text(per["wasm2pyext"])
            + f"; geomean **{gm['wasm2pyext']:.2f}x**"
            + "".join(f"; {labels[c]} {gm[c]:.2f}x" for c in cols if c != "wasm2pyext" and complete[c]))
    rows, per, gm, complete = median_ratio_table(KERNELS, paired, cols, labels, lambda r, k: (r, k) in quiet)
    counts = ", ".join(f"{k} {sum(1 for _, q in quiet if q == k)}" for k in KERNELS)
    suite.add_table(f"""\
        ### Kernels, round by round, quiet turns only

        The same ratios over the rounds in which the kernel's faster native build ran
        within {QUIET_NATIVE:.2f}x of its quickest time in this run ({counts} of
        {suite.kernel_rounds} rounds): the machine was then in its fast state, or near it.
        Choosing rounds by the native time favours rounds where native ran fast by
        chance, which can raise these ratios by a few percent.

        """, rows)
    if per.get("wasm2pyext") and complete.get("wasm2pyext"):
        suite.headline.append(
            "The same in the quiet turns: " + ratios_text(per["wasm2pyext"])
            + f"; geomean **{gm['wasm2pyext']:.2f}x**")
