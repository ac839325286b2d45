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

typedef struct {
    PyObject_HEAD
    PyObject *make, *args; /* until made */
    PyObject *value;       /* once made */
} lazy_object;

static PyTypeObject *lazy_type;

PyObject *w2p_py_lazy_attribute(PyObject *make, PyObject *args)
{
    lazy_object *self = PyObject_GC_New(lazy_object, lazy_type);
    if (!self)
        return NULL;
    Py_INCREF(make);
    self->make = make;
    Py_INCREF(args);
    self->args = args;
    self->value = NULL;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static PyObject *lazy_get(PyObject *op, PyObject *obj, PyObject *type)
{
    (void)obj;
    (void)type;
    lazy_object *self = (lazy_object *)op;
    if (!self->value) {
        PyObject *value = PyObject_CallObject(self->make, self->args);
        if (!value)
            return NULL;
        if (self->value) /* made meanwhile, by code make ran */
            Py_DECREF(value);
        else
            self->value = value;
        Py_CLEAR(self->make);
        Py_CLEAR(self->args);
    }
    Py_INCREF(self->value);
    return self->value;
}

static int lazy_traverse(PyObject *op, visitproc visit, void *arg)
{
    lazy_object *self = (lazy_object *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->make);
    Py_VISIT(self->args);
    Py_VISIT(self->value);
    return 0;
}

static int lazy_clear(PyObject *op)
{
    lazy_object *self = (lazy_object *)op;
    Py_CLEAR(self->make);
    Py_CLEAR(self->args);
    Py_CLEAR(self->value);
    return 0;
}

static void lazy_dealloc(PyObject *op)
{
    PyTypeObject *type = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    lazy_clear(op);
    PyObject_GC_Del(op);
    Py_DECREF(type);
}

static PyType_Slot lazy_slots[] = {
    {Py_tp_doc, "A class attribute computed when first read, then kept."},
    {Py_tp_descr_get, lazy_get},
    {Py_tp_traverse, lazy_traverse},
    {Py_tp_clear, lazy_clear},
    {Py_tp_dealloc, lazy_dealloc},
    {0, NULL},
};

static PyType_Spec lazy_spec = {W2P_PY_MODULE "._LazyAttribute", sizeof(lazy_object), 0,
                                W2P_PY_TYPE_FLAGS | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION,
                                lazy_slots};

int w2p_py_lazy_init(PyObject *globals)
{
    lazy_type = (PyTypeObject *)w2p_py_add_type(globals, &lazy_spec, NULL);
    return lazy_type ? 0 : -1;
}
