"""The wasi-testsuite's 72 preview 1 programs, through the API and through `wasm2pyext run`,
one test per program (see suite.py).

THE RATCHET: a program recorded as `pass` in tests/wasi/RESULTS.md must still pass, each
way; one recorded as FAIL is an expected failure (it passing again is reported as XPASS:
record it with `python -m tests.wasi.suite --update`).
"""
from __future__ import annotations

import pytest

from .suite import build, programs, recorded, run_program, suite_dir

if not (suite_dir() / "tests").is_dir():
    pytest.skip(f"the wasi-testsuite is not at {suite_dir()} (set $WASM2PYEXT_WASI_TESTSUITE)",
                allow_module_level=True)

_RECORDED = recorded()


@pytest.mark.parametrize("program", programs())
def test_wasi_program(program: str) -> None:
    build(program)
    row = _RECORDED.get(program, {"api": "pass", "cli": "pass"})
    failures = {way: run_program(program, way) for way in ("api", "cli")}
    regressed = {way: why for way, why in failures.items() if why and row[way] == "pass"}
    assert not regressed, f"{program} no longer passes: {regressed}"
    if any(failures.values()):
        pytest.xfail(f"recorded as failing: {failures}")
