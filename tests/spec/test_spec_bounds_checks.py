"""The portable build (explicit bounds and stack checks, not guard pages) on the spec files
that exercise memory bounds and call depth. test_spec.py covers the default build; the
ratchet is the same (these files pass all their commands in RESULTS.md)."""
from __future__ import annotations

import os

import pytest

from .interpreter import BOUNDS_CHECKS_ENV
from .results import ratchet, read_recorded
from .runner import run_file_isolated
from .script import all_files, spectest_dir

FILES = ("address", "align", "call", "call_indirect", "endianness", "fac", "float_memory", "left-to-right",
         "load", "memory", "memory_grow", "memory_size", "memory_trap", "skip-stack-guard-page", "store",
         "traps", "simd_address", "simd_load", "simd_load_extend", "simd_load_splat", "simd_load_zero",
         "simd_load8_lane", "simd_load64_lane", "simd_store", "simd_store8_lane", "simd_store64_lane")

if not (spectest_dir() / "json").is_dir():
    pytest.skip(f"the spec suite is not at {spectest_dir()} (set $WASM2PYEXT_SPECTEST)", allow_module_level=True)


@pytest.mark.parametrize("name", [f for f in FILES if f in all_files()])
def test_spec_file_with_bounds_checks(name: str) -> None:
    result = run_file_isolated(name, env={**os.environ, BOUNDS_CHECKS_ENV: "1"})
    verdict = ratchet(result, read_recorded().get(name))
    assert verdict.ok, verdict.message
    assert result.total > 0
