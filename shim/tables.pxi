# Table.
# Part of the runtime module: included by shim/runtime.pyx.

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
