/*
 * w2p_wasi_path.c: the WASI calls on paths (path_*), each beneath a directory fd.
 *
 * Paths are resolved one component at a time beneath that directory, with O_NOFOLLOW,
 * symbolic links expanded here: `..` above the start, absolute paths and links leading
 * out give ENOTCAPABLE.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_wasi_impl.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>

/* Symbolic links one path may expand, as Linux allows. */
#define MAX_SYMLINKS 40

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

uint32_t w2p_wasi_path_create_directory(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len)
{
    ENTER(w);
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_CREATE_DIRECTORY, path, len, 0, &r, NULL);
    if (err)
        return err;
    err = mkdirat(r.dir, r.name, 0777) != 0 ? fail() : 0;
    resolved_close(&r);
    return err;
}

static uint32_t path_filestat_get(w2p_ctx *ctx, uint32_t fd, uint32_t flags, uint32_t path, uint32_t len,
                                  uint32_t out, int unstable)
{
    ENTER(w);
    resolved r;
    uint8_t *p = guest(w, out, unstable ? 56 : 64);
    uint32_t err = path_get(w, fd, R_PATH_FILESTAT_GET, path, len, flags & 1, &r, NULL);
    if (err)
        return err;
    struct stat st;
    err = fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW) != 0 ? fail() : 0;
    if (!err && r.trailing && !S_ISDIR(st.st_mode))
        err = E_NOTDIR;
    resolved_close(&r);
    if (err)
        return err;
    if (!p)
        return E_FAULT;
    wasi_filestat_put(p, &st, unstable);
    return 0;
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
    if (wasi_times_of(atim, mtim, fst, ts) != 0)
        return E_INVAL;
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_FILESTAT_SET_TIMES, path, len, flags & 1, &r, NULL);
    if (err)
        return err;
    err = utimensat(r.dir, r.name, ts, AT_SYMLINK_NOFOLLOW) != 0 ? fail() : 0;
    resolved_close(&r);
    return err;
}

uint32_t w2p_wasi_path_link(w2p_ctx *ctx, uint32_t old_fd, uint32_t old_flags, uint32_t old_path, uint32_t old_len,
                            uint32_t new_fd, uint32_t new_path, uint32_t new_len)
{
    ENTER(w);
    resolved from, to;
    uint32_t err = path_get(w, old_fd, R_PATH_LINK_SOURCE, old_path, old_len, old_flags & 1, &from, NULL);
    if (err)
        return err;
    err = path_get(w, new_fd, R_PATH_LINK_TARGET, new_path, new_len, 0, &to, NULL);
    if (err) {
        resolved_close(&from);
        return err;
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
    return err;
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
        return E_FAULT;
    uint32_t err = path_get(w, fd, need, path, len, dirflags & 1, &r, &dir);
    if (err)
        return err;
    int read = (base & (R_FD_READ | R_FD_READDIR)) != 0;
    int write = (base & (R_FD_WRITE | R_FD_DATASYNC | R_FD_ALLOCATE | R_FD_FILESTAT_SET_SIZE)) != 0;
    int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    if (dir->readonly && (write || (oflags & (O_CREAT_ | O_TRUNC_)) || fdflags & FDF_APPEND)) {
        resolved_close(&r);
        return E_NOTCAPABLE;
    }
    /* A directory is opened for reading, its rights masked to a directory's; asking
       for O_DIRECTORY and FD_WRITE is EISDIR. */
    if (oflags & O_DIRECTORY_ || r.trailing) {
        flags |= O_DIRECTORY;
        if (oflags & O_DIRECTORY_ && base & R_FD_WRITE) {
            resolved_close(&r);
            return E_ISDIR;
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
        return E_ISDIR;
    }
    int host = openat(r.dir, r.name, flags, 0666);
    /* A directory opened for no particular access, without O_DIRECTORY, still opens. */
    if (host < 0 && errno == EISDIR && !(oflags & (O_CREAT_ | O_TRUNC_)) && write)
        host = openat(r.dir, r.name, (flags & ~(O_WRONLY | O_RDWR)) | O_RDONLY, 0666);
    err = host < 0 ? (errno == ELOOP && !(dirflags & 1) && !(flags & O_DIRECTORY) ? E_LOOP : fail()) : 0;
    resolved_close(&r);
    if (err)
        return err;
    struct stat st;
    int slot = fstat(host, &st) == 0 ? wasi_fd_alloc(w) : -1;
    if (slot < 0) {
        close(host);
        return E_NOMEM;
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
    return store32(w, out, (uint32_t)slot);
}

uint32_t w2p_wasi_path_readlink(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len, uint32_t buf,
                                uint32_t buf_len, uint32_t out)
{
    ENTER(w);
    resolved r;
    uint8_t *p = guest(w, buf, buf_len);
    if (!p || !guest(w, out, 4))
        return E_FAULT;
    uint32_t err = path_get(w, fd, R_PATH_READLINK, path, len, 0, &r, NULL);
    if (err)
        return err;
    char target[PATH_MAX + 1];
    ssize_t n = readlinkat(r.dir, r.name, target, sizeof target);
    err = n < 0 ? fail() : 0;
    resolved_close(&r);
    if (err)
        return err;
    if ((uint64_t)n > buf_len)
        n = buf_len;
    memcpy(p, target, (size_t)n);
    return store32(w, out, (uint32_t)n);
}

uint32_t w2p_wasi_path_remove_directory(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len)
{
    ENTER(w);
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_REMOVE_DIRECTORY, path, len, 0, &r, NULL);
    if (err)
        return err;
    if (strcmp(r.name, ".") == 0)
        err = E_INVAL;
    else if (unlinkat(r.dir, r.name, AT_REMOVEDIR) != 0)
        err = errno == EEXIST ? E_NOTEMPTY : fail();
    resolved_close(&r);
    return err;
}

uint32_t w2p_wasi_path_rename(w2p_ctx *ctx, uint32_t fd, uint32_t old_path, uint32_t old_len, uint32_t new_fd,
                              uint32_t new_path, uint32_t new_len)
{
    ENTER(w);
    resolved from, to;
    uint32_t err = path_get(w, fd, R_PATH_RENAME_SOURCE, old_path, old_len, 0, &from, NULL);
    if (err)
        return err;
    err = path_get(w, new_fd, R_PATH_RENAME_TARGET, new_path, new_len, 0, &to, NULL);
    if (err) {
        resolved_close(&from);
        return err;
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
    return err;
}

uint32_t w2p_wasi_path_symlink(w2p_ctx *ctx, uint32_t old_path, uint32_t old_len, uint32_t fd, uint32_t new_path,
                               uint32_t new_len)
{
    ENTER(w);
    const uint8_t *target = guest(w, old_path, old_len);
    if (!target)
        return E_FAULT;
    if (old_len == 0 || memchr(target, 0, old_len))
        return old_len == 0 ? E_NOENT : E_ILSEQ;
    /* A link to an absolute path would lead out of the sandbox. */
    if (target[0] == '/')
        return E_NOTCAPABLE;
    char *t = malloc((size_t)old_len + 1);
    if (!t)
        return E_NOMEM;
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
    return err;
}

uint32_t w2p_wasi_path_unlink_file(w2p_ctx *ctx, uint32_t fd, uint32_t path, uint32_t len)
{
    ENTER(w);
    resolved r;
    uint32_t err = path_get(w, fd, R_PATH_UNLINK_FILE, path, len, 0, &r, NULL);
    if (err)
        return err;
    struct stat st;
    if (r.trailing && fstatat(r.dir, r.name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        err = S_ISDIR(st.st_mode) ? E_ISDIR : E_NOTDIR;
    else if (unlinkat(r.dir, r.name, 0) != 0)
        err = fail();
    resolved_close(&r);
    return err;
}
