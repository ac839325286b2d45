"""wasm2pyext: WebAssembly modules as Python extension modules.

    import wasm2pyext
    instance = wasm2pyext.Instance(open("simple.wasm", "rb").read())
    instance.exports.sum(5, 37)   # 42

or ahead of time: `wasm2pyext build simple.wasm`, then `import simple`.

The public names are loaded on first use (PEP 562): importing the package compiles and
loads nothing, so tools such as `python -m wasm2pyext.cdecls` work before the runtime
exists.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> (module, attribute) it comes from.
_PUBLIC = {
    "Instance": ("api", "Instance"),
    "Module": ("api", "Module"),
    "validate": ("frontend", "validate"),
    "run": ("api", "run"),
    **{name: ("errors", name) for name in ("Error", "CompileError", "DecodeError", "ValidationError",
                                           "LinkError", "Trap", "TRAP_KINDS")},
    **{name: ("_runtime", name) for name in ("Value", "Memory", "Global", "Table", "Function", "MemoryView",
                                             "WasiConfig", "WasiExit", "set_limits", "deadline")},
}

__all__ = list(_PUBLIC)


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'wasm2pyext' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
