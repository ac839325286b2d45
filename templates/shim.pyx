# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, embedsignature=True, binding=False, auto_pickle=False
"""The wasm2pyext runtime module: the Python face of every built module.

Generic (nothing here depends on a particular Wasm module): translated by Cython and
compiled once, then linked into every built module and into wasm2pyext itself. The
first copy loaded in a process registers itself in sys.modules as _wasm2pyext_rt_<ABI>
(runtime_c/w2p_glue.c) and all others use it, so every built module shares these classes.

A generated module describes itself with a w2p_module (runtime_c/w2p_rt.h);
create_module() turns that into a Python module whose Instance class instantiates it.
"""
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy, strcmp
from cpython.buffer cimport PyBuffer_FillInfo
from cpython.bytes cimport PyBytes_AsString, PyBytes_FromStringAndSize
from cpython.bytearray cimport PyByteArray_AsString
from cpython.dict cimport PyDict_GetItemWithError
from cpython.object cimport PyObject_GenericGetAttr
from cpython.pycapsule cimport PyCapsule_New
from cpython.slice cimport PySlice_AdjustIndices, PySlice_Unpack
from cpython.ref cimport PyObject, Py_INCREF
from cpython.tuple cimport PyTuple_GetItem

from w2p_rt cimport *

import sys as _sys
import types as _types

RUNTIME_NAME = __name__

# ======== Errors ========

cdef extern from "w2p_errors.h":
    enum:
        W2P_ERROR, W2P_LINK_ERROR, W2P_TRAP
    object w2p_error_class(int which, object base)

# One Error in a process: wasm2pyext's, when it was imported first (its front end's
# CompileError derives from it), else this runtime's own (wasm2pyext/errors.py then takes
# it). A built module needs no wasm2pyext: nothing here imports it.
_front_end_errors = _sys.modules.get("wasm2pyext.errors")
Error = (_front_end_errors.Error if _front_end_errors is not None and hasattr(_front_end_errors, "Error")
         else w2p_error_class(W2P_ERROR, Exception))
LinkError = w2p_error_class(W2P_LINK_ERROR, Error)
Trap = w2p_error_class(W2P_TRAP, Error)

TRAP_KINDS = tuple([w2p_trap_kind_name(k).decode() for k in range(W2P_TRAP_UNREACHABLE, W2P_TRAP_OUT_OF_FUEL + 1)])

# ======== Control: groups, interruption, deadlines ========

cdef extern from "w2p_control.h":
    w2p_monitor *w2p_monitor_new()
    void w2p_monitor_decref(w2p_monitor *m)
    int w2p_monitor_join(w2p_monitor *a, w2p_monitor *b) except -1
    int w2p_monitor_interrupt(w2p_monitor *m)
    w2p_monitor *w2p_monitor_current()
    int w2p_call(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where)
    void w2p_hold_gil()
    void w2p_control_init()


cdef w2p_monitor *new_group() except NULL:
    """A monitor of its own, for an instance or a memory, table or global: one thread at a
    time runs the code of each group of them that are linked (runtime_c/w2p_control.h)."""
    cdef w2p_monitor *m = w2p_monitor_new()
    if m == NULL:
        raise MemoryError()
    return m


cdef int join_groups(w2p_monitor *a, w2p_monitor *b) except -1:
    """Links two groups (waiting while another thread runs either); NULL is no group."""
    if a != NULL and b != NULL:
        w2p_monitor_join(a, b)
    return 0


cdef class deadline:
    """with wasm2pyext.deadline(seconds): Wasm code that this thread runs in the block
    traps with kind "interrupted" once `seconds` have passed (within a millisecond or
    two: the runtime's watchdog looks every millisecond). Blocks nest: the earlier
    deadline holds."""
    cdef int64_t seconds_ns
    cdef int64_t before

    def __init__(self, seconds):
        if not isinstance(seconds, (int, float)) or not seconds >= 0:
            raise ValueError(f"a deadline is a number of seconds >= 0, not {seconds!r}")
        self.seconds_ns = <int64_t>min(float(seconds) * 1e9, 1e17)

    def __enter__(self):
        self.before = w2p_deadline()
        cdef int64_t at = w2p_now() + self.seconds_ns
        w2p_set_deadline(at if self.before == 0 or at < self.before else self.before)
        return self

    def __exit__(self, *exc):
        w2p_set_deadline(self.before)
        return False


w2p_control_init()

# ======== Types ========

_TYPE_NAMES = {ord("i"): "i32", ord("I"): "i64", ord("f"): "f32", ord("F"): "f64", ord("V"): "v128",
               ord("r"): "funcref", ord("x"): "externref"}
_TYPE_CHARS = {v: k for k, v in _TYPE_NAMES.items()}
_VALTYPE_CHARS = {W2P_I32: ord("i"), W2P_I64: ord("I"), W2P_F32: ord("f"), W2P_F64: ord("F"),
                  W2P_V128: ord("V"), W2P_FUNCREF: ord("r"), W2P_EXTERNREF: ord("x")}


cdef class FuncType:
    """An interned function type: one object (and one C pointer) per distinct signature."""
    cdef w2p_functype ft
    cdef bytes sig
    cdef readonly tuple params
    cdef readonly tuple results

    def __repr__(self):
        return f"FuncType({list(self.params)} -> {list(self.results)})"


cdef dict _interned = {}


cdef FuncType intern_type(bytes sig):
    cdef FuncType t = _interned.get(sig)
    if t is None:
        t = FuncType.__new__(FuncType)
        params, results = sig.split(b">")
        t.sig = sig
        t.params = tuple([_TYPE_NAMES[c] for c in params])
        t.results = tuple([_TYPE_NAMES[c] for c in results])
        t.ft.sig = t.sig
        t.ft.num_params = len(params)
        t.ft.num_results = len(results)
        _interned[sig] = t
    return t


cdef inline FuncType type_of(const w2p_functype *ft):
    return _interned[<bytes>ft.sig]


# ======== Values ========

cdef uint64_t _MASK32 = 0xFFFFFFFF


# Value's constructors (Value.i32 and the rest; see there).
def i32(x):
    """An i32 Value from an int, signed or unsigned (-2**31 <= x < 2**32)."""
    return _int_value("i32", x, 32)

def i64(x):
    """An i64 Value from an int, signed or unsigned (-2**63 <= x < 2**64)."""
    return _int_value("i64", x, 64)

def f32(x):
    """An f32 Value: x rounded to single precision."""
    cdef float f = <float>float(x)
    cdef uint32_t u
    memcpy(&u, &f, 4)
    return _bits_value("f32", u)

def f64(x):
    """An f64 Value from a float (or an int)."""
    cdef double d = float(x)
    cdef uint64_t u
    memcpy(&u, &d, 8)
    return _bits_value("f64", u)

def f32_bits(n):
    """The f32 Value whose bit pattern is n (0 <= n < 2**32: any NaN payload)."""
    return _bits_value("f32", _check_range(n, 0, _pow2(32)))

def f64_bits(n):
    """The f64 Value whose bit pattern is n (0 <= n < 2**64: any NaN payload)."""
    return _bits_value("f64", _check_range(n, 0, _pow2(64)))

def v128(x):
    """A v128 Value from an int (0 <= x < 2**128) or 16 bytes (lane 0 first)."""
    return _ref_value("v128", _v128_int(x))

def funcref(f):
    """A funcref Value: a Function, or None for the null reference."""
    if f is not None and not isinstance(f, Function):
        raise TypeError(f"a funcref is a Function or None, not {type(f).__name__}")
    return _ref_value("funcref", f)

def externref(obj):
    """An externref Value: any Python object, None being the null reference."""
    return _ref_value("externref", obj)


cdef class Value:
    """A typed WebAssembly value: Value.i32(7) is I32(7)."""
    cdef readonly str type
    cdef uint64_t _bits
    cdef object _ref

    def __init__(self, *args, **kwargs):
        raise TypeError("make Values with Value.i32(x), .i64, .f32, .f64, .f32_bits, .f64_bits, "
                        ".v128, .funcref or .externref")

    # The constructors, defined above as builtin functions, which (unlike
    # Python functions) do not bind to an instance: they need no staticmethod(), whose
    # copying of names and docs cost about 7,000 instructions each at import.
    i32, i64, f32, f64 = i32, i64, f32, f64
    f32_bits, f64_bits, funcref, externref = f32_bits, f64_bits, funcref, externref
    v128 = v128  # its bits are an int, held in _ref

    @property
    def bits(self):
        """The value's bit pattern as an unsigned int (numbers only)."""
        if self.type == "v128":
            return self._ref
        if self._ref is not None or self.type in ("funcref", "externref"):
            raise TypeError(f"a {self.type} has no bits")
        return self._bits

    @property
    def value(self):
        """The Python value: a signed int, a float, or the referenced object."""
        cdef float f
        cdef double d
        cdef uint32_t u32
        if self.type == "i32":
            return <int32_t><uint32_t>self._bits
        if self.type == "i64":
            return <int64_t>self._bits
        if self.type == "f32":
            u32 = <uint32_t>self._bits
            memcpy(&f, &u32, 4)
            return f
        if self.type == "f64":
            memcpy(&d, &self._bits, 8)
            return d
        return self._ref

    def __repr__(self):
        if self.type == "f32":
            return f"F32({_f32_text(self.value)})"
        return f"{self.type.capitalize()}({self.value!r})"

    def __eq__(self, other):
        if not isinstance(other, Value):
            return NotImplemented
        cdef Value o = other
        if self.type != o.type:
            return False
        if self.type in ("funcref", "externref", "v128"):
            return self._ref is o._ref or self._ref == o._ref
        return self._bits == o._bits

    def __hash__(self):
        return hash((self.type, self._bits, self._ref if self.type == "v128" else id(self._ref)))

    def __reduce__(self):
        return _unpickle_value, (self.type, self._bits, self._ref)


def _unpickle_value(str type, bits, ref):
    """A pickled Value, bit-exact (an f32 NaN's payload survives), checked as Value's
    constructors check."""
    if type == "funcref":
        return Value.funcref(ref)
    if type == "externref":
        return Value.externref(ref)
    if type == "v128":
        return Value.v128(ref)
    if type not in ("i32", "i64", "f32", "f64"):
        raise ValueError(f"not a value type: {type!r}")
    return _bits_value(type, _check_range(bits, 0, _pow2(int(type[1:]))))


cdef str _f32_text(double x):
    """The shortest decimal that reads back as the same f32 (F32(7.42), not 7.4200000762...)."""
    cdef float f = <float>x
    if x != x or x in (float("inf"), float("-inf")):
        return repr(x)
    for digits in range(1, 10):
        text = f"{x:.{digits}g}"
        if <float>float(text) == f:
            return repr(float(text))
    return repr(x)


# Bounds of an int accepted for an i32 (signed or unsigned bits), as C constants: a
# literal this big would make the comparison a Python one.
cdef long long I32_LOW = -2147483648
cdef long long I32_HIGH = 4294967295


cdef object _check_range(object n, object low, object high):
    if not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if not low <= n < high:
        raise OverflowError(f"{n} is out of range [{low}, {high})")
    return n


cdef Value _bits_value(str t, uint64_t bits):
    cdef Value v = Value.__new__(Value)
    v.type = t
    v._bits = bits
    return v


cdef object _pow2(int n):
    """2**n as a Python int (a C shift would overflow)."""
    return (<object>1) << n


cdef Value _int_value(str t, object x, int width):
    """Signed or unsigned in, bits stored (I32(-1) and I32(0xFFFFFFFF) are equal)."""
    cdef long long v
    cdef int overflow = 0
    if PyLong_CheckExact(x):  # in C when it fits: no Python int arithmetic
        v = PyLong_AsLongLongAndOverflow(x, &overflow)
        if not overflow and (width == 64 or I32_LOW <= v <= I32_HIGH):
            return _bits_value(t, <uint64_t>v & (0xFFFFFFFFFFFFFFFF if width == 64 else 0xFFFFFFFF))
    _check_range(x, -_pow2(width - 1), _pow2(width))
    return _bits_value(t, x & (_pow2(width) - 1))


cdef object _v128_int(object x):
    """A v128's bits from an int (0 <= x < 2**128) or 16 bytes (little-endian lanes)."""
    if isinstance(x, (bytes, bytearray, memoryview)):
        raw = bytes(x)
        if len(raw) != 16:
            raise ValueError(f"a v128 is 16 bytes, got {len(raw)}")
        return int.from_bytes(raw, "little")
    return _check_range(x, 0, _pow2(128))


cdef Value _ref_value(str t, object obj):
    cdef Value v = Value.__new__(Value)
    v.type = t
    v._ref = obj
    return v


# A pool: the references that crossed from Python into Wasm, kept alive while what may
# hold them (an instance and everything linked with it) is alive; a dict by id.
cdef inline int pool_keep(dict pool, object obj) except -1:
    if pool is not None and obj is not None:
        pool[id(obj)] = obj
    return 0


cdef int to_val(object x, int t, w2p_val *out, dict pool, w2p_monitor *group) except -1:
    """Python -> Wasm value of type t (a signature char); ints are cast, Values checked.
    A function reference going into a group (of the instance called, the table or global
    set) links its own instance's group with it: Wasm code may call it from there."""
    cdef Value v
    if type(x) is Value:
        v = <Value>x
        if _TYPE_CHARS[v.type] != t:
            raise TypeError(f"expected a {_TYPE_NAMES[t]} value, got {v!r}")
        if t == ord("r") or t == ord("x") or t == ord("V"):
            x = v._ref
        else:
            out.i64 = v._bits
            if t == ord("i") or t == ord("f"):
                out.i32 = <uint32_t>v._bits
            return 0
    if t == ord("i"):
        if not isinstance(x, int):
            raise TypeError(f"expected an int for an i32, got {type(x).__name__}")
        if not -0x80000000 <= x <= 0xFFFFFFFF:
            raise OverflowError(f"{x} does not fit an i32")
        out.i32 = <uint32_t>(x & 0xFFFFFFFF)
    elif t == ord("I"):
        if not isinstance(x, int):
            raise TypeError(f"expected an int for an i64, got {type(x).__name__}")
        if not -0x8000000000000000 <= x <= 0xFFFFFFFFFFFFFFFF:
            raise OverflowError(f"{x} does not fit an i64")
        out.i64 = <uint64_t>(x & 0xFFFFFFFFFFFFFFFF)
    elif t == ord("f"):
        if not isinstance(x, (int, float)):
            raise TypeError(f"expected a float for an f32, got {type(x).__name__}")
        out.f32 = <float>float(x)
    elif t == ord("F"):
        if not isinstance(x, (int, float)):
            raise TypeError(f"expected a float for an f64, got {type(x).__name__}")
        out.f64 = float(x)
    elif t == ord("V"):
        raw = _v128_int(x).to_bytes(16, "little")
        memcpy(out.v128, <const char *>raw, 16)
    elif t == ord("r"):
        if x is None:
            out.ref = NULL
        elif isinstance(x, Function):
            out.ref = <void *>(<Function>x).f
            join_groups(group, (<Function>x).f.ctx.monitor)
            pool_keep(pool, x)
        else:
            raise TypeError(f"expected a Function or None for a funcref, got {type(x).__name__}")
    else:
        out.ref = NULL if x is None else <void *>x
        pool_keep(pool, x)
    return 0


cdef object from_val(const w2p_val *v, int t):
    """Wasm value of type t -> Python."""
    if t == ord("i"):
        return <int32_t>v.i32
    if t == ord("I"):
        return <int64_t>v.i64
    if t == ord("f"):
        return v.f32
    if t == ord("F"):
        return v.f64
    if t == ord("V"):
        return int.from_bytes((<const char *>v.v128)[:16], "little")
    if v.ref == NULL:
        return None
    if t == ord("r"):
        return function_of(<const w2p_func *>v.ref)
    return <object>v.ref


cdef Value value_of(const w2p_val *v, int t):
    """Wasm value of type t -> a bit-exact Value."""
    if t == ord("i") or t == ord("f"):
        return _bits_value(_TYPE_NAMES[t], v.i32)
    if t == ord("I") or t == ord("F"):
        return _bits_value(_TYPE_NAMES[t], v.i64)
    return _ref_value(_TYPE_NAMES[t], from_val(v, t))


# ======== Traps ========

cdef object trap_error(int kind, const char *where, object instance):
    name = kind_name = w2p_trap_kind_name(kind).decode()
    if where != NULL:
        name = ((<InstanceState>instance).info.display_name(where) if isinstance(instance, InstanceState)
                else where.decode())
        return Trap(kind_name, f"{kind_name} (in wasm function {name})")
    return Trap(kind_name)


cdef int raise_pending() except -1:
    """Re-raises the exception a host function raised (still set in the thread state)."""
    return -1


cdef int check_trap(int kind, const char *where, object instance) except -1:
    if kind == W2P_TRAP_NONE:
        return 0
    if kind == W2P_TRAP_HOST_EXCEPTION:
        return raise_pending()
    if kind == W2P_TRAP_WASI_EXIT:
        return raise_wasi_exit()
    raise trap_error(kind, where, instance)


# ======== Functions ========

cdef enum:
    MAX_STACK_VALS = 16


cdef extern from *:
    """
    /* Calls of Function objects take vectorcall (PEP 590), no argument tuple, where the
       full C API allows it; under the limited API they go through tp_call. */
    static void w2p_enable_vectorcall(PyObject *type, Py_ssize_t offset)
    {
    #if !CYTHON_COMPILING_IN_LIMITED_API
        ((PyTypeObject *)type)->tp_vectorcall_offset = offset;
        ((PyTypeObject *)type)->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
    #else
        (void)type;
        (void)offset;
    #endif
    }

    /* A subclass `qualified_name` of `base` with the doc string `doc` (both copied):
       PyType_FromSpec costs a seventh of what type() does. */
    static PyObject *w2p_subclass(PyObject *base, const char *qualified_name, const char *doc)
    {
        PyType_Slot slots[] = {{Py_tp_doc, (void *)doc}, {0, NULL}};
        PyType_Spec spec = {qualified_name, 0, 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots};
        return PyType_FromSpecWithBases(&spec, base);
    }

    /* instance.exports as a member descriptor in place of the property Cython makes:
       CPython 3.11 specialises attribute loads of member descriptors, not of properties
       (27 ns as a property). Under the limited API the property stays. */
    #if !CYTHON_COMPILING_IN_LIMITED_API
    #include "structmember.h"
    static PyMemberDef w2p_exports_member = {"exports", T_OBJECT_EX, 0, READONLY,
                                             "The exports, by name: exports.sum, exports['any name']."};
    #endif
    static int w2p_exports_as_member(PyObject *type, Py_ssize_t offset)
    {
    #if !CYTHON_COMPILING_IN_LIMITED_API
        PyTypeObject *t = (PyTypeObject *)type;
        w2p_exports_member.offset = offset;
        PyObject *descr = PyDescr_NewMember(t, &w2p_exports_member);
        if (descr == NULL)
            return -1;
        int r = PyDict_SetItemString(t->tp_dict, "exports", descr);
        Py_DECREF(descr);
        PyType_Modified(t);
        return r;
    #else
        (void)type;
        (void)offset;
        return 0;
    #endif
    }

    /* PEP 590's vectorcallfunc, which the 3.11 limited API does not declare. */
    typedef PyObject *(*w2p_vectorcallfunc)(PyObject *, PyObject *const *, size_t, PyObject *);
    """
    ctypedef object (*w2p_vectorcallfunc)(object callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
    void w2p_enable_vectorcall(object type, Py_ssize_t offset)
    int w2p_exports_as_member(object type, Py_ssize_t offset) except -1
    object w2p_subclass(object base, const char *qualified_name, const char *doc)
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
        """For inspect.signature and help(): positional parameters a0, a1, ... (Wasm has
        no parameter names), annotated with their Wasm types."""
        import inspect
        _made(self)
        t = type_of(self.f.type)
        params = [inspect.Parameter(f"a{i}", inspect.Parameter.POSITIONAL_ONLY, annotation=p)
                  for i, p in enumerate(t.params)]
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


# ======== Memories ========

cdef uint32_t PAGE = 65536
cdef uint32_t MAX_PAGES = 65536

# What this process lets Wasm have (set_limits): pages of one memory, elements of one table,
# and live instances. A memory or table is made with its maximum capped at the limit (what
# memory.grow and table.grow may reach); one that starts beyond it is a MemoryError.
cdef dict _limits = {"memory_pages": MAX_PAGES, "table_elements": 10_000_000, "instances": None}
cdef Py_ssize_t _live_instances = 0


def set_limits(*, memory_pages=None, table_elements=None, instances=None):
    """Limits on what Wasm may take in this process, for memories and tables made from now
    on and instances made from now on: pages of one memory (at most 65,536), elements of
    one table (at most 10,000,000), live instances (None: any number). Arguments left None
    stay as they are, but instances=0 lifts that limit. Returns the limits before."""
    before = dict(_limits)
    if memory_pages is not None:
        _limits["memory_pages"] = _check_range(memory_pages, 0, MAX_PAGES + 1)
    if table_elements is not None:
        _limits["table_elements"] = _check_range(table_elements, 0, 10_000_001)
    if instances is not None:
        _limits["instances"] = _check_range(instances, 0, _pow2(62)) or None
    return before


cdef uint32_t _capped(str what, uint32_t minimum, object maximum, uint32_t limit) except? 0xFFFFFFFF:
    """A maximum capped at the process's limit; MemoryError when even `minimum` exceeds it."""
    if minimum > limit:
        raise MemoryError(f"{what} of {minimum} exceeds this process's limit of {limit} (wasm2pyext.set_limits)")
    return limit if maximum is None or maximum > limit else maximum


cdef class Memory:
    """A linear memory: Memory(minimum, maximum=None) in 64 KiB pages."""
    cdef w2p_memory mem
    cdef readonly object maximum
    cdef w2p_monitor *group  # of the instances that share it

    def __cinit__(self):
        self.group = new_group()

    def __init__(self, minimum, maximum=None):
        _check_range(minimum, 0, MAX_PAGES + 1)
        if maximum is not None:
            _check_range(maximum, minimum, MAX_PAGES + 1)
        self.maximum = maximum
        cdef uint32_t cap = _capped("a memory", minimum, maximum, _limits["memory_pages"])
        if w2p_memory_init(&self.mem, minimum, cap) != 0:
            raise MemoryError(f"cannot reserve a memory of up to {maximum} pages")

    def __dealloc__(self):
        w2p_memory_free(&self.mem)
        w2p_monitor_decref(self.group)

    @property
    def size(self):
        """Size in pages."""
        return self.mem.pages

    @property
    def data_size(self):
        """Size in bytes."""
        return self.mem.size

    def grow(self, pages):
        """Grows by `pages`; returns the previous size in pages."""
        _check_range(pages, 0, _pow2(32))
        old = w2p_memory_grow(&self.mem, pages)
        if old == 0xFFFFFFFF:
            raise Error(f"cannot grow the memory from {self.mem.pages} by {pages} pages")
        return old

    @property
    def buffer(self):
        """A writable memoryview of the whole memory (zero-copy)."""
        return memoryview(self)

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        PyBuffer_FillInfo(buffer, self, self.mem.data, <Py_ssize_t>self.mem.size, 0, flags)

    def __releasebuffer__(self, Py_buffer *buffer):
        pass

    def uint8_view(self, offset=0):
        return MemoryView._make(self, offset, ord("B"))

    def int8_view(self, offset=0):
        return MemoryView._make(self, offset, ord("b"))

    def uint16_view(self, offset=0):
        return MemoryView._make(self, offset, ord("H"))

    def int16_view(self, offset=0):
        return MemoryView._make(self, offset, ord("h"))

    def uint32_view(self, offset=0):
        return MemoryView._make(self, offset, ord("I"))

    def int32_view(self, offset=0):
        return MemoryView._make(self, offset, ord("i"))

    def uint64_view(self, offset=0):
        return MemoryView._make(self, offset, ord("Q"))

    def int64_view(self, offset=0):
        return MemoryView._make(self, offset, ord("q"))

    def float32_view(self, offset=0):
        return MemoryView._make(self, offset, ord("f"))

    def float64_view(self, offset=0):
        return MemoryView._make(self, offset, ord("d"))

    def __repr__(self):
        return f"<wasm memory {self.mem.pages} pages, max {self.maximum}>"


cdef int _view_size(int code):
    if code == ord("B") or code == ord("b"):
        return 1
    if code == ord("H") or code == ord("h"):
        return 2
    if code == ord("I") or code == ord("i") or code == ord("f"):
        return 4
    return 8


cdef class MemoryView:
    """Typed, little-endian elements of a memory from a byte offset; it follows the memory
    as it grows."""
    cdef Memory memory
    cdef uint64_t offset
    cdef int code
    cdef readonly int bytes_per_element

    @staticmethod
    cdef MemoryView _make(Memory memory, object offset, int code):
        cdef int overflow = 0
        # An exact int is checked in C; anything else (or out of range: it raises, with
        # the message of every range check) by _check_range.
        cdef long long start = PyLong_AsLongLongAndOverflow(offset, &overflow) if PyLong_CheckExact(offset) else -1
        if overflow or not 0 <= start <= <long long>0xFFFFFFFF:
            _check_range(offset, 0, _pow2(32))
        cdef MemoryView v = MemoryView.__new__(MemoryView)
        v.memory = memory
        v.offset = offset
        v.code = code
        v.bytes_per_element = _view_size(code)
        return v

    cdef inline Py_ssize_t length(self):
        if self.memory is None:  # made by __new__ alone: a view of nothing
            return 0
        cdef uint64_t size = self.memory.mem.size
        return 0 if self.offset >= size else <Py_ssize_t>((size - self.offset) // self.bytes_per_element)

    def __len__(self):
        return self.length()

    cdef uint8_t *address(self, object index) except NULL:
        cdef Py_ssize_t n = self.length()
        cdef Py_ssize_t i
        if not isinstance(index, int):
            raise TypeError(f"view indices are ints, not {type(index).__name__}")
        i = PyNumber_AsSsize_t(index, NULL)  # a huge int is clipped: out of range all the same
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index out of range for a view of {n} elements")
        return self.memory.mem.data + self.offset + <uint64_t>i * self.bytes_per_element

    cdef object get(self, uint8_t *p):
        cdef int code = self.code
        cdef uint16_t u16
        cdef uint32_t u32
        cdef uint64_t u64
        cdef float f
        cdef double d
        if code == ord("B"):
            return p[0]
        if code == ord("b"):
            return <int8_t>p[0]
        if code == ord("H") or code == ord("h"):
            memcpy(&u16, p, 2)
            return u16 if code == ord("H") else <int16_t>u16
        if code == ord("I") or code == ord("i"):
            memcpy(&u32, p, 4)
            return u32 if code == ord("I") else <int32_t>u32
        if code == ord("f"):
            memcpy(&f, p, 4)
            return f
        if code == ord("d"):
            memcpy(&d, p, 8)
            return d
        memcpy(&u64, p, 8)
        return u64 if code == ord("Q") else <int64_t>u64

    cdef int put(self, uint8_t *p, object x) except -1:
        cdef int code = self.code
        cdef int size = self.bytes_per_element
        cdef uint64_t u
        cdef float f
        cdef double d
        if (code == ord("f") or code == ord("d")) and not isinstance(x, (int, float)):
            raise TypeError(f"expected a float, got {type(x).__name__}")
        if code == ord("f"):
            f = <float>float(x)
            memcpy(p, &f, 4)
            return 0
        if code == ord("d"):
            d = float(x)
            memcpy(p, &d, 8)
            return 0
        cdef long long v
        cdef int overflow = 0
        cdef bint signed = code in (ord("b"), ord("h"), ord("i"), ord("q"))
        if PyLong_CheckExact(x) and size < 8:
            # the common case in C: an exact int, checked against the element's range
            v = PyLong_AsLongLongAndOverflow(x, &overflow)
            if not overflow and (-(1LL << (8 * size - 1)) <= v < (1LL << (8 * size - 1)) if signed
                                 else 0 <= v < (1LL << (8 * size))):
                u = <uint64_t>v
                memcpy(p, &u, size)  # little-endian hosts: the low bytes come first
                return 0
        if signed:
            _check_range(x, -_pow2(8 * size - 1), _pow2(8 * size - 1))
        else:
            _check_range(x, 0, _pow2(8 * size))
        u = <uint64_t>(x & 0xFFFFFFFFFFFFFFFF)
        memcpy(p, &u, size)  # little-endian hosts: the low bytes come first
        return 0

    cdef Py_ssize_t slice_range(self, object index, Py_ssize_t *start, Py_ssize_t *step) except -1:
        """A slice's first element and step, within the view; returns its length."""
        cdef Py_ssize_t stop
        PySlice_Unpack(index, start, &stop, step)
        return PySlice_AdjustIndices(self.length(), start, &stop, step[0])

    cdef uint8_t *first(self, Py_ssize_t start):
        """The address of element `start`, within the view (a slice's start)."""
        return self.memory.mem.data + self.offset + <uint64_t>start * self.bytes_per_element

    def __getitem__(self, index):
        cdef Py_ssize_t start, step, count, k
        cdef uint8_t *p
        cdef list out
        if not isinstance(index, slice):
            return self.get(self.address(index))
        count = self.slice_range(index, &start, &step)
        p = self.first(start)
        if self.code == ord("B") and step == 1:
            # bytes -> list runs in C, with the interpreter's cached small ints
            return list(PyBytes_FromStringAndSize(<char *>p, count))
        out = [None] * count
        for k in range(count):
            out[k] = self.get(p)
            p += step * self.bytes_per_element
        return out

    def __setitem__(self, index, value):
        cdef uint64_t scratch
        cdef Py_ssize_t start, step, count, k
        cdef uint8_t *p
        cdef const char *raw
        if not isinstance(index, slice):
            self.put(self.address(index), value)
            return
        count = self.slice_range(index, &start, &step)
        if self.code == ord("B") and step == 1 and isinstance(value, (bytes, bytearray)):
            # bytes are unsigned bytes already: one copy (no typed memoryview: Cython's
            # would add its own types to every module's start-up)
            if len(value) != count:
                raise ValueError(f"cannot assign {len(value)} values to a slice of {count}")
            raw = PyBytes_AsString(value) if isinstance(value, bytes) else PyByteArray_AsString(value)
            if count:
                memcpy(self.first(start), raw, count)
            return
        values = list(value)
        if len(values) != count:
            raise ValueError(f"cannot assign {len(values)} values to a slice of {count}")
        for x in values:  # all checked before any is written: a bad value writes nothing
            self.put(<uint8_t *>&scratch, x)
        p = self.first(start)
        for k in range(count):
            self.put(p, values[k])
            p += step * self.bytes_per_element

    def __repr__(self):
        return f"<wasm memory view {chr(self.code)} at {self.offset}, {len(self)} elements>"


# ======== Globals ========

cdef class Global:
    """A global: Global(Value, mutable=False)."""
    cdef w2p_global cell
    cdef object ref  # the referenced object, for reference types
    cdef list linked  # instances that may have stored references in it
    cdef w2p_monitor *group  # of the instances that share it

    def __cinit__(self):
        self.group = new_group()

    def __dealloc__(self):
        w2p_monitor_decref(self.group)

    cdef bint holds_refs(self):
        return self.cell.type == ord("r") or self.cell.type == ord("x")

    def __init__(self, value, mutable=False):
        if not isinstance(value, Value):
            raise TypeError("a Global is made from a Value, e.g. Global(Value.i32(1))")
        self.cell.type = _TYPE_CHARS[(<Value>value).type]
        self.cell.mutable_ = bool(mutable)
        self.linked = []
        self._store(value)

    cdef int _store(self, object x) except -1:
        cdef w2p_val v
        to_val(x, self.cell.type, &v, None, self.group)
        self.cell.value = v
        if self.holds_refs():
            self.ref = (<Value>x)._ref if isinstance(x, Value) else x
        return 0

    @property
    def value(self):
        return from_val(&self.cell.value, self.cell.type)

    @value.setter
    def value(self, x):
        if not self.cell.mutable_:
            raise AttributeError("the global is immutable")
        self._store(x)

    @property
    def typed_value(self):
        """The value as a bit-exact Value."""
        return value_of(&self.cell.value, self.cell.type)

    @property
    def type(self):
        return _TYPE_NAMES[self.cell.type]

    @property
    def mutable(self):
        return bool(self.cell.mutable_)

    def __repr__(self):
        return f"<wasm global {'mut ' if self.cell.mutable_ else ''}{self.type} = {self.value!r}>"


cdef Global new_global(int type_char, bint mutable):
    cdef Global g = Global.__new__(Global)
    g.cell.type = type_char
    g.cell.mutable_ = mutable
    g.linked = []
    return g


# ======== Tables ========

cdef class Table:
    """A table of references: Table(minimum, maximum=None, element="funcref")."""
    cdef w2p_table table
    cdef readonly object maximum
    cdef dict pool
    cdef list linked  # instances that may have stored references in it
    cdef w2p_monitor *group  # of the instances that share it

    def __cinit__(self):
        self.group = new_group()

    def __init__(self, minimum, maximum=None, element="funcref"):
        if element not in ("funcref", "externref"):
            raise ValueError(f"a table holds funcref or externref, not {element!r}")
        _check_range(minimum, 0, _pow2(32))
        if maximum is not None:
            _check_range(maximum, minimum, _pow2(32))
        self._init(_TYPE_CHARS[element] == ord("r"), minimum, maximum)

    cdef int _init(self, bint funcref, uint32_t minimum, object maximum) except -1:
        self.maximum = maximum
        self.pool = {}
        self.linked = []
        elem = W2P_FUNCREF if funcref else W2P_EXTERNREF
        cdef uint32_t cap = _capped("a table", minimum, maximum, _limits["table_elements"])
        if w2p_table_init(&self.table, elem, minimum, cap) != 0:
            raise MemoryError(f"cannot allocate a table of {minimum} elements")
        return 0

    def __dealloc__(self):
        w2p_table_free(&self.table)
        w2p_monitor_decref(self.group)

    @property
    def element(self):
        return "funcref" if self.table.elem_type == W2P_FUNCREF else "externref"

    cdef int _char(self):
        return ord("r") if self.table.elem_type == W2P_FUNCREF else ord("x")

    def __len__(self):
        return self.table.size

    cdef uint32_t _index(self, object i) except? 0xFFFFFFFF:
        if not isinstance(i, int):
            raise TypeError(f"table indices are ints, not {type(i).__name__}")
        if i < 0:
            i += self.table.size
        if not 0 <= i < self.table.size:
            raise IndexError(f"index {i} out of range for a table of {self.table.size}")
        return i

    def __getitem__(self, i):
        cdef w2p_val v
        v.ref = self.table.elems[self._index(i)]
        return from_val(&v, self._char())

    def __setitem__(self, i, value):
        cdef w2p_val v
        cdef uint32_t k = self._index(i)
        to_val(value, self._char(), &v, self.pool, self.group)
        self.table.elems[k] = v.ref

    def grow(self, n, init=None):
        """Grows by n elements set to init; returns the previous size."""
        cdef w2p_val v
        _check_range(n, 0, _pow2(32))
        to_val(init, self._char(), &v, self.pool, self.group)
        old = w2p_table_grow(&self.table, n, v.ref)
        if old == 0xFFFFFFFF:
            raise Error(f"cannot grow the table from {self.table.size} by {n}")
        return old

    def __repr__(self):
        return f"<wasm table {self.element} size {self.table.size}, max {self.maximum}>"


# ======== Modules and instances ========

_KINDS = ("func", "table", "memory", "global")


cdef str _text(const char *s, uint32_t n):
    """A UTF-8 name of n bytes (it may hold NUL bytes)."""
    return s[:n].decode("utf-8")


cdef inline bint _is_dunder(str name):
    cdef Py_ssize_t n = len(name)
    return n >= 4 and name[0] == u"_" and name[1] == u"_" and name[n - 1] == u"_" and name[n - 2] == u"_"


cdef class ModuleInfo:
    """A generated module's description (w2p_module), with its interned types."""
    cdef const w2p_module *desc
    cdef list types  # FuncType by type index
    cdef dict names_by_c_name
    cdef readonly list imports
    cdef readonly list exports
    cdef dict export_index  # name -> (kind, index)

    cdef str func_label(self, uint32_t index):
        """How messages name a function: its name from the name section, else the first
        name it is exported under, with its index ('sum' (#3)); else func[3]."""
        cdef const w2p_func_desc *d = &self.desc.funcs[index]
        if d.name != NULL:
            return f"{d.name[:d.name_len].decode('utf-8', 'replace')!r} (#{index})"
        for name, (kind, i) in self.export_index.items():
            if kind == 0 and i == index:
                return f"{name!r} (#{index})"
        return f"func[{index}]"

    cdef str display_name(self, const char *c_name):
        """func_label of the function whose C name is c_name (what a trap reports)."""
        if self.names_by_c_name is None:
            self.names_by_c_name = {}
            for i in range(self.desc.num_funcs):
                if self.desc.funcs[i].c_name != NULL:
                    self.names_by_c_name[self.desc.funcs[i].c_name] = self.func_label(i)
        key = <bytes>c_name
        return self.names_by_c_name.get(key, key.decode("utf-8", "replace"))

    cdef object extern_type(self, int kind, uint32_t index):
        """An import's or export's type, as data."""
        cdef const w2p_limits *lim
        cdef const w2p_global_desc *g
        if kind == 0:
            t = <FuncType>self.types[self.desc.funcs[index].type]
            return (t.params, t.results)
        if kind == 1:
            lim = &self.desc.tables[index].limits
            elem = "funcref" if self.desc.tables[index].elem_type == W2P_FUNCREF else "externref"
            return (elem, lim.min, lim.max if lim.has_max else None)
        if kind == 2:
            lim = &self.desc.memories[index].limits
            return (lim.min, lim.max if lim.has_max else None)
        g = &self.desc.globals[index]
        return (_TYPE_NAMES[_VALTYPE_CHARS[g.type]], bool(g.mutable_))


cdef ModuleInfo make_info(const w2p_module *desc):
    cdef ModuleInfo info = ModuleInfo.__new__(ModuleInfo)
    cdef const w2p_extern_desc *e
    info.desc = desc
    if w2p_register_module(desc) != 0:
        raise MemoryError()
    info.types = [intern_type(<bytes>desc.types[i].sig) for i in range(desc.num_types)]
    info.imports = []
    for i in range(desc.num_imports):
        e = &desc.imports[i]
        info.imports.append((_text(e.module, e.module_len), _text(e.name, e.name_len), _KINDS[e.kind],
                             info.extern_type(e.kind, e.index)))
    info.exports = []
    info.export_index = {}
    for i in range(desc.num_exports):
        e = &desc.exports[i]
        # Interned, as the attribute names in code are: a lookup by one matches by identity.
        name = _sys.intern(_text(e.name, e.name_len))
        info.exports.append(("", name, _KINDS[e.kind], info.extern_type(e.kind, e.index)))
        info.export_index[name] = (e.kind, e.index)
    return info


cdef inline void **slot(w2p_ctx *inst, size_t offset):
    return <void **>(<char *>inst + offset)


cdef object lookup_import(object imports, str module, str name):
    try:
        return imports[module][name]
    except (KeyError, TypeError, IndexError):
        raise LinkError(f"unknown import: {module!r} {name!r}") from None


cdef int check_limits(str what, uint32_t size, object maximum, const w2p_limits *want) except -1:
    """An imported memory or table matches when it is at least as big and at most as
    growable as declared."""
    if size < want.min:
        raise LinkError(f"incompatible import type: {what} of size {size}, at least {want.min} required")
    if want.has_max and (maximum is None or maximum > want.max):
        raise LinkError(f"incompatible import type: {what} of maximum {maximum}, at most {want.max} required")
    return 0


include "wasi.pxi"


cdef w2p_monitor *group_of(object source):
    """The group an import's source belongs to (NULL: none, for a host function)."""
    if isinstance(source, InstanceState):
        return (<InstanceState>source).inst.monitor
    if isinstance(source, Memory):
        return (<Memory>source).group
    if isinstance(source, Table):
        return (<Table>source).group
    if isinstance(source, Global):
        return (<Global>source).group
    return NULL


cdef class InstanceState:
    """What an instance is made of: its C context, its functions, memories, tables and
    globals, and the references it holds. Its Functions keep it alive, and so do its
    Tables and Globals once they leave it; it refers to nothing that faces the user (the
    Instance, its Exports), so an instance that nothing links with is freed as soon as
    the last of those goes, not at the collector's next pass, which may come hundreds
    of instances and their memories later."""
    cdef w2p_ctx *inst
    cdef w2p_func *own_funcs
    cdef ModuleInfo info
    cdef list keep  # what the instance holds pointers into
    cdef list linked  # instances that imported something of this one
    cdef dict pool
    cdef list memories, tables, globals
    cdef WasiState wasi  # when the runtime provides WASI imports
    cdef bint counted  # among the live instances (set_limits)

    cdef int _instantiate(self, ModuleInfo info, object imports, object wasi) except -1:
        global _live_instances
        cdef const w2p_module *desc = info.desc
        cdef const char *where = NULL
        cdef uint32_t i
        limit = _limits["instances"]
        if limit is not None and _live_instances >= limit:
            raise Error(f"this process already has {_live_instances} live instances, its limit "
                        "(wasm2pyext.set_limits)")
        _live_instances += 1
        self.counted = True
        self.info = info
        self.keep = []
        self.linked = []
        self.pool = {}
        self.inst = <w2p_ctx *>calloc(1, desc.instance_size)
        self.own_funcs = <w2p_func *>calloc(max(desc.num_funcs - desc.num_imported_funcs, 1), sizeof(w2p_func))
        if self.inst == NULL or self.own_funcs == NULL:
            raise MemoryError()
        self.inst.trap = w2p_trap_unwind
        self.inst.owner = <void *>self
        self.inst.requests = &w2p_no_requests
        self.inst.poll = w2p_poll
        self.inst.monitor = new_group()
        self.inst.fuel = _FUEL_MAX  # built with fuel: unlimited until set (Instance.fuel)
        for i in range(desc.num_types):
            (<const w2p_functype **>slot(self.inst, desc.types_slot))[i] = &(<FuncType>info.types[i]).ft
        self._install_fault_handler()
        self._link(imports if imports is not None else {}, wasi)
        self._define()
        if self.wasi is not None:
            wasi_attach_memory(self.wasi, info.export_index, self.memories)
        if desc.flags & W2P_MODULE_GUARD_PAGES:
            for i in range(len(self.memories)):
                if not w2p_memory_guarded(&(<Memory>self.memories[i]).mem):
                    error = LinkError if i < desc.num_imported_memories else MemoryError
                    raise error(f"memory {i} has no guard pages (8 GiB of address space), which this module, "
                                "built without --bounds-checks, relies on")
        cdef w2p_func init = w2p_instantiation(desc, self.inst)
        kind = w2p_call(&init, NULL, NULL, &where)
        check_trap(kind, where, self)
        if self.wasi is not None and "_initialize" in info.export_index and "_start" not in info.export_index:
            self.export_object(0, info.export_index["_initialize"][1])()  # a WASI reactor
        return 0

    cdef int _install_fault_handler(self) except -1:
        """Guard-page modules need the runtime's fault handler; where it exists, modules
        built with bounds checks use it too, for stack exhaustion."""
        if not w2p_guard_pages_available():
            if self.info.desc.flags & W2P_MODULE_GUARD_PAGES:
                raise Error(f"module {self.info.desc.name.decode()!r} was built for guard pages, which this "
                            "platform lacks: build it with --bounds-checks")
            return 0
        if w2p_guard_pages_install() != 0:
            raise OSError("cannot install the runtime's fault handler")
        return 0

    cdef int _link(self, object imports, object wasi) except -1:
        cdef const w2p_module *desc = self.info.desc
        cdef uint32_t i
        cdef w2p_func **funcs = <w2p_func **>slot(self.inst, desc.funcs_slot)
        cdef Memory mem
        cdef Table tab
        cdef Global glob
        cdef Function fn
        cdef HostFunction hf
        cdef const w2p_extern_desc *e
        cdef const w2p_table_desc *td
        cdef const w2p_memory_desc *md
        cdef const w2p_global_desc *gd
        self.memories, self.tables, self.globals = [], [], []
        for i in range(desc.num_imports):
            e = &desc.imports[i]
            module, name = _text(e.module, e.module_len), _text(e.name, e.name_len)
            if e.kind == 0 and wasi_provides(imports, module, name):
                if self.wasi is None:
                    self.wasi = new_wasi_state(wasi, desc.name.decode(), desc.num_imports)
                funcs[e.index] = wasi_bind(self.wasi, i, e.index, module, name, self.info.types[desc.funcs[e.index].type],
                                           &desc.types[desc.funcs[e.index].type])
                continue
            obj = lookup_import(imports, module, name)
            what = f"{module!r} {name!r}"
            if e.kind == 0:
                t = <FuncType>self.info.types[desc.funcs[e.index].type]
                if isinstance(obj, Function):
                    fn = obj
                    if fn.f.type != &t.ft:
                        raise LinkError(f"incompatible import type: {what} is {type_of(fn.f.type)!r}, {t!r} required")
                    funcs[e.index] = <w2p_func *>fn.f
                    self._pin(fn.owner)
                elif callable(obj) and not isinstance(obj, (Memory, Table, Global)):
                    hf = make_host_function(obj, t, &desc.types[desc.funcs[e.index].type])
                    funcs[e.index] = &hf.func
                    self.keep.append(hf)
                else:
                    raise LinkError(f"incompatible import type: {what} must be a function, got {type(obj).__name__}")
            elif e.kind == 1:
                if not isinstance(obj, Table):
                    raise LinkError(f"incompatible import type: {what} must be a Table, got {type(obj).__name__}")
                tab = obj
                td = &desc.tables[e.index]
                if tab.table.elem_type != td.elem_type:
                    raise LinkError(f"incompatible import type: {what} holds {tab.element}")
                check_limits(what, tab.table.size, tab.maximum, &td.limits)
                slot(self.inst, td.slot)[0] = &tab.table
                self.tables.append(tab)
                self._pin(tab)
            elif e.kind == 2:
                if not isinstance(obj, Memory):
                    raise LinkError(f"incompatible import type: {what} must be a Memory, got {type(obj).__name__}")
                mem = obj
                md = &desc.memories[e.index]
                check_limits(what, mem.mem.pages, mem.maximum, &md.limits)
                slot(self.inst, md.slot)[0] = &mem.mem
                self.memories.append(mem)
                self._pin(mem)
            else:
                if not isinstance(obj, Global):
                    raise LinkError(f"incompatible import type: {what} must be a Global, got {type(obj).__name__}")
                glob = obj
                gd = &desc.globals[e.index]
                if glob.cell.type != _VALTYPE_CHARS[gd.type] or glob.cell.mutable_ != gd.mutable_:
                    raise LinkError(f"incompatible import type: {what} is {glob!r}")
                slot(self.inst, gd.slot)[0] = &glob.cell
                self.globals.append(glob)
                self._pin(glob)
        return 0

    cdef int _pin(self, object source) except -1:
        """Keeps an import's source alive, and this instance alive with it where references
        may flow from this instance into it: into another instance (through the arguments
        of its functions), a table, or a mutable global of a reference type. Both then live
        and die together (the collector frees the pair); a memory holds no references.
        Either way the two share a group: one thread at a time runs their code."""
        self.keep.append(source)
        if isinstance(source, InstanceState):
            (<InstanceState>source).linked.append(self)
        elif isinstance(source, Table):
            (<Table>source).linked.append(self)
        elif isinstance(source, Global) and (<Global>source).holds_refs() and (<Global>source).cell.mutable_:
            (<Global>source).linked.append(self)
        join_groups(self.inst.monitor, group_of(source))
        return 0

    cdef int _define(self) except -1:
        cdef const w2p_module *desc = self.info.desc
        cdef uint32_t i
        cdef w2p_func **funcs = <w2p_func **>slot(self.inst, desc.funcs_slot)
        cdef w2p_func *f
        cdef Memory mem
        cdef Table tab
        cdef Global glob
        cdef const w2p_func_desc *d
        cdef const w2p_table_desc *td
        cdef const w2p_memory_desc *md
        cdef const w2p_global_desc *gd
        for i in range(desc.num_imported_funcs, desc.num_funcs):
            f = &self.own_funcs[i - desc.num_imported_funcs]
            d = &desc.funcs[i]
            f.type = &(<FuncType>self.info.types[d.type]).ft
            f.fn = d.fn
            f.ctx = self.inst
            f.entry = desc.types[d.type].entry
            f.pycall = desc.types[d.type].pycall
            f.index = i
            f.flags = d.flags
            funcs[i] = f
        for i in range(desc.num_imported_memories, desc.num_memories):
            md = &desc.memories[i]
            mem = Memory(md.limits.min, md.limits.max if md.limits.has_max else None)
            slot(self.inst, md.slot)[0] = &mem.mem
            self.memories.append(mem)
            join_groups(self.inst.monitor, mem.group)
        for i in range(desc.num_imported_tables, desc.num_tables):
            td = &desc.tables[i]
            tab = Table.__new__(Table)
            tab._init(td.elem_type == W2P_FUNCREF, td.limits.min, td.limits.max if td.limits.has_max else None)
            tab.pool = self.pool
            slot(self.inst, td.slot)[0] = &tab.table
            self.tables.append(tab)
            join_groups(self.inst.monitor, tab.group)
        for i in range(desc.num_imported_globals, desc.num_globals):
            gd = &desc.globals[i]
            if gd.slot != <size_t>-1:
                glob = new_global(_VALTYPE_CHARS[gd.type], gd.mutable_)
                slot(self.inst, gd.slot)[0] = &glob.cell
                self.globals.append(glob)
                join_groups(self.inst.monitor, glob.group)
            else:
                self.globals.append(None)
        return 0

    cdef object export_object(self, int kind, uint32_t index):
        """The object of an export: a new Function, or the instance's own Table, Memory or
        Global. A table or a global that holds references into this instance keeps it
        alive once it has left it (the pair is then a cycle); one that never leaves it
        does not need to."""
        cdef const w2p_module *desc = self.info.desc
        cdef w2p_func **funcs = <w2p_func **>slot(self.inst, desc.funcs_slot)
        cdef Table tab
        cdef Global glob
        if kind == 0:
            return function_of(funcs[index])
        if kind == 2:
            return self.memories[index]
        if kind == 1:
            tab = self.tables[index]
            if index >= desc.num_imported_tables:
                self._link_into(tab.linked)
            return tab
        glob = self.globals[index]
        if glob is not None and index >= desc.num_imported_globals and glob.holds_refs():
            self._link_into(glob.linked)
        return glob

    cdef void _link_into(self, list linked):
        """Puts this instance, once, among those an own table or global keeps alive."""
        if self not in linked:
            linked.append(self)

    def __dealloc__(self):
        global _live_instances
        if self.counted:
            _live_instances -= 1
        if self.inst != NULL:
            w2p_monitor_decref(self.inst.monitor)
        free(self.inst)
        free(self.own_funcs)


# Instance.fuel's start, unlimited in practice: int64_t's maximum, centuries of instructions.
_FUEL_MAX = 2**63 - 1


cdef class Instance:
    """An instance of a WebAssembly module: its own memory, globals and tables."""
    cdef InstanceState state
    cdef Exports _exports
    cdef object __weakref__

    def __init__(self, imports=None, wasi=None):
        cdef InstanceState state = InstanceState.__new__(InstanceState)
        state._instantiate(type(self)._module_info, imports, wasi)
        self.state = state
        self._exports = make_exports(state)

    @property
    def exports(self):
        """The exports, by name: exports.sum, exports["any name"]."""
        return self._exports

    @property
    def memory(self):
        """The first memory (exported or not), or None."""
        if self.state is None:  # made by __new__ alone: no instance at all
            return None
        return self.state.memories[0] if self.state.memories else None

    def interrupt(self):
        """Stops the call running in this instance (or in one linked with it) on another
        thread, or on this one from a host function or a signal handler: it traps with
        kind "interrupted" at its next poll, within microseconds. Safe from any thread;
        returns whether a call was running (none: nothing happens)."""
        if self.state is None:
            return False
        return bool(w2p_monitor_interrupt(self.state.inst.monitor))

    @property
    def fuel(self):
        """The fuel left, in a module built with fuel (--fuel): each Wasm instruction run
        in this instance takes one unit, and a call that runs out traps "out of fuel"
        (instructions of other instances it calls take theirs). 2**63 - 1, unlimited, until
        set; None for a module built without fuel. Set it (an int from 0 to 2**63 - 1)
        between calls, or from a host function of this instance's."""
        if self.state is None or not self.state.info.desc.flags & W2P_MODULE_FUEL:
            return None
        return self.state.inst.fuel

    @fuel.setter
    def fuel(self, value):
        if self.state is None or not self.state.info.desc.flags & W2P_MODULE_FUEL:
            raise Error("this module was built without fuel: build it with --fuel "
                        "(BuildOptions(fuel=True)) to meter it")
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"fuel must be an int, not {type(value).__name__}")
        if not 0 <= value <= _FUEL_MAX:
            raise ValueError(f"fuel must be from 0 to 2**63 - 1, not {value}")
        self.state.inst.fuel = value

    def __repr__(self):
        if self.state is None:
            return "<wasm instance (none)>"
        return f"<wasm instance of {self.state.info.desc.name.decode()}>"


cdef Exports make_exports(InstanceState state):
    cdef Exports exports = Exports.__new__(Exports)
    exports._state = state
    exports._index = state.info.export_index
    exports._objects = {}
    return exports


cdef class Exports:
    """A read-only mapping of export names to Function, Memory, Table and Global objects,
    each made when first asked for and then kept. An export wins over a method of the
    same name (a module may export "keys"); dunder names are left to the methods and
    reached by exports[name] alone."""
    cdef InstanceState _state
    cdef dict _index  # name -> (kind, index): the module's ModuleInfo.export_index
    cdef dict _objects  # name -> the export's object, once made

    cdef object _fetch(self, str name):
        """The export `name`, which exists, made on first use and kept (but under a dunder
        name, which attribute lookup must not find)."""
        kind, index = self._index[name]
        obj = self._state.export_object(kind, index)
        if not _is_dunder(name):
            self._objects[name] = obj
        return obj

    def __getitem__(self, name):
        cdef PyObject *kept = PyDict_GetItemWithError(self._objects, name)
        if kept != NULL:
            return <object>kept
        if name not in self._index:
            raise KeyError(name)
        return self._fetch(name)

    def __getattribute__(self, str name):
        cdef PyObject *kept = PyDict_GetItemWithError(self._objects, name)
        if kept != NULL:
            return <object>kept
        if name in self._index and not _is_dunder(name):
            return self._fetch(name)
        return PyObject_GenericGetAttr(self, name)

    def __getattr__(self, name):
        raise AttributeError(f"no export named {name!r}")

    def __contains__(self, name):
        return name in self._index

    def __iter__(self):
        return iter(self._index)

    def __len__(self):
        return len(self._index)

    def keys(self):
        return self._index.keys()

    def items(self):
        return [(name, self[name]) for name in self._index]

    def __dir__(self):
        return list(self._index)

    def __repr__(self):
        return f"<exports {list(self._index)}>"


# ======== Building the Python module of a generated module ========

def _spell_extern(kind, typ):
    """An import's or export's type as help() shows it: (i32, i32) -> i32, : global mut i64."""
    if kind == "func":
        params, results = typ
        ret = "None" if not results else results[0] if len(results) == 1 else f"({', '.join(results)})"
        return f"({', '.join(params)}) -> {ret}"
    if kind == "global":
        return f": global {'mut ' if typ[1] else ''}{typ[0]}"
    # memory: (min, max); table: (element, min, max); max None when unbounded
    low, high = typ if kind == "memory" else typ[1:]
    limits = f"{low}..{'' if high is None else high}"
    return f": memory of {limits} pages" if kind == "memory" else f": table of {limits} {typ[0]}"


def _instance_doc(name, exports, imports):
    """The Instance class's doc string: what help() shows, the exports among it."""
    lines = [f"An instance of the WebAssembly module {name}: Instance(imports=None, wasi=None).", ""]
    if exports:
        lines.append("Exports (instance.exports.NAME):")
        lines += [f"    {export}{_spell_extern(kind, typ)}" for _, export, kind, typ in exports]
    if imports:
        lines.append("Imports (Instance(imports={module: {name: object}})):")
        lines += [f"    {module} {field}{_spell_extern(kind, typ)}" for module, field, kind, typ in imports]
    return "\n".join(lines)


cdef object create_module_obj(const w2p_module *desc):
    info = make_info(desc)
    name = desc.name.decode()
    module = _types.ModuleType(name, f"WebAssembly module {name} (built by wasm2pyext)")
    instance_class = w2p_subclass(Instance, f"{name}.Instance".encode(), _instance_doc(name, info.exports, info.imports).encode())
    instance_class._module_info = info
    module.Instance = instance_class
    module.wasm_sha256 = desc.wasm_sha256.decode()
    module.imports = info.imports
    module.exports = info.exports
    for public in ("Value", "Error", "Trap", "LinkError", "Memory", "Global", "Table", "Function", "WasiConfig",
                   "WasiExit"):
        setattr(module, public, globals()[public])
    return module


cdef void *create_module(const w2p_module *desc) except NULL:
    module = create_module_obj(desc)
    Py_INCREF(module)
    return <void *>module


ctypedef void *(*create_module_fn)(const w2p_module *) noexcept
ctypedef void *(*general_call_fn)(void *self, void *const *args, size_t nargsf, void *kwnames) noexcept
ctypedef void *(*raise_trap_fn)(void *self, int kind, const char *where) noexcept

cdef extern from *:
    """
    /* The runtime's classes are static types (outside the limited API): they, their dicts
       and what those hold live as long as the process and never change. The collector
       would walk those 120-odd objects in every full collection, and in each collection
       at exit (80,000 instructions a process); but an object that lives for good is never
       garbage, and what it references stays reachable through it, so untracking it
       changes nothing the collector frees. */
    #if !CYTHON_COMPILING_IN_LIMITED_API
    static int w2p_untrack_referent(PyObject *o, void *unused)
    {
        (void)unused;
        if (PyObject_IS_GC(o) && PyObject_GC_IsTracked(o))
            PyObject_GC_UnTrack(o);
        return 0;
    }

    static void w2p_untrack_static_type(PyObject *type)
    {
        PyTypeObject *t = (PyTypeObject *)type;
        if ((t->tp_flags & Py_TPFLAGS_HEAPTYPE) || !t->tp_dict)
            return;
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(t->tp_dict, &pos, &key, &value)) {
            w2p_untrack_referent(value, NULL);
            if (PyObject_IS_GC(value)) /* and what it holds: a property's functions, say */
                Py_TYPE(value)->tp_traverse(value, w2p_untrack_referent, NULL);
        }
        w2p_untrack_referent(t->tp_dict, NULL);
    }
    #else
    #define w2p_untrack_static_type(type) ((void)(type))
    #endif
    """
    void w2p_untrack_static_type(object type)


cdef Py_ssize_t _vectorcall_offset(Function probe):
    return <Py_ssize_t>(<char *>&probe.vectorcall - <char *><PyObject *>probe)


cdef Py_ssize_t _f_offset(Function probe):
    return <Py_ssize_t>(<char *>&probe.f - <char *><PyObject *>probe)


w2p_enable_vectorcall(Function, _vectorcall_offset(Function.__new__(Function)))


cdef Py_ssize_t _exports_offset() except -1:
    """Where Instance keeps its Exports. Cython gives no address of an object attribute:
    the word that holds a marker put there is the one."""
    cdef Instance probe = Instance.__new__(Instance)
    cdef Exports marker = Exports.__new__(Exports)
    cdef PyObject **words = <PyObject **><PyObject *>probe
    probe._exports = marker
    for i in range(Instance.__basicsize__ // sizeof(PyObject *)):
        if words[i] == <PyObject *>marker:
            return i * sizeof(PyObject *)
    raise SystemError("Instance._exports not found")


w2p_exports_as_member(Instance, _exports_offset())


cdef void _untrack_classes():
    # Every cdef class above (the exception classes are heap types, left to the collector).
    for cls in (FuncType, Value, Function, HostFunction, Memory, MemoryView, Global, Table, ModuleInfo,
                InstanceState, Instance, Exports, WasiState, deadline):
        w2p_untrack_static_type(cls)


_untrack_classes()

cdef w2p_api API
API.abi_version = W2P_ABI_VERSION
API.create_module = <create_module_fn>create_module
API.function_func_offset = <size_t>_f_offset(Function.__new__(Function))
API.general_call = <general_call_fn>function_general_call
API.invoke = w2p_call
API.raise_trap = <raise_trap_fn>function_trap
w2p_runtime_api = &API  # this copy is the registered runtime: its own calls use it too
cdef bytes _CAPSULE_NAME = (RUNTIME_NAME + "._C_API").encode()
_C_API = PyCapsule_New(&API, _CAPSULE_NAME, NULL)
