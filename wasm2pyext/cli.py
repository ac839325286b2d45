"""The command line: wasm2pyext build | wheel | validate | inspect | c | run (see API.md)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from . import ir
from .build import DEFAULT_OPT, OPT_LEVELS, BuildOptions, build_extension, compile_to_c
from .codegen.names import module_identifier
from .decode import decode
from .errors import CompileError
from .limits import Limits
from .toolchain import DEFAULT_BOUNDS_CHECKS, BuildError, ProcessLimits, Toolchain, ext_suffix
from .validator import validate_module


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise SystemExit(f"wasm2pyext: cannot read {path}: {e.strerror}")


def _fail(path: str, error: Exception) -> int:
    print(f"wasm2pyext: {path}: {error}", file=sys.stderr)
    return 1


class ProgressLine:
    """Build progress on stderr: one line rewritten in place on a terminal, a line per
    step otherwise."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = ""

    def __call__(self, step: str, done: int, total: int) -> None:
        if total:
            width = 24
            filled = width * done // total
            text = f"{step} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        else:
            text = step
        if self.tty:
            self.stream.write("\r" + text.ljust(len(self.last)))
            self.last = text
        elif text != self.last and (not total or done in (0, total) or total > 1):
            self.stream.write(text + "\n")
            self.last = text
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")


def _run_build(args: argparse.Namespace, build: Callable[[BuildOptions], Path], **options) -> int:
    """Runs one build with the compiler options of the command line, reporting progress
    on a terminal (or with --progress); prints what it wrote, or the one-line error."""
    progress = ProgressLine() if args.progress or sys.stderr.isatty() else None
    limits = Limits(max_function_locals=args.max_function_locals, max_function_blocks=args.max_function_blocks)
    process_limits = ProcessLimits(memory=args.max_compile_memory << 20, seconds=args.max_compile_seconds)
    build_options = BuildOptions(opt=args.opt, toolchain=Toolchain.default(args.cc, args.cflags), debug=args.debug,
                                 progress=progress, jobs=args.jobs, abi3=args.abi3,
                                 bounds_checks=args.bounds_checks, fuel=args.fuel, march=args.march, limits=limits,
                                 process_limits=process_limits, **options)
    try:
        path = build(build_options)
    except (CompileError, BuildError, ValueError) as e:
        return _fail(args.file, e)
    finally:
        if progress:
            progress.close()
    print(path)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    wasm = _read(args.file)
    src = Path(args.file)
    name = args.name or module_identifier(src.stem)
    if module_identifier(name) != name:
        return _fail(args.file, ValueError(f"--name {name!r} is not a Python identifier"))
    out_dir = Path(args.output) if args.output else src.parent
    return _run_build(args, lambda options: build_extension(wasm, name, out_dir / f"{name}{ext_suffix(args.abi3)}",
                                                            options), keep_c=args.keep_c, stubs=True)


def cmd_wheel(args: argparse.Namespace) -> int:
    from .wheel import build_wheel

    wasm = _read(args.file)
    return _run_build(args, lambda options: build_wheel(wasm, args.name, args.version, Path(args.output), options))


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        validate_module(decode(_read(args.file)))
    except CompileError as e:
        return _fail(args.file, e)
    print("valid")
    return 0


def _describe(module: ir.Module, kind: ir.ExternKind, desc_or_index, imported: bool) -> str:
    if kind == ir.ExternKind.FUNC:
        ft = module.types[desc_or_index] if imported else module.func_types[desc_or_index]
        return f"func {ft}"
    if kind == ir.ExternKind.TABLE:
        t = desc_or_index if imported else module.table_types[desc_or_index]
        return f"table {t.elem} {t.limits.min}..{'' if t.limits.max is None else t.limits.max}"
    if kind == ir.ExternKind.MEMORY:
        t = desc_or_index if imported else module.mem_types[desc_or_index]
        return f"memory {t.limits.min}..{'' if t.limits.max is None else t.limits.max} pages"
    t = desc_or_index if imported else module.global_types[desc_or_index]
    return f"global {'mut ' if t.mutable else ''}{t.valtype}"


def cmd_inspect(args: argparse.Namespace) -> int:
    try:
        module = decode(_read(args.file))
        validate_module(module)
    except CompileError as e:
        return _fail(args.file, e)
    rows = [("import", f"{i.module}.{i.name}", _describe(module, i.kind, i.desc, True)) for i in module.imports]
    rows += [("export", e.name, _describe(module, e.kind, e.index, False)) for e in module.exports]
    if not rows:
        print("no imports or exports")
        return 0
    widths = [max(len(r[k]) for r in rows) for k in range(2)]
    for direction, name, desc in rows:
        print(f"{direction:<{widths[0]}}  {name:<{widths[1]}}  {desc}")
    return 0


def cmd_c(args: argparse.Namespace) -> int:
    try:
        source = compile_to_c(_read(args.file), args.name or module_identifier(Path(args.file).stem),
                              bounds_checks=args.bounds_checks, fuel=args.fuel)
    except CompileError as e:
        return _fail(args.file, e)
    if args.output == "-":
        sys.stdout.write(source)
    else:
        Path(args.output).write_text(source)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Runs a WASI command with this process's stdio, as `wasmtime run` does."""
    from .api import Module
    from ._runtime import WasiConfig, WasiExit
    from .errors import Error, Trap

    preopens = {}
    for spec in args.dir:
        host, _, guest = spec.partition("::")
        preopens[guest or host] = host
    env = {}
    for spec in args.env:
        key, sep, value = spec.partition("=")
        if not sep:
            value = os.environ.get(key, "")
        env[key] = value
    wasm = _read(args.file)
    try:
        module = Module(wasm)
        config = WasiConfig(args=[os.path.basename(args.file), *args.args], env=env, stdin=sys.stdin,
                            stdout=sys.stdout, stderr=sys.stderr, preopens=preopens)
        instance = module.instantiate(wasi=config)
        instance.exports["_start"]()
    except WasiExit as e:
        return e.code & 0xFF
    except Trap as e:
        print(f"wasm2pyext run: {args.file}: trap: {e}", file=sys.stderr)
        return 134  # as wasmtime: 128 + SIGABRT
    except (Error, OSError, KeyError) as e:
        return _fail(args.file, e)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wasm2pyext", description="WebAssembly modules as Python extension modules.")
    sub = p.add_subparsers(dest="command", required=True)

    def compiler_options(p: argparse.ArgumentParser) -> None:
        for level in OPT_LEVELS:
            p.add_argument(level, dest="opt", action="store_const", const=level, help=f"C optimisation {level}")
        p.set_defaults(opt=DEFAULT_OPT)
        p.add_argument("--debug", action="store_true", help="keep debug information (-g, not stripped)")
        p.add_argument("--cc", help="the C compiler (default: $CC or Python's)")
        p.add_argument("--cflags", help="extra C compiler flags (default: $WASM2PYEXT_CFLAGS)")
        p.add_argument("--march", metavar="CPU",
                       help="the CPU the code may assume, as the compiler's -march: x86-64-v2 runs SIMD code "
                            "1.7-3x faster on x86-64 CPUs since 2009, native suits this machine only (default: "
                            "the compiler's, which every machine of the platform runs)")
        p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                       help="C compiles at a time, for big modules (default: the number of CPUs)")
        p.add_argument("--progress", action="store_true", help="report each step (default: on a terminal)")
        p.add_argument("--abi3", action="store_true",
                       help="build against the stable ABI: one build for CPython 3.11 and later")
        bounds_checks_option(p)
        fuel_option(p)
        limits, process = Limits(), ProcessLimits()
        p.add_argument("--max-function-locals", type=int, default=limits.max_function_locals, metavar="N",
                       help=f"refuse a function with more locals (default: {limits.max_function_locals})")
        p.add_argument("--max-function-blocks", type=int, default=limits.max_function_blocks, metavar="N",
                       help=f"refuse a function with more blocks (default: {limits.max_function_blocks})")
        p.add_argument("--max-compile-memory", type=int, default=process.memory >> 20, metavar="MIB",
                       help=f"memory each C compile may take (default: {process.memory >> 20})")
        p.add_argument("--max-compile-seconds", type=float, default=process.seconds, metavar="S",
                       help=f"time each C compile may take (default: {process.seconds:g})")

    b = sub.add_parser("build", help="build FILE.wasm into an importable extension module")
    b.add_argument("file")
    b.add_argument("-o", "--output", metavar="DIR", help="output folder (default: beside FILE)")
    b.add_argument("--name", help="module name (default: FILE's stem made an identifier)")
    b.add_argument("--keep-c", action="store_true", help="keep the generated C beside the module")
    compiler_options(b)
    b.set_defaults(func=cmd_build)

    w = sub.add_parser("wheel", help="build FILE.wasm into an installable wheel")
    w.add_argument("file")
    w.add_argument("--name", required=True, help="the import name of the package")
    w.add_argument("--version", required=True, help="the package version")
    w.add_argument("-o", "--output", default="dist", metavar="DIST", help="output folder (default: dist)")
    compiler_options(w)
    w.set_defaults(func=cmd_wheel)

    v = sub.add_parser("validate", help="check that FILE.wasm is a valid module")
    v.add_argument("file")
    v.set_defaults(func=cmd_validate)

    i = sub.add_parser("inspect", help="list imports and exports with their types")
    i.add_argument("file")
    i.set_defaults(func=cmd_inspect)

    c = sub.add_parser("c", help="write the generated C")
    c.add_argument("file")
    c.add_argument("-o", "--output", required=True, metavar="OUT.c", help="output file ('-' for stdout)")
    c.add_argument("--name", help="module name (default: FILE's stem made an identifier)")
    bounds_checks_option(c)
    fuel_option(c)
    c.set_defaults(func=cmd_c)

    r = sub.add_parser("run", help="run a WASI command (as `wasmtime run`)")
    r.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                   help="preopen the host directory HOST as GUEST (default: as HOST)")
    r.add_argument("--env", action="append", default=[], metavar="K=V",
                   help="set a guest environment variable (K alone: the host's value)")
    r.add_argument("file", metavar="FILE.wasm")
    r.add_argument("args", nargs=argparse.REMAINDER, help="the program's arguments")
    r.set_defaults(func=cmd_run)
    return p


def bounds_checks_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bounds-checks", action="store_true", default=DEFAULT_BOUNDS_CHECKS,
                   help="check memory bounds and call depth in the code instead of relying on guard pages "
                        "(for 32-bit platforms or limited address space; the default where guard pages are "
                        "unavailable)")


def fuel_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fuel", action="store_true",
                   help="meter the code: each Wasm instruction run takes a unit of instance.fuel, and a "
                        "call that runs out traps \"out of fuel\"")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
