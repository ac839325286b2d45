"""The README's snippets of the built module and of the Python API run as written: each
line in turn, and a line whose comment is a Python literal (`inst.exports.sum(5, 37)  # 42`)
must give that value."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def snippet(title: str) -> list[str]:
    """The first indented code block under the README heading `title`."""
    text = (ROOT / "README.md").read_text().split(f"\n{title}\n", 1)[1]
    lines, started = [], False
    for line in text.splitlines():
        if line.startswith("    "):
            lines.append(line[4:])
            started = True
        elif started and line.strip():
            break
    return lines


def run_checked(lines: list[str], namespace: dict) -> int:
    """Runs the lines; returns how many results were checked against their comments."""
    checked = 0
    for line in lines:
        code, _, comment = line.partition("  # ")
        try:
            expected = ast.literal_eval(comment.strip()) if comment else None
        except (ValueError, SyntaxError):
            expected = None
        if expected is not None:  # `a; b  # result`: a runs, then b gives the result
            *before, last = code.split(";")
            exec(";".join(before), namespace)
            assert eval(last, namespace) == expected, line
            checked += 1
        else:
            exec(code, namespace)
    return checked


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copy(ROOT / "examples" / "simple.wasm", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_built_module(workdir):
    done = subprocess.run([sys.executable, "-m", "wasm2pyext", "build", "simple.wasm"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    namespace: dict = {}
    assert run_checked(snippet("## A built module"), namespace) == 1
    assert namespace["inst"].memory.uint8_view(16)[0:4] == [0, 0, 0, 0]


def test_the_python_api(workdir):
    assert run_checked(snippet("## Python API (the classic wasmer-python API works as is)"), {}) == 4
