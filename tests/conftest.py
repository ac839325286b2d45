"""Shared pytest configuration.

The spec suite's per-file summary lives here, not in tests/spec/, because with pytest-xdist
the controlling process (which prints the summary) only loads this top-level conftest.
"""
from __future__ import annotations

from typing import Any

import pytest

_UPDATE_COMMAND = "python -m tests.spec.runner --update"


class SpecSummary:
    """Collects the `spec_result` property of tests/spec/test_spec.py's tests and prints
    each file's pass/total at the end of the run."""

    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {}
        self.skipped: dict[str, str] = {}  # conformance test file -> why it did not run

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == "spec_result":
                self.results[value["name"]] = value

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # A conformance suite that is not there skips its whole file: say so in the summary,
        # not only under -rs, so a run without ../shared is not taken for a full one.
        if report.skipped and report.nodeid.startswith(("tests/spec/", "tests/wasi/")):
            reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            self.skipped[report.nodeid] = reason.removeprefix("Skipped: ")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for nodeid, reason in sorted(self.skipped.items()):
            terminalreporter.write_line(f"NOT RUN: {nodeid}: {reason}", yellow=True, bold=True)
        if not self.results:
            return
        write = terminalreporter.write_line
        terminalreporter.section("spec suite: commands passed per file")
        cells = [f"{name:<22}{r['passed']:>5}/{r['total']:<5}" for name, r in sorted(self.results.items())]
        for start in range(0, len(cells), 3):
            write("   ".join(cells[start:start + 3]).rstrip())
        passed = sum(r["passed"] for r in self.results.values())
        total = sum(r["total"] for r in self.results.values())
        write(f"total: {passed}/{total} commands in {len(self.results)} files")
        for name, r in sorted(self.results.items()):
            if r["error"]:
                write(f"{name}: run stopped: {r['error']}")
        improved = sorted(name for name, r in self.results.items() if r["improved"])
        if improved:
            write(f"better than RESULTS.md records: {', '.join(improved)}; run `{_UPDATE_COMMAND}`")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SpecSummary(), "wasm2pyext-spec-summary")
