"""From Wasm bytes to an extension module on disk: front end, code generation, one C
compile and one link against the cached runtime object (wasm2pyext/toolchain.py)."""
from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from . import __version__, ir
from .codegen.module import generate_c
from .codegen.names import module_identifier
from .decode import decode
from .resources import runtime_dir, templates_dir
from .stubs import generate_stub
from .toolchain import (SEMANTIC_FLAGS, Toolchain, cache_root, digest, ext_suffix, link_shared, runtime_inputs,
                        runtime_object)
from .validate import validate_module

OPT_LEVELS = ("-O0", "-O1", "-O2", "-O3")
DEFAULT_OPT = "-O2"


@dataclass
class BuildOptions:
    opt: str = DEFAULT_OPT
    toolchain: Toolchain = field(default_factory=Toolchain.default)
    keep_c: bool = False  # the generated C beside the module, for people
    stubs: bool = False  # NAME.pyi beside the module
    debug: bool = False  # debug info (-g); otherwise the module is stripped

    def __post_init__(self) -> None:
        if self.opt not in OPT_LEVELS:
            raise ValueError(f"optimisation level must be one of {OPT_LEVELS}, not {self.opt!r}")


def front_end(wasm: bytes) -> ir.Module:
    """Decoded and validated, or DecodeError / ValidationError."""
    module = decode(wasm)
    validate_module(module)
    return module


def compile_to_c(wasm: bytes, name: str) -> str:
    """Decode, validate and generate: the C source of extension module `name`."""
    return generate_c(front_end(wasm), name, wasm)


def build_extension(wasm: bytes, name: str, out_path: Path, options: Optional[BuildOptions] = None) -> Path:
    """Builds extension module `name` (a Python identifier) from Wasm bytes, at out_path.
    Raises DecodeError / ValidationError for bad input, BuildError if the C compiler fails."""
    options = options or BuildOptions()
    if module_identifier(name) != name:
        raise ValueError(f"module name {name!r} is not an identifier")
    module = front_end(wasm)
    c_source = generate_c(module, name, wasm)
    runtime = runtime_object(options.toolchain)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="w2p-build-") as tmp:
        work = Path(tmp)
        c_file = work / f"{name}.c"
        c_file.write_text(c_source)
        if options.keep_c:
            shutil.copyfile(c_file, out_path.with_name(f"{name}.c"))
        obj = work / f"{name}.o"
        # A call to an undeclared function would only fail at import (the shared object may
        # leave symbols for the interpreter to resolve): make it a compile error.
        options.toolchain.run(["-c", str(c_file), "-o", str(obj), options.opt, *SEMANTIC_FLAGS,
                               "-Werror=implicit-function-declaration", f"-I{runtime_dir()}",
                               *(["-g"] if options.debug else []), *options.toolchain.cflags], f"compiling {name}")
        link_shared(options.toolchain, [obj, runtime], out_path, f"PyInit_{name}", work, strip=not options.debug)
    if options.stubs:
        out_path.with_name(f"{name}.pyi").write_text(generate_stub(module, name))
    return out_path


@lru_cache(maxsize=1)
def build_identity() -> str:
    """Changes whenever anything that shapes a built module changes (for the module cache)."""
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(templates_dir().iterdir()) + runtime_inputs()
    return digest(__version__, sys.version, *(f.read_bytes() for f in files if f.is_file()))


def cached_extension(wasm: bytes, options: Optional[BuildOptions] = None) -> tuple[str, Path]:
    """(module name, path) of the extension for these bytes, built on first use."""
    options = options or BuildOptions()
    key = digest(wasm, build_identity(), options.opt, options.toolchain.identity())
    name = f"w2p_{key[:20]}"
    path = cache_root() / "modules" / key[:2] / f"{name}{ext_suffix()}"
    if not path.exists():
        build_extension(wasm, name, path, options)
    return name, path
