"""Installing wasm2pyext: a non-editable install into a fresh place builds modules (the
templates and the C runtime ship inside the package, nothing is read from the source
tree), and it compiles the runtime once, at install (setup.py), so the first module built
costs one C compile. A runtime compiled for another compiler or flags, or damaged, is
never used: the build compiles its own (saying why) and caches it. Without a C compiler
the install still succeeds."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from wasm2pyext import toolchain as tc
from wasm2pyext.toolchain import (PREBUILT_MANIFEST, RUNTIME_HEADERS, RUNTIME_SOURCES, Toolchain, record_cache_entry,
                                  runtime_key, runtime_object)

ROOT = Path(__file__).resolve().parents[1]
GCC = shutil.which("gcc")


def pip_install(target: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """pip install of a copy of this tree into `target` (the base interpreter's packages
    provide the dependencies and Cython: no download needed). A copy: pip builds in the
    tree, and two installs at once would share its build/ folder."""
    tree = target.with_name(target.name + "-source")
    tree.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    for name in ("wasm2pyext", "templates", "shim", "runtime_c"):
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "prebuilt"))
    return subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(tree)], capture_output=True, text=True, env=env)


class Installed:
    """wasm2pyext installed into site/ by a logging compiler (cc, a wrapper of gcc that
    logs its runs to $W2P_CC_LOG), with a venv whose Python finds it there."""

    def __init__(self, base: Path) -> None:
        self.cc = base / "cc"
        self.site = base / "site"
        env_dir = base / "venv"
        self.python = env_dir / "bin" / "python"
        self.env = {"PATH": f"{env_dir / 'bin'}:{os.environ['PATH']}", "HOME": os.environ.get("HOME", str(base)),
                    "CC": str(self.cc)}
        if (base / "installed").exists():
            return
        self.cc.write_text(f'#!/bin/sh\n[ -z "$W2P_CC_LOG" ] || echo "$@" >> "$W2P_CC_LOG"\nexec "{GCC}" "$@"\n')
        self.cc.chmod(self.cc.stat().st_mode | stat.S_IXUSR)
        venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
        done = pip_install(self.site, self.env)
        assert done.returncode == 0, done.stderr
        (base / "installed").touch()

    def run(self, args: list[str], cwd: Path, cache: Path, **env: str) -> subprocess.CompletedProcess:
        env = dict(self.env, PYTHONPATH=str(self.site), WASM2PYEXT_CACHE=str(cache), W2P_CC_LOG=str(cwd / "cc.log"),
                   **env)
        return subprocess.run([str(self.python), *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=600)


def compiles(work: Path) -> list[list[str]]:
    """The compiler's runs for the builds in `work` since the last call (their arguments),
    but for asking its version."""
    log = work / "cc.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.write_text("")
    return [line.split() for line in lines if line != "--version"]


def compiled_file(run: list[str]) -> str:
    """The file a compile (-c FILE) compiled, or "" for a link."""
    return Path(run[run.index("-c") + 1]).name if "-c" in run else ""


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    """One install for the whole run, shared by pytest-xdist's workers (each waits for it)."""
    if GCC is None:
        pytest.skip("needs gcc")
    root = tmp_path_factory.getbasetemp()
    root = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root
    with open(root / "wasm2pyext-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        base = root / "wasm2pyext-install"
        base.mkdir(exist_ok=True)
        return Installed(base)


def work_folder(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    (work / "simple.wasm").write_bytes((ROOT / "examples" / "simple.wasm").read_bytes())
    return work


def test_installed_package_builds_and_runs_a_module(installed, tmp_path):
    package = installed.site / "wasm2pyext"
    assert (package / "templates" / "module.c.j2").exists()
    missing = [name for name in RUNTIME_SOURCES + RUNTIME_HEADERS if not (package / "runtime_c" / name).exists()]
    assert not missing, missing
    # A platform wheel: it holds the runtime compiled for this Python.
    wheel_info = next(installed.site.glob("wasm2pyext-*.dist-info")) / "WHEEL"
    assert "Root-Is-Purelib: false" in wheel_info.read_text()

    work = work_folder(tmp_path)
    build = installed.run(["-m", "wasm2pyext", "build", "simple.wasm"], work, tmp_path / "cache")
    assert build.returncode == 0, build.stderr
    check = installed.run(["-c", "import wasm2pyext, simple; "
                           "assert 'site' in wasm2pyext.__file__, wasm2pyext.__file__; "
                           "print(simple.Instance().exports.sum(5, 37))"], work, tmp_path / "cache")
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "42"


def test_install_compiles_the_runtime_so_the_first_build_compiles_only_the_module(installed, tmp_path):
    manifest = json.loads((installed.site / "wasm2pyext" / "prebuilt" / PREBUILT_MANIFEST).read_text())
    assert "skipped" not in manifest and set(manifest["keys"]) == {"full", "abi3"}
    assert manifest["cc"] == str(installed.cc)
    work = work_folder(tmp_path)
    cache = tmp_path / "cache"  # empty: only the installed runtime can spare its compile
    for abi3 in ([], ["--abi3"]):
        build = installed.run(["-m", "wasm2pyext", "build", "simple.wasm", *abi3], work, cache)
        assert build.returncode == 0, build.stderr
        assert "wasm2pyext:" not in build.stderr, build.stderr
        runs = compiles(work)
        assert [compiled_file(run) for run in runs] == ["simple.c", ""], runs  # the module's compile, the link
        assert "-shared" in runs[1]
    # Instance(bytes) loads the runtime extension linked at install, and compiles the module.
    done = installed.run(["-c", "import wasm2pyext; "
                          "print(wasm2pyext.Instance(open('simple.wasm', 'rb').read()).exports.sum(5, 37))"],
                         work, cache)
    assert done.returncode == 0 and done.stdout.strip() == "42", done.stderr
    assert len(compiles(work)) == 2
    assert not (cache / "runtime").exists()


def test_without_a_compiler_the_installed_runtime_still_loads(installed, tmp_path):
    """Modules built ahead of time and wasm2pyext's own classes need no compiler: only
    building one does, and says so."""
    work = work_folder(tmp_path)
    assert installed.run(["-m", "wasm2pyext", "build", "simple.wasm"], work, tmp_path / "cache").returncode == 0
    no_cc = str(tmp_path / "no-such-cc")
    # wasm2pyext's classes first: after a built module, they would be that module's.
    done = installed.run(["-c", "import sys, wasm2pyext; forty = wasm2pyext.Value.i32(40); "
                          "assert 'simple' not in sys.modules; import simple; "
                          "print(simple.Instance().exports.sum(forty, 2))"],
                         work, tmp_path / "cache", CC=no_cc)
    assert done.returncode == 0 and done.stdout.strip() == "42", done.stderr
    build = installed.run(["-m", "wasm2pyext", "build", "simple.wasm", "-o", "again"], work, tmp_path / "cache",
                          CC=no_cc)
    assert build.returncode == 1 and "needs a C compiler" in build.stderr and "Traceback" not in build.stderr


def test_a_runtime_installed_for_other_flags_is_not_used(installed, tmp_path):
    work = work_folder(tmp_path)
    build = installed.run(["-m", "wasm2pyext", "build", "simple.wasm"], work, tmp_path / "cache",
                          WASM2PYEXT_CFLAGS="-O0")  # -O0: a quick compile
    assert build.returncode == 0, build.stderr
    message = [line for line in build.stderr.splitlines() if line.startswith("wasm2pyext:")]
    assert len(message) == 1 and "compiling the runtime for this toolchain" in message[0], build.stderr
    assert f"this build uses {installed.cc} -O0" in message[0]
    runs = compiles(work)
    assert [compiled_file(run) for run in runs] == ["runtime.c", "simple.c", ""], runs
    assert all(run[-1] == "-O0" for run in runs[:2])
    assert list((tmp_path / "cache" / "runtime").glob("*.o"))
    check = installed.run(["-c", "import simple; print(simple.Instance().exports.sum(5, 37))"], work,
                          tmp_path / "cache")
    assert check.stdout.strip() == "42", check.stderr
    # wasm2pyext's own copy of the runtime follows the flags too (a sanitizer build wants
    # every copy instrumented), and is the installed one under the install's flags.
    where = ("import sys, wasm2pyext, wasm2pyext.toolchain as t; wasm2pyext.Value.i32(1); "
             "print(sys.modules[t.RUNTIME_MODULE].__file__)")
    loaded = installed.run(["-c", where], work, tmp_path / "cache", WASM2PYEXT_CFLAGS="-O0")
    assert str(tmp_path / "cache" / "runtime") in loaded.stdout, loaded.stderr
    loaded = installed.run(["-c", where], work, tmp_path / "cache")
    assert "prebuilt" in loaded.stdout, loaded.stderr


@pytest.fixture
def prebuilt(tmp_path, monkeypatch):
    """An empty prebuilt/ folder for this process's wasm2pyext, and a fresh runtime_object."""
    folder = tmp_path / "prebuilt"
    folder.mkdir()
    monkeypatch.setattr(tc, "prebuilt_dir", lambda: folder)
    tc.find_runtime_object.cache_clear()
    yield folder
    tc.find_runtime_object.cache_clear()


def test_an_installed_runtime_is_used_only_whole_and_for_its_key(prebuilt):
    toolchain = Toolchain.default()
    cached = runtime_object(toolchain)  # compiled or found in the cache
    key, _ = runtime_key(toolchain)
    installed = prebuilt / cached.name
    shutil.copyfile(cached, installed)
    record_cache_entry(installed, key)
    tc.find_runtime_object.cache_clear()
    assert runtime_object(toolchain) == installed

    # Damaged: not used, and left in place (an installed package is not the cache's to clean).
    data = bytearray(installed.read_bytes())
    data[len(data) // 2] ^= 0xFF
    installed.write_bytes(bytes(data))
    tc.find_runtime_object.cache_clear()
    assert runtime_object(toolchain) == cached and installed.exists()

    # Whole, but recorded as made for another key.
    shutil.copyfile(cached, installed)
    record_cache_entry(installed, "0" * 64)
    tc.find_runtime_object.cache_clear()
    assert runtime_object(toolchain) == cached

    # Gone since the process found it (wasm2pyext reinstalled): found again, not linked as gone.
    record_cache_entry(installed, key)
    tc.find_runtime_object.cache_clear()
    assert runtime_object(toolchain) == installed
    installed.unlink()
    assert runtime_object(toolchain) == cached


def test_mismatch_messages_say_why(prebuilt, tmp_path, monkeypatch):
    toolchain = Toolchain.default()
    key, _ = runtime_key(toolchain)
    assert tc._prebuilt_mismatch(toolchain, key) is None  # no install: a source tree
    manifest = prebuilt / PREBUILT_MANIFEST
    manifest.write_text(json.dumps({"skipped": "no compiler"}))
    assert "not compiled when wasm2pyext was installed (no compiler)" in tc._prebuilt_mismatch(toolchain, key)
    sources = tc.digest(*(p.read_bytes() for p in tc.runtime_inputs()))
    described = tc._describe(toolchain)
    record = {"python": sys.version, "sources": sources, "keys": {"full": key}, **described}
    manifest.write_text(json.dumps(dict(record, sources="0")))
    assert tc._prebuilt_mismatch(toolchain, key) is None  # a source tree: an editable install, edited
    installed_shim = prebuilt.parent / "shim"
    shutil.copytree(tc.shim_dir(), installed_shim)
    monkeypatch.setattr(tc, "shim_dir", lambda: installed_shim)
    assert "sources changed" in tc._prebuilt_mismatch(toolchain, key)
    manifest.write_text(json.dumps(dict(record, python="2.7")))
    assert "another Python" in tc._prebuilt_mismatch(toolchain, key)
    manifest.write_text(json.dumps(dict(record, cc="tcc")))
    assert f"compiled with tcc ({described['version']}), this build uses" in tc._prebuilt_mismatch(toolchain, key)
    manifest.write_text(json.dumps(record))
    assert "damaged" in tc._prebuilt_mismatch(toolchain, key)
    manifest.write_text(json.dumps(dict(record, keys={"full": "0"})))
    assert "other flags" in tc._prebuilt_mismatch(toolchain, key)


def test_the_runtime_key_ignores_where_the_sources_are_but_not_the_flags(tmp_path, monkeypatch):
    """An install compiles from the source tree (or pip's copy of it), the package finds
    the same files elsewhere: same key. Other flags, another key."""
    toolchain = Toolchain.default()
    key, _ = runtime_key(toolchain)
    copy = tmp_path / "runtime_c"
    shutil.copytree(tc.runtime_dir(), copy)
    monkeypatch.setattr(tc, "runtime_dir", lambda: copy)
    assert runtime_key(toolchain)[0] == key
    assert runtime_key(toolchain, abi3=True)[0] != key
    assert runtime_key(Toolchain(toolchain.cc, ("-DX",)))[0] != key
    (copy / RUNTIME_SOURCES[0]).write_text((copy / RUNTIME_SOURCES[0]).read_text() + "\n")
    assert runtime_key(toolchain)[0] != key


@pytest.mark.parametrize("compiler", ["missing", "failing"])
def test_install_without_a_working_compiler_succeeds_and_the_front_end_works(tmp_path, compiler):
    """No compiler, or one that cannot compile the runtime (no Python headers, say)."""
    cc = tmp_path / "cc"
    if compiler == "failing":
        cc.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "cc 1.0" && exit 0\necho "Python.h: none" >&2\nexit 1\n')
        cc.chmod(cc.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)), "CC": str(cc)}
    done = pip_install(tmp_path / "site", env)
    assert done.returncode == 0, done.stderr
    prebuilt = tmp_path / "site" / "wasm2pyext" / "prebuilt"
    manifest = json.loads((prebuilt / PREBUILT_MANIFEST).read_text())
    reason = "needs a C compiler" if compiler == "missing" else "compiling the wasm2pyext runtime failed"
    assert reason in manifest["skipped"] and "keys" not in manifest
    assert [path.name for path in prebuilt.iterdir()] == [PREBUILT_MANIFEST]
    check = subprocess.run([sys.executable, "-m", "wasm2pyext", "validate", str(ROOT / "examples" / "simple.wasm")],
                           env=dict(env, PYTHONPATH=str(tmp_path / "site")), capture_output=True, text=True)
    assert check.stdout.strip() == "valid", check.stderr
