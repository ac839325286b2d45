"""wat(text) -> bytes: WebAssembly text to binary with wabt's wat2wasm (Debian package
`wabt`), for the API tests. The binary keeps a name section (function names), so trap
messages can name the Wasm function."""
from __future__ import annotations

import functools
import subprocess
import tempfile
from pathlib import Path


@functools.lru_cache(maxsize=None)
def wat(text: str, *, names: bool = True, check: bool = True) -> bytes:
    """The binary module of `text`; `names=False` leaves the name section out, `check=False`
    skips validation (to make invalid modules)."""
    with tempfile.TemporaryDirectory(prefix="w2p-wat-") as tmp:
        src, out = Path(tmp) / "module.wat", Path(tmp) / "module.wasm"
        src.write_text(text)
        command = ["wat2wasm", str(src), "-o", str(out)]
        if names:
            command.append("--debug-names")
        if not check:
            command.append("--no-check")
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise ValueError(f"wat2wasm failed:\n{done.stderr}")
        return out.read_bytes()
