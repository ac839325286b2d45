# Global.
# Part of the runtime module: included by shim/runtime.pyx.

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
