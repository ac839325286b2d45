# Function (a Wasm function called from Python) and HostFunction (a Python callable imported).
# Part of the runtime module: included by shim/runtime.pyx.

cdef enum:
    MAX_STACK_VALS = 16


cdef extern from "w2p_shim.h":
    ctypedef object (*w2p_vectorcallfunc)(object callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
    void w2p_enable_vectorcall(object type, Py_ssize_t offset)
    object w2p_subclass(object base, const char *qualified_name, const char *doc)  # doc may be NULL
    bint PyLong_CheckExact(object x)
    bint PyFloat_CheckExact(object x)
    long long PyLong_AsLongLongAndOverflow(object x, int *overflow) except? -1
    double PyFloat_AsDouble(object x) except? -1.0
    Py_ssize_t PyNumber_AsSsize_t(object x, PyObject *exc) except? -1


cdef extern from "w2p_pycall.h":
    enum: W2P_FAST_MAX_PARAMS
    PyObject *W2P_CALL_GENERAL
    Py_ssize_t w2p_vectorcall_nargs(size_t nargsf)
    object w2p_function_vectorcall(object self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
    ctypedef int (*w2p_host_result_fn)(w2p_host_func *self, object result, w2p_val *out) except -1
    ctypedef int (*w2p_host_exhausted_fn)() except -1
    ctypedef int (*w2p_host_call_fn)(w2p_host_func *self, w2p_val *vals) except -1
    void w2p_host_call_init(w2p_host_result_fn result_general, w2p_host_exhausted_fn exhausted,
                            w2p_host_call_fn call_general)
    int w2p_host_call_slow(w2p_host_func *self, w2p_val *vals) except -1
    bint w2p_host_fast_type(const w2p_functype *t)
    int w2p_host_call_fast(w2p_host_func *self, w2p_val *vals) except -1
    PyObject *w2p_fast_call(const w2p_func *f, PyObject *const *args, Py_ssize_t nargs, int *kind,
                            const char **where)
    object w2p_steal(PyObject *o)


cdef class Function


cdef inline int _made(Function fn) except -1:
    """Raises unless fn came from an instance (not from Function.__new__ alone). Not a
    method: a cdef method would put a vtable pointer first in every Function."""
    if fn.f == NULL:
        raise TypeError("a Function comes from an instance's exports or a table, not from Function.__new__")
    return 0


cdef class Function:
    """A WebAssembly function (an export, or a funcref): call it like a Python function."""
    cdef w2p_vectorcallfunc vectorcall
    cdef const w2p_func *f
    cdef object owner  # keeps f alive: its InstanceState or HostFunction

    def __call__(self, *args):
        # Under the limited API (no vectorcall) every call comes here: a vector of the
        # tuple's items (borrowed) for the fast path. So do calls of an unmade Function
        # (its vectorcall is NULL).
        cdef PyObject *argv[W2P_FAST_MAX_PARAMS]
        cdef Py_ssize_t i, n = len(args)
        _made(self)
        if n > W2P_FAST_MAX_PARAMS:
            return call_function(self, args, NULL, n, False)
        for i in range(n):
            argv[i] = PyTuple_GetItem(args, i)
        return call_fast(self, args, argv, n)

    def call_values(self, *args):
        """Calls the function; the results come back as a tuple of bit-exact Values."""
        _made(self)
        return call_function(self, args, NULL, len(args), True)

    @property
    def type(self):
        """(params, results), each a tuple of type names."""
        _made(self)
        t = type_of(self.f.type)
        return (t.params, t.results)

    def __repr__(self):
        if self.f == NULL:
            return "<wasm function (none)>"
        t = type_of(self.f.type)
        owner = self.owner
        label = ((<InstanceState>owner).info.func_label(self.f.index) if isinstance(owner, InstanceState)
                 else f"(host) {(<HostFunction>owner).callable!r}")
        return f"<wasm function {label} [{' '.join(t.params)}] -> [{' '.join(t.results)}]>"

    @property
    def __signature__(self):
        """For inspect.signature and help(): positional parameters annotated with their
        Wasm types, named as the name section names them, else a0, a1, ..."""
        import inspect
        _made(self)
        t = type_of(self.f.type)
        owner = self.owner
        names = (<InstanceState>owner).info.param_names(self.f.index) if isinstance(owner, InstanceState) else None
        names = names or [f"a{i}" for i in range(len(t.params))]
        params = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_ONLY, annotation=p)
                  for name, p in zip(names, t.params)]
        result = (None if not t.results else t.results[0] if len(t.results) == 1
                  else f"tuple[{', '.join(t.results)}]")
        return inspect.Signature(params, return_annotation=result)

    def __eq__(self, other):
        return isinstance(other, Function) and (<Function>other).f == self.f

    def __hash__(self):
        return hash(<uintptr_t>self.f)


cdef Function function_of(const w2p_func *f):
    cdef Function fn = Function.__new__(Function)
    # The module's vectorcall for the function's type where it has one, else the
    # runtime's, which serves every type.
    if f.pycall != NULL:
        fn.vectorcall = <w2p_vectorcallfunc>f.pycall
    else:
        fn.vectorcall = <w2p_vectorcallfunc>w2p_function_vectorcall
    fn.f = f
    fn.owner = <object>f.ctx.owner
    return fn


cdef object function_general_call(object self, PyObject *const *args, size_t nargsf, PyObject *kwnames):
    """w2p_api.general_call: what the vectorcalls (each module's, and the runtime's
    w2p_function_vectorcall) leave to the general path."""
    if kwnames != NULL and len(<object>kwnames):
        raise TypeError("WebAssembly functions take no keyword arguments")
    return call_function(<Function>self, None, args, w2p_vectorcall_nargs(nargsf), False)


cdef object function_trap(object self, int kind, const char *where):
    """w2p_api.raise_trap: raises the Trap (or the host function's exception) of a call."""
    check_trap(kind, where, (<Function>self).owner)


cdef inline object call_fast(Function fn, tuple arg_tuple, PyObject *const *args, Py_ssize_t nargs):
    """A call by the fast path (w2p_pycall.h) when it takes it, else by the general one."""
    cdef int kind
    cdef const char *where = NULL
    cdef PyObject *r = w2p_fast_call(fn.f, args, nargs, &kind, &where)
    if r == W2P_CALL_GENERAL:
        return call_function(fn, arg_tuple, args, nargs, False)
    if r == NULL and kind != W2P_TRAP_NONE:
        check_trap(kind, where, fn.owner)
    return w2p_steal(r)


cdef inline int arg_to_val(object x, char t, w2p_val *out, Function fn) except -1:
    """Python -> Wasm for an argument: exact ints and floats straight through C, the rest
    (Values, references, subclasses, out-of-range ints: errors) by to_val."""
    cdef long long v
    cdef int overflow = 0
    if t == b'i' and PyLong_CheckExact(x):
        v = PyLong_AsLongLongAndOverflow(x, &overflow)
        if not overflow and I32_LOW <= v <= I32_HIGH:
            out.i32 = <uint32_t>v
            return 0
    elif t == b'I' and PyLong_CheckExact(x):
        v = PyLong_AsLongLongAndOverflow(x, &overflow)
        if not overflow:
            out.i64 = <uint64_t>v
            return 0
    elif t == b'F' and PyFloat_CheckExact(x):
        out.f64 = PyFloat_AsDouble(x)
        return 0
    elif t == b'f' and PyFloat_CheckExact(x):
        out.f32 = <float>PyFloat_AsDouble(x)
        return 0
    owner = fn.owner
    return to_val(x, t, out, (<InstanceState>owner).pool if isinstance(owner, InstanceState) else None,
                  fn.f.ctx.monitor)


cdef object call_function(Function fn, tuple arg_tuple, PyObject *const *args, Py_ssize_t nargs, bint values):
    """Calls fn with arguments from a tuple or else a vector; its result(s) as Python
    values, or as a tuple of Values."""
    cdef const w2p_functype *ft = fn.f.type
    cdef w2p_val stack_vals[MAX_STACK_VALS]
    cdef w2p_val *vals
    cdef Py_ssize_t n = ft.num_params if ft.num_params > ft.num_results else ft.num_results
    if nargs != ft.num_params:
        raise TypeError(f"{fn!r} takes {ft.num_params} argument(s), got {nargs}")
    if n <= MAX_STACK_VALS:
        return call_with(fn, arg_tuple, args, stack_vals, values)
    vals = <w2p_val *>calloc(n, sizeof(w2p_val))
    if vals == NULL:
        raise MemoryError()
    try:
        return call_with(fn, arg_tuple, args, vals, values)
    finally:
        free(vals)


cdef inline object call_with(Function fn, tuple arg_tuple, PyObject *const *args, w2p_val *vals, bint values):
    cdef const char *sig = fn.f.type.sig
    cdef Py_ssize_t i
    if arg_tuple is not None:
        for i in range(len(arg_tuple)):
            arg_to_val(arg_tuple[i], sig[i], &vals[i], fn)
    else:
        for i in range(fn.f.type.num_params):
            arg_to_val(<object>args[i], sig[i], &vals[i], fn)
    return invoke(fn, vals, values)


cdef inline object invoke(Function fn, w2p_val *vals, bint values):
    """The call, arguments in vals; results over them, returned."""
    cdef const w2p_functype *ft = fn.f.type
    cdef const char *sig
    cdef const char *where = NULL
    cdef Py_ssize_t i
    cdef int kind = w2p_call(fn.f, vals, vals, &where)
    if kind != W2P_TRAP_NONE:
        check_trap(kind, where, fn.owner)
    sig = ft.sig + ft.num_params + 1
    if values:
        return tuple([value_of(&vals[i], sig[i]) for i in range(ft.num_results)])
    if ft.num_results == 1:
        if sig[0] == b'i':
            return <int32_t>vals[0].i32
        return from_val(&vals[0], sig[0])
    if ft.num_results == 0:
        return None
    return tuple([from_val(&vals[i], sig[i]) for i in range(ft.num_results)])


cdef class HostFunction:
    """A Python callable imported as a Wasm function of a given type."""
    cdef w2p_host_func host
    cdef w2p_func func
    cdef object callable
    cdef FuncType type
    cdef dict pool

    def __repr__(self):
        return f"<host function {self.callable!r} {self.type!r}>"


ctypedef int (*host_call_fn)(w2p_host_func *, w2p_val *) noexcept


cdef int host_stack_exhausted() except -1:
    raise Trap("call stack exhausted", "call stack exhausted (calling a host function)")


cdef int host_result(w2p_host_func *self, object result, w2p_val *out) except -1:
    """A host function's single result, where w2p_host_call_fast cannot take it."""
    cdef HostFunction hf = <HostFunction><object>self.ctx.owner
    return to_val(result, hf.type.sig[len(hf.type.params) + 1], out, hf.pool, w2p_monitor_current())


cdef int host_call(w2p_host_func *self, w2p_val *vals) except -1:
    """The w2p_host_func.call of host functions w2p_host_call_fast does not take: on a
    Python exception it returns -1 with the exception set, and the trampoline unwinds to
    the boundary, which re-raises it."""
    cdef char here
    cdef HostFunction hf = <HostFunction><object>self.ctx.owner
    cdef FuncType t = hf.type
    cdef const char *sig = t.sig
    cdef Py_ssize_t np = len(t.params), nr = len(t.results), i
    cdef int outside = w2p_host_enter(&here)
    if outside < 0:
        return host_stack_exhausted()
    try:
        args = [from_val(&vals[i], sig[i]) for i in range(np)]
        result = hf.callable(*args)
        if nr == 0:
            return 0
        if nr == 1:
            return to_val(result, sig[np + 1], &vals[0], hf.pool, w2p_monitor_current())
        result = tuple(result)
        if len(result) != nr:
            raise TypeError(f"host function {hf.callable!r} returned {len(result)} values, expected {nr}")
        for i in range(nr):
            to_val(result[i], sig[np + 1 + i], &vals[i], hf.pool, w2p_monitor_current())
        return 0
    finally:
        w2p_host_leave(outside)


w2p_host_call_init(host_result, host_stack_exhausted, host_call)


cdef HostFunction make_host_function(object callable, FuncType t, const w2p_type_desc *td):
    cdef HostFunction hf = HostFunction.__new__(HostFunction)
    hf.callable = callable
    hf.type = t
    hf.pool = {}
    hf.host.ctx.trap = w2p_trap_unwind
    hf.host.ctx.owner = <void *>hf
    hf.host.call = <host_call_fn>(w2p_host_call_fast if w2p_host_fast_type(&t.ft) else w2p_host_call_slow)
    hf.host.callable = <void *>callable
    hf.host.type = &t.ft
    hf.func.type = &t.ft
    hf.func.fn = td.host_trampoline
    hf.func.ctx = &hf.host.ctx
    hf.func.entry = td.entry
    hf.func.pycall = td.pycall
    return hf
