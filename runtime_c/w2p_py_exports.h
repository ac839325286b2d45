/*
 * w2p_py_exports.h: Exports, an instance's exports by name (instance.exports).
 */
#ifndef W2P_PY_EXPORTS_H
#define W2P_PY_EXPORTS_H

#include "w2p_py.h"

/* Makes the class Exports in the runtime module's namespace. */
int w2p_py_exports_init(PyObject *globals);

/* The Exports of an instance made of `state` (an InstanceState) whose module exports
   `index` (name -> (kind, index)). A new reference, or NULL with an exception set. */
PyObject *w2p_py_exports_new(PyObject *state, PyObject *index);

/* The object of an instance's export: InstanceState.export_object (instances.pxi). */
PyObject *w2p_cy_export_object(PyObject *state, int kind, uint32_t index);

#endif /* W2P_PY_EXPORTS_H */
