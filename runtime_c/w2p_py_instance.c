/*
 * w2p_py_instance.c: Instance, an instance of a WebAssembly module: its own memory,
 * globals and tables. Each built module's Instance class derives from it
 * (modules.pxi), carrying its module as _module_info.
 */
#include <stddef.h>

#include "structmember.h"
#include "w2p_control.h"
#include "w2p_py_instance.h"

typedef struct {
    PyObject_HEAD
    PyObject *state;   /* its InstanceState; NULL when made by __new__ alone */
    PyObject *exports; /* its Exports */
    PyObject *weakrefs;
} instance_object;

static int instance_init(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"imports", "wasi", NULL};
    PyObject *imports = Py_None, *wasi = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:Instance", names, &imports, &wasi))
        return -1;
    PyObject *info = PyObject_GetAttrString((PyObject *)Py_TYPE(op), "_module_info");
    PyObject *made = info ? w2p_cy_instantiate(info, imports, wasi) : NULL;
    Py_XDECREF(info);
    if (!made)
        return -1;
    instance_object *self = (instance_object *)op;
    PyObject *state = PyTuple_GetItem(made, 0), *exports = PyTuple_GetItem(made, 1);
    PyObject *old_state = self->state, *old_exports = self->exports; /* __init__ again: replaced */
    Py_XINCREF(state);
    self->state = state;
    Py_XINCREF(exports);
    self->exports = exports;
    Py_DECREF(made);
    Py_XDECREF(old_state);
    Py_XDECREF(old_exports);
    return 0;
}

static PyObject *instance_memory(PyObject *op, void *unused)
{
    (void)unused;
    PyObject *state = ((instance_object *)op)->state;
    if (!state) /* made by __new__ alone: no instance at all */
        Py_RETURN_NONE;
    return w2p_cy_state_memory(state);
}

static PyObject *instance_interrupt(PyObject *op, PyObject *unused)
{
    (void)unused;
    PyObject *state = ((instance_object *)op)->state;
    if (!state)
        Py_RETURN_FALSE;
    return PyBool_FromLong(w2p_monitor_interrupt(w2p_cy_state_ctx(state)->monitor));
}

/* The state of an instance whose module was built with fuel, or NULL. */
static PyObject *fuelled(PyObject *op)
{
    PyObject *state = ((instance_object *)op)->state;
    return state && (w2p_cy_state_module(state)->flags & W2P_MODULE_FUEL) ? state : NULL;
}

static PyObject *instance_fuel(PyObject *op, void *unused)
{
    (void)unused;
    PyObject *state = fuelled(op);
    if (!state)
        Py_RETURN_NONE;
    return PyLong_FromLongLong(w2p_cy_state_ctx(state)->fuel);
}

static int instance_set_fuel(PyObject *op, PyObject *value, void *unused)
{
    (void)unused;
    PyObject *state = fuelled(op);
    if (!value) {
        PyErr_SetString(PyExc_AttributeError, "fuel cannot be deleted");
        return -1;
    }
    if (!state) {
        PyErr_SetString(w2p_py_Error, "this module was built without fuel: build it with --fuel "
                                      "(BuildOptions(fuel=True)) to meter it");
        return -1;
    }
    if (!PyLong_Check(value) || PyBool_Check(value)) {
        PyObject *name = w2p_py_type_name(value);
        if (name)
            PyErr_Format(PyExc_TypeError, "fuel must be an int, not %U", name);
        Py_XDECREF(name);
        return -1;
    }
    int overflow;
    long long fuel = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (fuel == -1 && PyErr_Occurred())
        return -1;
    if (overflow || fuel < 0) {
        PyErr_Format(PyExc_ValueError, "fuel must be from 0 to 2**63 - 1, not %R", value);
        return -1;
    }
    w2p_cy_state_ctx(state)->fuel = fuel;
    return 0;
}

static PyObject *instance_repr(PyObject *op)
{
    PyObject *state = ((instance_object *)op)->state;
    if (!state)
        return PyUnicode_FromString("<wasm instance (none)>");
    return PyUnicode_FromFormat("<wasm instance of %s>", w2p_cy_state_module(state)->name);
}

static int instance_traverse(PyObject *op, visitproc visit, void *arg)
{
    instance_object *self = (instance_object *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->state);
    Py_VISIT(self->exports);
    return 0;
}

static int instance_clear(PyObject *op)
{
    instance_object *self = (instance_object *)op;
    Py_CLEAR(self->state);
    Py_CLEAR(self->exports);
    return 0;
}

static void instance_dealloc(PyObject *op)
{
    PyTypeObject *type = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    if (((instance_object *)op)->weakrefs)
        PyObject_ClearWeakRefs(op);
    instance_clear(op);
    freefunc free_self = (freefunc)PyType_GetSlot(type, Py_tp_free);
    free_self(op);
    Py_DECREF(type);
}

/* exports is a member, not a property: CPython 3.11 specialises attribute loads of
   member descriptors (a property took 27 ns). */
static PyMemberDef instance_members[] = {
    {"exports", T_OBJECT, offsetof(instance_object, exports), READONLY,
     "The exports, by name: exports.sum, exports[\"any name\"]."},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(instance_object, weakrefs), READONLY},
    {NULL},
};

static PyGetSetDef instance_getset[] = {
    {"memory", instance_memory, NULL, "The first memory (exported or not), or None."},
    {"fuel", instance_fuel, instance_set_fuel,
     "The fuel left, in a module built with fuel (--fuel): each Wasm instruction run\n"
     "in this instance takes one unit, and a call that runs out traps \"out of fuel\"\n"
     "(instructions of other instances it calls take theirs). 2**63 - 1, unlimited, until\n"
     "set; None for a module built without fuel. Set it (an int from 0 to 2**63 - 1)\n"
     "between calls, or from a host function of this instance's."},
    {NULL},
};

static PyMethodDef instance_methods[] = {
    {"interrupt", instance_interrupt, METH_NOARGS,
     "Stops the call running in this instance (or in one linked with it) on another\n"
     "thread, or on this one from a host function or a signal handler: it traps with\n"
     "kind \"interrupted\" at its next poll, within microseconds. Safe from any thread;\n"
     "returns whether a call was running (none: nothing happens)."},
    {NULL},
};

static PyType_Slot instance_slots[] = {
    {Py_tp_doc, "An instance of a WebAssembly module: its own memory, globals and tables."},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_init, instance_init},
    {Py_tp_repr, instance_repr},
    {Py_tp_members, instance_members},
    {Py_tp_getset, instance_getset},
    {Py_tp_methods, instance_methods},
    {Py_tp_traverse, instance_traverse},
    {Py_tp_clear, instance_clear},
    {Py_tp_dealloc, instance_dealloc},
    {0, NULL},
};

static PyType_Spec instance_spec = {W2P_PY_MODULE ".Instance", sizeof(instance_object), 0,
                                    W2P_PY_TYPE_FLAGS | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_BASETYPE, instance_slots};

PyObject *w2p_py_instance_init(PyObject *globals)
{
    return w2p_py_add_type(globals, &instance_spec, NULL);
}
