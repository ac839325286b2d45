/*
 * w2p_py_control.h: the Python face of the runtime's control over running code that is
 * written in C: `deadline`, which bounds the time Wasm calls of a thread may take.
 */
#ifndef W2P_PY_CONTROL_H
#define W2P_PY_CONTROL_H

#include "w2p_py.h"

/* Makes the class `deadline` in the runtime module's namespace. */
int w2p_py_control_init(PyObject *globals);

#endif /* W2P_PY_CONTROL_H */
