/*
 * w2p_wasi_fd.c: the WASI calls on file descriptors (fd_*): reads and writes, seeks,
 * stat and flags, directory listings, preopens, renumbering; and the Python side of
 * streams, the only calls that take the GIL back.
 *
 * Each call finds its entry with the rights it needs (fd_get). Python streams are read
 * and written through the shim's w2p_wasi_py_io, with the GIL; host fds through libc,
 * with the GIL let go where they may block.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_wasi_impl.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>

static w2p_wasi_py_io_fn wasi_py_io;

void w2p_wasi_set_py_io(w2p_wasi_py_io_fn fn)
{
    wasi_py_io = fn;
}

/* Reads or writes a Python stream, one call per iovec until a short transfer: the only
   WASI calls that run Python, so they enter it as a host function does (with the GIL and
   the stack Python needs), and an exception it raised traps. The bytes transferred.
   Out of line: the way to a host fd stays short. */
static __attribute__((noinline)) size_t py_transfer(w2p_wasi *w, wasi_fd *f, int op, const struct iovec *iov, int n)
{
    char here;
    int saved = w2p_host_enter(&here);
    if (saved < 0)
        w->ctx.trap(W2P_TRAP_EXHAUSTION, NULL);
    w2p_hold_gil();
    size_t total = 0;
    int raised = 0;
    for (int i = 0; i < n; i++) {
        size_t done = 0;
        raised = wasi_py_io(f->stream, op, iov[i].iov_base, iov[i].iov_len, &done) != 0;
        total += done;
        if (raised || done < iov[i].iov_len)
            break;
    }
    w2p_host_leave(saved);
    if (raised)
        w->ctx.trap(W2P_TRAP_HOST_EXCEPTION, NULL);
    return total;
}

/* Reads or writes a host fd, at offset (< 0: its own position); one buffer, the usual
   case, through read or write, as native code calls them. */
WASI_INLINE ssize_t host_transfer(int fd, int writing, const struct iovec *iov, int n, int64_t offset)
{
    if (n == 0)
        return 0;
    w2p_let_gil_go(); /* a pipe, a terminal or a socket may block */
    if (n == 1 && offset < 0)
        return writing ? write(fd, iov->iov_base, iov->iov_len) : read(fd, iov->iov_base, iov->iov_len);
    if (n == 1)
        return writing ? pwrite(fd, iov->iov_base, iov->iov_len, offset)
                       : pread(fd, iov->iov_base, iov->iov_len, offset);
    if (offset >= 0)
        return writing ? pwritev(fd, iov, n, offset) : preadv(fd, iov, n, offset);
    return writing ? writev(fd, iov, n) : readv(fd, iov, n);
}

uint32_t w2p_wasi_fd_advise(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len, uint32_t advice)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_ADVISE, &err);
    if (!f)
        return err;
    if (advice > 5)
        return E_INVAL;
    if (f->kind != FD_HOST || f->filetype == FT_DIR)
        return f->filetype == FT_DIR ? E_BADF : E_SPIPE;
#if defined(POSIX_FADV_NORMAL)
    static const int advices[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (offset > INT64_MAX || len > INT64_MAX)
        return E_INVAL;
    int r = posix_fadvise(f->host, (off_t)offset, (off_t)len, advices[advice]);
    return wasi_errno_of(r);
#else
    (void)offset;
    (void)len;
    return 0;
#endif
}

uint32_t w2p_wasi_fd_allocate(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint64_t len)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_ALLOCATE, &err);
    if (!f)
        return err;
    if (f->kind != FD_HOST || f->filetype == FT_DIR)
        return E_BADF;
    if (offset > INT64_MAX || len > INT64_MAX || offset + len > INT64_MAX)
        return E_INVAL;
    /* Grows the file to offset + len when shorter (what WASI asks), without
       posix_fallocate's emulation by writes. */
    struct stat st;
    if (fstat(f->host, &st) != 0)
        return fail();
    if ((uint64_t)st.st_size < offset + len && ftruncate(f->host, (off_t)(offset + len)) != 0)
        return fail();
    return 0;
}

uint32_t w2p_wasi_fd_close(w2p_ctx *ctx, uint32_t fd)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    fd_release(f);
    return 0;
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
    return sync_fd(w, fd, R_FD_DATASYNC, 1);
}

uint32_t w2p_wasi_fd_sync(w2p_ctx *ctx, uint32_t fd)
{
    ENTER(w);
    return sync_fd(w, fd, R_FD_SYNC, 0);
}

uint32_t w2p_wasi_fd_fdstat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    uint8_t *p = guest(w, out, 24);
    if (!p)
        return E_FAULT;
    memset(p, 0, 24);
    p[0] = f->filetype;
    put16(p + 2, f->flags);
    put64(p + 8, f->base);
    put64(p + 16, f->inheriting);
    return 0;
}

uint32_t w2p_wasi_fd_fdstat_set_flags(w2p_ctx *ctx, uint32_t fd, uint32_t flags)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, R_FD_FDSTAT_SET_FLAGS, &err);
    if (!f)
        return err;
    if (flags & ~(uint32_t)(FDF_APPEND | FDF_DSYNC | FDF_NONBLOCK | FDF_RSYNC | FDF_SYNC))
        return E_INVAL;
    /* Only APPEND and NONBLOCK can change on an open file (as on Linux). */
    if ((flags ^ f->flags) & (FDF_DSYNC | FDF_RSYNC | FDF_SYNC))
        return E_NOTSUP;
    if (f->kind == FD_HOST) {
        int fl = fcntl(f->host, F_GETFL);
        if (fl < 0)
            return fail();
        fl = (fl & ~(O_APPEND | O_NONBLOCK)) | (flags & FDF_APPEND ? O_APPEND : 0) |
             (flags & FDF_NONBLOCK ? O_NONBLOCK : 0);
        if (fcntl(f->host, F_SETFL, fl) != 0)
            return fail();
    }
    f->flags = (uint16_t)flags;
    return 0;
}

uint32_t w2p_wasi_fd_fdstat_set_rights(w2p_ctx *ctx, uint32_t fd, uint64_t base, uint64_t inheriting)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    /* Rights can only be dropped. */
    if ((base & ~f->base) || (inheriting & ~f->inheriting))
        return E_NOTCAPABLE;
    f->base = base;
    f->inheriting = inheriting;
    return 0;
}

void wasi_filestat_put(uint8_t *p, const struct stat *st, int unstable)
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
        return err;
    uint8_t *p = guest(w, out, unstable ? 56 : 64);
    if (!p)
        return E_FAULT;
    struct stat st;
    if (f->kind == FD_HOST) {
        if (fstat(f->host, &st) != 0)
            return fail();
    } else {
        memset(&st, 0, sizeof st);
        st.st_mode = S_IFCHR;
    }
    wasi_filestat_put(p, &st, unstable);
    if (f->kind == FD_HOST && S_ISSOCK(st.st_mode))
        p[16] = f->filetype;
    return 0;
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
        return err;
    if (f->kind != FD_HOST || f->filetype == FT_DIR)
        return E_BADF;
    if (size > INT64_MAX)
        return E_INVAL;
    if (ftruncate(f->host, (off_t)size) != 0)
        return fail();
    return 0;
}

int wasi_times_of(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec ts[2])
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
        return err;
    struct timespec ts[2];
    if (wasi_times_of(atim, mtim, flags, ts) != 0)
        return E_INVAL;
    if (f->kind != FD_HOST)
        return E_BADF;
    if (futimens(f->host, ts) != 0)
        return fail();
    return 0;
}

/* The guest's iovecs moved into iov (room for n of them, at most MAX_IOVS), then read or
   written; the count stored at out. */
WASI_INLINE uint32_t transfer_iovs(w2p_wasi *w, wasi_fd *f, int writing, uint32_t iovs, uint32_t n,
                                   int64_t offset, uint32_t out, struct iovec *iov)
{
    int count = wasi_iovs_get(w, iovs, n, iov);
    if (count < 0)
        return E_FAULT;
    size_t total;
    if (f->kind == FD_PYTHON) {
        if (offset >= 0)
            return E_SPIPE;
        total = py_transfer(w, f, writing, iov, count);
    } else {
        ssize_t r = host_transfer(f->host, writing, iov, count, offset);
        if (r < 0)
            return fail();
        total = (size_t)r;
    }
    return store32(w, out, (uint32_t)total);
}

/* Room for the most iovecs a call may pass (16 KiB), in a frame of its own: the usual
   call, of one buffer or a few, does not touch that much stack. */
static __attribute__((noinline)) uint32_t transfer_many(w2p_wasi *w, wasi_fd *f, int writing, uint32_t iovs,
                                                        uint32_t n, int64_t offset, uint32_t out)
{
    struct iovec iov[MAX_IOVS];
    return transfer_iovs(w, f, writing, iovs, n, offset, out, iov);
}

#define FEW_IOVS 8

/* fd_read, fd_write, fd_pread and fd_pwrite: offset < 0 for the fd's own position. */
WASI_INLINE uint32_t transfer(w2p_wasi *w, uint32_t fd, int writing, uint32_t iovs, uint32_t n, int64_t offset,
                              uint32_t out)
{
    uint32_t err;
    uint64_t rights = (writing ? R_FD_WRITE : R_FD_READ) | (offset >= 0 ? R_FD_SEEK : 0);
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    if (f->filetype == FT_DIR)
        return offset >= 0 && !writing ? E_ISDIR : E_BADF;
    if ((f->base & rights) != rights)
        return offset >= 0 && (f->base & R_FD_SEEK) == 0 ? E_SPIPE : E_BADF;
    if (!guest(w, out, 4))
        return E_FAULT;
    if (n > FEW_IOVS)
        return transfer_many(w, f, writing, iovs, n, offset, out);
    struct iovec iov[FEW_IOVS];
    return transfer_iovs(w, f, writing, iovs, n, offset, out, iov);
}

uint32_t w2p_wasi_fd_read(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out)
{
    ENTER(w);
    return transfer(w, fd, 0, iovs, n, -1, out);
}

uint32_t w2p_wasi_fd_write(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint32_t out)
{
    ENTER(w);
    return transfer(w, fd, 1, iovs, n, -1, out);
}

uint32_t w2p_wasi_fd_pread(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out)
{
    ENTER(w);
    if (offset > INT64_MAX)
        return E_INVAL;
    return transfer(w, fd, 0, iovs, n, (int64_t)offset, out);
}

uint32_t w2p_wasi_fd_pwrite(w2p_ctx *ctx, uint32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t out)
{
    ENTER(w);
    if (offset > INT64_MAX)
        return E_INVAL;
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    /* pwrite on an O_APPEND file appends on Linux: WASI writes at the offset, so the
       flag is dropped around it. */
    if (f && f->kind == FD_HOST && (f->flags & FDF_APPEND)) {
        int fl = fcntl(f->host, F_GETFL);
        if (fl >= 0 && fcntl(f->host, F_SETFL, fl & ~O_APPEND) == 0) {
            err = transfer(w, fd, 1, iovs, n, (int64_t)offset, out);
            fcntl(f->host, F_SETFL, fl);
            return err;
        }
    }
    return transfer(w, fd, 1, iovs, n, (int64_t)offset, out);
}

uint32_t w2p_wasi_fd_prestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t out)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    if (!f->preopen)
        return E_BADF;
    uint8_t *p = guest(w, out, 8);
    if (!p)
        return E_FAULT;
    memset(p, 0, 8);
    put32(p + 4, (uint32_t)strlen(f->preopen));
    return 0;
}

uint32_t w2p_wasi_fd_prestat_dir_name(w2p_ctx *ctx, uint32_t fd, uint32_t out, uint32_t len)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    if (!f->preopen)
        return E_BADF;
    size_t n = strlen(f->preopen);
    if (len < n)
        return E_NAMETOOLONG;
    uint8_t *p = guest(w, out, n);
    if (!p)
        return E_FAULT;
    memcpy(p, f->preopen, n);
    return 0;
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
        return err;
    if (f->filetype != FT_DIR || f->kind != FD_HOST)
        return E_NOTDIR;
    uint8_t *p = guest(w, buf, len);
    if (!p || !guest(w, out, 4))
        return E_FAULT;
    int dup_fd = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup_fd < 0)
        return fail();
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return fail();
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
        return err;
    return store32(w, out, used);
}

uint32_t w2p_wasi_fd_renumber(w2p_ctx *ctx, uint32_t from, uint32_t to)
{
    ENTER(w);
    uint32_t err;
    wasi_fd *f = fd_get(w, from, 0, &err);
    if (!f || !fd_get(w, to, 0, &err))
        return err;
    if (from != to) {
        fd_release(&w->fds[to]);
        w->fds[to] = *f;
        memset(f, 0, sizeof *f);
    }
    return 0;
}

static uint32_t fd_seek(w2p_ctx *ctx, uint32_t fd, uint64_t offset, uint32_t whence, uint32_t out, int unstable)
{
    ENTER(w);
    uint32_t err;
    /* wasi_unstable numbers whence CUR, END, SET. */
    static const int preview1[] = {SEEK_SET, SEEK_CUR, SEEK_END}, old[] = {SEEK_CUR, SEEK_END, SEEK_SET};
    if (whence > 2)
        return E_INVAL;
    int how = unstable ? old[whence] : preview1[whence];
    uint64_t rights = how == SEEK_CUR && offset == 0 ? R_FD_TELL : R_FD_SEEK | R_FD_TELL;
    wasi_fd *f = fd_get(w, fd, 0, &err);
    if (!f)
        return err;
    if (f->filetype == FT_DIR)
        return E_BADF;
    if ((f->base & rights) == 0 || f->kind != FD_HOST)
        return f->kind != FD_HOST || f->filetype != FT_FILE ? E_SPIPE : E_NOTCAPABLE;
    if (!guest(w, out, 8))
        return E_FAULT;
    off_t r = lseek(f->host, (off_t)(int64_t)offset, how);
    if (r < 0)
        return fail();
    return store64(w, out, (uint64_t)r);
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
