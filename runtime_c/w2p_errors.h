/*
 * w2p_errors.h: the exception classes a running module raises (API.md, "Errors"),
 * included by the shim; the front end's (CompileError and its subclasses) are plain Python,
 * in wasm2pyext/errors.py, under the same Error.
 *
 * They are made from type specs with C initialisers rather than by class statements:
 * building the classes through type() was 40% of the runtime's set-up, which every
 * process pays on its first import of a built module.
 *
 *     Error
 *       LinkError           missing or mismatched import
 *       Trap (.kind)        a WebAssembly trap
 */
#ifndef W2P_ERRORS_H
#define W2P_ERRORS_H

#include <Python.h>

#include "w2p_rt.h"

#define W2P_ERRORS_STR2(x) #x
#define W2P_ERRORS_STR(x) W2P_ERRORS_STR2(x)
/* The classes' __module__: the runtime module every built module shares. */
#define W2P_ERRORS_MODULE "_wasm2pyext_rt_" W2P_ERRORS_STR(W2P_ABI_VERSION)

enum w2p_error_class {
    W2P_ERROR,
    W2P_LINK_ERROR,
    W2P_TRAP,
};

/* Sets the exception's message (its args) as Exception.__init__(self, message) would. */
static int w2p_error_set_message(PyObject *self, PyObject *message)
{
    PyObject *args = PyTuple_Pack(1, message);
    if (!args)
        return -1;
    int r = PyObject_SetAttrString(self, "args", args);
    Py_DECREF(args);
    return r;
}

/* Trap(kind, message=None): the message defaults to the kind. */
static int w2p_trap_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"kind", "message", NULL};
    PyObject *kind, *message = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:Trap", names, &kind, &message))
        return -1;
    if (PyObject_SetAttrString(self, "kind", kind) < 0)
        return -1;
    return w2p_error_set_message(self, message == Py_None ? kind : message);
}

static const struct {
    const char *name, *doc;
    initproc init;
} w2p_error_classes[] = {
    [W2P_ERROR] = {W2P_ERRORS_MODULE ".Error", "Base of every wasm2pyext error.", NULL},
    [W2P_LINK_ERROR] = {W2P_ERRORS_MODULE ".LinkError",
                        "An import is missing or does not match what the module declares.", NULL},
    [W2P_TRAP] = {W2P_ERRORS_MODULE ".Trap", "Trap(kind, message=None): a WebAssembly trap; `kind` is one of "
                                             "TRAP_KINDS.",
                  w2p_trap_init},
};

/* A new exception class `which`, derived from `base`. */
static PyObject *w2p_error_class(int which, PyObject *base)
{
    PyType_Slot slots[3] = {{Py_tp_doc, (void *)w2p_error_classes[which].doc}};
    if (w2p_error_classes[which].init)
        slots[1] = (PyType_Slot){Py_tp_init, (void *)w2p_error_classes[which].init};
    /* basicsize 0: the base's layout (and its __dict__, which holds the attributes). */
    PyType_Spec spec = {w2p_error_classes[which].name, 0, 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots};
    return PyType_FromSpecWithBases(&spec, base);
}

#endif
