"""Type stubs of built modules: what they declare, and that mypy checks a user's script
against them."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wasm2pyext.build import front_end
from wasm2pyext.stubs import generate_stub

from wat import wat

ROOT = Path(__file__).resolve().parents[1]
KITCHEN = (ROOT / "tests" / "golden" / "kitchen.wasm").read_bytes()


def kitchen_stub() -> str:
    return generate_stub(front_end(KITCHEN), "kitchen")


def test_exported_functions_are_typed_methods_with_named_parameters():
    stub = kitchen_stub()
    assert "    def fac(self, n: int | Value, /) -> int: ..." in stub
    assert "    def divmod(self, a: int | Value, b: int | Value, /) -> tuple[int, int]: ..." in stub
    assert "    def bump(self) -> int: ..." in stub


def test_memories_and_globals_are_typed_attributes():
    stub = kitchen_stub()
    assert "    memory: Memory" in stub
    assert "    scale: Global" in stub


def test_unnamed_parameters_and_names_that_are_not_identifiers():
    wasm = wat('(module (func (export "add two") (export "f") (param i32 f64) (result f32) (f32.const 1)))',
               names=False)
    stub = generate_stub(front_end(wasm), "m")
    assert "    def f(self, p0: int | Value, p1: float | Value, /) -> float: ..." in stub
    assert "add two" not in stub


def test_stub_is_valid_python():
    compile(kitchen_stub(), "kitchen.pyi", "exec")


@pytest.mark.skipif(shutil.which("mypy") is None and subprocess.run(
    [sys.executable, "-c", "import mypy"], capture_output=True).returncode != 0, reason="mypy is not installed")
def test_mypy_checks_a_script_against_the_stub(tmp_path):
    (tmp_path / "kitchen.pyi").write_text(kitchen_stub())
    (tmp_path / "good.py").write_text(
        "import kitchen\n"
        "inst = kitchen.Instance({'env': {'log': print}})\n"
        "n: int = inst.exports.fac(5)\n"
        "q, r = inst.exports.divmod(7, 2)\n"
        "view = inst.exports.memory.uint8_view(0)\n")
    (tmp_path / "bad.py").write_text(
        "import kitchen\n"
        "inst = kitchen.Instance()\n"
        "s: str = inst.exports.fac(5)\n"
        "inst.exports.fac('five')\n"
        "inst.exports.fac(n=5)\n")  # positional only, as calls are
    def mypy(path: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--python-version", "3.11", path],
                              cwd=tmp_path, capture_output=True, text=True)
    good = mypy("good.py")
    assert good.returncode == 0, good.stdout
    bad = mypy("bad.py")
    assert bad.returncode == 1
    assert bad.stdout.count("error:") == 3, bad.stdout


def test_exports_named_like_the_objects_own_attributes_stay_out_of_the_class():
    """An export named __init__ or __class__ is reachable only as exports["__init__"]; the
    stubs declared it a method of Exports."""
    from wasm2pyext.decode import decode
    from wasm2pyext.stubs import generate_stub
    from wat import wat
    text = generate_stub(decode(wat('(module (func (export "__init__")) (func (export "__class__")) '
                                    '(func (export "__x") ) (func (export "ok")))')), "m")
    exports = text[text.index("class Exports:"):text.index("class Instance:")]
    assert "def __init__" not in exports and "__class__" not in exports
    assert "def __x(self)" in exports and "def ok(self)" in exports
