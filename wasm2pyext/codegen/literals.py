"""C literals for Wasm constants: exact, and as readable as exactness allows."""
from __future__ import annotations

import math
import struct

from ..ir import ValType


def _shortest_float(value: float, bits: int, fmt: str) -> str:
    """The shortest decimal that reads back as exactly this float of the given width."""
    for digits in range(1, 18):
        text = f"{value:.{digits}g}"
        if struct.unpack(fmt, struct.pack(fmt, float(text)))[0] == value and _bits(float(text), fmt) == bits:
            break
    if "e" not in text and "." not in text:
        text += ".0"
    return text


def _bits(value: float, fmt: str) -> int:
    return int.from_bytes(struct.pack("<" + fmt, value), "little")


def constant(valtype: ValType, value: int) -> str:
    """`value` is the signed integer for i32/i64, the IEEE bits for f32/f64 and the 128 bits
    (lane 0 lowest) for v128."""
    if valtype == ValType.I32:
        u = value & 0xFFFFFFFF
        return f"{u}u" if u < 0x10000 else f"0x{u:08x}u"
    if valtype == ValType.I64:
        u = value & 0xFFFFFFFFFFFFFFFF
        return f"{u}ull" if u < 0x10000 else f"0x{u:016x}ull"
    if valtype == ValType.F32:
        f = struct.unpack("<f", value.to_bytes(4, "little"))[0]
        if math.isnan(f) or math.isinf(f):
            return f"f32_from_bits(0x{value:08x}u)"
        return _shortest_float(f, value, "f") + "f"
    if valtype == ValType.F64:
        f = struct.unpack("<d", value.to_bytes(8, "little"))[0]
        if math.isnan(f) or math.isinf(f):
            return f"f64_from_bits(0x{value:016x}ull)"
        return _shortest_float(f, value, "d")
    if valtype == ValType.V128:
        lo, hi = value & (2**64 - 1), value >> 64
        return f"(w2p_v128){{0x{lo:016x}ull, 0x{hi:016x}ull}}"
    raise ValueError(valtype)
