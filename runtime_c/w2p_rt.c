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
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

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

/* Bytes of whole pages holding n elements. */
static size_t table_bytes(uint64_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return ((size_t)n * sizeof(void *) + page - 1) / page * page;
}

int w2p_table_init(w2p_table *table, uint8_t elem_type, uint32_t size, uint32_t max)
{
    if (size > W2P_MAX_TABLE_SIZE)
        return -1;
    uint32_t cap = max < W2P_MAX_TABLE_SIZE ? max : W2P_MAX_TABLE_SIZE;
    table->reserved = 0;
    if (cap <= size) {
        /* It cannot grow: an allocation of its size (a system call less each). */
        table->elems = calloc(size ? size : 1, sizeof(void *));
        if (!table->elems)
            return -1;
    } else {
        size_t reserve = table_bytes(cap), commit = table_bytes(size);
        void *elems = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (elems == MAP_FAILED)
            return -1;
        if (commit && mprotect(elems, commit, PROT_READ | PROT_WRITE) != 0) {
            munmap(elems, reserve);
            return -1;
        }
        table->elems = elems;
        table->reserved = reserve;
    }
    table->size = size;
    table->max = max;
    table->elem_type = elem_type;
    return 0;
}

void w2p_table_free(w2p_table *table)
{
    if (table->reserved)
        munmap(table->elems, table->reserved);
    else
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
        size_t have = table_bytes(old), need = table_bytes(new_size);
        if (need > table->reserved)
            return UINT32_MAX;
        if (need > have && mprotect((char *)table->elems + have, need - have, PROT_READ | PROT_WRITE) != 0)
            return UINT32_MAX;
        for (uint64_t i = old; i < new_size; i++)
            table->elems[i] = init;
        /* The new elements are in place before the size says so. */
        __atomic_store_n(&table->size, (uint32_t)new_size, __ATOMIC_RELEASE);
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
    /* Requests to this thread (W2P_POLL_*), set by any thread or a signal handler with
       atomic operations, taken by w2p_poll. */
    uint32_t poll;
    uint32_t depth;         /* boundaries open */
    uint32_t calls;         /* outermost boundaries entered so far */
    uint32_t calls_seen;    /* calls when the watchdog last looked (its own) */
    int64_t deadline;       /* CLOCK_MONOTONIC ns; 0: none */
    struct thread_state *next_watched, *prev_watched; /* the watchdog's list */
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

/* ---- The watchdog: a thread that looks at the threads running Wasm every period ----

   It asks a thread that is still in the call it was in at the last look (so has run at
   least a period) to poll (W2P_POLL_TICK), and one whose deadline has passed to stop
   (W2P_POLL_DEADLINE). Calls shorter than a period never hear from it. After a second
   without any call it sleeps until the next call wakes it (one load of watchdog_state a
   call). It runs no Python and takes no lock a Wasm thread holds while running. */
#define WATCHDOG_PERIOD_NS 1000000  /* 1 ms */
#define WATCHDOG_IDLE_PERIODS 1000  /* idle looks before it sleeps */
/* Looks between checks that the fault handler is still the process's first: code that
   installs its own SIGSEGV handler (in C, or Python's signal.signal) after instances were
   made would otherwise take the faults of guard pages, and an access out of bounds would
   fault again and again instead of trapping. */
#define WATCHDOG_HANDLER_PERIODS 100

/* Set once the fault handler has been installed (guard-page modules use it). */
static int fault_handler_wanted;

enum { WATCHDOG_NONE, WATCHDOG_AWAKE, WATCHDOG_ASLEEP };

static int watchdog_state = WATCHDOG_NONE;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond;
static thread_state *watched; /* threads that have entered Wasm, alive */
static thread_state *main_thread_state;
static pthread_key_t watched_key;

const volatile uint32_t w2p_no_requests = 0;

int64_t w2p_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whether the calling thread is the process's main thread (Linux: its id is the pid's),
   where Python runs signal handlers. */
static int is_main_thread(void)
{
    return getpid() == (pid_t)syscall(SYS_gettid);
}

static void request(thread_state *t, uint32_t what)
{
    __atomic_or_fetch(&t->poll, what, __ATOMIC_RELEASE);
}

static void *watchdog(void *unused)
{
    (void)unused;
    int idle = 0;
    unsigned looks = 0;
    pthread_mutex_lock(&watch_lock);
    for (;;) {
        if (++looks % WATCHDOG_HANDLER_PERIODS == 0 && __atomic_load_n(&fault_handler_wanted, __ATOMIC_RELAXED))
            w2p_guard_pages_install();
        int64_t now = w2p_now(), wake = now + WATCHDOG_PERIOD_NS;
        int busy = 0;
        for (thread_state *t = watched; t; t = t->next_watched) {
            if (!__atomic_load_n(&t->depth, __ATOMIC_RELAXED))
                continue;
            busy = 1;
            uint32_t calls = __atomic_load_n(&t->calls, __ATOMIC_RELAXED);
            if (calls == t->calls_seen)
                request(t, W2P_POLL_TICK);
            t->calls_seen = calls;
            int64_t deadline = __atomic_load_n(&t->deadline, __ATOMIC_RELAXED);
            if (deadline && deadline <= now)
                request(t, W2P_POLL_DEADLINE);
            else if (deadline && deadline < wake)
                wake = deadline;
        }
        idle = busy ? 0 : idle + 1;
        if (idle >= WATCHDOG_IDLE_PERIODS) {
            /* Until a call or a deadline wakes it. A call that starts as it falls asleep
               may go unwatched for a while: the GIL is let go later then, no more. */
            __atomic_store_n(&watchdog_state, WATCHDOG_ASLEEP, __ATOMIC_RELAXED);
            pthread_cond_wait(&watch_cond, &watch_lock);
            __atomic_store_n(&watchdog_state, WATCHDOG_AWAKE, __ATOMIC_RELAXED);
            idle = 0;
            continue;
        }
        struct timespec until = {(time_t)(wake / 1000000000), (long)(wake % 1000000000)};
        pthread_cond_timedwait(&watch_cond, &watch_lock, &until);
    }
    return NULL;
}

static void watch_before_fork(void)
{
    pthread_mutex_lock(&watch_lock);
}

static void watch_after_fork_parent(void)
{
    pthread_mutex_unlock(&watch_lock);
}

/* The watchdog waits on a monotonic clock. */
static void watch_cond_init(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&watch_cond, &attr);
    pthread_condattr_destroy(&attr);
}

/* In a forked child only the forking thread lives on, and no watchdog. The condition
   variable is made anew: glibc's signal would wait for the parent's watchdog, a waiter
   that is not in the child, to acknowledge it. */
static void watch_after_fork_child(void)
{
    pthread_mutex_init(&watch_lock, NULL);
    watch_cond_init();
    watchdog_state = WATCHDOG_NONE;
    watched = NULL;
    main_thread_state = NULL;
    if (thread.ready) {
        thread.next_watched = thread.prev_watched = NULL;
        watched = &thread;
        if (is_main_thread())
            main_thread_state = &thread;
    }
}

static void unwatch(void *state)
{
    thread_state *t = state;
    pthread_mutex_lock(&watch_lock);
    if (t->prev_watched)
        t->prev_watched->next_watched = t->next_watched;
    else if (watched == t)
        watched = t->next_watched;
    if (t->next_watched)
        t->next_watched->prev_watched = t->prev_watched;
    if (main_thread_state == t)
        main_thread_state = NULL;
    pthread_mutex_unlock(&watch_lock);
}

static void watch_init(void)
{
    watch_cond_init();
    pthread_key_create(&watched_key, unwatch);
    pthread_atfork(watch_before_fork, watch_after_fork_parent, watch_after_fork_child);
}

static pthread_once_t watch_once = PTHREAD_ONCE_INIT;

/* Puts the calling thread on the watchdog's list (once; off it when the thread ends). */
static void watch_this_thread(void)
{
    pthread_once(&watch_once, watch_init);
    pthread_setspecific(watched_key, &thread);
    pthread_mutex_lock(&watch_lock);
    thread.prev_watched = NULL;
    thread.next_watched = watched;
    if (watched)
        watched->prev_watched = &thread;
    watched = &thread;
    if (is_main_thread())
        main_thread_state = &thread;
    pthread_mutex_unlock(&watch_lock);
}

/* Starts the watchdog, or wakes it. Its thread blocks every signal: they are for the
   threads that run Python. */
static void watchdog_wake(void)
{
    pthread_once(&watch_once, watch_init);
    pthread_mutex_lock(&watch_lock);
    if (watchdog_state == WATCHDOG_NONE) {
        sigset_t all, old;
        pthread_t id;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        if (pthread_create(&id, NULL, watchdog, NULL) == 0) {
            pthread_detach(id);
            watchdog_state = WATCHDOG_AWAKE;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    } else {
        pthread_cond_signal(&watch_cond);
    }
    pthread_mutex_unlock(&watch_lock);
}

void *w2p_this_thread(void)
{
    if (!thread.ready)
        thread_setup();
    return &thread;
}

void w2p_interrupt_thread(void *t)
{
    request(t, W2P_POLL_INTERRUPT);
}

int64_t w2p_deadline(void)
{
    return thread.deadline;
}

void w2p_set_deadline(int64_t deadline)
{
    thread_state *t = w2p_this_thread();
    __atomic_store_n(&t->deadline, deadline, __ATOMIC_RELAXED);
    watchdog_wake(); /* to look again at when it must next look */
}

int w2p_on_main_thread(void)
{
    return __atomic_load_n(&main_thread_state, __ATOMIC_RELAXED) == w2p_this_thread();
}

void w2p_signal_arrived(void)
{
    thread_state *t = __atomic_load_n(&main_thread_state, __ATOMIC_RELAXED);
    if (t)
        request(t, W2P_POLL_SIGNAL);
}

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
    thread_state *t = &thread;
    uint32_t requests = __atomic_exchange_n(&t->poll, 0, __ATOMIC_ACQUIRE);
    if (requests & (W2P_POLL_INTERRUPT | W2P_POLL_DEADLINE))
        ctx->trap(W2P_TRAP_INTERRUPTED, where);
    requests &= W2P_POLL_SIGNAL | W2P_POLL_TICK;
    if (!requests || !poll_hook)
        return;
    char here;
    int outside = w2p_host_enter(&here);
    if (outside < 0) {
        request(t, requests & W2P_POLL_SIGNAL);
        return;
    }
    int kind = poll_hook(requests);
    w2p_host_leave(outside);
    if (kind != W2P_TRAP_NONE)
        ctx->trap(kind, where);
}

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
    if (!t->depth++) {
        /* A new call: requests left from the last are void (a signal's was Python's to
           handle since), and the watchdog must be watching (it sleeps when idle). */
        __atomic_store_n(&t->poll, 0, __ATOMIC_RELAXED);
        t->calls++;
        if (__builtin_expect(__atomic_load_n(&watchdog_state, __ATOMIC_RELAXED) != WATCHDOG_AWAKE, 0))
            watchdog_wake();
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
    /* Called at each instantiation, and by the watchdog every WATCHDOG_HANDLER_PERIODS
       while calls run, to be back in front of a handler installed since (Python's
       faulthandler, say, which takes both signals): one query of SIGSEGV's, the signal
       guard pages raise here, decides. A system call costs about 3 us on this machine, a
       third of an instantiation. */
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
        else
            __atomic_store_n(&fault_handler_wanted, 1, __ATOMIC_RELAXED);
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
    watch_this_thread();
    thread.ready = 1;
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
