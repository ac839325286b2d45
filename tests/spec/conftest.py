"""Fixtures for the spec suite's tests (test_spec.py)."""
from __future__ import annotations

import os
from typing import Iterator

import pytest

from .results import Row, read_recorded
from .runner import ParallelRun


def _collected_spec_files(session: pytest.Session) -> list[str]:
    """The files whose tests this session will run (after -k and the like): the tests that
    wait on spec_run."""
    return [item.callspec.params["name"] for item in session.items
            if "spec_run" in getattr(item, "fixturenames", ()) and hasattr(item, "callspec")]


@pytest.fixture(scope="session")
def spec_run(request: pytest.FixtureRequest) -> Iterator[ParallelRun]:
    """Results of spec files, each run in its own subprocess.

    Without pytest-xdist every selected file starts at once, os.cpu_count() at a time, slowest
    first, and each test waits for its own file. Under xdist the workers are the parallelism:
    each runs its tests' files one by one.
    """
    under_xdist = "PYTEST_XDIST_WORKER" in os.environ
    with ParallelRun([] if under_xdist else _collected_spec_files(request.session)) as run:
        yield run


@pytest.fixture(scope="session")
def recorded() -> dict[str, Row]:
    """The pass counts RESULTS.md records, per file."""
    return read_recorded()
