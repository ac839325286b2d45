"""The exception hierarchy (see API.md, "Errors").

    Error
      CompileError (.reason, .offset)
        DecodeError       malformed binary
        ValidationError   invalid module
      LinkError           missing or mismatched import
      Trap (.kind)        a WebAssembly trap; kind is one of TRAP_KINDS

The front end's errors are defined here, in plain Python, so that decoding, validating,
inspecting and writing C need no compiled code and no C compiler. What a running module
raises (LinkError, Trap) lives in the shared runtime module, which every built module
carries and which works without wasm2pyext: those names load the runtime on first use.
Error is one class in a process either way: the runtime's, when a built module loaded it
first, else this one, which the runtime then takes as its base (shim/errors.pxi).
"""
from __future__ import annotations

import sys
from typing import Any

from .toolchain import RUNTIME_MODULE

_runtime = sys.modules.get(RUNTIME_MODULE)

if _runtime is not None:
    Error = _runtime.Error
else:
    class Error(Exception):
        """Base of every wasm2pyext error."""


class CompileError(Error):
    """CompileError(reason, offset): the module could not be compiled; `offset` is the byte
    offset in the binary."""

    def __init__(self, reason: str, offset: int):
        super().__init__(f"{reason} (at byte offset {offset:#x})")
        self.reason = reason
        self.offset = offset

    def __reduce__(self):
        # Pickles (and copies) as CompileError(reason, offset), not from the message alone.
        return type(self), (self.reason, self.offset), self.__dict__


class DecodeError(CompileError):
    """Malformed binary: it does not follow the binary format."""


class ValidationError(CompileError):
    """Invalid module: well-formed, but it breaks a validation rule."""


_FROM_RUNTIME = ("LinkError", "Trap", "TRAP_KINDS")


def __getattr__(name: str) -> Any:
    if name in _FROM_RUNTIME:
        from ._runtime import runtime
        return getattr(runtime, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Error", "CompileError", "DecodeError", "ValidationError", "LinkError", "Trap", "TRAP_KINDS"]
