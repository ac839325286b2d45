/*
 * w2p_py_exports.c: Exports, a read-only mapping of export names to Function, Memory,
 * Table and Global objects, each made when first asked for and then kept. An export wins
 * over a method of the same name (a module may export "keys"); dunder names are left to
 * the methods and reached by exports[name] alone.
 */
#include "w2p_py_exports.h"

typedef struct {
    PyObject_HEAD
    PyObject *state;   /* the InstanceState whose exports these are */
    PyObject *index;   /* name -> (kind, index): the module's ModuleInfo.export_index */
    PyObject *objects; /* name -> the export's object, once made */
} exports_object;

static PyTypeObject *exports_type;

PyObject *w2p_py_exports_new(PyObject *state, PyObject *index)
{
    exports_object *self = PyObject_GC_New(exports_object, exports_type);
    if (!self)
        return NULL;
    self->objects = PyDict_New();
    if (!self->objects) {
        self->state = self->index = NULL;
        Py_DECREF(self);
        return NULL;
    }
    Py_INCREF(state);
    self->state = state;
    Py_INCREF(index);
    self->index = index;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int is_dunder(PyObject *name)
{
    Py_ssize_t n = PyUnicode_GetLength(name);
    return n >= 4 && PyUnicode_ReadChar(name, 0) == '_' && PyUnicode_ReadChar(name, 1) == '_' &&
           PyUnicode_ReadChar(name, n - 1) == '_' && PyUnicode_ReadChar(name, n - 2) == '_';
}

/* The export `name`, which exists (`where` is its (kind, index)), made now and kept,
   unless under a dunder name, which attribute lookup must not find. */
static PyObject *fetch(exports_object *self, PyObject *name, PyObject *where)
{
    long kind = PyLong_AsLong(PyTuple_GetItem(where, 0));
    unsigned long index = PyLong_AsUnsignedLong(PyTuple_GetItem(where, 1));
    if (PyErr_Occurred())
        return NULL;
    PyObject *obj = w2p_cy_export_object(self->state, (int)kind, (uint32_t)index);
    if (obj && !is_dunder(name) && PyDict_SetItem(self->objects, name, obj) < 0)
        Py_CLEAR(obj);
    return obj;
}

static PyObject *exports_getitem(PyObject *op, PyObject *name)
{
    exports_object *self = (exports_object *)op;
    PyObject *kept = PyDict_GetItemWithError(self->objects, name);
    if (kept || PyErr_Occurred()) {
        Py_XINCREF(kept);
        return kept;
    }
    PyObject *where = PyDict_GetItemWithError(self->index, name);
    if (!where) {
        if (!PyErr_Occurred())
            PyErr_SetObject(PyExc_KeyError, name);
        return NULL;
    }
    return fetch(self, name, where);
}

static PyObject *exports_getattro(PyObject *op, PyObject *name)
{
    exports_object *self = (exports_object *)op;
    PyObject *kept = PyDict_GetItemWithError(self->objects, name);
    if (kept) {
        Py_INCREF(kept);
        return kept;
    }
    if (PyErr_Occurred())
        return NULL;
    PyObject *where = PyDict_GetItemWithError(self->index, name);
    if (where && !is_dunder(name))
        return fetch(self, name, where);
    if (PyErr_Occurred())
        return NULL;
    PyObject *attr = PyObject_GenericGetAttr(op, name);
    if (!attr && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_AttributeError, "no export named %R", name);
    }
    return attr;
}

static int exports_contains(PyObject *op, PyObject *name)
{
    return PyDict_Contains(((exports_object *)op)->index, name);
}

static PyObject *exports_iter(PyObject *op)
{
    return PyObject_GetIter(((exports_object *)op)->index);
}

static Py_ssize_t exports_len(PyObject *op)
{
    return PyDict_Size(((exports_object *)op)->index);
}

static PyObject *exports_keys(PyObject *op, PyObject *unused)
{
    (void)unused;
    return PyObject_CallMethod(((exports_object *)op)->index, "keys", NULL);
}

static PyObject *exports_items(PyObject *op, PyObject *unused)
{
    (void)unused;
    exports_object *self = (exports_object *)op;
    PyObject *items = PyList_New(0), *name, *where;
    Py_ssize_t pos = 0;
    while (items && PyDict_Next(self->index, &pos, &name, &where)) {
        PyObject *obj = exports_getitem(op, name);
        PyObject *pair = obj ? PyTuple_Pack(2, name, obj) : NULL;
        Py_XDECREF(obj);
        if (!pair || PyList_Append(items, pair) < 0)
            Py_CLEAR(items);
        Py_XDECREF(pair);
    }
    return items;
}

static PyObject *exports_dir(PyObject *op, PyObject *unused)
{
    (void)unused;
    return PyDict_Keys(((exports_object *)op)->index);
}

static PyObject *exports_repr(PyObject *op)
{
    PyObject *names = PyDict_Keys(((exports_object *)op)->index);
    if (!names)
        return NULL;
    PyObject *text = PyUnicode_FromFormat("<exports %R>", names);
    Py_DECREF(names);
    return text;
}

static int exports_traverse(PyObject *op, visitproc visit, void *arg)
{
    exports_object *self = (exports_object *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->state);
    Py_VISIT(self->index);
    Py_VISIT(self->objects);
    return 0;
}

static int exports_clear(PyObject *op)
{
    exports_object *self = (exports_object *)op;
    Py_CLEAR(self->state);
    Py_CLEAR(self->index);
    Py_CLEAR(self->objects);
    return 0;
}

static void exports_dealloc(PyObject *op)
{
    PyTypeObject *type = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    exports_clear(op);
    PyObject_GC_Del(op);
    Py_DECREF(type);
}

static PyMethodDef exports_methods[] = {
    {"keys", exports_keys, METH_NOARGS, NULL},
    {"items", exports_items, METH_NOARGS, NULL},
    {"__dir__", exports_dir, METH_NOARGS, NULL},
    {NULL},
};

static PyType_Slot exports_slots[] = {
    {Py_tp_doc, "A read-only mapping of export names to Function, Memory, Table and Global objects,\n"
                "each made when first asked for and then kept. An export wins over a method of the\n"
                "same name (a module may export \"keys\"); dunder names are left to the methods and\n"
                "reached by exports[name] alone."},
    {Py_tp_getattro, exports_getattro},
    {Py_mp_subscript, exports_getitem},
    {Py_mp_length, exports_len},
    {Py_sq_length, exports_len},
    {Py_sq_contains, exports_contains},
    {Py_tp_iter, exports_iter},
    {Py_tp_repr, exports_repr},
    {Py_tp_methods, exports_methods},
    {Py_tp_traverse, exports_traverse},
    {Py_tp_clear, exports_clear},
    {Py_tp_dealloc, exports_dealloc},
    {0, NULL},
};

static PyType_Spec exports_spec = {
    W2P_PY_MODULE ".Exports", sizeof(exports_object), 0,
    W2P_PY_TYPE_FLAGS | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION, exports_slots};

int w2p_py_exports_init(PyObject *globals)
{
    exports_type = (PyTypeObject *)w2p_py_add_type(globals, &exports_spec, NULL);
    return exports_type ? 0 : -1; /* kept for good, as the module keeps it */
}
