"""The dynamic API: compile Wasm bytes on the fly (cached on disk by content hash) and
instantiate them, as the classic wasmer-python API does."""
from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import Any, Mapping, Optional

from ._runtime import load_extension, runtime
from .build import BuildOptions, cached_extension
from .decode import decode
from .errors import CompileError
from .validator import validate_module

_loaded: dict[str, ModuleType] = {}
_lock = threading.Lock()

# The modules made with the default build options, by their bytes and what those options
# are read from: a repeated Instance(wasm_bytes) skips making the options, the digest and
# the cache lookup (about 110 us of the 144 a call took; instantiating takes about 10).
_DEFAULTS_FROM = ("CC", "WASM2PYEXT_CFLAGS", "WASM2PYEXT_CACHE", "XDG_CACHE_HOME", "HOME")
_by_bytes: dict[tuple, ModuleType] = {}


def validate(wasm_bytes: bytes) -> bool:
    """Whether the bytes are a valid WebAssembly module."""
    try:
        validate_module(decode(bytes(wasm_bytes)))
    except CompileError:
        return False
    return True


class Module:
    """A compiled WebAssembly module: Module(wasm_bytes).

    Raises DecodeError (malformed) or ValidationError (invalid). Compiling is cached on
    disk, under $WASM2PYEXT_CACHE or the user cache directory, by content hash."""

    def __init__(self, wasm_bytes: bytes, *, options: Optional[BuildOptions] = None):
        wasm = bytes(wasm_bytes)
        memo = (wasm, *map(os.environ.get, _DEFAULTS_FROM)) if options is None else None
        ext = _by_bytes.get(memo) if memo else None
        if ext is None:
            name, path = cached_extension(wasm, options)
            with _lock:
                ext = _loaded.get(name)
                if ext is None:
                    ext = _loaded[name] = load_extension(name, str(path))
                if memo:
                    _by_bytes[memo] = ext
        self._ext = ext

    @property
    def imports(self) -> list[tuple[str, str, str, Any]]:
        """(module, name, kind, type) of each import."""
        return self._ext.imports

    @property
    def exports(self) -> list[tuple[str, str, str, Any]]:
        """("", name, kind, type) of each export."""
        return self._ext.exports

    @property
    def extension(self) -> ModuleType:
        """The built extension module itself."""
        return self._ext

    def instantiate(self, imports: Optional[Mapping[str, Mapping[str, Any]]] = None):
        """A new instance: its own memory, globals and tables. Raises LinkError, or Trap
        when initialisation or the start function traps."""
        return self._ext.Instance(imports)


class _InstanceType(type):
    def __call__(cls, wasm_bytes: bytes, imports=None):
        return Module(wasm_bytes).instantiate(imports)

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, runtime.Instance)


class Instance(metaclass=_InstanceType):
    """Instance(wasm_bytes, imports=None): compile (cached) and instantiate in one step, as
    in the classic wasmer API. The result is an instance of the built module's Instance
    class; isinstance(x, wasm2pyext.Instance) holds for every instance."""
