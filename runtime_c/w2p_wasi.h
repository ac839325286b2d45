/*
 * w2p_wasi.h: WASI preview 1 (wasi_snapshot_preview1, and the wasi_unstable names) in C.
 *
 * Each instance that imports WASI functions gets a w2p_wasi: its arguments, environment,
 * file descriptor table (with rights; preopened directories held as directory fds),
 * and the memory its calls read and write. The runtime's functions are called by Wasm
 * code directly, through w2p_func like any import, with the w2p_wasi as their context.
 * Streams that are Python objects are read and written through w2p_wasi_py_io, which
 * the shim installs (shim/wasi.pxi); real file descriptors never reach Python.
 */
#ifndef W2P_WASI_H
#define W2P_WASI_H

#include <stddef.h>
#include <stdint.h>

#include "w2p_rt.h"

/* A WASI function, by name: its signature (as w2p_functype.sig) and its C functions
   for wasi_snapshot_preview1 and wasi_unstable. */
typedef struct w2p_wasi_import {
    const char *name;
    const char *sig;
    w2p_fnptr fn;
    w2p_fnptr unstable_fn;
} w2p_wasi_import;

/* The WASI function `name` of module `module`, or NULL (wasi_unstable calls its
   unstable_fn). */
const w2p_wasi_import *w2p_wasi_lookup(const char *module, const char *name);

typedef struct w2p_wasi w2p_wasi;

/* Reads or writes a Python stream: op 0 reads up to len bytes into buf, op 1 writes
   len bytes from buf; *done is the number of bytes moved. 0, or -1 with a Python
   exception set. Installed once by the shim. */
typedef int (*w2p_wasi_py_io_fn)(void *stream, int op, uint8_t *buf, size_t len, size_t *done);
void w2p_wasi_set_py_io(w2p_wasi_py_io_fn fn);

/* A new state owned by `owner` (a Python object, borrowed), or NULL (out of memory). */
w2p_wasi *w2p_wasi_new(void *owner);
void w2p_wasi_free(w2p_wasi *w);
/* Its context, what its functions' w2p_func.ctx must be. */
w2p_ctx *w2p_wasi_ctx(w2p_wasi *w);
/* The memory the calls use (an instance's export "memory"), or NULL for none. */
void w2p_wasi_set_memory(w2p_wasi *w, w2p_memory *mem);
/* args and environ: `count` NUL-terminated strings laid end to end in `buf` (copied).
   0 or -1 (out of memory). */
int w2p_wasi_set_args(w2p_wasi *w, const char *buf, size_t len, uint32_t count);
int w2p_wasi_set_env(w2p_wasi *w, const char *buf, size_t len, uint32_t count);
/* Stdio fd 0, 1 or 2: a host fd (borrowed, not closed) when host_fd >= 0, else the
   Python stream object `stream` (borrowed; the owner keeps it alive). 0 or an errno. */
int w2p_wasi_set_stdio(w2p_wasi *w, uint32_t fd, int host_fd, void *stream);
/* Opens host_path as a preopened directory named guest_name; 0 or a host errno. */
int w2p_wasi_preopen(w2p_wasi *w, const char *host_path, const char *guest_name, int readonly);
/* Hands a connected or listening socket (a host fd, duplicated) to the guest; 0 or a
   host errno. */
int w2p_wasi_add_socket(w2p_wasi *w, int host_fd);
/* The code of the last proc_exit on this thread. */
uint32_t w2p_wasi_exit_code(void);

#endif /* W2P_WASI_H */
