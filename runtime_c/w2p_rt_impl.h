/*
 * w2p_rt_impl.h: what the files of the C runtime share among themselves, and nothing
 * else includes: the per-thread state and the boundary (w2p_rt.c), the watchdog's
 * (w2p_rt_watchdog.c) and the fault handler's (w2p_rt_guard.c) hooks for the others.
 * The interface to modules and the shim is w2p_rt.h.
 */
#ifndef W2P_RT_IMPL_H
#define W2P_RT_IMPL_H

#include "w2p_rt.h"

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
typedef struct w2p_boundary {
    w2p_jmp_buf target;
    struct w2p_boundary *outer;
    int kind;
    const char *where;
    int in_host; /* a host function's Python code is running below it */
} w2p_boundary;

/* Everything the runtime keeps per thread, in one place (one thread-local lookup). */
typedef struct thread_state {
    uintptr_t floor, span;  /* the usable stack (0: not computed yet) */
    uintptr_t host_floor;   /* where a host call may still enter Python */
    w2p_boundary *innermost;
    int ready;              /* rt_thread_setup has run */
    /* Requests to this thread (W2P_POLL_*), set by any thread or a signal handler with
       atomic operations, taken by w2p_poll. */
    uint32_t poll;
    uint32_t depth;         /* boundaries open */
    uint32_t calls;         /* outermost boundaries entered so far */
    uint32_t calls_seen;    /* calls when the watchdog last looked (its own) */
    int64_t deadline;       /* CLOCK_MONOTONIC ns; 0: none */
    struct thread_state *next_watched, *prev_watched; /* the watchdog's list */
} thread_state;

/* The calling thread's (w2p_rt.c). Hidden: it binds within the runtime's shared object,
   so each access stays one thread-local lookup of this object's own. */
extern __thread thread_state rt_thread __attribute__((visibility("hidden")));

/* Per thread, before its first boundary (w2p_rt.c): the alternate signal stack, the
   stack's bounds, a place on the watchdog's list. */
void rt_thread_setup(void);

static inline void rt_request(thread_state *t, uint32_t what)
{
    __atomic_or_fetch(&t->poll, what, __ATOMIC_RELEASE);
}

/* ---- The watchdog (w2p_rt_watchdog.c) ---- */

enum { WATCHDOG_NONE, WATCHDOG_AWAKE, WATCHDOG_ASLEEP };

/* Read without the lock by every outermost boundary: whether to wake the watchdog. */
extern int rt_watchdog_state;

/* Starts the watchdog, or wakes it. */
void rt_watchdog_wake(void);
/* Puts the calling thread on the watchdog's list (once; off it when the thread ends). */
void rt_watch_this_thread(void);
/* Whether the calling thread is the process's main thread. */
int rt_is_main_thread(void);

/* ---- Guard pages (w2p_rt_guard.c) ---- */

/* Set once the fault handler has been installed: the watchdog then keeps it first. */
extern int rt_fault_handler_wanted;

/* Adds or removes the address range of a guarded memory, for the fault handler; 0 or
   -1 (out of memory). */
int rt_span_add(uintptr_t start, uintptr_t end);
void rt_span_remove(uintptr_t start);
/* Gives the calling thread an alternate signal stack for the fault handler unless it
   has one (freed when the thread exits). */
void rt_alt_stack_setup(void);

#endif /* W2P_RT_IMPL_H */
