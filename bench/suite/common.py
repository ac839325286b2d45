"""What every part of the suite shares: where things are, the kernels and programs and
their arguments, the native compilers' flags, logging and subprocesses."""
from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
REPO = BENCH.parent
KERNELS_DIR = BENCH / "kernels"
PROGRAMS_DIR = BENCH / "programs"
BUILD = BENCH / "build"

# The compute kernels and their argument (a size or a seed); the same everywhere.
KERNELS = {"fib": 32, "sieve": 8_000_000, "matmul": 1, "sort": 1, "checksum": 16 << 20}
MODULES = ("sum", "fib", "sieve", "matmul", "sort", "checksum", "hostcall")
# Rounds of the kernels' timings in a full run (the other parts: 9; quick: 3).
KERNEL_ROUNDS = 15
NATIVE_CFLAGS = {"clang": ["clang", "-O2"], "gcc": ["gcc", "-O2", "-fno-math-errno"]}
# The native builds are shared libraries, timed through ctypes in the bench's process.
# No semantic interposition and -Bsymbolic: a library's calls to its own functions are
# direct (fib's to itself), as in an executable, and never bind to another library's.
NATIVE_SHARED = ["-shared", "-fPIC", "-fno-semantic-interposition", "-Wl,-Bsymbolic"]
# The tables' labels of the native builds, and of wasm2c's output
NATIVE_LABELS = ("native clang -O2", "native gcc -O2")
WASM2C = "wasm2c + gcc -O2"

# The larger programs (bench/programs): a round trip of n bytes of pseudo-text made from
# the seed, at a compression level (lz4 -1, zstd -3: each command line's default). The
# sizes put a native run at roughly 50 ms on the machine of the first results.
PROGRAMS = {"lz4": {"n": 8 << 20, "seed": 1, "level": 1}, "zstd": {"n": 4 << 20, "seed": 1, "level": 3}}
# The library sources of each program, in the folder build_programs.sh prints for it
PROGRAM_LIBRARY = {"lz4": ["lz4.c", "lz4hc.c", "lz4frame.c", "xxhash.c"], "zstd": ["zstd.c"]}
# zstd.c turns pthreads on except under Emscripten: its switch for one thread (see build_programs.sh)
PROGRAM_LIBRARY_FLAGS = {"zstd.c": ["-D__EMSCRIPTEN__"]}

NOTES: list[str] = []  # what did not install or run, and why: goes to RESULTS.md


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


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


def wasm_path(name: str) -> Path:
    return (PROGRAMS_DIR if name in PROGRAMS else KERNELS_DIR) / f"{name}.wasm"
