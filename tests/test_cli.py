"""The command line (API.md, "Command line"), run as a user runs it: in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIMPLE = ROOT / "examples" / "simple.wasm"
EXT_SUFFIX = __import__("sysconfig").get_config_var("EXT_SUFFIX")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "wasm2pyext", *args], capture_output=True, text=True,
                          cwd=cwd, env=env)


def import_and_call(module_dir: Path, name: str, expr: str) -> str:
    code = f"import {name}; print({expr})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=module_dir,
                          env={"PATH": os.environ["PATH"]})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_build_writes_the_module_beside_the_file_by_default(tmp_path):
    wasm = tmp_path / "simple.wasm"
    wasm.write_bytes(SIMPLE.read_bytes())
    proc = run("build", str(wasm))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / f"simple{EXT_SUFFIX}").exists()
    assert import_and_call(tmp_path, "simple", "simple.Instance().exports.sum(5, 37)") == "42"


def test_build_with_output_dir_name_opt_level_and_kept_c(tmp_path):
    proc = run("build", str(SIMPLE), "-o", str(tmp_path), "--name", "adder", "-O0", "--keep-c")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / f"adder{EXT_SUFFIX}").exists()
    assert "PyInit_adder" in (tmp_path / "adder.c").read_text()
    assert import_and_call(tmp_path, "adder", "adder.Instance().exports.sum(-5, 3)") == "-2"


def test_build_makes_an_identifier_of_the_file_stem(tmp_path):
    wasm = tmp_path / "my-module.1.wasm"
    wasm.write_bytes(SIMPLE.read_bytes())
    assert run("build", str(wasm)).returncode == 0
    assert (tmp_path / f"my_module_1{EXT_SUFFIX}").exists()


def test_build_rejects_a_name_that_is_not_an_identifier(tmp_path):
    proc = run("build", str(SIMPLE), "-o", str(tmp_path), "--name", "no-dash")
    assert proc.returncode == 1
    assert "identifier" in proc.stderr


@pytest.mark.parametrize("command", ["build", "validate", "inspect"])
def test_malformed_input_exits_1_with_one_line_naming_offset_and_reason(tmp_path, command):
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"\0asm\x01\0\0\0\x01\x05")  # a type section cut short
    proc = run(command, str(bad))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "length out of bounds (at byte offset 0x9)" in lines[0]


def test_invalid_module_is_reported_by_validate(tmp_path):
    # (func (result i32) (i64.const 0)): a type mismatch
    bad = tmp_path / "invalid.wasm"
    bad.write_bytes(bytes.fromhex("0061736d01000000010501600001 7f030201000a0601040042000b".replace(" ", "")))
    proc = run("validate", str(bad))
    assert proc.returncode == 1
    assert "type mismatch" in proc.stderr


def test_validate_says_valid():
    proc = run("validate", str(SIMPLE))
    assert proc.returncode == 0 and proc.stdout.strip() == "valid"


def test_missing_file_is_an_error_without_traceback(tmp_path):
    proc = run("validate", str(tmp_path / "nope.wasm"))
    assert proc.returncode != 0 and "cannot read" in proc.stderr and "Traceback" not in proc.stderr


def test_inspect_lists_exports_with_types():
    proc = run("inspect", str(ROOT / "tests" / "golden" / "kitchen.wasm"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "import  env.log" in out and "func [i32] -> []" in out
    assert "export  fac" in out and "func [i64] -> [i64]" in out
    assert "memory 1..2 pages" in out
    assert "global f64" in out


def test_c_writes_the_generated_source(tmp_path):
    out = tmp_path / "simple.c"
    assert run("c", str(SIMPLE), "-o", str(out)).returncode == 0
    text = out.read_text()
    assert "static W2P_CODE uint32_t fn0_sum(Instance *inst, uint32_t v0_x, uint32_t v1_y)" in text
    stdout = run("c", str(SIMPLE), "-o", "-").stdout
    assert stdout == text


def test_bounds_checks_selects_the_portable_build(tmp_path):
    checked = run("c", str(SIMPLE), "-o", "-", "--bounds-checks").stdout
    assert ".flags = 0," in checked and "STACK_CHECK(" in checked
    assert run("build", str(SIMPLE), "-o", str(tmp_path), "--bounds-checks", "--name", "simple_checked").returncode == 0
    proc = subprocess.run([sys.executable, "-c", "import simple_checked as m; print(m.Instance().exports.sum(5, 37))"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.stdout.strip() == "42", proc.stderr


def test_example_prints_42(tmp_path):
    """README's first command: build examples/simple.wasm, run examples/simple.py."""
    assert run("build", str(SIMPLE), "-o", str(tmp_path)).returncode == 0
    script = tmp_path / "simple.py"
    script.write_text((ROOT / "examples" / "simple.py").read_text())
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"]})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "42"
