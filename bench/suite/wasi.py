"""The WASI part (`python bench/run.py --only wasi`): WASI commands (bench/wasi/*.c, built
by bench/build_wasi.sh and committed with their .wasm) run by wasm2pyext, wasmext,
wasmtime-py and natively, interleaved:

  - start-up of a small command (examples/wasi/wc.wasm): a new interpreter each time,
    and in the process (instantiate -> _start -> exit code);
  - fd_write: throughput of 64 KB writes to a file, and the cost of a call (64-byte
    writes to /dev/null);
  - clock_time_get in a loop: the cost of a call.

The native builds are the same C as shared libraries (main renamed), called through
ctypes in this process with fd 1 pointed at the output for the call.
"""
from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from .builds import build_ours, build_wasmext, isolated_modules
from .common import BENCH, BUILD, NATIVE_CFLAGS, NATIVE_SHARED, NOTES, log, run
from .report import header
from .runtimes import import_from
from .stats import median
from .timing import paired_rounds, time_processes

WASI_DIR = BENCH / "wasi"
WC = BENCH.parent / "examples" / "wasi" / "wc.wasm"
WC_STDIN = b"one two\nthree four five\n" * 4
# (argv[1:], what the figure is per): each run takes tens of ms natively
WRITE_FILE = ["64", "65536"]      # 64 MB in 64 KB writes, to a file
WRITE_CALLS = ["8", "64"]         # 8 MB in 64-byte writes (131,072 calls), to /dev/null
CLOCK_CALLS = ["1000000"]
BARE = "bare `python -c pass`"
NATIVE = "native gcc -O2"


def runners(suite, out_dir: Path) -> dict:
    """label -> a runner: run(program, args, stdout path) -> (exit code, seconds)."""
    import wasm2pyext
    found = {"wasm2pyext": Ours(wasm2pyext)}
    if "wasmtime" in suite.peers:
        found["wasmtime-py"] = Wasmtime(suite.peers["wasmtime"])
    else:
        NOTES.append("WASI: wasmtime-py is not installed, so not measured beside ours")
    if "wasmext" in suite.peers:
        try:
            found["wasmext"] = Wasmext(out_dir / "wasmext")
        except subprocess.CalledProcessError as e:
            suite.failures.append(f"WASI: the wasmext builds failed: {(e.stderr or e.stdout).strip()[-300:]}")
    try:
        found[NATIVE] = Native(out_dir)
    except subprocess.CalledProcessError as e:
        suite.failures.append(f"WASI: the native build failed: {e.stderr.strip()[-300:]}")
    return found


def measure(suite) -> None:
    out_dir = BUILD / "wasi"
    out_dir.mkdir(parents=True, exist_ok=True)
    found = runners(suite, out_dir)
    rounds = 3 if suite.quick else 9
    target = out_dir / "write.out"
    cases = {  # label -> (program, args, stdout path, unit count for the figure)
        "fd_write, 64 KB writes to a file (MB/s)": ("write", WRITE_FILE, target, 64),
        "fd_write, 64-byte writes to /dev/null (ns a call)": ("write", WRITE_CALLS, Path(os.devnull),
                                                              8 * (1 << 20) // 64),
        "clock_time_get in a loop (ns a call)": ("clock", CLOCK_CALLS, Path(os.devnull), int(CLOCK_CALLS[0])),
    }
    # checked before timing: each runner's exit code is 0, and the file holds every byte
    for label, runner in list(found.items()):
        for case, (prog, args, out, _) in cases.items():
            try:
                code, _ = runner.run(prog, args, out)
            except Exception as e:  # a failing peer is reported, not timed
                code = f"{type(e).__name__}: {e}"
            if code != 0 or (out == target and target.stat().st_size != int(WRITE_FILE[0]) << 20):
                suite.failures.append(f"WASI: {label}, {case}: exit {code}; not timed")
                found.pop(label)
                break
    log(f"wasi: {rounds} rounds")
    _, per_round = paired_rounds({label: dict.fromkeys(cases, runner) for label, runner in found.items()}, cases,
                                 lambda runner, case: runner.run(*cases[case][:3]), rounds, 3,
                                 warm_up=False, log_rounds=False)
    target.unlink(missing_ok=True)
    report(suite, list(found), cases, {key: median(ts.values()) for key, ts in per_round.items()}, rounds)
    startup(suite, found)


def report(suite, labels: list[str], cases: dict, med: dict, rounds: int) -> None:
    rows = []
    figures = {}
    for case, (_, _, _, units) in cases.items():
        cells = []
        native = med.get((NATIVE, case), float("nan"))
        for label in labels:
            t = med[(label, case)]
            value = units / t if "MB/s" in case else t / units * 1e9
            figures[(label, case)] = value
            ratio = f" ({t / native:.2f}x native's time)" if label != NATIVE and native == native else ""
            cells.append(f"{value:,.0f}{ratio}" if "MB/s" in case else f"{value:.1f}{ratio}")
        rows.append(f"| {case} | " + " | ".join(cells) + " |")
    suite.add_table(f"""\
        ## WASI

        WASI commands of bench/wasi/ (C, clang --target=wasm32-wasi -O2; the native
        build the same C with gcc -O2, called through ctypes in this process): each run a
        new instance and `_start` (wasmtime-py: a new store and instance of a module
        compiled once; wasmext: its `natify` build, stdout a file object as ours); medians of {rounds} interleaved rounds of 3 runs. `write` writes
        64 MB in 64 KB writes to a file, then 8 MB in 64-byte writes to /dev/null (a
        write that costs the kernel nothing: the figure is the call's own cost); `clock`
        reads the monotonic clock {int(CLOCK_CALLS[0]):,} times.

        """, header("figure", labels) + rows)
    if "wasm2pyext" in labels:
        parts = []
        for case in cases:
            ours = figures[("wasm2pyext", case)]
            unit = "MB/s" if "MB/s" in case else "ns"
            peers = "; ".join(f"{lb} {figures[(lb, case)]:,.0f} {unit}" if unit == "MB/s"
                              else f"{lb} {figures[(lb, case)]:.0f} {unit}" for lb in labels if lb != "wasm2pyext")
            name = case.split(" (")[0]
            parts.append(f"{name}: **{ours:,.0f} {unit}**" + (f" ({peers})" if peers else ""))
        suite.headline.append("WASI: " + "; ".join(parts))


# --------------------------------------------------------------------------- runners

class Ours:
    def __init__(self, wasm2pyext):
        self.w = wasm2pyext
        self.modules = {}

    def module(self, prog: str):
        if prog not in self.modules:
            self.modules[prog] = self.w.Module(wasm_file(prog).read_bytes())
        return self.modules[prog]

    def run(self, prog: str, args: list[str], out: Path, stdin: bytes = b""):
        module = self.module(prog)
        with open(out, "wb") as f:
            config = self.w.WasiConfig(args=[prog, *args], stdout=f, stdin=stdin)
            t0 = time.perf_counter()
            try:
                module.instantiate(wasi=config).exports["_start"]()
                code = 0
            except self.w.WasiExit as e:
                code = e.code
            return code, time.perf_counter() - t0


class Wasmtime:
    def __init__(self, wasmtime):
        self.wt = wasmtime
        self.engine = wasmtime.Engine()
        self.linker = wasmtime.Linker(self.engine)
        self.linker.define_wasi()
        self.modules = {}

    def module(self, prog: str):
        if prog not in self.modules:
            self.modules[prog] = self.wt.Module(self.engine, wasm_file(prog).read_bytes())
        return self.modules[prog]

    def run(self, prog: str, args: list[str], out: Path, stdin: bytes = b""):
        module = self.module(prog)
        t0 = time.perf_counter()
        store = self.wt.Store(self.engine)
        config = self.wt.WasiConfig()
        config.argv = [prog, *args]
        config.stdout_file = str(out)
        store.set_wasi(config)
        try:
            self.linker.instantiate(store, module).exports(store)["_start"](store)
            code = 0
        except self.wt.ExitTrap as e:
            code = e.code
        return code, time.perf_counter() - t0


class Wasmext:
    """wasmext's builds of the commands (`wasmext natify`), one module each."""

    def __init__(self, folder: Path):
        self.modules = {}
        for prog in ("write", "clock"):
            build_wasmext(wasm_file(prog), folder, f"wx_{prog}")
            self.modules[prog] = import_from(folder, f"wx_{prog}")

    def run(self, prog: str, args: list[str], out: Path, stdin: bytes = b""):
        module = self.modules[prog]
        with open(out, "wb") as f:
            t0 = time.perf_counter()
            try:
                module.Instance(wasi={"args": [prog, *args], "stdout": f, "stdin": stdin})._start()
                code = 0
            except module.WasiExit as e:
                code = e.code
            return code, time.perf_counter() - t0


class Native:
    """The C of bench/wasi/ as shared libraries, main renamed; fd 1 pointed at the output
    for the call."""

    def __init__(self, out_dir: Path):
        self.libs = {}
        for prog in ("write", "clock"):
            lib = out_dir / f"native-{prog}.so"
            run([*NATIVE_CFLAGS["gcc"], *NATIVE_SHARED, "-Dmain=bench_main", "-o", str(lib),
                   str(WASI_DIR / f"{prog}.c")])
            f = ctypes.CDLL(str(lib)).bench_main
            f.restype, f.argtypes = ctypes.c_int, [ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
            self.libs[prog] = f

    def run(self, prog: str, args: list[str], out: Path, stdin: bytes = b""):
        argv = [prog.encode(), *(a.encode() for a in args)]
        c_argv = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
        sys.stdout.flush()
        saved = os.dup(1)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            os.dup2(fd, 1)
            t0 = time.perf_counter()
            code = self.libs[prog](len(argv), c_argv)
            t = time.perf_counter() - t0
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(fd)
        return code, t


def wasm_file(prog: str) -> Path:
    return WC if prog == "wc" else WASI_DIR / f"{prog}.wasm"


# --------------------------------------------------------------------------- start-up

# A program running wc from a built module that it imports from the folder {folder} (the
# placeholders in double braces are filled in later, as the programs below are)
IMPORTED = textwrap.dedent("""\
    import os, sys, time
    t0 = time.perf_counter()
    sys.path.insert(0, {{{folder}!r}})
    import {module}  # a built module carries the runtime's classes: no need to import wasm2pyext
    with open({{stdin!r}}, "rb") as inp, open(os.devnull, "wb") as out:
        try:
            {start}
        except {module}.WasiExit as e:
            assert e.code == 0, e.code
    print(time.perf_counter() - t0)""")

STARTUP_SRC = {
    "wasm2pyext": textwrap.dedent("""\
        import os, time
        t0 = time.perf_counter()
        import wasm2pyext
        with open({stdin!r}, "rb") as inp, open(os.devnull, "wb") as out:
            code = wasm2pyext.run({wc!r}, wasi=wasm2pyext.WasiConfig(args=["wc"], stdin=inp, stdout=out))
        assert code == 0, code
        print(time.perf_counter() - t0)"""),
    "wasm2pyext, the built module imported": IMPORTED.format(
        folder="ours", module="w2p_wc",
        start='w2p_wc.Instance(wasi=w2p_wc.WasiConfig(args=["wc"], stdin=inp, stdout=out)).exports["_start"]()'),
    "wasmext": IMPORTED.format(
        folder="wasmext", module="wx_wc",
        start='wx_wc.Instance(wasi={{"args": ["wc"], "stdin": inp, "stdout": out}})._start()'),
    "wasmtime-py": textwrap.dedent("""\
        import os, time
        t0 = time.perf_counter()
        import wasmtime
        engine = wasmtime.Engine()
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        store = wasmtime.Store(engine)
        config = wasmtime.WasiConfig()
        config.argv = ["wc"]
        config.stdin_file = {stdin!r}
        config.stdout_file = os.devnull
        store.set_wasi(config)
        try:
            linker.instantiate(store, wasmtime.Module.from_file(engine, {wc!r})).exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            assert e.code == 0, e.code
        print(time.perf_counter() - t0)"""),
}


def startup(suite, runners: dict) -> None:
    """examples/wasi/wc.wasm counting a few lines: a new interpreter each time (wall time
    and, timed by the program, import -> exit code), beside bare `python -c pass`."""
    runs = 8 if suite.quick else 40
    srcs = {BARE: "pass"}
    stdin = BUILD / "wasi" / "wc.in"
    stdin.write_bytes(WC_STDIN)
    folder = isolated_modules("wasi", [])  # w2p_wc alone, as the start-up table's modules are
    build_ours(WC, folder, "w2p_wc")
    wasmext = isolated_modules("wasi-wasmext", [])
    if "wasmext" in runners:
        build_wasmext(WC, wasmext, "wx_wc")
    for label, src in STARTUP_SRC.items():
        if label.split(",")[0] in runners:
            srcs[label] = src.format(wc=str(WC), stdin=str(stdin), ours=str(folder), wasmext=str(wasmext))
    # the module built (cached) before timing
    for label, src in srcs.items():
        subprocess.run([sys.executable, "-c", src], check=True, capture_output=True)
    wall, inside = time_processes({label: (None, src) for label, src in srcs.items()}, runs,
                                  lambda out, err: float(out) if out.strip() else None, check=True)
    bare = median(wall[BARE])
    rows = []
    for label in srcs:
        w = median(wall[label])
        added = f"{(w - bare) * 1e3:+.1f}" if label != BARE else ""
        ins = f"{median(inside[label]) * 1e3:.2f}" if inside[label] else ""
        rows.append(f"| {label} | {w * 1e3:.1f} | {added} | {ins} |")
    suite.add_table(f"""\
        ### Start-up of a WASI command

        `python -c "..."` running examples/wasi/wc.wasm (counting the lines and words of
        {len(WC_STDIN)} bytes on stdin from a file, its output to /dev/null), a new process each
        time, medians of {runs} interleaved runs; and, timed by the program, import ->
        exit code. `wasm2pyext.run` finds the module built in its cache (it imports the
        translator to do so); the next row imports the built module itself, as the
        start-up table above does, and so does wasmext's row; wasmtime-py compiles the
        .wasm in the process (its cache off, the default).

        | program | ms | added over bare Python (ms) | in the process: import -> exit code (ms) |
        |---|---|---|---|
        """, rows)
    if "wasm2pyext" not in srcs:
        return

    def added(label):
        return f"{(median(wall[label]) - bare) * 1e3:+.1f} ms"

    def within(label):
        return f"{median(inside[label]) * 1e3:.2f} ms"
    built = "wasm2pyext, the built module imported"
    suite.headline.append(
        f"WASI start-up (wc.wasm, new interpreter): {added('wasm2pyext')} over bare Python, "
        f"{within('wasm2pyext')} in the process; the built module imported {added(built)}, {within(built)}"
        + "".join(f"; {lb} {added(lb)}, {within(lb)}" for lb in ("wasmext", "wasmtime-py") if lb in srcs))
