"""What one Wasm function may ask of the C compiler.

GCC's time grows faster than linearly with the size of a C function: with the number of
labels (20,000 in one function: 20 s at -O0, the C front end alone), with nesting (20,000
nested blocks: 32 s at -O0), and, optimising, with the values live at once (8,000 live
f64 locals: 35 s at -O2, 70 s at -O1; 40,000 ran past 10 minutes). Without bounds, a
small hostile module (20,000 nested ifs are 100 KB of Wasm) makes `Instance(bytes)` a
denial of service. So a function beyond what the optimiser handles quickly is compiled
without optimisation (-O0, still linear enough: 40,000 live locals in 18 s and 0.9 GB),
and one beyond what even that handles is refused with a CompileError naming it. Every
bound can be raised (BuildOptions.limits; the CLI's --max-function-locals and
--max-function-blocks).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import ir

_BLOCKS = frozenset({"block", "loop", "if"})


@dataclass(frozen=True)
class Limits:
    # A function with more locals (parameters included) or blocks is refused. 50,000
    # locals is the limit the major engines share.
    max_function_locals: int = 50_000
    max_function_blocks: int = 10_000
    # A function with more is compiled at -O0.
    optimised_locals: int = 3_000
    optimised_blocks: int = 3_000


@dataclass(frozen=True)
class FunctionSize:
    locals: int  # parameters included
    blocks: int  # block, loop and if instructions


def function_size(module: ir.Module, index: int) -> FunctionSize:
    """Of the function at `index` in the function index space (a defined one)."""
    func = module.funcs[index - module.num_imported_funcs]
    n_params = len(module.types[func.type_index].params)
    return FunctionSize(n_params + len(func.locals), sum(1 for instr in func.body if instr.op.name in _BLOCKS))


def check_function_sizes(module: ir.Module, limits: Limits) -> None:
    """Raises CompileError for the first function beyond the limits."""
    from .errors import CompileError

    n_imp = module.num_imported_funcs
    for k, func in enumerate(module.funcs):
        size = function_size(module, n_imp + k)
        name = module.names.funcs.get(n_imp + k)
        what = f"function {n_imp + k}" + (f" ({name!r})" if name else "")
        if size.locals > limits.max_function_locals:
            raise CompileError(f"{what} has {size.locals:,} locals, more than the {limits.max_function_locals:,} "
                               "a function may have (raise it with --max-function-locals)", func.offset)
        if size.blocks > limits.max_function_blocks:
            raise CompileError(f"{what} has {size.blocks:,} blocks, more than the {limits.max_function_blocks:,} "
                               "a function may have (raise it with --max-function-blocks)", func.offset)


def unoptimised_functions(module: ir.Module, limits: Limits) -> set[int]:
    """The defined functions (by index) too big for the optimiser: compiled at -O0."""
    n_imp = module.num_imported_funcs
    out = set()
    for index in range(n_imp, n_imp + len(module.funcs)):
        size = function_size(module, index)
        if size.locals > limits.optimised_locals or size.blocks > limits.optimised_blocks:
            out.add(index)
    return out
