/*
 * w2p_rt_guard.c: the fault handler of guard-page modules (declared in w2p_rt.h).
 *
 * In a module built for guard pages, neither memory accesses nor call depth are checked
 * in the code: an access out of bounds lands in a guarded memory's inaccessible pages,
 * an overflow on the thread's stack guard, and the SIGSEGV handler here turns that fault
 * into a trap, when it happened in Wasm code (the w2p_code sections). Every other fault
 * goes on to whoever handled it before. It also holds what the handler reads without a
 * lock: the guarded memories' address ranges, the loaded modules, and each thread's
 * alternate signal stack.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_rt_impl.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

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

int rt_fault_handler_wanted;

int rt_span_add(uintptr_t start, uintptr_t end)
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

void rt_span_remove(uintptr_t start)
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
    w2p_boundary *b = rt_thread.innermost;
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
    /* Called at each instantiation, and by the watchdog (w2p_rt_watchdog.c) every
       WATCHDOG_HANDLER_PERIODS while calls run, to be back in front of a handler
       installed since (Python's faulthandler, say, which takes both signals): one query
       of SIGSEGV's, the signal guard pages raise here, decides. A system call costs
       about 3 us on this machine, a third of an instantiation. */
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
            __atomic_store_n(&rt_fault_handler_wanted, 1, __ATOMIC_RELAXED);
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

/* The alternate signal stack the handler runs on (the thread's own may be what
   overflowed). */
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

void rt_alt_stack_setup(void)
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
}
