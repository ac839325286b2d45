/*
 * w2p_shim.h: C the shim (shim/runtime.pyx and its includes) needs where Cython has no way
 * to say it: type slots set after the fact, small types made from specs, and untracking
 * the runtime's static classes. Included by the shim only.
 */
#ifndef W2P_SHIM_H
#define W2P_SHIM_H

#include <Python.h>

/* Calls of Function objects take vectorcall (PEP 590), no argument tuple, where the
   full C API allows it; under the limited API they go through tp_call. */
static void w2p_enable_vectorcall(PyObject *type, Py_ssize_t offset)
{
#if !CYTHON_COMPILING_IN_LIMITED_API
    ((PyTypeObject *)type)->tp_vectorcall_offset = offset;
    ((PyTypeObject *)type)->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
#else
    (void)type;
    (void)offset;
#endif
}

/* A subclass `qualified_name` of `base` with the doc string `doc` (both copied; none if
   NULL): PyType_FromSpec costs a seventh of what type() does. */
static PyObject *w2p_subclass(PyObject *base, const char *qualified_name, const char *doc)
{
    PyType_Slot slots[] = {{doc ? Py_tp_doc : 0, (void *)doc}, {0, NULL}};
    PyType_Spec spec = {qualified_name, 0, 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots};
    return PyType_FromSpecWithBases(&spec, base);
}

/* PEP 590's vectorcallfunc, which the 3.11 limited API does not declare. */
typedef PyObject *(*w2p_vectorcallfunc)(PyObject *, PyObject *const *, size_t, PyObject *);

/* The runtime's classes are static types (outside the limited API): they, their dicts
   and what those hold live as long as the process and never change. The collector
   would walk those 120-odd objects in every full collection, and in each collection
   at exit (80,000 instructions a process); but an object that lives for good is never
   garbage, and what it references stays reachable through it, so untracking it
   changes nothing the collector frees. */
#if !CYTHON_COMPILING_IN_LIMITED_API
static int w2p_untrack_referent(PyObject *o, void *unused)
{
    (void)unused;
    if (PyObject_IS_GC(o) && PyObject_GC_IsTracked(o))
        PyObject_GC_UnTrack(o);
    return 0;
}

static void w2p_untrack_static_type(PyObject *type)
{
    PyTypeObject *t = (PyTypeObject *)type;
    if ((t->tp_flags & Py_TPFLAGS_HEAPTYPE) || !t->tp_dict)
        return;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(t->tp_dict, &pos, &key, &value)) {
        w2p_untrack_referent(value, NULL);
        if (PyObject_IS_GC(value)) /* and what it holds: a property's functions, say */
            Py_TYPE(value)->tp_traverse(value, w2p_untrack_referent, NULL);
    }
    w2p_untrack_referent(t->tp_dict, NULL);
}
#else
#define w2p_untrack_static_type(type) ((void)(type))
#endif

#endif /* W2P_SHIM_H */
