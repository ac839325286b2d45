"""The one opcode table: every WebAssembly 2.0 instruction, fixed-width SIMD included.

The decoder reads `code` and `imm`, the validator `sig` (or, for the instructions whose
typing depends on context, their name), the code generator `c`. No instruction is described
anywhere else. Where the validator or the code generator needs code of its own for an
instruction, it finds it by the row's name (dispatch.py).

Columns:
  code  the opcode byte, or "0xFC_n" / "0xFD_n" for the prefixed ones (n a u32 LEB128)
  name  the text-format name
  imm   the shape of the immediate (see IMMEDIATE_SHAPES)
  sig   "in in -> out" for instructions with a fixed type; "*" where the validator types
        the instruction from its immediate or the stack (control, variables, calls, ...)
  c     a C expression of the operands {0}, {1}, ... (in stack order) for instructions
        with a fixed type; for memory accesses the access itself with {mem} (the memory)
        and {ea} (the effective address); "*" where the code generator writes statements.
        C types: i32 -> uint32_t, i64 -> uint64_t, f32 -> float, f64 -> double, v128 ->
        w2p_v128; the macros and helpers named here are defined in templates/module.c.j2,
        the w2p_* ones of SIMD in runtime_c/w2p_simd.h. {imm} is the instruction's
        immediate (a lane index; for memarg_lane, {imm.lane}).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .valtypes import ValType

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
    "memarg_lane": "MemArgLane(align, offset, lane)",
    "v128": "int (the 128 bits, lane 0 in the low bits)",
    "shuffle": "tuple[int, ...] (16 lane indices, each < 32 when valid)",
    "lane": "int (a lane index, < the shape's lane count when valid)",
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

# Fixed-width SIMD (the 0xFD prefix): 0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2-0xB4, 0xBB,
# 0xC2, 0xC5, 0xC6, 0xCF, 0xD0, 0xD2-0xD4, 0xE2 and 0xEE are unassigned.
0xFD_0      v128.load                         memarg       i32->v128             LOAD(w2p_v128,{mem},{ea})
0xFD_1      v128.load8x8_s                    memarg       i32->v128             w2p_v128_load8x8_s(LOAD(w2p_v64,{mem},{ea}))
0xFD_2      v128.load8x8_u                    memarg       i32->v128             w2p_v128_load8x8_u(LOAD(w2p_v64,{mem},{ea}))
0xFD_3      v128.load16x4_s                   memarg       i32->v128             w2p_v128_load16x4_s(LOAD(w2p_v64,{mem},{ea}))
0xFD_4      v128.load16x4_u                   memarg       i32->v128             w2p_v128_load16x4_u(LOAD(w2p_v64,{mem},{ea}))
0xFD_5      v128.load32x2_s                   memarg       i32->v128             w2p_v128_load32x2_s(LOAD(w2p_v64,{mem},{ea}))
0xFD_6      v128.load32x2_u                   memarg       i32->v128             w2p_v128_load32x2_u(LOAD(w2p_v64,{mem},{ea}))
0xFD_7      v128.load8_splat                  memarg       i32->v128             w2p_i8x16_splat(LOAD(uint8_t,{mem},{ea}))
0xFD_8      v128.load16_splat                 memarg       i32->v128             w2p_i16x8_splat(LOAD(uint16_t,{mem},{ea}))
0xFD_9      v128.load32_splat                 memarg       i32->v128             w2p_i32x4_splat(LOAD(uint32_t,{mem},{ea}))
0xFD_10     v128.load64_splat                 memarg       i32->v128             w2p_i64x2_splat(LOAD(w2p_v64,{mem},{ea}))
0xFD_11     v128.store                        memarg       i32,v128->            STORE(w2p_v128,{mem},{ea},{1})
0xFD_12     v128.const                        v128         ->v128                *
0xFD_13     i8x16.shuffle                     shuffle      v128,v128->v128       *
0xFD_14     i8x16.swizzle                     -            v128,v128->v128       w2p_i8x16_swizzle({0}, {1})
0xFD_15     i8x16.splat                       -            i32->v128             w2p_i8x16_splat({0})
0xFD_16     i16x8.splat                       -            i32->v128             w2p_i16x8_splat({0})
0xFD_17     i32x4.splat                       -            i32->v128             w2p_i32x4_splat({0})
0xFD_18     i64x2.splat                       -            i64->v128             w2p_i64x2_splat({0})
0xFD_19     f32x4.splat                       -            f32->v128             w2p_f32x4_splat({0})
0xFD_20     f64x2.splat                       -            f64->v128             w2p_f64x2_splat({0})
0xFD_21     i8x16.extract_lane_s              lane         v128->i32             w2p_i8x16_extract_lane_s({0}, {imm})
0xFD_22     i8x16.extract_lane_u              lane         v128->i32             w2p_i8x16_extract_lane_u({0}, {imm})
0xFD_23     i8x16.replace_lane                lane         v128,i32->v128        w2p_i8x16_replace_lane({0}, {imm}, {1})
0xFD_24     i16x8.extract_lane_s              lane         v128->i32             w2p_i16x8_extract_lane_s({0}, {imm})
0xFD_25     i16x8.extract_lane_u              lane         v128->i32             w2p_i16x8_extract_lane_u({0}, {imm})
0xFD_26     i16x8.replace_lane                lane         v128,i32->v128        w2p_i16x8_replace_lane({0}, {imm}, {1})
0xFD_27     i32x4.extract_lane                lane         v128->i32             w2p_i32x4_extract_lane({0}, {imm})
0xFD_28     i32x4.replace_lane                lane         v128,i32->v128        w2p_i32x4_replace_lane({0}, {imm}, {1})
0xFD_29     i64x2.extract_lane                lane         v128->i64             w2p_i64x2_extract_lane({0}, {imm})
0xFD_30     i64x2.replace_lane                lane         v128,i64->v128        w2p_i64x2_replace_lane({0}, {imm}, {1})
0xFD_31     f32x4.extract_lane                lane         v128->f32             w2p_f32x4_extract_lane({0}, {imm})
0xFD_32     f32x4.replace_lane                lane         v128,f32->v128        w2p_f32x4_replace_lane({0}, {imm}, {1})
0xFD_33     f64x2.extract_lane                lane         v128->f64             w2p_f64x2_extract_lane({0}, {imm})
0xFD_34     f64x2.replace_lane                lane         v128,f64->v128        w2p_f64x2_replace_lane({0}, {imm}, {1})
0xFD_35     i8x16.eq                          -            v128,v128->v128       w2p_i8x16_eq({0}, {1})
0xFD_36     i8x16.ne                          -            v128,v128->v128       w2p_i8x16_ne({0}, {1})
0xFD_37     i8x16.lt_s                        -            v128,v128->v128       w2p_i8x16_lt_s({0}, {1})
0xFD_38     i8x16.lt_u                        -            v128,v128->v128       w2p_i8x16_lt_u({0}, {1})
0xFD_39     i8x16.gt_s                        -            v128,v128->v128       w2p_i8x16_gt_s({0}, {1})
0xFD_40     i8x16.gt_u                        -            v128,v128->v128       w2p_i8x16_gt_u({0}, {1})
0xFD_41     i8x16.le_s                        -            v128,v128->v128       w2p_i8x16_le_s({0}, {1})
0xFD_42     i8x16.le_u                        -            v128,v128->v128       w2p_i8x16_le_u({0}, {1})
0xFD_43     i8x16.ge_s                        -            v128,v128->v128       w2p_i8x16_ge_s({0}, {1})
0xFD_44     i8x16.ge_u                        -            v128,v128->v128       w2p_i8x16_ge_u({0}, {1})
0xFD_45     i16x8.eq                          -            v128,v128->v128       w2p_i16x8_eq({0}, {1})
0xFD_46     i16x8.ne                          -            v128,v128->v128       w2p_i16x8_ne({0}, {1})
0xFD_47     i16x8.lt_s                        -            v128,v128->v128       w2p_i16x8_lt_s({0}, {1})
0xFD_48     i16x8.lt_u                        -            v128,v128->v128       w2p_i16x8_lt_u({0}, {1})
0xFD_49     i16x8.gt_s                        -            v128,v128->v128       w2p_i16x8_gt_s({0}, {1})
0xFD_50     i16x8.gt_u                        -            v128,v128->v128       w2p_i16x8_gt_u({0}, {1})
0xFD_51     i16x8.le_s                        -            v128,v128->v128       w2p_i16x8_le_s({0}, {1})
0xFD_52     i16x8.le_u                        -            v128,v128->v128       w2p_i16x8_le_u({0}, {1})
0xFD_53     i16x8.ge_s                        -            v128,v128->v128       w2p_i16x8_ge_s({0}, {1})
0xFD_54     i16x8.ge_u                        -            v128,v128->v128       w2p_i16x8_ge_u({0}, {1})
0xFD_55     i32x4.eq                          -            v128,v128->v128       w2p_i32x4_eq({0}, {1})
0xFD_56     i32x4.ne                          -            v128,v128->v128       w2p_i32x4_ne({0}, {1})
0xFD_57     i32x4.lt_s                        -            v128,v128->v128       w2p_i32x4_lt_s({0}, {1})
0xFD_58     i32x4.lt_u                        -            v128,v128->v128       w2p_i32x4_lt_u({0}, {1})
0xFD_59     i32x4.gt_s                        -            v128,v128->v128       w2p_i32x4_gt_s({0}, {1})
0xFD_60     i32x4.gt_u                        -            v128,v128->v128       w2p_i32x4_gt_u({0}, {1})
0xFD_61     i32x4.le_s                        -            v128,v128->v128       w2p_i32x4_le_s({0}, {1})
0xFD_62     i32x4.le_u                        -            v128,v128->v128       w2p_i32x4_le_u({0}, {1})
0xFD_63     i32x4.ge_s                        -            v128,v128->v128       w2p_i32x4_ge_s({0}, {1})
0xFD_64     i32x4.ge_u                        -            v128,v128->v128       w2p_i32x4_ge_u({0}, {1})
0xFD_65     f32x4.eq                          -            v128,v128->v128       w2p_f32x4_eq({0}, {1})
0xFD_66     f32x4.ne                          -            v128,v128->v128       w2p_f32x4_ne({0}, {1})
0xFD_67     f32x4.lt                          -            v128,v128->v128       w2p_f32x4_lt({0}, {1})
0xFD_68     f32x4.gt                          -            v128,v128->v128       w2p_f32x4_gt({0}, {1})
0xFD_69     f32x4.le                          -            v128,v128->v128       w2p_f32x4_le({0}, {1})
0xFD_70     f32x4.ge                          -            v128,v128->v128       w2p_f32x4_ge({0}, {1})
0xFD_71     f64x2.eq                          -            v128,v128->v128       w2p_f64x2_eq({0}, {1})
0xFD_72     f64x2.ne                          -            v128,v128->v128       w2p_f64x2_ne({0}, {1})
0xFD_73     f64x2.lt                          -            v128,v128->v128       w2p_f64x2_lt({0}, {1})
0xFD_74     f64x2.gt                          -            v128,v128->v128       w2p_f64x2_gt({0}, {1})
0xFD_75     f64x2.le                          -            v128,v128->v128       w2p_f64x2_le({0}, {1})
0xFD_76     f64x2.ge                          -            v128,v128->v128       w2p_f64x2_ge({0}, {1})
0xFD_77     v128.not                          -            v128->v128            ~{0}
0xFD_78     v128.and                          -            v128,v128->v128       {0} & {1}
0xFD_79     v128.andnot                       -            v128,v128->v128       {0} & ~{1}
0xFD_80     v128.or                           -            v128,v128->v128       {0} | {1}
0xFD_81     v128.xor                          -            v128,v128->v128       {0} ^ {1}
0xFD_82     v128.bitselect                    -            v128,v128,v128->v128  ({0} & {2}) | ({1} & ~{2})
0xFD_83     v128.any_true                     -            v128->i32             w2p_v128_any_true({0})
0xFD_84     v128.load8_lane                   memarg_lane  i32,v128->v128        w2p_i8x16_replace_lane({1}, {imm.lane}, LOAD(uint8_t,{mem},{ea}))
0xFD_85     v128.load16_lane                  memarg_lane  i32,v128->v128        w2p_i16x8_replace_lane({1}, {imm.lane}, LOAD(uint16_t,{mem},{ea}))
0xFD_86     v128.load32_lane                  memarg_lane  i32,v128->v128        w2p_i32x4_replace_lane({1}, {imm.lane}, LOAD(uint32_t,{mem},{ea}))
0xFD_87     v128.load64_lane                  memarg_lane  i32,v128->v128        w2p_i64x2_replace_lane({1}, {imm.lane}, LOAD(uint64_t,{mem},{ea}))
0xFD_88     v128.store8_lane                  memarg_lane  i32,v128->            STORE(uint8_t,{mem},{ea},w2p_i8x16_extract_lane_u({1}, {imm.lane}))
0xFD_89     v128.store16_lane                 memarg_lane  i32,v128->            STORE(uint16_t,{mem},{ea},w2p_i16x8_extract_lane_u({1}, {imm.lane}))
0xFD_90     v128.store32_lane                 memarg_lane  i32,v128->            STORE(uint32_t,{mem},{ea},w2p_i32x4_extract_lane({1}, {imm.lane}))
0xFD_91     v128.store64_lane                 memarg_lane  i32,v128->            STORE(uint64_t,{mem},{ea},w2p_i64x2_extract_lane({1}, {imm.lane}))
0xFD_92     v128.load32_zero                  memarg       i32->v128             w2p_v128_load32_zero(LOAD(uint32_t,{mem},{ea}))
0xFD_93     v128.load64_zero                  memarg       i32->v128             w2p_v128_load64_zero(LOAD(w2p_v64,{mem},{ea}))
0xFD_94     f32x4.demote_f64x2_zero           -            v128->v128            w2p_f32x4_demote_f64x2_zero({0})
0xFD_95     f64x2.promote_low_f32x4           -            v128->v128            w2p_f64x2_promote_low_f32x4({0})
0xFD_96     i8x16.abs                         -            v128->v128            w2p_i8x16_abs({0})
0xFD_97     i8x16.neg                         -            v128->v128            w2p_i8x16_neg({0})
0xFD_98     i8x16.popcnt                      -            v128->v128            w2p_i8x16_popcnt({0})
0xFD_99     i8x16.all_true                    -            v128->i32             w2p_i8x16_all_true({0})
0xFD_100    i8x16.bitmask                     -            v128->i32             w2p_i8x16_bitmask({0})
0xFD_101    i8x16.narrow_i16x8_s              -            v128,v128->v128       w2p_i8x16_narrow_i16x8_s({0}, {1})
0xFD_102    i8x16.narrow_i16x8_u              -            v128,v128->v128       w2p_i8x16_narrow_i16x8_u({0}, {1})
0xFD_103    f32x4.ceil                        -            v128->v128            w2p_f32x4_ceil({0})
0xFD_104    f32x4.floor                       -            v128->v128            w2p_f32x4_floor({0})
0xFD_105    f32x4.trunc                       -            v128->v128            w2p_f32x4_trunc({0})
0xFD_106    f32x4.nearest                     -            v128->v128            w2p_f32x4_nearest({0})
0xFD_107    i8x16.shl                         -            v128,i32->v128        w2p_i8x16_shl({0}, {1})
0xFD_108    i8x16.shr_s                       -            v128,i32->v128        w2p_i8x16_shr_s({0}, {1})
0xFD_109    i8x16.shr_u                       -            v128,i32->v128        w2p_i8x16_shr_u({0}, {1})
0xFD_110    i8x16.add                         -            v128,v128->v128       w2p_i8x16_add({0}, {1})
0xFD_111    i8x16.add_sat_s                   -            v128,v128->v128       w2p_i8x16_add_sat_s({0}, {1})
0xFD_112    i8x16.add_sat_u                   -            v128,v128->v128       w2p_i8x16_add_sat_u({0}, {1})
0xFD_113    i8x16.sub                         -            v128,v128->v128       w2p_i8x16_sub({0}, {1})
0xFD_114    i8x16.sub_sat_s                   -            v128,v128->v128       w2p_i8x16_sub_sat_s({0}, {1})
0xFD_115    i8x16.sub_sat_u                   -            v128,v128->v128       w2p_i8x16_sub_sat_u({0}, {1})
0xFD_116    f64x2.ceil                        -            v128->v128            w2p_f64x2_ceil({0})
0xFD_117    f64x2.floor                       -            v128->v128            w2p_f64x2_floor({0})
0xFD_118    i8x16.min_s                       -            v128,v128->v128       w2p_i8x16_min_s({0}, {1})
0xFD_119    i8x16.min_u                       -            v128,v128->v128       w2p_i8x16_min_u({0}, {1})
0xFD_120    i8x16.max_s                       -            v128,v128->v128       w2p_i8x16_max_s({0}, {1})
0xFD_121    i8x16.max_u                       -            v128,v128->v128       w2p_i8x16_max_u({0}, {1})
0xFD_122    f64x2.trunc                       -            v128->v128            w2p_f64x2_trunc({0})
0xFD_123    i8x16.avgr_u                      -            v128,v128->v128       w2p_i8x16_avgr_u({0}, {1})
0xFD_124    i16x8.extadd_pairwise_i8x16_s     -            v128->v128            w2p_i16x8_extadd_pairwise_i8x16_s({0})
0xFD_125    i16x8.extadd_pairwise_i8x16_u     -            v128->v128            w2p_i16x8_extadd_pairwise_i8x16_u({0})
0xFD_126    i32x4.extadd_pairwise_i16x8_s     -            v128->v128            w2p_i32x4_extadd_pairwise_i16x8_s({0})
0xFD_127    i32x4.extadd_pairwise_i16x8_u     -            v128->v128            w2p_i32x4_extadd_pairwise_i16x8_u({0})
0xFD_128    i16x8.abs                         -            v128->v128            w2p_i16x8_abs({0})
0xFD_129    i16x8.neg                         -            v128->v128            w2p_i16x8_neg({0})
0xFD_130    i16x8.q15mulr_sat_s               -            v128,v128->v128       w2p_i16x8_q15mulr_sat_s({0}, {1})
0xFD_131    i16x8.all_true                    -            v128->i32             w2p_i16x8_all_true({0})
0xFD_132    i16x8.bitmask                     -            v128->i32             w2p_i16x8_bitmask({0})
0xFD_133    i16x8.narrow_i32x4_s              -            v128,v128->v128       w2p_i16x8_narrow_i32x4_s({0}, {1})
0xFD_134    i16x8.narrow_i32x4_u              -            v128,v128->v128       w2p_i16x8_narrow_i32x4_u({0}, {1})
0xFD_135    i16x8.extend_low_i8x16_s          -            v128->v128            w2p_i16x8_extend_low_i8x16_s({0})
0xFD_136    i16x8.extend_high_i8x16_s         -            v128->v128            w2p_i16x8_extend_high_i8x16_s({0})
0xFD_137    i16x8.extend_low_i8x16_u          -            v128->v128            w2p_i16x8_extend_low_i8x16_u({0})
0xFD_138    i16x8.extend_high_i8x16_u         -            v128->v128            w2p_i16x8_extend_high_i8x16_u({0})
0xFD_139    i16x8.shl                         -            v128,i32->v128        w2p_i16x8_shl({0}, {1})
0xFD_140    i16x8.shr_s                       -            v128,i32->v128        w2p_i16x8_shr_s({0}, {1})
0xFD_141    i16x8.shr_u                       -            v128,i32->v128        w2p_i16x8_shr_u({0}, {1})
0xFD_142    i16x8.add                         -            v128,v128->v128       w2p_i16x8_add({0}, {1})
0xFD_143    i16x8.add_sat_s                   -            v128,v128->v128       w2p_i16x8_add_sat_s({0}, {1})
0xFD_144    i16x8.add_sat_u                   -            v128,v128->v128       w2p_i16x8_add_sat_u({0}, {1})
0xFD_145    i16x8.sub                         -            v128,v128->v128       w2p_i16x8_sub({0}, {1})
0xFD_146    i16x8.sub_sat_s                   -            v128,v128->v128       w2p_i16x8_sub_sat_s({0}, {1})
0xFD_147    i16x8.sub_sat_u                   -            v128,v128->v128       w2p_i16x8_sub_sat_u({0}, {1})
0xFD_148    f64x2.nearest                     -            v128->v128            w2p_f64x2_nearest({0})
0xFD_149    i16x8.mul                         -            v128,v128->v128       w2p_i16x8_mul({0}, {1})
0xFD_150    i16x8.min_s                       -            v128,v128->v128       w2p_i16x8_min_s({0}, {1})
0xFD_151    i16x8.min_u                       -            v128,v128->v128       w2p_i16x8_min_u({0}, {1})
0xFD_152    i16x8.max_s                       -            v128,v128->v128       w2p_i16x8_max_s({0}, {1})
0xFD_153    i16x8.max_u                       -            v128,v128->v128       w2p_i16x8_max_u({0}, {1})
0xFD_155    i16x8.avgr_u                      -            v128,v128->v128       w2p_i16x8_avgr_u({0}, {1})
0xFD_156    i16x8.extmul_low_i8x16_s          -            v128,v128->v128       w2p_i16x8_extmul_low_i8x16_s({0}, {1})
0xFD_157    i16x8.extmul_high_i8x16_s         -            v128,v128->v128       w2p_i16x8_extmul_high_i8x16_s({0}, {1})
0xFD_158    i16x8.extmul_low_i8x16_u          -            v128,v128->v128       w2p_i16x8_extmul_low_i8x16_u({0}, {1})
0xFD_159    i16x8.extmul_high_i8x16_u         -            v128,v128->v128       w2p_i16x8_extmul_high_i8x16_u({0}, {1})
0xFD_160    i32x4.abs                         -            v128->v128            w2p_i32x4_abs({0})
0xFD_161    i32x4.neg                         -            v128->v128            w2p_i32x4_neg({0})
0xFD_163    i32x4.all_true                    -            v128->i32             w2p_i32x4_all_true({0})
0xFD_164    i32x4.bitmask                     -            v128->i32             w2p_i32x4_bitmask({0})
0xFD_167    i32x4.extend_low_i16x8_s          -            v128->v128            w2p_i32x4_extend_low_i16x8_s({0})
0xFD_168    i32x4.extend_high_i16x8_s         -            v128->v128            w2p_i32x4_extend_high_i16x8_s({0})
0xFD_169    i32x4.extend_low_i16x8_u          -            v128->v128            w2p_i32x4_extend_low_i16x8_u({0})
0xFD_170    i32x4.extend_high_i16x8_u         -            v128->v128            w2p_i32x4_extend_high_i16x8_u({0})
0xFD_171    i32x4.shl                         -            v128,i32->v128        w2p_i32x4_shl({0}, {1})
0xFD_172    i32x4.shr_s                       -            v128,i32->v128        w2p_i32x4_shr_s({0}, {1})
0xFD_173    i32x4.shr_u                       -            v128,i32->v128        w2p_i32x4_shr_u({0}, {1})
0xFD_174    i32x4.add                         -            v128,v128->v128       w2p_i32x4_add({0}, {1})
0xFD_177    i32x4.sub                         -            v128,v128->v128       w2p_i32x4_sub({0}, {1})
0xFD_181    i32x4.mul                         -            v128,v128->v128       w2p_i32x4_mul({0}, {1})
0xFD_182    i32x4.min_s                       -            v128,v128->v128       w2p_i32x4_min_s({0}, {1})
0xFD_183    i32x4.min_u                       -            v128,v128->v128       w2p_i32x4_min_u({0}, {1})
0xFD_184    i32x4.max_s                       -            v128,v128->v128       w2p_i32x4_max_s({0}, {1})
0xFD_185    i32x4.max_u                       -            v128,v128->v128       w2p_i32x4_max_u({0}, {1})
0xFD_186    i32x4.dot_i16x8_s                 -            v128,v128->v128       w2p_i32x4_dot_i16x8_s({0}, {1})
0xFD_188    i32x4.extmul_low_i16x8_s          -            v128,v128->v128       w2p_i32x4_extmul_low_i16x8_s({0}, {1})
0xFD_189    i32x4.extmul_high_i16x8_s         -            v128,v128->v128       w2p_i32x4_extmul_high_i16x8_s({0}, {1})
0xFD_190    i32x4.extmul_low_i16x8_u          -            v128,v128->v128       w2p_i32x4_extmul_low_i16x8_u({0}, {1})
0xFD_191    i32x4.extmul_high_i16x8_u         -            v128,v128->v128       w2p_i32x4_extmul_high_i16x8_u({0}, {1})
0xFD_192    i64x2.abs                         -            v128->v128            w2p_i64x2_abs({0})
0xFD_193    i64x2.neg                         -            v128->v128            w2p_i64x2_neg({0})
0xFD_195    i64x2.all_true                    -            v128->i32             w2p_i64x2_all_true({0})
0xFD_196    i64x2.bitmask                     -            v128->i32             w2p_i64x2_bitmask({0})
0xFD_199    i64x2.extend_low_i32x4_s          -            v128->v128            w2p_i64x2_extend_low_i32x4_s({0})
0xFD_200    i64x2.extend_high_i32x4_s         -            v128->v128            w2p_i64x2_extend_high_i32x4_s({0})
0xFD_201    i64x2.extend_low_i32x4_u          -            v128->v128            w2p_i64x2_extend_low_i32x4_u({0})
0xFD_202    i64x2.extend_high_i32x4_u         -            v128->v128            w2p_i64x2_extend_high_i32x4_u({0})
0xFD_203    i64x2.shl                         -            v128,i32->v128        w2p_i64x2_shl({0}, {1})
0xFD_204    i64x2.shr_s                       -            v128,i32->v128        w2p_i64x2_shr_s({0}, {1})
0xFD_205    i64x2.shr_u                       -            v128,i32->v128        w2p_i64x2_shr_u({0}, {1})
0xFD_206    i64x2.add                         -            v128,v128->v128       w2p_i64x2_add({0}, {1})
0xFD_209    i64x2.sub                         -            v128,v128->v128       w2p_i64x2_sub({0}, {1})
0xFD_213    i64x2.mul                         -            v128,v128->v128       w2p_i64x2_mul({0}, {1})
0xFD_214    i64x2.eq                          -            v128,v128->v128       w2p_i64x2_eq({0}, {1})
0xFD_215    i64x2.ne                          -            v128,v128->v128       w2p_i64x2_ne({0}, {1})
0xFD_216    i64x2.lt_s                        -            v128,v128->v128       w2p_i64x2_lt_s({0}, {1})
0xFD_217    i64x2.gt_s                        -            v128,v128->v128       w2p_i64x2_gt_s({0}, {1})
0xFD_218    i64x2.le_s                        -            v128,v128->v128       w2p_i64x2_le_s({0}, {1})
0xFD_219    i64x2.ge_s                        -            v128,v128->v128       w2p_i64x2_ge_s({0}, {1})
0xFD_220    i64x2.extmul_low_i32x4_s          -            v128,v128->v128       w2p_i64x2_extmul_low_i32x4_s({0}, {1})
0xFD_221    i64x2.extmul_high_i32x4_s         -            v128,v128->v128       w2p_i64x2_extmul_high_i32x4_s({0}, {1})
0xFD_222    i64x2.extmul_low_i32x4_u          -            v128,v128->v128       w2p_i64x2_extmul_low_i32x4_u({0}, {1})
0xFD_223    i64x2.extmul_high_i32x4_u         -            v128,v128->v128       w2p_i64x2_extmul_high_i32x4_u({0}, {1})
0xFD_224    f32x4.abs                         -            v128->v128            w2p_f32x4_abs({0})
0xFD_225    f32x4.neg                         -            v128->v128            w2p_f32x4_neg({0})
0xFD_227    f32x4.sqrt                        -            v128->v128            w2p_f32x4_sqrt({0})
0xFD_228    f32x4.add                         -            v128,v128->v128       w2p_f32x4_add({0}, {1})
0xFD_229    f32x4.sub                         -            v128,v128->v128       w2p_f32x4_sub({0}, {1})
0xFD_230    f32x4.mul                         -            v128,v128->v128       w2p_f32x4_mul({0}, {1})
0xFD_231    f32x4.div                         -            v128,v128->v128       w2p_f32x4_div({0}, {1})
0xFD_232    f32x4.min                         -            v128,v128->v128       w2p_f32x4_min({0}, {1})
0xFD_233    f32x4.max                         -            v128,v128->v128       w2p_f32x4_max({0}, {1})
0xFD_234    f32x4.pmin                        -            v128,v128->v128       w2p_f32x4_pmin({0}, {1})
0xFD_235    f32x4.pmax                        -            v128,v128->v128       w2p_f32x4_pmax({0}, {1})
0xFD_236    f64x2.abs                         -            v128->v128            w2p_f64x2_abs({0})
0xFD_237    f64x2.neg                         -            v128->v128            w2p_f64x2_neg({0})
0xFD_239    f64x2.sqrt                        -            v128->v128            w2p_f64x2_sqrt({0})
0xFD_240    f64x2.add                         -            v128,v128->v128       w2p_f64x2_add({0}, {1})
0xFD_241    f64x2.sub                         -            v128,v128->v128       w2p_f64x2_sub({0}, {1})
0xFD_242    f64x2.mul                         -            v128,v128->v128       w2p_f64x2_mul({0}, {1})
0xFD_243    f64x2.div                         -            v128,v128->v128       w2p_f64x2_div({0}, {1})
0xFD_244    f64x2.min                         -            v128,v128->v128       w2p_f64x2_min({0}, {1})
0xFD_245    f64x2.max                         -            v128,v128->v128       w2p_f64x2_max({0}, {1})
0xFD_246    f64x2.pmin                        -            v128,v128->v128       w2p_f64x2_pmin({0}, {1})
0xFD_247    f64x2.pmax                        -            v128,v128->v128       w2p_f64x2_pmax({0}, {1})
0xFD_248    i32x4.trunc_sat_f32x4_s           -            v128->v128            w2p_i32x4_trunc_sat_f32x4_s({0})
0xFD_249    i32x4.trunc_sat_f32x4_u           -            v128->v128            w2p_i32x4_trunc_sat_f32x4_u({0})
0xFD_250    f32x4.convert_i32x4_s             -            v128->v128            w2p_f32x4_convert_i32x4_s({0})
0xFD_251    f32x4.convert_i32x4_u             -            v128->v128            w2p_f32x4_convert_i32x4_u({0})
0xFD_252    i32x4.trunc_sat_f64x2_s_zero      -            v128->v128            w2p_i32x4_trunc_sat_f64x2_s_zero({0})
0xFD_253    i32x4.trunc_sat_f64x2_u_zero      -            v128->v128            w2p_i32x4_trunc_sat_f64x2_u_zero({0})
0xFD_254    f64x2.convert_low_i32x4_s         -            v128->v128            w2p_f64x2_convert_low_i32x4_s({0})
0xFD_255    f64x2.convert_low_i32x4_u         -            v128->v128            w2p_f64x2_convert_low_i32x4_u({0})
"""

PREFIX_FC = 0xFC
PREFIX_FD = 0xFD  # SIMD


@dataclass(frozen=True)
class Op:
    code: int  # the opcode byte (0xFC or 0xFD for prefixed ones)
    subcode: Optional[int]  # the u32 after the prefix, else None
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
        return self.imm in ("memarg", "memarg_lane")

    @property
    def access_size(self) -> int:
        """Bytes a load/store touches (its natural alignment is log2 of this)."""
        if self.name.startswith("v128."):
            return _simd_access_size(self.name)
        name = self.name.split(".", 1)[1]
        for width in ("8", "16", "32"):
            if name.endswith(width) or f"{width}_" in name:
                return int(width) // 8
        return 8 if self.name[1:3] == "64" else 4


def _simd_access_size(name: str) -> int:
    """v128.load/store: 16; load8x8_s and the like: 8; load32_splat, load32_zero,
    store16_lane and the like: the number's bits / 8."""
    m = re.fullmatch(r"v128\.(?:load|store)(\d*)(x\d+)?.*", name)
    bits = m.group(1)
    if not bits:
        return 16
    return 8 if m.group(2) else int(bits) // 8


def _types(text: str) -> tuple[ValType, ...]:
    return tuple(ValType.parse(t) for t in text.split(",") if t)


def _parse_table(text: str) -> list[Op]:
    ops = []
    for line in text.strip().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, name, imm, sig, c = line.split(None, 4)
        if code.startswith("0xFC_"):
            byte, sub = PREFIX_FC, int(code[5:])
        elif code.startswith("0xFD_"):
            byte, sub = PREFIX_FD, int(code[5:])
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
BY_FC: dict[int, Op] = {op.subcode: op for op in OPS if op.code == PREFIX_FC}
BY_FD: dict[int, Op] = {op.subcode: op for op in OPS if op.code == PREFIX_FD}

assert len(BY_NAME) == len(OPS), "duplicate opcode name"
assert len(BY_CODE) + len(BY_FC) + len(BY_FD) == len(OPS), "duplicate opcode"
