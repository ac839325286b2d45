"""The dynamic API: compile Wasm bytes on the fly (cached on disk by content hash) and
instantiate them, as the classic wasmer-python API does."""
from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import Any, Mapping, Optional, Sequence

from ._runtime import load_extension, runtime
from .build import BuildOptions, cached_extension
from .errors import LinkError

_loaded: dict[str, ModuleType] = {}
_lock = threading.Lock()

# The modules made with the default build options, by their bytes and what those options
# are read from: a repeated Instance(wasm_bytes) skips making the options, the digest and
# the cache lookup (about 110 us of the 144 a call took; instantiating takes about 10).
_DEFAULTS_FROM = ("CC", "WASM2PYEXT_CFLAGS", "WASM2PYEXT_CACHE", "XDG_CACHE_HOME", "HOME")
_by_bytes: dict[tuple, ModuleType] = {}


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

    def instantiate(self, imports: Optional[Mapping[str, Mapping[str, Any]]] = None, wasi=None):
        """A new instance: its own memory, globals and tables, and its WASI state when it
        imports WASI functions (wasi: a WasiConfig, or None for WasiConfig()). Raises
        LinkError, or Trap when initialisation or the start function traps."""
        return self._ext.Instance(imports, wasi)


class _InstanceType(type):
    def __call__(cls, wasm_bytes: bytes, imports=None, wasi=None):
        return Module(wasm_bytes).instantiate(imports, wasi)

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, runtime.Instance)


class Instance(metaclass=_InstanceType):
    """Instance(wasm_bytes, imports=None, wasi=None): compile (cached) and instantiate in one step, as
    in the classic wasmer API. The result is an instance of the built module's Instance
    class; isinstance(x, wasm2pyext.Instance) holds for every instance."""


def run(wasm: bytes | str | os.PathLike, args: Sequence[str | bytes] = (), wasi=None) -> int:
    """Builds (or finds in the cache) a WASI command and runs its _start: the exit code
    (proc_exit's, or 0 when _start returns). wasm: the module's bytes or its path; args:
    argv[1:] when wasi is None (argv[0] is the file's name, or the module's)."""
    name = None
    if isinstance(wasm, (str, os.PathLike)):
        name = os.path.basename(os.fspath(wasm))
        with open(wasm, "rb") as f:
            wasm = f.read()
    module = Module(wasm)
    if wasi is None:
        wasi = runtime.WasiConfig(args=[name or module.extension.__name__, *args])
    elif args:
        raise TypeError("run() takes args or wasi, not both: give argv in WasiConfig(args=...)")
    try:
        instance = module.instantiate(wasi=wasi)
        if "_start" not in instance.exports:
            raise LinkError("not a WASI command: the module exports no _start")
        instance.exports["_start"]()
    except runtime.WasiExit as e:
        return e.code
    return 0
