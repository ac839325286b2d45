/*
 * w2p_rt.c: the wasm2pyext C runtime (declarations and docs in w2p_rt.h).
 *
 * Module-independent and free of Python: memories, tables, bulk operations, and the
 * trap boundary. Compiled once, into the shared shim object every built module links.
 */
#define _GNU_SOURCE
#include "w2p_rt.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define W2P_PAGE_SIZE 65536u
#define W2P_MAX_PAGES 65536u
/* An implementation limit on table sizes, so table.grow fails instead of allocating
   gigabytes (the spec lets it fail). */
#define W2P_MAX_TABLE_SIZE 10000000u

/* ---- Memories ---- */

/* What a guarded memory reserves: every address a Wasm access can form (a u32 address
   plus a u32 offset, plus the access's width, rounded up to a page). */
#define W2P_GUARD_RESERVE ((size_t)2 * (1ull << 32) + W2P_PAGE_SIZE)

static int span_add(uintptr_t start, uintptr_t end);
static void span_remove(uintptr_t start);

int w2p_memory_init(w2p_memory *mem, uint32_t pages, uint32_t max_pages)
{
    /* Reserve the address space up front (at least one page, so data is never NULL);
       commit only `pages`. Untouched pages cost no memory. */
    size_t reserve = (size_t)(max_pages ? max_pages : 1) * W2P_PAGE_SIZE;
    void *data = MAP_FAILED;
    if (W2P_GUARD_PAGES) {
        data = mmap(NULL, W2P_GUARD_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (data != MAP_FAILED && span_add((uintptr_t)data, (uintptr_t)data + W2P_GUARD_RESERVE) == 0) {
            reserve = W2P_GUARD_RESERVE;
        } else if (data != MAP_FAILED) {
            munmap(data, W2P_GUARD_RESERVE);
            data = MAP_FAILED;
        }
    }
    /* No room for a guarded one (a limited address space): the module must have been
       built with explicit bounds checks to use it (see w2p_memory_guarded). */
    if (data == MAP_FAILED)
        data = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED)
        return -1;
    if (pages && mprotect(data, (size_t)pages * W2P_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
        if (reserve == W2P_GUARD_RESERVE)
            span_remove((uintptr_t)data);
        munmap(data, reserve);
        return -1;
    }
    mem->data = data;
    mem->size = (uint64_t)pages * W2P_PAGE_SIZE;
    mem->pages = pages;
    mem->max_pages = max_pages;
    mem->reserved = reserve;
    return 0;
}

void w2p_memory_free(w2p_memory *mem)
{
    if (mem->data) {
        if (w2p_memory_guarded(mem))
            span_remove((uintptr_t)mem->data);
        munmap(mem->data, mem->reserved);
    }
    mem->data = NULL;
    mem->size = 0;
    mem->pages = 0;
}

int w2p_memory_guarded(const w2p_memory *mem)
{
    return W2P_GUARD_PAGES && mem->reserved >= W2P_GUARD_RESERVE;
}

uint32_t w2p_memory_grow(w2p_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    uint64_t new_pages = (uint64_t)old + delta;
    if (new_pages > mem->max_pages || new_pages > W2P_MAX_PAGES)
        return UINT32_MAX;
    if (delta && mprotect(mem->data + mem->size, (size_t)delta * W2P_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
        return UINT32_MAX;
    mem->pages = (uint32_t)new_pages;
    mem->size = new_pages * W2P_PAGE_SIZE;
    return old;
}

/* Whether [start, start + n) lies within a space of `size` (64-bit arithmetic: no wrap). */
static int in_bounds(uint64_t start, uint64_t n, uint64_t size)
{
    return start + n <= size;
}

int w2p_memory_fill(w2p_memory *mem, uint32_t dst, uint32_t value, uint32_t n)
{
    if (!in_bounds(dst, n, mem->size))
        return -1;
    memset(mem->data + dst, (int)(value & 0xFF), n);
    return 0;
}

int w2p_memory_copy(w2p_memory *dst_mem, uint32_t dst, w2p_memory *src_mem, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, dst_mem->size) || !in_bounds(src, n, src_mem->size))
        return -1;
    memmove(dst_mem->data + dst, src_mem->data + src, n);
    return 0;
}

int w2p_memory_init_from(w2p_memory *mem, uint32_t dst, const uint8_t *data, uint32_t data_len, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, mem->size) || !in_bounds(src, n, data_len))
        return -1;
    if (n)
        memcpy(mem->data + dst, data + src, n);
    return 0;
}

/* ---- Tables ---- */

int w2p_table_init(w2p_table *table, uint8_t elem_type, uint32_t size, uint32_t max)
{
    if (size > W2P_MAX_TABLE_SIZE)
        return -1;
    table->elems = calloc(size ? size : 1, sizeof(void *));
    if (!table->elems)
        return -1;
    table->size = size;
    table->max = max;
    table->elem_type = elem_type;
    return 0;
}

void w2p_table_free(w2p_table *table)
{
    free(table->elems);
    table->elems = NULL;
    table->size = 0;
}

uint32_t w2p_table_grow(w2p_table *table, uint32_t delta, void *init)
{
    uint32_t old = table->size;
    uint64_t new_size = (uint64_t)old + delta;
    if (new_size > table->max || new_size > W2P_MAX_TABLE_SIZE)
        return UINT32_MAX;
    if (delta) {
        void **elems = realloc(table->elems, (size_t)new_size * sizeof(void *));
        if (!elems)
            return UINT32_MAX;
        for (uint64_t i = old; i < new_size; i++)
            elems[i] = init;
        table->elems = elems;
        table->size = (uint32_t)new_size;
    }
    return old;
}

int w2p_table_fill(w2p_table *table, uint32_t dst, void *value, uint32_t n)
{
    if (!in_bounds(dst, n, table->size))
        return -1;
    for (uint32_t i = 0; i < n; i++)
        table->elems[dst + i] = value;
    return 0;
}

int w2p_table_copy(w2p_table *dst_table, uint32_t dst, w2p_table *src_table, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, dst_table->size) || !in_bounds(src, n, src_table->size))
        return -1;
    if (n)
        memmove(dst_table->elems + dst, src_table->elems + src, (size_t)n * sizeof(void *));
    return 0;
}

int w2p_table_init_from(w2p_table *table, uint32_t dst, const w2p_elem_segment *seg, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, table->size) || !in_bounds(src, n, seg->len))
        return -1;
    if (n)
        memcpy(table->elems + dst, seg->items + src, (size_t)n * sizeof(void *));
    return 0;
}

/* ---- The stack floor ---- */

/* Stack kept free below the floor: for the trap path, runtime calls and libc. */
#define W2P_STACK_RESERVE_MAX (256u * 1024u)

/* Stack a host call needs before it may enter Python: 256 KiB, but at most a quarter of
   the thread's usable stack (a 256 KiB thread could not call a host function at all). */
#define W2P_HOST_CALL_STACK (256u * 1024u)

typedef struct w2p_boundary w2p_boundary;

/* Everything the runtime keeps per thread, in one place (one thread-local lookup). */
typedef struct thread_state {
    uintptr_t floor, span;  /* the usable stack (0: not computed yet) */
    uintptr_t host_floor;   /* where a host call may still enter Python */
    w2p_boundary *innermost;
    int ready;              /* thread_setup has run */
} thread_state;

static __thread thread_state thread;

/* The calling thread's bounds, computed once per thread. */
static void thread_bounds(void)
{
    uintptr_t low = 0, size = 0;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t len;
        if (pthread_attr_getstack(&attr, &addr, &len) == 0) {
            low = (uintptr_t)addr;
            size = len;
        }
        pthread_attr_destroy(&attr);
    }
    if (!size) {
        /* Unknown bounds: allow 512 KiB below the current frame. */
        char here;
        size = 1024 * 1024;
        low = (uintptr_t)&here - size / 2;
    }
    uintptr_t reserve = size / 8 < W2P_STACK_RESERVE_MAX ? size / 8 : W2P_STACK_RESERVE_MAX;
    thread.floor = low + reserve;
    thread.span = size - reserve;
    thread.host_floor = thread.floor + (thread.span / 4 < W2P_HOST_CALL_STACK ? thread.span / 4 : W2P_HOST_CALL_STACK);
}

/* Sets ctx's stack bounds to the calling thread's (see w2p_ctx.stack_floor). */
static void stack_bounds(w2p_ctx *ctx)
{
    if (!thread.floor)
        thread_bounds();
    ctx->stack_floor = thread.floor;
    ctx->stack_span = thread.span;
}

/* In the code section: it runs on whatever stack Wasm code left (thread_setup has found
   the thread's bounds, so it calls nothing), and a fault in it is stack exhaustion. */
W2P_CODE void w2p_stack_check(w2p_ctx *ctx, uintptr_t sp, const char *where)
{
    stack_bounds(ctx);
    if (sp < ctx->stack_floor)
        ctx->trap(W2P_TRAP_EXHAUSTION, where);
}

/* ---- Traps and the boundary ---- */

/* How traps unwind (a compile-time switch): GCC and Clang's __builtin_setjmp saves just
   the frame, stack and instruction pointers (the compiler spills live registers around
   it), far cheaper on every call than the C library's setjmp; W2P_LIBC_SETJMP selects
   the portable one. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(W2P_LIBC_SETJMP)
typedef void *w2p_jmp_buf[5];
#define W2P_SETJMP(buf) __builtin_setjmp(buf)
#define W2P_LONGJMP(buf) __builtin_longjmp(buf, 1)
#else
typedef jmp_buf w2p_jmp_buf;
#define W2P_SETJMP(buf) setjmp(buf)
#define W2P_LONGJMP(buf) longjmp(buf, 1)
#endif

/* One Python -> Wasm boundary: a jump target on the C stack, linked to the enclosing one. */
struct w2p_boundary {
    w2p_jmp_buf target;
    struct w2p_boundary *outer;
    int kind;
    const char *where;
    int in_host; /* a host function's Python code is running below it */
};

static void thread_setup(void);

W2P_CODE void w2p_trap_unwind(int kind, const char *where)
{
    w2p_boundary *b = thread.innermost;
    if (!b)
        abort(); /* Wasm code only runs below a boundary */
    b->kind = kind;
    b->where = where;
    W2P_LONGJMP(b->target);
}

int w2p_invoke(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where)
{
    /* b's address escapes (thread.innermost), so it lives in memory and what w2p_trap_unwind
       wrote into it is still there after the longjmp. */
    w2p_boundary b;
    /* The thread's state found once: each access to `thread` is a TLS descriptor call,
       and with every register clobbered by the setjmp the compiler would make another
       rather than keep the address. Kept on the stack instead (volatile), it survives
       the longjmp too. */
    thread_state *volatile t = &thread;
    b.outer = t->innermost;
    b.kind = W2P_TRAP_NONE;
    b.where = NULL;
    b.in_host = 0;
    if (__builtin_expect(!t->ready, 0))
        thread_setup();
    /* No stack bounds to set: the first function entered finds ctx's bounds wrong (unset,
       or another thread's) and refreshes them (w2p_stack_check). */
    t->innermost = &b;
    if (W2P_SETJMP(b.target) == 0)
        f->entry(f, args, results);
    t->innermost = b.outer;
    *where = b.where;
    return b.kind;
}

int w2p_host_enter(const void *sp)
{
    thread_state *t = &thread;
    if (__builtin_expect(!t->floor, 0))
        thread_bounds();
    if ((uintptr_t)sp < t->host_floor)
        return -1;
    w2p_boundary *b = t->innermost;
    if (!b)
        return 0;
    int saved = b->in_host;
    b->in_host = 1;
    return saved;
}

void w2p_host_leave(int saved)
{
    w2p_boundary *b = thread.innermost;
    if (b)
        b->in_host = saved;
}

/* ---- Guard pages: faults in Wasm code become traps ---- */

/* The address ranges of guarded memories, for the fault handler to tell an
   out-of-bounds access from a crash. Slots in fixed chunks that are never freed, so the
   handler can read them without a lock while another thread adds or removes one. */
#define SPANS_PER_CHUNK 256

typedef struct span_chunk {
    uintptr_t start[SPANS_PER_CHUNK];
    uintptr_t end[SPANS_PER_CHUNK]; /* 0: a free slot */
    struct span_chunk *next;
} span_chunk;

static span_chunk spans;
/* Serialises changes to the runtime's process-wide state: spans, modules (below) and the
   fault handler's installation. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static int span_add(uintptr_t start, uintptr_t end)
{
    pthread_mutex_lock(&registry_lock);
    span_chunk *c = &spans;
    for (;;) {
        for (int i = 0; i < SPANS_PER_CHUNK; i++) {
            if (!c->end[i]) {
                __atomic_store_n(&c->start[i], start, __ATOMIC_RELAXED);
                __atomic_store_n(&c->end[i], end, __ATOMIC_RELEASE);
                pthread_mutex_unlock(&registry_lock);
                return 0;
            }
        }
        if (!c->next) {
            span_chunk *fresh = calloc(1, sizeof *fresh);
            if (!fresh) {
                pthread_mutex_unlock(&registry_lock);
                return -1;
            }
            __atomic_store_n(&c->next, fresh, __ATOMIC_RELEASE);
        }
        c = c->next;
    }
}

static void span_remove(uintptr_t start)
{
    pthread_mutex_lock(&registry_lock);
    for (span_chunk *c = &spans; c; c = c->next)
        for (int i = 0; i < SPANS_PER_CHUNK; i++)
            if (c->end[i] && c->start[i] == start) {  /* each span is added once */
                __atomic_store_n(&c->end[i], 0, __ATOMIC_RELEASE);
                pthread_mutex_unlock(&registry_lock);
                return;
            }
    pthread_mutex_unlock(&registry_lock);
}

/* The modules loaded, for naming the function a fault happened in: a list that only
   grows (modules stay loaded), read without a lock. */
typedef struct module_node {
    const w2p_module *module;
    struct module_node *next;
} module_node;

static module_node *modules;

int w2p_register_module(const w2p_module *module)
{
    module_node *node = malloc(sizeof *node);
    if (!node)
        return -1;
    node->module = module;
    pthread_mutex_lock(&registry_lock);
    node->next = modules;
    __atomic_store_n(&modules, node, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&registry_lock);
    return 0;
}

#if W2P_GUARD_PAGES

/* This shared object's share of the code section: the runtime's trap path, and, when the
   runtime is a built module's copy, that module's functions. */
extern const char __start_w2p_code[] __attribute__((visibility("hidden")));
extern const char __stop_w2p_code[] __attribute__((visibility("hidden")));

/* Whether pc is in code where a fault may become a trap: a loaded module's functions, or
   the runtime's trap path. Anywhere else (the C library, Python, the shim) unwinding
   could leave a lock held or a Python frame half done, and the fault is not ours. */
static int in_trap_code(uintptr_t pc)
{
    if (pc >= (uintptr_t)__start_w2p_code && pc < (uintptr_t)__stop_w2p_code)
        return 1;
    for (module_node *n = __atomic_load_n(&modules, __ATOMIC_ACQUIRE); n; n = n->next)
        if (pc >= (uintptr_t)n->module->code_start && pc < (uintptr_t)n->module->code_end)
            return 1;
    return 0;
}

/* The C name of the function whose code holds pc: the one starting closest below it,
   among the functions of the module whose code holds it. */
static const char *function_at(uintptr_t pc)
{
    uintptr_t best = 0;
    const char *name = NULL;
    for (module_node *n = __atomic_load_n(&modules, __ATOMIC_ACQUIRE); n; n = n->next) {
        const w2p_module *m = n->module;
        if (pc < (uintptr_t)m->code_start || pc >= (uintptr_t)m->code_end)
            continue;
        for (uint32_t i = m->num_imported_funcs; i < m->num_funcs; i++) {
            uintptr_t start = (uintptr_t)m->funcs[i].fn;
            if (start <= pc && start > best) {
                best = start;
                name = m->funcs[i].c_name;
            }
        }
    }
    return name;
}

static int in_guarded_memory(uintptr_t addr)
{
    for (span_chunk *c = &spans; c; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE))
        for (int i = 0; i < SPANS_PER_CHUNK; i++) {
            uintptr_t end = __atomic_load_n(&c->end[i], __ATOMIC_ACQUIRE);
            if (end && addr < end && addr >= __atomic_load_n(&c->start[i], __ATOMIC_RELAXED))
                return 1;
        }
    return 0;
}

/* How far below the stack pointer a fault still counts as the stack overflowing: a push,
   a call, or a probe of a big frame (-fstack-clash-protection probes every page). */
#define STACK_FAULT_REACH (64u * 1024u)

static struct sigaction chained_segv, chained_bus;

static uintptr_t fault_sp(const void *context)
{
    const ucontext_t *uc = context;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#else
    return (uintptr_t)uc->uc_mcontext.sp;
#endif
}

static uintptr_t fault_pc(const void *context)
{
    const ucontext_t *uc = context;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#else
    return (uintptr_t)uc->uc_mcontext.pc;
#endif
}

/* Hands a fault that is not ours to whoever handled it before us; with nobody, restores
   the default action, so the faulting instruction runs again and ends the process. A
   handler that re-raises the signal after putting us back (Python's faulthandler does)
   comes back here while chaining: then the default action ends it, with one report. */
static __thread int chaining;

static void chain_fault(int sig, siginfo_t *info, void *context)
{
    const struct sigaction *prev = sig == SIGSEGV ? &chained_segv : &chained_bus;
    int has_handler = (prev->sa_flags & SA_SIGINFO) ? prev->sa_sigaction != NULL
                                                   : prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN;
    if (!has_handler || chaining) {
        signal(sig, SIG_DFL);
        return;
    }
    chaining = 1;
    if (prev->sa_flags & SA_SIGINFO)
        prev->sa_sigaction(sig, info, context);
    else
        prev->sa_handler(sig);
    chaining = 0;
}

static void on_fault(int sig, siginfo_t *info, void *context)
{
    w2p_boundary *b = thread.innermost;
    if (b && !b->in_host && info->si_code <= 0) {
        /* Sent, not a fault: a handler installed in front of ours since (Python's
           faulthandler) re-raising a Wasm fault after putting ours back. Returning runs
           the faulting instruction again, into ours. */
        return;
    }
    if (b && !b->in_host && in_trap_code(fault_pc(context))) {
        uintptr_t addr = (uintptr_t)info->si_addr;
        if (in_guarded_memory(addr))
            w2p_trap_unwind(W2P_TRAP_OOB_MEMORY, function_at(fault_pc(context)));
        uintptr_t sp = fault_sp(context);
        if (sig == SIGSEGV && addr < sp + 4096 && addr + STACK_FAULT_REACH > sp)
            w2p_trap_unwind(W2P_TRAP_EXHAUSTION, function_at(fault_pc(context)));
    }
    chain_fault(sig, info, context);
}

int w2p_guard_pages_available(void)
{
    return 1;
}

int w2p_guard_pages_install(void)
{
    static const int signals[] = {SIGSEGV, SIGBUS};
    int status = 0;
    /* Called at each instantiation, to be back in front of a handler installed since
       (Python's faulthandler, say, which takes both signals): one query of SIGSEGV's,
       the signal guard pages raise here, decides. A system call costs about 3 us on
       this machine, a third of an instantiation. */
    struct sigaction segv;
    if (sigaction(SIGSEGV, NULL, &segv) == 0 && (segv.sa_flags & SA_SIGINFO) && segv.sa_sigaction == on_fault)
        return 0;
    pthread_mutex_lock(&registry_lock);
    for (int k = 0; k < 2; k++) {
        struct sigaction current, ours;
        if (sigaction(signals[k], NULL, &current) != 0) {
            status = -1;
            continue;
        }
        if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_fault)
            continue;
        memset(&ours, 0, sizeof ours);
        ours.sa_sigaction = on_fault;
        /* On the alternate stack (the thread's own may be what overflowed); not blocking
           the signal while handling it, because traps leave the handler by longjmp. */
        ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
        sigemptyset(&ours.sa_mask);
        if (sigaction(signals[k], &ours, signals[k] == SIGSEGV ? &chained_segv : &chained_bus) != 0)
            status = -1;
    }
    pthread_mutex_unlock(&registry_lock);
    return status;
}

#else

int w2p_guard_pages_available(void)
{
    return 0;
}

int w2p_guard_pages_install(void)
{
    return -1;
}

#endif

/* Per thread, before its first boundary: an alternate signal stack for the fault handler
   unless it has one (freed when the thread exits), and the thread's stack bounds
   (thread_bounds; for the main thread that reads /proc/self/maps, once). */
#define ALT_STACK_SIZE (64u * 1024u)

static pthread_key_t alt_stack_key;
static pthread_once_t alt_stack_once = PTHREAD_ONCE_INIT;

static void free_alt_stack(void *stack)
{
    stack_t off;
    memset(&off, 0, sizeof off);
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, NULL);
    munmap(stack, ALT_STACK_SIZE);
}

static void make_alt_stack_key(void)
{
    pthread_key_create(&alt_stack_key, free_alt_stack);
}

static void thread_setup(void)
{
    stack_t current;
    if (W2P_GUARD_PAGES && sigaltstack(NULL, &current) == 0 && (current.ss_flags & SS_DISABLE)) {
        void *stack = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (stack != MAP_FAILED) {
            stack_t alt;
            memset(&alt, 0, sizeof alt);
            alt.ss_sp = stack;
            alt.ss_size = ALT_STACK_SIZE;
            pthread_once(&alt_stack_once, make_alt_stack_key);
            if (sigaltstack(&alt, NULL) == 0)
                pthread_setspecific(alt_stack_key, stack);
            else
                munmap(stack, ALT_STACK_SIZE);
        }
    }
    /* The stack's bounds now, at a boundary, where there is stack to spare: the stack
       check's slow path runs in what Wasm code left, so it must find them made. */
    if (!thread.floor)
        thread_bounds();
    thread.ready = 1;
}

static void instantiate_entry(const w2p_func *f, const w2p_val *args, w2p_val *results)
{
    (void)args;
    (void)results;
    ((void (*)(w2p_ctx *))f->fn)(f->ctx);
}

int w2p_instantiate(const w2p_module *module, w2p_ctx *instance, const char **where)
{
    w2p_func init = {.fn = (w2p_fnptr)module->instantiate, .ctx = instance, .entry = instantiate_entry};
    return w2p_invoke(&init, NULL, NULL, where);
}

const char *w2p_trap_kind_name(int kind)
{
    static const char *const names[] = {
        "none",
        "unreachable",
        "out of bounds memory access",
        "out of bounds table access",
        "undefined element",
        "uninitialized element",
        "indirect call type mismatch",
        "integer divide by zero",
        "integer overflow",
        "invalid conversion to integer",
        "call stack exhausted",
        "host exception",
        "wasi exit",
    };
    if (kind < 0 || kind >= (int)(sizeof names / sizeof names[0]))
        return "unknown trap";
    return names[kind];
}
