"""The spec test scripts on disk: where they are, which files, their commands, what counts.

Pure JSON: nothing here needs the compiler.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPECTEST_ENV = "WASM2PYEXT_SPECTEST"
FILES_ENV = "WASM2PYEXT_SPEC_FILES"

Command = dict[str, Any]


def spectest_dir() -> Path:
    """The converted suite: $WASM2PYEXT_SPECTEST, else <repo>/../shared/spectest."""
    override = os.environ.get(SPECTEST_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "shared" / "spectest"


def json_path(name: str) -> Path:
    return spectest_dir() / "json" / name / f"{name}.json"


def all_files() -> list[str]:
    """Every script name in the suite, sorted."""
    root = spectest_dir() / "json"
    if not root.is_dir():
        return []
    return sorted(d.name for d in root.iterdir() if (d / f"{d.name}.json").is_file())


def is_simd(name: str) -> bool:
    return name.startswith("simd_")


def non_simd_files() -> list[str]:
    return [name for name in all_files() if not is_simd(name)]


def selected_files() -> list[str]:
    """The files a run covers: $WASM2PYEXT_SPEC_FILES (comma-separated) or all of them."""
    wanted = [n.strip() for n in os.environ.get(FILES_ENV, "").split(",") if n.strip()]
    if not wanted:
        return all_files()
    unknown = sorted(set(wanted) - set(all_files()))
    if unknown:
        raise ValueError(f"{FILES_ENV} names unknown spec files: {', '.join(unknown)}")
    return sorted(set(wanted))


def load_commands(name: str) -> list[Command]:
    with open(json_path(name), encoding="utf-8") as f:
        return json.load(f)["commands"]


def is_text_format(command: Command) -> bool:
    """Cases whose module is in the text format: a binary-only implementation cannot run them."""
    return command.get("module_type") == "text"


def is_counted(command: Command) -> bool:
    """Every command but `register` and the text-format cases counts (see the suite's README)."""
    return command["type"] != "register" and not is_text_format(command)


@dataclass(frozen=True)
class Counts:
    counted: int
    text_format: int
    register: int


def count_commands(commands: list[Command]) -> Counts:
    return Counts(
        counted=sum(1 for c in commands if is_counted(c)),
        text_format=sum(1 for c in commands if is_text_format(c)),
        register=sum(1 for c in commands if c["type"] == "register"),
    )


# Commands that build a module through the C compiler; that dwarfs running a command.
_COMPILING = {"module", "assert_unlinkable", "assert_uninstantiable"}
_COMPILE_WEIGHT = 50


def estimated_cost(commands: list[Command]) -> int:
    """A rough run time, to start the slowest files first."""
    compiles = sum(1 for c in commands if c["type"] in _COMPILING or
                   (c["type"] == "assert_trap" and "filename" in c))
    return compiles * _COMPILE_WEIGHT + len(commands)
