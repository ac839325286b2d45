"""examples/wasi/ and the README's "WASI programs" section run as written."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "wasi"


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))


def test_the_example_script() -> None:
    done = subprocess.run([sys.executable, "run.py"], cwd=EXAMPLE, capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout == "0 ['hello Ada from wc', '2 3 14', '']\n2 3 14\n"


def test_the_readme_section() -> None:
    """The snippet's commented results are what its expressions give."""
    text = (REPO / "README.md").read_text()
    section = text.split("## WASI programs", 1)[1].split("\n## ", 1)[0]
    block = section.split("\n\n    import", 1)[1].split("\n\n", 1)[0]
    lines = [line[4:] for line in ("    import" + block).splitlines()]
    program = []
    for line in lines:
        code, _, comment = line.partition("#")
        expected = comment.strip().split(":")[0]
        body = code.rstrip()
        indent = body[:len(body) - len(body.lstrip())]
        if comment and expected.startswith("'"):
            program.append(f"{indent}assert {body.strip()} == {expected}, {body.strip()}")
        elif comment and re.fullmatch(r"\d+", expected):
            program.append(body)
            program.append(f"{indent}assert code == {expected}")
        else:
            program.append(body)
    done = subprocess.run([sys.executable, "-c", "\n".join(program)], cwd=EXAMPLE, capture_output=True,
                          text=True, env=_env())
    assert done.returncode == 0, done.stderr + "\n".join(program)


def test_the_readme_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "wasm2pyext", "run", "--env", "NAME=Bob", "examples/wasi/wc.wasm"],
                          input="x y\n", cwd=REPO, capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello Bob from wc.wasm\n1 2 4\n"
