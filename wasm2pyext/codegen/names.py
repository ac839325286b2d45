"""Every C name the code generator writes, and every piece of text it puts in C, comes
from here: internals are named by kind and index (they never collide), Wasm names only
ever follow the index, sanitised, for the reader's sake."""
from __future__ import annotations

import re

from ..ir import FuncType, ValType

# The C type of each value type (i32/i64 unsigned: wrap-around without undefined behaviour).
C_TYPES = {
    ValType.I32: "uint32_t",
    ValType.I64: "uint64_t",
    ValType.F32: "float",
    ValType.F64: "double",
    ValType.V128: "w2p_v128",  # a GCC/Clang vector (runtime_c/w2p_simd.h)
    ValType.FUNCREF: "void *",
    ValType.EXTERNREF: "void *",
}

# The w2p_val union member holding each type (v128's is a byte array: see val_member).
VAL_FIELDS = {
    ValType.I32: "i32",
    ValType.I64: "i64",
    ValType.F32: "f32",
    ValType.F64: "f64",
    ValType.V128: "v128",
    ValType.FUNCREF: "ref",
    ValType.EXTERNREF: "ref",
}

# One letter per type: in signature strings (w2p_functype.sig) and C identifiers.
SIG_CHARS = {
    ValType.I32: "i",
    ValType.I64: "I",
    ValType.F32: "f",
    ValType.F64: "F",
    ValType.V128: "V",
    ValType.FUNCREF: "r",
    ValType.EXTERNREF: "x",
}

# Prefix of operand-stack slot variables; references of both kinds share `void *` slots.
_SLOT_PREFIX = {
    ValType.I32: "i",
    ValType.I64: "j",
    ValType.F32: "f",
    ValType.F64: "d",
    ValType.V128: "q",
    ValType.FUNCREF: "r",
    ValType.EXTERNREF: "r",
}

_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]+")
_MAX_NAME = 40


def _suffix(name: str | None) -> str:
    """`_name` sanitised for a C identifier, or '' when there is nothing readable."""
    if not name:
        return ""
    clean = _NOT_IDENT.sub("_", name).strip("_")[:_MAX_NAME]
    return f"_{clean}" if clean else ""


def val_member(value: str, valtype: ValType) -> str:
    """The C lvalue of a valtype in the w2p_val (or w2p_global) `value`: a v128 is stored as
    16 bytes, read and written as a vector through W2P_V128_AT."""
    if valtype == ValType.V128:
        return f"W2P_V128_AT({value}.v128)"
    return f"{value}.{VAL_FIELDS[valtype]}"


def func(index: int, name: str | None = None) -> str:
    return f"fn{index}{_suffix(name)}"


def local(index: int, name: str | None = None) -> str:
    return f"v{index}{_suffix(name)}"


def slot(valtype: ValType, height: int) -> str:
    """The variable holding operand-stack slot `height` while it holds a `valtype`."""
    return f"{_SLOT_PREFIX[valtype]}{height}"


def label(number: int) -> str:
    return f"L{number}"


def memory(index: int) -> str:
    return f"mem{index}"


def table(index: int) -> str:
    return f"tab{index}"


def global_(index: int) -> str:
    return f"g{index}"


def data_segment(index: int) -> str:
    return f"data{index}"


def sig_string(ft: FuncType) -> str:
    """The runtime's spelling of a function type, e.g. "ii>I"."""
    return "".join(SIG_CHARS[t] for t in ft.params) + ">" + "".join(SIG_CHARS[t] for t in ft.results)


def sig_ident(ft: FuncType) -> str:
    """A C identifier fragment for a function type: params, '_', results ('v' if none)."""
    params = "".join(SIG_CHARS[t] for t in ft.params) or "v"
    results = "".join(SIG_CHARS[t] for t in ft.results) or "v"
    return f"{params}_{results}"


def fn_type(ft: FuncType) -> str:
    """The typedef of a pointer to a function of this type."""
    return f"fn_{sig_ident(ft)}"


def entry(ft: FuncType) -> str:
    return f"call_{sig_ident(ft)}"


def host_trampoline(ft: FuncType) -> str:
    return f"host_{sig_ident(ft)}"


def pycall(ft: FuncType) -> str:
    return f"pycall_{sig_ident(ft)}"


def results_struct(results: tuple[ValType, ...]) -> str:
    """The struct returning several results."""
    return "res_" + "".join(SIG_CHARS[t] for t in results)


def c_string(text: str | bytes) -> str:
    """A C string literal holding exactly these bytes (UTF-8 for str); octal escapes never
    run into a following digit since they always have three digits."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    out = ['"']
    for byte in data:
        ch = chr(byte)
        if ch in '"\\?':
            out.append("\\" + ch)
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    out.append('"')
    return "".join(out)


def c_comment(text: str) -> str:
    """Text safe inside /* */: no comment terminator, no control characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean.replace("*/", "*\\/")


def module_identifier(name: str) -> str:
    """A valid Python (and C) identifier made from a file stem."""
    ident = _NOT_IDENT.sub("_", name)
    if not ident or ident[0].isdigit():
        ident = "_" + ident
    return ident
