"""What the C compiler is told when it compiles a module: GCC gets the flags that make
translated Wasm loops fast (vectorised through run-time alias checks, aligned, small ones
unrolled) and the one that keeps unforced loads trapping (no dead-store elimination); a
compiler that is not GCC gets none of them, since it would reject them."""
from __future__ import annotations

import importlib.util
import shutil
import stat
from pathlib import Path

import pytest

from wasm2pyext import build
from wasm2pyext.build import BuildOptions, build_extension
from wasm2pyext.toolchain import UNROLLED_LOOP_LIMIT, Toolchain, ext_suffix, runtime_object

ROOT = Path(__file__).resolve().parents[1]
SIMPLE = (ROOT / "examples" / "simple.wasm").read_bytes()
GCC = shutil.which("gcc")
GCC_FLAGS = ["-fvect-cost-model=dynamic", "-falign-loops=32", "-funroll-loops",
             f"--param=max-unrolled-insns={UNROLLED_LOOP_LIMIT}", "-fno-tree-dse", "-fno-dse"]


def compiler_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.skipif(GCC is None, reason="needs gcc")
def test_gcc_compiles_modules_with_its_flags_and_the_module_works(tmp_path, monkeypatch):
    log = tmp_path / "cc.log"
    cc = compiler_script(tmp_path / "cc", f'echo "$@" >> "{log}"\nexec "{GCC}" "$@"\n')
    # The runtime object is the usual one: only the module's own compile is under test.
    monkeypatch.setattr(build, "runtime_object", lambda toolchain, abi3=False: runtime_object(Toolchain.default(), abi3))
    options = BuildOptions(toolchain=Toolchain((str(cc),)))
    path = build_extension(SIMPLE, "flags_simple", tmp_path / f"flags_simple{ext_suffix()}", options)

    compiles = [line.split() for line in log.read_text().splitlines() if " -c " in f" {line} "]
    assert len(compiles) == 1
    assert all(flag in compiles[0] for flag in GCC_FLAGS), compiles[0]
    spec = importlib.util.spec_from_file_location("flags_simple", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.Instance().exports.sum(5, 37) == 42


def test_a_compiler_that_is_not_gcc_gets_no_gcc_only_flags(tmp_path):
    cc = compiler_script(tmp_path / "cc", 'echo "clang version 17.0.6"\n')
    flags = Toolchain((str(cc),)).module_flags()
    assert "-fvect-cost-model=dynamic" not in flags and "-fno-store-merging" not in flags
    assert flags == ["-ffp-exception-behavior=maytrap"]  # clang's NaN semantics (see module_flags)


@pytest.mark.skipif(GCC is None, reason="needs gcc")
def test_gcc_accepts_every_module_flag(tmp_path):
    source = tmp_path / "loop.c"
    source.write_text("double dot(const double *a, const double *b, int n)\n"
                      "{ double s = 0; for (int i = 0; i < n; i++) s += a[i] * b[i]; return s; }\n")
    toolchain = Toolchain((GCC,))
    toolchain.run(["-O2", "-Werror", *toolchain.module_flags(), "-c", str(source), "-o", str(tmp_path / "loop.o")],
                  "compiling a loop with the module flags")


@pytest.mark.skipif(GCC is None, reason="needs gcc")
def test_march_reaches_the_module_compile_and_on_the_fly_builds_take_the_hosts(tmp_path, monkeypatch):
    """BuildOptions.march (--march) is the compiler's -march; left unset, a build ahead of
    time gets none (the platform's baseline, for wheels), and a module compiled on the fly
    (for this machine's cache) gets Toolchain.host_march(), in its cache key too."""
    log = tmp_path / "cc.log"
    cc = compiler_script(tmp_path / "cc", f'echo "$@" >> "{log}"\nexec "{GCC}" "$@"\n')
    monkeypatch.setattr(build, "runtime_object", lambda toolchain, abi3=False: runtime_object(Toolchain.default(), abi3))
    monkeypatch.setenv("WASM2PYEXT_CACHE", str(tmp_path / "cache"))
    toolchain = Toolchain((str(cc),))

    def marches() -> list[list[str]]:
        compiles = [line.split() for line in log.read_text().splitlines() if " -c " in f" {line} "]
        log.write_text("")
        return [[flag for flag in c if flag.startswith("-march")] for c in compiles]

    build_extension(SIMPLE, "m_default", tmp_path / f"m_default{ext_suffix()}", BuildOptions(toolchain=toolchain))
    assert marches() == [[]]
    build_extension(SIMPLE, "m_v2", tmp_path / f"m_v2{ext_suffix()}",
                    BuildOptions(toolchain=toolchain, march="x86-64-v2"))
    assert marches() == [["-march=x86-64-v2"]]

    monkeypatch.setattr(Toolchain, "host_march", lambda self: "x86-64")
    _, path = build.cached_extension(SIMPLE, BuildOptions(toolchain=toolchain))
    assert marches() == [["-march=x86-64"]]
    monkeypatch.setattr(Toolchain, "host_march", lambda self: None)
    _, other = build.cached_extension(SIMPLE, BuildOptions(toolchain=toolchain))
    assert marches() == [[]] and other != path


def test_host_march_needs_the_cpu_and_a_compiler_that_names_the_level(tmp_path, monkeypatch):
    from wasm2pyext import toolchain as tc

    gcc10 = compiler_script(tmp_path / "gcc10", 'echo "gcc (GCC) 10.2.1 20210110"\n'
                                                'echo "Copyright (C) 2020 Free Software Foundation, Inc."\n')
    gcc12 = compiler_script(tmp_path / "gcc12", 'echo "gcc (Debian 12.2.0-14) 12.2.0"\n'
                                                'echo "Copyright (C) 2022 Free Software Foundation, Inc."\n')
    clang11 = compiler_script(tmp_path / "clang11", 'echo "clang version 11.1.0"\n')
    clang14 = compiler_script(tmp_path / "clang14", 'echo "Debian clang version 14.0.6"\n')
    monkeypatch.setattr(tc, "_cpu_runs_x86_64_v2", lambda: True)
    assert [Toolchain((str(c),)).host_march() for c in (gcc10, gcc12, clang11, clang14)] == \
        [None, "x86-64-v2", None, "x86-64-v2"]
    monkeypatch.setattr(tc, "_cpu_runs_x86_64_v2", lambda: False)
    assert Toolchain((str(gcc12),)).host_march() is None
