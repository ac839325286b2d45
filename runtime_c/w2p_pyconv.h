/*
 * w2p_pyconv.h: numbers between Python objects and Wasm values, in C, for the calls'
 * fast paths: the runtime's (w2p_pycall.h) and the generated vectorcall of each function
 * type (templates/module.c.j2). Anything these do not take (a Value, an int subclass or
 * out of range) is left to the shim's general path, which raises the right errors.
 */
#ifndef W2P_PYCONV_H
#define W2P_PYCONV_H

#include <Python.h>

#include "w2p_rt.h"

/* An exact int, when it fits a long long; 0 if not (then the general path decides). */
static inline int w2p_small_int(PyObject *x, long long *out)
{
    if (!PyLong_CheckExact(x))
        return 0;
#if !defined(Py_LIMITED_API) && PY_VERSION_HEX >= 0x030C0000
    if (PyUnstable_Long_IsCompact((PyLongObject *)x)) {
        Py_ssize_t v = PyUnstable_Long_CompactValue((PyLongObject *)x);
        /* One digit: telling the compiler lets it drop the callers' range checks. */
        if (v >= (Py_ssize_t)1 << PyLong_SHIFT || v <= -((Py_ssize_t)1 << PyLong_SHIFT))
            __builtin_unreachable();
        *out = v;
        return 1;
    }
#elif !defined(Py_LIMITED_API)
    /* CPython 3.11's layout: the size's sign is the number's, one digit holds 30 bits. */
    Py_ssize_t size = Py_SIZE(x);
    if (size >= -1 && size <= 1) {
        digit d = ((PyLongObject *)x)->ob_digit[0];
        if (d >> PyLong_SHIFT) /* as above */
            __builtin_unreachable();
        *out = size * (long long)d;
        return 1;
    }
#endif
    int overflow;
    *out = PyLong_AsLongLongAndOverflow(x, &overflow);
    if (overflow || (*out == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

#ifdef Py_LIMITED_API
#define W2P_FLOAT_VALUE(x) PyFloat_AsDouble(x) /* cannot fail on an exact float */
#else
#define W2P_FLOAT_VALUE(x) PyFloat_AS_DOUBLE(x)
#endif

/* Python -> Wasm value of type t (a letter of w2p_functype.sig, one of "iIfF"); 0 if not
   fast (then the general path decides). Also unboxes a host function's result. */
static inline int w2p_fast_arg(PyObject *x, char t, w2p_val *out)
{
    long long v;
    switch (t) {
    case 'i': /* signed or unsigned 32-bit: [-2**31, 2**32) */
        if (!w2p_small_int(x, &v) || v < -2147483648LL || v > 4294967295LL)
            return 0;
        out->i32 = (uint32_t)v;
        return 1;
    case 'I': /* signed 64-bit (the general path also takes unsigned) */
        if (!w2p_small_int(x, &v))
            return 0;
        out->i64 = (uint64_t)v;
        return 1;
    case 'f':
        if (!PyFloat_CheckExact(x))
            return 0;
        out->f32 = (float)W2P_FLOAT_VALUE(x);
        return 1;
    case 'F':
        if (!PyFloat_CheckExact(x))
            return 0;
        out->f64 = W2P_FLOAT_VALUE(x);
        return 1;
    default:
        return 0;
    }
}

/* Ints in CPython's range of shared small ints. PyLong_FromLong hands out one object
   for each of these anyway; a function's result is so often one of them (a flag, a
   count, a status) that boxing it as a load instead of a call is worth the slots, which
   each copy of this header fills as it meets the values. */
#define W2P_SMALL_INT_MIN (-5)
#define W2P_SMALL_INT_MAX 256
static PyObject *w2p_small_ints[W2P_SMALL_INT_MAX - W2P_SMALL_INT_MIN + 1];

/* Wasm -> Python, one function per type: each a new reference (NULL only on no memory). */
static inline PyObject *w2p_box_i64(int64_t x)
{
    if ((uint64_t)x - W2P_SMALL_INT_MIN > (uint64_t)(W2P_SMALL_INT_MAX - W2P_SMALL_INT_MIN))
        return PyLong_FromLongLong(x);
    PyObject **slot = &w2p_small_ints[x - W2P_SMALL_INT_MIN];
    if (!*slot && !(*slot = PyLong_FromLongLong(x)))
        return NULL;
    Py_INCREF(*slot);
    return *slot;
}

static inline PyObject *w2p_box_i32(int32_t x)
{
    return w2p_box_i64(x);
}

static inline PyObject *w2p_box_f32(float x)
{
    return PyFloat_FromDouble(x);
}

static inline PyObject *w2p_box_f64(double x)
{
    return PyFloat_FromDouble(x);
}

/* Wasm value of type t (one of "iIfF") -> Python: a new reference. */
static inline PyObject *w2p_box(const w2p_val *v, char t)
{
    switch (t) {
    case 'i':
        return w2p_box_i32((int32_t)v->i32);
    case 'I':
        return w2p_box_i64((int64_t)v->i64);
    case 'f':
        return w2p_box_f32(v->f32);
    default:
        return w2p_box_f64(v->f64);
    }
}

/* ---- For the generated vectorcalls: what they leave to the registered runtime ---- */

/* The w2p_func of a Function object, wherever the registered runtime's Function type
   keeps it. */
static inline const w2p_func *w2p_function_func(PyObject *self)
{
    return *(const w2p_func **)((char *)self + w2p_runtime_api->function_func_offset);
}

/* The general path of a call: its result, or NULL with an exception set. */
static inline PyObject *w2p_pycall_general(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    return (PyObject *)w2p_runtime_api->general_call(self, (void *const *)args, nargsf, kwnames);
}

/* Raises the Trap of a call of self that trapped (kind): NULL. A host function's exception
   is raised already; it goes on as it is, its traceback going from the caller's frame to
   the host function's, with none of the shim's in between. */
static inline PyObject *w2p_raise_trap(PyObject *self, int kind, const char *where)
{
    if (kind != W2P_TRAP_HOST_EXCEPTION)
        w2p_runtime_api->raise_trap(self, kind, where);
    return NULL;
}

/* Calls f, the function of self, under the boundary (args in vals, results over them):
   0, or -1 with the Trap (or a host function's exception) raised. */
static inline int w2p_pycall_invoke(PyObject *self, const w2p_func *f, w2p_val *vals)
{
    const char *where = NULL;
    int kind = w2p_runtime_api->invoke(f, vals, vals, &where);
    if (kind == W2P_TRAP_NONE)
        return 0;
    w2p_raise_trap(self, kind, where);
    return -1;
}

#endif /* W2P_PYCONV_H */
