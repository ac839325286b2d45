# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, embedsignature=True, binding=False, auto_pickle=False
"""The wasm2pyext runtime module: the Python face of every built module.

Generic (nothing here depends on a particular Wasm module): translated by Cython and
compiled once, then linked into every built module and into wasm2pyext itself. The
first copy loaded in a process registers itself in sys.modules as _wasm2pyext_rt_<ABI>
(runtime_c/w2p_glue.c) and all others use it, so every built module shares these classes.

A generated module describes itself with a w2p_module (runtime_c/w2p_rt.h);
create_module() turns that into a Python module whose Instance class instantiates it.
"""
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy, strcmp
from cpython.buffer cimport PyBuffer_FillInfo
from cpython.bytes cimport PyBytes_AsString, PyBytes_FromStringAndSize
from cpython.bytearray cimport PyByteArray_AsString
from cpython.dict cimport PyDict_GetItemWithError
from cpython.object cimport PyObject_GenericGetAttr
from cpython.pycapsule cimport PyCapsule_New
from cpython.slice cimport PySlice_AdjustIndices, PySlice_Unpack
from cpython.ref cimport PyObject, Py_INCREF
from cpython.tuple cimport PyTuple_GetItem

from w2p_rt cimport *

import sys as _sys
import types as _types

RUNTIME_NAME = __name__

include "errors.pxi"
include "control.pxi"
include "values.pxi"
include "traps.pxi"
include "functions.pxi"
include "memory.pxi"
include "globals.pxi"
include "tables.pxi"
include "modules.pxi"
include "instances.pxi"


cdef extern from "w2p_shim.h":
    void w2p_untrack_static_type(object type)


cdef Py_ssize_t _vectorcall_offset(Function probe):
    return <Py_ssize_t>(<char *>&probe.vectorcall - <char *><PyObject *>probe)


cdef Py_ssize_t _f_offset(Function probe):
    return <Py_ssize_t>(<char *>&probe.f - <char *><PyObject *>probe)


w2p_enable_vectorcall(Function, _vectorcall_offset(Function.__new__(Function)))


cdef void _untrack_classes():
    # Every cdef class above (the exception classes are heap types, left to the collector).
    for cls in (FuncType, Value, Function, HostFunction, Memory, MemoryView, Global, Table, ModuleInfo,
                InstanceState, WasiConfig, _WasiOutput, _WasiInput, WasiState):
        w2p_untrack_static_type(cls)


_untrack_classes()

cdef w2p_api API
API.abi_version = W2P_ABI_VERSION
API.create_module = <create_module_fn>create_module
API.function_func_offset = <size_t>_f_offset(Function.__new__(Function))
API.general_call = <general_call_fn>function_general_call
API.invoke = w2p_call
API.raise_trap = <raise_trap_fn>function_trap
w2p_runtime_api = &API  # this copy is the registered runtime: its own calls use it too
cdef bytes _CAPSULE_NAME = (RUNTIME_NAME + "._C_API").encode()
_C_API = PyCapsule_New(&API, _CAPSULE_NAME, NULL)
