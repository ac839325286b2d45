"""Which functions can never trap, so that a call from Python may skip the trap boundary
(runtime_c/w2p_pycall.h): about half the cost of calling a small function like sum(a, b).

A function cannot trap when nothing in it can: no memory or table access, no trapping
arithmetic, no unreachable, no indirect call, and calls only to functions that cannot
trap either. Call chains must also be short (and so free of recursion), so that no
chain of them can exhaust the stack.
"""
from __future__ import annotations

import re

from .. import ir

# Calls deep below a function that cannot trap, at most: a few small frames.
MAX_CALL_HEIGHT = 8

_ALWAYS_TRAPPING = frozenset({
    "unreachable", "call_indirect", "memory.fill", "memory.copy", "memory.init",
    "table.get", "table.set", "table.fill", "table.copy", "table.init",
})
# Integer division and remainder (by zero, INT_MIN / -1); float -> int truncation that
# is not saturating (NaN, out of range).
_TRAPPING_ARITHMETIC = re.compile(r"i(32|64)\.(div|rem)_[su]|i(32|64)\.trunc_f(32|64)_[su]")


def _may_trap(op) -> bool:
    return op.is_memory_access or op.name in _ALWAYS_TRAPPING or bool(_TRAPPING_ARITHMETIC.fullmatch(op.name))


# How deep the search follows calls before giving up (Python's own recursion limit).
_MAX_SEARCH_DEPTH = 200


def functions_that_cannot_trap(module: ir.Module) -> set[int]:
    """Indices (in the function index space) of the defined functions that cannot trap."""
    n_imported = module.num_imported_funcs
    height: dict[int, int | None] = {}  # calls below a function; None: it may trap

    def visit(index: int, pending: list[int]) -> tuple[int | None, bool]:
        """(height or None, whether that is final: not cut short by the search depth)."""
        if index < n_imported or index in pending:  # an import, or recursion
            return None, True
        if index in height:
            return height[index], True
        if len(pending) >= _MAX_SEARCH_DEPTH:
            return None, False
        pending.append(index)
        result: int | None = 0
        final = True
        for instr in module.funcs[index - n_imported].body:
            if instr.op.name == "call":
                below, below_final = visit(instr.imm, pending)
                final = final and below_final
                result = None if below is None or below + 1 > MAX_CALL_HEIGHT else max(result, below + 1)
            elif _may_trap(instr.op):
                result = None
            if result is None:
                break
        pending.pop()
        if final:
            height[index] = result
        return result, final

    return {i for i in range(n_imported, n_imported + len(module.funcs)) if visit(i, [])[0] is not None}
