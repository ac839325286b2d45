/*
 * w2p_control.h: who runs Wasm code when, from Python (w2p_control.c).
 *
 * - Monitors: one thread at a time inside a group of linked instances (those that share
 *   a function, memory, table or global). A call from another thread waits, with the
 *   GIL let go, until the group is free; the thread inside may call in again (a host
 *   function calling back). Everything here runs with the GIL held, which guards the
 *   monitors' fields: they need no atomics.
 * - The GIL: a call that has run a watchdog period (w2p_rt_watchdog.c) lets it go at a
 *   poll, and takes it back for each host function and when the call returns.
 * - Signals Python handles: a poll runs their Python handlers, so Ctrl-C stops Wasm code
 *   with KeyboardInterrupt as it would Python code.
 */
#ifndef W2P_CONTROL_H
#define W2P_CONTROL_H

#include "w2p_rt.h"

struct w2p_monitor {
    struct w2p_monitor *merged_into; /* the group it joined; NULL: it is a group's own */
    struct w2p_monitor *prev, *next; /* every monitor (for a forked child to reset) */
    void *owner;                     /* the thread inside (w2p_this_thread), or NULL */
    uint32_t depth;                  /* the owner's calls inside */
    size_t members;                  /* monitors in the group (a group's own only) */
    size_t refs;                     /* contexts and objects holding it, monitors merged into it */
};

/* A new monitor (one reference), or NULL when out of memory. */
w2p_monitor *w2p_monitor_new(void);
void w2p_monitor_incref(w2p_monitor *m);
void w2p_monitor_decref(w2p_monitor *m);
/* The monitor that stands for m's group now. */
w2p_monitor *w2p_monitor_group(w2p_monitor *m);
/* Makes b's group part of a's, once neither is inside a call on another thread (waiting
   for that): 0, or -1 with a Python exception set (a signal's handler raised). */
int w2p_monitor_join(w2p_monitor *a, w2p_monitor *b);
/* Asks the thread inside m's group, if any, to stop: whether there was one. */
int w2p_monitor_interrupt(w2p_monitor *m);
/* The group of the innermost call on this thread, or NULL outside Wasm calls. */
w2p_monitor *w2p_monitor_current(void);

/* The boundary as Python crosses it: w2p_invoke, inside f's group, the GIL held again
   on return. Same results as w2p_invoke; W2P_TRAP_HOST_EXCEPTION when a signal handler
   raised while the call waited for its group. */
int w2p_call(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where);
/* Takes the GIL back if Wasm code on this thread let it go (before any Python API). */
void w2p_hold_gil(void);
/* Lets the GIL go, if held, from Wasm code about to block in a system call (WASI's reads,
   writes, polls and sleeps): w2p_hold_gil or the call's return takes it back. */
void w2p_let_gil_go(void);
/* Once, when the runtime loads: the poll hook, and which C handler of signals is
   Python's. */
void w2p_control_init(void);

#endif /* W2P_CONTROL_H */
