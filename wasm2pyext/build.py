"""From Wasm bytes to an extension module on disk: front end, code generation, one C
compile and one link against the cached runtime object (wasm2pyext/toolchain.py)."""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Callable, Optional

from . import __version__
from .codegen.names import module_identifier
from .frontend import front_end
from .resources import templates_dir
from .stubs import generate_stub
from .limits import Limits, check_function_sizes, unoptimised_functions
from .toolchain import (DEFAULT_BOUNDS_CHECKS, SEMANTIC_FLAGS, STRICT_FLAGS, ProcessLimits, Toolchain,
                        cache_entry_ok, digest, ext_suffix, install_in_cache, link_shared, module_include_flags,
                        python_cflags, record_cache_entry, runtime_inputs, runtime_object)
from .workdir import build_folder, cache_root

OPT_LEVELS = ("-O0", "-O1", "-O2", "-O3")
DEFAULT_OPT = "-O2"
# Functions beyond this much C go into several translation units, compiled in parallel.
PART_SIZE = 400_000

# Reports a build's progress: (step, done, total), e.g. ("compiling", 3, 8).
Progress = Callable[[str, int, int], None]


@dataclass
class BuildOptions:
    opt: str = DEFAULT_OPT
    toolchain: Toolchain = field(default_factory=Toolchain.default)
    keep_c: bool = False  # the generated C beside the module, for people
    stubs: bool = False  # NAME.pyi beside the module
    debug: bool = False  # debug info (-g); otherwise the module is stripped
    abi3: bool = False  # against the stable ABI: one build serves CPython 3.11 and later
    # Explicit bounds and stack checks in the code instead of guard pages: for 32-bit
    # platforms and limited address space (guard pages take 8 GiB of it per memory).
    bounds_checks: bool = DEFAULT_BOUNDS_CHECKS
    # Fuel metering: each Wasm instruction run takes a unit of instance.fuel, and a call
    # that runs out traps "out of fuel" (see the template's FUEL). Off, no trace of it.
    fuel: bool = False
    # The CPU the code may assume (-march=...): None is the compiler's default, which every
    # machine of the platform runs (what wheels need). Modules compiled on the fly, for
    # this machine only, take Toolchain.host_march() unless this is given.
    march: Optional[str] = None
    progress: Optional[Progress] = None
    # What one function may ask of the C compiler, and what a run of it may take.
    limits: Limits = field(default_factory=Limits)
    process_limits: ProcessLimits = field(default_factory=ProcessLimits)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)  # parallel C compiles

    def report(self, step: str, done: int = 0, total: int = 0) -> None:
        if self.progress:
            self.progress(step, done, total)

    def __post_init__(self) -> None:
        if self.opt not in OPT_LEVELS:
            raise ValueError(f"optimisation level must be one of {OPT_LEVELS}, not {self.opt!r}")


def compile_to_c(wasm: bytes, name: str, bounds_checks: Optional[bool] = None, fuel: bool = False) -> str:
    """Decode, validate and generate: the C source of extension module `name` (by default
    of the kind this platform builds, see BuildOptions.bounds_checks; metered with fuel)."""
    from .codegen.module import generate_c  # (see build_extension)

    checks = DEFAULT_BOUNDS_CHECKS if bounds_checks is None else bounds_checks
    return generate_c(front_end(wasm), name, wasm, checks, fuel)


def build_extension(wasm: bytes, name: str, out_path: Path, options: Optional[BuildOptions] = None) -> Path:
    """Builds extension module `name` (a Python identifier) from Wasm bytes, at out_path.
    Raises DecodeError / ValidationError for bad input, BuildError if the C compiler fails."""
    # The code generator (and jinja2) only when something is built: finding a module in
    # the cache (wasm2pyext.run, Instance(bytes)) took 70 ms more with them imported.
    from .codegen.module import generate_c_parts

    options = options or BuildOptions()
    if module_identifier(name) != name:
        raise ValueError(f"module name {name!r} is not an identifier")
    options.report("decoding and validating")
    module = front_end(wasm)
    check_function_sizes(module, options.limits)
    options.report("generating C")
    sources = generate_c_parts(module, name, wasm, PART_SIZE, options.bounds_checks,
                               frozenset(unoptimised_functions(module, options.limits)), options.fuel)
    options.report("preparing the runtime (compiled once, then cached)")
    runtime = runtime_object(options.toolchain, options.abi3)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with build_folder("build") as work:
        for file_name, text in sources.items():
            (work / file_name).write_text(text)
            if options.keep_c:
                shutil.copyfile(work / file_name, out_path.with_name(file_name))
        units = [work / f for f in sources if f.endswith(".c")]
        objects = _compile_parallel(units, options, name, work)
        options.report("linking")
        link_shared(options.toolchain, objects + [runtime], out_path, f"PyInit_{name}", work, strip=not options.debug)
    if options.stubs:
        out_path.with_name(f"{name}.pyi").write_text(generate_stub(module, name))
    return out_path


def _compile_parallel(units: list[Path], options: BuildOptions, name: str, work: Path) -> list[Path]:
    """Compiles each translation unit to an object, options.jobs at a time; the parts of
    functions too big for the optimiser (limits.py) at -O0. The parts of functions come
    from the cache of objects when compiled before (see _compile_part)."""
    from .codegen.module import UNOPTIMISED_PART, is_function_part

    common = [*SEMANTIC_FLAGS, *options.toolchain.module_flags(), *STRICT_FLAGS,
              *([f"-march={options.march}"] if options.march else []), *(["-g"] if options.debug else [])]
    user = list(options.toolchain.cflags)  # last, to have the last word
    done = [0]
    lock = threading.Lock()
    options.report("compiling", 0, len(units))

    def compile_one(unit: Path) -> Path:
        opt = "-O0" if UNOPTIMISED_PART in unit.name else options.opt
        what = f"compiling {name} ({unit.name})"
        if is_function_part(unit.name, name) and not options.debug:
            obj = _compile_part(unit, [opt, *common, *module_include_flags(), *user], options, what, work)
        else:
            obj = unit.with_suffix(".o")
            options.toolchain.run(["-c", str(unit), "-o", str(obj), opt, *common, *python_cflags(options.abi3), *user],
                                  what, work, options.process_limits)
        with lock:
            done[0] += 1
            options.report("compiling", done[0], len(units))
        return obj

    if len(units) == 1:
        return [compile_one(units[0])]
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        return list(pool.map(compile_one, units))


def _compile_part(unit: Path, flags: list[str], options: BuildOptions, what: str, work: Path) -> Path:
    """The object of a part of functions, from the cache of objects when the same C was
    compiled the same way before: a second Python version, an --abi3 build, another name
    for the module, or a change to other functions finds every part it has in common.
    The part is keyed and compiled as preprocessed C without line markers, which holds
    neither the module's name nor where it was built."""
    toolchain = options.toolchain
    preprocessed = unit.with_suffix(".i")
    toolchain.run(["-E", "-P", str(unit), "-o", str(preprocessed), *flags], what, work, options.process_limits)
    key = digest(toolchain.identity(), *flags, preprocessed.read_bytes())
    cached = cache_root() / "objects" / key[:2] / f"{key[:32]}.o"
    if cache_entry_ok(cached, key):
        return cached
    # Named by its key: the object's file symbol then names no module either.
    source = preprocessed.with_name(f"part-{key[:16]}.i")
    preprocessed.rename(source)
    obj = unit.with_suffix(".o")
    toolchain.run(["-c", str(source), "-o", str(obj), *flags], what, work, options.process_limits)
    install_in_cache(obj, cached, key)
    return obj


@lru_cache(maxsize=1)
def build_identity() -> str:
    """Changes whenever anything that shapes a built module changes (for the module cache)."""
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + sorted(templates_dir().iterdir()) + runtime_inputs()
    return digest(__version__, sys.version, *(f.read_bytes() for f in files if f.is_file()))


def cached_extension(wasm: bytes, options: Optional[BuildOptions] = None) -> tuple[str, Path]:
    """(module name, path) of the extension for these bytes, built on first use."""
    options = options or BuildOptions()
    if options.march is None:
        options = replace(options, march=options.toolchain.host_march())
    key = digest(wasm, build_identity(), options.opt, options.toolchain.identity(), str(options.abi3),
                 str(options.bounds_checks), str(options.fuel), str(options.march), repr(options.limits))
    name = f"w2p_{key[:20]}"
    path = cache_root() / "modules" / key[:2] / f"{name}{ext_suffix(options.abi3)}"
    wasm_digest = hashlib.sha256(wasm).hexdigest()  # as the module records it (wasm_sha256)
    if not cache_entry_ok(path, wasm_digest):
        build_extension(wasm, name, path, options)
        record_cache_entry(path, wasm_digest)
    return name, path
