"""The runtimes in this process, each loading a module into a Handle: export(name) -> a
callable taking the Wasm arguments, write(addr, data) / read(addr, n) on its memory, and
`call_src`, the natural way its users spell a call (for the call-overhead loop); and the
timed runs of the kernels and programs through a Handle or wasm2c's harnesses."""
from __future__ import annotations

import ctypes
import importlib
import sys
import time
import zlib
from pathlib import Path
from typing import Callable, Optional

from .common import BUILD, KERNELS, PROGRAMS, run, wasm_path


class Handle:
    call_src = "f(5, 37)"

    def bind(self) -> dict:
        return {}

    def refresh(self):
        """After a call that may have grown the memory: forget any view of the old size."""


class OursHandle(Handle):
    def __init__(self, module, imports=None):
        self.inst = module.Instance(imports=imports) if imports else module.Instance()
        self.buf = None

    def export(self, name):
        return getattr(self.inst.exports, name)

    def write(self, addr, data):
        if self.buf is None:
            self.buf = self.inst.memory.buffer
        self.buf[addr:addr + len(data)] = data

    def read(self, addr, n):
        if self.buf is None:
            self.buf = self.inst.memory.buffer
        return bytes(self.buf[addr:addr + n])

    def refresh(self):
        self.buf = None

    def view_write(self, addr, data):
        self.inst.memory.uint8_view(addr)[0:len(data)] = data

    def view_read(self, addr, n):
        return bytes(self.inst.memory.uint8_view(addr)[0:n])


class NativeHandle(Handle):
    """A native build of the kernels or of a program, through ctypes: its exports under
    their Wasm names, its memory the process's own (addresses are pointers)."""

    def __init__(self, lib: Path):
        self.lib = ctypes.CDLL(str(lib))

    # The exports that are not int32(int32): (native name, result, parameters), in
    # ctypes' letters (p a pointer: an address in the process's memory).
    SIGNATURES = {"checksum_buffer": ("checksum_buffer_native", "p", ""), "matmul": ("matmul", "d", "i"),
                  "sum": ("sum", "i", "ii"), "input_buffer": ("input_buffer_native", "p", "i"),
                  "generate": ("generate", "i", "ii"), "roundtrip": ("roundtrip", "i", "ii"),
                  "compressed_size": ("compressed_size", "i", "")}

    def export(self, name):
        native, result, params = self.SIGNATURES.get(name, (name, "i", "i"))
        types = {"i": ctypes.c_int32, "d": ctypes.c_double, "p": ctypes.c_void_p}
        f = getattr(self.lib, native)
        f.restype, f.argtypes = types[result], [types[c] for c in params]
        return f

    def write(self, addr, data):
        ctypes.memmove(addr, data, len(data))

    def read(self, addr, n):
        return ctypes.string_at(addr, n)


class WasmextHandle(Handle):
    def __init__(self, module, imports=None):
        self.inst = module.Instance(imports) if imports else module.Instance()

    def export(self, name):
        return getattr(self.inst, name)

    def write(self, addr, data):
        self.inst.memory[addr:addr + len(data)] = data

    def read(self, addr, n):
        return bytes(self.inst.memory[addr:addr + n])


class WasmtimeHandle(Handle):
    call_src = "f(s, 5, 37)"

    def __init__(self, wt, path: Path, host=None):
        self.wt = wt
        self.store = wt.Store(ENGINES.setdefault("wasmtime", wt.Engine()))
        module = wt.Module.from_file(self.store.engine, str(path))
        imports = []
        if host:
            i32 = wt.ValType.i32()
            imports = [wt.Func(self.store, wt.FuncType([i32], [i32]), host)]
        self.inst = wt.Instance(self.store, module, imports)
        self.exports = self.inst.exports(self.store)

    def raw(self, name):
        return self.exports[name]

    def export(self, name):
        f, s = self.exports[name], self.store
        return lambda *args: f(s, *args)

    def bind(self):
        return {"s": self.store}

    def write(self, addr, data):
        self.exports["memory"].write(self.store, data, addr)

    def read(self, addr, n):
        return bytes(self.exports["memory"].read(self.store, addr, addr + n))


class Wasm3Handle(Handle):
    def __init__(self, m3, path: Path, host=None):
        self.env = m3.Environment()
        self.rt = self.env.new_runtime(1 << 20)
        self.mod = self.env.parse_module(path.read_bytes())
        self.rt.load(self.mod)
        if host:
            self.mod.link_function("env", "f", "i(i)", host)

    def export(self, name):
        return self.rt.find_function(name)

    def write(self, addr, data):
        self.rt.get_memory(0)[addr:addr + len(data)] = data

    def read(self, addr, n):
        return bytes(self.rt.get_memory(0)[addr:addr + n])


ENGINES: dict = {}


class PyRuntime:
    """A runtime in this process: label, and load(module name, host) -> Handle."""

    def __init__(self, label: str, load: Callable, inner_scale: float = 1.0):
        self.label, self.load, self.inner_scale = label, load, inner_scale


def import_from(folder: Path, name: str):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(name)


def ours(name: str, folder: Path = BUILD / "ours", imports=None) -> OursHandle:
    """An instance of our built module `name` (in BUILD/ours unless told)."""
    return OursHandle(import_from(folder, name), imports)


def host_imports(host):
    return {"env": {"f": host}} if host else None


def python_runtimes(peers: dict, have_wasmext: bool) -> dict[str, PyRuntime]:
    rts = {"wasm2pyext": PyRuntime("wasm2pyext", lambda k, host=None: ours(
        f"w2p_{k}", imports=host_imports(host))),
           # the portable build: explicit bounds and stack checks instead of guard pages
           "wasm2pyext-checked": PyRuntime("wasm2pyext --bounds-checks", lambda k, host=None: ours(
               f"w2pc_{k}", imports=host_imports(host)))}
    if have_wasmext:
        rts["wasmext"] = PyRuntime("wasmext", lambda k, host=None: WasmextHandle(
            import_from(BUILD / "wasmext", f"wx_{k}"), host_imports(host)))
    if "wasmtime" in peers:
        rts["wasmtime"] = PyRuntime("wasmtime-py", lambda k, host=None: WasmtimeHandle(
            peers["wasmtime"], wasm_path(k), host))
    if "pywasm3" in peers:
        rts["pywasm3"] = PyRuntime("pywasm3", lambda k, host=None: Wasm3Handle(
            peers["pywasm3"], wasm_path(k), host), inner_scale=0.0)
    return rts


def native_runtimes(libs: dict[str, Callable[[str], Path]]) -> dict[str, PyRuntime]:
    """The native builds as runtimes: {compiler: the library of a kernel or program}."""
    return {f"native {cc} -O2": PyRuntime(f"native {cc} -O2", lambda k, lib=lib: NativeHandle(lib(k)))
            for cc, lib in libs.items()}


def ours_and_wasmext(module: str, have_wasmext: bool) -> dict[str, tuple[str, type, Path]]:
    """The builds of `module` the call tables compare: ours (also abi3) and wasmext's (also
    without the limited API): label -> (module name, Handle class, folder)."""
    builds = {"wasm2pyext": (f"w2p_{module}", OursHandle, BUILD / "ours"),
              "wasm2pyext --abi3": (f"w2p3_{module}", OursHandle, BUILD / "ours")}
    if have_wasmext:
        builds["wasmext (default: abi3)"] = (f"wx_{module}", WasmextHandle, BUILD / "wasmext")
        builds["wasmext --no-limited-api"] = (f"wxn_{module}", WasmextHandle, BUILD / "wasmext")
    return builds


# --------------------------------------------------------------------------- timed runs

def i32(x: int) -> int:
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


def time_kernel(handle: Handle, kernel: str, data: bytes):
    """One timed run of a kernel: (result, seconds). The checksum kernel's time includes
    writing its input and reading its output through the memory buffer."""
    if kernel == "checksum":
        addr = handle.export("checksum_buffer")()
        f = handle.export("checksum")
        n = len(data)
        t0 = time.perf_counter()
        handle.write(addr, data)
        r = f(n)
        out = handle.read(addr, n)
        t1 = time.perf_counter()
        return f"{r}/{zlib.crc32(out)}", t1 - t0
    f = handle.export(kernel)
    arg = KERNELS[kernel]
    t0 = time.perf_counter()
    r = f(arg)
    t1 = time.perf_counter()
    return repr(float(r)) if kernel == "matmul" else str(r), t1 - t0


def prepare_program(handle: Handle, prog: str, check: bytes) -> tuple[str, str]:
    """Untimed: a round trip of the bytes `check` written from Python into the input area,
    then the timed input generated in place. Returns (the check's result, the input's hash)."""
    cfg = PROGRAMS[prog]
    addr = handle.export("input_buffer")(len(check))
    handle.refresh()
    handle.write(addr, check)
    checked = f"{handle.export('roundtrip')(len(check), cfg['level'])}/{handle.export('compressed_size')()}"
    handle.export("input_buffer")(cfg["n"])
    handle.refresh()
    return checked, str(handle.export("generate")(cfg["n"], cfg["seed"]))


def time_program(handle: Handle, prog: str, input_hash: str):
    """One timed round trip: ("INPUT_HASH/RESULT/COMPRESSED_SIZE", seconds)."""
    cfg = PROGRAMS[prog]
    f = handle.export("roundtrip")
    t0 = time.perf_counter()
    r = f(cfg["n"], cfg["level"])
    t1 = time.perf_counter()
    return f"{input_hash}/{r}/{handle.export('compressed_size')()}", t1 - t0


def run_program_harness(exe: Path, prog: str, reps: int) -> tuple[str, str, list[float]]:
    """The wasm2c program harness: (check result, timed result, seconds of each run)."""
    cfg = PROGRAMS[prog]
    out = run([str(exe), str(reps), str(cfg["n"]), str(cfg["seed"]), str(cfg["level"]),
               str(BUILD / "program-check.in")]).stdout.split("\n")
    checked = out[0].split()[1]
    _, result, *times = out[1].split()
    return checked, result, [int(t) / 1e9 for t in times]


def run_harness(exe: Path, reps: int, kernels=KERNELS) -> dict[str, tuple[str, list[float]]]:
    """The wasm2c harness's runs of `kernels`: {kernel: (result, [seconds of each run])}."""
    args = [f"{k}={BUILD / 'checksum.in' if k == 'checksum' else KERNELS[k]}" for k in kernels]
    out = run([str(exe), str(reps), *args]).stdout
    results = {}
    for line in out.splitlines():
        name, result, *times = line.split()
        if name == "matmul":
            result = repr(float(result))
        results[name] = (result, [int(t) / 1e9 for t in times])
    return results


def load_handles(runtimes: dict[str, PyRuntime], names, skip: Callable[[str, str], bool], failures: list[str],
                 prepare: Optional[Callable[[str, Handle, str], None]] = None) -> dict:
    """{(runtime, name): Handle} of every name each runtime loads (and prepare(runtime,
    handle, name) accepts), but those skip(runtime, name) leaves out; a failure to load
    is a finding, reported with the results."""
    handles = {}
    for key, rt in runtimes.items():
        for name in names:
            if skip(key, name):
                continue
            try:
                h = rt.load(name)
                if prepare:
                    prepare(key, h, name)
                handles[(key, name)] = h
            except Exception as e:
                what = "loading or preparing" if prepare else "loading"
                failures.append(f"{rt.label}: {what} {name} failed: {type(e).__name__}: {e}")
    return handles
