# InstanceState, what an instance is made of; Instance and Exports are C
# (runtime_c/w2p_py_instance.c, w2p_py_exports.c).
# Part of the runtime module: included by shim/runtime.pyx.

cdef class InstanceState:
    """What an instance is made of: its C context, its functions, memories, tables and
    globals, and the references it holds. Its Functions keep it alive, and so do its
    Tables and Globals once they leave it; it refers to nothing that faces the user (the
    Instance, its Exports), so an instance that nothing links with is freed as soon as
    the last of those goes, not at the collector's next pass, which may come hundreds
    of instances and their memories later."""
    cdef w2p_ctx *inst
    cdef w2p_func *own_funcs
    cdef ModuleInfo info
    cdef list keep  # what the instance holds pointers into
    cdef list linked  # instances that imported something of this one
    cdef dict pool
    cdef list memories, tables, globals
    cdef WasiState wasi  # when the runtime provides WASI imports
    cdef bint counted  # among the live instances (set_limits)

    cdef int _instantiate(self, ModuleInfo info, object imports, object wasi) except -1:
        global _live_instances
        cdef const w2p_module *desc = info.desc
        cdef const char *where = NULL
        cdef uint32_t i
        limit = _limits["instances"]
        if limit is not None and _live_instances >= limit:
            raise Error(f"this process already has {_live_instances} live instances, its limit "
                        "(wasm2pyext.set_limits)")
        _live_instances += 1
        self.counted = True
        self.info = info
        self.keep = []
        self.linked = []
        self.pool = {}
        self.inst = <w2p_ctx *>calloc(1, desc.instance_size)
        self.own_funcs = <w2p_func *>calloc(max(desc.num_funcs - desc.num_imported_funcs, 1), sizeof(w2p_func))
        if self.inst == NULL or self.own_funcs == NULL:
            raise MemoryError()
        self.inst.trap = w2p_trap_unwind
        self.inst.owner = <void *>self
        self.inst.requests = &w2p_no_requests
        self.inst.poll = w2p_poll
        self.inst.monitor = new_group()
        self.inst.fuel = _FUEL_MAX  # built with fuel: unlimited until set (Instance.fuel)
        for i in range(desc.num_types):
            (<const w2p_functype **>slot(self.inst, desc.types_slot))[i] = &(<FuncType>info.types[i]).ft
        self._install_fault_handler()
        self._link(imports if imports is not None else {}, wasi)
        self._define()
        if self.wasi is not None:
            wasi_attach_memory(self.wasi, info.export_index, self.memories)
        if desc.flags & W2P_MODULE_GUARD_PAGES:
            for i in range(len(self.memories)):
                if not w2p_memory_guarded(&(<Memory>self.memories[i]).mem):
                    error = LinkError if i < desc.num_imported_memories else MemoryError
                    raise error(f"memory {i} has no guard pages (8 GiB of address space), which this module, "
                                "built without --bounds-checks, relies on")
        cdef w2p_func init = w2p_instantiation(desc, self.inst)
        kind = w2p_call(&init, NULL, NULL, &where)
        check_trap(kind, where, self)
        if self.wasi is not None and "_initialize" in info.export_index and "_start" not in info.export_index:
            self.export_object(0, info.export_index["_initialize"][1])()  # a WASI reactor
        return 0

    cdef int _install_fault_handler(self) except -1:
        """Guard-page modules need the runtime's fault handler; where it exists, modules
        built with bounds checks use it too, for stack exhaustion."""
        if not w2p_guard_pages_available():
            if self.info.desc.flags & W2P_MODULE_GUARD_PAGES:
                raise Error(f"module {self.info.desc.name.decode()!r} was built for guard pages, which this "
                            "platform lacks: build it with --bounds-checks")
            return 0
        if w2p_guard_pages_install() != 0:
            raise OSError("cannot install the runtime's fault handler")
        return 0

    cdef int _link(self, object imports, object wasi) except -1:
        cdef const w2p_module *desc = self.info.desc
        cdef uint32_t i
        cdef w2p_func **funcs = <w2p_func **>slot(self.inst, desc.funcs_slot)
        cdef Memory mem
        cdef Table tab
        cdef Global glob
        cdef Function fn
        cdef HostFunction hf
        cdef const w2p_extern_desc *e
        cdef const w2p_table_desc *td
        cdef const w2p_memory_desc *md
        cdef const w2p_global_desc *gd
        self.memories, self.tables, self.globals = [], [], []
        for i in range(desc.num_imports):
            e = &desc.imports[i]
            module, name = _text(e.module, e.module_len), _text(e.name, e.name_len)
            if e.kind == 0 and wasi_provides(imports, module, name):
                if self.wasi is None:
                    self.wasi = new_wasi_state(wasi, desc.name.decode(), desc.num_imports)
                funcs[e.index] = wasi_bind(self.wasi, i, e.index, module, name, self.info.types[desc.funcs[e.index].type],
                                           &desc.types[desc.funcs[e.index].type])
                continue
            obj = lookup_import(imports, module, name)
            what = f"{module!r} {name!r}"
            if e.kind == 0:
                t = <FuncType>self.info.types[desc.funcs[e.index].type]
                if isinstance(obj, Function):
                    fn = obj
                    if fn.f.type != &t.ft:
                        raise LinkError(f"incompatible import type: {what} is {type_of(fn.f.type)!r}, {t!r} required")
                    funcs[e.index] = <w2p_func *>fn.f
                    self._pin(fn.owner)
                elif callable(obj) and not isinstance(obj, (Memory, Table, Global)):
                    hf = make_host_function(obj, t, &desc.types[desc.funcs[e.index].type])
                    funcs[e.index] = &hf.func
                    self.keep.append(hf)
                else:
                    raise LinkError(f"incompatible import type: {what} must be a function, got {type(obj).__name__}")
            elif e.kind == 1:
                if not isinstance(obj, Table):
                    raise LinkError(f"incompatible import type: {what} must be a Table, got {type(obj).__name__}")
                tab = obj
                td = &desc.tables[e.index]
                if tab.table.elem_type != td.elem_type:
                    raise LinkError(f"incompatible import type: {what} holds {tab.element}")
                check_limits(what, tab.table.size, tab.maximum, &td.limits)
                slot(self.inst, td.slot)[0] = &tab.table
                self.tables.append(tab)
                self._pin(tab)
            elif e.kind == 2:
                if not isinstance(obj, Memory):
                    raise LinkError(f"incompatible import type: {what} must be a Memory, got {type(obj).__name__}")
                mem = obj
                md = &desc.memories[e.index]
                check_limits(what, mem.mem.pages, mem.maximum, &md.limits)
                slot(self.inst, md.slot)[0] = &mem.mem
                self.memories.append(mem)
                self._pin(mem)
            else:
                if not isinstance(obj, Global):
                    raise LinkError(f"incompatible import type: {what} must be a Global, got {type(obj).__name__}")
                glob = obj
                gd = &desc.globals[e.index]
                if glob.cell.type != _VALTYPE_CHARS[gd.type] or glob.cell.mutable_ != gd.mutable_:
                    raise LinkError(f"incompatible import type: {what} is {glob!r}")
                slot(self.inst, gd.slot)[0] = &glob.cell
                self.globals.append(glob)
                self._pin(glob)
        return 0

    cdef int _pin(self, object source) except -1:
        """Keeps an import's source alive, and this instance alive with it where references
        may flow from this instance into it: into another instance (through the arguments
        of its functions), a table, or a mutable global of a reference type. Both then live
        and die together (the collector frees the pair); a memory holds no references.
        Either way the two share a group: one thread at a time runs their code."""
        self.keep.append(source)
        if isinstance(source, InstanceState):
            (<InstanceState>source).linked.append(self)
        elif isinstance(source, Table):
            (<Table>source).linked.append(self)
        elif isinstance(source, Global) and (<Global>source).holds_refs() and (<Global>source).cell.mutable_:
            (<Global>source).linked.append(self)
        join_groups(self.inst.monitor, group_of(source))
        return 0

    cdef int _define(self) except -1:
        cdef const w2p_module *desc = self.info.desc
        cdef uint32_t i
        cdef w2p_func **funcs = <w2p_func **>slot(self.inst, desc.funcs_slot)
        cdef w2p_func *f
        cdef Memory mem
        cdef Table tab
        cdef Global glob
        cdef const w2p_func_desc *d
        cdef const w2p_table_desc *td
        cdef const w2p_memory_desc *md
        cdef const w2p_global_desc *gd
        for i in range(desc.num_imported_funcs, desc.num_funcs):
            f = &self.own_funcs[i - desc.num_imported_funcs]
            d = &desc.funcs[i]
            f.type = &(<FuncType>self.info.types[d.type]).ft
            f.fn = d.fn
            f.ctx = self.inst
            f.entry = desc.types[d.type].entry
            f.pycall = desc.types[d.type].pycall
            f.index = i
            f.flags = d.flags
            funcs[i] = f
        for i in range(desc.num_imported_memories, desc.num_memories):
            md = &desc.memories[i]
            mem = Memory(md.limits.min, md.limits.max if md.limits.has_max else None)
            slot(self.inst, md.slot)[0] = &mem.mem
            self.memories.append(mem)
            join_groups(self.inst.monitor, mem.group)
        for i in range(desc.num_imported_tables, desc.num_tables):
            td = &desc.tables[i]
            tab = Table.__new__(Table)
            tab._init(td.elem_type == W2P_FUNCREF, td.limits.min, td.limits.max if td.limits.has_max else None)
            tab.pool = self.pool
            slot(self.inst, td.slot)[0] = &tab.table
            self.tables.append(tab)
            join_groups(self.inst.monitor, tab.group)
        for i in range(desc.num_imported_globals, desc.num_globals):
            gd = &desc.globals[i]
            if gd.slot != <size_t>-1:
                glob = new_global(_VALTYPE_CHARS[gd.type], gd.mutable_)
                slot(self.inst, gd.slot)[0] = &glob.cell
                self.globals.append(glob)
                join_groups(self.inst.monitor, glob.group)
            else:
                self.globals.append(None)
        return 0

    cdef object export_object(self, int kind, uint32_t index):
        """The object of an export: a new Function, or the instance's own Table, Memory or
        Global. A table or a global that holds references into this instance keeps it
        alive once it has left it (the pair is then a cycle); one that never leaves it
        does not need to."""
        cdef const w2p_module *desc = self.info.desc
        cdef w2p_func **funcs = <w2p_func **>slot(self.inst, desc.funcs_slot)
        cdef Table tab
        cdef Global glob
        if kind == 0:
            return function_of(funcs[index])
        if kind == 2:
            return self.memories[index]
        if kind == 1:
            tab = self.tables[index]
            if index >= desc.num_imported_tables:
                self._link_into(tab.linked)
            return tab
        glob = self.globals[index]
        if glob is not None and index >= desc.num_imported_globals and glob.holds_refs():
            self._link_into(glob.linked)
        return glob

    cdef void _link_into(self, list linked):
        """Puts this instance, once, among those an own table or global keeps alive."""
        if self not in linked:
            linked.append(self)

    def __dealloc__(self):
        global _live_instances
        if self.counted:
            _live_instances -= 1
        if self.inst != NULL:
            w2p_monitor_decref(self.inst.monitor)
        free(self.inst)
        free(self.own_funcs)


# Instance.fuel's start, unlimited in practice: int64_t's maximum, centuries of instructions.
_FUEL_MAX = 2**63 - 1


cdef extern from "w2p_py_instance.h":
    object w2p_py_instance_init(object namespace)


Instance = w2p_py_instance_init(globals())


# What Instance (runtime_c/w2p_py_instance.c) asks of its InstanceState.

cdef public object w2p_cy_instantiate(object info, object imports, object wasi):
    cdef InstanceState state = InstanceState.__new__(InstanceState)
    state._instantiate(info, imports, wasi)
    return (state, w2p_py_exports_new(state, state.info.export_index))


cdef public object w2p_cy_state_memory(object state):
    memories = (<InstanceState>state).memories
    return memories[0] if memories else None


cdef public w2p_ctx *w2p_cy_state_ctx(object state):
    return (<InstanceState>state).inst


cdef public const w2p_module *w2p_cy_state_module(object state):
    return (<InstanceState>state).info.desc


cdef extern from "w2p_py_exports.h":
    int w2p_py_exports_init(object namespace) except -1
    object w2p_py_exports_new(object state, object index)


w2p_py_exports_init(globals())  # Exports


cdef public object w2p_cy_export_object(object state, int kind, uint32_t index):
    """For Exports (runtime_c/w2p_py_exports.c)."""
    return (<InstanceState>state).export_object(kind, index)
