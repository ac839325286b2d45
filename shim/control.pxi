# Groups of linked instances and interruption (runtime_c/w2p_control.h); deadline is C
# (runtime_c/w2p_py_control.c).
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


cdef extern from "w2p_py_control.h":
    int w2p_py_control_init(object namespace) except -1


w2p_py_control_init(globals())  # deadline

w2p_control_init()
