# Wasm types and values: FuncType, Value, and conversions between Python and Wasm.
# Part of the runtime module: included by shim/runtime.pyx.

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
