"""The binary format's values: bytes, LEB128 integers, names, value types, limits.

A Reader is a position in the input; every read past its end, and every malformed value,
is a DecodeError(reason, offset) worded like the spec's reference interpreter. The
instructions (decode_instrs.py) and the sections (decode.py) are read with it.
"""
from __future__ import annotations

from typing import Optional

from . import ir
from .errors import DecodeError
from .ir import ValType

VALTYPES = {t.value: t for t in ValType}
_REFTYPES = {ValType.FUNCREF.value: ValType.FUNCREF, ValType.EXTERNREF.value: ValType.EXTERNREF}


class Reader:
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
        t = VALTYPES.get(b)
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
