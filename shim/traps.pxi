# Traps as Python exceptions.
# Part of the runtime module: included by shim/runtime.pyx.

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
