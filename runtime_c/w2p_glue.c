/*
 * w2p_glue.c: how a built module finds the shared runtime.
 *
 * Every built module carries a copy of the shim (the runtime module
 * _wasm2pyext_rt_<ABI>). The first one loaded in a process registers its copy in
 * sys.modules; every later module (and wasm2pyext itself) uses the registered one, so
 * all share the same classes (Trap, Value, Memory, ...) and the same trap boundary.
 */
#include <Python.h>

#include "w2p_rt.h"

#define W2P_STR2(x) #x
#define W2P_STR(x) W2P_STR2(x)
#define W2P_RT_NAME "_wasm2pyext_rt_" W2P_STR(W2P_ABI_VERSION)
#define W2P_RT_INIT_CAT(v) PyInit__wasm2pyext_rt_##v
#define W2P_RT_INIT(v) W2P_RT_INIT_CAT(v)

/* The embedded copy's init function (single-phase init: it returns the module). */
PyObject *W2P_RT_INIT(W2P_ABI_VERSION)(void);

static PyObject *shared_runtime(void)
{
    PyObject *name = PyUnicode_FromString(W2P_RT_NAME);
    if (!name)
        return NULL;
    PyObject *rt = PyImport_GetModule(name);
    Py_DECREF(name);
    if (rt || PyErr_Occurred())
        return rt;
    rt = W2P_RT_INIT(W2P_ABI_VERSION)();
    if (!rt)
        return NULL;
    if (PyDict_SetItemString(PyImport_GetModuleDict(), W2P_RT_NAME, rt) < 0) {
        Py_DECREF(rt);
        return NULL;
    }
    return rt;
}

PyObject *w2p_load_module(const w2p_module *module)
{
    PyObject *rt = shared_runtime();
    if (!rt)
        return NULL;
    PyObject *capsule = PyObject_GetAttrString(rt, "_C_API");
    Py_DECREF(rt);
    if (!capsule)
        return NULL;
    const w2p_api *api = PyCapsule_GetPointer(capsule, W2P_RT_NAME "._C_API");
    Py_DECREF(capsule);
    if (!api)
        return NULL;
    if (api->abi_version != W2P_ABI_VERSION || module->abi_version != W2P_ABI_VERSION) {
        PyErr_Format(PyExc_ImportError, "%s: built for wasm2pyext runtime ABI %u, the loaded runtime has %u",
                     module->name, (unsigned)module->abi_version, (unsigned)api->abi_version);
        return NULL;
    }
    return api->create_module(module);
}
