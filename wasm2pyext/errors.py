"""The exception hierarchy (see API.md, "Errors").

Every class here is shared by wasm2pyext and all built modules in a process, so
`except wasm2pyext.Trap` catches a trap raised by any built module.
"""
from __future__ import annotations


class Error(Exception):
    """Base of every wasm2pyext error."""


class CompileError(Error):
    """The module could not be compiled. `offset` is the byte offset in the binary."""

    def __init__(self, reason: str, offset: int):
        self.reason = reason
        self.offset = offset
        super().__init__(f"{reason} (at byte offset {offset:#x})")


class DecodeError(CompileError):
    """Malformed binary: it does not follow the binary format."""


class ValidationError(CompileError):
    """Invalid module: well-formed, but it breaks a validation rule."""


class LinkError(Error):
    """An import is missing or does not match what the module declares."""


class Trap(Error):
    """A WebAssembly trap. `kind` is one of TRAP_KINDS."""

    def __init__(self, kind: str, message: str | None = None):
        self.kind = kind
        super().__init__(message or kind)


# The trap kinds, in the order of the C runtime's enum w2p_trap_kind (runtime_c/w2p_rt.h).
TRAP_KINDS = (
    "unreachable",
    "out of bounds memory access",
    "out of bounds table access",
    "undefined element",
    "uninitialized element",
    "indirect call type mismatch",
    "integer divide by zero",
    "integer overflow",
    "invalid conversion to integer",
    "call stack exhausted",
)
