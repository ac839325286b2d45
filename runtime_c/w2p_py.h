/*
 * w2p_py.h: what the runtime module's classes written in C share. They take over from
 * the Cython of shim/ one area at a time (runtime_c/w2p_py_<area>.c, each with its
 * header), all compiled in the runtime's one translation unit: how a class is made and
 * published in the runtime module, and the exception classes every area raises.
 */
#ifndef W2P_PY_H
#define W2P_PY_H

#include <Python.h>

#include "w2p_errors.h"
#include "w2p_rt.h"

/* The runtime module's name, "_wasm2pyext_rt_<ABI>": every class's __module__. */
#define W2P_PY_MODULE W2P_ERRORS_MODULE

/* Flags of the runtime's classes: immutable, as static types were (no attribute of a
   class can be set or deleted). */
#define W2P_PY_TYPE_FLAGS (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE)

/* The exception classes (API.md, "Errors"), set once by w2p_py_set_errors. */
extern PyObject *w2p_py_Error, *w2p_py_LinkError, *w2p_py_Trap;

/* Called by the runtime module's init with the classes it has made (or taken from
   wasm2pyext's front end). */
void w2p_py_set_errors(PyObject *error, PyObject *link_error, PyObject *trap);

/* The class of `spec` (named W2P_PY_MODULE ".Name", with `base` or object as its base),
   put in the runtime module's namespace `globals` as Name. A new reference, or NULL with
   an exception set. */
PyObject *w2p_py_add_type(PyObject *globals, PyType_Spec *spec, PyObject *base);

/* type(obj).__name__, for messages (the limited API has no tp_name): a new reference,
   or NULL with an exception set. */
PyObject *w2p_py_type_name(PyObject *obj);

/* A class attribute computed when first read, by make(*args), and then kept: a built
   module's Instance.__doc__, which help() alone reads, costs its import nothing. A new
   reference, or NULL with an exception set. */
PyObject *w2p_py_lazy_attribute(PyObject *make, PyObject *args);

/* Makes the class of w2p_py_lazy_attribute (private: _LazyAttribute). */
int w2p_py_lazy_init(PyObject *globals);

#endif /* W2P_PY_H */
