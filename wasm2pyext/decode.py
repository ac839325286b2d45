"""The binary format: bytes -> module IR (wasm2pyext.ir).

Follows the WebAssembly 2.0 binary format, fixed-width SIMD included. Every failure is a
DecodeError(reason, offset), worded like the spec's reference interpreter, whose decoder this
one mirrors in one respect that shapes the error messages: reads are bounded by the end of the
input, not of the current section or function, and each section (and code entry) is checked
afterwards to have ended exactly where its size said.

The decoder is iterative (nesting depth costs no Python stack), checks every declared count
against the bytes left before looping on it, and does a constant amount of work per byte.
This module reads the sections; decode_instrs.py the instructions in them, and
decode_reader.py the values both are made of.
"""
from __future__ import annotations

from typing import Callable, Optional

from . import ir
from .decode_instrs import const_expr, read_instrs
from .decode_reader import Reader
from .errors import DecodeError
from .ir import ExternKind, SegmentMode, ValType
from .opcodes import BY_NAME

__all__ = ["decode", "MAX_LOCALS", "MAX_ARITY"]

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# Implementation limits, those of the JS API (which engines share). Every local becomes a C
# local; and the validator's work per call or block is proportional to the arity of its type,
# which the limit on params and results keeps from being quadratic in the module's size.
MAX_LOCALS = 50_000
MAX_ARITY = 1_000

_REF_FUNC = BY_NAME["ref.func"]

# Section ids, and the rank that fixes their order (the data count section, id 12, sits
# between the element and code sections).
_CUSTOM, _TYPE, _IMPORT, _FUNCTION, _TABLE, _MEMORY, _GLOBAL = 0, 1, 2, 3, 4, 5, 6
_EXPORT, _START, _ELEMENT, _CODE, _DATA, _DATA_COUNT = 7, 8, 9, 10, 11, 12
_SECTION_RANK = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12}

_END_OF_SECTION = "unexpected end of section or function"


class _Decoder:
    def __init__(self, data: bytes):
        self.r = Reader(data)
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
            self.m.globals.append(ir.Global(t, const_expr(r)))

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
            offset_expr = const_expr(r)
        elem_type = ValType.FUNCREF
        if flags & 4:
            if flags & 3:
                elem_type = r.reftype()
            items = tuple(const_expr(r) for _ in range(r.count()))
        else:
            if flags & 3 and r.byte() != 0x00:
                raise r.fail("malformed element kind", r.pos - 1)
            items = tuple(self.func_ref(r) for _ in range(r.count()))
        self.m.elems.append(ir.ElemSegment(mode, table, offset_expr, elem_type, items, start))

    @staticmethod
    def func_ref(r: Reader) -> ir.ConstExpr:
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
            body, end_offset = read_instrs(r)
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
                offset_expr = const_expr(r)
            data = r.bytes(r.count())
            self.m.datas.append(ir.DataSegment(mode, memory, offset_expr, data, start))

        self.vec(segment)


def _names(data: bytes, start: int, end: int) -> Optional[ir.Names]:
    """The `name` custom section's contents, or None if it is malformed (then it is ignored)."""
    r = Reader(data, start, end)
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


def _name_map(r: Reader) -> dict[int, str]:
    result = {}
    for _ in range(r.count()):
        index = r.u32()
        result[index] = r.name()
    return result


def decode(data: bytes) -> ir.Module:
    """Decodes a binary module. Raises DecodeError if it is malformed."""
    return _Decoder(bytes(data)).module()
