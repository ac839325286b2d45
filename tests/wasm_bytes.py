"""A tiny builder of binary modules for the front-end tests.

Instruction bytes come from the opcode table (`ins("i32.const", s32(5))`), so no test spells
an opcode by hand unless it means to (malformed input).
"""
from __future__ import annotations

from typing import Iterable, Optional

from wasm2pyext.opcodes import BY_NAME

HEADER = b"\x00asm\x01\x00\x00\x00"

I32, I64, F32, F64, V128 = b"\x7f", b"\x7e", b"\x7d", b"\x7c", b"\x7b"
FUNCREF, EXTERNREF = b"\x70", b"\x6f"
EMPTY_BLOCK = b"\x40"


def u32(n: int) -> bytes:
    """Unsigned LEB128, shortest form."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def s32(n: int) -> bytes:
    """Signed LEB128, shortest form (any width)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


s64 = s32


def vec(items: Iterable[bytes]) -> bytes:
    items = list(items)
    return u32(len(items)) + b"".join(items)


def name(text: str) -> bytes:
    raw = text.encode("utf-8")
    return u32(len(raw)) + raw


def section(section_id: int, body: bytes) -> bytes:
    return bytes([section_id]) + u32(len(body)) + body


def ins(op_name: str, *immediates: bytes) -> bytes:
    """One instruction: its opcode from the opcode table, then the given immediate bytes."""
    op = BY_NAME[op_name]
    code = bytes([op.code]) if op.subcode is None else bytes([op.code]) + u32(op.subcode)
    return code + b"".join(immediates)


END = ins("end")


def functype(params: bytes = b"", results: bytes = b"") -> bytes:
    return b"\x60" + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results])


def limits(lo: int, hi: Optional[int] = None) -> bytes:
    return b"\x00" + u32(lo) if hi is None else b"\x01" + u32(lo) + u32(hi)


def code(body: bytes, locals_: Iterable[tuple[int, bytes]] = ()) -> bytes:
    """A code entry: `body` without its final end (added here)."""
    content = vec([u32(n) + t for n, t in locals_]) + body + END
    return u32(len(content)) + content


def module(*, types: Iterable[bytes] = (), imports: Iterable[bytes] = (),
           funcs: Iterable[int] = (), tables: Iterable[bytes] = (), mems: Iterable[bytes] = (),
           globals_: Iterable[bytes] = (), exports: Iterable[bytes] = (),
           start: Optional[int] = None, elems: Iterable[bytes] = (),
           data_count: Optional[int] = None, codes: Iterable[bytes] = (),
           datas: Iterable[bytes] = (), customs: Iterable[tuple[str, bytes]] = ()) -> bytes:
    """A whole module; empty sections are left out, custom sections go last."""
    parts = [HEADER]

    def add(section_id: int, items: Iterable[bytes]) -> None:
        items = list(items)
        if items:
            parts.append(section(section_id, vec(items)))

    add(1, types)
    add(2, imports)
    add(3, [u32(t) for t in funcs])
    add(4, tables)
    add(5, mems)
    add(6, globals_)
    add(7, exports)
    if start is not None:
        parts.append(section(8, u32(start)))
    add(9, elems)
    if data_count is not None:
        parts.append(section(12, u32(data_count)))
    add(10, codes)
    add(11, datas)
    for custom_name, payload in customs:
        parts.append(section(0, name(custom_name) + payload))
    return b"".join(parts)


def one_func(body: bytes, params: bytes = b"", results: bytes = b"",
             locals_: Iterable[tuple[int, bytes]] = (), **sections) -> bytes:
    """A module whose function 0 (of type 0) has `body`; extra sections by keyword."""
    types = [functype(params, results)] + list(sections.pop("types", []))
    return module(types=types, funcs=[0], codes=[code(body, locals_)], **sections)


def import_(module_name: str, field: str, kind: int, desc: bytes) -> bytes:
    return name(module_name) + name(field) + bytes([kind]) + desc


def export(field: str, kind: int, index: int) -> bytes:
    return name(field) + bytes([kind]) + u32(index)


def global_(valtype: bytes, mutable: bool, init: bytes) -> bytes:
    return valtype + (b"\x01" if mutable else b"\x00") + init + END
