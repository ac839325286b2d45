/*
 * w2p_rt.h: the wasm2pyext C runtime.
 *
 * The one declaration of everything shared by generated modules (templates/module.c.j2),
 * the runtime itself (w2p_rt*.c) and the Python shim (shim/runtime.pyx, whose Cython
 * declarations shim/w2p_rt.pxd are derived from this file by wasm2pyext/cdecls.py). Keep it plain C99 declarations: no macros in declarations,
 * so pycparser can read it.
 *
 * Calling convention of a Wasm function in C:  RESULT f(w2p_ctx *ctx, PARAMS...)
 * where i32 -> uint32_t, i64 -> uint64_t, f32 -> float, f64 -> double, funcref ->
 * w2p_func *, externref -> void * (a borrowed PyObject *, NULL for null), v128 ->
 * w2p_v128 (a 16-byte vector, runtime_c/w2p_simd.h), and several
 * results come back in a struct of fields r0, r1, ... declared by the generated module.
 */
#ifndef W2P_RT_H
#define W2P_RT_H

#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>

/* Bumped whenever a structure below changes layout: modules and the runtime they load
   must agree (the registered runtime's name carries it: _wasm2pyext_rt_<version>). */
#define W2P_ABI_VERSION 6

/* Whether the runtime's fault handler turns faults in Wasm code into traps, out-of-bounds
   accesses to guarded memories and stack exhaustion alike: 64-bit Linux on x86-64 and
   AArch64, where it can read the faulting code's stack pointer. */
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#define W2P_GUARD_PAGES 1
#else
#define W2P_GUARD_PAGES 0
#endif

/* The section holding every function a generated module defines, and the runtime's trap
   path (w2p_trap_unwind, w2p_stack_check): the code where a fault may become a trap. Its
   name is a C identifier, so the linker defines __start_w2p_code and __stop_w2p_code. */
#define W2P_CODE __attribute__((section("w2p_code")))

/* Why Wasm execution stopped; the order matches wasm2pyext.errors.TRAP_KINDS (+1). */
typedef enum w2p_trap_kind {
    W2P_TRAP_NONE = 0,
    W2P_TRAP_UNREACHABLE,
    W2P_TRAP_OOB_MEMORY,
    W2P_TRAP_OOB_TABLE,
    W2P_TRAP_UNDEFINED_ELEMENT,
    W2P_TRAP_UNINITIALIZED_ELEMENT,
    W2P_TRAP_INDIRECT_CALL_MISMATCH,
    W2P_TRAP_DIV_ZERO,
    W2P_TRAP_INT_OVERFLOW,
    W2P_TRAP_INVALID_CONVERSION,
    W2P_TRAP_EXHAUSTION,
    W2P_TRAP_INTERRUPTED, /* interrupt(), a deadline */
    W2P_TRAP_OUT_OF_FUEL,
    W2P_TRAP_HOST_EXCEPTION, /* a host function raised: the Python exception is pending */
    W2P_TRAP_WASI_EXIT /* WASI proc_exit: the code is w2p_wasi_exit_code() (w2p_wasi.h) */
} w2p_trap_kind;

/* Value types, by their binary encoding. */
typedef enum w2p_valtype {
    W2P_I32 = 0x7F,
    W2P_I64 = 0x7E,
    W2P_F32 = 0x7D,
    W2P_F64 = 0x7C,
    W2P_V128 = 0x7B,
    W2P_FUNCREF = 0x70,
    W2P_EXTERNREF = 0x6F
} w2p_valtype;

/* One Wasm value, untagged. */
typedef union w2p_val {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    void *ref;
    uint8_t v128[16]; /* lane 0 first (runtime_c/w2p_simd.h reads it as a vector) */
} w2p_val;

/* A function type, interned: equal types have equal pointers, across all modules of a
   process. `sig` spells params and results, e.g. "ii>I" for [i32 i32] -> [i64]
   (i i32, I i64, f f32, F f64, V v128, r funcref, x externref). */
typedef struct w2p_functype {
    const char *sig;
    uint32_t num_params;
    uint32_t num_results;
} w2p_functype;

typedef struct w2p_monitor w2p_monitor; /* runtime_c/w2p_control.h */

/* The first member of every context a Wasm-callable C function receives: an instance,
   or a host function. */
typedef struct w2p_ctx {
    /* The running thread's usable stack: [stack_floor, stack_floor + stack_span]. A
       function entered with its frame outside it takes the slow path, w2p_stack_check:
       below the floor is "call stack exhausted"; elsewhere the context was last used
       on another thread, and the bounds are refreshed. */
    uintptr_t stack_floor;
    uintptr_t stack_span;
    /* The requests (W2P_POLL_*) to the thread running this context, which Wasm code polls
       at every loop head and on entry to a function that calls: the word of the thread
       that last entered it. Boundaries set it; a call into another context passes it on,
       with the stack bounds. Never NULL. */
    const volatile uint32_t *requests;
    /* Takes the requests found (w2p_poll of the runtime in use); it may trap. */
    void (*poll)(struct w2p_ctx *ctx, const char *where);
    /* Fuel left, in modules built with fuel (--fuel): code pays for each run of its
       instructions before it runs, and traps "out of fuel" when the fuel left is less. */
    int64_t fuel;
    /* Who may run this context now: one thread at a time for each group of linked
       instances (runtime_c/w2p_control.c); NULL for host functions. */
    w2p_monitor *monitor;
    /* Leaves Wasm code for the innermost Python -> Wasm boundary; never returns. */
    void (*trap)(int kind, const char *where);
    /* The Python object owning this context (borrowed). */
    void *owner;
} w2p_ctx;

/* What a thread running Wasm is asked to do (w2p_ctx.requests), bits. */
typedef enum w2p_poll_request {
    W2P_POLL_INTERRUPT = 1, /* stop: instance.interrupt() */
    W2P_POLL_DEADLINE = 2,  /* stop: the thread's deadline has passed */
    W2P_POLL_SIGNAL = 4,    /* a signal Python handles arrived (the main thread's) */
    W2P_POLL_TICK = 8       /* the call has run a while (the watchdog): let others in */
} w2p_poll_request;

/* A generic function pointer; cast to the function's real type before a call. */
typedef void (*w2p_fnptr)(void);

typedef struct w2p_func w2p_func;

/* Calls f with args from an array, storing its results in another (the Python boundary). */
typedef void (*w2p_entry)(const w2p_func *f, const w2p_val *args, w2p_val *results);

/* w2p_func.flags and w2p_func_desc.flags */
typedef enum w2p_func_flag {
    /* Nothing in the function can trap (see wasm2pyext/codegen/traps.py): a call from
       Python needs no boundary. */
    W2P_FUNC_CANNOT_TRAP = 1
} w2p_func_flag;

/* A function reference: what tables, funcref values and imports hold. */
struct w2p_func {
    const w2p_functype *type;
    w2p_fnptr fn;
    w2p_ctx *ctx;
    w2p_entry entry;
    w2p_fnptr pycall; /* its type's w2p_type_desc.pycall, or NULL */
    uint32_t index; /* in its module's function index space */
    uint32_t flags;
};

/* A host (Python) function as a Wasm import: a context whose trampoline (generated per
   type) packs the arguments into `vals` and calls `call`. */
typedef struct w2p_host_func {
    w2p_ctx ctx;
    /* Calls the Python callable; results overwrite args (vals holds max(params, results)).
       0, or -1 with a Python exception set (the trampoline then traps). */
    int (*call)(struct w2p_host_func *self, w2p_val *vals);
    void *callable; /* PyObject * */
    const w2p_functype *type;
} w2p_host_func;

/* A linear memory. Its address space is reserved up front, so `data` never moves and
   views and exported buffers stay valid across memory.grow. */
typedef struct w2p_memory {
    uint8_t *data;
    uint64_t size; /* bytes accessible: pages * 65536 */
    uint32_t pages;
    uint32_t max_pages;
    size_t reserved; /* bytes of address space reserved at data */
} w2p_memory;

/* A table of references (w2p_func * or PyObject *, NULL for null). One that may grow
   reserves address space for its maximum up front, as memories do, so that `elems`
   never moves: a thread reading it while another grows it (the GIL let go) reads
   what is there, never freed memory. */
typedef struct w2p_table {
    void **elems;
    uint32_t size;
    uint32_t max;
    uint8_t elem_type; /* W2P_FUNCREF or W2P_EXTERNREF */
    size_t reserved;   /* bytes of address space at elems; 0: allocated, fixed size */
} w2p_table;

/* A global that is imported or exported: a cell shared by reference. Globals private to
   an instance are plain fields of it instead. */
typedef struct w2p_global {
    w2p_val value;
    uint8_t type;
    uint8_t mutable_;
} w2p_global;

/* An element segment's references, evaluated at instantiation (empty once dropped). */
typedef struct w2p_elem_segment {
    void **items;
    uint32_t len;
} w2p_elem_segment;

/* ---- What a generated module tells the runtime about itself ---- */

typedef struct w2p_limits {
    uint32_t min;
    uint32_t max;
    uint8_t has_max;
} w2p_limits;

typedef struct w2p_type_desc {
    const char *sig;
    w2p_entry entry;        /* calls a function of this type from a w2p_val array */
    w2p_fnptr host_trampoline; /* a function of this type calling a w2p_host_func, or NULL */
    /* A Python call of a Function of this type (a PEP 590 vectorcallfunc), specialised
       to its signature; NULL for types with references or several results, and under
       the limited API (no vectorcall). */
    w2p_fnptr pycall;
} w2p_type_desc;

typedef struct w2p_func_desc {
    const char *name;   /* from the name section, or NULL */
    const char *c_name; /* of its C function (what traps report); NULL for imports */
    uint32_t type;      /* index into the module's types */
    w2p_fnptr fn;       /* the C function; NULL for imports */
    uint32_t flags;     /* W2P_FUNC_* */
    uint32_t name_len;  /* bytes of name: UTF-8, which may hold NUL */
    /* Its parameters' Python names, from the name section's local names, each ending in
       NUL ("left\0right\0"): ASCII identifiers, one per parameter. NULL when it names none. */
    const char *param_names;
} w2p_func_desc;

typedef struct w2p_memory_desc {
    w2p_limits limits;
    size_t slot; /* offset of its w2p_memory * in the instance */
} w2p_memory_desc;

typedef struct w2p_table_desc {
    w2p_limits limits;
    uint8_t elem_type;
    size_t slot; /* offset of its w2p_table * in the instance */
} w2p_table_desc;

typedef struct w2p_global_desc {
    uint8_t type;
    uint8_t mutable_;
    size_t slot; /* offset of its w2p_global * in the instance, or SIZE_MAX if private */
} w2p_global_desc;

/* An import (module and name) or an export (name only) of a function, table, memory or
   global, by its index in that kind's index space. */
typedef struct w2p_extern_desc {
    const char *module; /* UTF-8, and may hold NUL bytes: hence the lengths */
    uint32_t module_len;
    const char *name;
    uint32_t name_len;
    uint8_t kind; /* 0 func, 1 table, 2 memory, 3 global */
    uint32_t index;
} w2p_extern_desc;

/* w2p_module.flags */
typedef enum w2p_module_flag {
    /* Memory accesses and call depth go unchecked in the code: each memory is an 8 GiB
       reservation whose inaccessible pages fault, and a fault in Wasm code, there or on
       the thread's stack guard, is turned into a trap by the runtime's signal handler. */
    W2P_MODULE_GUARD_PAGES = 1,
    /* Built with fuel (--fuel): the code charges w2p_ctx.fuel as it runs, and traps
       "out of fuel" when it runs out (templates/module.c.j2, FUEL). */
    W2P_MODULE_FUEL = 2
} w2p_module_flag;

typedef struct w2p_module {
    uint32_t abi_version;
    uint32_t flags;
    const char *name;
    const char *wasm_sha256;
    size_t instance_size;
    size_t types_slot; /* offset of the instance's const w2p_functype *types[] */
    size_t funcs_slot; /* offset of the instance's w2p_func *funcs[] */
    uint32_t num_types;
    const w2p_type_desc *types;
    uint32_t num_funcs;
    uint32_t num_imported_funcs;
    const w2p_func_desc *funcs;
    uint32_t num_memories;
    uint32_t num_imported_memories;
    const w2p_memory_desc *memories;
    uint32_t num_tables;
    uint32_t num_imported_tables;
    const w2p_table_desc *tables;
    uint32_t num_globals;
    uint32_t num_imported_globals;
    const w2p_global_desc *globals;
    uint32_t num_imports;
    const w2p_extern_desc *imports;
    uint32_t num_exports;
    const w2p_extern_desc *exports;
    /* Once imports, memories, tables, global cells and types are in place: sets up the
       instance's functions, globals and segments and runs the start function. Runs under
       a boundary: it may trap. */
    void (*instantiate)(w2p_ctx *instance);
    /* Where the module's code is: its shared object's section w2p_code, which holds every
       function the module generated and nothing else of it. The fault handler turns a fault
       into a trap only at an instruction in such a section (W2P_CODE), so that no
       trap unwinds through code that may hold a lock (malloc's, say) or a Python frame. */
    const void *code_start;
    const void *code_end;
} w2p_module;

/* What the shared runtime (the first loaded copy of the shim) offers every module: the
   capsule `_C_API` of module _wasm2pyext_rt_<W2P_ABI_VERSION> points to one. */
typedef struct w2p_api {
    uint32_t abi_version;
    /* A new reference to the Python module for a generated module, or NULL with an
       exception set. */
    void *(*create_module)(const w2p_module *module);
    /* For the generated vectorcalls (w2p_type_desc.pycall), which take in C only the
       calls they can: where a Function object (a PyObject *) holds its w2p_func *; the
       general call, for everything else (its result, or NULL with an exception set);
       w2p_invoke, the boundary; and the raising of a trap it returned for the Function
       self (NULL, with the Trap or a host function's exception set). */
    size_t function_func_offset;
    void *(*general_call)(void *self, void *const *args, size_t nargsf, void *kwnames);
    int (*invoke)(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where);
    void *(*raise_trap)(void *self, int kind, const char *where);
} w2p_api;

/* The registered runtime's API, as the module's loader found it (w2p_glue.c): each
   module's copy of the runtime may not be the one in use. */
extern const w2p_api *w2p_runtime_api;

/* ---- Runtime functions (w2p_rt*.c) ---- */

/* Reserves address space and makes `pages` accessible; 0 or -1. Where guard pages are
   available the reservation covers every address a Wasm access can form (see
   w2p_memory_guarded), else just max_pages. */
int w2p_memory_init(w2p_memory *mem, uint32_t pages, uint32_t max_pages);
void w2p_memory_free(w2p_memory *mem);
/* Whether any access `data + u32 address + u32 offset` lands in mem's own reservation,
   so that a module built with W2P_MODULE_GUARD_PAGES may use it. */
int w2p_memory_guarded(const w2p_memory *mem);
/* memory.grow: the previous size in pages, or UINT32_MAX (-1) when it cannot grow. */
uint32_t w2p_memory_grow(w2p_memory *mem, uint32_t delta);
/* memory.fill, memory.copy, memory.init: 0, or -1 when out of bounds (nothing written). */
int w2p_memory_fill(w2p_memory *mem, uint32_t dst, uint32_t value, uint32_t n);
int w2p_memory_copy(w2p_memory *dst_mem, uint32_t dst, w2p_memory *src_mem, uint32_t src, uint32_t n);
int w2p_memory_init_from(w2p_memory *mem, uint32_t dst, const uint8_t *data, uint32_t data_len, uint32_t src, uint32_t n);

int w2p_table_init(w2p_table *table, uint8_t elem_type, uint32_t size, uint32_t max);
void w2p_table_free(w2p_table *table);
/* table.grow: the previous size, or UINT32_MAX (-1) when it cannot grow. */
uint32_t w2p_table_grow(w2p_table *table, uint32_t delta, void *init);
/* table.fill, table.copy, table.init: 0, or -1 when out of bounds (nothing written). */
int w2p_table_fill(w2p_table *table, uint32_t dst, void *value, uint32_t n);
int w2p_table_copy(w2p_table *dst_table, uint32_t dst, w2p_table *src_table, uint32_t src, uint32_t n);
int w2p_table_init_from(w2p_table *table, uint32_t dst, const w2p_elem_segment *seg, uint32_t src, uint32_t n);

/* The slow path of the stack check at `sp`: traps if sp is below the calling thread's
   floor, else refreshes ctx's bounds. */
void w2p_stack_check(w2p_ctx *ctx, uintptr_t sp, const char *where);

/* Whether this platform can run modules built with W2P_MODULE_GUARD_PAGES. */
int w2p_guard_pages_available(void);
/* Makes sure the fault handler of guard-page modules is the process's first (installed
   once, and again if something replaced it since; others stay chained); 0 or -1. */
int w2p_guard_pages_install(void);

/* Makes a loaded module known to the fault handler, which names the function a fault
   happened in by the module's function addresses; 0 or -1. */
int w2p_register_module(const w2p_module *module);

/* Around a host function's Python code, entered with the stack at sp: -1 (and nothing
   changed) when too little stack is left to call Python safely, else what w2p_host_leave
   restores. Faults in the code between are not Wasm's to trap. */
int w2p_host_enter(const void *sp);
void w2p_host_leave(int saved);

/* The boundary from Python into Wasm: calls f through its entry. Returns W2P_TRAP_NONE,
   or the trap kind, with *where set to the trapping C function's name (or NULL).
   Boundaries nest (a host function may call back into Wasm). */
int w2p_invoke(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where);
/* The function that runs module->instantiate(instance), to be called under a boundary
   like any other (it may trap). */
w2p_func w2p_instantiation(const w2p_module *module, w2p_ctx *instance);
/* Unwinds to the innermost boundary of this thread with a trap kind: the w2p_ctx.trap
   of every context made by this runtime. */
void w2p_trap_unwind(int kind, const char *where);
/* ---- Control: polling, the watchdog, deadlines ---- */

/* The slow path of a poll that found requests: traps for an interrupt or a passed
   deadline; hands signals and the watchdog's ticks to the Python side (w2p_control.c:
   run Python's signal handlers, let the GIL go). */
void w2p_poll(w2p_ctx *ctx, const char *where);
/* A word that never holds a request: what w2p_ctx.requests points to before a first call. */
extern const volatile uint32_t w2p_no_requests;
/* The calling thread's identity for monitors (its runtime state; made on first use). */
void *w2p_this_thread(void);
/* Asks a thread (a w2p_this_thread) to stop the Wasm code it runs; any thread may. */
void w2p_interrupt_thread(void *thread);
/* The calling thread's deadline: CLOCK_MONOTONIC nanoseconds, 0 for none. Wasm code
   running on it past the deadline traps "interrupted" (within the watchdog's period). */
int64_t w2p_deadline(void);
void w2p_set_deadline(int64_t deadline);
int64_t w2p_now(void);
/* What the runtime asks of its Python side: set once by w2p_control.c (none in C tests).
   poll: given the requests W2P_POLL_SIGNAL/W2P_POLL_TICK, a trap kind or W2P_TRAP_NONE. */
typedef int (*w2p_poll_hook)(uint32_t requests);
void w2p_set_poll_hook(w2p_poll_hook hook);
/* Whether the calling thread is the process's main thread, where Python runs signal
   handlers. */
int w2p_on_main_thread(void);
/* Called by the Python side's signal handler: asks the main thread to poll (async-signal
   safe). */
void w2p_signal_arrived(void);

/* The kind's text, as in wasm2pyext.errors.TRAP_KINDS. */
const char *w2p_trap_kind_name(int kind);

#endif /* W2P_RT_H */
