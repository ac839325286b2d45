"""The WebAssembly spec suite (every file, or $WASM2PYEXT_SPEC_FILES), one test per file.

THE RATCHET: a file fails when it passes fewer commands than tests/spec/RESULTS.md records;
a file not listed there must pass all of its commands. Passing more is fine: the summary at
the end suggests `python -m tests.spec.runner --update` to record it.
"""
from __future__ import annotations

from typing import Callable

import pytest

from .results import Row, ratchet
from .runner import ParallelRun
from .script import estimated_cost, load_commands, selected_files, spectest_dir

if not (spectest_dir() / "json").is_dir():
    pytest.skip(f"the spec suite is not at {spectest_dir()} (set $WASM2PYEXT_SPECTEST)", allow_module_level=True)


def _slowest_first(names: list[str]) -> list[str]:
    # Also the order pytest-xdist hands tests out in: the long files should not come last.
    return sorted(names, key=lambda name: (-estimated_cost(load_commands(name)), name))


@pytest.mark.parametrize("name", _slowest_first(selected_files()))
def test_spec_file(name: str, spec_run: ParallelRun, recorded: dict[str, Row],
                   record_property: Callable[[str, object], None]) -> None:
    result = spec_run.result(name)
    verdict = ratchet(result, recorded.get(name))
    # Read by the summary hook in tests/conftest.py (plain data, so it crosses from xdist workers).
    record_property("spec_result", {"name": name, "passed": result.passed, "total": result.total,
                                    "improved": verdict.improved, "error": result.error})
    assert verdict.ok, verdict.message
