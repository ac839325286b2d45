/*
 * w2p_pycall.h: the fast paths of calls across the boundary, both ways, included by the
 * shim (shim/functions.pxi), which keeps the general paths.
 *
 * Most calls pass a few numbers and get one number (or nothing) back. Python -> Wasm,
 * such calls are taken by the vectorcall each module generates for the function's type
 * (templates/module.c.j2); this header has the one that serves any type, for functions
 * without one (modules built against the stable ABI, whose calls come through tp_call)
 * and for the stable ABI's tp_call. Both convert exact ints and floats straight from the
 * argument vector into Wasm values (w2p_pyconv.h), cross the boundary (or not, for a
 * function that cannot trap) and box the result; anything else (a Value, a reference,
 * an int subclass, a value out of range, more results) is left to the general path,
 * before any Wasm code has run. Wasm -> Python, a host function of such a type gets its
 * arguments boxed into a vector and is called by PEP 590 vectorcall.
 */
#ifndef W2P_PYCALL_H
#define W2P_PYCALL_H

#include "w2p_control.h"
#include "w2p_pyconv.h"

/* Most parameters the fast path handles (the vector of Wasm values lives on the stack). */
#define W2P_FAST_MAX_PARAMS 8

/* What w2p_fast_call returns instead of a result: the general path must make the call. */
#define W2P_CALL_GENERAL ((PyObject *)1)

/* PEP 590's argument count (the 3.11 limited API lacks PyVectorcall_NARGS). */
static inline Py_ssize_t w2p_vectorcall_nargs(size_t nargsf)
{
    return (Py_ssize_t)(nargsf & ~((size_t)1 << (8 * sizeof(size_t) - 1)));
}

/* Calls f with args: its result (None when it has none), a new reference; NULL when it
   trapped (*kind and *where set as by w2p_invoke; a Python error is set only for a host
   function's exception) or boxing failed; or W2P_CALL_GENERAL. */
static inline PyObject *w2p_fast_call(const w2p_func *f, PyObject *const *args, Py_ssize_t nargs, int *kind,
                                      const char **where)
{
    const w2p_functype *t = f->type;
    const char *sig = t->sig;
    w2p_val vals[W2P_FAST_MAX_PARAMS];
    *kind = W2P_TRAP_NONE;
    if (nargs != (Py_ssize_t)t->num_params || nargs > W2P_FAST_MAX_PARAMS || t->num_results > 1)
        return W2P_CALL_GENERAL;
    char result = t->num_results ? sig[nargs + 1] : 0;
    if (result == 'r' || result == 'x' || result == 'V')
        return W2P_CALL_GENERAL;
    for (Py_ssize_t i = 0; i < nargs; i++)
        if (!w2p_fast_arg(args[i], sig[i], &vals[i]))
            return W2P_CALL_GENERAL;
    if (f->flags & W2P_FUNC_CANNOT_TRAP) {
        f->entry(f, vals, vals); /* no boundary needed: nothing in it unwinds */
    } else {
        *kind = w2p_call(f, vals, vals, where);
        if (*kind != W2P_TRAP_NONE)
            return NULL;
    }
    if (!result)
        Py_RETURN_NONE;
    return w2p_box(&vals[0], result);
}

/* A Function object's vectorcall (PEP 590; unused under the limited API, whose calls come
   through tp_call) where its type has none of its module's: what it does not take goes
   to the shim's general path, through the registered runtime's API. */
static PyObject *w2p_function_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (kwnames == NULL) {
        int kind;
        const char *where = NULL;
        PyObject *r = w2p_fast_call(w2p_function_func(self), args, w2p_vectorcall_nargs(nargsf), &kind, &where);
        if (r != W2P_CALL_GENERAL)
            return r != NULL || kind == W2P_TRAP_NONE ? r : w2p_raise_trap(self, kind, where);
    }
    return w2p_pycall_general(self, args, nargsf, kwnames);
}

/* ---- Wasm -> Python: a host function's call, fast when its parameters are numbers and
   it has at most one result ---- */

/* The shim's general handling of a host function's result (type t, one of "iIfF"): 0, or
   -1 with a Python error set. */
typedef int (*w2p_host_result_fn)(w2p_host_func *self, PyObject *result, w2p_val *out);
/* Raises the Trap for a host call without enough stack left; returns -1. */
typedef int (*w2p_host_exhausted_fn)(void);
/* The shim's w2p_host_func.call for the calls the fast one does not take. */
typedef int (*w2p_host_call_fn)(w2p_host_func *self, w2p_val *vals);

static w2p_host_result_fn w2p_host_result_general;
static w2p_host_exhausted_fn w2p_host_exhausted;
static w2p_host_call_fn w2p_host_call_general;

static void w2p_host_call_init(w2p_host_result_fn result_general, w2p_host_exhausted_fn exhausted,
                               w2p_host_call_fn call_general)
{
    w2p_host_result_general = result_general;
    w2p_host_exhausted = exhausted;
    w2p_host_call_general = call_general;
}

/* The w2p_host_func.call of host functions the fast call does not take: the shim's, with
   the GIL held first (Wasm code may have let it go). */
static int w2p_host_call_slow(w2p_host_func *self, w2p_val *vals)
{
    w2p_hold_gil();
    return w2p_host_call_general(self, vals);
}

/* callable(*argv[:n]), a new reference or NULL: PEP 590's call, or under the stable ABI
   of 3.11, which lacks it, a call with a tuple. */
static PyObject *w2p_call_vector(PyObject *callable, PyObject *const *argv, uint32_t n)
{
#if defined(Py_LIMITED_API) && Py_LIMITED_API < 0x030C0000
    PyObject *args = PyTuple_New(n);
    if (!args)
        return NULL;
    for (uint32_t i = 0; i < n; i++) {
        Py_INCREF(argv[i]);
        PyTuple_SetItem(args, i, argv[i]); /* steals the new reference; cannot fail here */
    }
    PyObject *result = PyObject_Call(callable, args, NULL);
    Py_DECREF(args);
    return result;
#else
    return PyObject_Vectorcall(callable, argv, n, NULL);
#endif
}

/* Whether a host function of type t may use w2p_host_call_fast. */
static inline int w2p_host_fast_type(const w2p_functype *t)
{
    if (t->num_params > W2P_FAST_MAX_PARAMS || t->num_results > 1)
        return 0;
    for (const char *c = t->sig; *c; c++)
        if (*c == 'r' || *c == 'x' || *c == 'V')
            return 0;
    return 1;
}

/* The w2p_host_func.call of host functions of such types: the arguments boxed straight
   into a vector for PEP 590's call, the result unboxed without a detour through Python
   code when it is an exact int or float. 0, or -1 with a Python error set. */
static int w2p_host_call_fast(w2p_host_func *self, w2p_val *vals)
{
    const w2p_functype *t = self->type;
    PyObject *argv[W2P_FAST_MAX_PARAMS];
    uint32_t n = t->num_params, i;
    char here;
    w2p_hold_gil(); /* before anything of Python's: Wasm code may have let it go */
    int outside = w2p_host_enter(&here);
    if (outside < 0)
        return w2p_host_exhausted();
    for (i = 0; i < n; i++) {
        argv[i] = w2p_box(&vals[i], t->sig[i]);
        if (!argv[i]) {
            while (i--)
                Py_DECREF(argv[i]);
            w2p_host_leave(outside);
            return -1;
        }
    }
    PyObject *result = w2p_call_vector((PyObject *)self->callable, argv, n);
    for (i = 0; i < n; i++)
        Py_DECREF(argv[i]);
    if (!result) {
        w2p_host_leave(outside);
        return -1;
    }
    int status = 0;
    if (t->num_results == 1 && !w2p_fast_arg(result, t->sig[n + 1], &vals[0]))
        status = w2p_host_result_general(self, result, vals);
    Py_DECREF(result);
    w2p_host_leave(outside);
    return status;
}

/* Takes over a new reference as the result of a Cython function returning `object`. */
static inline PyObject *w2p_steal(PyObject *o)
{
    return o;
}

#endif /* W2P_PYCALL_H */
