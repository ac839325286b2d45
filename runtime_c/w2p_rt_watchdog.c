/*
 * w2p_rt_watchdog.c: the watchdog, a thread that looks at the threads running Wasm every
 * period, and what other threads and signal handlers ask of a running call (declared in
 * w2p_rt.h: interrupts, deadlines, signals).
 *
 * It asks a thread that is still in the call it was in at the last look (so has run at
 * least a period) to poll (W2P_POLL_TICK), and one whose deadline has passed to stop
 * (W2P_POLL_DEADLINE). Calls shorter than a period never hear from it. A few periods
 * after the last call it sleeps until the next call wakes it (one load of
 * rt_watchdog_state a call; a wake when calls come further apart than that): calls
 * made back to back keep it awake, and a process that has finished its Wasm work (a
 * WASI command's interpreter shutting down) is not woken every period. It runs no
 * Python and takes no lock a Wasm thread holds while running.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_rt_impl.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WATCHDOG_PERIOD_NS 1000000  /* 1 ms */
#define WATCHDOG_IDLE_PERIODS 4  /* looks without a call before it sleeps */
/* Looks between checks that the fault handler is still the process's first: code that
   installs its own SIGSEGV handler (in C, or Python's signal.signal) after instances were
   made would otherwise take the faults of guard pages, and an access out of bounds would
   fault again and again instead of trapping. */
#define WATCHDOG_HANDLER_PERIODS 100

int rt_watchdog_state = WATCHDOG_NONE;
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
int rt_is_main_thread(void)
{
    return getpid() == (pid_t)syscall(SYS_gettid);
}

static void *watchdog(void *unused)
{
    (void)unused;
    int idle = 0;
    unsigned looks = 0;
    pthread_mutex_lock(&watch_lock);
    for (;;) {
        if (++looks % WATCHDOG_HANDLER_PERIODS == 0 && __atomic_load_n(&rt_fault_handler_wanted, __ATOMIC_RELAXED))
            w2p_guard_pages_install();
        int64_t now = w2p_now(), wake = now + WATCHDOG_PERIOD_NS;
        int busy = 0;
        for (thread_state *t = watched; t; t = t->next_watched) {
            uint32_t calls = __atomic_load_n(&t->calls, __ATOMIC_RELAXED);
            int running = __atomic_load_n(&t->depth, __ATOMIC_RELAXED) != 0;
            if (running && calls == t->calls_seen)
                rt_request(t, W2P_POLL_TICK);
            busy |= running || calls != t->calls_seen;
            t->calls_seen = calls;
            if (!running)
                continue;
            int64_t deadline = __atomic_load_n(&t->deadline, __ATOMIC_RELAXED);
            if (deadline && deadline <= now)
                rt_request(t, W2P_POLL_DEADLINE);
            else if (deadline && deadline < wake)
                wake = deadline;
        }
        idle = busy ? 0 : idle + 1;
        if (idle >= WATCHDOG_IDLE_PERIODS) {
            /* Until a call or a deadline wakes it. A call that starts as it falls asleep
               may go unwatched for a while: the GIL is let go later then, no more. */
            __atomic_store_n(&rt_watchdog_state, WATCHDOG_ASLEEP, __ATOMIC_RELAXED);
            pthread_cond_wait(&watch_cond, &watch_lock);
            __atomic_store_n(&rt_watchdog_state, WATCHDOG_AWAKE, __ATOMIC_RELAXED);
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
    rt_watchdog_state = WATCHDOG_NONE;
    watched = NULL;
    main_thread_state = NULL;
    if (rt_thread.ready) {
        rt_thread.next_watched = rt_thread.prev_watched = NULL;
        watched = &rt_thread;
        if (rt_is_main_thread())
            main_thread_state = &rt_thread;
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
void rt_watch_this_thread(void)
{
    pthread_once(&watch_once, watch_init);
    pthread_setspecific(watched_key, &rt_thread);
    pthread_mutex_lock(&watch_lock);
    rt_thread.prev_watched = NULL;
    rt_thread.next_watched = watched;
    if (watched)
        watched->prev_watched = &rt_thread;
    watched = &rt_thread;
    if (rt_is_main_thread())
        main_thread_state = &rt_thread;
    pthread_mutex_unlock(&watch_lock);
}

/* Starts the watchdog, or wakes it. Its thread blocks every signal: they are for the
   threads that run Python. */
void rt_watchdog_wake(void)
{
    pthread_once(&watch_once, watch_init);
    pthread_mutex_lock(&watch_lock);
    if (rt_watchdog_state == WATCHDOG_NONE) {
        sigset_t all, old;
        pthread_t id;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        if (pthread_create(&id, NULL, watchdog, NULL) == 0) {
            pthread_detach(id);
            rt_watchdog_state = WATCHDOG_AWAKE;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    } else {
        pthread_cond_signal(&watch_cond);
    }
    pthread_mutex_unlock(&watch_lock);
}

void *w2p_this_thread(void)
{
    if (!rt_thread.ready)
        rt_thread_setup();
    return &rt_thread;
}

void w2p_interrupt_thread(void *t)
{
    rt_request(t, W2P_POLL_INTERRUPT);
}

int64_t w2p_deadline(void)
{
    return rt_thread.deadline;
}

void w2p_set_deadline(int64_t deadline)
{
    thread_state *t = w2p_this_thread();
    __atomic_store_n(&t->deadline, deadline, __ATOMIC_RELAXED);
    rt_watchdog_wake(); /* to look again at when it must next look */
}

int w2p_on_main_thread(void)
{
    return __atomic_load_n(&main_thread_state, __ATOMIC_RELAXED) == w2p_this_thread();
}

void w2p_signal_arrived(void)
{
    thread_state *t = __atomic_load_n(&main_thread_state, __ATOMIC_RELAXED);
    if (t)
        rt_request(t, W2P_POLL_SIGNAL);
}
