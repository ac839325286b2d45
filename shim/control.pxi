# Groups of linked instances, interruption and deadlines (runtime_c/w2p_control.h).
# Part of the runtime module: included by shim/runtime.pyx.

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
