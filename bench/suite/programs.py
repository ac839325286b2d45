"""The programs (bench/programs/): lz4 and zstd round trips in every runtime, their
results checked against a reference Wasm build, and their ratios to native."""
from __future__ import annotations

import collections
import subprocess
import textwrap

from .common import KERNELS, NATIVE_CFLAGS, PROGRAMS, WASM2C, log
from .report import columns, geomean_row, ratios_text, time_tables
from .runtimes import load_handles, native_runtimes, prepare_program, run_program_harness, time_program
from .stats import median
from .timing import interleaved

# The Wasm builds, in the order the reference is chosen in: the first that ran
WASM_KINDS = (WASM2C, "wasmtime", "wasmext", "pywasm3", "wasm2pyext")


def measure(suite) -> None:
    log(f"programs: {suite.rounds} rounds")
    inner = 2 if suite.quick else 3
    # As for the kernels: every runtime in this process but wasm2c's output, and a round
    # taking one program at a time through every runtime.
    runtimes = native_runtimes({cc: (lambda prog, cc=cc: suite.native_programs[(cc, prog)]) for cc in NATIVE_CFLAGS
                                if any(c == cc for c, _ in suite.native_programs)})
    runtimes.update(suite.py)
    labels = {k: rt.label for k, rt in runtimes.items()}
    if suite.wasm2c_programs:
        labels[WASM2C] = WASM2C
    input_hashes = {}
    results, checks = {}, {}  # (who, program) -> "INPUT_HASH/RESULT/SIZE", "RESULT/SIZE" of the check

    def prepare(who, h, prog):
        checks[(who, prog)], input_hashes[(who, prog)] = prepare_program(h, prog, suite.check_data)

    def skip(who, prog):
        return (who == "wasm2pyext" and prog in suite.ours_failed) or (
            who == "wasmext" and prog not in suite.wasmext_programs)
    handles = load_handles(runtimes, PROGRAMS, skip, suite.failures, prepare)
    times = collections.defaultdict(list)
    for r, prog, who in interleaved(suite.rounds, PROGRAMS, labels, log_rounds=True):
        if who == WASM2C:
            run_wasm2c(suite, prog, inner, checks, results, times)
            continue
        rt = runtimes[who]
        suite.python_round(who, rt, r, inner, [prog], handles,
                           lambda h, prog, who=who: time_program(h, prog, input_hashes[(who, prog)]),
                           results, times, labels, warm_up=bool(rt.inner_scale))
    ok = check(suite, results, checks, labels)
    med = {key: median(ts) for key, ts in times.items() if ok.get(key)}
    tables(suite, labels, med, results, ok, inner)


def run_wasm2c(suite, prog: str, inner: int, checks: dict, results: dict, times: dict) -> None:
    """A turn of wasm2c's harness of `prog`, dropped from the rounds if it fails."""
    if prog not in suite.wasm2c_programs:
        return
    try:
        checks[(WASM2C, prog)], results[(WASM2C, prog)], ts = run_program_harness(
            suite.wasm2c_programs[prog], prog, inner)
        times[(WASM2C, prog)] += ts
    except (subprocess.CalledProcessError, IndexError) as e:
        suite.failures.append(f"{WASM2C}: {prog} failed: {e}")
        del suite.wasm2c_programs[prog]


def check(suite, results: dict, checks: dict, labels: dict) -> dict:
    """Which (runtime, program) results count. Every Wasm runtime must match the reference
    Wasm build (wasm2c's, else wasmtime's) exactly, in the timed and the checked round
    trip; a native build must hash the same input and pass both round trips (its
    compressed bytes may differ: 64-bit code paths)."""
    ref_who = next((w for w in WASM_KINDS if any((w, p) in results for p in PROGRAMS)), None)
    suite.wasm_reference = ref_who
    ok = {}
    for (who, prog), res in results.items():
        ref, ref_check = results.get((ref_who, prog)), checks.get((ref_who, prog))
        parts = res.split("/")
        passed = len(parts) == 3 and int(parts[1]) >= 0 and int(checks.get((who, prog), "-1/0").split("/")[0]) >= 0
        if who in WASM_KINDS:
            passed = passed and res == ref and checks.get((who, prog)) == ref_check
        elif ref:
            passed = passed and parts[0] == ref.split("/")[0]
        ok[(who, prog)] = passed
        if not passed:
            suite.failures.append(
                f"{labels[who]}: {prog} returned {res} (input hash/result/compressed size) and {checks.get((who, prog))}"
                f" for the check; {labels.get(ref_who, '-')}: {ref} and {ref_check}: WRONG RESULT, its timing is not"
                " counted (negative results: -1 input too big, -2 no memory, -3 compression failed, -4 decompression"
                " failed, -5 wrong size, -6 different bytes)")
    return ok


def sizes(suite, results: dict, ok: dict) -> list[str]:
    """Each program's input and compressed sizes, for wasm32 and for x86-64."""
    lines = []
    for prog, cfg in PROGRAMS.items():
        by_kind = {}
        for who, kind in ((suite.wasm_reference, "wasm32"), ("native clang -O2", "x86-64")):
            res = results.get((who, prog), "")
            if res.count("/") == 2 and ok.get((who, prog)):
                by_kind[kind] = int(res.rsplit("/", 1)[1])
        lines.append(f"{prog} level {cfg['level']}, {cfg['n'] >> 20} MB -> " + ", ".join(
            f"{size:,} bytes ({cfg['n'] / size:.2f}x) {kind}" for kind, size in by_kind.items() if size))
    return lines


def tables(suite, labels: dict, med: dict, results: dict, ok: dict, inner: int) -> None:
    cols = columns(labels)
    lines, ratio_rows, ratios = time_tables("program", PROGRAMS, cols, labels, med, results, suite.ours_failed)
    gm, complete = geomean_row(ratio_rows, "**geomean, programs**", cols, [ratios], len(PROGRAMS))
    both = suite.kernel_ratios is not None
    if both:
        gm_all, complete_all = geomean_row(ratio_rows, "**geomean, kernels + programs**", cols,
                                           [suite.kernel_ratios, ratios], len(KERNELS) + len(PROGRAMS))
    build_times = "; ".join(f"{prog}: " + ", ".join(f"{tool} {secs:.0f} s" for tool, secs in tools.items())
                            for prog, tools in suite.program_build_times.items() if tools)
    # dedented apart: the list of sizes between them is not indented
    intro = textwrap.dedent(f"""\
        ## Programs: lz4 and zstd round trips

        Larger real programs: the C of LZ4 1.9.4 and Zstandard 1.5.7 as the PyPI sdists of
        lz4 4.4.5 and zstandard 0.25.0 carry them (bench/programs/sources.txt), around our
        harness, freestanding libc and bump allocator (bench/programs/). A round trip
        compresses pseudo-text made in linear memory from a seed (LZ4 frame with 4 MB blocks
        and zstd, each with a content checksum), decompresses it, checks the copy and hashes
        the compressed bytes. Before any timing counted, every Wasm runtime had to return
        the same input hash, result and compressed size as {labels.get(suite.wasm_reference, "-")}
        (the reference Wasm build), also for a round trip of 1 MB written from Python
        (random bytes, zeros, prose); the native builds had to hash the same input and pass
        both round trips: their compressed bytes may differ from wasm32's where a library
        takes a 64-bit path (LZ4 hashes 5 bytes at a time on 64-bit hosts, 4 on 32-bit ones).
        Input and compressed sizes:

        """)
    method = textwrap.dedent(f"""\
        Ratios are to the faster of the two native builds (lower is better); medians over
        {suite.rounds} rounds of {inner} runs (pywasm3: fewer, one run a round), each round taking
        one program at a time through every runtime in a new random order. As for the
        kernels, the native builds are shared libraries called through ctypes in this
        process, and wasm2c's output an executable timing itself.
        {"Build time (when last built, two builds at a time): " + build_times + "." if build_times else ""}

        Time (ms, median):

        """)
    sizes_text = "\n".join("- " + x for x in sizes(suite, results, ok)) + "\n\n"
    suite.add_table(intro + sizes_text + method, lines + ["", "Ratio to the faster native build:", ""] + ratio_rows
                    + ([] if both else ["", "(the kernels did not run: no combined geomean)"]))
    ours = ratios.get("wasm2pyext", {})
    if ours:
        head = ("Programs vs the faster native build: " + ratios_text(ours)
                + f"; geomean {gm['wasm2pyext']:.2f}x")
        if both:
            head += (f"; **kernels + programs geomean {gm_all['wasm2pyext']:.2f}x**" + "".join(
                f"; {labels[c]} {gm_all[c]:.2f}x" for c in cols
                if c != "wasm2pyext" and complete_all[c] and not c.startswith("native")))
        suite.headline.append(head)
