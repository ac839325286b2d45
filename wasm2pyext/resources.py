"""Where the non-Python parts of wasm2pyext are: the template, the shim (Cython) and the
C runtime.

Installed, they are package data (wasm2pyext/templates, wasm2pyext/shim,
wasm2pyext/runtime_c); in a source checkout, folders beside the package."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"wasm2pyext is missing its {name}/ folder (looked in {_PACKAGE})")


def templates_dir() -> Path:
    return _find("templates")


def shim_dir() -> Path:
    return _find("shim")


def runtime_dir() -> Path:
    return _find("runtime_c")


def prebuilt_dir() -> Path:
    """Where an installed wasm2pyext keeps the runtime compiled at install (setup.py)."""
    return _PACKAGE / "prebuilt"
