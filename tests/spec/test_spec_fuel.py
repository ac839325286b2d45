"""The build with fuel (unlimited, so nothing runs out) on the spec files about control
flow, calls and traps: metering must change no result. test_spec.py covers the default
build; the ratchet is the same (these files pass all their commands in RESULTS.md)."""
from __future__ import annotations

import os

import pytest

from .interpreter import FUEL_ENV
from .results import ratchet, read_recorded
from .runner import run_file_isolated
from .script import all_files, spectest_dir

FILES = ("block", "br", "br_if", "br_table", "call", "call_indirect", "fac", "forward", "if", "labels",
         "left-to-right", "loop", "nop", "return", "select", "stack", "switch", "traps", "unreachable", "unwind",
         "memory_trap", "skip-stack-guard-page")

if not (spectest_dir() / "json").is_dir():
    pytest.skip(f"the spec suite is not at {spectest_dir()} (set $WASM2PYEXT_SPECTEST)", allow_module_level=True)


@pytest.mark.parametrize("name", [f for f in FILES if f in all_files()])
def test_spec_file_with_fuel(name: str) -> None:
    result = run_file_isolated(name, env={**os.environ, FUEL_ENV: "1"})
    verdict = ratchet(result, read_recorded().get(name))
    assert verdict.ok, verdict.message
    assert result.total > 0
