/*
 * addcall.c: the floor of a call of a C callable that is not a builtin function, for the
 * call overhead table of bench/run.py. An AddCall object does operator.add's work
 * behind PEP 590 vectorcall, as a Wasm function object does its own: CPython 3.11
 * specialises calls of builtin functions (operator.add) but takes every other callable
 * type down its generic call path, and so the difference between the two rows is what
 * that path costs.
 */
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
} AddCall;

static PyObject *addcall_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    (void)self;
    if (kwnames || PyVectorcall_NARGS(nargsf) != 2) {
        PyErr_SetString(PyExc_TypeError, "AddCall takes two positional arguments");
        return NULL;
    }
    return PyNumber_Add(args[0], args[1]);
}

static PyObject *addcall_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    (void)args;
    (void)kwargs;
    AddCall *self = (AddCall *)type->tp_alloc(type, 0);
    if (self)
        self->vectorcall = addcall_vectorcall;
    return (PyObject *)self;
}

static PyMemberDef addcall_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(AddCall, vectorcall), READONLY, NULL},
    {NULL},
};

static PyType_Slot addcall_slots[] = {
    {Py_tp_new, addcall_new},
    {Py_tp_call, PyVectorcall_Call},
    {Py_tp_members, addcall_members},
    {0, NULL},
};

static PyType_Spec addcall_spec = {
    "addcall.AddCall", sizeof(AddCall), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL, addcall_slots,
};

static struct PyModuleDef addcall_module = {PyModuleDef_HEAD_INIT, "addcall", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_addcall(void)
{
    PyObject *m = PyModule_Create(&addcall_module);
    if (!m)
        return NULL;
    PyObject *type = PyType_FromSpec(&addcall_spec);
    if (!type || PyModule_AddObject(m, "AddCall", type) < 0) {
        Py_XDECREF(type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
