/*
 * w2p_wasi_poll.c: the WASI calls that wait: poll_oneoff, on clocks and fds, and the
 * calls on sockets handed to the guest (sock_accept, sock_recv, sock_send,
 * sock_shutdown). Each lets the GIL go before it may block.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_wasi_impl.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>

/* One subscription: 48 bytes (56 in wasi_unstable, whose clock has an identifier). */
typedef struct subscription {
    uint64_t userdata;
    uint8_t tag;          /* 0 clock, 1 fd_read, 2 fd_write */
    uint16_t error;       /* set when the subscription is answered at once */
    uint64_t deadline;    /* clock: absolute, in the clock's time */
    clockid_t clock;
    int host;             /* fd: the host fd, or -1 for a Python stream (always ready) */
    int pollfd;           /* its index among the pollfds, or -1 */
} subscription;

static uint32_t poll_oneoff(w2p_ctx *ctx, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents, int unstable)
{
    ENTER(w);
    size_t size = unstable ? 56 : 48;
    const uint8_t *p = guest(w, in, (uint64_t)n * size);
    uint8_t *events = guest(w, out, (uint64_t)n * 32);
    if (!p || !events || !guest(w, nevents, 4))
        return E_FAULT;
    if (n == 0)
        return E_INVAL;
    subscription *subs = calloc(n, sizeof *subs);
    struct pollfd *pfds = calloc(n, sizeof *pfds);
    if (!subs || !pfds) {
        free(subs);
        free(pfds);
        return E_NOMEM;
    }
    nfds_t npfds = 0;
    int ready = 0;
    int64_t wait_ns = -1; /* until the earliest clock; -1: no clock */
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *s = p + i * size;
        subscription *sub = &subs[i];
        sub->userdata = get64(s);
        sub->tag = s[8];
        sub->pollfd = -1;
        const uint8_t *u = s + (unstable ? 24 : 16);
        if (sub->tag == 0) {
            uint32_t id = get32(u);
            uint64_t timeout = get64(u + 8);
            uint16_t flags = (uint16_t)(u[24] | u[25] << 8);
            struct timespec now;
            if (host_clock(id, &sub->clock) != 0 || clock_gettime(sub->clock, &now) != 0) {
                sub->error = E_INVAL;
                ready++;
                continue;
            }
            uint64_t t = ns_of(&now);
            sub->deadline = flags & 1 ? timeout : (timeout > UINT64_MAX - t ? UINT64_MAX : t + timeout);
            int64_t left = sub->deadline > t ? (int64_t)(sub->deadline - t > INT64_MAX ? INT64_MAX : sub->deadline - t) : 0;
            if (wait_ns < 0 || left < wait_ns)
                wait_ns = left;
        } else if (sub->tag == 1 || sub->tag == 2) {
            uint32_t err;
            wasi_fd *f = fd_get(w, get32(s + 16), sub->tag == 1 ? R_FD_READ : R_FD_WRITE, &err);
            if (!f) {
                sub->error = (uint16_t)err;
                ready++;
            } else if (f->kind == FD_PYTHON || f->filetype == FT_FILE) {
                sub->host = -1;
                ready++;
            } else {
                sub->host = f->host;
                sub->pollfd = (int)npfds;
                pfds[npfds].fd = f->host;
                pfds[npfds].events = sub->tag == 1 ? POLLIN : POLLOUT;
                npfds++;
            }
        } else {
            sub->error = E_INVAL;
            ready++;
        }
    }
    struct timespec ts, *timeout = NULL;
    if (ready)
        wait_ns = 0;
    if (wait_ns >= 0) {
        ts.tv_sec = (time_t)(wait_ns / 1000000000);
        ts.tv_nsec = (long)(wait_ns % 1000000000);
        timeout = &ts;
    }
    int polled;
    w2p_let_gil_go();
    if (npfds) {
        polled = ppoll(pfds, npfds, timeout, NULL);
    } else {
        /* Clocks alone: sleep until the earliest, resuming after signals. */
        polled = 0;
        if (timeout)
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
            }
    }
    uint32_t err = polled < 0 && errno != EINTR ? fail() : 0;
    uint32_t count = 0;
    for (uint32_t i = 0; i < n && !err; i++) {
        subscription *sub = &subs[i];
        int fire = sub->error != 0;
        uint64_t nbytes = 0;
        uint16_t flags = 0;
        if (!fire && sub->tag == 0) {
            struct timespec now;
            clock_gettime(sub->clock, &now);
            fire = ns_of(&now) >= sub->deadline;
        } else if (!fire && sub->pollfd < 0) {
            fire = 1;
        } else if (!fire && polled > 0) {
            short re = pfds[sub->pollfd].revents;
            fire = re != 0;
            if (re & (POLLHUP | POLLERR))
                flags = 1;
            if (re & POLLNVAL)
                sub->error = E_BADF;
            int avail = 0;
            if (fire && sub->tag == 1 && ioctl(sub->host, FIONREAD, &avail) == 0)
                nbytes = (uint64_t)avail;
        }
        if (!fire)
            continue;
        uint8_t *e = events + count * 32;
        memset(e, 0, 32);
        put64(e, sub->userdata);
        put16(e + 8, sub->error);
        e[10] = sub->tag;
        put64(e + 16, nbytes);
        put16(e + 24, flags);
        count++;
    }
    free(subs);
    free(pfds);
    if (err)
        return err;
    return store32(w, nevents, count);
}

uint32_t w2p_wasi_poll_oneoff(w2p_ctx *ctx, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents)
{
    return poll_oneoff(ctx, in, out, n, nevents, 0);
}

uint32_t w2p_wasi_unstable_poll_oneoff(w2p_ctx *ctx, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents)
{
    return poll_oneoff(ctx, in, out, n, nevents, 1);
}

/* ---- Sockets ---- */

static wasi_fd *socket_get(w2p_wasi *w, uint32_t fd, uint64_t rights, uint32_t *err)
{
    wasi_fd *f = fd_get(w, fd, 0, err);
    if (!f)
        return NULL;
    if (f->kind != FD_HOST || (f->filetype != FT_STREAM && f->filetype != FT_DGRAM)) {
        *err = E_NOTSOCK;
        return NULL;
    }
    if ((f->base & rights) != rights) {
        *err = E_NOTCAPABLE;
        return NULL;
    }
    return f;
}

uint32_t w2p_wasi_sock_accept(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = socket_get(w, fd, R_SOCK_ACCEPT, &err);
    if (!f)
        return err;
    if (flags & ~(uint32_t)FDF_NONBLOCK)
        return E_INVAL;
    if (!guest(w, out, 4))
        return E_FAULT;
    w2p_let_gil_go();
    int host = accept(f->host, NULL, NULL);
    if (host < 0)
        return fail();
    fcntl(host, F_SETFD, FD_CLOEXEC);
    if (flags & FDF_NONBLOCK)
        fcntl(host, F_SETFL, fcntl(host, F_GETFL) | O_NONBLOCK);
    int slot = wasi_fd_alloc(w);
    if (slot < 0) {
        close(host);
        return E_NOMEM;
    }
    f = &w->fds[slot];
    f->kind = FD_HOST;
    f->owned = 1;
    f->host = host;
    f->filetype = FT_STREAM;
    f->flags = (uint16_t)flags;
    f->base = R_SOCKET & ~R_SOCK_ACCEPT;
    return store32(w, out, (uint32_t)slot);
}

uint32_t w2p_wasi_sock_recv(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t riflags,
                            uint32_t out_len, uint32_t out_flags)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = socket_get(w, fd, R_FD_READ, &err);
    if (!f)
        return err;
    if (riflags & ~(uint32_t)3)
        return E_INVAL;
    if (!guest(w, out_len, 4) || !guest(w, out_flags, 2))
        return E_FAULT;
    struct iovec iov[MAX_IOVS];
    int count = wasi_iovs_get(w, iovs, n, iov);
    if (count < 0)
        return E_FAULT;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)count;
    w2p_let_gil_go();
    ssize_t r = recvmsg(f->host, &msg, (riflags & 1 ? MSG_PEEK : 0) | (riflags & 2 ? MSG_WAITALL : 0));
    if (r < 0)
        return fail();
    put16(guest(w, out_flags, 2), msg.msg_flags & MSG_TRUNC ? 1 : 0);
    return store32(w, out_len, (uint32_t)r);
}

uint32_t w2p_wasi_sock_send(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t siflags, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = socket_get(w, fd, R_FD_WRITE, &err);
    if (!f)
        return err;
    if (siflags != 0)
        return E_INVAL;
    if (!guest(w, out, 4))
        return E_FAULT;
    struct iovec iov[MAX_IOVS];
    int count = wasi_iovs_get(w, iovs, n, iov);
    if (count < 0)
        return E_FAULT;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)count;
    w2p_let_gil_go();
#ifdef MSG_NOSIGNAL
    ssize_t r = sendmsg(f->host, &msg, MSG_NOSIGNAL);
#else
    ssize_t r = sendmsg(f->host, &msg, 0);
#endif
    if (r < 0)
        return fail();
    return store32(w, out, (uint32_t)r);
}

uint32_t w2p_wasi_sock_shutdown(w2p_ctx *ctx, uint32_t fd, uint32_t how)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = socket_get(w, fd, R_SOCK_SHUTDOWN, &err);
    if (!f)
        return err;
    if (how == 0 || how > 3)
        return E_INVAL;
    int h = how == 3 ? SHUT_RDWR : how == 1 ? SHUT_RD : SHUT_WR;
    if (shutdown(f->host, h) != 0)
        return fail();
    return 0;
}
