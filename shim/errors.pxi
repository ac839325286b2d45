# The exceptions a running module raises (the front end's are wasm2pyext/errors.py).
# Part of the runtime module: included by shim/runtime.pyx.

cdef extern from "w2p_errors.h":
    enum:
        W2P_ERROR, W2P_LINK_ERROR, W2P_TRAP
    object w2p_error_class(int which, object base)

cdef extern from "w2p_py.h":
    void w2p_py_set_errors(object error, object link_error, object trap)

# One Error in a process: wasm2pyext's, when it was imported first (its front end's
# CompileError derives from it), else this runtime's own (wasm2pyext/errors.py then takes
# it). A built module needs no wasm2pyext: nothing here imports it.
_front_end_errors = _sys.modules.get("wasm2pyext.errors")
Error = (_front_end_errors.Error if _front_end_errors is not None and hasattr(_front_end_errors, "Error")
         else w2p_error_class(W2P_ERROR, Exception))
LinkError = w2p_error_class(W2P_LINK_ERROR, Error)
Trap = w2p_error_class(W2P_TRAP, Error)
w2p_py_set_errors(Error, LinkError, Trap)  # for the classes written in C (runtime_c/w2p_py*.c)

TRAP_KINDS = tuple([w2p_trap_kind_name(k).decode() for k in range(W2P_TRAP_UNREACHABLE, W2P_TRAP_OUT_OF_FUEL + 1)])
