/* A WASI command for tests/wasi/test_wasi.py, built here with clang --target=wasm32-wasi.
   `probe COMMAND ARGS...`; path commands work on the raw WASI calls against fd 3 (the
   first preopen) with the path exactly as given, and print the WASI errno. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#define ALL_RIGHTS ((__wasi_rights_t)0x3FFFFFFF)

static int report(__wasi_errno_t e)
{
    printf("errno %d\n", (int)e);
    return 0;
}

static __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, int follow, __wasi_oflags_t oflags,
                              __wasi_rights_t rights, __wasi_fd_t *fd)
{
    return __wasi_path_open(dir, follow ? __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW : 0, path, oflags, rights, ALL_RIGHTS,
                            0, fd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        printf("argc %d\n", argc);
        return 0;
    }
    const char *cmd = argv[1];
    __wasi_fd_t fd;
    if (!strcmp(cmd, "echo")) { /* argv and environ, one a line */
        extern char **environ;
        printf("argc %d\n", argc);
        for (int i = 0; i < argc; i++)
            printf("arg %s\n", argv[i]);
        for (char **e = environ; *e; e++)
            printf("env %s\n", *e);
        return 0;
    }
    if (!strcmp(cmd, "open")) /* PATH [follow] */
        return report(open_at(3, argv[2], argc > 3, 0, __WASI_RIGHTS_FD_READ, &fd));
    if (!strcmp(cmd, "create"))
        return report(open_at(3, argv[2], 0, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, &fd));
    if (!strcmp(cmd, "write")) /* PATH TEXT: an existing file, opened for writing */
        return report(open_at(3, argv[2], 0, 0, __WASI_RIGHTS_FD_WRITE, &fd));
    if (!strcmp(cmd, "mkdir"))
        return report(__wasi_path_create_directory(3, argv[2]));
    if (!strcmp(cmd, "unlink"))
        return report(__wasi_path_unlink_file(3, argv[2]));
    if (!strcmp(cmd, "rmdir"))
        return report(__wasi_path_remove_directory(3, argv[2]));
    if (!strcmp(cmd, "symlink")) /* TARGET PATH */
        return report(__wasi_path_symlink(argv[2], 3, argv[3]));
    if (!strcmp(cmd, "rename"))
        return report(__wasi_path_rename(3, argv[2], 3, argv[3]));
    if (!strcmp(cmd, "link"))
        return report(__wasi_path_link(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, argv[2], 3, argv[3]));
    if (!strcmp(cmd, "stat")) {
        __wasi_filestat_t st;
        return report(__wasi_path_filestat_get(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, argv[2], &st));
    }
    if (!strcmp(cmd, "readlink")) {
        uint8_t buf[256];
        __wasi_size_t n;
        __wasi_errno_t e = __wasi_path_readlink(3, argv[2], buf, sizeof buf, &n);
        if (!e)
            printf("target %.*s\n", (int)n, buf);
        return report(e);
    }
    if (!strcmp(cmd, "below")) { /* DIR PATH: PATH opened from the directory DIR */
        __wasi_errno_t e = open_at(3, argv[2], 0, __WASI_OFLAGS_DIRECTORY,
                                   __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_PATH_OPEN, &fd);
        if (e)
            return report(e);
        return report(open_at(fd, argv[3], 1, 0, __WASI_RIGHTS_FD_READ, &fd));
    }
    if (!strcmp(cmd, "cat")) { /* PATH: its contents to stdout, through libc */
        char path[300];
        snprintf(path, sizeof path, "/%s", argv[2]);
        FILE *f = fopen(path, "rb");
        if (!f)
            return report(errno);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, stdout);
        fclose(f);
        return 0;
    }
    if (!strcmp(cmd, "copy")) { /* stdin to stdout, and "err: " + argv[2] to stderr */
        char buf[7];
        ssize_t n;
        while ((n = read(0, buf, sizeof buf)) > 0)
            write(1, buf, (size_t)n);
        if (argc > 2)
            fprintf(stderr, "err: %s", argv[2]);
        return 0;
    }
    if (!strcmp(cmd, "exit"))
        exit(atoi(argv[2]));
    if (!strcmp(cmd, "sleep")) { /* NS [abs]: a clock subscription; the elapsed time */
        __wasi_timestamp_t t0, t1, ns = strtoull(argv[2], NULL, 10);
        if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t0))
            return 1;
        __wasi_subscription_t sub = {.userdata = 42, .u.tag = __WASI_EVENTTYPE_CLOCK};
        sub.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        sub.u.u.clock.timeout = argc > 3 ? t0 + ns : ns;
        sub.u.u.clock.flags = argc > 3 ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
        __wasi_event_t ev;
        __wasi_size_t n;
        __wasi_errno_t e = __wasi_poll_oneoff(&sub, &ev, 1, &n);
        if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t1))
            return 1;
        printf("events %u userdata %llu type %d error %d elapsed %llu\n", (unsigned)n,
               (unsigned long long)ev.userdata, (int)ev.type, (int)ev.error, (unsigned long long)(t1 - t0));
        return report(e);
    }
    if (!strcmp(cmd, "random")) {
        uint8_t buf[16];
        __wasi_errno_t e = __wasi_random_get(buf, sizeof buf);
        for (int i = 0; i < 16; i++)
            printf("%02x", buf[i]);
        printf("\n");
        return report(e);
    }
    if (!strcmp(cmd, "sock")) { /* FD: accepts nothing; echoes what it receives, upper-cased */
        __wasi_fd_t s = (__wasi_fd_t)atoi(argv[2]);
        uint8_t buf[64];
        __wasi_iovec_t iov = {buf, sizeof buf};
        __wasi_size_t n;
        __wasi_roflags_t ro;
        __wasi_errno_t e = __wasi_sock_recv(s, &iov, 1, 0, &n, &ro);
        if (e)
            return report(e);
        for (__wasi_size_t i = 0; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'z')
                buf[i] -= 32;
        __wasi_ciovec_t out = {buf, n};
        e = __wasi_sock_send(s, &out, 1, 0, &n);
        if (!e)
            e = __wasi_sock_shutdown(s, __WASI_SDFLAGS_WR);
        return report(e);
    }
    if (!strcmp(cmd, "accept")) { /* FD: accepts one connection and sends "hello" */
        __wasi_fd_t c;
        __wasi_errno_t e = __wasi_sock_accept((__wasi_fd_t)atoi(argv[2]), 0, &c);
        if (e)
            return report(e);
        __wasi_ciovec_t out = {(const uint8_t *)"hello", 5};
        __wasi_size_t n;
        e = __wasi_sock_send(c, &out, 1, 0, &n);
        return report(e ? e : __wasi_fd_close(c));
    }
    if (!strcmp(cmd, "notsock")) /* sock_shutdown on a non-socket */
        return report(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR));
    printf("unknown command %s\n", cmd);
    return 2;
}
