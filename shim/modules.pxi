# ModuleInfo (a generated module's description) and the Python module made of it.
# Part of the runtime module: included by shim/runtime.pyx.

_KINDS = ("func", "table", "memory", "global")


cdef str _text(const char *s, uint32_t n):
    """A UTF-8 name of n bytes (it may hold NUL bytes)."""
    return s[:n].decode("utf-8")


cdef inline bint _is_dunder(str name):
    cdef Py_ssize_t n = len(name)
    return n >= 4 and name[0] == u"_" and name[1] == u"_" and name[n - 1] == u"_" and name[n - 2] == u"_"


cdef class ModuleInfo:
    """A generated module's description (w2p_module), with its interned types."""
    cdef const w2p_module *desc
    cdef list types  # FuncType by type index
    cdef dict names_by_c_name
    cdef readonly list imports
    cdef readonly list exports
    cdef dict export_index  # name -> (kind, index)

    cdef str func_label(self, uint32_t index):
        """How messages name a function: its name from the name section, else the first
        name it is exported under, with its index ('sum' (#3)); else func[3]."""
        cdef const w2p_func_desc *d = &self.desc.funcs[index]
        if d.name != NULL:
            return f"{d.name[:d.name_len].decode('utf-8', 'replace')!r} (#{index})"
        for name, (kind, i) in self.export_index.items():
            if kind == 0 and i == index:
                return f"{name!r} (#{index})"
        return f"func[{index}]"

    cdef object param_names(self, uint32_t index):
        """The Python names of a function's parameters from the name section (a tuple),
        or None where it names none."""
        cdef const w2p_func_desc *d = &self.desc.funcs[index]
        cdef const char *p = d.param_names
        if p == NULL:
            return None
        names = []
        for _ in (<FuncType>self.types[d.type]).params:
            name = <bytes>p  # up to its NUL
            names.append(name.decode("ascii"))
            p += len(name) + 1
        return tuple(names)

    cdef str display_name(self, const char *c_name):
        """func_label of the function whose C name is c_name (what a trap reports)."""
        if self.names_by_c_name is None:
            self.names_by_c_name = {}
            for i in range(self.desc.num_funcs):
                if self.desc.funcs[i].c_name != NULL:
                    self.names_by_c_name[self.desc.funcs[i].c_name] = self.func_label(i)
        key = <bytes>c_name
        return self.names_by_c_name.get(key, key.decode("utf-8", "replace"))

    cdef object extern_type(self, int kind, uint32_t index):
        """An import's or export's type, as data."""
        cdef const w2p_limits *lim
        cdef const w2p_global_desc *g
        if kind == 0:
            t = <FuncType>self.types[self.desc.funcs[index].type]
            return (t.params, t.results)
        if kind == 1:
            lim = &self.desc.tables[index].limits
            elem = "funcref" if self.desc.tables[index].elem_type == W2P_FUNCREF else "externref"
            return (elem, lim.min, lim.max if lim.has_max else None)
        if kind == 2:
            lim = &self.desc.memories[index].limits
            return (lim.min, lim.max if lim.has_max else None)
        g = &self.desc.globals[index]
        return (_TYPE_NAMES[_VALTYPE_CHARS[g.type]], bool(g.mutable_))


cdef ModuleInfo make_info(const w2p_module *desc):
    cdef ModuleInfo info = ModuleInfo.__new__(ModuleInfo)
    cdef const w2p_extern_desc *e
    info.desc = desc
    if w2p_register_module(desc) != 0:
        raise MemoryError()
    info.types = [intern_type(<bytes>desc.types[i].sig) for i in range(desc.num_types)]
    info.imports = []
    for i in range(desc.num_imports):
        e = &desc.imports[i]
        info.imports.append((_text(e.module, e.module_len), _text(e.name, e.name_len), _KINDS[e.kind],
                             info.extern_type(e.kind, e.index)))
    info.exports = []
    info.export_index = {}
    for i in range(desc.num_exports):
        e = &desc.exports[i]
        # Interned, as the attribute names in code are: a lookup by one matches by identity.
        name = _sys.intern(_text(e.name, e.name_len))
        info.exports.append(("", name, _KINDS[e.kind], info.extern_type(e.kind, e.index)))
        info.export_index[name] = (e.kind, e.index)
    return info


cdef inline void **slot(w2p_ctx *inst, size_t offset):
    return <void **>(<char *>inst + offset)


cdef object lookup_import(object imports, str module, str name):
    try:
        return imports[module][name]
    except (KeyError, TypeError, IndexError):
        raise LinkError(f"unknown import: {module!r} {name!r}") from None


cdef int check_limits(str what, uint32_t size, object maximum, const w2p_limits *want) except -1:
    """An imported memory or table matches when it is at least as big and at most as
    growable as declared."""
    if size < want.min:
        raise LinkError(f"incompatible import type: {what} of size {size}, at least {want.min} required")
    if want.has_max and (maximum is None or maximum > want.max):
        raise LinkError(f"incompatible import type: {what} of maximum {maximum}, at most {want.max} required")
    return 0


include "wasi.pxi"


cdef w2p_monitor *group_of(object source):
    """The group an import's source belongs to (NULL: none, for a host function)."""
    if isinstance(source, InstanceState):
        return (<InstanceState>source).inst.monitor
    if isinstance(source, Memory):
        return (<Memory>source).group
    if isinstance(source, Table):
        return (<Table>source).group
    if isinstance(source, Global):
        return (<Global>source).group
    return NULL


# ======== Building the Python module of a generated module ========

def _spell_extern(kind, typ, param_names=None):
    """An import's or export's type as help() shows it: (i32, i32) -> i32, with parameter
    names (left: i32, right: i32) -> i32, : global mut i64."""
    if kind == "func":
        params, results = typ
        if param_names:
            params = [f"{name}: {t}" for name, t in zip(param_names, params)]
        ret = "None" if not results else results[0] if len(results) == 1 else f"({', '.join(results)})"
        return f"({', '.join(params)}) -> {ret}"
    if kind == "global":
        return f": global {'mut ' if typ[1] else ''}{typ[0]}"
    # memory: (min, max); table: (element, min, max); max None when unbounded
    low, high = typ if kind == "memory" else typ[1:]
    limits = f"{low}..{'' if high is None else high}"
    return f": memory of {limits} pages" if kind == "memory" else f": table of {limits} {typ[0]}"


def _instance_doc(name, ModuleInfo info):
    """The Instance class's doc string: what help() shows, the exports among it (with
    their parameters' names, where the name section has them)."""
    exports, imports = info.exports, info.imports
    param_names = {export: info.param_names(index) for export, (kind, index) in info.export_index.items()
                   if kind == 0}
    lines = [f"An instance of the WebAssembly module {name}: Instance(imports=None, wasi=None).", ""]
    if exports:
        lines.append("Exports (instance.exports.NAME):")
        lines += [f"    {export}{_spell_extern(kind, typ, param_names.get(export))}" for _, export, kind, typ in exports]
    if imports:
        lines.append("Imports (Instance(imports={module: {name: object}})):")
        lines += [f"    {module} {field}{_spell_extern(kind, typ)}" for module, field, kind, typ in imports]
    return "\n".join(lines)


cdef extern from "w2p_py.h":
    object w2p_py_lazy_attribute(object make, object args)
    int w2p_py_lazy_init(object namespace) except -1


w2p_py_lazy_init(globals())


cdef object create_module_obj(const w2p_module *desc):
    info = make_info(desc)
    name = desc.name.decode()
    module = _types.ModuleType(name, f"WebAssembly module {name} (built by wasm2pyext)")
    instance_class = w2p_subclass(Instance, f"{name}.Instance".encode(), NULL)
    # Made when help() or the like first reads it: 60,000 instructions an import saved.
    instance_class.__doc__ = w2p_py_lazy_attribute(_instance_doc, (name, info))
    instance_class._module_info = info
    module.Instance = instance_class
    module.wasm_sha256 = desc.wasm_sha256.decode()
    module.imports = info.imports
    module.exports = info.exports
    for public in ("Value", "Error", "Trap", "LinkError", "Memory", "Global", "Table", "Function", "WasiConfig",
                   "WasiExit"):
        setattr(module, public, globals()[public])
    return module


cdef void *create_module(const w2p_module *desc) except NULL:
    module = create_module_obj(desc)
    Py_INCREF(module)
    return <void *>module


ctypedef void *(*create_module_fn)(const w2p_module *) noexcept
ctypedef void *(*general_call_fn)(void *self, void *const *args, size_t nargsf, void *kwnames) noexcept
ctypedef void *(*raise_trap_fn)(void *self, int kind, const char *where) noexcept
