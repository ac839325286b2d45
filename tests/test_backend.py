"""The PEP 517 build backend: `pip wheel .` on a folder with a .wasm and a pyproject, and a
wheel rebuilt from the sdist."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from wasm2pyext import backend

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "examples" / "wheel_project"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy)
    monkeypatch.chdir(copy)
    return copy


def test_pip_wheel_builds_an_installable_wheel(project, tmp_path):
    out = tmp_path / "wheels"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w", str(out),
                           str(project)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = out.glob("adder-0.1.0-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    clean = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PIP_NO_INDEX": "1"}
    assert subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], env=clean).returncode == 0
    run = subprocess.run([python, "-c", "import adder; print(adder.Instance().exports.sum(40, 2))"],
                         env=clean, cwd=tmp_path, capture_output=True, text=True)
    assert run.stdout.strip() == "42", run.stderr


def test_sdist_carries_the_wasm_and_rebuilds_the_wheel(project, tmp_path, monkeypatch):
    sdist = tmp_path / backend.build_sdist(str(tmp_path))
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked", filter="data")
    assert "adder-0.1.0/adder.wasm" in names and "adder-0.1.0/pyproject.toml" in names
    monkeypatch.chdir(tmp_path / "unpacked" / "adder-0.1.0")
    wheel = tmp_path / backend.build_wheel(str(tmp_path))
    with zipfile.ZipFile(wheel) as whl:
        assert "adder/__init__.pyi" in whl.namelist()
        assert "Summary: sum(x, y) in WebAssembly" in whl.read("adder-0.1.0.dist-info/METADATA").decode()


def test_missing_module_table_is_a_clear_error(project):
    (project / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    with pytest.raises(backend.ConfigError, match=r"\[tool.wasm2pyext\] needs modules"):
        backend.build_wheel(str(project))


def test_missing_wasm_file_is_a_clear_error(project):
    (project / "adder.wasm").unlink()
    with pytest.raises(backend.ConfigError, match="adder.wasm not found"):
        backend.build_wheel(str(project))
