"""wasm2pyext: WebAssembly modules as Python extension modules.

    import wasm2pyext
    instance = wasm2pyext.Instance(open("simple.wasm", "rb").read())
    instance.exports.sum(5, 37)   # 42

or ahead of time: `wasm2pyext build simple.wasm`, then `import simple`.
"""
__version__ = "0.1.0"

from ._runtime import runtime as _rt  # noqa: E402
from .api import Instance, Module, validate  # noqa: E402
from .errors import (TRAP_KINDS, CompileError, DecodeError, Error, LinkError, Trap,  # noqa: E402
                     ValidationError)

Value = _rt.Value
Memory = _rt.Memory
Global = _rt.Global
Table = _rt.Table
Function = _rt.Function
MemoryView = _rt.MemoryView

__all__ = [
    "Instance", "Module", "validate", "Value", "Memory", "Global", "Table", "Function", "MemoryView",
    "Error", "CompileError", "DecodeError", "ValidationError", "LinkError", "Trap", "TRAP_KINDS",
]
