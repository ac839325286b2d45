/*
 * w2p_wasi_proc.c: the WASI calls of the process around the files: arguments and
 * environment, clocks, randomness, sched_yield, proc_raise and proc_exit.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_wasi_impl.h"

#include <sched.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

static __thread uint32_t wasi_exit_code;

uint32_t w2p_wasi_exit_code(void)
{
    return wasi_exit_code;
}

static uint32_t strings_get(w2p_wasi *w, const char *buf, size_t len, uint32_t count, uint32_t ptrs,
                            uint32_t out)
{
    uint8_t *p = guest(w, ptrs, (uint64_t)count * 4);
    uint8_t *o = guest(w, out, len);
    if (!p || !o)
        return E_FAULT;
    memcpy(o, buf, len);
    size_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
        put32(p + 4 * i, out + (uint32_t)at);
        at += strlen(buf + at) + 1;
    }
    return 0;
}

static uint32_t sizes_get(w2p_wasi *w, uint32_t count, size_t len, uint32_t count_ptr, uint32_t len_ptr)
{
    uint32_t err = store32(w, count_ptr, count);
    return err ? err : store32(w, len_ptr, (uint32_t)len);
}

uint32_t w2p_wasi_args_get(w2p_ctx *ctx, uint32_t argv, uint32_t buf)
{
    ENTER(w);
    return strings_get(w, w->args, w->args_len, w->argc, argv, buf);
}

uint32_t w2p_wasi_args_sizes_get(w2p_ctx *ctx, uint32_t argc, uint32_t size)
{
    ENTER(w);
    return sizes_get(w, w->argc, w->args_len, argc, size);
}

uint32_t w2p_wasi_environ_get(w2p_ctx *ctx, uint32_t environ, uint32_t buf)
{
    ENTER(w);
    return strings_get(w, w->env, w->env_len, w->envc, environ, buf);
}

uint32_t w2p_wasi_environ_sizes_get(w2p_ctx *ctx, uint32_t count, uint32_t size)
{
    ENTER(w);
    return sizes_get(w, w->envc, w->env_len, count, size);
}

uint32_t w2p_wasi_clock_res_get(w2p_ctx *ctx, uint32_t id, uint32_t out)
{
    ENTER(w);
    clockid_t c;
    struct timespec t;
    if (host_clock(id, &c) != 0)
        return E_INVAL;
    if (clock_getres(c, &t) != 0)
        return fail();
    return store64(w, out, ns_of(&t));
}

uint32_t w2p_wasi_clock_time_get(w2p_ctx *ctx, uint32_t id, uint64_t precision, uint32_t out)
{
    ENTER(w);
    (void)precision;
    clockid_t c;
    struct timespec t;
    if (host_clock(id, &c) != 0)
        return E_INVAL;
    if (clock_gettime(c, &t) != 0)
        return fail();
    return store64(w, out, ns_of(&t));
}

uint32_t w2p_wasi_proc_raise(w2p_ctx *ctx, uint32_t sig)
{
    (void)ctx;
    (void)sig;
    return E_NOSYS;
}

uint32_t w2p_wasi_sched_yield(w2p_ctx *ctx)
{
    ENTER(w);
    (void)w;
    sched_yield();
    return 0;
}

uint32_t w2p_wasi_random_get(w2p_ctx *ctx, uint32_t buf, uint32_t len)
{
    ENTER(w);
    uint8_t *p = guest(w, buf, len);
    if (!p)
        return E_FAULT;
#if defined(__linux__)
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return fail();
        }
        p += n;
        len -= (uint32_t)n;
    }
#else
    arc4random_buf(p, len);
#endif
    return 0;
}

void w2p_wasi_proc_exit(w2p_ctx *ctx, uint32_t code)
{
    wasi_exit_code = code;
    ctx->trap(W2P_TRAP_WASI_EXIT, NULL);
}
