/*
 * w2p_wasi.c: WASI preview 1 (see w2p_wasi.h).
 *
 * Every call is entered from Wasm code on its own C stack: before it calls libc (or
 * Python) it makes sure enough stack is left (w2p_host_enter), since a fault in libc
 * must never become a trap. Guest pointers are checked against the memory's size, so a
 * bad one is EFAULT, never a host fault. Paths are resolved one component at a time
 * beneath a directory fd, with O_NOFOLLOW, symbolic links expanded here: `..` above the
 * start, absolute paths and links leading out give ENOTCAPABLE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_control.h"
#include "w2p_wasi.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "w2p_wasi.c reads guest memory as little-endian"
#endif

/* ---- WASI constants ---- */

enum {
    E_SUCCESS = 0, E_2BIG = 1, E_ACCES = 2, E_ADDRINUSE = 3, E_ADDRNOTAVAIL = 4, E_AFNOSUPPORT = 5,
    E_AGAIN = 6, E_ALREADY = 7, E_BADF = 8, E_BADMSG = 9, E_BUSY = 10, E_CANCELED = 11, E_CHILD = 12,
    E_CONNABORTED = 13, E_CONNREFUSED = 14, E_CONNRESET = 15, E_DEADLK = 16, E_DESTADDRREQ = 17,
    E_DOM = 18, E_DQUOT = 19, E_EXIST = 20, E_FAULT = 21, E_FBIG = 22, E_HOSTUNREACH = 23, E_IDRM = 24,
    E_ILSEQ = 25, E_INPROGRESS = 26, E_INTR = 27, E_INVAL = 28, E_IO = 29, E_ISCONN = 30, E_ISDIR = 31,
    E_LOOP = 32, E_MFILE = 33, E_MLINK = 34, E_MSGSIZE = 35, E_MULTIHOP = 36, E_NAMETOOLONG = 37,
    E_NETDOWN = 38, E_NETRESET = 39, E_NETUNREACH = 40, E_NFILE = 41, E_NOBUFS = 42, E_NODEV = 43,
    E_NOENT = 44, E_NOEXEC = 45, E_NOLCK = 46, E_NOLINK = 47, E_NOMEM = 48, E_NOMSG = 49,
    E_NOPROTOOPT = 50, E_NOSPC = 51, E_NOSYS = 52, E_NOTCONN = 53, E_NOTDIR = 54, E_NOTEMPTY = 55,
    E_NOTRECOVERABLE = 56, E_NOTSOCK = 57, E_NOTSUP = 58, E_NOTTY = 59, E_NXIO = 60, E_OVERFLOW = 61,
    E_OWNERDEAD = 62, E_PERM = 63, E_PIPE = 64, E_PROTO = 65, E_PROTONOSUPPORT = 66, E_PROTOTYPE = 67,
    E_RANGE = 68, E_ROFS = 69, E_SPIPE = 70, E_SRCH = 71, E_STALE = 72, E_TIMEDOUT = 73, E_TXTBSY = 74,
    E_XDEV = 75, E_NOTCAPABLE = 76,
    /* Not a WASI errno: a Python stream raised, the exception is pending. */
    E_PYTHON = 0x10000
};

enum { FT_UNKNOWN, FT_BLOCK, FT_CHAR, FT_DIR, FT_FILE, FT_DGRAM, FT_STREAM, FT_SYMLINK };

enum { FDF_APPEND = 1, FDF_DSYNC = 2, FDF_NONBLOCK = 4, FDF_RSYNC = 8, FDF_SYNC = 16 };
enum { O_CREAT_ = 1, O_DIRECTORY_ = 2, O_EXCL_ = 4, O_TRUNC_ = 8 };
enum { FST_ATIM = 1, FST_ATIM_NOW = 2, FST_MTIM = 4, FST_MTIM_NOW = 8 };

#define R(bit) ((uint64_t)1 << (bit))
#define R_FD_DATASYNC R(0)
#define R_FD_READ R(1)
#define R_FD_SEEK R(2)
#define R_FD_FDSTAT_SET_FLAGS R(3)
#define R_FD_SYNC R(4)
#define R_FD_TELL R(5)
#define R_FD_WRITE R(6)
#define R_FD_ADVISE R(7)
#define R_FD_ALLOCATE R(8)
#define R_PATH_CREATE_DIRECTORY R(9)
#define R_PATH_CREATE_FILE R(10)
#define R_PATH_LINK_SOURCE R(11)
#define R_PATH_LINK_TARGET R(12)
#define R_PATH_OPEN R(13)
#define R_FD_READDIR R(14)
#define R_PATH_READLINK R(15)
#define R_PATH_RENAME_SOURCE R(16)
#define R_PATH_RENAME_TARGET R(17)
#define R_PATH_FILESTAT_GET R(18)
#define R_PATH_FILESTAT_SET_SIZE R(19)
#define R_PATH_FILESTAT_SET_TIMES R(20)
#define R_FD_FILESTAT_GET R(21)
#define R_FD_FILESTAT_SET_SIZE R(22)
#define R_FD_FILESTAT_SET_TIMES R(23)
#define R_PATH_SYMLINK R(24)
#define R_PATH_REMOVE_DIRECTORY R(25)
#define R_PATH_UNLINK_FILE R(26)
#define R_POLL_FD_READWRITE R(27)
#define R_SOCK_SHUTDOWN R(28)
#define R_SOCK_ACCEPT R(29)

/* What a regular file (or a stream) and a directory can do, and what of that writes. */
#define R_FILE (R_FD_DATASYNC | R_FD_READ | R_FD_SEEK | R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_TELL | \
                R_FD_WRITE | R_FD_ADVISE | R_FD_ALLOCATE | R_FD_FILESTAT_GET | R_FD_FILESTAT_SET_SIZE | \
                R_FD_FILESTAT_SET_TIMES | R_POLL_FD_READWRITE)
#define R_DIR (R_FD_FDSTAT_SET_FLAGS | R_FD_SYNC | R_FD_DATASYNC | R_PATH_CREATE_DIRECTORY | \
               R_PATH_CREATE_FILE | R_PATH_LINK_SOURCE | R_PATH_LINK_TARGET | R_PATH_OPEN | R_FD_READDIR | \
               R_PATH_READLINK | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET | R_PATH_FILESTAT_GET | \
               R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES | R_FD_FILESTAT_GET | \
               R_FD_FILESTAT_SET_TIMES | R_PATH_SYMLINK | R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE)
#define R_WRITES (R_FD_DATASYNC | R_FD_WRITE | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE | \
                  R_FD_FILESTAT_SET_TIMES | R_PATH_CREATE_DIRECTORY | R_PATH_CREATE_FILE | \
                  R_PATH_LINK_SOURCE | R_PATH_LINK_TARGET | R_PATH_RENAME_SOURCE | R_PATH_RENAME_TARGET | \
                  R_PATH_FILESTAT_SET_SIZE | R_PATH_FILESTAT_SET_TIMES | R_PATH_SYMLINK | \
                  R_PATH_REMOVE_DIRECTORY | R_PATH_UNLINK_FILE)
#define R_SOCKET (R_FD_READ | R_FD_WRITE | R_FD_FDSTAT_SET_FLAGS | R_FD_FILESTAT_GET | R_POLL_FD_READWRITE | \
                  R_SOCK_SHUTDOWN | R_SOCK_ACCEPT)

/* Symbolic links one path may expand, as Linux allows. */
#define MAX_SYMLINKS 40

/* ---- State ---- */

typedef enum fd_kind { FD_FREE = 0, FD_HOST, FD_PYTHON } fd_kind;

typedef struct wasi_fd {
    uint8_t kind;     /* fd_kind */
    uint8_t owned;    /* host is closed with the entry */
    uint8_t filetype; /* FT_* */
    uint8_t readonly; /* beneath a read-only preopen: nothing writes through it */
    uint16_t flags;   /* FDF_* */
    int host;
    void *stream; /* FD_PYTHON: the Python object */
    uint64_t base, inheriting;
    char *preopen; /* a preopened directory's guest name, else NULL */
} wasi_fd;

struct w2p_wasi {
    w2p_ctx ctx;
    w2p_memory *mem;
    char *args;
    size_t args_len;
    uint32_t argc;
    char *env;
    size_t env_len;
    uint32_t envc;
    wasi_fd *fds;
    uint32_t nfds;
};

static w2p_wasi_py_io_fn wasi_py_io;
static __thread uint32_t wasi_exit_code;

void w2p_wasi_set_py_io(w2p_wasi_py_io_fn fn)
{
    wasi_py_io = fn;
}

uint32_t w2p_wasi_exit_code(void)
{
    return wasi_exit_code;
}

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

static void fd_release(wasi_fd *f)
{
    if (f->kind == FD_HOST && f->owned)
        close(f->host);
    free(f->preopen);
    memset(f, 0, sizeof *f);
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

static uint8_t filetype_of_mode(mode_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFBLK: return FT_BLOCK;
    case S_IFCHR: return FT_CHAR;
    case S_IFDIR: return FT_DIR;
    case S_IFREG: return FT_FILE;
    case S_IFLNK: return FT_SYMLINK;
    case S_IFSOCK: return FT_STREAM;
    default: return FT_UNKNOWN;
    }
}

/* A socket's filetype asks the socket its type. */
static uint8_t filetype_of_fd(int fd, const struct stat *st)
{
    if (S_ISSOCK(st->st_mode)) {
        int type = 0;
        socklen_t n = sizeof type;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &n) == 0 && type == SOCK_DGRAM)
            return FT_DGRAM;
        return FT_STREAM;
    }
    return filetype_of_mode(st->st_mode);
}

/* A free slot (the lowest), or -1 (out of memory). */
static int fd_alloc(w2p_wasi *w)
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
    int slot = name ? fd_alloc(w) : -1;
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
    int slot = fd_alloc(w);
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

/* ---- Helpers ---- */

static uint32_t errno_of(int e)
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

/* The host errno of the last failed call, as a WASI errno. */
static uint32_t fail(void)
{
    return errno_of(errno);
}

/* A guest range, or NULL when it leaves the memory. */
static uint8_t *guest(w2p_wasi *w, uint32_t ptr, uint64_t len)
{
    if (!w->mem || (uint64_t)ptr + len > w->mem->size)
        return NULL;
    return w->mem->data + ptr;
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* Stores a u32 or u64 result at a guest address: 0 or EFAULT. */
static uint32_t store32(w2p_wasi *w, uint32_t ptr, uint32_t v)
{
    uint8_t *p = guest(w, ptr, 4);
    if (!p)
        return E_FAULT;
    put32(p, v);
    return 0;
}

static uint32_t store64(w2p_wasi *w, uint32_t ptr, uint64_t v)
{
    uint8_t *p = guest(w, ptr, 8);
    if (!p)
        return E_FAULT;
    put64(p, v);
    return 0;
}

/* The open entry `fd` having `rights`, or NULL with *err set (EBADF, ENOTCAPABLE). */
static wasi_fd *fd_get(w2p_wasi *w, uint32_t fd, uint64_t rights, uint32_t *err)
{
    if (fd >= w->nfds || w->fds[fd].kind == FD_FREE) {
        *err = E_BADF;
        return NULL;
    }
    wasi_fd *f = &w->fds[fd];
    if ((f->base & rights) != rights) {
        *err = E_NOTCAPABLE;
        return NULL;
    }
    return f;
}

/* A guest iovec array as host iovecs (at most IOV_MAX, the rest ignored as a short
   transfer may): the count, or -1 when out of bounds. */
#define MAX_IOVS 1024

static int iovs_get(w2p_wasi *w, uint32_t iovs, uint32_t n, struct iovec *out)
{
    const uint8_t *p = guest(w, iovs, (uint64_t)n * 8);
    if (!p)
        return -1;
    int count = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = get32(p + 8 * i), len = get32(p + 8 * i + 4);
        uint8_t *b = guest(w, buf, len);
        if (!b)
            return -1;
        if (len && count < MAX_IOVS) {
            out[count].iov_base = b;
            out[count].iov_len = len;
            count++;
        }
    }
    return count;
}

/* Reads or writes a Python stream, one call per iovec until a short transfer. The only
   WASI calls that need the GIL: the others run without it once the call let it go. */
static uint32_t py_transfer(wasi_fd *f, int op, struct iovec *iov, int n, size_t *total)
{
    *total = 0;
    w2p_hold_gil();
    for (int i = 0; i < n; i++) {
        size_t done = 0;
        if (wasi_py_io(f->stream, op, iov[i].iov_base, iov[i].iov_len, &done) != 0)
            return E_PYTHON;
        *total += done;
        if (done < iov[i].iov_len)
            break;
    }
    return 0;
}

/* ---- Paths ---- */

/* Where a path leads: the directory holding its last component (dir: to be closed
   when owned), and that component (name, NUL-terminated), "." for the directory
   itself. trailing: the path ended in '/' (the entry must be a directory). */
typedef struct resolved {
    int dir;
    int owned;
    int trailing;
    char name[NAME_MAX + 1];
} resolved;

static void resolved_close(resolved *r)
{
    if (r->owned)
        close(r->dir);
}

/* The fds of the directories walked into, so that `..` can go back up. */
typedef struct dir_stack {
    int *fds;
    size_t n, cap;
} dir_stack;

static int stack_push(dir_stack *s, int fd)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        int *grown = realloc(s->fds, cap * sizeof *grown);
        if (!grown)
            return -1;
        s->fds = grown;
        s->cap = cap;
    }
    s->fds[s->n++] = fd;
    return 0;
}

static void stack_free(dir_stack *s, int keep)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->fds[i] != keep)
            close(s->fds[i]);
    free(s->fds);
}

/* Resolves a guest path beneath the directory fd `base`; follow: whether a symbolic
   link as the last component is followed. 0 or a WASI errno. */
static uint32_t resolve(int base, const uint8_t *path, uint32_t len, int follow, resolved *out)
{
    if (len == 0)
        return E_NOENT;
    if (memchr(path, 0, len))
        return E_ILSEQ;
    if (path[0] == '/')
        return E_NOTCAPABLE;
    /* rest: what is left to walk, rebuilt when a link is expanded. */
    size_t cap = (size_t)len + 1;
    char *rest = malloc(cap);
    if (!rest)
        return E_NOMEM;
    memcpy(rest, path, len);
    rest[len] = 0;
    size_t pos = 0;
    int links = 0;
    uint32_t err = 0;
    dir_stack stack = {0};
    char target[PATH_MAX + 1];
    for (;;) {
        int cur = stack.n ? stack.fds[stack.n - 1] : base;
        while (rest[pos] == '/')
            pos++;
        size_t start = pos;
        while (rest[pos] && rest[pos] != '/')
            pos++;
        size_t n = pos - start;
        size_t after = pos;
        while (rest[after] == '/')
            after++;
        int last = rest[after] == 0;
        int trailing = last && after > pos;
        if (n == 0) { /* nothing left: the path ended in "." or "..", or was "." */
            out->dir = cur;
            strcpy(out->name, ".");
            out->trailing = 1;
            break;
        }
        if (n > NAME_MAX) {
            err = E_NAMETOOLONG;
            break;
        }
        char name[NAME_MAX + 1];
        memcpy(name, rest + start, n);
        name[n] = 0;
        if (strcmp(name, ".") == 0) {
            if (last) {
                out->dir = cur;
                strcpy(out->name, ".");
                out->trailing = 1;
                break;
            }
            continue;
        }
        if (strcmp(name, "..") == 0) {
            if (!stack.n) {
                err = E_NOTCAPABLE;
                break;
            }
            close(stack.fds[--stack.n]);
            if (last) {
                out->dir = stack.n ? stack.fds[stack.n - 1] : base;
                strcpy(out->name, ".");
                out->trailing = 1;
                break;
            }
            continue;
        }
        if (!last || follow || trailing) {
            ssize_t k = readlinkat(cur, name, target, sizeof target);
            if (k >= 0) {
                if ((size_t)k >= sizeof target) {
                    err = E_NAMETOOLONG;
                    break;
                }
                if (++links > MAX_SYMLINKS) {
                    err = E_LOOP;
                    break;
                }
                if (k == 0) {
                    err = E_NOENT;
                    break;
                }
                if (target[0] == '/') {
                    err = E_NOTCAPABLE;
                    break;
                }
                /* rest becomes target + what followed the link (its trailing slash
                   included). */
                size_t tail = strlen(rest + pos);
                char *next = malloc((size_t)k + tail + 1);
                if (!next) {
                    err = E_NOMEM;
                    break;
                }
                memcpy(next, target, (size_t)k);
                memcpy(next + k, rest + pos, tail + 1);
                free(rest);
                rest = next;
                pos = 0;
                continue;
            }
            if (errno != EINVAL && errno != ENOENT) {
                err = fail();
                break;
            }
        }
        if (last) {
            out->dir = cur;
            strcpy(out->name, name);
            out->trailing = trailing;
            break;
        }
#ifdef O_PATH
        int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
#else
        int next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
#endif
        if (next < 0) {
            err = errno == ELOOP ? E_NOTDIR : fail();
            break;
        }
        if (stack_push(&stack, next) != 0) {
            close(next);
            err = E_NOMEM;
            break;
        }
    }
    free(rest);
    if (err) {
        stack_free(&stack, -1);
        return err;
    }
    out->owned = out->dir != base;
    stack_free(&stack, out->dir);
    return 0;
}

/* A directory fd with `rights` and a path in guest memory, resolved: 0 or an errno. */
static uint32_t path_get(w2p_wasi *w, uint32_t fd, uint64_t rights, uint32_t path, uint32_t len, int follow,
                         resolved *r, wasi_fd **dir)
{
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    if (f->filetype != FT_DIR || f->kind != FD_HOST)
        return E_NOTDIR;
    if ((f->base & rights) != rights)
        return E_NOTCAPABLE;
    const uint8_t *p = guest(w, path, len);
    if (!p)
        return E_FAULT;
    if (dir)
        *dir = f;
    return resolve(f->host, p, len, follow, r);
}

/* ---- The calls ---- */

/* Every call starts with ENTER: too little stack left for libc traps. */
#define ENTER(w)                                                                                \
    w2p_wasi *w = (w2p_wasi *)ctx;                                                              \
    char here_;                                                                                 \
    int saved_ = w2p_host_enter(&here_);                                                        \
    if (saved_ < 0)                                                                             \
        ctx->trap(W2P_TRAP_EXHAUSTION, NULL)

/* ...and returns its result through LEAVE, which traps when a Python stream raised. */
static uint32_t leave(w2p_ctx *ctx, int saved, uint32_t result)
{
    w2p_host_leave(saved);
    if (result == E_PYTHON)
        ctx->trap(W2P_TRAP_HOST_EXCEPTION, NULL);
    return result;
}

#define LEAVE(result) return leave(ctx, saved_, (result))

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
    LEAVE(strings_get(w, w->args, w->args_len, w->argc, argv, buf));
}

uint32_t w2p_wasi_args_sizes_get(w2p_ctx *ctx, uint32_t argc, uint32_t size)
{
    ENTER(w);
    LEAVE(sizes_get(w, w->argc, w->args_len, argc, size));
}

uint32_t w2p_wasi_environ_get(w2p_ctx *ctx, uint32_t environ, uint32_t buf)
{
    ENTER(w);
    LEAVE(strings_get(w, w->env, w->env_len, w->envc, environ, buf));
}

uint32_t w2p_wasi_environ_sizes_get(w2p_ctx *ctx, uint32_t count, uint32_t size)
{
    ENTER(w);
    LEAVE(sizes_get(w, w->envc, w->env_len, count, size));
}

static int host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return 0;
    case 1: *out = CLOCK_MONOTONIC; return 0;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
    default: return -1;
    }
}

static uint64_t ns_of(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

uint32_t w2p_wasi_clock_res_get(w2p_ctx *ctx, uint32_t id, uint32_t out)
{
    ENTER(w);
    clockid_t c;
    struct timespec t;
    if (host_clock(id, &c) != 0)
        LEAVE(E_INVAL);
    if (clock_getres(c, &t) != 0)
        LEAVE(fail());
    LEAVE(store64(w, out, ns_of(&t)));
}

uint32_t w2p_wasi_clock_time_get(w2p_ctx *ctx, uint32_t id, uint64_t precision, uint32_t out)
{
    ENTER(w);
    (void)precision;
    clockid_t c;
    struct timespec t;
    if (host_clock(id, &c) != 0)
        LEAVE(E_INVAL);
    if (clock_gettime(c, &t) != 0)
        LEAVE(fail());
    LEAVE(store64(w, out, ns_of(&t)));
}

uint32_t w2p_wasi_fd_advise(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_ADVISE, &err);
    if (!f)
        LEAVE(err);
    if (advice > 5)
        LEAVE(E_INVAL);
    if (f->kind != FD_HOST || f->filetype == FT_DIR)
        LEAVE(f->filetype == FT_DIR ? E_BADF : E_SPIPE);
#if defined(POSIX_FADV_NORMAL)
    static const int advices[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (offset > INT64_MAX || len > INT64_MAX)
        LEAVE(E_INVAL);
    int r = posix_fadvise(f->host, (off_t)offset, (off_t)len, advices[advice]);
    LEAVE(errno_of(r));
#else
    (void)offset;
    (void)len;
    LEAVE(0);
#endif
}

uint32_t w2p_wasi_fd_allocate(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_ALLOCATE, &err);
    if (!f)
        LEAVE(err);
    if (f->kind != FD_HOST || f->filetype == FT_DIR)
        LEAVE(E_BADF);
    if (offset > INT64_MAX || len > INT64_MAX || offset + len > INT64_MAX)
        LEAVE(E_INVAL);
    /* Grows the file to offset + len when shorter (what WASI asks), without
       posix_fallocate's emulation by writes. */
    struct stat st;
    if (fstat(f->host, &st) != 0)
        LEAVE(fail());
    if ((uint64_t)st.st_size < offset + len && ftruncate(f->host, (off_t)(offset + len)) != 0)
        LEAVE(fail());
    LEAVE(0);
}

uint32_t w2p_wasi_fd_close(w2p_ctx *ctx, uint32_t fd)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        LEAVE(err);
    fd_release(f);
    LEAVE(0);
}

static uint32_t sync_fd(w2p_wasi *w, uint32_t fd, uint64_t right, int data)
{
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, right, &err);
    if (!f)
        return err;
    if (f->kind != FD_HOST)
        return 0;
#if defined(__linux__)
    if ((data ? fdatasync(f->host) : fsync(f->host)) != 0)
#else
    (void)data;
    if (fsync(f->host) != 0)
#endif
        return errno == EINVAL ? 0 : fail();
    return 0;
}

uint32_t w2p_wasi_fd_datasync(w2p_ctx *ctx, uint32_t fd)
{
    ENTER(w);
    LEAVE(sync_fd(w, fd, R_FD_DATASYNC, 1));
}

uint32_t w2p_wasi_fd_sync(w2p_ctx *ctx, uint32_t fd)
{
    ENTER(w);
    LEAVE(sync_fd(w, fd, R_FD_SYNC, 0));
}

uint32_t w2p_wasi_fd_fdstat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        LEAVE(err);
    uint8_t *p = guest(w, out, 24);
    if (!p)
        LEAVE(E_FAULT);
    memset(p, 0, 24);
    p[0] = f->filetype;
    put16(p + 2, f->flags);
    put64(p + 8, f->base);
    put64(p + 16, f->inheriting);
    LEAVE(0);
}

uint32_t w2p_wasi_fd_fdstat_set_flags(w2p_ctx *ctx, uint32_t fd, uint32_t flags)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_FDSTAT_SET_FLAGS, &err);
    if (!f)
        LEAVE(err);
    if (flags & ~(uint32_t)(FDF_APPEND | FDF_DSYNC | FDF_NONBLOCK | FDF_RSYNC | FDF_SYNC))
        LEAVE(E_INVAL);
    /* Only APPEND and NONBLOCK can change on an open file (as on Linux). */
    if ((flags ^ f->flags) & (FDF_DSYNC | FDF_RSYNC | FDF_SYNC))
        LEAVE(E_NOTSUP);
    if (f->kind == FD_HOST) {
        int fl = fcntl(f->host, F_GETFL);
        if (fl < 0)
            LEAVE(fail());
        fl = (fl & ~(O_APPEND | O_NONBLOCK)) | (flags & FDF_APPEND ? O_APPEND : 0) |
             (flags & FDF_NONBLOCK ? O_NONBLOCK : 0);
        if (fcntl(f->host, F_SETFL, fl) != 0)
            LEAVE(fail());
    }
    f->flags = (uint16_t)flags;
    LEAVE(0);
}

uint32_t w2p_wasi_fd_fdstat_set_rights(w2p_ctx *ctx, uint32_t fd, uint64_t base, uint64_t inheriting)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        LEAVE(err);
    /* Rights can only be dropped. */
    if ((base & ~f->base) || (inheriting & ~f->inheriting))
        LEAVE(E_NOTCAPABLE);
    f->base = base;
    f->inheriting = inheriting;
    LEAVE(0);
}

/* A filestat (64 bytes; 56 in wasi_unstable, whose nlink is a u32) from a host stat. */
static void filestat_put(uint8_t *p, const struct stat *st, int unstable)
{
    memset(p, 0, unstable ? 56 : 64);
    put64(p, (uint64_t)st->st_dev);
    put64(p + 8, (uint64_t)st->st_ino);
    p[16] = filetype_of_mode(st->st_mode);
#if defined(__APPLE__)
    struct timespec a = st->st_atimespec, m = st->st_mtimespec, c = st->st_ctimespec;
#else
    struct timespec a = st->st_atim, m = st->st_mtim, c = st->st_ctim;
#endif
    if (unstable) {
        put32(p + 20, (uint32_t)st->st_nlink);
        p += 24;
    } else {
        put64(p + 24, (uint64_t)st->st_nlink);
        p += 32;
    }
    put64(p, (uint64_t)st->st_size);
    put64(p + 8, ns_of(&a));
    put64(p + 16, ns_of(&m));
    put64(p + 24, ns_of(&c));
}

static uint32_t fd_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out, int unstable)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_FILESTAT_GET, &err);
    if (!f)
        LEAVE(err);
    uint8_t *p = guest(w, out, unstable ? 56 : 64);
    if (!p)
        LEAVE(E_FAULT);
    struct stat st;
    if (f->kind == FD_HOST) {
        if (fstat(f->host, &st) != 0)
            LEAVE(fail());
    } else {
        memset(&st, 0, sizeof st);
        st.st_mode = S_IFCHR;
    }
    filestat_put(p, &st, unstable);
    if (f->kind == FD_HOST && S_ISSOCK(st.st_mode))
        p[16] = f->filetype;
    LEAVE(0);
}

uint32_t w2p_wasi_fd_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out)
{
    return fd_filestat_get(ctx, fd, out, 0);
}

uint32_t w2p_wasi_unstable_fd_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out)
{
    return fd_filestat_get(ctx, fd, out, 1);
}

uint32_t w2p_wasi_fd_filestat_set_size(w2p_ctx *ctx, uint32_t fd, uint64_t size)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_FILESTAT_SET_SIZE, &err);
    if (!f)
        LEAVE(err);
    if (f->kind != FD_HOST || f->filetype == FT_DIR)
        LEAVE(E_BADF);
    if (size > INT64_MAX)
        LEAVE(E_INVAL);
    if (ftruncate(f->host, (off_t)size) != 0)
        LEAVE(fail());
    LEAVE(0);
}

/* The two timespecs of utimensat/futimens from WASI's times and fstflags, or -1 when
   the flags contradict each other. */
static int times_of(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2])
{
    if ((flags & FST_ATIM && flags & FST_ATIM_NOW) || (flags & FST_MTIM && flags & FST_MTIM_NOW) ||
        flags & ~(uint32_t)15)
        return -1;
    uint64_t t[2] = {atim, mtim};
    for (int i = 0; i < 2; i++) {
        uint32_t set = i ? FST_MTIM : FST_ATIM, now = i ? FST_MTIM_NOW : FST_ATIM_NOW;
        if (flags & now) {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_NOW;
        } else if (flags & set) {
            ts[i].tv_sec = (time_t)(t[i] / 1000000000u);
            ts[i].tv_nsec = (long)(t[i] % 1000000000u);
        } else {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = UTIME_OMIT;
        }
    }
    return 0;
}

uint32_t w2p_wasi_fd_filestat_set_times(w2p_ctx *ctx, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_FILESTAT_SET_TIMES, &err);
    if (!f)
        LEAVE(err);
    struct timespec ts[2];
    if (times_of(atim, mtim, flags, ts) != 0)
        LEAVE(E_INVAL);
    if (f->kind != FD_HOST)
        LEAVE(E_BADF);
    if (futimens(f->host, ts) != 0)
        LEAVE(fail());
    LEAVE(0);
}

/* fd_read, fd_write, fd_pread and fd_pwrite: offset < 0 for the fd's own position. */
static uint32_t transfer(w2p_wasi *w, uint32_t fd, int write, uint32_t iovs, uint32_t n, int64_t offset,
                         uint32_t out)
{
    uint32_t err;
    uint64_t rights = (write ? R_FD_WRITE : R_FD_READ) | (offset >= 0 ? R_FD_SEEK : 0);
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    if (f->filetype == FT_DIR)
        return offset >= 0 && !write ? E_ISDIR : E_BADF;
    if ((f->base & rights) != rights)
        return offset >= 0 && (f->base & R_FD_SEEK) == 0 ? E_SPIPE : E_BADF;
    if (!guest(w, out, 4))
        return E_FAULT;
    struct iovec iov[MAX_IOVS];
    int count = iovs_get(w, iovs, n, iov);
    if (count < 0)
        return E_FAULT;
    size_t total = 0;
    if (f->kind == FD_PYTHON) {
        if (offset >= 0)
            return E_SPIPE;
        err = py_transfer(f, write, iov, count, &total);
        if (err)
            return err;
    } else {
        ssize_t r;
        if (count)
            w2p_let_gil_go(); /* a pipe, a terminal or a socket may block */
        if (count == 0)
            r = 0;
        else if (offset >= 0)
            r = write ? pwritev(f->host, iov, count, offset) : preadv(f->host, iov, count, offset);
        else
            r = write ? writev(f->host, iov, count) : readv(f->host, iov, count);
        if (r < 0)
            return fail();
        total = (size_t)r;
    }
    return store32(w, out, (uint32_t)total);
}

uint32_t w2p_wasi_fd_read(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out)
{
    ENTER(w);
    LEAVE(transfer(w, fd, 0, iovs, n, -1, out));
}

uint32_t w2p_wasi_fd_write(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out)
{
    ENTER(w);
    LEAVE(transfer(w, fd, 1, iovs, n, -1, out));
}

uint32_t w2p_wasi_fd_pread(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out)
{
    ENTER(w);
    if (offset > INT64_MAX)
        LEAVE(E_INVAL);
    LEAVE(transfer(w, fd, 0, iovs, n, (int64_t)offset, out));
}

uint32_t w2p_wasi_fd_pwrite(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out)
{
    ENTER(w);
    if (offset > INT64_MAX)
        LEAVE(E_INVAL);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    /* pwrite on an O_APPEND file appends on Linux: WASI writes at the offset, so the
       flag is dropped around it. */
    if (f && f->kind == FD_HOST && (f->flags & FDF_APPEND)) {
        int fl = fcntl(f->host, F_GETFL);
        if (fl >= 0 && fcntl(f->host, F_SETFL, fl & ~O_APPEND) == 0) {
            err = transfer(w, fd, 1, iovs, n, (int64_t)offset, out);
            fcntl(f->host, F_SETFL, fl);
            LEAVE(err);
        }
    }
    LEAVE(transfer(w, fd, 1, iovs, n, (int64_t)offset, out));
}

uint32_t w2p_wasi_fd_prestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        LEAVE(err);
    if (!f->preopen)
        LEAVE(E_BADF);
    uint8_t *p = guest(w, out, 8);
    if (!p)
        LEAVE(E_FAULT);
    memset(p, 0, 8);
    put32(p + 4, (uint32_t)strlen(f->preopen));
    LEAVE(0);
}

uint32_t w2p_wasi_fd_prestat_dir_name(w2p_ctx *ctx, uint32_t fd, uint32_t out, uint32_t len)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        LEAVE(err);
    if (!f->preopen)
        LEAVE(E_BADF);
    size_t n = strlen(f->preopen);
    if (len < n)
        LEAVE(E_NAMETOOLONG);
    uint8_t *p = guest(w, out, n);
    if (!p)
        LEAVE(E_FAULT);
    memcpy(p, f->preopen, n);
    LEAVE(0);
}

/* The d_type of a directory entry, asking the filesystem when readdir does not say. */
static uint8_t dirent_type(int dir, const struct dirent *e)
{
    switch (e->d_type) {
    case DT_BLK: return FT_BLOCK;
    case DT_CHR: return FT_CHAR;
    case DT_DIR: return FT_DIR;
    case DT_REG: return FT_FILE;
    case DT_LNK: return FT_SYMLINK;
    case DT_SOCK: return FT_STREAM;
    case DT_UNKNOWN: {
        struct stat st;
        if (fstatat(dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            return filetype_of_mode(st.st_mode);
        return FT_UNKNOWN;
    }
    default: return FT_UNKNOWN;
    }
}

/* The cookie of an entry is its position in the listing plus one; each call lists the
   directory afresh from the start. */
uint32_t w2p_wasi_fd_readdir(w2p_ctx *ctx, uint32_t fd, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_READDIR, &err);
    if (!f)
        LEAVE(err);
    if (f->filetype != FT_DIR || f->kind != FD_HOST)
        LEAVE(E_NOTDIR);
    uint8_t *p = guest(w, buf, len);
    if (!p || !guest(w, out, 4))
        LEAVE(E_FAULT);
    int dup_fd = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup_fd < 0)
        LEAVE(fail());
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        LEAVE(fail());
    }
    uint32_t used = 0;
    uint64_t index = 0;
    struct dirent *e;
    errno = 0;
    while (used < len && (e = readdir(d)) != NULL) {
        if (index++ < cookie)
            continue;
        uint8_t head[24];
        size_t name_len = strlen(e->d_name);
        put64(head, index);
        put64(head + 8, (uint64_t)e->d_ino);
        put32(head + 16, (uint32_t)name_len);
        memset(head + 20, 0, 4);
        head[20] = dirent_type(dirfd(d), e);
        uint32_t n = len - used < 24 ? len - used : 24;
        memcpy(p + used, head, n);
        used += n;
        n = len - used < name_len ? len - used : (uint32_t)name_len;
        memcpy(p + used, e->d_name, n);
        used += n;
    }
    err = errno ? fail() : 0;
    closedir(d);
    if (err)
        LEAVE(err);
    LEAVE(store32(w, out, used));
}

uint32_t w2p_wasi_fd_renumber(w2p_ctx *ctx, uint32_t from, uint32_t to)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, from, 0, &err);
    if (!f || !fd_get(w, to, 0, &err))
        LEAVE(err);
    if (from != to) {
        fd_release(&w->fds[to]);
        w->fds[to] = *f;
        memset(f, 0, sizeof *f);
    }
    LEAVE(0);
}

static uint32_t fd_seek(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t out, int unstable)
{
    ENTER(w);
    uint32_t err;
    /* wasi_unstable numbers whence CUR, END, SET. */
    static const int preview1[] = {SEEK_SET, SEEK_CUR, SEEK_END}, old[] = {SEEK_CUR, SEEK_END, SEEK_SET};
    if (whence > 2)
        LEAVE(E_INVAL);
    int how = unstable ? old[whence] : preview1[whence];
    uint64_t rights = how == SEEK_CUR && offset == 0 ? R_FD_TELL : R_FD_SEEK | R_FD_TELL;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        LEAVE(err);
    if (f->filetype == FT_DIR)
        LEAVE(E_BADF);
    if ((f->base & rights) == 0 || f->kind != FD_HOST)
        LEAVE(f->kind != FD_HOST || f->filetype != FT_FILE ? E_SPIPE : E_NOTCAPABLE);
    if (!guest(w, out, 8))
        LEAVE(E_FAULT);
    off_t r = lseek(f->host, (off_t)(int64_t)offset, how);
    if (r < 0)
        LEAVE(fail());
    LEAVE(store64(w, out, (uint64_t)r));
}

uint32_t w2p_wasi_fd_seek(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t out)
{
    return fd_seek(ctx, fd, offset, whence, out, 0);
}

uint32_t w2p_wasi_unstable_fd_seek(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t out)
{
    return fd_seek(ctx, fd, offset, whence, out, 1);
}

uint32_t w2p_wasi_fd_tell(w2p_ctx *ctx, uint32_t fd, uint32_t out)
{
    return fd_seek(ctx, fd, 0, 1, out, 0);
}

uint32_t w2p_wasi_path_create_directory(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len)
{
    ENTER(w);
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_CREATE_DIRECTORY, path, len, 0, &r, NULL);
    if (err)
        LEAVE(err);
    err = mkdirat(r.dir, r.name, 0777) != 0 ? fail() : 0;
    resolved_close(&r);
    LEAVE(err);
}

static uint32_t path_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                  uint32_t out, int unstable)
{
    ENTER(w);
    resolved r;
    uint8_t *p = guest(w, out, unstable ? 56 : 64);
    uint32_t err = path_get(w, fd, R_PATH_FILESTAT_GET, path, len, flags & 1, &r, NULL);
    if (err)
        LEAVE(err);
    struct stat st;
    err = fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW) != 0 ? fail() : 0;
    if (!err && r.trailing && !S_ISDIR(st.st_mode))
        err = E_NOTDIR;
    resolved_close(&r);
    if (err)
        LEAVE(err);
    if (!p)
        LEAVE(E_FAULT);
    filestat_put(p, &st, unstable);
    LEAVE(0);
}

uint32_t w2p_wasi_path_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                    uint32_t out)
{
    return path_filestat_get(ctx, fd, flags, path, len, out, 0);
}

uint32_t w2p_wasi_unstable_path_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path,
                                             uint32_t len, uint32_t out)
{
    return path_filestat_get(ctx, fd, flags, path, len, out, 1);
}

uint32_t w2p_wasi_path_filestat_set_times(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                          uint64_t atim, uint64_t mtim, uint32_t fst)
{
    ENTER(w);
    struct timespec ts[2];
    if (times_of(atim, mtim, fst, ts) != 0)
        LEAVE(E_INVAL);
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_FILESTAT_SET_TIMES, path, len, flags & 1, &r, NULL);
    if (err)
        LEAVE(err);
    err = utimensat(r.dir, r.name, ts, AT_SYMLINK_NOFOLLOW) != 0 ? fail() : 0;
    resolved_close(&r);
    LEAVE(err);
}

uint32_t w2p_wasi_path_link(w2p_ctx *ctx, uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_len,
                            uint32_t new_fd, uint32_t new_path, uint32_t new_len)
{
    ENTER(w);
    resolved from, to;
    uint32_t err = path_get(w, old_fd, R_PATH_LINK_SOURCE, old_path, old_len, old_flags & 1, &from, NULL);
    if (err)
        LEAVE(err);
    err = path_get(w, new_fd, R_PATH_LINK_TARGET, new_path, new_len, 0, &to, NULL);
    if (err) {
        resolved_close(&from);
        LEAVE(err);
    }
    struct stat st;
    if (from.trailing && fstatat(from.dir, from.name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
        err = E_NOTDIR;
    else if (to.trailing)
        err = fstatat(to.dir, to.name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? E_EXIST : E_NOENT;
    else if (linkat(from.dir, from.name, to.dir, to.name, 0) != 0)
        err = fail();
    resolved_close(&from);
    resolved_close(&to);
    LEAVE(err);
}

uint32_t w2p_wasi_path_open(w2p_ctx *ctx, uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t len,
                            uint32_t oflags, uint64_t base, uint64_t inheriting, uint32_t fdflags, uint32_t out)
{
    ENTER(w);
    wasi_fd *dir;
    uint64_t need = R_PATH_OPEN | (oflags & O_CREAT_ ? R_PATH_CREATE_FILE : 0) |
                    (oflags & O_TRUNC_ ? R_PATH_FILESTAT_SET_SIZE : 0);
    resolved r;
    if (!guest(w, out, 4))
        LEAVE(E_FAULT);
    uint32_t err = path_get(w, fd, need, path, len, dirflags & 1, &r, &dir);
    if (err)
        LEAVE(err);
    int read = (base & (R_FD_READ | R_FD_READDIR)) != 0;
    int write = (base & (R_FD_WRITE | R_FD_DATASYNC | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE)) != 0;
    int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    if (dir->readonly && (write || (oflags & (O_CREAT_ | O_TRUNC_)) || fdflags & FDF_APPEND)) {
        resolved_close(&r);
        LEAVE(E_NOTCAPABLE);
    }
    /* A directory is opened for reading, its rights masked to a directory's; asking
       for O_DIRECTORY and FD_WRITE is EISDIR. */
    if (oflags & O_DIRECTORY_ || r.trailing) {
        flags |= O_DIRECTORY;
        if (oflags & O_DIRECTORY_ && base & R_FD_WRITE) {
            resolved_close(&r);
            LEAVE(E_ISDIR);
        }
        write = 0;
    }
    flags |= write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;
    flags |= (oflags & O_CREAT_ ? O_CREAT : 0) | (oflags & O_EXCL_ ? O_EXCL : 0) | (oflags & O_TRUNC_ ? O_TRUNC : 0);
    flags |= (fdflags & FDF_APPEND ? O_APPEND : 0) | (fdflags & FDF_NONBLOCK ? O_NONBLOCK : 0) |
             (fdflags & FDF_DSYNC ? O_DSYNC : 0) | (fdflags & FDF_SYNC ? O_SYNC : 0);
#ifdef O_RSYNC
    flags |= fdflags & FDF_RSYNC ? O_RSYNC : 0;
#endif
    if ((flags & O_CREAT) && r.trailing) {
        resolved_close(&r);
        LEAVE(E_ISDIR);
    }
    int host = openat(r.dir, r.name, flags, 0666);
    /* A directory opened for no particular access, without O_DIRECTORY, still opens. */
    if (host < 0 && errno == EISDIR && !(oflags & (O_CREAT_ | O_TRUNC_)) && write)
        host = openat(r.dir, r.name, (flags & ~(O_WRONLY | O_RDWR)) | O_RDONLY, 0666);
    err = host < 0 ? (errno == ELOOP && !(dirflags & 1) && !(flags & O_DIRECTORY) ? E_LOOP : fail()) : 0;
    resolved_close(&r);
    if (err)
        LEAVE(err);
    struct stat st;
    int slot = fstat(host, &st) == 0 ? fd_alloc(w) : -1;
    if (slot < 0) {
        close(host);
        LEAVE(E_NOMEM);
    }
    dir = NULL; /* fd_alloc may have moved the table */
    wasi_fd *src = &w->fds[fd];
    wasi_fd *f = &w->fds[slot];
    f->kind = FD_HOST;
    f->owned = 1;
    f->host = host;
    f->filetype = filetype_of_fd(host, &st);
    f->readonly = src->readonly;
    f->flags = (uint16_t)(fdflags & (FDF_APPEND | FDF_DSYNC | FDF_NONBLOCK | FDF_RSYNC | FDF_SYNC));
    uint64_t kind_rights = f->filetype == FT_DIR ? R_DIR : R_FILE;
    f->base = base & src->inheriting & kind_rights;
    f->inheriting = inheriting & src->inheriting;
    if (f->filetype != FT_DIR) {
        if (!read)
            f->base &= ~R_FD_READ;
        if (!write)
            f->base &= ~(R_FD_WRITE | R_FD_DATASYNC | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE);
    }
    LEAVE(store32(w, out, (uint32_t)slot));
}

uint32_t w2p_wasi_path_readlink(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len, uint32_t buf,
                                uint32_t buf_len, uint32_t out)
{
    ENTER(w);
    resolved r;
    uint8_t *p = guest(w, buf, buf_len);
    if (!p || !guest(w, out, 4))
        LEAVE(E_FAULT);
    uint32_t err = path_get(w, fd, R_PATH_READLINK, path, len, 0, &r, NULL);
    if (err)
        LEAVE(err);
    char target[PATH_MAX + 1];
    ssize_t n = readlinkat(r.dir, r.name, target, sizeof target);
    err = n < 0 ? fail() : 0;
    resolved_close(&r);
    if (err)
        LEAVE(err);
    if ((uint64_t)n > buf_len)
        n = buf_len;
    memcpy(p, target, (size_t)n);
    LEAVE(store32(w, out, (uint32_t)n));
}

uint32_t w2p_wasi_path_remove_directory(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len)
{
    ENTER(w);
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_REMOVE_DIRECTORY, path, len, 0, &r, NULL);
    if (err)
        LEAVE(err);
    if (strcmp(r.name, ".") == 0)
        err = E_INVAL;
    else if (unlinkat(r.dir, r.name, AT_REMOVEDIR) != 0)
        err = errno == EEXIST ? E_NOTEMPTY : fail();
    resolved_close(&r);
    LEAVE(err);
}

uint32_t w2p_wasi_path_rename(w2p_ctx *ctx, uint32_t fd, uint32_t old_path, uint32_t old_len, uint32_t new_fd,
                              uint32_t new_path, uint32_t new_len)
{
    ENTER(w);
    resolved from, to;
    uint32_t err = path_get(w, fd, R_PATH_RENAME_SOURCE, old_path, old_len, 0, &from, NULL);
    if (err)
        LEAVE(err);
    err = path_get(w, new_fd, R_PATH_RENAME_TARGET, new_path, new_len, 0, &to, NULL);
    if (err) {
        resolved_close(&from);
        LEAVE(err);
    }
    struct stat st;
    if (fstatat(from.dir, from.name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        err = fail();
    else if ((from.trailing || to.trailing) && !S_ISDIR(st.st_mode))
        err = E_NOTDIR;
    else if (renameat(from.dir, from.name, to.dir, to.name) != 0)
        err = fail();
    resolved_close(&from);
    resolved_close(&to);
    LEAVE(err);
}

uint32_t w2p_wasi_path_symlink(w2p_ctx *ctx, uint32_t old_path, uint32_t old_len, uint32_t fd, uint32_t new_path,
                               uint32_t new_len)
{
    ENTER(w);
    const uint8_t *target = guest(w, old_path, old_len);
    if (!target)
        LEAVE(E_FAULT);
    if (old_len == 0 || memchr(target, 0, old_len))
        LEAVE(old_len == 0 ? E_NOENT : E_ILSEQ);
    /* A link to an absolute path would lead out of the sandbox. */
    if (target[0] == '/')
        LEAVE(E_NOTCAPABLE);
    char *t = malloc((size_t)old_len + 1);
    if (!t)
        LEAVE(E_NOMEM);
    memcpy(t, target, old_len);
    t[old_len] = 0;
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_SYMLINK, new_path, new_len, 0, &r, NULL);
    if (!err) {
        struct stat st;
        if (r.trailing)
            err = fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? E_EXIST : E_NOENT;
        else if (symlinkat(t, r.dir, r.name) != 0)
            err = fail();
        resolved_close(&r);
    }
    free(t);
    LEAVE(err);
}

uint32_t w2p_wasi_path_unlink_file(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len)
{
    ENTER(w);
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_UNLINK_FILE, path, len, 0, &r, NULL);
    if (err)
        LEAVE(err);
    struct stat st;
    if (r.trailing && fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        err = S_ISDIR(st.st_mode) ? E_ISDIR : E_NOTDIR;
    else if (unlinkat(r.dir, r.name, 0) != 0)
        err = fail();
    resolved_close(&r);
    LEAVE(err);
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
    LEAVE(0);
}

uint32_t w2p_wasi_random_get(w2p_ctx *ctx, uint32_t buf, uint32_t len)
{
    ENTER(w);
    uint8_t *p = guest(w, buf, len);
    if (!p)
        LEAVE(E_FAULT);
#if defined(__linux__)
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            LEAVE(fail());
        }
        p += n;
        len -= (uint32_t)n;
    }
#else
    arc4random_buf(p, len);
#endif
    LEAVE(0);
}

/* ---- poll_oneoff ---- */

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
        LEAVE(E_FAULT);
    if (n == 0)
        LEAVE(E_INVAL);
    subscription *subs = calloc(n, sizeof *subs);
    struct pollfd *pfds = calloc(n, sizeof *pfds);
    if (!subs || !pfds) {
        free(subs);
        free(pfds);
        LEAVE(E_NOMEM);
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
        LEAVE(err);
    LEAVE(store32(w, nevents, count));
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
        LEAVE(err);
    if (flags & ~(uint32_t)FDF_NONBLOCK)
        LEAVE(E_INVAL);
    if (!guest(w, out, 4))
        LEAVE(E_FAULT);
    w2p_let_gil_go();
    int host = accept(f->host, NULL, NULL);
    if (host < 0)
        LEAVE(fail());
    fcntl(host, F_SETFD, FD_CLOEXEC);
    if (flags & FDF_NONBLOCK)
        fcntl(host, F_SETFL, fcntl(host, F_GETFL) | O_NONBLOCK);
    int slot = fd_alloc(w);
    if (slot < 0) {
        close(host);
        LEAVE(E_NOMEM);
    }
    f = &w->fds[slot];
    f->kind = FD_HOST;
    f->owned = 1;
    f->host = host;
    f->filetype = FT_STREAM;
    f->flags = (uint16_t)flags;
    f->base = R_SOCKET & ~R_SOCK_ACCEPT;
    LEAVE(store32(w, out, (uint32_t)slot));
}

uint32_t w2p_wasi_sock_recv(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t riflags,
                            uint32_t out_len, uint32_t out_flags)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = socket_get(w, fd, R_FD_READ, &err);
    if (!f)
        LEAVE(err);
    if (riflags & ~(uint32_t)3)
        LEAVE(E_INVAL);
    if (!guest(w, out_len, 4) || !guest(w, out_flags, 2))
        LEAVE(E_FAULT);
    struct iovec iov[MAX_IOVS];
    int count = iovs_get(w, iovs, n, iov);
    if (count < 0)
        LEAVE(E_FAULT);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)count;
    w2p_let_gil_go();
    ssize_t r = recvmsg(f->host, &msg, (riflags & 1 ? MSG_PEEK : 0) | (riflags & 2 ? MSG_WAITALL : 0));
    if (r < 0)
        LEAVE(fail());
    put16(guest(w, out_flags, 2), msg.msg_flags & MSG_TRUNC ? 1 : 0);
    LEAVE(store32(w, out_len, (uint32_t)r));
}

uint32_t w2p_wasi_sock_send(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t siflags, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = socket_get(w, fd, R_FD_WRITE, &err);
    if (!f)
        LEAVE(err);
    if (siflags != 0)
        LEAVE(E_INVAL);
    if (!guest(w, out, 4))
        LEAVE(E_FAULT);
    struct iovec iov[MAX_IOVS];
    int count = iovs_get(w, iovs, n, iov);
    if (count < 0)
        LEAVE(E_FAULT);
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
        LEAVE(fail());
    LEAVE(store32(w, out, (uint32_t)r));
}

uint32_t w2p_wasi_sock_shutdown(w2p_ctx *ctx, uint32_t fd, uint32_t how)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = socket_get(w, fd, R_SOCK_SHUTDOWN, &err);
    if (!f)
        LEAVE(err);
    if (how == 0 || how > 3)
        LEAVE(E_INVAL);
    int h = how == 3 ? SHUT_RDWR : how == 1 ? SHUT_RD : SHUT_WR;
    if (shutdown(f->host, h) != 0)
        LEAVE(fail());
    LEAVE(0);
}

/* ---- proc_exit and the table of calls ---- */

void w2p_wasi_proc_exit(w2p_ctx *ctx, uint32_t code)
{
    wasi_exit_code = code;
    ctx->trap(W2P_TRAP_WASI_EXIT, NULL);
}

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
