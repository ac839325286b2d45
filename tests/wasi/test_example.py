"""examples/wasi/ and the README's "WASI programs" section run as written, the example also
as the wheel the build backend makes of it."""
from __future__ import annotations

import os
import re
import shlex
import shutil
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


def _wheel_snippets() -> tuple[list[str], list[str]]:
    """The README's wheel commands (the indented block after "ships as a wheel") and the
    Python block that follows them."""
    section = (REPO / "README.md").read_text().split("## WASI programs", 1)[1].split("\n## ", 1)[0]
    after = section.split("ships as a wheel", 1)[1]
    blocks, current = [], []
    for line in after.splitlines():
        if line.startswith("    ") or (current and not line.strip()):
            current.append(line[4:])
        elif current:
            blocks.append(current)
            current = []
    commands = [line.split("  #")[0].strip() for line in blocks[0] if line.strip()]
    return commands, blocks[1]


def test_the_example_ships_as_a_wheel_that_runs_without_wasm2pyext(tmp_path) -> None:
    """The README's commands build examples/wasi into a wheel (through the build backend)
    and install it into a fresh venv, which has no wasm2pyext; its Python block runs there,
    the output captured, each commented result checked."""
    import venv
    commands, code = _wheel_snippets()
    assert commands[0].startswith("pip wheel ") and commands[1].startswith("pip install ")
    project = tmp_path / "repo"
    shutil.copytree(EXAMPLE, project / "examples" / "wasi")
    offline = dict(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    built = subprocess.run([sys.executable, "-m", *shlex.split(commands[0])], cwd=project, capture_output=True,
                           text=True, env=dict(_env(), **offline))
    assert built.returncode == 0, built.stderr
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    clean = dict(PATH=os.environ["PATH"], HOME=str(tmp_path), **offline)
    install = shlex.split(commands[1])
    wheels = sorted(map(str, project.glob(install[-1])))
    assert len(wheels) == 1, wheels
    done = subprocess.run([str(python), "-m", *install[:-1], wheels[0]], cwd=project, env=clean,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    program = ["import sys", "assert 'wasm2pyext' not in sys.modules"]
    for line in code:
        body, _, comment = line.partition("  # ")
        expected = comment.strip()
        if expected.startswith("'"):
            program.append(f"assert {body.strip()} == {expected}, {body.strip()}")
        else:
            program.append(body.rstrip())
    program.append("import importlib.util; assert importlib.util.find_spec('wasm2pyext') is None")
    ran = subprocess.run([str(python), "-c", "\n".join(program)], cwd=tmp_path, env=clean, capture_output=True,
                         text=True)
    assert ran.returncode == 0, ran.stderr + "\n".join(program)
    assert ran.stdout == ""  # exit code 0: no WasiExit
