"""Instruction sequences: function bodies and constant expressions, each instruction
read by its row in the opcode table (its byte, or prefix and number) and its immediate
by the row's `imm` shape. Blocks nest without recursion: a body as deep as it is long
costs no Python stack.
"""
from __future__ import annotations

from typing import Callable, Optional

from . import ir
from .decode_reader import VALTYPES, Reader
from .ir import ValType
from .opcodes import BY_CODE, BY_FC, BY_FD, BY_NAME, PREFIX_FC, PREFIX_FD, Op

_OP_BLOCK, _OP_LOOP, _OP_IF, _OP_ELSE, _OP_END = 0x02, 0x03, 0x04, 0x05, 0x0B
# The instructions that need the data count section (they name a data segment).
_NEEDS_DATA_COUNT = {"memory.init", "data.drop"}


# ---- instruction immediates, by the opcode table's `imm` shape ----

def _blocktype(r: Reader) -> ir.BlockType:
    b = r.peek()
    if b == 0x40:
        r.pos += 1
        return None
    t = VALTYPES.get(b)
    if t is not None:
        r.pos += 1
        return t
    start = r.pos
    index = r.leb(33, True)
    if index < 0:
        raise r.fail("malformed value type", start)
    return index


def _br_table(r: Reader) -> tuple[tuple[int, ...], int]:
    n = r.count()
    u32 = r.u32
    labels = tuple(u32() for _ in range(n))
    return labels, u32()


def _pair(r: Reader) -> tuple[int, int]:
    first = r.u32()
    return first, r.u32()


def _memarg(r: Reader) -> ir.MemArg:
    align = r.u32()
    if align >= 32:
        raise r.fail("malformed memop flags", r.pos - 1)
    return ir.MemArg(align, r.u32())


def _memarg_lane(r: Reader) -> ir.MemArgLane:
    m = _memarg(r)
    return ir.MemArgLane(m.align, m.offset, r.byte())


def _v128(r: Reader) -> int:
    return int.from_bytes(r.bytes(16), "little")


def _shuffle(r: Reader) -> tuple[int, ...]:
    return tuple(r.bytes(16))


def _memory_init(r: Reader) -> tuple[int, int]:
    data = r.u32()
    return data, r.zero()


def _memory_copy(r: Reader) -> tuple[int, int]:
    dst = r.zero()
    return dst, r.zero()


def _select_t(r: Reader) -> tuple[ValType, ...]:
    n = r.count()
    return tuple(r.valtype() for _ in range(n))


def _f32(r: Reader) -> int:
    return int.from_bytes(r.bytes(4), "little")


def _f64(r: Reader) -> int:
    return int.from_bytes(r.bytes(8), "little")


_IMMEDIATES: dict[str, Callable[[Reader], object]] = {
    "blocktype": _blocktype,
    "label": Reader.u32,
    "br_table": _br_table,
    "func": Reader.u32,
    "call_indirect": _pair,
    "local": Reader.u32,
    "global": Reader.u32,
    "table": Reader.u32,
    "elem": Reader.u32,
    "data": Reader.u32,
    "memarg": _memarg,
    "memory": Reader.zero,
    "i32": Reader.s32,
    "i64": Reader.s64,
    "f32": _f32,
    "f64": _f64,
    "select_t": _select_t,
    "reftype": Reader.reftype,
    "memory_init": _memory_init,
    "memory_copy": _memory_copy,
    "table_init": _pair,
    "table_copy": _pair,
    "memarg_lane": _memarg_lane,
    "v128": _v128,
    "shuffle": _shuffle,
    "lane": Reader.byte,
}

_Entry = tuple[Op, Optional[Callable[[Reader], object]]]


def _entry(op: Op) -> _Entry:
    """The op and the reader of its immediate (None for none)."""
    return op, None if op.imm == "-" else _IMMEDIATES[op.imm]


# Per opcode byte, and per prefix byte and number.
_ONE_BYTE: list[Optional[_Entry]] = [None] * 256
for _op in BY_CODE.values():
    _ONE_BYTE[_op.code] = _entry(_op)
_BY_PREFIX = {prefix: {sub: _entry(op) for sub, op in ops.items()} for prefix, ops in ((PREFIX_FC, BY_FC), (PREFIX_FD, BY_FD))}
assert {op.imm for op in BY_NAME.values()} - {"-"} <= set(_IMMEDIATES), "a shape without reader"


def read_instrs(r: Reader) -> tuple[list[ir.Instr], int]:
    """Instructions up to the `end` that closes the expression (not included).

    Returns them and the offset of that `end`. Nested `else`/`end` are kept; the nesting is
    tracked in a list, not by recursion. Sets r.saw_data_index when memory.init or
    data.drop appear.
    """
    instrs: list[ir.Instr] = []
    append = instrs.append
    # One entry per open block: True while it is an `if` that may still meet its `else`.
    open_blocks: list[bool] = []
    data = r.data
    Instr = ir.Instr
    while True:
        start = r.pos
        if start >= r.end:
            raise r.eof()
        b = data[start]
        r.pos = start + 1
        entry = _ONE_BYTE[b]
        if entry is None:
            entry = _prefixed(r, b, start)
            if entry[0].name in _NEEDS_DATA_COUNT:
                r.saw_data_index = True
        elif b == _OP_END:
            if not open_blocks:
                return instrs, start
            open_blocks.pop()
        elif b == _OP_ELSE:
            if not open_blocks or not open_blocks[-1]:
                raise r.fail("END opcode expected", start)
            open_blocks[-1] = False
        elif b == _OP_BLOCK or b == _OP_LOOP or b == _OP_IF:
            open_blocks.append(b == _OP_IF)
        op, read_imm = entry
        append(Instr(op, None if read_imm is None else read_imm(r), start))


def _prefixed(r: Reader, b: int, start: int) -> _Entry:
    by_number = _BY_PREFIX.get(b)
    if by_number is None:
        raise r.fail(f"illegal opcode {b:02x}", start)
    sub = r.u32()
    entry = by_number.get(sub)
    if entry is None:
        raise r.fail(f"illegal opcode {b:02x} {sub:02x}", start)
    return entry


def const_expr(r: Reader) -> ir.ConstExpr:
    start = r.pos
    instrs, _ = read_instrs(r)
    return ir.ConstExpr(tuple(instrs), start)
