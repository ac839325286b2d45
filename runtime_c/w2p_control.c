/*
 * w2p_control.c: monitors, the GIL and signals around Wasm calls (see w2p_control.h).
 *
 * The Python side of the runtime's polling (w2p_rt.c, w2p_poll): the runtime asks, with
 * W2P_POLL_TICK, once a call has run a watchdog period, and with W2P_POLL_SIGNAL when a
 * signal Python handles arrived; this file runs Python's signal handlers and lets the GIL
 * go. Compiled into the shim with the runtime.
 */
#include <Python.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "w2p_control.h"

/* ---- Monitors ---- */

/* Threads wait for a group on one condition (waits are rare): woken when any group is
   left while someone waits, and every WAIT_SLICE_NS anyway, to run signal handlers. */
#define WAIT_SLICE_NS 20000000 /* 20 ms */

static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;
static size_t waiting; /* threads waiting for a group (the GIL guards it) */

/* The context of the innermost call on this thread (its monitor leads to the group). */
static __thread w2p_ctx *current_ctx;

/* Every monitor alive (the GIL guards the list). */
static w2p_monitor *monitors;

/* In a forked child only the forking thread lives on: groups other threads were inside
   are free (as Python's own locks are reset), else calls into them would wait for ever. */
static void monitors_after_fork(void)
{
    void *me = w2p_this_thread();
    for (w2p_monitor *m = monitors; m; m = m->next)
        if (m->owner && m->owner != me) {
            m->owner = NULL;
            m->depth = 0;
        }
    waiting = 0;
    pthread_mutex_init(&wait_lock, NULL);
    pthread_cond_init(&wait_cond, NULL);
}

w2p_monitor *w2p_monitor_new(void)
{
    w2p_monitor *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->refs = m->members = 1;
    m->next = monitors;
    if (monitors)
        monitors->prev = m;
    monitors = m;
    return m;
}

void w2p_monitor_incref(w2p_monitor *m)
{
    m->refs++;
}

void w2p_monitor_decref(w2p_monitor *m)
{
    while (m && --m->refs == 0) {
        w2p_monitor *joined = m->merged_into;
        if (m->prev)
            m->prev->next = m->next;
        else
            monitors = m->next;
        if (m->next)
            m->next->prev = m->prev;
        free(m);
        m = joined;
    }
}

w2p_monitor *w2p_monitor_group(w2p_monitor *m)
{
    while (m->merged_into)
        m = m->merged_into;
    return m;
}

w2p_monitor *w2p_monitor_current(void)
{
    return current_ctx && current_ctx->monitor ? w2p_monitor_group(current_ctx->monitor) : NULL;
}

/* Waits, the GIL let go, until no thread but `me` is inside m's group: 0, or -1 with the
   exception a signal handler raised meanwhile. */
static int wait_for_group(w2p_monitor *m, void *me)
{
    for (;;) {
        w2p_monitor *g = w2p_monitor_group(m);
        if (!g->owner || g->owner == me)
            return 0;
        waiting++;
        /* Taken before the GIL goes: the owner, leaving with the GIL, cannot signal
           between this thread's look at the group and its wait. */
        pthread_mutex_lock(&wait_lock);
        PyThreadState *ts = PyEval_SaveThread();
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += WAIT_SLICE_NS;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&wait_cond, &wait_lock, &until);
        pthread_mutex_unlock(&wait_lock);
        PyEval_RestoreThread(ts);
        waiting--;
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
}

static void leave_group(w2p_monitor *g)
{
    if (--g->depth)
        return;
    g->owner = NULL;
    if (waiting) {
        pthread_mutex_lock(&wait_lock);
        pthread_cond_broadcast(&wait_cond);
        pthread_mutex_unlock(&wait_lock);
    }
}

int w2p_monitor_join(w2p_monitor *a, w2p_monitor *b)
{
    void *me = w2p_this_thread();
    for (;;) {
        w2p_monitor *ga = w2p_monitor_group(a), *gb = w2p_monitor_group(b);
        if (ga == gb)
            return 0;
        if (wait_for_group(ga, me) < 0 || wait_for_group(gb, me) < 0)
            return -1;
        if (w2p_monitor_group(a) != ga || w2p_monitor_group(b) != gb)
            continue; /* joined meanwhile */
        /* The smaller group joins the larger: chains stay short (at most log2 of the
           monitors linked), and w2p_call shortens a context's to one. */
        if (gb->members > ga->members) {
            w2p_monitor *t = ga;
            ga = gb;
            gb = t;
        }
        /* This thread may be inside either (instantiating from a host function): its
           calls there now count in the joint group, where they will leave it. */
        if (gb->owner) {
            ga->owner = gb->owner;
            ga->depth += gb->depth;
            gb->owner = NULL;
            gb->depth = 0;
        }
        gb->merged_into = ga;
        ga->members += gb->members;
        w2p_monitor_incref(ga);
        return 0;
    }
}

int w2p_monitor_interrupt(w2p_monitor *m)
{
    w2p_monitor *g = w2p_monitor_group(m);
    if (!g->owner)
        return 0;
    w2p_interrupt_thread(g->owner);
    return 1;
}

int w2p_call(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where)
{
    w2p_ctx *outer = current_ctx;
    w2p_monitor *g = NULL;
    if (f->ctx->monitor) {
        void *me = w2p_this_thread();
        g = w2p_monitor_group(f->ctx->monitor);
        if (g != f->ctx->monitor) {
            /* Joined since: the context takes its group's own, for the next call. */
            w2p_monitor_incref(g);
            w2p_monitor_decref(f->ctx->monitor);
            f->ctx->monitor = g;
        }
        if (g->owner != me) {
            if (g->owner && wait_for_group(g, me) < 0) {
                *where = NULL;
                return W2P_TRAP_HOST_EXCEPTION;
            }
            g = w2p_monitor_group(f->ctx->monitor);
            g->owner = me;
        }
        g->depth++;
    }
    current_ctx = f->ctx;
    int kind = w2p_invoke(f, args, results, where);
    w2p_hold_gil();
    if (g) /* its group now: a host function may have joined it to another meanwhile */
        leave_group(w2p_monitor_group(f->ctx->monitor));
    current_ctx = outer;
    return kind;
}

/* ---- The GIL ---- */

/* The thread state this thread's Wasm code put away with the GIL, or NULL: it holds it. */
static __thread PyThreadState *released;

void w2p_hold_gil(void)
{
    PyThreadState *ts = released;
    if (ts) {
        released = NULL;
        PyEval_RestoreThread(ts);
    }
}

void w2p_let_gil_go(void)
{
    if (!released)
        released = PyEval_SaveThread();
}

/* ---- Signals ---- */

/* Python's C handler of the signals it handles (one function for all of them), as found
   on SIGINT: each signal it handles gets on_python_signal in front of it, which asks the
   main thread's Wasm code to poll, where the handler's Python code then runs. */
typedef void (*signal_fn)(int);
static signal_fn python_handler;
static int64_t signals_looked_at;

/* How often the handlers are looked at again, at most (sigaction is a system call a
   signal; Python replaces ours whenever signal.signal sets a handler). */
#define SIGNAL_LOOK_NS 100000000 /* 100 ms */

static void on_python_signal(int sig)
{
    int saved = errno;
    w2p_signal_arrived();
    errno = saved;
    python_handler(sig);
}

static int ours_to_wrap(int sig)
{
    return sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE && sig != SIGKILL && sig != SIGSTOP;
}

/* With the GIL, so that Python is not setting a handler meanwhile. */
static void watch_signals(void)
{
    int64_t now = w2p_now();
    if (signals_looked_at && now - signals_looked_at < SIGNAL_LOOK_NS)
        return;
    signals_looked_at = now;
    for (int sig = 1; sig < 32; sig++) {
        struct sigaction current_action;
        if (!ours_to_wrap(sig) || sigaction(sig, NULL, &current_action) != 0 ||
            (current_action.sa_flags & SA_SIGINFO))
            continue;
        signal_fn fn = current_action.sa_handler;
        if (!python_handler && sig == SIGINT && fn != SIG_DFL && fn != SIG_IGN && fn != on_python_signal)
            python_handler = fn;
        if (python_handler && fn == python_handler) {
            current_action.sa_handler = on_python_signal;
            sigaction(sig, &current_action, NULL);
        }
    }
}

/* ---- Polls ---- */

static int on_poll(uint32_t requests)
{
    /* A signal for Python came: its handler runs on the main thread (elsewhere
       PyErr_CheckSignals does nothing). So it does every SIGNAL_LOOK_NS while the main
       thread runs without the GIL, for a signal that reached Python's handler alone (one
       set since the handlers were last looked at), and the handlers are looked at again. */
    if (released && ((requests & W2P_POLL_SIGNAL) ||
                     (w2p_on_main_thread() && w2p_now() - signals_looked_at >= SIGNAL_LOOK_NS)))
        w2p_hold_gil();
    if (!released) {
        if (PyErr_CheckSignals() < 0)
            return W2P_TRAP_HOST_EXCEPTION;
        if (requests & W2P_POLL_TICK) { /* the call has run a while: others may run too */
            watch_signals();
            w2p_let_gil_go();
        }
    }
    return W2P_TRAP_NONE;
}

void w2p_control_init(void)
{
    pthread_atfork(NULL, NULL, monitors_after_fork);
    w2p_set_poll_hook(on_poll);
    watch_signals();
}
