"""Modules built ahead of time with the CLI, imported as a user imports them: in a fresh
interpreter whose path holds only the build directory and the standard library."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import wasm2pyext

from wat import wat

ROOT = Path(__file__).resolve().parents[1]
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")

ALPHA = r"""
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "hi")
  (global (export "answer") i32 (i32.const 42))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $alpha_boom (export "boom") unreachable)
  (func (export "name with spaces") (result i32) i32.const 5))
"""

BETA = r"""
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (func (export "add_and_log") (param i32 i32) (result i32)
    local.get 0 local.get 1 call $add local.get 0 call $log))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A directory with alpha and beta built by the CLI (and their .wasm files)."""
    out = tmp_path_factory.mktemp("aot")
    src = tmp_path_factory.mktemp("aot-src")
    for name, text in (("alpha", ALPHA), ("beta", BETA)):
        wasm = src / f"{name}.wasm"
        wasm.write_bytes(wat(text))
        done = subprocess.run([sys.executable, "-m", "wasm2pyext", "build", str(wasm), "-o", str(out)],
                              capture_output=True, text=True, cwd=ROOT,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert done.returncode == 0, done.stderr
        (out / f"{name}.wasm.bin").write_bytes(wasm.read_bytes())
    return out


def run_isolated(directory: Path, code: str):
    """Runs code in a fresh interpreter without site-packages or wasm2pyext on its path
    (PYTHONPATH is the build directory only); returns what it printed, as JSON."""
    done = subprocess.run([sys.executable, "-S", "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=directory, env={"PYTHONPATH": str(directory)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_build_writes_the_extension_and_stubs(built):
    assert (built / f"alpha{EXT_SUFFIX}").is_file()
    assert (built / "alpha.pyi").is_file()


def test_built_module_imports_without_wasm2pyext(built):
    result = run_isolated(built, """
        import importlib.util, json, sys
        import alpha
        print(json.dumps([importlib.util.find_spec("wasm2pyext") is None,
                          any(name.startswith("wasm2pyext") for name in sys.modules)]))
    """)
    assert result == [True, False]


def test_built_module_instance_exports(built):
    result = run_isolated(built, """
        import json
        import alpha
        ex = alpha.Instance().exports
        print(json.dumps([ex.add(5, 37), ex["name with spaces"](), ex.answer.value,
                          ex.memory.uint8_view()[0:2], sorted(ex)]))
    """)
    assert result == [42, 5, 42, [104, 105], sorted(["memory", "answer", "add", "boom", "name with spaces"])]


def test_built_module_instances_are_independent(built):
    result = run_isolated(built, """
        import json
        import alpha
        a, b = alpha.Instance(), alpha.Instance()
        a.memory.uint8_view()[0] = 7
        print(json.dumps([a.memory.uint8_view()[0], b.memory.uint8_view()[0]]))
    """)
    assert result == [7, 104]


def test_built_module_wasm_sha256_is_the_hash_of_the_file(built):
    result = run_isolated(built, "import alpha, json; print(json.dumps(alpha.wasm_sha256))")
    assert result == hashlib.sha256((built / "alpha.wasm.bin").read_bytes()).hexdigest()


def test_built_module_lists_imports_and_exports(built):
    result = run_isolated(built, """
        import json
        import alpha, beta
        print(json.dumps([alpha.imports, alpha.exports, beta.imports, beta.exports]))
    """)
    alpha_imports, alpha_exports, beta_imports, beta_exports = result
    assert alpha_imports == []
    assert ["", "add", "func", [["i32", "i32"], ["i32"]]] in alpha_exports
    assert {(e[1], e[2]) for e in alpha_exports} == {("memory", "memory"), ("answer", "global"), ("add", "func"),
                                                      ("boom", "func"), ("name with spaces", "func")}
    assert beta_imports == [["env", "add", "func", [["i32", "i32"], ["i32"]]], ["env", "log", "func", [["i32"], []]]]
    assert [e[1] for e in beta_exports] == ["add_and_log"]


def test_built_module_raises_its_trap_class(built):
    result = run_isolated(built, """
        import json
        import alpha
        try:
            alpha.Instance().exports.boom()
        except alpha.Trap as e:
            print(json.dumps([e.kind, str(e), isinstance(e, alpha.Error)]))
    """)
    kind, message, is_error = result
    assert kind == "unreachable" and message.startswith("unreachable") and "alpha_boom" in message
    assert is_error


def test_built_modules_share_classes(built):
    result = run_isolated(built, """
        import json
        import alpha, beta
        names = ["Value", "Error", "Trap", "LinkError", "Memory", "Global", "Table"]
        print(json.dumps([getattr(alpha, n) is getattr(beta, n) for n in names]))
    """)
    assert result == [True] * 7


def test_export_of_one_built_module_imported_by_another(built):
    result = run_isolated(built, """
        import json
        import alpha, beta
        logged = []
        a = alpha.Instance()
        b = beta.Instance({"env": {"add": a.exports.add, "log": logged.append}})
        print(json.dumps([b.exports.add_and_log(40, 2), logged]))
    """)
    assert result == [42, [40]]


def test_built_module_link_error_and_host_exception(built):
    result = run_isolated(built, """
        import json
        import beta
        out = []
        try:
            beta.Instance({})
        except beta.LinkError as e:
            out.append("add" in str(e))
        error = ValueError("mine")
        def add(a, b):
            raise error
        try:
            beta.Instance({"env": {"add": add, "log": print}}).exports.add_and_log(1, 2)
        except ValueError as e:
            out.append(e is error)
        print(json.dumps(out))
    """)
    assert result == [True, True]


def load_built(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_built_module_in_process_shares_classes_with_wasm2pyext(built):
    alpha = load_built(built / f"alpha{EXT_SUFFIX}", "alpha")
    assert alpha.Trap is wasm2pyext.Trap
    assert alpha.Value is wasm2pyext.Value
    with pytest.raises(wasm2pyext.Trap):
        alpha.Instance().exports.boom()


def test_built_module_export_imported_by_a_dynamic_instance(built):
    alpha = load_built(built / f"alpha{EXT_SUFFIX}", "alpha")
    logged = []
    b = wasm2pyext.Instance(wat(BETA), {"env": {"add": alpha.Instance().exports.add, "log": logged.append}})
    assert b.exports.add_and_log(1, 2) == 3
    assert logged == [1]
