"""Big modules are compiled as several translation units in parallel, with progress; the
result behaves exactly as a module compiled whole."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from wasm2pyext import build
from wasm2pyext.build import BuildOptions, build_extension
from wasm2pyext.toolchain import ext_suffix

ROOT = Path(__file__).resolve().parents[1]
KITCHEN = (ROOT / "tests" / "golden" / "kitchen.wasm").read_bytes()


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(build, "PART_SIZE", 800)  # a few functions a part


def test_split_module_has_a_header_and_several_parts_and_works(tmp_path, small_parts):
    steps = []
    options = BuildOptions(keep_c=True, progress=lambda step, done, total: steps.append((step, done, total)))
    path = build_extension(KITCHEN, "kitchen_parts", tmp_path / f"kitchen_parts{ext_suffix()}", options)
    parts = sorted(p.name for p in tmp_path.glob("kitchen_parts_*.c"))
    assert len(parts) >= 3
    assert (tmp_path / "kitchen_parts.h").exists() and (tmp_path / "kitchen_parts.c").exists()
    assert '#include "kitchen_parts.h"' in (tmp_path / parts[0]).read_text()

    logged = []
    inst = load(path, "kitchen_parts").Instance({"env": {"log": logged.append}})
    e = inst.exports
    assert e.fac(10) == 3628800
    assert e.sum_to(100) == 5050
    assert e.divmod(17, 5) == (3, 2)
    assert (e.apply(0, 7, 5), e.apply(1, 7, 5)) == (12, 2)
    assert [e.classify(x) for x in (0, 1, 5, -5)] == [100, 101, 1, -1]
    assert bytes(e.peek(i) for i in range(5)) == b"hello"
    assert (e.bump(), e.bump(), logged) == (1, 2, [1, 2])
    assert inst.memory.uint32_view()[0] == 42  # the start function ran

    compiled = [(done, total) for step, done, total in steps if step == "compiling"]
    assert compiled[0] == (0, len(parts) + 1) and compiled[-1] == (len(parts) + 1, len(parts) + 1)
    assert [s for s, _, _ in steps][:2] == ["decoding and validating", "generating C"]
    assert steps[-1][0] == "linking"


def test_small_module_is_one_translation_unit(tmp_path):
    build_extension(KITCHEN, "kitchen_whole", tmp_path / f"kitchen_whole{ext_suffix()}", BuildOptions(keep_c=True))
    assert sorted(p.name for p in tmp_path.glob("*.[ch]")) == ["kitchen_whole.c"]


def test_cli_reports_progress_when_asked(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "wasm2pyext", "build", str(ROOT / "examples" / "simple.wasm"),
                           "-o", str(tmp_path), "--progress"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for step in ("decoding and validating", "generating C", "compiling", "linking"):
        assert step in proc.stderr


def _functions_module(nonce: int, changed: int = -1) -> bytes:
    """Twelve exported functions, f3 returning nonce + 3 (+ 1000 for the one `changed`):
    a module of its own for each nonce, so that no earlier run's objects are in the cache."""
    from wat import wat
    funcs = "".join(f'(func (export "f{k}") (param i32) (result i32) '
                    f'(i32.add (local.get 0) (i32.const {nonce + k + (1000 if k == changed else 0)})))\n'
                    for k in range(12))
    return wat(f"(module {funcs})")


def test_parts_compiled_before_come_from_the_cache(tmp_path, small_parts, monkeypatch):
    """A second Python version, an --abi3 build, another name or one function changed:
    only the parts that differ (and the part with the Python calls) are compiled again."""
    import os
    import shutil
    import time
    from wasm2pyext.toolchain import Toolchain, runtime_object
    log = tmp_path / "cc.log"
    cc = tmp_path / "cc"
    cc.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec {shutil.which("gcc")} "$@"\n')
    cc.chmod(0o755)
    monkeypatch.setattr(build, "runtime_object", lambda toolchain, abi3=False: runtime_object(Toolchain.default(), abi3))
    options = BuildOptions(toolchain=Toolchain((str(cc),)))

    def compiled(name: str, wasm: bytes, **kw) -> list[str]:
        log.write_text("")
        path = build_extension(wasm, name, tmp_path / f"{name}{ext_suffix(kw.get('abi3', False))}",
                               BuildOptions(toolchain=options.toolchain, **kw))
        module = load(path, name)
        assert module.Instance().exports.f3(1) == 1 + nonce + 3 + (1000 if wasm is changed else 0)
        commands = [f" {line} " for line in log.read_text().splitlines()]
        return sorted(Path(c.split(" -c ")[1].split()[0]).name for c in commands if " -c " in c)

    nonce = (os.getpid() * 7919 + time.time_ns()) % 1_000_000
    first, changed = _functions_module(nonce), _functions_module(nonce, changed=3)
    everything = compiled("cached_a", first)
    parts = [unit for unit in everything if unit.startswith("part-")]
    assert len(parts) >= 2 and "cached_a.c" in everything, everything
    assert compiled("cached_b", first) == ["cached_b.c"]  # another name
    assert compiled("cached_b", first, abi3=True) == ["cached_b.c"]  # the stable ABI
    again = compiled("cached_c", changed)
    assert "cached_c.c" in again and len(again) == 2, again  # the changed function's part
