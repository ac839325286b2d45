"""Every example of the classic wasmer-python 0.x README (examples/classic/) runs unchanged
but for its import line, and prints what that README says it prints."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLASSIC = ROOT / "examples" / "classic"

EXPECTED = {
    "simple.py": "42\n",
    "instance.py": "3\n3\n",
    "value.py": "I32(7)\nI64(7)\nF32(7.42)\nF64(7.42)\n",
    "memory.py": "0\n",
    "return_string.py": "Hello, World!\nHello, World!\n1 True\n",
    "endianness.py": "1025\n1074791425\n",
}


def test_every_classic_example_is_checked():
    assert sorted(p.name for p in CLASSIC.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_classic_example_output(script):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, script], cwd=CLASSIC, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == EXPECTED[script]


def test_examples_differ_from_the_classic_readme_only_in_imports():
    for script in EXPECTED:
        for line in (CLASSIC / script).read_text().splitlines():
            assert "wasmer" not in line or line.startswith("#"), f"{script}: {line}"
