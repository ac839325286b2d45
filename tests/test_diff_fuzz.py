"""Differential fuzzing against wasmtime (tests/fuzz/diff.py): fixed `wasm-tools smith`
modules, every exported function called on both engines, results, traps, memories, globals
and tables compared after each call. Chunks so that pytest-xdist spreads them over the cores;
the big runs are `python -m tests.fuzz.diff --count 10000`."""
from __future__ import annotations

import shutil

import pytest

from tests.fuzz import diff

pytest.importorskip("wasmtime", reason="the reference engine: pip install -e '.[test]'")
if shutil.which("wasm-tools") is None:
    pytest.skip("wasm-tools missing: pip install -e '.[test]'", allow_module_level=True)

CHUNK = 40
DEFAULT_CHUNKS = 12       # modules 1 .. 480, the default build (guard pages)
BOUNDS_CHECKS_CHUNKS = 3  # modules 100001 .. 100120, built with explicit bounds checks


def check(first: int, bounds_checks: bool | None, tmp_path) -> None:
    summary = diff.run_many(list(range(first, first + CHUNK)), jobs=1, bounds_checks=bounds_checks,
                            out=tmp_path)
    assert len(summary.verdicts) == CHUNK
    if summary.disagreements:
        lines = [f"seed {v.seed}: {v.detail}\n    rerun: "
                 f"{diff.repro_command(v.seed, diff.DEFAULT_SIZE, bounds_checks)}"
                 for v in summary.disagreements]
        pytest.fail(f"wasm2pyext and wasmtime disagree ({tmp_path} has the modules):\n" + "\n".join(lines),
                    pytrace=False)
    # the comparison compared something: most modules run calls to the end or to a trap
    assert summary.counts()["agree"] >= CHUNK // 2, summary.text()


@pytest.mark.parametrize("chunk", range(DEFAULT_CHUNKS))
def test_diff_fuzz(chunk, tmp_path):
    check(1 + chunk * CHUNK, None, tmp_path)


@pytest.mark.parametrize("chunk", range(BOUNDS_CHECKS_CHUNKS))
def test_diff_fuzz_bounds_checks(chunk, tmp_path):
    check(100001 + chunk * CHUNK, True, tmp_path)
