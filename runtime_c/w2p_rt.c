/*
 * w2p_rt.c: the wasm2pyext C runtime (declarations and docs in w2p_rt.h): each thread's
 * state and stack bounds, and the trap boundary between Python and Wasm (w2p_invoke,
 * w2p_trap_unwind, the stack check, polls, host calls).
 *
 * Module-independent and free of Python, as are the runtime's other files: memories and
 * tables (w2p_rt_memory.c), the fault handler of guard pages (w2p_rt_guard.c) and the
 * watchdog (w2p_rt_watchdog.c), which share w2p_rt_impl.h. Compiled once, into the
 * shared shim object every built module links.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_rt_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/auxv.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

/* ---- The stack floor ---- */

/* Stack kept free below the floor: for the trap path, runtime calls and libc. */
#define W2P_STACK_RESERVE_MAX (256u * 1024u)

/* Stack a host call needs before it may enter Python: 256 KiB, but at most a quarter of
   the thread's usable stack (a 256 KiB thread could not call a host function at all). */
#define W2P_HOST_CALL_STACK (256u * 1024u)

__thread thread_state rt_thread;

/* The calling thread's stack as glibc knows it, [*low, *low + *size). */
static void pthread_stack(uintptr_t *low, uintptr_t *size)
{
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t len;
        if (pthread_attr_getstack(&attr, &addr, &len) == 0) {
            *low = (uintptr_t)addr;
            *size = len;
        }
        pthread_attr_destroy(&attr);
    }
}

/* The main thread's stack, as pthread_stack but without glibc's reading and parsing all
   of /proc/self/maps for it (150 us in a Python process, most of a first call's cost).
   Linux puts the name of the program it ran (AT_EXECFN) at the very top of the stack,
   8 bytes below its mapping's end, and lets the stack grow to RLIMIT_STACK below that
   end; nothing else is mapped there while the limit is what it was at exec (mmap's base
   is kept that limit and a gap below), and at least 128 MiB are kept free whatever the
   limit was: a limit raised since (setrlimit, to recurse deeper) may reach mappings
   below. So past 128 MiB glibc, which stops at the mapping below, is asked. 0 if this is
   not the main thread on that stack, or the limit is past 128 MiB. */
static int main_thread_stack(uintptr_t *low, uintptr_t *size)
{
#if defined(__linux__)
    struct rlimit limit;
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    if (!execfn || !rt_is_main_thread() || getrlimit(RLIMIT_STACK, &limit) != 0 ||
        limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > ((rlim_t)128 << 20))
        return 0;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t top = ((uintptr_t)execfn + strlen(execfn) + 1 + sizeof(void *) + page - 1) & ~(page - 1);
    uintptr_t span = (uintptr_t)limit.rlim_cur & ~(page - 1), here = (uintptr_t)&limit;
    if (top < span || here >= top || here < top - span)
        return 0;
    *low = top - span;
    *size = span;
    return 1;
#else
    (void)low;
    (void)size;
    return 0;
#endif
}

/* The calling thread's bounds, computed once per thread. */
static void thread_bounds(void)
{
    uintptr_t low = 0, size = 0;
    if (!main_thread_stack(&low, &size))
        pthread_stack(&low, &size);
    if (!size) {
        /* Unknown bounds: allow 512 KiB below the current frame. */
        char here;
        size = 1024 * 1024;
        low = (uintptr_t)&here - size / 2;
    }
    uintptr_t reserve = size / 8 < W2P_STACK_RESERVE_MAX ? size / 8 : W2P_STACK_RESERVE_MAX;
    uintptr_t span = size - reserve;
    rt_thread.floor = low + reserve;
    rt_thread.span = span;
    rt_thread.host_floor = rt_thread.floor + (span / 4 < W2P_HOST_CALL_STACK ? span / 4 : W2P_HOST_CALL_STACK);
}

/* Sets ctx's stack bounds to the calling thread's (see w2p_ctx.stack_floor). */
static void stack_bounds(w2p_ctx *ctx)
{
    if (!rt_thread.floor)
        thread_bounds();
    ctx->stack_floor = rt_thread.floor;
    ctx->stack_span = rt_thread.span;
}

/* In the code section: it runs on whatever stack Wasm code left (rt_thread_setup has found
   the thread's bounds, so it calls nothing), and a fault in it is stack exhaustion. */
W2P_CODE void w2p_stack_check(w2p_ctx *ctx, uintptr_t sp, const char *where)
{
    stack_bounds(ctx);
    if (sp < ctx->stack_floor)
        ctx->trap(W2P_TRAP_EXHAUSTION, where);
}

/* Per thread, before its first boundary: an alternate signal stack for the fault handler
   (rt_alt_stack_setup), the thread's stack bounds (thread_bounds), and a place on the watchdog's list. */
void rt_thread_setup(void)
{
    rt_alt_stack_setup();
    /* The stack's bounds now, at a boundary, where there is stack to spare: the stack
       check's slow path runs in what Wasm code left, so it must find them made. */
    if (!rt_thread.floor)
        thread_bounds();
    rt_watch_this_thread();
    rt_thread.ready = 1;
}

/* ---- Traps and the boundary ---- */

static w2p_poll_hook poll_hook;

void w2p_set_poll_hook(w2p_poll_hook hook)
{
    poll_hook = hook;
}

/* In the code section, like the stack check: it runs in what Wasm code left, and traps.
   The Python side runs only with a host call's stack to spare (else the request waits
   for a poll higher up the stack), marked as host code for the fault handler. */
W2P_CODE void w2p_poll(w2p_ctx *ctx, const char *where)
{
    thread_state *t = &rt_thread;
    uint32_t requests = __atomic_exchange_n(&t->poll, 0, __ATOMIC_ACQUIRE);
    if (requests & (W2P_POLL_INTERRUPT | W2P_POLL_DEADLINE))
        ctx->trap(W2P_TRAP_INTERRUPTED, where);
    requests &= W2P_POLL_SIGNAL | W2P_POLL_TICK;
    if (!requests || !poll_hook)
        return;
    char here;
    int outside = w2p_host_enter(&here);
    if (outside < 0) {
        rt_request(t, requests & W2P_POLL_SIGNAL);
        return;
    }
    int kind = poll_hook(requests);
    w2p_host_leave(outside);
    if (kind != W2P_TRAP_NONE)
        ctx->trap(kind, where);
}

W2P_CODE void w2p_trap_unwind(int kind, const char *where)
{
    w2p_boundary *b = rt_thread.innermost;
    if (!b)
        abort(); /* Wasm code only runs below a boundary */
    b->kind = kind;
    b->where = where;
    W2P_LONGJMP(b->target);
}

int w2p_invoke(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where)
{
    /* b's address escapes (rt_thread.innermost), so it lives in memory and what
       w2p_trap_unwind wrote into it is still there after the longjmp. */
    w2p_boundary b;
    /* The thread's state found once: each access to `rt_thread` is a TLS descriptor call,
       and with every register clobbered by the setjmp the compiler would make another
       rather than keep the address. Kept on the stack instead (volatile), it survives
       the longjmp too. */
    thread_state *volatile t = &rt_thread;
    b.outer = t->innermost;
    b.kind = W2P_TRAP_NONE;
    b.where = NULL;
    b.in_host = 0;
    if (__builtin_expect(!t->ready, 0))
        rt_thread_setup();
    if (!t->depth++) {
        /* A new call: requests left from the last are void (a signal's was Python's to
           handle since), and the watchdog must be watching (it sleeps when idle). */
        __atomic_store_n(&t->poll, 0, __ATOMIC_RELAXED);
        t->calls++;
        if (__builtin_expect(__atomic_load_n(&rt_watchdog_state, __ATOMIC_RELAXED) != WATCHDOG_AWAKE, 0))
            rt_watchdog_wake();
    }
    /* No stack bounds to set: the first function entered finds ctx's bounds wrong (unset,
       or another thread's) and refreshes them (w2p_stack_check). */
    f->ctx->requests = &t->poll;
    t->innermost = &b;
    if (W2P_SETJMP(b.target) == 0)
        f->entry(f, args, results);
    t->innermost = b.outer;
    t->depth--;
    *where = b.where;
    return b.kind;
}

int w2p_host_enter(const void *sp)
{
    thread_state *t = &rt_thread;
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
    w2p_boundary *b = rt_thread.innermost;
    if (b)
        b->in_host = saved;
}

static void instantiate_entry(const w2p_func *f, const w2p_val *args, w2p_val *results)
{
    (void)args;
    (void)results;
    ((void (*)(w2p_ctx *))f->fn)(f->ctx);
}

w2p_func w2p_instantiation(const w2p_module *module, w2p_ctx *instance)
{
    w2p_func init = {.fn = (w2p_fnptr)module->instantiate, .ctx = instance, .entry = instantiate_entry};
    return init;
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
        "interrupted",
        "out of fuel",
        "host exception",
        "wasi exit",
    };
    if (kind < 0 || kind >= (int)(sizeof names / sizeof names[0]))
        return "unknown trap";
    return names[kind];
}
