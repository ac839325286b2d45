"""The one opcode table: every WebAssembly 2.0 instruction except SIMD.

The decoder reads `code` and `imm`, the validator `sig` (or, for the instructions whose
typing depends on context, their name), the code generator `c`. No instruction is described
anywhere else.

Columns:
  code  the opcode byte, or "0xFC n" for the prefixed ones (n a u32 LEB128)
  name  the text-format name
  imm   the shape of the immediate (see IMMEDIATE_SHAPES)
  sig   "in in -> out" for instructions with a fixed type; "*" where the validator types
        the instruction from its immediate or the stack (control, variables, calls, ...)
  c     a C expression of the operands {0}, {1}, ... (in stack order) for instructions
        with a fixed type; for memory accesses the access itself with {mem} (the memory)
        and {ea} (the effective address); "*" where the code generator writes statements.
        C types: i32 -> uint32_t, i64 -> uint64_t, f32 -> float, f64 -> double; the macros
        and helpers named here are defined in templates/module.c.j2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .ir import ValType

# What each `imm` shape decodes to (Instr.imm):
IMMEDIATE_SHAPES = {
    "-": "None",
    "blocktype": "None | ValType | int (type index)",
    "label": "int (relative depth)",
    "br_table": "(tuple[int, ...] labels, int default)",
    "func": "int (function index)",
    "call_indirect": "(int type index, int table index)",
    "local": "int", "global": "int", "table": "int", "elem": "int", "data": "int",
    "memarg": "MemArg(align, offset)",
    "memory": "int (memory index; a 0x00 byte in 2.0)",
    "i32": "int (signed)", "i64": "int (signed)",
    "f32": "int (the IEEE bits)", "f64": "int (the IEEE bits)",
    "select_t": "tuple[ValType, ...]",
    "reftype": "ValType",
    "memory_init": "(int data index, int memory index)",
    "memory_copy": "(int dst memory, int src memory)",
    "table_init": "(int elem index, int table index)",
    "table_copy": "(int dst table, int src table)",
}

_TABLE = """
# code      name                  imm            sig                 c
0x00        unreachable           -              *                   *
0x01        nop                   -              *                   *
0x02        block                 blocktype      *                   *
0x03        loop                  blocktype      *                   *
0x04        if                    blocktype      *                   *
0x05        else                  -              *                   *
0x0B        end                   -              *                   *
0x0C        br                    label          *                   *
0x0D        br_if                 label          *                   *
0x0E        br_table              br_table       *                   *
0x0F        return                -              *                   *
0x10        call                  func           *                   *
0x11        call_indirect         call_indirect  *                   *
0x1A        drop                  -              *                   *
0x1B        select                -              *                   *
0x1C        select_t              select_t       *                   *
0x20        local.get             local          *                   *
0x21        local.set             local          *                   *
0x22        local.tee             local          *                   *
0x23        global.get            global         *                   *
0x24        global.set            global         *                   *
0x25        table.get             table          *                   *
0x26        table.set             table          *                   *
0x28        i32.load              memarg         i32->i32            LOAD(uint32_t,{mem},{ea})
0x29        i64.load              memarg         i32->i64            LOAD(uint64_t,{mem},{ea})
0x2A        f32.load              memarg         i32->f32            LOAD(float,{mem},{ea})
0x2B        f64.load              memarg         i32->f64            LOAD(double,{mem},{ea})
0x2C        i32.load8_s           memarg         i32->i32            (uint32_t)LOAD(int8_t,{mem},{ea})
0x2D        i32.load8_u           memarg         i32->i32            LOAD(uint8_t,{mem},{ea})
0x2E        i32.load16_s          memarg         i32->i32            (uint32_t)LOAD(int16_t,{mem},{ea})
0x2F        i32.load16_u          memarg         i32->i32            LOAD(uint16_t,{mem},{ea})
0x30        i64.load8_s           memarg         i32->i64            (uint64_t)LOAD(int8_t,{mem},{ea})
0x31        i64.load8_u           memarg         i32->i64            LOAD(uint8_t,{mem},{ea})
0x32        i64.load16_s          memarg         i32->i64            (uint64_t)LOAD(int16_t,{mem},{ea})
0x33        i64.load16_u          memarg         i32->i64            LOAD(uint16_t,{mem},{ea})
0x34        i64.load32_s          memarg         i32->i64            (uint64_t)LOAD(int32_t,{mem},{ea})
0x35        i64.load32_u          memarg         i32->i64            LOAD(uint32_t,{mem},{ea})
0x36        i32.store             memarg         i32,i32->           STORE(uint32_t,{mem},{ea},{1})
0x37        i64.store             memarg         i32,i64->           STORE(uint64_t,{mem},{ea},{1})
0x38        f32.store             memarg         i32,f32->           STORE(float,{mem},{ea},{1})
0x39        f64.store             memarg         i32,f64->           STORE(double,{mem},{ea},{1})
0x3A        i32.store8            memarg         i32,i32->           STORE(uint8_t,{mem},{ea},{1})
0x3B        i32.store16           memarg         i32,i32->           STORE(uint16_t,{mem},{ea},{1})
0x3C        i64.store8            memarg         i32,i64->           STORE(uint8_t,{mem},{ea},{1})
0x3D        i64.store16           memarg         i32,i64->           STORE(uint16_t,{mem},{ea},{1})
0x3E        i64.store32           memarg         i32,i64->           STORE(uint32_t,{mem},{ea},{1})
0x3F        memory.size           memory         ->i32               *
0x40        memory.grow           memory         i32->i32            *
0x41        i32.const             i32            ->i32               *
0x42        i64.const             i64            ->i64               *
0x43        f32.const             f32            ->f32               *
0x44        f64.const             f64            ->f64               *
0x45        i32.eqz               -              i32->i32            {0} == 0
0x46        i32.eq                -              i32,i32->i32        {0} == {1}
0x47        i32.ne                -              i32,i32->i32        {0} != {1}
0x48        i32.lt_s              -              i32,i32->i32        (int32_t){0} < (int32_t){1}
0x49        i32.lt_u              -              i32,i32->i32        {0} < {1}
0x4A        i32.gt_s              -              i32,i32->i32        (int32_t){0} > (int32_t){1}
0x4B        i32.gt_u              -              i32,i32->i32        {0} > {1}
0x4C        i32.le_s              -              i32,i32->i32        (int32_t){0} <= (int32_t){1}
0x4D        i32.le_u              -              i32,i32->i32        {0} <= {1}
0x4E        i32.ge_s              -              i32,i32->i32        (int32_t){0} >= (int32_t){1}
0x4F        i32.ge_u              -              i32,i32->i32        {0} >= {1}
0x50        i64.eqz               -              i64->i32            {0} == 0
0x51        i64.eq                -              i64,i64->i32        {0} == {1}
0x52        i64.ne                -              i64,i64->i32        {0} != {1}
0x53        i64.lt_s              -              i64,i64->i32        (int64_t){0} < (int64_t){1}
0x54        i64.lt_u              -              i64,i64->i32        {0} < {1}
0x55        i64.gt_s              -              i64,i64->i32        (int64_t){0} > (int64_t){1}
0x56        i64.gt_u              -              i64,i64->i32        {0} > {1}
0x57        i64.le_s              -              i64,i64->i32        (int64_t){0} <= (int64_t){1}
0x58        i64.le_u              -              i64,i64->i32        {0} <= {1}
0x59        i64.ge_s              -              i64,i64->i32        (int64_t){0} >= (int64_t){1}
0x5A        i64.ge_u              -              i64,i64->i32        {0} >= {1}
0x5B        f32.eq                -              f32,f32->i32        {0} == {1}
0x5C        f32.ne                -              f32,f32->i32        {0} != {1}
0x5D        f32.lt                -              f32,f32->i32        {0} < {1}
0x5E        f32.gt                -              f32,f32->i32        {0} > {1}
0x5F        f32.le                -              f32,f32->i32        {0} <= {1}
0x60        f32.ge                -              f32,f32->i32        {0} >= {1}
0x61        f64.eq                -              f64,f64->i32        {0} == {1}
0x62        f64.ne                -              f64,f64->i32        {0} != {1}
0x63        f64.lt                -              f64,f64->i32        {0} < {1}
0x64        f64.gt                -              f64,f64->i32        {0} > {1}
0x65        f64.le                -              f64,f64->i32        {0} <= {1}
0x66        f64.ge                -              f64,f64->i32        {0} >= {1}
0x67        i32.clz               -              i32->i32            I32_CLZ({0})
0x68        i32.ctz               -              i32->i32            I32_CTZ({0})
0x69        i32.popcnt            -              i32->i32            I32_POPCNT({0})
0x6A        i32.add               -              i32,i32->i32        {0} + {1}
0x6B        i32.sub               -              i32,i32->i32        {0} - {1}
0x6C        i32.mul               -              i32,i32->i32        {0} * {1}
0x6D        i32.div_s             -              i32,i32->i32        I32_DIV_S({0}, {1})
0x6E        i32.div_u             -              i32,i32->i32        I32_DIV_U({0}, {1})
0x6F        i32.rem_s             -              i32,i32->i32        I32_REM_S({0}, {1})
0x70        i32.rem_u             -              i32,i32->i32        I32_REM_U({0}, {1})
0x71        i32.and               -              i32,i32->i32        {0} & {1}
0x72        i32.or                -              i32,i32->i32        {0} | {1}
0x73        i32.xor               -              i32,i32->i32        {0} ^ {1}
0x74        i32.shl               -              i32,i32->i32        {0} << ({1} & 31)
0x75        i32.shr_s             -              i32,i32->i32        (uint32_t)((int32_t){0} >> ({1} & 31))
0x76        i32.shr_u             -              i32,i32->i32        {0} >> ({1} & 31)
0x77        i32.rotl              -              i32,i32->i32        I32_ROTL({0}, {1})
0x78        i32.rotr              -              i32,i32->i32        I32_ROTR({0}, {1})
0x79        i64.clz               -              i64->i64            I64_CLZ({0})
0x7A        i64.ctz               -              i64->i64            I64_CTZ({0})
0x7B        i64.popcnt            -              i64->i64            I64_POPCNT({0})
0x7C        i64.add               -              i64,i64->i64        {0} + {1}
0x7D        i64.sub               -              i64,i64->i64        {0} - {1}
0x7E        i64.mul               -              i64,i64->i64        {0} * {1}
0x7F        i64.div_s             -              i64,i64->i64        I64_DIV_S({0}, {1})
0x80        i64.div_u             -              i64,i64->i64        I64_DIV_U({0}, {1})
0x81        i64.rem_s             -              i64,i64->i64        I64_REM_S({0}, {1})
0x82        i64.rem_u             -              i64,i64->i64        I64_REM_U({0}, {1})
0x83        i64.and               -              i64,i64->i64        {0} & {1}
0x84        i64.or                -              i64,i64->i64        {0} | {1}
0x85        i64.xor               -              i64,i64->i64        {0} ^ {1}
0x86        i64.shl               -              i64,i64->i64        {0} << ({1} & 63)
0x87        i64.shr_s             -              i64,i64->i64        (uint64_t)((int64_t){0} >> ({1} & 63))
0x88        i64.shr_u             -              i64,i64->i64        {0} >> ({1} & 63)
0x89        i64.rotl              -              i64,i64->i64        I64_ROTL({0}, {1})
0x8A        i64.rotr              -              i64,i64->i64        I64_ROTR({0}, {1})
0x8B        f32.abs               -              f32->f32            fabsf({0})
0x8C        f32.neg               -              f32->f32            -{0}
0x8D        f32.ceil              -              f32->f32            f32_ceil({0})
0x8E        f32.floor             -              f32->f32            f32_floor({0})
0x8F        f32.trunc             -              f32->f32            f32_trunc({0})
0x90        f32.nearest           -              f32->f32            f32_nearest({0})
0x91        f32.sqrt              -              f32->f32            sqrtf({0})
0x92        f32.add               -              f32,f32->f32        {0} + {1}
0x93        f32.sub               -              f32,f32->f32        {0} - {1}
0x94        f32.mul               -              f32,f32->f32        {0} * {1}
0x95        f32.div               -              f32,f32->f32        {0} / {1}
0x96        f32.min               -              f32,f32->f32        F32_MIN({0}, {1})
0x97        f32.max               -              f32,f32->f32        F32_MAX({0}, {1})
0x98        f32.copysign          -              f32,f32->f32        copysignf({0}, {1})
0x99        f64.abs               -              f64->f64            fabs({0})
0x9A        f64.neg               -              f64->f64            -{0}
0x9B        f64.ceil              -              f64->f64            f64_ceil({0})
0x9C        f64.floor             -              f64->f64            f64_floor({0})
0x9D        f64.trunc             -              f64->f64            f64_trunc({0})
0x9E        f64.nearest           -              f64->f64            f64_nearest({0})
0x9F        f64.sqrt              -              f64->f64            sqrt({0})
0xA0        f64.add               -              f64,f64->f64        {0} + {1}
0xA1        f64.sub               -              f64,f64->f64        {0} - {1}
0xA2        f64.mul               -              f64,f64->f64        {0} * {1}
0xA3        f64.div               -              f64,f64->f64        {0} / {1}
0xA4        f64.min               -              f64,f64->f64        F64_MIN({0}, {1})
0xA5        f64.max               -              f64,f64->f64        F64_MAX({0}, {1})
0xA6        f64.copysign          -              f64,f64->f64        copysign({0}, {1})
0xA7        i32.wrap_i64          -              i64->i32            (uint32_t){0}
0xA8        i32.trunc_f32_s       -              f32->i32            I32_TRUNC_S_F32({0})
0xA9        i32.trunc_f32_u       -              f32->i32            I32_TRUNC_U_F32({0})
0xAA        i32.trunc_f64_s       -              f64->i32            I32_TRUNC_S_F64({0})
0xAB        i32.trunc_f64_u       -              f64->i32            I32_TRUNC_U_F64({0})
0xAC        i64.extend_i32_s      -              i32->i64            (uint64_t)(int32_t){0}
0xAD        i64.extend_i32_u      -              i32->i64            (uint64_t){0}
0xAE        i64.trunc_f32_s       -              f32->i64            I64_TRUNC_S_F32({0})
0xAF        i64.trunc_f32_u       -              f32->i64            I64_TRUNC_U_F32({0})
0xB0        i64.trunc_f64_s       -              f64->i64            I64_TRUNC_S_F64({0})
0xB1        i64.trunc_f64_u       -              f64->i64            I64_TRUNC_U_F64({0})
0xB2        f32.convert_i32_s     -              i32->f32            (float)(int32_t){0}
0xB3        f32.convert_i32_u     -              i32->f32            (float){0}
0xB4        f32.convert_i64_s     -              i64->f32            (float)(int64_t){0}
0xB5        f32.convert_i64_u     -              i64->f32            (float){0}
0xB6        f32.demote_f64        -              f64->f32            f32_demote_f64({0})
0xB7        f64.convert_i32_s     -              i32->f64            (double)(int32_t){0}
0xB8        f64.convert_i32_u     -              i32->f64            (double){0}
0xB9        f64.convert_i64_s     -              i64->f64            (double)(int64_t){0}
0xBA        f64.convert_i64_u     -              i64->f64            (double){0}
0xBB        f64.promote_f32       -              f32->f64            f64_promote_f32({0})
0xBC        i32.reinterpret_f32   -              f32->i32            f32_bits({0})
0xBD        i64.reinterpret_f64   -              f64->i64            f64_bits({0})
0xBE        f32.reinterpret_i32   -              i32->f32            f32_from_bits({0})
0xBF        f64.reinterpret_i64   -              i64->f64            f64_from_bits({0})
0xC0        i32.extend8_s         -              i32->i32            (uint32_t)(int8_t){0}
0xC1        i32.extend16_s        -              i32->i32            (uint32_t)(int16_t){0}
0xC2        i64.extend8_s         -              i64->i64            (uint64_t)(int8_t){0}
0xC3        i64.extend16_s        -              i64->i64            (uint64_t)(int16_t){0}
0xC4        i64.extend32_s        -              i64->i64            (uint64_t)(int32_t){0}
0xD0        ref.null              reftype        *                   *
0xD1        ref.is_null           -              *                   *
0xD2        ref.func              func           ->funcref           *
0xFC_0      i32.trunc_sat_f32_s   -              f32->i32            I32_TRUNC_SAT_S_F32({0})
0xFC_1      i32.trunc_sat_f32_u   -              f32->i32            I32_TRUNC_SAT_U_F32({0})
0xFC_2      i32.trunc_sat_f64_s   -              f64->i32            I32_TRUNC_SAT_S_F64({0})
0xFC_3      i32.trunc_sat_f64_u   -              f64->i32            I32_TRUNC_SAT_U_F64({0})
0xFC_4      i64.trunc_sat_f32_s   -              f32->i64            I64_TRUNC_SAT_S_F32({0})
0xFC_5      i64.trunc_sat_f32_u   -              f32->i64            I64_TRUNC_SAT_U_F32({0})
0xFC_6      i64.trunc_sat_f64_s   -              f64->i64            I64_TRUNC_SAT_S_F64({0})
0xFC_7      i64.trunc_sat_f64_u   -              f64->i64            I64_TRUNC_SAT_U_F64({0})
0xFC_8      memory.init           memory_init    i32,i32,i32->       *
0xFC_9      data.drop             data           ->                  *
0xFC_10     memory.copy           memory_copy    i32,i32,i32->       *
0xFC_11     memory.fill           memory         i32,i32,i32->       *
0xFC_12     table.init            table_init     i32,i32,i32->       *
0xFC_13     elem.drop             elem           ->                  *
0xFC_14     table.copy            table_copy     i32,i32,i32->       *
0xFC_15     table.grow            table          *                   *
0xFC_16     table.size            table          ->i32               *
0xFC_17     table.fill            table          *                   *
"""

# Opcodes reserved for SIMD (0xFD prefix) are not in the table: they decode as
# "illegal opcode" since this implementation does not support the SIMD proposal.
PREFIX_FC = 0xFC


@dataclass(frozen=True)
class Op:
    code: int  # the opcode byte (0xFC for prefixed ones)
    subcode: Optional[int]  # the u32 after 0xFC, else None
    name: str
    imm: str
    params: Optional[tuple[ValType, ...]]  # None when sig is "*"
    results: Optional[tuple[ValType, ...]]
    c: Optional[str]  # None when c is "*"

    @property
    def fixed_type(self) -> bool:
        return self.params is not None

    @property
    def is_memory_access(self) -> bool:
        return self.imm == "memarg"

    @property
    def access_size(self) -> int:
        """Bytes a load/store touches (its natural alignment is log2 of this)."""
        name = self.name.split(".", 1)[1]
        for width in ("8", "16", "32"):
            if name.endswith(width) or f"{width}_" in name:
                return int(width) // 8
        return 8 if self.name[1:3] == "64" else 4


def _types(text: str) -> tuple[ValType, ...]:
    return tuple(ValType.parse(t) for t in text.split(",") if t)


def _parse_table(text: str) -> list[Op]:
    ops = []
    for line in text.strip().splitlines():
        if line.startswith("#"):
            continue
        code, name, imm, sig, c = line.split(None, 4)
        if code.startswith("0xFC_"):
            byte, sub = PREFIX_FC, int(code[5:])
        else:
            byte, sub = int(code, 16), None
        if sig == "*":
            params = results = None
        else:
            ins, outs = sig.split("->")
            params, results = _types(ins), _types(outs)
        ops.append(Op(byte, sub, name, imm, params, results, None if c == "*" else c.strip()))
    return ops


OPS: list[Op] = _parse_table(_TABLE)
BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
BY_CODE: dict[int, Op] = {op.code: op for op in OPS if op.subcode is None}
BY_FC: dict[int, Op] = {op.subcode: op for op in OPS if op.subcode is not None}

assert len(BY_NAME) == len(OPS), "duplicate opcode name"
assert len(BY_CODE) + len(BY_FC) == len(OPS), "duplicate opcode"
