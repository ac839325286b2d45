# Generated from runtime_c/w2p_rt.h by wasm2pyext/cdecls.py: do not edit.
# Regenerate with: python -m wasm2pyext.cdecls

from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t, uintptr_t

cdef extern from "w2p_rt.h":
    enum: W2P_GUARD_PAGES  # = 1
    enum: W2P_ABI_VERSION  # = 6
    ctypedef enum w2p_trap_kind:
        W2P_TRAP_NONE
        W2P_TRAP_UNREACHABLE
        W2P_TRAP_OOB_MEMORY
        W2P_TRAP_OOB_TABLE
        W2P_TRAP_UNDEFINED_ELEMENT
        W2P_TRAP_UNINITIALIZED_ELEMENT
        W2P_TRAP_INDIRECT_CALL_MISMATCH
        W2P_TRAP_DIV_ZERO
        W2P_TRAP_INT_OVERFLOW
        W2P_TRAP_INVALID_CONVERSION
        W2P_TRAP_EXHAUSTION
        W2P_TRAP_INTERRUPTED
        W2P_TRAP_OUT_OF_FUEL
        W2P_TRAP_HOST_EXCEPTION
        W2P_TRAP_WASI_EXIT
    ctypedef enum w2p_valtype:
        W2P_I32
        W2P_I64
        W2P_F32
        W2P_F64
        W2P_V128
        W2P_FUNCREF
        W2P_EXTERNREF
    ctypedef union w2p_val:
        uint32_t i32
        uint64_t i64
        float f32
        double f64
        void *ref
        uint8_t v128[16]
    ctypedef struct w2p_functype:
        const char *sig
        uint32_t num_params
        uint32_t num_results
    cdef struct w2p_monitor
    ctypedef struct w2p_ctx:
        uintptr_t stack_floor
        uintptr_t stack_span
        const volatile uint32_t *requests
        void (*poll)(w2p_ctx *ctx, const char *where)
        int64_t fuel
        w2p_monitor *monitor
        void (*trap)(int kind, const char *where)
        void *owner
    ctypedef enum w2p_poll_request:
        W2P_POLL_INTERRUPT
        W2P_POLL_DEADLINE
        W2P_POLL_SIGNAL
        W2P_POLL_TICK
    ctypedef void (*w2p_fnptr)()
    cdef struct w2p_func
    ctypedef void (*w2p_entry)(const w2p_func *f, const w2p_val *args, w2p_val *results)
    ctypedef enum w2p_func_flag:
        W2P_FUNC_CANNOT_TRAP
    cdef struct w2p_func:
        const w2p_functype *type
        w2p_fnptr fn
        w2p_ctx *ctx
        w2p_entry entry
        w2p_fnptr pycall
        uint32_t index
        uint32_t flags
    ctypedef struct w2p_host_func:
        w2p_ctx ctx
        int (*call)(w2p_host_func *self, w2p_val *vals)
        void *callable
        const w2p_functype *type
    ctypedef struct w2p_memory:
        uint8_t *data
        uint64_t size
        uint32_t pages
        uint32_t max_pages
        size_t reserved
    ctypedef struct w2p_table:
        void **elems
        uint32_t size
        uint32_t max
        uint8_t elem_type
        size_t reserved
    ctypedef struct w2p_global:
        w2p_val value
        uint8_t type
        uint8_t mutable_
    ctypedef struct w2p_elem_segment:
        void **items
        uint32_t len
    ctypedef struct w2p_limits:
        uint32_t min
        uint32_t max
        uint8_t has_max
    ctypedef struct w2p_type_desc:
        const char *sig
        w2p_entry entry
        w2p_fnptr host_trampoline
        w2p_fnptr pycall
    ctypedef struct w2p_func_desc:
        const char *name
        const char *c_name
        uint32_t type
        w2p_fnptr fn
        uint32_t flags
        uint32_t name_len
        const char *param_names
    ctypedef struct w2p_memory_desc:
        w2p_limits limits
        size_t slot
    ctypedef struct w2p_table_desc:
        w2p_limits limits
        uint8_t elem_type
        size_t slot
    ctypedef struct w2p_global_desc:
        uint8_t type
        uint8_t mutable_
        size_t slot
    ctypedef struct w2p_extern_desc:
        const char *module
        uint32_t module_len
        const char *name
        uint32_t name_len
        uint8_t kind
        uint32_t index
    ctypedef enum w2p_module_flag:
        W2P_MODULE_GUARD_PAGES
        W2P_MODULE_FUEL
    ctypedef struct w2p_module:
        uint32_t abi_version
        uint32_t flags
        const char *name
        const char *wasm_sha256
        size_t instance_size
        size_t types_slot
        size_t funcs_slot
        uint32_t num_types
        const w2p_type_desc *types
        uint32_t num_funcs
        uint32_t num_imported_funcs
        const w2p_func_desc *funcs
        uint32_t num_memories
        uint32_t num_imported_memories
        const w2p_memory_desc *memories
        uint32_t num_tables
        uint32_t num_imported_tables
        const w2p_table_desc *tables
        uint32_t num_globals
        uint32_t num_imported_globals
        const w2p_global_desc *globals
        uint32_t num_imports
        const w2p_extern_desc *imports
        uint32_t num_exports
        const w2p_extern_desc *exports
        void (*instantiate)(w2p_ctx *instance)
        const void *code_start
        const void *code_end
    ctypedef struct w2p_api:
        uint32_t abi_version
        void *(*create_module)(const w2p_module *module)
        size_t function_func_offset
        void *(*general_call)(void *self, void * const *args, size_t nargsf, void *kwnames)
        int (*invoke)(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where)
        void *(*raise_trap)(void *self, int kind, const char *where)
    const w2p_api *w2p_runtime_api
    int w2p_memory_init(w2p_memory *mem, uint32_t pages, uint32_t max_pages)
    void w2p_memory_free(w2p_memory *mem)
    int w2p_memory_guarded(const w2p_memory *mem)
    uint32_t w2p_memory_grow(w2p_memory *mem, uint32_t delta)
    int w2p_memory_fill(w2p_memory *mem, uint32_t dst, uint32_t value, uint32_t n)
    int w2p_memory_copy(w2p_memory *dst_mem, uint32_t dst, w2p_memory *src_mem, uint32_t src, uint32_t n)
    int w2p_memory_init_from(w2p_memory *mem, uint32_t dst, const uint8_t *data, uint32_t data_len, uint32_t src, uint32_t n)
    int w2p_table_init(w2p_table *table, uint8_t elem_type, uint32_t size, uint32_t max)
    void w2p_table_free(w2p_table *table)
    uint32_t w2p_table_grow(w2p_table *table, uint32_t delta, void *init)
    int w2p_table_fill(w2p_table *table, uint32_t dst, void *value, uint32_t n)
    int w2p_table_copy(w2p_table *dst_table, uint32_t dst, w2p_table *src_table, uint32_t src, uint32_t n)
    int w2p_table_init_from(w2p_table *table, uint32_t dst, const w2p_elem_segment *seg, uint32_t src, uint32_t n)
    void w2p_stack_check(w2p_ctx *ctx, uintptr_t sp, const char *where)
    int w2p_guard_pages_available()
    int w2p_guard_pages_install()
    int w2p_register_module(const w2p_module *module)
    int w2p_host_enter(const void *sp)
    void w2p_host_leave(int saved)
    int w2p_invoke(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where)
    w2p_func w2p_instantiation(const w2p_module *module, w2p_ctx *instance)
    void w2p_trap_unwind(int kind, const char *where)
    void w2p_poll(w2p_ctx *ctx, const char *where)
    const volatile uint32_t w2p_no_requests
    void *w2p_this_thread()
    void w2p_interrupt_thread(void *thread)
    int64_t w2p_deadline()
    void w2p_set_deadline(int64_t deadline)
    int64_t w2p_now()
    ctypedef int (*w2p_poll_hook)(uint32_t requests)
    void w2p_set_poll_hook(w2p_poll_hook hook)
    int w2p_on_main_thread()
    void w2p_signal_arrived()
    const char *w2p_trap_kind_name(int kind)
