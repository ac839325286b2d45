/*
 * w2p_wasi.c: WASI preview 1 (see w2p_wasi.h): an instance's state as the shim sets it
 * up (arguments, environment, stdio, preopened directories, sockets), its fd table, and
 * the table of calls by name.
 *
 * The calls are in w2p_wasi_proc.c (arguments, environment, clocks, randomness, the
 * process), w2p_wasi_fd.c (file descriptors, and Python streams), w2p_wasi_path.c
 * (paths beneath a directory fd) and w2p_wasi_poll.c (poll_oneoff and sockets); what
 * they share is in w2p_wasi_impl.h. Every call is entered from Wasm code on its own C
 * stack: before it calls libc (or Python) it makes sure enough stack is left
 * (w2p_host_enter), since a fault in libc must never become a trap.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_wasi_impl.h"

#include <fcntl.h>
#include <stdint.h>

w2p_wasi *w2p_wasi_new(void *owner)
{
    w2p_wasi *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->ctx.trap = w2p_trap_unwind;
    w->ctx.owner = owner;
    w->fds = calloc(3, sizeof *w->fds);
    if (!w->fds) {
        free(w);
        return NULL;
    }
    w->nfds = 3;
    return w;
}

void w2p_wasi_free(w2p_wasi *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->nfds; i++)
        fd_release(&w->fds[i]);
    free(w->fds);
    free(w->args);
    free(w->env);
    free(w);
}

w2p_ctx *w2p_wasi_ctx(w2p_wasi *w)
{
    return &w->ctx;
}

void w2p_wasi_set_memory(w2p_wasi *w, w2p_memory *mem)
{
    w->mem = mem;
}

static int copy_strings(char **out, size_t *out_len, const char *buf, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, buf, len);
    free(*out);
    *out = copy;
    *out_len = len;
    return 0;
}

int w2p_wasi_set_args(w2p_wasi *w, const char *buf, size_t len, uint32_t count)
{
    w->argc = count;
    return copy_strings(&w->args, &w->args_len, buf, len);
}

int w2p_wasi_set_env(w2p_wasi *w, const char *buf, size_t len, uint32_t count)
{
    w->envc = count;
    return copy_strings(&w->env, &w->env_len, buf, len);
}

int wasi_fd_alloc(w2p_wasi *w)
{
    for (uint32_t i = 0; i < w->nfds; i++)
        if (w->fds[i].kind == FD_FREE)
            return (int)i;
    if (w->nfds >= INT32_MAX)
        return -1;
    wasi_fd *grown = realloc(w->fds, (w->nfds + 1) * sizeof *grown);
    if (!grown)
        return -1;
    memset(&grown[w->nfds], 0, sizeof *grown);
    w->fds = grown;
    return (int)w->nfds++;
}

int w2p_wasi_set_stdio(w2p_wasi *w, uint32_t fd, int host_fd, void *stream)
{
    wasi_fd *f = &w->fds[fd];
    fd_release(f);
    f->base = R_FILE & ~(R_FD_SEEK | R_FD_TELL);
    if (host_fd >= 0) {
        struct stat st;
        if (fstat(host_fd, &st) != 0)
            return errno;
        f->kind = FD_HOST;
        f->host = host_fd;
        f->filetype = filetype_of_fd(host_fd, &st);
        if (S_ISREG(st.st_mode))
            f->base = R_FILE;
        int fl = fcntl(host_fd, F_GETFL);
        if (fl >= 0 && (fl & O_APPEND))
            f->flags |= FDF_APPEND;
    } else {
        f->kind = FD_PYTHON;
        f->stream = stream;
        f->filetype = FT_CHAR;
    }
    return 0;
}

int w2p_wasi_preopen(w2p_wasi *w, const char *host_path, const char *guest_name, int readonly)
{
    int host = open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (host < 0)
        return errno;
    char *name = strdup(guest_name);
    int slot = name ? wasi_fd_alloc(w) : -1;
    if (slot < 0) {
        free(name);
        close(host);
        return ENOMEM;
    }
    wasi_fd *f = &w->fds[slot];
    f->kind = FD_HOST;
    f->owned = 1;
    f->host = host;
    f->filetype = FT_DIR;
    f->readonly = (uint8_t)(readonly != 0);
    f->base = readonly ? R_DIR & ~R_WRITES : R_DIR;
    f->inheriting = readonly ? (R_DIR | R_FILE) & ~R_WRITES : R_DIR | R_FILE;
    f->preopen = name;
    return 0;
}

int w2p_wasi_add_socket(w2p_wasi *w, int host_fd)
{
    struct stat st;
    if (fstat(host_fd, &st) != 0)
        return errno;
    if (!S_ISSOCK(st.st_mode))
        return ENOTSOCK;
    int host = fcntl(host_fd, F_DUPFD_CLOEXEC, 0);
    if (host < 0)
        return errno;
    int slot = wasi_fd_alloc(w);
    if (slot < 0) {
        close(host);
        return ENOMEM;
    }
    wasi_fd *f = &w->fds[slot];
    f->kind = FD_HOST;
    f->owned = 1;
    f->host = host;
    f->filetype = filetype_of_fd(host, &st);
    f->base = R_SOCKET;
    return 0;
}

uint32_t wasi_errno_of(int e)
{
    switch (e) {
    case 0: return E_SUCCESS;
    case E2BIG: return E_2BIG;
    case EACCES: return E_ACCES;
    case EADDRINUSE: return E_ADDRINUSE;
    case EADDRNOTAVAIL: return E_ADDRNOTAVAIL;
    case EAFNOSUPPORT: return E_AFNOSUPPORT;
    case EAGAIN: return E_AGAIN;
    case EALREADY: return E_ALREADY;
    case EBADF: return E_BADF;
    case EBADMSG: return E_BADMSG;
    case EBUSY: return E_BUSY;
    case ECANCELED: return E_CANCELED;
    case ECHILD: return E_CHILD;
    case ECONNABORTED: return E_CONNABORTED;
    case ECONNREFUSED: return E_CONNREFUSED;
    case ECONNRESET: return E_CONNRESET;
    case EDEADLK: return E_DEADLK;
    case EDESTADDRREQ: return E_DESTADDRREQ;
    case EDOM: return E_DOM;
    case EDQUOT: return E_DQUOT;
    case EEXIST: return E_EXIST;
    case EFAULT: return E_FAULT;
    case EFBIG: return E_FBIG;
    case EHOSTUNREACH: return E_HOSTUNREACH;
    case EIDRM: return E_IDRM;
    case EILSEQ: return E_ILSEQ;
    case EINPROGRESS: return E_INPROGRESS;
    case EINTR: return E_INTR;
    case EINVAL: return E_INVAL;
    case EIO: return E_IO;
    case EISCONN: return E_ISCONN;
    case EISDIR: return E_ISDIR;
    case ELOOP: return E_LOOP;
    case EMFILE: return E_MFILE;
    case EMLINK: return E_MLINK;
    case EMSGSIZE: return E_MSGSIZE;
    case ENAMETOOLONG: return E_NAMETOOLONG;
    case ENETDOWN: return E_NETDOWN;
    case ENETRESET: return E_NETRESET;
    case ENETUNREACH: return E_NETUNREACH;
    case ENFILE: return E_NFILE;
    case ENOBUFS: return E_NOBUFS;
    case ENODEV: return E_NODEV;
    case ENOENT: return E_NOENT;
    case ENOEXEC: return E_NOEXEC;
    case ENOLCK: return E_NOLCK;
    case ENOMEM: return E_NOMEM;
    case ENOPROTOOPT: return E_NOPROTOOPT;
    case ENOSPC: return E_NOSPC;
    case ENOSYS: return E_NOSYS;
    case ENOTCONN: return E_NOTCONN;
    case ENOTDIR: return E_NOTDIR;
    case ENOTEMPTY: return E_NOTEMPTY;
    case ENOTSOCK: return E_NOTSOCK;
#if EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP:
#endif
    case ENOTSUP: return E_NOTSUP;
    case ENOTTY: return E_NOTTY;
    case ENXIO: return E_NXIO;
    case EOVERFLOW: return E_OVERFLOW;
    case EPERM: return E_PERM;
    case EPIPE: return E_PIPE;
    case EPROTO: return E_PROTO;
    case EPROTONOSUPPORT: return E_PROTONOSUPPORT;
    case EPROTOTYPE: return E_PROTOTYPE;
    case ERANGE: return E_RANGE;
    case EROFS: return E_ROFS;
    case ESPIPE: return E_SPIPE;
    case ESRCH: return E_SRCH;
    case ETIMEDOUT: return E_TIMEDOUT;
    case ETXTBSY: return E_TXTBSY;
    case EXDEV: return E_XDEV;
    default: return E_IO;
    }
}

/* ---- The table of calls ---- */

#define CALL(name, sig) {#name, sig, (w2p_fnptr)w2p_wasi_##name, (w2p_fnptr)w2p_wasi_##name}
#define CALL2(name, sig) {#name, sig, (w2p_fnptr)w2p_wasi_##name, (w2p_fnptr)w2p_wasi_unstable_##name}

static const w2p_wasi_import wasi_imports[] = {
    CALL(args_get, "ii>i"),
    CALL(args_sizes_get, "ii>i"),
    CALL(clock_res_get, "ii>i"),
    CALL(clock_time_get, "iIi>i"),
    CALL(environ_get, "ii>i"),
    CALL(environ_sizes_get, "ii>i"),
    CALL(fd_advise, "iIIi>i"),
    CALL(fd_allocate, "iII>i"),
    CALL(fd_close, "i>i"),
    CALL(fd_datasync, "i>i"),
    CALL(fd_fdstat_get, "ii>i"),
    CALL(fd_fdstat_set_flags, "ii>i"),
    CALL(fd_fdstat_set_rights, "iII>i"),
    CALL2(fd_filestat_get, "ii>i"),
    CALL(fd_filestat_set_size, "iI>i"),
    CALL(fd_filestat_set_times, "iIIi>i"),
    CALL(fd_pread, "iiiIi>i"),
    CALL(fd_prestat_dir_name, "iii>i"),
    CALL(fd_prestat_get, "ii>i"),
    CALL(fd_pwrite, "iiiIi>i"),
    CALL(fd_read, "iiii>i"),
    CALL(fd_readdir, "iiiIi>i"),
    CALL(fd_renumber, "ii>i"),
    CALL2(fd_seek, "iIii>i"),
    CALL(fd_sync, "i>i"),
    CALL(fd_tell, "ii>i"),
    CALL(fd_write, "iiii>i"),
    CALL(path_create_directory, "iii>i"),
    CALL2(path_filestat_get, "iiiii>i"),
    CALL(path_filestat_set_times, "iiiiIIi>i"),
    CALL(path_link, "iiiiiii>i"),
    CALL(path_open, "iiiiiIIii>i"),
    CALL(path_readlink, "iiiiii>i"),
    CALL(path_remove_directory, "iii>i"),
    CALL(path_rename, "iiiiii>i"),
    CALL(path_symlink, "iiiii>i"),
    CALL(path_unlink_file, "iii>i"),
    CALL2(poll_oneoff, "iiii>i"),
    CALL(proc_exit, "i>"),
    CALL(proc_raise, "i>i"),
    CALL(random_get, "ii>i"),
    CALL(sched_yield, ">i"),
    CALL(sock_accept, "iii>i"),
    CALL(sock_recv, "iiiiii>i"),
    CALL(sock_send, "iiiii>i"),
    CALL(sock_shutdown, "ii>i"),
};

const w2p_wasi_import *w2p_wasi_lookup(const char *module, const char *name)
{
    if (strcmp(module, "wasi_snapshot_preview1") != 0 && strcmp(module, "wasi_unstable") != 0)
        return NULL;
    for (size_t i = 0; i < sizeof wasi_imports / sizeof wasi_imports[0]; i++)
        if (strcmp(wasi_imports[i].name, name) == 0)
            return &wasi_imports[i];
    return NULL;
}
