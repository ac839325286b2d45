/*
 * w2p_py.c: the runtime module's shared C (see w2p_py.h).
 */
#include <string.h>

#include "w2p_py.h"

PyObject *w2p_py_Error, *w2p_py_LinkError, *w2p_py_Trap;

void w2p_py_set_errors(PyObject *error, PyObject *link_error, PyObject *trap)
{
    /* They live as long as the process, as the runtime module does. */
    Py_INCREF(error);
    Py_INCREF(link_error);
    Py_INCREF(trap);
    w2p_py_Error = error;
    w2p_py_LinkError = link_error;
    w2p_py_Trap = trap;
}

PyObject *w2p_py_add_type(PyObject *globals, PyType_Spec *spec, PyObject *base)
{
    PyObject *type = PyType_FromSpecWithBases(spec, base);
    if (!type)
        return NULL;
    const char *dot = strrchr(spec->name, '.');
    if (PyDict_SetItemString(globals, dot ? dot + 1 : spec->name, type) < 0) {
        Py_DECREF(type);
        return NULL;
    }
    return type;
}

PyObject *w2p_py_type_name(PyObject *obj)
{
    return PyType_GetName(Py_TYPE(obj));
}
