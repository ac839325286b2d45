"""`wasm2pyext wheel`: a standard wheel that installs into a fresh virtual environment
without wasm2pyext and imports there."""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from wasm2pyext import elf
from wasm2pyext.wheel import build_wheel, platform_tag, wheel_tags

ROOT = Path(__file__).resolve().parents[1]
SIMPLE = (ROOT / "examples" / "simple.wasm").read_bytes()


@pytest.fixture(scope="module")
def simple_wheel(tmp_path_factory) -> Path:
    return build_wheel(SIMPLE, "simple_adder", "1.2.3", tmp_path_factory.mktemp("dist"))


def extension_of(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        return next(whl.read(n) for n in whl.namelist() if n.endswith(".so"))


def test_wheel_is_named_and_tagged_for_this_interpreter(simple_wheel):
    python, abi, platform = wheel_tags()
    platform = platform_tag([extension_of(simple_wheel)], platform)
    assert simple_wheel.name == f"simple_adder-1.2.3-{python}-{abi}-{platform}.whl"
    with zipfile.ZipFile(simple_wheel) as whl:
        wheel_file = whl.read("simple_adder-1.2.3.dist-info/WHEEL").decode()
        metadata = whl.read("simple_adder-1.2.3.dist-info/METADATA").decode()
    assert f"Tag: {python}-{abi}-{platform}" in wheel_file
    assert "Root-Is-Purelib: false" in wheel_file
    assert "Name: simple_adder" in metadata and "Version: 1.2.3" in metadata


def test_record_lists_every_file_with_its_hash_and_size(simple_wheel):
    with zipfile.ZipFile(simple_wheel) as whl:
        record = list(csv.reader(io.StringIO(whl.read("simple_adder-1.2.3.dist-info/RECORD").decode())))
        names = set(whl.namelist())
        assert {row[0] for row in record} == names
        for path, digest, size in record:
            if path.endswith("RECORD"):
                assert digest == "" and size == ""
                continue
            data = whl.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}" and int(size) == len(data)


def test_wheel_holds_stubs_and_py_typed(simple_wheel):
    with zipfile.ZipFile(simple_wheel) as whl:
        names = whl.namelist()
        stub = whl.read("simple_adder/__init__.pyi").decode()
    assert "simple_adder/py.typed" in names
    assert "def sum(self, x: int | Value, y: int | Value, /) -> int: ..." in stub


def test_wheel_is_reproducible(simple_wheel, tmp_path):
    again = build_wheel(SIMPLE, "simple_adder", "1.2.3", tmp_path)
    assert again.read_bytes() == simple_wheel.read_bytes()


def test_bad_name_or_version_is_refused(tmp_path):
    with pytest.raises(ValueError):
        build_wheel(SIMPLE, "not-an-identifier", "1.0", tmp_path)
    with pytest.raises(ValueError):
        build_wheel(SIMPLE, "ok", "one point oh", tmp_path)


def test_installs_in_a_fresh_venv_without_wasm2pyext_and_runs(simple_wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PIP_NO_INDEX": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    install = subprocess.run([python, "-m", "pip", "install", "--quiet", str(simple_wheel)], env=env,
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    code = ("import importlib.util, simple_adder; "
            "assert importlib.util.find_spec('wasm2pyext') is None; "
            "print(simple_adder.Instance().exports.sum(5, 37))")
    run = subprocess.run([python, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "42"


def test_abi3_wheel_is_tagged_for_every_cpython_from_311_and_runs(tmp_path):
    from wasm2pyext.build import BuildOptions

    wheel = build_wheel(SIMPLE, "simple_abi3", "1.0", tmp_path, BuildOptions(abi3=True))
    platform = platform_tag([extension_of(wheel)], wheel_tags()[2])
    assert wheel.name == f"simple_abi3-1.0-cp311-abi3-{platform}.whl"
    with zipfile.ZipFile(wheel) as whl:
        assert "simple_abi3/__init__.abi3.so" in whl.namelist()
        assert "Requires-Python: >=3.11" in whl.read("simple_abi3-1.0.dist-info/METADATA").decode()
        whl.extractall(tmp_path / "site")
    code = "import simple_abi3; print(simple_abi3.Instance().exports.sum(5, 37))"
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "site", capture_output=True, text=True,
                         env={"PATH": os.environ["PATH"]})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "42"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="manylinux tags are Linux's")
def test_wheel_is_manylinux_for_the_newest_glibc_symbol_it_needs(simple_wheel):
    """PyPI refuses linux_x86_64: the tag names the oldest glibc the extension runs on, the
    newest GLIBC_x.y symbol version it requires, as auditwheel (when installed) agrees."""
    needed = elf.needs(extension_of(simple_wheel))
    assert set(needed.libraries) <= {"libc.so.6", "libm.so.6"}, needed.libraries
    newest = max(tuple(int(p) for p in v.split("_")[1].split(".")[:2])
                 for names in needed.versions.values() for v in names if v.startswith("GLIBC_2"))
    arch = wheel_tags()[2].split("_", 1)[1]
    tag = f"manylinux_{newest[0]}_{newest[1]}_{arch}"
    assert simple_wheel.name.endswith(f"-{tag}.whl"), simple_wheel.name
    auditwheel = Path(sys.executable).with_name("auditwheel")
    if auditwheel.exists():
        shown = subprocess.run([str(auditwheel), "show", str(simple_wheel)], capture_output=True, text=True)
        assert f'consistent with the following platform tag: "{tag}"' in " ".join(shown.stdout.split()), shown


def test_platform_tag_stays_plain_where_manylinux_does_not_hold(monkeypatch):
    from wasm2pyext import wheel

    monkeypatch.setattr(wheel.host, "libc_ver", lambda: ("glibc", "2.36"))
    cases = {("libc.so.6",): {"libc.so.6": {"GLIBC_2.2.5", "GLIBC_2.29"}},
             ("libc.so.6", "libssl.so.3"): {"libc.so.6": {"GLIBC_2.2.5"}},
             ("libc.so.6", "libm.so.6"): {"libc.so.6": {"GLIBC_PRIVATE"}, "libm.so.6": {"GLIBC_2.2.5"}},
             ("libm.so.6",): {"libm.so.6": {"GLIBC_2.2.5"}}}
    tags = []
    for libraries, versions in cases.items():
        monkeypatch.setattr(elf, "needs", lambda data, n=elf.Needs(list(libraries), versions): n)
        tags.append(platform_tag([b""], "linux_x86_64"))
    assert tags == ["manylinux_2_29_x86_64", "linux_x86_64", "linux_x86_64", "manylinux_2_5_x86_64"]
    assert platform_tag([b""], "linux_aarch64") == "manylinux_2_17_aarch64"
    monkeypatch.setattr(wheel.host, "libc_ver", lambda: ("", ""))  # musl
    assert platform_tag([b""], "linux_x86_64") == "linux_x86_64"
    assert platform_tag([b""], "macosx_11_0_arm64") == "macosx_11_0_arm64"
