# Memory, its views, and the process's limits on what Wasm may take.
# Part of the runtime module: included by shim/runtime.pyx.

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
