"""The exception hierarchy (see API.md, "Errors").

The classes live in the shared runtime module, so wasm2pyext and every built module in a
process raise and catch the same ones: `except wasm2pyext.Trap` catches a trap from any
built module.

    Error
      CompileError (.reason, .offset)
        DecodeError       malformed binary
        ValidationError   invalid module
      LinkError           missing or mismatched import
      Trap (.kind)        a WebAssembly trap; kind is one of TRAP_KINDS
"""
from ._runtime import runtime

Error = runtime.Error
CompileError = runtime.CompileError
DecodeError = runtime.DecodeError
ValidationError = runtime.ValidationError
LinkError = runtime.LinkError
Trap = runtime.Trap
TRAP_KINDS: tuple[str, ...] = runtime.TRAP_KINDS

__all__ = ["Error", "CompileError", "DecodeError", "ValidationError", "LinkError", "Trap", "TRAP_KINDS"]
