"""From an instruction's row in the opcode table to the code that handles it.

The validator and the code generator each keep a Dispatch: their handlers by instruction
name, each registered for the rows it handles, and checked to cover every row.
"""
from __future__ import annotations

from typing import Callable, Iterable, TypeVar

from .opcodes import BY_NAME, OPS

_Handler = TypeVar("_Handler", bound=Callable)


class Dispatch(dict):
    """Instruction name -> the code that handles it. Keyed by name, since hashing an Op
    (a frozen dataclass) is slow.

        HANDLERS = Dispatch()

        @HANDLERS.handles("block", "loop")
        def op_block(self, instr): ...
    """

    def handles(self, *names: str) -> Callable[[_Handler], _Handler]:
        """A decorator registering its function for the instructions `names`."""
        def register(fn: _Handler) -> _Handler:
            self.add(names, fn)
            return fn
        return register

    def add(self, names: Iterable[str], fn: Callable) -> None:
        for name in names:
            assert name in BY_NAME, f"no instruction {name}"
            assert name not in self, f"{name} has two handlers"
            self[name] = fn

    def join(self, *others: "Dispatch") -> "Dispatch":
        """This registry and `others` in one (no instruction may be in two of them)."""
        joined = Dispatch(self)
        for other in others:
            for name, fn in other.items():
                joined.add((name,), fn)
        return joined

    def missing(self, *also_handled: Iterable[str]) -> list[str]:
        """The instructions neither here nor in `also_handled`."""
        others = set().union(*also_handled)
        return [op.name for op in OPS if op.name not in self and op.name not in others]
