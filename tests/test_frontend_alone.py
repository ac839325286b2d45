"""The front end (decode, validate, inspect, the C writer) needs no C compiler and loads no
compiled code: in a process with no compiler on PATH and an empty cache, `wasm2pyext
validate|inspect|c` and wasm2pyext.validate() work, and the errors they raise are the
classes built modules raise, whichever of the two a process loads first (issue 18)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wat import wat

ROOT = Path(__file__).resolve().parents[1]
SIMPLE = ROOT / "examples" / "simple.wasm"


@pytest.fixture
def no_compiler(tmp_path):
    """An environment without any C compiler on PATH and with a cache holding nothing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "WASM2PYEXT_CFLAGS")}
    env.update(PATH=str(bin_dir), WASM2PYEXT_CACHE=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    assert shutil.which("gcc", path=env["PATH"]) is None and shutil.which("cc", path=env["PATH"]) is None
    return env


def cli(env, *args):
    return subprocess.run([sys.executable, "-m", "wasm2pyext", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=120)


def test_validate_inspect_and_c_need_no_compiler(no_compiler, tmp_path):
    done = cli(no_compiler, "validate", SIMPLE)
    assert (done.returncode, done.stdout.strip()) == (0, "valid"), done.stderr
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(wat('(module (func (result i32) (i64.const 1)))', check=False))
    done = cli(no_compiler, "validate", bad)
    assert done.returncode == 1 and "byte offset" in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = cli(no_compiler, "inspect", SIMPLE)
    assert done.returncode == 0 and "sum" in done.stdout, done.stderr
    done = cli(no_compiler, "c", SIMPLE, "-o", tmp_path / "simple.c")
    assert done.returncode == 0, done.stderr
    assert "fn0_sum" in (tmp_path / "simple.c").read_text()
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.so"))


def test_the_python_front_end_loads_no_compiled_code(no_compiler):
    code = f"""
import pickle, sys, wasm2pyext
from wasm2pyext.frontend import front_end
assert wasm2pyext.validate(open({str(SIMPLE)!r}, "rb").read())
assert not wasm2pyext.validate(b"\\0asm\\2\\0\\0\\0")
try:
    front_end(b"\\0asm\\1\\0\\0\\0\\x05")
except wasm2pyext.DecodeError as e:
    assert isinstance(e, wasm2pyext.CompileError) and isinstance(e, wasm2pyext.Error)
    again = pickle.loads(pickle.dumps(e))
    assert (type(again), again.reason, again.offset, str(again)) == (type(e), e.reason, e.offset, str(e))
    print("error:", e)
print(sorted(name for name in sys.modules if name.startswith("_wasm2pyext_rt")))
try:
    wasm2pyext.Instance(open({str(SIMPLE)!r}, "rb").read())
except Exception as e:
    print(type(e).__name__, "needs a C compiler" in str(e))
"""
    done = subprocess.run([sys.executable, "-c", code], env=no_compiler, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-2:] == ["[]", "BuildError True"] and "at byte offset 0x" in done.stdout, \
        done.stdout


@pytest.mark.parametrize("first", ["wasm2pyext", "built module"])
def test_one_error_hierarchy_whichever_comes_first(tmp_path, first):
    built = subprocess.run([sys.executable, "-m", "wasm2pyext", "build", str(SIMPLE), "-o", str(tmp_path)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    imports = ["import wasm2pyext.errors", "import simple"]
    code = "\n".join(imports if first == "wasm2pyext" else imports[::-1]) + """
import wasm2pyext
assert simple.Error is wasm2pyext.Error and simple.Trap is wasm2pyext.Trap and simple.LinkError is wasm2pyext.LinkError
assert issubclass(wasm2pyext.DecodeError, simple.Error) and issubclass(simple.Trap, wasm2pyext.Error)
try:
    simple.Instance(imports={}).exports.sum(1, "x")
except TypeError:
    pass
try:
    wasm2pyext.Instance(b"\\0asm\\1\\0\\0\\0\\x05")
except simple.Error as e:
    print(type(e).__name__)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=f"{tmp_path}:{ROOT}"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "DecodeError"
