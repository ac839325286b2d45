# WASI preview 1: the Python side (configuration, Python streams, binding the imports).
# Included by shim/runtime.pyx (through modules.pxi); the calls themselves are C, in runtime_c/w2p_wasi*.c.

cdef extern from "w2p_wasi.h":
    ctypedef struct w2p_wasi_import:
        const char *name
        const char *sig
        w2p_fnptr fn
        w2p_fnptr unstable_fn
    ctypedef struct w2p_wasi:
        pass
    ctypedef int (*w2p_wasi_py_io_fn)(void *stream, int op, uint8_t *buf, size_t len, size_t *done) noexcept
    const w2p_wasi_import *w2p_wasi_lookup(const char *module, const char *name)
    void w2p_wasi_set_py_io(w2p_wasi_py_io_fn fn)
    w2p_wasi *w2p_wasi_new(void *owner)
    void w2p_wasi_free(w2p_wasi *w)
    w2p_ctx *w2p_wasi_ctx(w2p_wasi *w)
    void w2p_wasi_set_memory(w2p_wasi *w, w2p_memory *mem)
    int w2p_wasi_set_args(w2p_wasi *w, const char *buf, size_t len, uint32_t count)
    int w2p_wasi_set_env(w2p_wasi *w, const char *buf, size_t len, uint32_t count)
    int w2p_wasi_set_stdio(w2p_wasi *w, uint32_t fd, int host_fd, void *stream)
    int w2p_wasi_preopen(w2p_wasi *w, const char *host_path, const char *guest_name, int readonly)
    int w2p_wasi_add_socket(w2p_wasi *w, int host_fd)
    uint32_t w2p_wasi_exit_code()

import io as _io
import os as _os
import codecs as _codecs

_WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")


class WasiExit(Error):
    """WasiExit(code): the WASI program called proc_exit(code)."""

    def __init__(self, code):
        super().__init__(f"WASI program exited with code {code}")
        self.code = code

    def __reduce__(self):
        return (type(self), (self.code,))


cdef bytes _wasi_bytes(object s, str what):
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogateescape")
    elif not isinstance(s, (bytes, bytearray)):
        raise TypeError(f"WasiConfig {what} must be str or bytes, got {type(s).__name__}")
    if b"\0" in s:
        raise ValueError(f"WasiConfig {what} must not contain NUL: {s!r}")
    return bytes(s)


cdef class WasiConfig:
    """WasiConfig(args=None, env=None, stdin=None, stdout=None, stderr=None, preopens=None,
    readonly=(), sockets=()): what a WASI instance sees (see API.md, "WASI preview 1").

    args: argv, argv[0] included (default: [module name]); env: the whole environment (a
    mapping; default: empty); stdin/stdout/stderr: None for sys.stdin/stdout/stderr at the
    time of each read or write, a file object, bytes or str (stdin), or a callable taking
    the bytes written (stdout, stderr); preopens: {guest_path: host_path}; readonly: guest
    paths preopened read-only; sockets: socket objects handed to the guest as fds."""
    # A cdef class, as the stream wrappers below: a Python class costs every process that
    # imports a built module the making of a type (60,000 instructions each).
    cdef public object args, env, stdin, stdout, stderr, preopens, readonly, sockets

    def __init__(self, args=None, env=None, stdin=None, stdout=None, stderr=None, preopens=None,
                 readonly=(), sockets=()):
        if isinstance(args, (str, bytes)):
            raise TypeError("WasiConfig args must be a sequence of str or bytes, not a single string")
        self.args = None if args is None else [_wasi_bytes(a, "args") for a in args]
        self.env = {}
        for k, v in (env or {}).items():
            k, v = _wasi_bytes(k, "env"), _wasi_bytes(v, "env")
            if b"=" in k or not k:
                raise ValueError(f"WasiConfig env name {k!r} is empty or contains '='")
            self.env[k] = v
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.preopens = {str(g): _os.fspath(h) for g, h in (preopens or {}).items()}
        self.readonly = frozenset([str(g) for g in readonly])  # a generator would cost every import a type
        unknown = self.readonly - set(self.preopens)
        if unknown:
            raise ValueError(f"WasiConfig readonly names paths that are not preopened: {sorted(unknown)}")
        self.sockets = list(sockets)

    def __repr__(self):
        return (f"WasiConfig(args={self.args!r}, env={self.env!r}, preopens={self.preopens!r}, "
                f"readonly={sorted(self.readonly)!r})")


cdef object _real_fd(object stream):
    """The file descriptor behind a file object (its Python buffer flushed first), or None."""
    if isinstance(stream, bool):
        return None
    if isinstance(stream, int):
        return stream if stream >= 0 else None
    fileno = getattr(stream, "fileno", None)
    if fileno is None:
        return None
    try:
        fd = fileno()
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is both
        return None
    flush = getattr(stream, "flush", None)
    if flush is not None:
        flush()
    return fd


cdef class _WasiOutput:
    """A guest's stdout or stderr that is a Python object: write(data) takes bytes."""
    cdef object target, decoder
    cdef str name

    def __init__(self, target, name):
        self.target = target
        self.name = name  # sys.<name> when target is None
        self.decoder = None

    def write(self, data):
        target = self.target
        if target is None:
            target = getattr(_sys, self.name)
            if target is None:
                return
        write = getattr(target, "write", None)
        if write is None:
            target(data)
            return
        buffer = getattr(target, "buffer", None)
        if buffer is not None:
            target.flush()
            buffer.write(data)
        elif isinstance(target, _io.TextIOBase):
            if self.decoder is None:
                self.decoder = _codecs.getincrementaldecoder("utf-8")("replace")
            write(self.decoder.decode(data))
        else:
            write(data)


cdef class _WasiInput:
    """A guest's stdin that is a Python object: read(n) returns at most n bytes."""
    cdef object source, pending

    def __init__(self, source):
        if isinstance(source, str):
            source = source.encode("utf-8")
        if isinstance(source, (bytes, bytearray, memoryview)):
            source = _io.BytesIO(bytes(source))
        self.source = source
        self.pending = b""

    def read(self, n):
        if not self.pending:
            source = self.source if self.source is not None else _sys.stdin
            if source is None:
                return b""
            source = getattr(source, "buffer", source)
            read1 = getattr(source, "read1", None)
            data = read1(n) if read1 is not None else source.read(n)
            if isinstance(data, str):
                data = data.encode("utf-8")
            self.pending = data or b""
        data, self.pending = self.pending[:n], self.pending[n:]
        return data


cdef int wasi_py_io(void *stream, int op, uint8_t *buf, size_t n, size_t *done) except -1:
    """w2p_wasi_py_io_fn: the C calls' way to a Python stream."""
    cdef bytes data
    cdef Py_ssize_t k
    if op == 0:
        data = bytes((<object>stream).read(n))
        k = min(len(data), <Py_ssize_t>n)
        memcpy(buf, <const char *>data, k)
        done[0] = k
    else:
        (<object>stream).write(PyBytes_FromStringAndSize(<const char *>buf, n))
        done[0] = n
    return 0


w2p_wasi_set_py_io(<w2p_wasi_py_io_fn>wasi_py_io)


cdef bytes _nul_joined(list items):
    return b"".join([s + b"\0" for s in items])


cdef class WasiState:
    """One instance's WASI state: the C state, and what it holds pointers into."""
    cdef w2p_wasi *w
    cdef w2p_func *funcs  # one per import of the module, those bound to WASI set
    cdef list keep

    def __dealloc__(self):
        w2p_wasi_free(self.w)
        free(self.funcs)

    cdef int _stdio(self, uint32_t fd, object stream) except -1:
        host = None if stream is None or isinstance(stream, (bytes, bytearray, str)) else _real_fd(stream)
        if host is None and fd != 0 and stream is not None and not callable(stream) and \
                not callable(getattr(stream, "write", None)):
            raise TypeError(f"WasiConfig stdout/stderr must be None, a file object or a callable, "
                            f"got {type(stream).__name__}")
        if host is not None:
            self.keep.append(stream)
            err = w2p_wasi_set_stdio(self.w, fd, host, NULL)
        else:
            py = _WasiInput(stream) if fd == 0 else _WasiOutput(stream, ("stdout", "stderr")[fd - 1])
            self.keep.append(py)
            err = w2p_wasi_set_stdio(self.w, fd, -1, <void *>py)
        if err:
            raise OSError(err, f"WASI fd {fd}: {_os.strerror(err)}")
        return 0

    cdef int _configure(self, object config, str module_name) except -1:
        cdef bytes buf
        if config is None:
            config = WasiConfig()
        elif not isinstance(config, WasiConfig):
            raise TypeError(f"wasi must be a WasiConfig or None, got {type(config).__name__}")
        args = config.args if config.args is not None else [module_name.encode()]
        buf = _nul_joined(args)
        if w2p_wasi_set_args(self.w, buf, len(buf), len(args)) != 0:
            raise MemoryError()
        env = [k + b"=" + v for k, v in config.env.items()]
        buf = _nul_joined(env)
        if w2p_wasi_set_env(self.w, buf, len(buf), len(env)) != 0:
            raise MemoryError()
        self._stdio(0, config.stdin)
        self._stdio(1, config.stdout)
        self._stdio(2, config.stderr)
        for guest, host in config.preopens.items():
            err = w2p_wasi_preopen(self.w, _os.fsencode(host), guest.encode(), guest in config.readonly)
            if err:
                raise OSError(err, f"cannot preopen {host!r}: {_os.strerror(err)}", host)
        for sock in config.sockets:
            err = w2p_wasi_add_socket(self.w, sock if isinstance(sock, int) else sock.fileno())
            if err:
                raise OSError(err, f"cannot hand socket {sock!r} to WASI: {_os.strerror(err)}")
        return 0


cdef WasiState new_wasi_state(object config, str module_name, uint32_t num_imports):
    cdef WasiState ws = WasiState.__new__(WasiState)
    ws.keep = []
    ws.w = w2p_wasi_new(<void *>ws)
    ws.funcs = <w2p_func *>calloc(max(num_imports, 1), sizeof(w2p_func))
    if ws.w == NULL or ws.funcs == NULL:
        raise MemoryError()
    ws._configure(config, module_name)
    return ws


cdef bint wasi_provides(object imports, str module, str name):
    """Whether the runtime provides the import: a WASI module's, not named in imports."""
    if module not in _WASI_MODULES:
        return False
    try:
        imports[module][name]
    except (KeyError, TypeError, IndexError):
        return True
    return False


cdef w2p_func *wasi_bind(WasiState ws, uint32_t i, uint32_t index, str module, str name, FuncType t,
                         const w2p_type_desc *td) except NULL:
    """The runtime's WASI function module.name as import i (function `index`), checked
    against its type."""
    cdef const w2p_wasi_import *imp = w2p_wasi_lookup(module.encode(), name.encode())
    cdef w2p_func *f = &ws.funcs[i]
    if imp == NULL:
        raise LinkError(f"unknown import: {module!r} {name!r} (not a WASI preview 1 function)")
    if imp.sig != t.sig:
        raise LinkError(f"incompatible import type: {module!r} {name!r} is {intern_type(imp.sig)!r}, "
                        f"{t!r} required")
    f.type = &t.ft
    f.fn = imp.unstable_fn if module == "wasi_unstable" else imp.fn
    f.ctx = w2p_wasi_ctx(ws.w)
    f.entry = td.entry
    f.pycall = td.pycall
    f.index = index
    return f


cdef int wasi_attach_memory(WasiState ws, dict export_index, list memories) except -1:
    """The memory the WASI calls use: the instance's export "memory", else its first
    memory (imported or not), else none (every pointer is then EFAULT)."""
    found = export_index.get("memory")
    memory = memories[found[1]] if found is not None and found[0] == 2 else memories[0] if memories else None
    if memory is not None:
        ws.keep.append(memory)  # a re-exported WASI function may outlive the instance
        w2p_wasi_set_memory(ws.w, &(<Memory>memory).mem)
    return 0


cdef int raise_wasi_exit() except -1:
    raise WasiExit(w2p_wasi_exit_code())
