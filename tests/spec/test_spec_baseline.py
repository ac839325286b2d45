"""The spec suite built for the platform's baseline CPU (what `wasm2pyext build` makes by
default, for wheels), on the SIMD files and the float files whose roundings and
conversions take other instructions there: modules compiled on the fly, as test_spec.py
runs them, assume this machine's CPU (x86-64-v2 where it has it; Toolchain.host_march).
The ratchet is the same."""
from __future__ import annotations

import os
import platform

import pytest

from .interpreter import MARCH_ENV
from .results import ratchet, read_recorded
from .runner import run_file_isolated
from .script import all_files, spectest_dir

FLOAT_FILES = ("conversions", "f32", "f64", "float_misc")
# The baseline the compiler assumes without -march, named.
BASELINE = {"x86_64": "x86-64"}.get(platform.machine())

if not (spectest_dir() / "json").is_dir():
    pytest.skip(f"the spec suite is not at {spectest_dir()} (set $WASM2PYEXT_SPECTEST)", allow_module_level=True)
if BASELINE is None:
    pytest.skip("modules compiled on the fly assume the baseline CPU here already", allow_module_level=True)


@pytest.mark.parametrize("name", [f for f in all_files() if f.startswith("simd_") or f in FLOAT_FILES])
def test_spec_file_built_for_the_baseline_cpu(name: str) -> None:
    result = run_file_isolated(name, env={**os.environ, MARCH_ENV: BASELINE})
    verdict = ratchet(result, read_recorded().get(name))
    assert verdict.ok, verdict.message
    assert result.total > 0
