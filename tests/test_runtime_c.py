"""The C runtime on its own: compiled warning-free, and its edge cases (tests/c/test_rt.c)."""
import subprocess
from pathlib import Path

from wasm2pyext.resources import runtime_dir
from wasm2pyext.toolchain import Toolchain

HERE = Path(__file__).resolve().parent


def test_runtime_edge_cases(tmp_path):
    exe = tmp_path / "test_rt"
    cc = Toolchain.default()
    cc.run(["-Wall", "-Wextra", "-Werror", "-O2", f"-I{runtime_dir()}", str(HERE / "c" / "test_rt.c"),
            str(runtime_dir() / "w2p_rt.c"), "-o", str(exe)], "compiling the runtime test")
    proc = subprocess.run([str(exe)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "all runtime checks passed" in proc.stdout
