"""Which functions can never trap, so that a call from Python may skip the trap boundary
(runtime_c/w2p_pycall.h): about half the cost of calling a small function like sum(a, b).

A function cannot trap when nothing in it can: no memory or table access, no trapping
arithmetic, no unreachable, no indirect call, no loop (its head polls, and a poll may
stop it: runtime_c/w2p_rt.c, w2p_poll), and calls only to functions that cannot trap
either. Call chains must also be short (and so free of recursion) and their frames
small, so that no chain of them can exhaust the stack: called without a boundary, such a
function takes no more stack than a C builtin may, and a fault in it would end the process.
Nor may it touch a mutable global: such a call takes no monitor either (w2p_control.c),
so it must not see state another thread's call into the instance may be changing.

Built with fuel, any instruction but block, loop, else and end pays for itself and may
trap "out of fuel" (function.py, FREE_OF_FUEL): only a body of those alone cannot trap.
The first instruction that costs fuel is always reachable (only such instructions make
code unreachable), so a body with one charges fuel on every call.
"""
from __future__ import annotations

import re

from .. import ir
from .function import FREE_OF_FUEL

# Calls deep below a function that cannot trap, at most: a few small frames.
MAX_CALL_HEIGHT = 8
# Stack such a chain of calls may take, at most, by frame_bound.
MAX_CHAIN_STACK = 4096


def frame_bound(func: ir.Func, n_params: int) -> int:
    """Bytes of C stack a function may take at most: every parameter, local and stack slot
    spilled at 16 bytes (two slots of different types at each height), plus saved registers."""
    height = max((instr.height for instr in func.body), default=0) + 1
    return 16 * (n_params + len(func.locals) + 2 * height) + 128

_ALWAYS_TRAPPING = frozenset({
    "unreachable", "call_indirect", "loop", "global.set", "memory.fill", "memory.copy", "memory.init",
    "table.get", "table.set", "table.fill", "table.copy", "table.init",
})
# Integer division and remainder (by zero, INT_MIN / -1); float -> int truncation that
# is not saturating (NaN, out of range).
_TRAPPING_ARITHMETIC = re.compile(r"i(32|64)\.(div|rem)_[su]|i(32|64)\.trunc_f(32|64)_[su]")


def _may_trap(op) -> bool:
    return op.is_memory_access or op.name in _ALWAYS_TRAPPING or bool(_TRAPPING_ARITHMETIC.fullmatch(op.name))


# How deep the search follows calls before giving up (Python's own recursion limit).
_MAX_SEARCH_DEPTH = 200


def functions_that_cannot_trap(module: ir.Module, fuel: bool = False) -> set[int]:
    """Indices (in the function index space) of the defined functions that cannot trap;
    fuel: in a module built with fuel."""
    n_imported = module.num_imported_funcs
    # (calls below a function, stack its chain takes); None: it may trap
    known: dict[int, tuple[int, int] | None] = {}

    def visit(index: int, pending: list[int]) -> tuple[tuple[int, int] | None, bool]:
        """((height, stack) or None, whether that is final: not cut short by the search depth)."""
        if index < n_imported or index in pending:  # an import, or recursion
            return None, True
        if index in known:
            return known[index], True
        if len(pending) >= _MAX_SEARCH_DEPTH:
            return None, False
        pending.append(index)
        func = module.funcs[index - n_imported]
        frame = frame_bound(func, len(module.types[func.type_index].params))
        result: tuple[int, int] | None = (0, frame)
        final = True
        for instr in func.body:
            if result is None:
                break
            if fuel and instr.op.name not in FREE_OF_FUEL:
                result = None
            elif instr.op.name == "call":
                below, below_final = visit(instr.imm, pending)
                final = final and below_final
                if below is None or below[0] + 1 > MAX_CALL_HEIGHT:
                    result = None
                else:
                    result = (max(result[0], below[0] + 1), max(result[1], frame + below[1]))
            elif _may_trap(instr.op) or (instr.op.name == "global.get" and module.global_types[instr.imm].mutable):
                result = None
        if result is not None and result[1] > MAX_CHAIN_STACK:
            result = None
        pending.pop()
        if final:
            known[index] = result
        return result, final

    return {i for i in range(n_imported, n_imported + len(module.funcs)) if visit(i, [])[0] is not None}
