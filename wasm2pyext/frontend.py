"""The front end as one step: bytes -> a decoded, validated ir.Module. Plain Python: it
needs no C compiler and loads no compiled code (nor does anything it imports)."""
from __future__ import annotations

from . import ir
from .decode import decode
from .errors import CompileError
from .validator import validate_module


def front_end(wasm: bytes) -> ir.Module:
    """Decoded and validated, or DecodeError / ValidationError."""
    module = decode(wasm)
    validate_module(module)
    return module


def validate(wasm_bytes: bytes) -> bool:
    """Whether the bytes are a valid WebAssembly module."""
    try:
        front_end(bytes(wasm_bytes))
    except CompileError:
        return False
    return True
