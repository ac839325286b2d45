"""The spec suite built by clang instead of gcc, on the files that exercise what the two
compilers treat differently: memory bounds (forced loads, stores kept as written with guard
pages), call depth, float semantics and conversions, bulk memory and tables. test_spec.py
covers the default compiler; the ratchet is the same. CI installs clang (.ci/run)."""
from __future__ import annotations

import os
import shutil

import pytest

from .results import ratchet, read_recorded
from .runner import run_file_isolated
from .script import all_files, spectest_dir

FILES = ("address", "align", "call", "call_indirect", "conversions", "endianness", "f32", "f64", "fac",
         "float_exprs", "float_memory", "float_misc", "i32", "i64", "left-to-right", "load", "memory",
         "memory_copy", "memory_fill", "memory_grow", "memory_trap", "skip-stack-guard-page", "store",
         "table_grow", "traps", "unwind")

if not (spectest_dir() / "json").is_dir():
    pytest.skip(f"the spec suite is not at {spectest_dir()} (set $WASM2PYEXT_SPECTEST)", allow_module_level=True)
CLANG = shutil.which("clang")


@pytest.mark.skipif(CLANG is None, reason="clang is not installed (.ci/run installs it)")
@pytest.mark.parametrize("name", [f for f in FILES if f in all_files()])
def test_spec_file_built_by_clang(name: str) -> None:
    result = run_file_isolated(name, env={**os.environ, "CC": CLANG})
    verdict = ratchet(result, read_recorded().get(name))
    assert verdict.ok, verdict.message
    assert result.total > 0
