"""The C toolchain, the cache directory, and the module-independent part of every build:
the Cython shim, the C runtime and the loader glue, translated and compiled once into one
object file, keyed by the contents of its sources, the toolchain and the Python ABI.
Installing wasm2pyext compiles it for the default toolchain (setup.py: prebuild_runtime,
into the package's prebuilt/); a build whose toolchain that object does not match compiles
its own once, into the cache. The same object, linked alone, is wasm2pyext's own copy of
the runtime module.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from .resources import prebuilt_dir, runtime_dir, shim_dir
from .workdir import build_folder, cache_root, record_process_group

RUNTIME_MODULE = "_wasm2pyext_rt_6"  # "_wasm2pyext_rt_" + W2P_ABI_VERSION (runtime_c/w2p_rt.h)
# In runtime_c/, beside the shim; the w2p_rt* files are the part free of Python.
RUNTIME_SOURCES = ("w2p_rt.c", "w2p_rt_memory.c", "w2p_rt_guard.c", "w2p_rt_watchdog.c", "w2p_glue.c", "w2p_wasi.c",
                   "w2p_wasi_proc.c", "w2p_wasi_fd.c", "w2p_wasi_path.c", "w2p_wasi_poll.c", "w2p_control.c",
                   "w2p_py.c", "w2p_py_control.c",
                   "w2p_py_exports.c", "w2p_py_instance.c")
RUNTIME_HEADERS = ("w2p_rt.h", "w2p_module.h", "w2p_pyconv.h", "w2p_pycall.h", "w2p_errors.h", "w2p_simd.h",
                   "w2p_simd_arith.h", "w2p_shim.h", "w2p_wasi.h", "w2p_control.h", "w2p_rt_impl.h", "w2p_wasi_impl.h",
                   "w2p_py.h", "w2p_py_control.h",
                   "w2p_py_exports.h", "w2p_py_instance.h")
SHIM_MAIN = "runtime.pyx"  # in shim/, which holds the runtime module's Cython: it and what it includes
SHIM_FILES = ("*.pyx", "*.pxd", "*.pxi")  # what of shim/ is the shim (and is installed: pyproject.toml)
# How Cython translates the shim (translate_shim): part of the runtime's key.
SHIM_OPTIONS = {"docstrings": True, "language_level": 3, "module_name": RUNTIME_MODULE}
PREBUILT_MANIFEST = "runtime.json"  # in prebuilt/: for which toolchain the install compiled the runtime

# Flags every compile gets. Exact Wasm float semantics forbid contracting a*b+c into an
# FMA and folding away signalling-NaN quieting; call depth is measured on the C stack,
# which sibling-call optimisation would hide; a frame bigger than a page must touch each
# page as it grows, so that stack exhaustion always hits the guard page.
SEMANTIC_FLAGS = ("-fPIC", "-fvisibility=hidden", "-ffp-contract=off", "-fsignaling-nans",
                  "-fno-optimize-sibling-calls", "-fno-math-errno", "-fstack-clash-protection")

# A call to an undeclared function (one the limited API lacks, say) would be compiled as
# returning int, truncating a pointer: make it, and that conversion, compile errors.
STRICT_FLAGS = ("-Werror=implicit-function-declaration", "-Werror=int-conversion")

# Whether modules built here default to guard pages (runtime_c/w2p_rt_guard.c; W2P_GUARD_PAGES
# in w2p_rt.h) rather than explicit bounds checks.
GUARD_PAGES_NATIVE = (sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64")
                      and sys.maxsize > 2**32)
# So builds default to explicit bounds checks only where guard pages are unavailable.
DEFAULT_BOUNDS_CHECKS = not GUARD_PAGES_NATIVE
# GCC unrolls a loop only while the unrolled body stays within this many instructions.
UNROLLED_LOOP_LIMIT = 32

class BuildError(Exception):
    """The C compiler or linker failed (a bug in wasm2pyext, or a broken toolchain), or
    outran its time or memory limit."""


@dataclass(frozen=True)
class ProcessLimits:
    """What one run of the C compiler may take: its address space (each of its processes)
    and its time; the CPU time of each process is bounded too, so that a compiler left
    running by a build killed outright still ends."""
    memory: int = 4 << 30  # bytes
    seconds: float = 1200.0

    def wrap(self, cmd: list[str]) -> list[str]:
        """cmd, run by a shell that sets the limits first (no preexec_fn: builds run the
        compiler from several threads)."""
        if sys.platform == "win32":
            return cmd
        limit = 'ulimit -v "$1" && ulimit -t "$2" && shift 2 && exec "$@"'
        return ["/bin/sh", "-c", limit, "sh", str(self.memory >> 10), str(int(self.seconds) + 60), *cmd]


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@dataclass(frozen=True)
class Toolchain:
    cc: tuple[str, ...]
    cflags: tuple[str, ...] = ()

    @staticmethod
    def default(cc: Optional[str] = None, cflags: Optional[str] = None) -> "Toolchain":
        """$CC (or Python's own compiler) and $CFLAGS, unless given."""
        cc = cc or os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
        cflags = os.environ.get("WASM2PYEXT_CFLAGS", "") if cflags is None else cflags
        return Toolchain(tuple(shlex.split(cc)), tuple(shlex.split(cflags)))

    def run(self, args: list[str], what: str, folder: Optional[Path] = None,
            limits: Optional[ProcessLimits] = None) -> None:
        """Runs the compiler on args within `limits` (the defaults unless given), in a
        process group of its own, recorded in the build folder (see workdir.py): ended
        with all it started if it outruns its time or this process is interrupted."""
        limits = limits or ProcessLimits()
        cmd = list(self.cc) + args
        proc = subprocess.Popen(limits.wrap(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        if folder is not None:
            record_process_group(folder, proc.pid)
        try:
            output, _ = proc.communicate(timeout=limits.seconds)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise BuildError(f"{what} took longer than its limit of {limits.seconds:g} s "
                             "(raise it with --max-compile-seconds)") from None
        except BaseException:
            _kill_group(proc)
            raise
        if proc.returncode != 0:
            if any(sign in output.lower() for sign in ("out of memory", "cannot allocate memory")):
                raise BuildError(f"{what} ran out of its memory limit of {limits.memory >> 20:,} MiB "
                                 f"(raise it with --max-compile-memory):\n{output[-2000:]}")
            raise BuildError(f"{what} failed ({shlex.join(cmd)}):\n{output[-4000:]}")

    def identity(self) -> str:
        """What changes compiled output: the compiler's version and the flags."""
        return _compiler_version(self.cc) + " ".join(self.cc + self.cflags)

    def is_gcc(self) -> bool:
        return "Free Software Foundation" in _compiler_version(self.cc)

    def major_version(self) -> int:
        """GCC's or clang's major version; 0 for another compiler."""
        text = _compiler_version(self.cc)
        found = re.search(r"clang version (\d+)", text) if "clang version" in text else \
            re.search(r"^\S+ \(.*\) (\d+)\.", text, re.M) if self.is_gcc() else None
        return int(found.group(1)) if found else 0

    def host_march(self) -> Optional[str]:
        """The -march of modules compiled on the fly, for this machine only: x86-64-v2
        (SSSE3 to SSE4.2 and POPCNT: the byte shuffles, blends and roundings Wasm SIMD and
        float code use) where the CPU has it and the compiler names it (GCC 11, clang
        12); else None, the compiler's default. SIMD kernels ran 1.7-3x faster with it,
        scalar ones as before; x86-64-v3 (AVX2) was no faster (bench/simd_bench.py)."""
        if not _cpu_runs_x86_64_v2():
            return None
        return "x86-64-v2" if self.major_version() >= (11 if self.is_gcc() else 12) else None

    def module_flags(self) -> list[str]:
        """Flags for generated code beyond SEMANTIC_FLAGS, for GCC:
        - GCC at -O2 vectorises only loops that need no run-time alias check, and every
          loop over linear memory does (all of it is one array): its dynamic cost model
          lets such loops vectorise (matmul, 1.7x);
        - functions aligned to 64 bytes and loops to 32: with GCC's default 16, how a hot
          loop fell against the CPU's fetch blocks changed with the layout of the whole
          shared object (matmul took 6.7 or 8.9 ms depending on the link; 1.5x slower
          with loops at 16 in the layout of the day). Loops at 64 cost more than they
          gave: padding before an inner loop is executed each time the code falls into
          it (sort: 26M more instructions, 1.4% slower than at 32);
        - small loops unrolled, while the unrolled body stays within UNROLLED_LOOP_LIMIT
          instructions (a loop of 4 instructions 8 times, of 16 twice). A Wasm loop
          carries 32-bit address arithmetic and unaligned vector loads that a native one
          does not, so its overhead per iteration is larger: matmul's inner loop, unrolled
          4 times, ran 1.08x faster on a quiet core and 1.25x on a contended one. A limit
          of 48 or more (GCC's default is 200) made lz4 3% slower; at 32 lz4 and zstd run
          as before (bench/LIMITS.md);
        - no dead-store elimination: a load that is not forced (codegen/function.py,
          _LoadUses) relies on the store its value flows into, and a store overwritten
          before any read would go, and the load out of bounds with it, untrapped.
        Stores before a fault stay as Wasm wrote them with either compiler, not by flags:
        each guarded store is ordered (STORE_MADE, templates/module.c.j2), which also
        keeps stores from being merged, vectorised or made into memset calls."""
        if not self.is_gcc():
            if "clang version" not in _compiler_version(self.cc):
                return []
            # Clang ignores -fsignaling-nans and folds x * 1, x / -1 and the like, which
            # must quiet a signalling NaN (24 of float_exprs' commands): with possible FP
            # exceptions it keeps them.
            return ["-ffp-exception-behavior=maytrap"]
        return ["-fvect-cost-model=dynamic", "-falign-functions=64", "-falign-loops=32",
                "-funroll-loops", f"--param=max-unrolled-insns={UNROLLED_LOOP_LIMIT}",
                "-fno-tree-dse", "-fno-dse"]


# The CPU flags Linux reports (/proc/cpuinfo) for the x86-64-v2 level: CMPXCHG16B,
# LAHF/SAHF, POPCNT, SSE3 ("pni"), SSE4.1, SSE4.2 and SSSE3.
X86_64_V2_FLAGS = frozenset({"cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3"})


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The flags Linux reports for this x86-64 CPU (/proc/cpuinfo); empty elsewhere."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return frozenset()
    try:
        with open("/proc/cpuinfo") as f:
            return frozenset(next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), []))
    except OSError:
        return frozenset()


def _cpu_runs_x86_64_v2() -> bool:
    return X86_64_V2_FLAGS <= cpu_flags()


@lru_cache(maxsize=None)
def _compiler_version(cc: tuple[str, ...]) -> str:
    try:
        proc = subprocess.run(list(cc) + ["--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    except OSError as e:
        raise BuildError(f"building a module needs a C compiler: cannot run {shlex.join(cc)} ({e.strerror}); "
                         "install gcc or clang, or name one with CC (validate, inspect and c need none)") from None
    return proc.stdout


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def runtime_inputs() -> list[Path]:
    """The files the runtime is made from, the same in a source tree and an installed package."""
    shim = sorted({path for pattern in SHIM_FILES for path in shim_dir().glob(pattern)})
    return [runtime_dir() / h for h in RUNTIME_HEADERS] + [runtime_dir() / s for s in RUNTIME_SOURCES] + shim


def _record_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def record_cache_entry(path: Path, source_digest: str = "") -> None:
    """Writes, beside a file just installed in the cache, what it must be to be used: its
    size and digest, and the digest of what it was made from (atomically, after it)."""
    data = path.read_bytes()
    staged = path.with_name(f".{path.name}.{os.getpid()}.record")
    staged.write_text(f"{len(data)} {hashlib.sha256(data).hexdigest()} {source_digest}\n")
    os.replace(staged, _record_path(path))


def entry_matches(path: Path, source_digest: str = "") -> bool:
    """Whether a recorded file is whole and the one wanted: present, with its record, of
    the recorded size and digest, made from `source_digest`."""
    try:
        size, file_digest, made_from = _record_path(path).read_text().split(" ")
        data = path.read_bytes()
        return (int(size) == len(data) and made_from.strip() == source_digest
                and hashlib.sha256(data).hexdigest() == file_digest)
    except (OSError, ValueError):
        return False


def cache_entry_ok(path: Path, source_digest: str = "") -> bool:
    """Whether a cached file is whole and the one wanted (entry_matches). One that is not
    is removed, to be made again: loading a truncated shared object would end the process
    (SIGBUS), and one made from other bytes would run the wrong code."""
    if entry_matches(path, source_digest):
        return True
    for stale in (path, _record_path(path)):
        with contextlib.suppress(OSError):
            stale.unlink()
    return False


def atomic_install(tmp: Path, final: Path) -> None:
    """Moves a finished build into place; a concurrent builder of the same key may win."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, final)
    except OSError:
        if not final.exists():
            raise


def install_in_cache(built: Path, final: Path, source_digest: str) -> None:
    """Puts a copy of a file just built at `final` in the cache (atomically: a reader
    finds the whole file or none), with its record (see cache_entry_ok)."""
    staged = final.with_name(f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    staged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, staged)
    atomic_install(staged, final)
    record_cache_entry(final, source_digest)


# The stable ABI an --abi3 build targets: CPython 3.11 and every later version.
LIMITED_API = "0x030B0000"


def runtime_key(toolchain: Toolchain, abi3: bool = False) -> tuple[str, list[str]]:
    """The key of the runtime object for this toolchain, and the flags it is compiled with.
    The key digests what decides the object's code: the sources and how Cython is told to
    translate them, the Python ABI, the compiler's identity and the flags. Not Cython's
    version: pip installs in an environment of its own whose Cython may not be the one
    installed beside wasm2pyext, and the C Cython makes stays inside the object (modules
    reach the shim only through w2p_glue.c). Nor where runtime_c/ is (-I): a source tree
    at install, the package later; its files are digested."""
    flags = ["-O2", *SEMANTIC_FLAGS, *runtime_cflags(toolchain, abi3), *STRICT_FLAGS, *toolchain.cflags]
    here = str(runtime_dir())
    key = digest(*(p.read_bytes() for p in runtime_inputs()), json.dumps(SHIM_OPTIONS, sort_keys=True), sys.version,
                 sysconfig.get_config_var("EXT_SUFFIX") or "", toolchain.identity(),
                 *(flag.replace(here, "<runtime_c>") for flag in flags))
    return key, flags


def _object_name(key: str) -> str:
    return f"{key[:24]}.o"


def runtime_object(toolchain: Toolchain, abi3: bool = False) -> Path:
    """The compiled shim + runtime + glue, as one object file, with abi3 against the stable
    ABI (the limited API of CPython 3.11): the one compiled at install if it was compiled
    for this toolchain, else one compiled on first use and cached (saying why on stderr
    where an installed one does not match). Found once a process, and again if it has gone
    since (wasm2pyext reinstalled, the cache cleared: a long-running process's builds
    would all fail to link)."""
    path = find_runtime_object(toolchain, abi3)
    if not path.exists():
        find_runtime_object.cache_clear()
        path = find_runtime_object(toolchain, abi3)
    return path


@lru_cache(maxsize=None)
def find_runtime_object(toolchain: Toolchain, abi3: bool = False) -> Path:
    """runtime_object, remembered."""
    key, flags = runtime_key(toolchain, abi3)
    installed = prebuilt_dir() / _object_name(key)
    if entry_matches(installed, key):
        return installed
    final = cache_root() / "runtime" / _object_name(key)
    if cache_entry_ok(final, key):
        return final
    why = _prebuilt_mismatch(toolchain, key)
    if why:
        print(f"wasm2pyext: {why}; compiling the runtime for this toolchain once (about 15 s; cached in "
              f"{final.parent})", file=sys.stderr, flush=True)
    with build_folder("runtime") as work:
        shim_c = work / "shim.c"
        translate_shim(shim_c)
        install_in_cache(compile_runtime(toolchain, flags, shim_c, work / "runtime.o", work), final, key)
    return final


def compile_runtime(toolchain: Toolchain, flags: list[str], shim_c: Path, obj: Path, work: Path) -> Path:
    """Compiles the translated shim with the runtime's C (one translation unit) into obj."""
    unity = obj.with_suffix(".c")
    unity.write_text("".join(f'#include "{p}"\n' for p in [shim_c] + [runtime_dir() / s for s in RUNTIME_SOURCES]))
    toolchain.run(["-c", str(unity), "-o", str(obj), *flags], "compiling the wasm2pyext runtime", work)
    return obj


def _command(toolchain: Toolchain) -> str:
    """The compiler command and flags, as the manifest names them."""
    return shlex.join(toolchain.cc + toolchain.cflags)


def _sources_digest() -> str:
    return digest(*(p.read_bytes() for p in runtime_inputs()))


def _installed_manifest() -> dict:
    """What the install recorded in prebuilt/ (prebuild_runtime); {} where it recorded nothing."""
    try:
        manifest = json.loads((prebuilt_dir() / PREBUILT_MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _describe(toolchain: Toolchain) -> dict[str, str]:
    return {"cc": _command(toolchain),
            "version": _compiler_version(toolchain.cc).partition("\n")[0]}


def prebuild_runtime(target: Path, toolchain: Optional[Toolchain] = None) -> tuple[bool, str]:
    """At install (setup.py): compiles the runtime for the default toolchain into `target`,
    the package's prebuilt/ folder: the object for each ABI (full and abi3) and, linked
    from the first, wasm2pyext's own runtime extension, each with its record, and a
    manifest saying for what they were made. Where that cannot be done (no C compiler, no
    Python headers, no Cython), the manifest says why, for the first build to tell, and
    the install goes on: the front end needs none of it. Returns whether it compiled the
    runtime, and what it did."""
    toolchain = toolchain or Toolchain.default()
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    manifest: dict = {"python": sys.version, "sources": _sources_digest()}
    try:
        manifest.update(_describe(toolchain))
        with tempfile.TemporaryDirectory(prefix="wasm2pyext-runtime-") as tmp:
            work = Path(tmp)
            shim_c = work / "shim.c"
            translate_shim(shim_c)
            variants = {"full": False, "abi3": True}

            def compile_variant(variant: str) -> tuple[str, str]:
                key, flags = runtime_key(toolchain, variants[variant])
                obj = compile_runtime(toolchain, flags, shim_c, work / f"runtime_{variant}.o", work)
                shutil.copyfile(obj, target / _object_name(key))
                record_cache_entry(target / _object_name(key), key)
                return variant, key

            with ThreadPoolExecutor(max_workers=len(variants)) as pool:
                keys = dict(pool.map(compile_variant, variants))
            obj = target / _object_name(keys["full"])
            extension = target / _extension_name(obj)
            link_shared(toolchain, [obj], extension, f"PyInit_{RUNTIME_MODULE}", work)
            record_cache_entry(extension, obj.stem)
        manifest["keys"] = keys
        done = True, f"compiled the runtime with {manifest['cc']} ({manifest['version']})"
    except (BuildError, ImportError) as e:
        for stale in target.iterdir():
            stale.unlink()
        manifest["skipped"] = str(e).partition("\n")[0][:300]
        done = False, f"did not compile the runtime, the first build will: {manifest['skipped']}"
    (target / PREBUILT_MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return done


def _prebuilt_mismatch(toolchain: Toolchain, key: str) -> Optional[str]:
    """Why no runtime compiled at install is the one of this key; None where none was (a
    source tree) or where the tree of an editable install changed."""
    manifest = _installed_manifest()
    if not manifest:
        return None
    if "skipped" in manifest:
        return f"the runtime was not compiled when wasm2pyext was installed ({manifest['skipped']})"
    if manifest.get("sources") != _sources_digest():
        if not shim_dir().is_relative_to(prebuilt_dir().parent):
            return None  # an editable install's tree, edited: compiling the runtime is expected
        return "the runtime's sources changed since wasm2pyext was installed"
    if manifest.get("python") != sys.version:
        return "the installed runtime was compiled for another Python"
    mine = _describe(toolchain)
    if manifest.get("cc") != mine["cc"] or manifest.get("version") != mine["version"]:
        return (f"the installed runtime was compiled with {manifest.get('cc')} ({manifest.get('version')}), "
                f"this build uses {mine['cc']} ({mine['version']})")
    if key in manifest.get("keys", {}).values():
        return "the installed runtime is damaged"
    return "the installed runtime was compiled with other flags"


def module_include_flags() -> list[str]:
    """Flags for a module's C that does not include Python.h (its parts of functions):
    the runtime's headers, the same for every Python."""
    return [f"-I{runtime_dir()}", "-DNDEBUG"]


def python_cflags(abi3: bool = False) -> list[str]:
    """Flags for C that includes Python.h (the runtime, and generated modules for their
    vectorcalls): Python's headers and the runtime's, and with abi3 the limited API."""
    # NDEBUG as Python's own build has it: else the inline functions of its headers keep
    # their asserts (3.13's PyUnstable_Long_IsCompact on every argument, say).
    flags = [f"-I{sysconfig.get_paths()['include']}", *module_include_flags()]
    if abi3:
        flags.append(f"-DPy_LIMITED_API={LIMITED_API}")
    return flags


def runtime_cflags(toolchain: Toolchain, abi3: bool = False) -> list[str]:
    """Flags for the runtime's C: python_cflags, and single-phase init for the shim so
    the glue can create the embedded copy by calling its PyInit directly."""
    # Cython's string constants uncompressed: unpacking them cost every process that
    # imports a module 35,000 instructions to save 900 bytes.
    flags = [*python_cflags(abi3), "-DCYTHON_PEP489_MULTI_PHASE_INIT=0", "-DCYTHON_COMPRESS_STRINGS=0"]
    if platform.machine() in ("x86_64", "AMD64") and toolchain.is_gcc():
        # The boundary reads thread-locals on every call: TLS descriptors make that a load
        # instead of a call to __tls_get_addr (other 64-bit targets use them by default).
        flags.append("-mtls-dialect=gnu2")
    if abi3:
        flags.append("-DCYTHON_LIMITED_API=1")
    return flags


def translate_shim(out_c: Path) -> None:
    """shim/runtime.pyx (with what it includes) -> C, as the module _wasm2pyext_rt_<ABI>."""
    from Cython.Compiler import Main, Options

    Options.docstrings = SHIM_OPTIONS["docstrings"]
    options = Main.CompilationOptions(
        Main.default_options,
        output_file=str(out_c),
        include_path=[str(shim_dir())],
        language_level=SHIM_OPTIONS["language_level"],
        module_name=SHIM_OPTIONS["module_name"],
    )
    result = Main.compile_single(str(shim_dir() / SHIM_MAIN), options, full_module_name=SHIM_OPTIONS["module_name"])
    if result.num_errors:
        raise BuildError(f"Cython could not translate shim/{SHIM_MAIN}")


def ext_suffix(abi3: bool = False) -> str:
    """The file name ending of an extension module: this interpreter's, or the stable ABI's."""
    if abi3:
        return ".abi3.so" if sys.platform != "win32" else ".pyd"
    return sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def link_shared(toolchain: Toolchain, objects: list[Path], out_path: Path, export: str, work: Path,
                strip: bool = True) -> None:
    """Links a shared object whose only exported symbol is `export`: every built module
    carries its own copy of the runtime, and they must not bind to one another's symbols.
    Stripped unless told otherwise: a module should be about the size of its code."""
    exports = work / f"{export}.map"
    exports.write_text(f"{{ global: {export}; local: *; }};\n")
    staged = work / out_path.name
    toolchain.run(["-shared", *map(str, objects), "-o", str(staged), "-lm", f"-Wl,--version-script={exports}",
                   *(["-s"] if strip else []), *toolchain.cflags], f"linking {out_path.name}", work)
    tmp_out = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(staged, tmp_out)
    atomic_install(tmp_out, out_path)


def _extension_name(obj: Path) -> str:
    return f"{obj.stem}_{RUNTIME_MODULE}{ext_suffix()}"


def _installed_extension(manifest: dict) -> Optional[Path]:
    """The runtime extension linked at install (as `manifest` records it), if it is whole
    and of these sources and this Python. Whatever compiled it serves (modules only need
    the runtime's ABI), so it loads with no compiler at hand."""
    try:
        key = manifest["keys"]["full"]
    except (KeyError, TypeError):
        return None
    if manifest.get("python") != sys.version or manifest.get("sources") != _sources_digest():
        return None
    path = prebuilt_dir() / _extension_name(Path(_object_name(key)))
    return path if entry_matches(path, Path(_object_name(key)).stem) else None


def runtime_extension(toolchain: Optional[Toolchain] = None) -> Path:
    """wasm2pyext's own copy of the runtime module, as an extension: the one linked at
    install, unless the toolchain is not the one it was compiled with (another $CC or
    $WASM2PYEXT_CFLAGS: sanitizers, say, which want every copy of the runtime built alike)
    and that toolchain can compile one (linked once and cached)."""
    toolchain = toolchain or Toolchain.default()
    manifest = _installed_manifest()
    installed = _installed_extension(manifest)
    if installed is not None and manifest.get("cc") == _command(toolchain):
        return installed
    try:
        obj = runtime_object(toolchain)
    except BuildError:
        if installed is None:
            raise
        return installed  # no compiler for that toolchain: the installed runtime serves
    path = cache_root() / "runtime" / _extension_name(obj)
    if not cache_entry_ok(path, obj.stem):
        with build_folder("runtime") as work:
            link_shared(toolchain, [obj], path, f"PyInit_{RUNTIME_MODULE}", work)
        record_cache_entry(path, obj.stem)
    return path
