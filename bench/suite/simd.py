"""The SIMD part (`python bench/run.py --only simd`): bench/simd/simd.c's kernels (an
image blend and an int16 dot product) built by clang for wasm32 with SIMD (-msimd128:
simd.wasm) and without (simd_scalar.wasm; bench/build_simd.sh), run by wasm2pyext,
wasmext and wasmtime-py, beside the same C built natively by clang and gcc (shared libraries through
ctypes), interleaved; results checked against native clang.
"""
from __future__ import annotations

import ctypes
import itertools
import subprocess
import time
from pathlib import Path

from .builds import build_ours, build_wasmext
from .common import BENCH, BUILD, NATIVE_CFLAGS, NATIVE_LABELS, NATIVE_SHARED, log, run
from .report import header
from .runtimes import import_from
from .stats import geomean, median
from .timing import paired_rounds

SIMD_DIR = BENCH / "simd"
# The CPU level modules compiled on the fly assume where the CPU has it (SSSE3, SSE4.1).
V2 = "x86-64-v2"
KERNELS = {"blend": 50, "dot": 50}  # kernel -> reps over its 1 MB (2 MB for dot) of input
SEED = 7


class Wasm:
    """A Wasm build's instance: call(kernel) -> (result, seconds)."""

    def __init__(self, exports):
        self.exports = exports
        self.exports["simd_init"](SEED)

    def call(self, kernel: str):
        f = self.exports[kernel]
        t0 = time.perf_counter()
        r = f(KERNELS[kernel])
        return r & 0xFFFFFFFF, time.perf_counter() - t0


class WasmtimeSimd:
    def __init__(self, wt, path: Path):
        engine = wt.Engine()
        self.store = wt.Store(engine)
        inst = wt.Instance(self.store, wt.Module(engine, path.read_bytes()), [])
        self.fns = {k: inst.exports(self.store)[k] for k in ("simd_init", *KERNELS)}
        self.fns["simd_init"](self.store, SEED)

    def call(self, kernel: str):
        f = self.fns[kernel]
        t0 = time.perf_counter()
        r = f(self.store, KERNELS[kernel])
        return r & 0xFFFFFFFF, time.perf_counter() - t0


class NativeSimd:
    def __init__(self, lib: Path):
        self.lib = ctypes.CDLL(str(lib))
        for k in KERNELS:
            getattr(self.lib, k).restype = ctypes.c_uint32
            getattr(self.lib, k).argtypes = [ctypes.c_int32]
        self.lib.simd_init.argtypes = [ctypes.c_uint32]
        self.lib.simd_init(SEED)

    def call(self, kernel: str):
        f = getattr(self.lib, kernel)
        t0 = time.perf_counter()
        r = f(KERNELS[kernel])
        return r & 0xFFFFFFFF, time.perf_counter() - t0


def runners(suite) -> dict:
    """label -> a runner: call(kernel) -> (result, seconds); None if a build fails."""
    out = BUILD / "simd"
    out.mkdir(parents=True, exist_ok=True)
    found = {}
    try:
        for (cc, flags), march in itertools.product(NATIVE_CFLAGS.items(), ("", V2)):
            lib = out / f"native-{cc}{march}.so"
            run([*flags, *([f"-march={march}"] if march else []), *NATIVE_SHARED, "-o", str(lib),
                 str(SIMD_DIR / "simd.c")])
            found[f"native {cc} -O2" + (f" -march={march}" if march else "")] = NativeSimd(lib)
        for name, label, march in (("simd", "wasm2pyext, SIMD", ""), ("simd", f"wasm2pyext, SIMD, {V2}", V2),
                                   ("simd_scalar", "wasm2pyext, scalar", "")):
            module = f"w2p_{name}" + march.replace("-", "_")
            build_ours(SIMD_DIR / f"{name}.wasm", out, module, extra=("--march", march) if march else ())
            found[label] = Wasm(import_from(out, module).Instance().exports)
        if "wasmext" in suite.peers:  # wasm2c's SIMD (simde) as wasmext builds it, by default
            build_wasmext(SIMD_DIR / "simd.wasm", out / "wasmext", "wx_simd")
            inst = import_from(out / "wasmext", "wx_simd").Instance()
            found["wasmext, SIMD"] = Wasm({k: getattr(inst, k) for k in ("simd_init", *KERNELS)})
    except subprocess.CalledProcessError as e:
        suite.failures.append(f"SIMD: a build failed: {e.stderr.strip()[-300:]}")
        return None
    if "wasmtime" in suite.peers:
        for name, label in (("simd", "wasmtime-py, SIMD"), ("simd_scalar", "wasmtime-py, scalar")):
            found[label] = WasmtimeSimd(suite.peers["wasmtime"], SIMD_DIR / f"{name}.wasm")
    return found


def measure(suite) -> None:
    found = runners(suite)
    if found is None:
        return
    rounds = 3 if suite.quick else 9
    log(f"simd: {rounds} rounds")
    results, per_round = paired_rounds({label: dict.fromkeys(KERNELS, r) for label, r in found.items()}, KERNELS,
                                       lambda runner, k: runner.call(k), rounds, 3, log_rounds=False)
    ref = NATIVE_LABELS[0]
    ok = {key: res == results[(ref, key[1])] for key, res in results.items()}
    for key, good in ok.items():
        if not good:
            suite.failures.append(f"SIMD: {key[0]} {key[1]} returned {results[key]}, native clang "
                                  f"{results[(ref, key[1])]}: WRONG RESULT, not counted")
    med = {key: median(ts.values()) for key, ts in per_round.items() if ok[key]}
    cols = list(found)
    rows = []
    ratios = {}
    natives = [c for c in cols if c.startswith("native")]
    for k in KERNELS:
        native = min((med[(c, k)] for c in natives if (c, k) in med), default=float("nan"))
        cells = []
        for c in cols:
            if (c, k) in med:
                ratios[(c, k)] = med[(c, k)] / native
                cells.append(f"{med[(c, k)] * 1e3:.2f} ({ratios[(c, k)]:.2f}x)")
            else:
                cells.append("WRONG")
        rows.append(f"| {k} | " + " | ".join(cells) + " |")
    suite.add_table(f"""\
        ## SIMD

        bench/simd/simd.c: `blend` mixes two 1 MB greyscale images ({KERNELS['blend']} times),
        `dot` takes the dot product of two vectors of 2^20 int16 ({KERNELS['dot']} times);
        integer arithmetic, so every build's results must be (and were checked to be)
        native clang's. clang built it for wasm32 with SIMD (`-msimd128`, which
        vectorised both loops: simd.wasm) and without (simd_scalar.wasm); natively
        clang -O2 and gcc -O2 (both vectorise), each for the x86-64 baseline (SSE2) and
        for {V2} (SSSE3, SSE4.1). Ours is built for the baseline, as `wasm2pyext build`
        builds by default, and for {V2}, as modules compiled on the fly are where the
        CPU has it. Time in ms (ratio to the fastest native build), medians of {rounds}
        interleaved rounds of 3 runs.

        """, header("kernel", cols) + rows)
    gm = {c: geomean([ratios[(c, k)] for k in KERNELS if (c, k) in ratios]) for c in cols}
    suite.headline.append(
        "SIMD kernels (blend, dot) vs the fastest native build, geomean: "
        + "; ".join(f"{c} {gm[c]:.2f}x" for c in cols if not c.startswith("native"))
        + f"; per kernel, ours with SIMD for {V2}: "
        + ", ".join(f"{k} {ratios[(f'wasm2pyext, SIMD, {V2}', k)]:.2f}x" for k in KERNELS
                    if (f"wasm2pyext, SIMD, {V2}", k) in ratios))
