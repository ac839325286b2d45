"""The SIMD instructions whose C the opcode table cannot give as an expression of their
operands: v128.const and i8x16.shuffle, whose immediates become C constants. Everything
else of SIMD is a plain row of the table, calling runtime_c/w2p_simd.h."""
from __future__ import annotations

from ..ir import ValType
from .literals import constant


class SimdOps:
    """Mixed into codegen.function.FunctionWriter: the op_<name> methods it dispatches to."""

    def op_v128_const(self, instr, h):
        self.emit(f"{self.slot(ValType.V128, h)} = {constant(ValType.V128, instr.imm)};")

    def op_i8x16_shuffle(self, instr, h):
        a, b = self.slot(ValType.V128, h - 2), self.slot(ValType.V128, h - 1)
        lanes = ", ".join(map(str, instr.imm))
        self.emit(f"{a} = W2P_I8X16_SHUFFLE({a}, {b}, {lanes});")
