"""The C runtime on its own: compiled warning-free, and its edge cases (tests/c/test_rt.c,
tests/c/test_simd.c)."""
import shutil
import subprocess
from pathlib import Path

import pytest

from wasm2pyext.resources import runtime_dir
from wasm2pyext.toolchain import RUNTIME_HEADERS, RUNTIME_SOURCES, SEMANTIC_FLAGS, Toolchain, cpu_flags

HERE = Path(__file__).resolve().parent
# The runtime's files free of Python, which C tests link alone.
RT_SOURCES = [str(runtime_dir() / s) for s in RUNTIME_SOURCES if s.startswith("w2p_rt")]


def test_every_runtime_file_is_built_and_in_the_cache_key():
    """runtime_c/ holds no C file the runtime build leaves out, and no header its cache
    key (toolchain.runtime_inputs) ignores."""
    on_disk = {p.name for p in runtime_dir().iterdir() if p.suffix in (".c", ".h")}
    assert on_disk == set(RUNTIME_SOURCES) | set(RUNTIME_HEADERS)


def test_runtime_edge_cases(tmp_path):
    exe = tmp_path / "test_rt"
    cc = Toolchain.default()
    cc.run(["-Wall", "-Wextra", "-Werror", "-O2", f"-I{runtime_dir()}", str(HERE / "c" / "test_rt.c"),
            *RT_SOURCES, "-o", str(exe)], "compiling the runtime test")
    proc = subprocess.run([str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all runtime checks passed" in proc.stdout


def _compilers() -> list[tuple[str, ...]]:
    """The default compiler, and clang too when it is installed."""
    compilers = [Toolchain.default().cc]
    if shutil.which("clang") and "clang" not in " ".join(compilers[0]):
        compilers.append(("clang",))
    return compilers


def _flags_for(cc: tuple[str, ...], flags: list[str]) -> list[str]:
    """`flags` without what clang lacks (-fsignaling-nans)."""
    return [f for f in flags if "clang" not in cc[0] or f != "-fsignaling-nans"]


def _isas() -> list[str]:
    """The baseline, and where this CPU runs them x86-64-v2 (SSSE3, SSE4.1: w2p_simd.h uses
    them) and x86-64-v3 (AVX2: the poll's stub saves the vector registers whole)."""
    flags = cpu_flags()
    return [""] + (["-march=x86-64-v2"] if "sse4_1" in flags else []) + (["-march=x86-64-v3"] if "avx2" in flags else [])


@pytest.mark.parametrize("isa", _isas(), ids=lambda isa: isa or "baseline")
@pytest.mark.parametrize("cc", _compilers(), ids=lambda cc: cc[0])
@pytest.mark.parametrize("bounds_checks", [0, 1])
def test_module_header_alone(tmp_path, bounds_checks, cc, isa):
    """runtime_c/w2p_module.h, the fixed part of every generated module, compiled alone as
    modules are, in both builds (tests/c/test_module_h.c)."""
    exe = tmp_path / "test_module_h"
    toolchain = Toolchain(cc)
    toolchain.run(["-Wall", "-Wextra", "-Werror", "-O2", *_flags_for(cc, [*SEMANTIC_FLAGS, *toolchain.module_flags()]),
                   *([isa] if isa else []),
                   f"-DW2P_BOUNDS_CHECKS={bounds_checks}", f"-I{runtime_dir()}", str(HERE / "c" / "test_module_h.c"),
                   *RT_SOURCES, "-o", str(exe), "-lm"], "compiling the module header test")
    proc = subprocess.run([str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all module header checks passed" in proc.stdout


@pytest.mark.parametrize("isa", _isas(), ids=lambda isa: isa or "baseline")
@pytest.mark.parametrize("cc", _compilers(), ids=lambda cc: cc[0])
@pytest.mark.parametrize("opt", ["-O0", "-O2"])
def test_simd_header_edge_cases(tmp_path, cc, opt, isa):
    """runtime_c/w2p_simd.h alone, compiled as modules are (tests/c/test_simd.c): at the
    baseline (SSE2 on x86-64) and for a CPU with the SSSE3 and SSE4.1 instructions the
    header uses when it may."""
    exe = tmp_path / "test_simd"
    flags = _flags_for(cc, SEMANTIC_FLAGS)
    Toolchain(cc).run(["-Wall", "-Wextra", "-Werror", opt, *flags, *([isa] if isa else []), f"-I{runtime_dir()}",
                       str(HERE / "c" / "test_simd.c"), "-o", str(exe), "-lm"], "compiling the SIMD test")
    proc = subprocess.run([str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all SIMD checks passed" in proc.stdout
