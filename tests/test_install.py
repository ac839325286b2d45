"""A non-editable install into a fresh virtual environment builds modules: the templates and
the C runtime ship inside the package, and nothing is read from the source tree."""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from wasm2pyext.toolchain import RUNTIME_HEADERS, RUNTIME_SOURCES

ROOT = Path(__file__).resolve().parents[1]


def test_installed_package_builds_and_runs_a_module(tmp_path):
    env_dir = tmp_path / "venv"
    # The base interpreter's packages provide the dependencies: no download needed.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    clean_env = {"PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", str(tmp_path))}
    if "WASM2PYEXT_CACHE" in os.environ:
        clean_env["WASM2PYEXT_CACHE"] = os.environ["WASM2PYEXT_CACHE"]
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(tmp_path / "site"), str(ROOT)],
        capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    site = tmp_path / "site"
    assert (site / "wasm2pyext" / "templates" / "module.c.j2").exists()
    missing = [name for name in RUNTIME_SOURCES + RUNTIME_HEADERS
               if not (site / "wasm2pyext" / "runtime_c" / name).exists()]
    assert not missing, missing

    work = tmp_path / "work"
    work.mkdir()
    (work / "simple.wasm").write_bytes((ROOT / "examples" / "simple.wasm").read_bytes())
    env = dict(clean_env, PYTHONPATH=str(site))
    build = subprocess.run([str(python), "-m", "wasm2pyext", "build", "simple.wasm"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    check = subprocess.run(
        [str(python), "-c", "import wasm2pyext, simple; "
         "assert 'site' in wasm2pyext.__file__, wasm2pyext.__file__; "
         "print(simple.Instance().exports.sum(5, 37))"],
        cwd=work, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "42"
