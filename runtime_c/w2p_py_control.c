/*
 * w2p_py_control.c: `with deadline(seconds):`, over the thread's deadline that the
 * watchdog enforces (w2p_deadline and w2p_set_deadline in w2p_rt.h).
 */
#include "w2p_py_control.h"

typedef struct {
    PyObject_HEAD
    int64_t seconds_ns;
    int64_t before; /* the thread's deadline outside the block, put back on leaving it */
} deadline_object;

static int deadline_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"seconds", NULL};
    PyObject *seconds;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:deadline", names, &seconds))
        return -1;
    /* Compared as Python numbers first: NaN, and ints too big for a double, are not
       refused by a conversion's error but by the comparison, with the same message. */
    int number = PyLong_Check(seconds) || PyFloat_Check(seconds);
    PyObject *zero = number ? PyLong_FromLong(0) : NULL;
    int at_least_zero = zero ? PyObject_RichCompareBool(seconds, zero, Py_GE) : 0;
    Py_XDECREF(zero);
    if (at_least_zero < 0)
        return -1;
    if (!at_least_zero) {
        PyErr_Format(PyExc_ValueError, "a deadline is a number of seconds >= 0, not %R", seconds);
        return -1;
    }
    double s = PyFloat_AsDouble(seconds);
    if (s == -1.0 && PyErr_Occurred())
        return -1;
    /* At most 1e17 ns (three years): far enough, and no overflow when added to now. */
    ((deadline_object *)self)->seconds_ns = (int64_t)(s * 1e9 < 1e17 ? s * 1e9 : 1e17);
    return 0;
}

static PyObject *deadline_enter(PyObject *self, PyObject *unused)
{
    (void)unused;
    deadline_object *d = (deadline_object *)self;
    d->before = w2p_deadline();
    int64_t at = w2p_now() + d->seconds_ns;
    w2p_set_deadline(d->before == 0 || at < d->before ? at : d->before); /* the earlier holds */
    Py_INCREF(self);
    return self;
}

static PyObject *deadline_exit(PyObject *self, PyObject *exc)
{
    (void)exc;
    w2p_set_deadline(((deadline_object *)self)->before);
    Py_RETURN_FALSE;
}

static void deadline_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    freefunc free_self = (freefunc)PyType_GetSlot(type, Py_tp_free);
    free_self(self);
    Py_DECREF(type);
}

static PyMethodDef deadline_methods[] = {
    {"__enter__", deadline_enter, METH_NOARGS, NULL},
    {"__exit__", deadline_exit, METH_VARARGS, NULL},
    {NULL},
};

static PyType_Slot deadline_slots[] = {
    {Py_tp_doc, "deadline(seconds)\n"
                "with wasm2pyext.deadline(seconds): Wasm code that this thread runs in the block\n"
                "traps with kind \"interrupted\" once `seconds` have passed (within a millisecond or\n"
                "two: the runtime's watchdog looks every millisecond). Blocks nest: the earlier\n"
                "deadline holds."},
    {Py_tp_init, deadline_init},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_dealloc, deadline_dealloc},
    {Py_tp_methods, deadline_methods},
    {0, NULL},
};

static PyType_Spec deadline_spec = {W2P_PY_MODULE ".deadline", sizeof(deadline_object), 0, W2P_PY_TYPE_FLAGS,
                                    deadline_slots};

int w2p_py_control_init(PyObject *globals)
{
    PyObject *type = w2p_py_add_type(globals, &deadline_spec, NULL);
    Py_XDECREF(type);
    return type ? 0 : -1;
}
