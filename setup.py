"""The one build step pyproject.toml cannot declare: installing wasm2pyext compiles its
runtime for the default C toolchain, as any C extension package compiles its code, so the
first module built costs what every later one does (wasm2pyext/toolchain.py,
prebuild_runtime). The wheel is therefore a platform wheel. Without a C compiler the
install still succeeds (the front end is pure Python) and the first build compiles it.
"""
from __future__ import annotations

import sys
from pathlib import Path

from setuptools import Command, setup
from setuptools.command.build import build
from setuptools.dist import Distribution

ROOT = Path(__file__).resolve().parent


class build_runtime(Command):
    """Compiles the runtime into wasm2pyext/prebuilt/: in the build tree, or for an
    editable install (editable_mode, set by setuptools) in the source tree."""

    description = "compile wasm2pyext's runtime for the default C toolchain"
    user_options: list = []

    def initialize_options(self) -> None:
        self.build_lib = None
        self.editable_mode = False

    def finalize_options(self) -> None:
        self.set_undefined_options("build_py", ("build_lib", "build_lib"))

    def _target(self) -> Path:
        package = ROOT / "wasm2pyext" if self.editable_mode else Path(self.build_lib) / "wasm2pyext"
        return package / "prebuilt"

    def run(self) -> None:
        # This tree's wasm2pyext, not one installed in the environment that builds it.
        sys.path.insert(0, str(ROOT))
        from wasm2pyext.toolchain import prebuild_runtime

        # On stderr: setuptools' logging differs from release to release (pip -v shows it).
        print(f"wasm2pyext: {prebuild_runtime(self._target())[1]}", file=sys.stderr)

    def get_outputs(self) -> list[str]:
        target = self._target()
        return [str(path) for path in target.iterdir()] if target.is_dir() else []

    def get_output_mapping(self) -> dict[str, str]:
        return {}


class build_with_runtime(build):
    sub_commands = build.sub_commands + [("build_runtime", None)]


class PlatformDistribution(Distribution):
    """The wheel holds compiled code for one Python and platform."""

    def has_ext_modules(self) -> bool:
        return True


setup(distclass=PlatformDistribution, cmdclass={"build": build_with_runtime, "build_runtime": build_runtime})
