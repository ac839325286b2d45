"""A PEP 517 build backend: a folder holding .wasm files and a pyproject.toml becomes a
wheel with `pip wheel .` (or `python -m build`, or cibuildwheel for many platforms).

    [build-system]
    requires = ["wasm2pyext"]
    build-backend = "wasm2pyext.backend"

    [project]
    name = "simple"
    version = "1.0.0"

    [tool.wasm2pyext]
    modules = { simple = "simple.wasm" }   # import name = .wasm file (relative to pyproject)
    # opt = "-O2"                          # optional: -O0 .. -O3
    # abi3 = true                          # optional: one wheel for CPython 3.11 and later
    # bounds_checks = true                 # optional: explicit checks instead of guard pages

The sdist carries pyproject.toml, the .wasm files and the usual README/LICENSE; building
the wheel from it regenerates the C.
"""
from __future__ import annotations

import io
import tarfile
import tomllib
from pathlib import Path
from typing import Any, Optional

from .build import DEFAULT_OPT, BuildOptions
from .toolchain import DEFAULT_BOUNDS_CHECKS
from .wheel import normalized_distribution, write_wheel

_EXTRA_SDIST_FILES = ("README.md", "README.rst", "README.txt", "README", "LICENSE", "LICENSE.txt", "COPYING")


class ConfigError(Exception):
    """The project's pyproject.toml does not describe a wasm2pyext project."""


class Project:
    def __init__(self, root: Path):
        self.root = root
        path = root / "pyproject.toml"
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"cannot read {path}: {e}") from None
        project = data.get("project", {})
        config = data.get("tool", {}).get("wasm2pyext", {})
        try:
            self.name: str = project["name"]
            self.version: str = project["version"]
        except KeyError as e:
            raise ConfigError(f"{path}: [project] needs {e.args[0]!r} (dynamic metadata is not supported)") from None
        self.summary: Optional[str] = project.get("description")
        modules = config.get("modules")
        if not isinstance(modules, dict) or not modules:
            raise ConfigError(f"{path}: [tool.wasm2pyext] needs modules = {{ import_name = \"file.wasm\" }}")
        self.modules: dict[str, str] = modules
        self.opt: str = config.get("opt", DEFAULT_OPT)
        self.abi3: bool = bool(config.get("abi3", False))
        self.bounds_checks: bool = bool(config.get("bounds_checks", DEFAULT_BOUNDS_CHECKS))

    def wasm(self) -> dict[str, bytes]:
        out = {}
        for name, rel in self.modules.items():
            path = self.root / rel
            if not path.is_file():
                raise ConfigError(f"module {name!r}: {path} not found")
            out[name] = path.read_bytes()
        return out

    def sdist_files(self) -> list[str]:
        files = ["pyproject.toml", *self.modules.values()]
        files += [f for f in _EXTRA_SDIST_FILES if (self.root / f).is_file()]
        return list(dict.fromkeys(files))


def _project() -> Project:
    return Project(Path.cwd())


# ---- PEP 517 hooks ----

def get_requires_for_build_wheel(config_settings: Optional[dict[str, Any]] = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict[str, Any]] = None) -> list[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[dict[str, Any]] = None,
                metadata_directory: Optional[str] = None) -> str:
    project = _project()
    path = write_wheel(project.name, project.version, project.wasm(), Path(wheel_directory),
                       BuildOptions(opt=project.opt, abi3=project.abi3, bounds_checks=project.bounds_checks), project.summary)
    return path.name


def build_sdist(sdist_directory: str, config_settings: Optional[dict[str, Any]] = None) -> str:
    project = _project()
    base = f"{normalized_distribution(project.name)}-{project.version}"
    out = Path(sdist_directory) / f"{base}.tar.gz"
    pkg_info = (f"Metadata-Version: 2.1\nName: {project.name}\nVersion: {project.version}\n").encode()
    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for rel in project.sdist_files():
            tar.add(project.root / rel, arcname=f"{base}/{rel}", recursive=False)
        info = tarfile.TarInfo(f"{base}/PKG-INFO")
        info.size = len(pkg_info)
        tar.addfile(info, io.BytesIO(pkg_info))
    return out.name
