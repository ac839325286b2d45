"""The shared runtime module (_wasm2pyext_rt_<ABI>): the one every built module in this
process uses, or, before any is loaded, wasm2pyext's own copy (compiled once, cached)."""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from types import ModuleType

from .toolchain import RUNTIME_MODULE, runtime_extension


def load_extension(name: str, path: str) -> ModuleType:
    """Loads the extension module `name` from a file."""
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _shared_runtime() -> ModuleType:
    module = sys.modules.get(RUNTIME_MODULE)
    if module is None:
        module = load_extension(RUNTIME_MODULE, str(runtime_extension()))
        module = sys.modules.setdefault(RUNTIME_MODULE, module)
    return module


runtime = _shared_runtime()

Value = runtime.Value
Memory = runtime.Memory
Global = runtime.Global
Table = runtime.Table
Function = runtime.Function
MemoryView = runtime.MemoryView
WasiConfig = runtime.WasiConfig
WasiExit = runtime.WasiExit
set_limits = runtime.set_limits
deadline = runtime.deadline
