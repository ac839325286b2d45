"""Start-up: a new interpreter -> import -> instantiate -> first result, timed whole and
by the program itself, and counted in instructions; and instantiation in a loop."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .builds import isolated_modules
from .common import BUILD, KERNELS_DIR
from .runtimes import import_from
from .stats import median, paired_difference
from .timing import instructions, interleaved_per_call, make_loop, time_processes

BARE = "bare `python -c pass`"
# The modules started, and each one's first call
FIRST_CALLS = {"sum": "sum(5, 37)", "checksum": "checksum(0)"}
# What each one's first call prints
FIRST_RESULTS = {"sum": "42", "checksum": str(0x9747B28C & 0x7FFFFFFF)}
# Each program also times itself from just before its import to its first result, which
# leaves out the interpreter's own start-up (and most of its noise).
TIMED = ("import time as _t\n_t0 = _t.perf_counter_ns()\n{src}\n"
         "import sys as _s\n_s.stderr.write(f'inprocess-ns {{_t.perf_counter_ns() - _t0}}')")


def programs(suite) -> dict[str, tuple[Path | None, str]]:
    """label -> (the folder it runs in, its source). Each runtime imports from a folder
    holding just these modules: the import system lists the folder, so a fuller build
    folder would cost its runtime more."""
    progs = {BARE: (None, "pass")}

    def modules(folder: str, prefix: str) -> list[Path]:
        return [f for m in FIRST_CALLS for f in (BUILD / folder).glob(f"{prefix}{m}.*so")]
    ours = isolated_modules("ours", modules("ours", "w2p_"))
    theirs = isolated_modules("wasmext", modules("wasmext", "wx_")) if suite.have_wasmext else None
    for m, call in FIRST_CALLS.items():
        wasm, args = str(KERNELS_DIR / (m + '.wasm')), '5, 37' if m == 'sum' else '0'
        progs[f"wasm2pyext, {m}"] = (ours, f"import w2p_{m}; print(w2p_{m}.Instance().exports.{call})")
        if suite.have_wasmext:
            progs[f"wasmext, {m}"] = (theirs, f"import wx_{m}; print(wx_{m}.Instance().{call})")
        if "wasmtime" in suite.py:
            progs[f"wasmtime-py, {m}"] = (None, (
                "import wasmtime as w; e = w.Engine(); s = w.Store(e); "
                f"m = w.Module.from_file(e, {wasm!r}); "
                f"i = w.Instance(s, m, []); print(i.exports(s)[{m!r}](s, {args}))"))
        if "pywasm3" in suite.py:
            progs[f"pywasm3, {m}"] = (None, (
                "import wasm3; e = wasm3.Environment(); r = e.new_runtime(1 << 20); "
                f"r.load(e.parse_module(open({wasm!r}, 'rb').read())); "
                f"print(r.find_function({m!r})({args}))"))
    return progs


def inprocess(stdout: str, stderr: str):
    found = re.search(r"inprocess-ns (\d+)", stderr)
    return int(found.group(1)) * 1e-9 if found else None


def measure(suite) -> None:
    runs = 8 if suite.quick else 60
    progs = programs(suite)
    timed = {label: (cwd, TIMED.format(src=src)) for label, (cwd, src) in progs.items()}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for label, (cwd, src) in timed.items():  # warm the file cache; check the outputs
        p = subprocess.run([sys.executable, "-c", src], cwd=cwd, capture_output=True, text=True, env=env)
        out = p.stdout.strip() if p.returncode == 0 else f"error: {p.stderr.strip()[-200:]}"
        want = FIRST_RESULTS.get(label.rsplit(", ", 1)[-1])
        if want and out != want:
            suite.failures.append(f"start-up, {label}: printed {out!r}")
    samples, inside = time_processes(timed, runs, inprocess, env)
    # Whole-process instructions, which the machine's noise does not move (callgrind;
    # wasmtime-py's compiler under it would take minutes).
    counts = {label: instructions(sys.executable, src, cwd, env) for label, (cwd, src) in progs.items()
              if not label.startswith("wasmtime")}
    report(suite, runs, samples, inside, counts)
    instantiation(suite, list(FIRST_CALLS))


def report(suite, runs: int, samples: dict, inside: dict, counts: dict) -> None:
    med = {k: median(v) for k, v in samples.items()}
    med_in = {k: median(v) for k, v in inside.items()}
    base = med[BARE]

    def added_instructions(label):
        if label == BARE or counts.get(label) is None or counts.get(BARE) is None:
            return ""
        return f"{(counts[label] - counts[BARE]) / 1e6:+.2f}"
    rows = [f"| {k} | {v * 1e3:.1f} | {'' if k == BARE else f'{(v - base) * 1e3:+.1f}'} "
            f"| {'' if k == BARE else f'{med_in[k] * 1e3:.2f}'} | {added_instructions(k)} |"
            for k, v in med.items()]
    suite.add_table(f"""\
        ## Start-up: new interpreter -> import -> instantiate -> first result

        Wall time of `python -c "..."` (a new process each time), medians of {runs}
        interleaved runs; and, timed by the program itself, its import -> instantiate ->
        first result (which leaves out the interpreter's start-up and most of its noise).
        `checksum` is the kernel with the largest memory (258 pages, 16 MB of it zeroed
        data) and its first call is `checksum(0)`; wasmtime-py compiles the .wasm in the
        process (its cache off, the default); pywasm3 interprets it. The last column
        counts the instructions of the whole process under callgrind (PYTHONHASHSEED=0),
        which the machine's noise does not move; it leaves out time in the kernel.

        | program | ms | added over bare Python (ms) | in the process: import -> first result (ms) | instructions added over bare Python (millions) |
        |---|---|---|---|---|
        """, rows)
    # The bar's comparison, run by run: each round runs every program once, so the
    # difference within a round is least moved by the machine's drift between rounds.
    paired = {}
    if suite.have_wasmext:
        for m in FIRST_CALLS:
            ours, theirs = f"wasm2pyext, {m}", f"wasmext, {m}"
            paired[m] = (paired_difference(samples[ours], samples[theirs]),
                         paired_difference(inside[ours], inside[theirs]))
        suite.tables[-1] += ("\nwasm2pyext minus wasmext, paired within each round (median, ms, and the 95% "
                             "interval of that median by resampling the rounds): " + "; ".join(
            f"{m}: whole process {d * 1e3:+.2f} ({lo * 1e3:+.2f} to {hi * 1e3:+.2f}), in the process "
            f"{d_in * 1e3:+.2f} ({lo_in * 1e3:+.2f} to {hi_in * 1e3:+.2f})"
            for m, ((d, (lo, hi)), (d_in, (lo_in, hi_in))) in paired.items()) + "\n")
    parts = []
    for m in FIRST_CALLS:
        s = (f"{m} {(med[f'wasm2pyext, {m}'] - base) * 1e3:+.1f} ms, in the process "
             f"{med_in[f'wasm2pyext, {m}'] * 1e3:.2f} ms")
        if added_instructions(f"wasm2pyext, {m}"):
            s += f", {added_instructions(f'wasm2pyext, {m}')}M instructions"
        if suite.have_wasmext:
            (d, (lo, hi)), _ = paired[m]
            s += (f" (wasmext {(med[f'wasmext, {m}'] - base) * 1e3:+.1f} ms, "
                  f"{med_in[f'wasmext, {m}'] * 1e3:.2f} ms"
                  + (f", {added_instructions(f'wasmext, {m}')}M" if added_instructions(f"wasmext, {m}") else "")
                  + f"; paired difference {d * 1e3:+.2f} ms, 95% interval {lo * 1e3:+.2f} to {hi * 1e3:+.2f})")
        parts.append(s)
    suite.headline.append("Start-up over bare Python: " + "; ".join(parts))


def instantiation(suite, modules: list[str]) -> None:
    """us per new instance, made and dropped in a Python loop (as a program that takes
    a fresh instance for each request does): ours beside wasmext's of the same module."""
    n = 500 if suite.quick else 2000
    loops = {}
    for m in modules:
        loops[("wasm2pyext", m)] = (make_loop("m.Instance()", {"m": import_from(BUILD / "ours", f"w2p_{m}")}), n)
        if suite.have_wasmext:
            loops[("wasmext", m)] = (make_loop("m.Instance()", {"m": import_from(BUILD / "wasmext", f"wx_{m}")}), n)
    med = interleaved_per_call(loops, suite.rounds)
    runtimes = list(dict.fromkeys(rt for rt, _ in loops))
    suite.add_table(f"""\
        ## Instantiation (us per instance)

        `Module.Instance()` from a Python loop, the instance dropped at once (its memory
        reserved, mapped and unmapped each time); {n} a round, medians of {suite.rounds}
        interleaved rounds.

        | module | {" | ".join(runtimes)} |
        |---|{"---|" * len(runtimes)}
        """, [f"| {m} | " + " | ".join(f"{med[(rt, m)] * 1e6:.1f}" for rt in runtimes) + " |" for m in modules])
    suite.headline.append("Instantiation: " + "; ".join(
        f"{m} {med[('wasm2pyext', m)] * 1e6:.1f} us" + (f" (wasmext {med[('wasmext', m)] * 1e6:.1f} us)"
                                                        if suite.have_wasmext else "") for m in modules))
