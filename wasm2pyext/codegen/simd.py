"""The SIMD instruction whose C the opcode table cannot give as an expression of its
operands: i8x16.shuffle, whose lane indices become C constants. Everything else of SIMD
is a plain row of the table, calling runtime_c/w2p_simd.h (v128.const is written with
the other constants, function.py)."""
from __future__ import annotations

from ..ir import ValType
from ..dispatch import Dispatch

SIMD_EMITTERS = Dispatch()


class SimdOps:
    """Mixed into codegen.function.FunctionWriter: the emitters of SIMD_EMITTERS."""

    @SIMD_EMITTERS.handles("i8x16.shuffle")
    def op_i8x16_shuffle(self, instr, h):
        a, b = self.slot(ValType.V128, h - 2), self.slot(ValType.V128, h - 1)
        lanes = ", ".join(map(str, instr.imm))
        self.emit(f"{a} = W2P_I8X16_SHUFFLE({a}, {b}, {lanes});")
