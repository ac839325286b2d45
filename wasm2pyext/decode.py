"""The binary format: bytes -> module IR (wasm2pyext.ir).

Follows the WebAssembly 2.0 binary format, without SIMD. Every failure is a
DecodeError(reason, offset), worded like the spec's reference interpreter, whose decoder this
one mirrors in one respect that shapes the error messages: reads are bounded by the end of the
input, not of the current section or function, and each section (and code entry) is checked
afterwards to have ended exactly where its size said.

The decoder is iterative (nesting depth costs no Python stack), checks every declared count
against the bytes left before looping on it, and does a constant amount of work per byte.
"""
from __future__ import annotations

from typing import Callable, Optional

from . import ir
from .errors import DecodeError
from .ir import ExternKind, SegmentMode, ValType
from .opcodes import BY_CODE, BY_FC, BY_FD, BY_NAME, PREFIX_FC, PREFIX_FD, Op

__all__ = ["decode", "MAX_LOCALS", "MAX_ARITY"]

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# Implementation limits, those of the JS API (which engines share). Every local becomes a C
# local; and the validator's work per call or block is proportional to the arity of its type,
# which the limit on params and results keeps from being quadratic in the module's size.
MAX_LOCALS = 50_000
MAX_ARITY = 1_000

_VALTYPES = {t.value: t for t in ValType}
_REFTYPES = {ValType.FUNCREF.value: ValType.FUNCREF, ValType.EXTERNREF.value: ValType.EXTERNREF}

_OP_BLOCK, _OP_LOOP, _OP_IF, _OP_ELSE, _OP_END = 0x02, 0x03, 0x04, 0x05, 0x0B
_REF_FUNC = BY_NAME["ref.func"]
# The instructions that need the data count section (they name a data segment).
_NEEDS_DATA_COUNT = {"memory.init", "data.drop"}

# Section ids, and the rank that fixes their order (the data count section, id 12, sits
# between the element and code sections).
_CUSTOM, _TYPE, _IMPORT, _FUNCTION, _TABLE, _MEMORY, _GLOBAL = 0, 1, 2, 3, 4, 5, 6
_EXPORT, _START, _ELEMENT, _CODE, _DATA, _DATA_COUNT = 7, 8, 9, 10, 11, 12
_SECTION_RANK = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12}

_END_OF_SECTION = "unexpected end of section or function"


class _Reader:
    """A position in `data`; every read past `end` is a DecodeError."""

    __slots__ = ("data", "pos", "end", "eof_reason", "saw_data_index")

    def __init__(self, data: bytes, pos: int = 0, end: Optional[int] = None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end
        self.eof_reason = "unexpected end"
        self.saw_data_index = False  # memory.init or data.drop was read

    def fail(self, reason: str, offset: Optional[int] = None) -> DecodeError:
        return DecodeError(reason, self.pos if offset is None else offset)

    def eof(self) -> DecodeError:
        return DecodeError(self.eof_reason, self.end)

    def byte(self) -> int:
        pos = self.pos
        if pos >= self.end:
            raise self.eof()
        self.pos = pos + 1
        return self.data[pos]

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.eof()
        return self.data[self.pos]

    def bytes(self, n: int) -> bytes:
        pos = self.pos
        if n > self.end - pos:
            raise self.eof()
        self.pos = pos + n
        return self.data[pos:pos + n]

    # LEB128, with the spec's limits: at most ceil(bits / 7) bytes ("integer representation
    # too long"), and the unused bits of the last byte all zero, or for signed numbers all
    # copies of the sign bit ("integer too large").
    def leb(self, bits: int, signed: bool) -> int:
        data, pos, end = self.data, self.pos, self.end
        result = shift = 0
        left = bits  # bits still to be read
        while True:
            if left <= 0:
                raise self.fail("integer representation too long", pos)
            if pos >= end:
                raise self.eof()
            b = data[pos]
            pos += 1
            if left < 7:
                if signed:
                    unused = (-1 << (left - 1)) & 0x7F
                    if b & unused not in (0, unused):
                        raise self.fail("integer too large", pos - 1)
                elif b & 0x7F >= 1 << left:
                    raise self.fail("integer too large", pos - 1)
            result |= (b & 0x7F) << shift
            shift += 7
            left -= 7
            if b < 0x80:
                break
        self.pos = pos
        if signed and b & 0x40:
            result -= 1 << shift
        return result

    def u32(self) -> int:
        pos = self.pos
        if pos < self.end:
            b = self.data[pos]
            if b < 0x80:  # the common one-byte case
                self.pos = pos + 1
                return b
        return self.leb(32, False)

    def s32(self) -> int:
        return self.leb(32, True)

    def s64(self) -> int:
        return self.leb(64, True)

    def count(self) -> int:
        """A vector length or byte count: it cannot exceed the bytes left.

        Like the reference interpreter, "left" counts from the start of the count itself, so
        a count one too large is reported as "unexpected end" where the items run out.
        """
        start = self.pos
        n = self.u32()
        if n > self.end - start:
            raise self.fail("length out of bounds", start)
        return n

    def name(self) -> str:
        start = self.pos
        raw = self.bytes(self.count())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("malformed UTF-8 encoding", start) from None

    # Types. Type bytes are one-byte signed LEB128 numbers, so a set high bit means a
    # longer encoding, which the reference interpreter calls "too long".
    def _type_byte(self) -> int:
        b = self.byte()
        if b >= 0x80:
            raise self.fail("integer representation too long", self.pos)
        return b

    def valtype(self) -> ValType:
        b = self._type_byte()
        t = _VALTYPES.get(b)
        if t is None:
            raise self.fail("malformed value type", self.pos - 1)
        return t

    def reftype(self) -> ValType:
        b = self._type_byte()
        t = _REFTYPES.get(b)
        if t is None:
            raise self.fail("malformed reference type", self.pos - 1)
        return t

    def limits(self) -> ir.Limits:
        has_max = self.leb(1, False)  # a flag, but read as a 1-bit LEB128 number
        lo = self.u32()
        return ir.Limits(lo, self.u32() if has_max else None)

    def globaltype(self) -> ir.GlobalType:
        t = self.valtype()
        mut = self.byte()
        if mut > 1:
            raise self.fail("malformed mutability", self.pos - 1)
        return ir.GlobalType(t, mut == 1)

    def zero(self) -> int:
        if self.byte() != 0:
            raise self.fail("zero byte expected", self.pos - 1)
        return 0


# ---- instruction immediates, by the opcode table's `imm` shape ----

def _blocktype(r: _Reader) -> ir.BlockType:
    b = r.peek()
    if b == 0x40:
        r.pos += 1
        return None
    t = _VALTYPES.get(b)
    if t is not None:
        r.pos += 1
        return t
    start = r.pos
    index = r.leb(33, True)
    if index < 0:
        raise r.fail("malformed value type", start)
    return index


def _br_table(r: _Reader) -> tuple[tuple[int, ...], int]:
    n = r.count()
    u32 = r.u32
    labels = tuple(u32() for _ in range(n))
    return labels, u32()


def _pair(r: _Reader) -> tuple[int, int]:
    first = r.u32()
    return first, r.u32()


def _memarg(r: _Reader) -> ir.MemArg:
    align = r.u32()
    if align >= 32:
        raise r.fail("malformed memop flags", r.pos - 1)
    return ir.MemArg(align, r.u32())


def _memarg_lane(r: _Reader) -> ir.MemArgLane:
    m = _memarg(r)
    return ir.MemArgLane(m.align, m.offset, r.byte())


def _v128(r: _Reader) -> int:
    return int.from_bytes(r.bytes(16), "little")


def _shuffle(r: _Reader) -> tuple[int, ...]:
    return tuple(r.bytes(16))


def _memory_init(r: _Reader) -> tuple[int, int]:
    data = r.u32()
    return data, r.zero()


def _memory_copy(r: _Reader) -> tuple[int, int]:
    dst = r.zero()
    return dst, r.zero()


def _select_t(r: _Reader) -> tuple[ValType, ...]:
    n = r.count()
    return tuple(r.valtype() for _ in range(n))


def _f32(r: _Reader) -> int:
    return int.from_bytes(r.bytes(4), "little")


def _f64(r: _Reader) -> int:
    return int.from_bytes(r.bytes(8), "little")


_IMMEDIATES: dict[str, Callable[[_Reader], object]] = {
    "blocktype": _blocktype,
    "label": _Reader.u32,
    "br_table": _br_table,
    "func": _Reader.u32,
    "call_indirect": _pair,
    "local": _Reader.u32,
    "global": _Reader.u32,
    "table": _Reader.u32,
    "elem": _Reader.u32,
    "data": _Reader.u32,
    "memarg": _memarg,
    "memory": _Reader.zero,
    "i32": _Reader.s32,
    "i64": _Reader.s64,
    "f32": _f32,
    "f64": _f64,
    "select_t": _select_t,
    "reftype": _Reader.reftype,
    "memory_init": _memory_init,
    "memory_copy": _memory_copy,
    "table_init": _pair,
    "table_copy": _pair,
    "memarg_lane": _memarg_lane,
    "v128": _v128,
    "shuffle": _shuffle,
    "lane": _Reader.byte,
}

# Per opcode byte: the op and the reader of its immediate (None for none).
_ONE_BYTE: list[Optional[tuple[Op, Optional[Callable[[_Reader], object]]]]] = [None] * 256
for _op in BY_CODE.values():
    _ONE_BYTE[_op.code] = (_op, None if _op.imm == "-" else _IMMEDIATES[_op.imm])
_PREFIXED = {sub: (op, None if op.imm == "-" else _IMMEDIATES[op.imm]) for sub, op in BY_FC.items()}
_PREFIXED_SIMD = {sub: (op, None if op.imm == "-" else _IMMEDIATES[op.imm]) for sub, op in BY_FD.items()}
assert {op.imm for op in BY_NAME.values()} - {"-"} <= set(_IMMEDIATES), "a shape without reader"


def _read_instrs(r: _Reader) -> tuple[list[ir.Instr], int]:
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


def _prefixed(r: _Reader, b: int, start: int) -> tuple[Op, Optional[Callable[[_Reader], object]]]:
    if b == PREFIX_FC:
        sub = r.u32()
        entry = _PREFIXED.get(sub)
        if entry is None:
            raise r.fail(f"illegal opcode {b:02x} {sub:02x}", start)
        return entry
    if b == PREFIX_FD:
        sub = r.u32()
        entry = _PREFIXED_SIMD.get(sub)
        if entry is None:
            raise r.fail(f"illegal opcode {b:02x} {sub:02x}", start)
        return entry
    raise r.fail(f"illegal opcode {b:02x}", start)


def _const_expr(r: _Reader) -> ir.ConstExpr:
    start = r.pos
    instrs, _ = _read_instrs(r)
    return ir.ConstExpr(tuple(instrs), start)


# ---- sections ----

class _Decoder:
    def __init__(self, data: bytes):
        self.r = _Reader(data)
        self.m = ir.Module()
        self.func_types: list[int] = []  # the function section, until the code section
        self.code_needs_data_count = False

    def module(self) -> ir.Module:
        r, m = self.r, self.m
        if r.bytes(4) != MAGIC:
            raise r.fail("magic header not detected", 0)
        if r.bytes(4) != VERSION:
            raise r.fail("unknown binary version", 4)
        handlers = {
            _TYPE: self.type_section, _IMPORT: self.import_section,
            _FUNCTION: self.function_section, _TABLE: self.table_section,
            _MEMORY: self.memory_section, _GLOBAL: self.global_section,
            _EXPORT: self.export_section, _START: self.start_section,
            _ELEMENT: self.element_section, _DATA_COUNT: self.data_count_section,
            _CODE: self.code_section, _DATA: self.data_section,
        }
        last_rank = 0
        while r.pos < r.end:
            id_offset = r.pos
            r.eof_reason = "unexpected end"
            section_id = r.byte()
            if section_id > _DATA_COUNT:
                raise r.fail("malformed section id", id_offset)
            size = r.count()
            start = r.pos
            end = start + size
            r.eof_reason = _END_OF_SECTION
            if section_id == _CUSTOM:
                self.custom_section(end)
            else:
                rank = _SECTION_RANK[section_id]
                if rank <= last_rank:  # out of order, or repeated
                    raise r.fail("unexpected content after last section", id_offset)
                last_rank = rank
                handlers[section_id]()
            if r.pos != end:
                raise r.fail("section size mismatch", start)

        if len(m.funcs) != len(self.func_types):
            raise r.fail("function and code section have inconsistent lengths")
        for func, type_index in zip(m.funcs, self.func_types):
            func.type_index = type_index
        if m.data_count is not None and m.data_count != len(m.datas):
            raise r.fail("data count and data section have inconsistent lengths")
        # With no data segments at all, memory.init and data.drop name an unknown segment
        # anyway: that is left to the validator ("unknown data segment"), as the spec suite
        # expects of such modules (wast2json writes them without a data count section).
        if m.data_count is None and self.code_needs_data_count and m.datas:
            raise r.fail("data count section required")
        return m

    def vec(self, read: Callable[[], object]) -> None:
        for _ in range(self.r.count()):
            read()

    def custom_section(self, end: int) -> None:
        r = self.r
        name = r.name()
        if r.pos > end:
            raise r.fail(_END_OF_SECTION, end)
        payload_start = r.pos
        payload = r.bytes(end - payload_start)
        if name == "name":
            names = _names(r.data, payload_start, end)
            if names is not None:
                self.m.names = names
        else:
            self.m.customs.append((name, payload))

    def type_section(self) -> None:
        r = self.r

        def result_type(what: str) -> tuple[ValType, ...]:
            start = r.pos
            n = r.count()
            if n > MAX_ARITY:
                raise r.fail(f"too many {what} ({n}; at most {MAX_ARITY} are supported)", start)
            return tuple(r.valtype() for _ in range(n))

        def functype() -> None:
            if r._type_byte() != 0x60:
                raise r.fail("malformed function type", r.pos - 1)
            params = result_type("parameters")
            self.m.types.append(ir.FuncType(params, result_type("results")))

        self.vec(functype)

    def import_section(self) -> None:
        r = self.r

        def import_() -> None:
            start = r.pos
            module, name = r.name(), r.name()
            kind = r.byte()
            desc: object
            if kind == ExternKind.FUNC:
                desc = r.u32()
            elif kind == ExternKind.TABLE:
                desc = ir.TableType(r.reftype(), r.limits())
            elif kind == ExternKind.MEMORY:
                desc = ir.MemType(r.limits())
            elif kind == ExternKind.GLOBAL:
                desc = r.globaltype()
            else:
                raise r.fail("malformed import kind", r.pos - 1)
            self.m.imports.append(ir.Import(module, name, ExternKind(kind), desc, start))

        self.vec(import_)

    def function_section(self) -> None:
        self.vec(lambda: self.func_types.append(self.r.u32()))

    def table_section(self) -> None:
        r = self.r

        def table() -> None:
            self.m.table_offsets.append(r.pos)
            self.m.tables.append(ir.TableType(r.reftype(), r.limits()))

        self.vec(table)

    def memory_section(self) -> None:
        r = self.r

        def memory() -> None:
            self.m.mem_offsets.append(r.pos)
            self.m.mems.append(ir.MemType(r.limits()))

        self.vec(memory)

    def global_section(self) -> None:
        r = self.r

        def global_() -> None:
            t = r.globaltype()
            self.m.globals.append(ir.Global(t, _const_expr(r)))

        self.vec(global_)

    def export_section(self) -> None:
        r = self.r

        def export() -> None:
            start = r.pos
            name = r.name()
            kind = r.byte()
            if kind > ExternKind.GLOBAL:
                raise r.fail("malformed export kind", r.pos - 1)
            self.m.exports.append(ir.Export(name, ExternKind(kind), r.u32(), start))

        self.vec(export)

    def start_section(self) -> None:
        self.m.start_offset = self.r.pos
        self.m.start = self.r.u32()

    def element_section(self) -> None:
        self.vec(self.element_segment)

    def element_segment(self) -> None:
        # The flags: bit 0 passive/declarative (vs active), bit 1 an explicit table index
        # (active) or declarative (otherwise), bit 2 expressions (vs function indices).
        r = self.r
        start = r.pos
        flags = r.u32()
        if flags > 7:
            raise r.fail("malformed elements segment kind", r.pos - 1)
        table = 0
        offset_expr = None
        if flags & 1:
            mode = SegmentMode.DECLARATIVE if flags & 2 else SegmentMode.PASSIVE
        else:
            mode = SegmentMode.ACTIVE
            if flags & 2:
                table = r.u32()
            offset_expr = _const_expr(r)
        elem_type = ValType.FUNCREF
        if flags & 4:
            if flags & 3:
                elem_type = r.reftype()
            items = tuple(_const_expr(r) for _ in range(r.count()))
        else:
            if flags & 3 and r.byte() != 0x00:
                raise r.fail("malformed element kind", r.pos - 1)
            items = tuple(self.func_ref(r) for _ in range(r.count()))
        self.m.elems.append(ir.ElemSegment(mode, table, offset_expr, elem_type, items, start))

    @staticmethod
    def func_ref(r: _Reader) -> ir.ConstExpr:
        start = r.pos
        return ir.ConstExpr((ir.Instr(_REF_FUNC, r.u32(), start),), start)

    def data_count_section(self) -> None:
        self.m.data_count = self.r.u32()

    def code_section(self) -> None:
        r = self.r
        r.saw_data_index = False
        for _ in range(r.count()):
            entry = r.pos
            size = r.count()
            start = r.pos
            locals_ = self.locals()
            body_offset = r.pos
            body, end_offset = _read_instrs(r)
            if r.pos != start + size:
                raise r.fail("section size mismatch", start)
            # The type index is filled in once both sections are known to agree in length.
            self.m.funcs.append(ir.Func(-1, locals_, body, entry, body_offset, end_offset))
        self.code_needs_data_count = r.saw_data_index

    def locals(self) -> tuple[ValType, ...]:
        r = self.r
        start = r.pos
        groups = []
        total = 0
        for _ in range(r.count()):
            n = r.u32()
            groups.append((n, r.valtype()))
            total += n
        # The spec's own limit is 2**32 - 1 in all; ours is much smaller (see MAX_LOCALS).
        if total > MAX_LOCALS:
            raise r.fail("too many locals", start)
        return tuple(t for n, t in groups for _ in range(n))

    def data_section(self) -> None:
        r = self.r

        def segment() -> None:
            start = r.pos
            flags = r.u32()
            if flags > 2:
                raise r.fail("malformed data segment kind", r.pos - 1)
            memory = 0
            offset_expr = None
            mode = SegmentMode.PASSIVE if flags == 1 else SegmentMode.ACTIVE
            if flags != 1:
                if flags == 2:
                    memory = r.u32()
                offset_expr = _const_expr(r)
            data = r.bytes(r.count())
            self.m.datas.append(ir.DataSegment(mode, memory, offset_expr, data, start))

        self.vec(segment)


def _names(data: bytes, start: int, end: int) -> Optional[ir.Names]:
    """The `name` custom section's contents, or None if it is malformed (then it is ignored)."""
    r = _Reader(data, start, end)
    names = ir.Names()
    last_id = -1
    try:
        while r.pos < end:
            sub_id = r.byte()
            size = r.count()
            sub_end = r.pos + size
            if sub_id <= last_id:
                return None
            last_id = sub_id
            if sub_id == 0:
                names.module = r.name()
            elif sub_id == 1:
                names.funcs = _name_map(r)
            elif sub_id == 2:
                for _ in range(r.count()):
                    func = r.u32()
                    names.locals[func] = _name_map(r)
            else:  # names of other things (extended name section): not needed
                r.pos = sub_end
            if r.pos != sub_end:
                return None
    except DecodeError:
        return None
    return names


def _name_map(r: _Reader) -> dict[int, str]:
    result = {}
    for _ in range(r.count()):
        index = r.u32()
        result[index] = r.name()
    return result


def decode(data: bytes) -> ir.Module:
    """Decodes a binary module. Raises DecodeError if it is malformed."""
    return _Decoder(bytes(data)).module()
