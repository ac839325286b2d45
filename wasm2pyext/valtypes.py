"""Value types: what the opcode table, the IR and everything after them are typed in.

A module of its own so that the opcode table (opcodes.py) and the IR (ir.py, whose
instructions hold rows of that table) both import it, and not each other.
"""
from __future__ import annotations

import enum


class ValType(enum.IntEnum):
    """Value types, numbered by their binary encoding."""

    I32 = 0x7F
    I64 = 0x7E
    F32 = 0x7D
    F64 = 0x7C
    V128 = 0x7B
    FUNCREF = 0x70
    EXTERNREF = 0x6F

    @property
    def is_ref(self) -> bool:
        return self in (ValType.FUNCREF, ValType.EXTERNREF)

    @property
    def is_num(self) -> bool:
        return self in (ValType.I32, ValType.I64, ValType.F32, ValType.F64)

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "ValType":
        return cls[text.upper()]
