/*
 * w2p_wasi_impl.h: what the files of the WASI runtime share, and nothing else includes
 * (the interface is w2p_wasi.h): WASI's constants and rights, the state of an instance
 * and its fd table, guest memory access, the ENTER check of every call, and the
 * calls themselves for the table of imports (w2p_wasi.c).
 *
 * Guest memory is read and written as little-endian, through guest(), which checks
 * each range against the memory's size: a bad pointer is EFAULT, never a host fault.
 */
#ifndef W2P_WASI_IMPL_H
#define W2P_WASI_IMPL_H

#include "w2p_control.h"
#include "w2p_wasi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the WASI runtime reads guest memory as little-endian"
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
    E_XDEV = 75, E_NOTCAPABLE = 76
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

/* ---- The fd table ---- */

static inline void fd_release(wasi_fd *f)
{
    if (f->kind == FD_HOST && f->owned)
        close(f->host);
    free(f->preopen);
    memset(f, 0, sizeof *f);
}

static inline uint8_t filetype_of_mode(mode_t mode)
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
static inline uint8_t filetype_of_fd(int fd, const struct stat *st)
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
int wasi_fd_alloc(w2p_wasi *w);

/* The open entry `fd` having `rights`, or NULL with *err set (EBADF, ENOTCAPABLE). */
static inline wasi_fd *fd_get(w2p_wasi *w, uint32_t fd, uint64_t rights, uint32_t *err)
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

/* ---- Errors, guest memory and clocks ---- */

/* A host errno as a WASI errno. */
uint32_t wasi_errno_of(int e);

/* The host errno of the last failed call, as a WASI errno. */
static inline uint32_t fail(void)
{
    return wasi_errno_of(errno);
}

/* A guest range, or NULL when it leaves the memory. */
static inline uint8_t *guest(w2p_wasi *w, uint32_t ptr, uint64_t len)
{
    if (!w->mem || (uint64_t)ptr + len > w->mem->size)
        return NULL;
    return w->mem->data + ptr;
}

static inline uint32_t get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

static inline void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static inline void put64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* Stores a u32 or u64 result at a guest address: 0 or EFAULT. */
static inline uint32_t store32(w2p_wasi *w, uint32_t ptr, uint32_t v)
{
    uint8_t *p = guest(w, ptr, 4);
    if (!p)
        return E_FAULT;
    put32(p, v);
    return 0;
}

static inline uint32_t store64(w2p_wasi *w, uint32_t ptr, uint64_t v)
{
    uint8_t *p = guest(w, ptr, 8);
    if (!p)
        return E_FAULT;
    put64(p, v);
    return 0;
}

/* A WASI clock id as the host's: 0, or -1 for an id WASI does not define. */
static inline int host_clock(uint32_t id, clockid_t *out)
{
    switch (id) {
    case 0: *out = CLOCK_REALTIME; return 0;
    case 1: *out = CLOCK_MONOTONIC; return 0;
    case 2: *out = CLOCK_PROCESS_CPUTIME_ID; return 0;
    case 3: *out = CLOCK_THREAD_CPUTIME_ID; return 0;
    default: return -1;
    }
}

static inline uint64_t ns_of(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

/* ---- The frame of every call ---- */

/* What lies on the way of the calls made per buffer (a read, a write, a clock read) is
   inlined into them: one frame between the Wasm code and libc. */
#define WASI_INLINE static inline __attribute__((always_inline))

/* Stack a call needs below its caller's frame: as much as a host function must find to
   enter Python (w2p_host_enter), a quarter of the usable stack, at most 256 KiB. */
static inline uintptr_t wasi_stack_room(const w2p_ctx *ctx)
{
    return ctx->stack_span / 4 < 256u * 1024u ? ctx->stack_span / 4 : 256u * 1024u;
}

/* Every call starts with ENTER: the Wasm code that calls may have used the stack down to
   the thread's floor, and too little left for the call and libc traps. Read from the
   context's bounds as generated code does (no thread-local on the way of a clock read or
   a write); the slow path refreshes them when they are another thread's, or not found yet.
   Calls return their result; only Python streams enter Python, as a host function
   (py_transfer). */
#define ENTER(w)                                                                                \
    w2p_wasi *w = (w2p_wasi *)ctx;                                                              \
    wasi_enter(ctx)

static inline void wasi_enter(w2p_ctx *ctx)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    if (__builtin_expect(sp - wasi_stack_room(ctx) - ctx->stack_floor > ctx->stack_span, 0)) {
        w2p_stack_check(ctx, sp, NULL);
        if (sp - ctx->stack_floor < wasi_stack_room(ctx))
            ctx->trap(W2P_TRAP_EXHAUSTION, NULL);
    }
}

/* ---- Defined with the fd calls (w2p_wasi_fd.c), used by others too ---- */

/* A guest iovec array as host iovecs (at most IOV_MAX, the rest ignored as a short
   transfer may): the count, or -1 when out of bounds. */
#define MAX_IOVS 1024
static inline int wasi_iovs_get(w2p_wasi *w, uint32_t iovs, uint32_t n, struct iovec *out)
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

/* A filestat (64 bytes; 56 in wasi_unstable, whose nlink is a u32) from a host stat. */
void wasi_filestat_put(uint8_t *p, const struct stat *st, int unstable);
/* The two timespecs of utimensat/futimens from WASI's times and fstflags, or -1 when
   the flags contradict each other. */
int wasi_times_of(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2]);

/* ---- The calls, for the table of imports ---- */

/* w2p_wasi_proc.c */
uint32_t w2p_wasi_args_get(w2p_ctx *ctx, uint32_t argv, uint32_t buf);
uint32_t w2p_wasi_args_sizes_get(w2p_ctx *ctx, uint32_t argc, uint32_t size);
uint32_t w2p_wasi_environ_get(w2p_ctx *ctx, uint32_t environ, uint32_t buf);
uint32_t w2p_wasi_environ_sizes_get(w2p_ctx *ctx, uint32_t count, uint32_t size);
uint32_t w2p_wasi_clock_res_get(w2p_ctx *ctx, uint32_t id, uint32_t out);
uint32_t w2p_wasi_clock_time_get(w2p_ctx *ctx, uint32_t id, uint64_t precision, uint32_t out);
uint32_t w2p_wasi_proc_raise(w2p_ctx *ctx, uint32_t sig);
uint32_t w2p_wasi_sched_yield(w2p_ctx *ctx);
uint32_t w2p_wasi_random_get(w2p_ctx *ctx, uint32_t buf, uint32_t len);
void w2p_wasi_proc_exit(w2p_ctx *ctx, uint32_t code);

/* w2p_wasi_fd.c */
uint32_t w2p_wasi_fd_advise(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice);
uint32_t w2p_wasi_fd_allocate(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len);
uint32_t w2p_wasi_fd_close(w2p_ctx *ctx, uint32_t fd);
uint32_t w2p_wasi_fd_datasync(w2p_ctx *ctx, uint32_t fd);
uint32_t w2p_wasi_fd_sync(w2p_ctx *ctx, uint32_t fd);
uint32_t w2p_wasi_fd_fdstat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out);
uint32_t w2p_wasi_fd_fdstat_set_flags(w2p_ctx *ctx, uint32_t fd, uint32_t flags);
uint32_t w2p_wasi_fd_fdstat_set_rights(w2p_ctx *ctx, uint32_t fd, uint64_t base, uint64_t inheriting);
uint32_t w2p_wasi_fd_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out);
uint32_t w2p_wasi_unstable_fd_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out);
uint32_t w2p_wasi_fd_filestat_set_size(w2p_ctx *ctx, uint32_t fd, uint64_t size);
uint32_t w2p_wasi_fd_filestat_set_times(w2p_ctx *ctx, uint32_t fd, uint64_t atim, uint64_t mtim, uint32_t flags);
uint32_t w2p_wasi_fd_read(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out);
uint32_t w2p_wasi_fd_write(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out);
uint32_t w2p_wasi_fd_pread(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out);
uint32_t w2p_wasi_fd_pwrite(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out);
uint32_t w2p_wasi_fd_prestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out);
uint32_t w2p_wasi_fd_prestat_dir_name(w2p_ctx *ctx, uint32_t fd, uint32_t out, uint32_t len);
uint32_t w2p_wasi_fd_readdir(w2p_ctx *ctx, uint32_t fd, uint32_t buf, uint32_t len, uint64_t cookie, uint32_t out);
uint32_t w2p_wasi_fd_renumber(w2p_ctx *ctx, uint32_t from, uint32_t to);
uint32_t w2p_wasi_fd_seek(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t out);
uint32_t w2p_wasi_unstable_fd_seek(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t out);
uint32_t w2p_wasi_fd_tell(w2p_ctx *ctx, uint32_t fd, uint32_t out);

/* w2p_wasi_path.c */
uint32_t w2p_wasi_path_create_directory(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len);
uint32_t w2p_wasi_path_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                    uint32_t out);
uint32_t w2p_wasi_unstable_path_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path,
                                             uint32_t len, uint32_t out);
uint32_t w2p_wasi_path_filestat_set_times(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                          uint64_t atim, uint64_t mtim, uint32_t fst);
uint32_t w2p_wasi_path_link(w2p_ctx *ctx, uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_len,
                            uint32_t new_fd, uint32_t new_path, uint32_t new_len);
uint32_t w2p_wasi_path_open(w2p_ctx *ctx, uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t len,
                            uint32_t oflags, uint64_t base, uint64_t inheriting, uint32_t fdflags, uint32_t out);
uint32_t w2p_wasi_path_readlink(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len, uint32_t buf,
                                uint32_t buf_len, uint32_t out);
uint32_t w2p_wasi_path_remove_directory(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len);
uint32_t w2p_wasi_path_rename(w2p_ctx *ctx, uint32_t fd, uint32_t old_path, uint32_t old_len, uint32_t new_fd,
                              uint32_t new_path, uint32_t new_len);
uint32_t w2p_wasi_path_symlink(w2p_ctx *ctx, uint32_t old_path, uint32_t old_len, uint32_t fd, uint32_t new_path,
                               uint32_t new_len);
uint32_t w2p_wasi_path_unlink_file(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len);

/* w2p_wasi_poll.c */
uint32_t w2p_wasi_poll_oneoff(w2p_ctx *ctx, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents);
uint32_t w2p_wasi_unstable_poll_oneoff(w2p_ctx *ctx, uint32_t in, uint32_t out, uint32_t n, uint32_t nevents);
uint32_t w2p_wasi_sock_accept(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t out);
uint32_t w2p_wasi_sock_recv(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t riflags,
                            uint32_t out_len, uint32_t out_flags);
uint32_t w2p_wasi_sock_send(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t siflags, uint32_t out);
uint32_t w2p_wasi_sock_shutdown(w2p_ctx *ctx, uint32_t fd, uint32_t how);

#endif /* W2P_WASI_IMPL_H */
