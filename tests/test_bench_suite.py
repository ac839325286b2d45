"""The benchmark's package (bench/suite) holds together without running a benchmark: every
part named by `python bench/run.py --only` is a module with measure(suite), and the
shared tables and figures come out as the report expects."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (bench/run.py)
from suite import report, stats, timing  # noqa: E402
from suite.state import Suite  # noqa: E402


def test_every_part_has_a_measure():
    assert list(run.PARTS) == ["kernels", "programs", "calls", "host", "startup", "build", "bigbuild", "memory",
                               "control", "wasi", "simd"]
    for name, module in run.PARTS.items():
        assert callable(module.measure), name
    assert run.LIGHT_PARTS <= set(run.PARTS)


def test_only_takes_the_parts_and_nothing_else():
    assert run.arguments(["--quick", "--only", "control,wasi"]).only == "control,wasi"
    p = subprocess.run([sys.executable, str(BENCH / "run.py"), "--only", "kernels,nope"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "no part nope" in p.stderr


def test_interleaved_rounds_take_every_turn_once_a_round():
    turns = list(timing.interleaved(3, ["a", "b"], lambda name: ["x", "y"] if name == "a" else ["x"]))
    assert len(turns) == 3 * 3
    for r in range(3):
        assert sorted((n, w) for rr, n, w in turns if rr == r) == [("a", "x"), ("a", "y"), ("b", "x")]


def test_paired_rounds_compare_within_each_round():
    figures = {("fast", "k"): iter([1.0, 10.0]), ("slow", "k"): iter([3.0, 20.0])}
    who = {"fast": {"k": "fast"}, "slow": {"k": "slow"}}
    results, per_round = timing.paired_rounds(who, ["k"], lambda h, k: (h, next(figures[(h, k)])), 2, 1,
                                              warm_up=False, log_rounds=False)
    assert results == {("fast", "k"): "fast", ("slow", "k"): "slow"}
    assert set(per_round[("fast", "k")]) == {0, 1}
    # the median of the rounds' ratios (3 and 2), not the ratio of the medians
    assert stats.ratio_of_rounds(per_round, "slow", "fast", "k") == pytest.approx(2.5)


def test_stats():
    assert stats.median([]) != stats.median([])  # nan
    assert stats.median({1: 3.0, 2: 1.0, 3: 2.0}.values()) == 2.0
    assert stats.geomean([2.0, 8.0, float("nan"), 0.0]) == pytest.approx(4.0)
    assert stats.round_ratios({0: 2.0, 1: 3.0}, {0: 1.0}) == {0: 2.0}
    diff, (lo, hi) = stats.paired_difference([3.0, 5.0, 4.0], [1.0, 2.0, 2.0])
    assert diff == 2.0 and lo <= diff <= hi
    assert stats.fastest_native({("native gcc -O2", "k"): 2.0, ("native clang -O2", "k"): 3.0}, "k") == 2.0
    assert stats.fastest_native({}, "k") != stats.fastest_native({}, "k")


def test_time_tables_mark_what_did_not_count():
    labels = {"native clang -O2": "native clang -O2", "ours": "wasm2pyext", "wrong": "other"}
    cols = report.columns(labels)
    med = {("native clang -O2", "fib"): 0.002, ("ours", "fib"): 0.003}
    results = {("wrong", "fib"): "41"}
    lines, ratio_rows, ratios = report.time_tables("kernel", ["fib"], cols, labels, med, results, {})
    assert lines[0] == "| kernel | native clang -O2 | wasm2pyext | other |"
    assert lines[2] == "| fib | 2.00 | 3.00 | WRONG |"
    assert ratio_rows[2] == "| fib | 1.00x | 1.50x | WRONG |"
    gm, complete = report.geomean_row(ratio_rows, "**geomean**", cols, [ratios], 1)
    assert ratio_rows[-1] == "| **geomean** | **1.00x** | **1.50x** | (nanx, incomplete) |"
    assert complete == {"native clang -O2": True, "ours": True, "wrong": False}


def test_a_table_is_dedented_under_its_heading():
    suite = Suite(SimpleNamespace(quick=True, rounds=None), {})
    suite.add_table("""\
        ## A table

        | a | b |
        |---|---|
        """, ["| 1 | 2 |"])
    assert suite.tables == ["## A table\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"]


def test_big_build_times_a_process_and_its_largest_childs_memory():
    from suite import bigbuild
    out = bigbuild.timed([sys.executable, "-c", "import time; x = bytearray(60_000_000); time.sleep(0.2)"])
    assert out["seconds"] >= 0.2 and 60 <= out["peak_mb"] < 200, out
