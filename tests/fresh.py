"""run_fresh(code): Python code in a new interpreter, for cases that could hang, crash or
change process-wide state (signal handlers, threads): a failure then fails the test
instead of taking the test run with it."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def run_fresh(code: str, timeout: float = 120) -> str:
    """Runs `code` (dedented; tests/ on its path) in a fresh interpreter: its output. Fails
    the test on a crash, a hang (killed after `timeout` s) or an error."""
    prelude = f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
    try:
        done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"hung (killed after {timeout} s); output so far: {e.stdout!r}")
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout
