/*
 * w2p_py_instance.h: Instance, the base of each built module's Instance class.
 */
#ifndef W2P_PY_INSTANCE_H
#define W2P_PY_INSTANCE_H

#include "w2p_py.h"

/* Makes the class Instance in the runtime module's namespace; returns it (a new
   reference, for the Cython that names it), or NULL with an exception set. */
PyObject *w2p_py_instance_init(PyObject *globals);

/* What Instance asks of an InstanceState (instances.pxi) while that is Cython: a new
   instance of the module `info` (a ModuleInfo) as (state, exports); the first memory or
   None; the C context; the module's description. */
PyObject *w2p_cy_instantiate(PyObject *info, PyObject *imports, PyObject *wasi);
PyObject *w2p_cy_state_memory(PyObject *state);
w2p_ctx *w2p_cy_state_ctx(PyObject *state);
const w2p_module *w2p_cy_state_module(PyObject *state);

#endif /* W2P_PY_INSTANCE_H */
