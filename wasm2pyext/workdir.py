"""The build cache's root, and build folders that a killed build does not leave behind.

A build works in a folder of its own under the cache (tmp/), named for the host and the
process that owns it. A process killed outright cleans nothing up, so each new build
first removes the folders of owners that are gone, after ending what they left running
there: the C compilers a build starts are each in a process group of their own
(Toolchain.run), recorded in the folder, and their command lines name it.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import time
from pathlib import Path
from typing import Iterator

_GROUPS = "process-groups"  # in a build folder: the compilers' group ids, one a line


def cache_root() -> Path:
    """Where builds are cached: $WASM2PYEXT_CACHE, else wasm2pyext in the user's cache."""
    env = os.environ.get("WASM2PYEXT_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wasm2pyext"


def _tmp_root() -> Path:
    return cache_root() / "tmp"


def _host() -> str:
    return socket.gethostname().replace("-", "_") or "host"


@contextlib.contextmanager
def build_folder(kind: str) -> Iterator[Path]:
    """A fresh folder for one build (removed afterwards, whatever happens), after removing
    what builds killed earlier left."""
    remove_abandoned()
    root = _tmp_root()
    root.mkdir(parents=True, exist_ok=True)
    folder = root / f"{kind}-{_host()}-{os.getpid()}-{secrets.token_hex(4)}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def record_process_group(folder: Path, pgid: int) -> None:
    with open(folder / _GROUPS, "a") as f:
        f.write(f"{pgid}\n")


def remove_abandoned() -> None:
    """Removes the build folders of this host whose owning process is gone, ending the
    compilers still running in them."""
    root = _tmp_root()
    if not root.is_dir():
        return
    for folder in root.iterdir():
        parts = folder.name.split("-")
        if len(parts) != 4 or parts[1] != _host() or not parts[2].isdigit() or _alive(int(parts[2])):
            continue
        _end_compilers(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _end_compilers(folder: Path) -> None:
    try:
        groups = [int(line) for line in (folder / _GROUPS).read_text().split()]
    except (OSError, ValueError):
        return
    for pgid in groups:
        # Only if the group's leader still works in this folder: the id may have been reused.
        if str(folder).encode() in _command_line(pgid):
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)


def _command_line(pid: int) -> bytes:
    """A process's command line; empty while it is not yet readable (a process that has
    just started may show none for a moment), and for one that is gone."""
    for _ in range(20):
        try:
            text = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return b""
        if text:
            return text
        time.sleep(0.01)
    return b""
