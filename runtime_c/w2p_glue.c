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

const w2p_api *w2p_runtime_api;

/* The embedded copy's init function (compiled for single-phase init: it returns the
   module itself). */
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

/* A generated module's Python module is made by the shared runtime, so its definition
   is multi-phase: a create slot and nothing else. */
typedef struct w2p_module_def {
    PyModuleDef def;
    PyModuleDef_Slot slots[2];
    const w2p_module *module;
} w2p_module_def;

static PyObject *create_module(PyObject *spec, PyModuleDef *def)
{
    (void)spec;
    const w2p_module *module = ((w2p_module_def *)def)->module;
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
    w2p_runtime_api = api;
    return api->create_module(module);
}

PyObject *w2p_load_module(const w2p_module *module)
{
    /* Lives as long as the process, as extension modules do. */
    w2p_module_def *d = PyMem_Calloc(1, sizeof *d);
    if (!d)
        return PyErr_NoMemory();
    d->module = module;
    d->slots[0].slot = Py_mod_create;
    d->slots[0].value = (void *)create_module;
    PyModuleDef def = {PyModuleDef_HEAD_INIT};
    def.m_name = module->name;
    def.m_slots = d->slots;
    d->def = def;
    return PyModuleDef_Init(&d->def);
}
