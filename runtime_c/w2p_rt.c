/*
 * w2p_rt.c: the wasm2pyext C runtime (declarations and docs in w2p_rt.h).
 *
 * Module-independent and free of Python: memories, tables, bulk operations, and the
 * trap boundary. Compiled once, into the shared shim object every built module links.
 */
#define _GNU_SOURCE
#include "w2p_rt.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define W2P_PAGE_SIZE 65536u
#define W2P_MAX_PAGES 65536u
/* An implementation limit on table sizes, so table.grow fails instead of allocating
   gigabytes (the spec lets it fail). */
#define W2P_MAX_TABLE_SIZE 10000000u

/* ---- Memories ---- */

int w2p_memory_init(w2p_memory *mem, uint32_t pages, uint32_t max_pages)
{
    /* Reserve the whole maximum (at least one page, so data is never NULL); commit only
       `pages`. Untouched pages cost no memory. */
    size_t reserve = (size_t)(max_pages ? max_pages : 1) * W2P_PAGE_SIZE;
    void *data = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED)
        return -1;
    if (pages && mprotect(data, (size_t)pages * W2P_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
        munmap(data, reserve);
        return -1;
    }
    mem->data = data;
    mem->size = (uint64_t)pages * W2P_PAGE_SIZE;
    mem->pages = pages;
    mem->max_pages = max_pages;
    mem->reserved = reserve;
    return 0;
}

void w2p_memory_free(w2p_memory *mem)
{
    if (mem->data)
        munmap(mem->data, mem->reserved);
    mem->data = NULL;
    mem->size = 0;
    mem->pages = 0;
}

uint32_t w2p_memory_grow(w2p_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    uint64_t new_pages = (uint64_t)old + delta;
    if (new_pages > mem->max_pages || new_pages > W2P_MAX_PAGES)
        return UINT32_MAX;
    if (delta && mprotect(mem->data + mem->size, (size_t)delta * W2P_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0)
        return UINT32_MAX;
    mem->pages = (uint32_t)new_pages;
    mem->size = new_pages * W2P_PAGE_SIZE;
    return old;
}

/* Whether [start, start + n) lies within a space of `size` (64-bit arithmetic: no wrap). */
static int in_bounds(uint64_t start, uint64_t n, uint64_t size)
{
    return start + n <= size;
}

int w2p_memory_fill(w2p_memory *mem, uint32_t dst, uint32_t value, uint32_t n)
{
    if (!in_bounds(dst, n, mem->size))
        return -1;
    memset(mem->data + dst, (int)(value & 0xFF), n);
    return 0;
}

int w2p_memory_copy(w2p_memory *dst_mem, uint32_t dst, w2p_memory *src_mem, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, dst_mem->size) || !in_bounds(src, n, src_mem->size))
        return -1;
    memmove(dst_mem->data + dst, src_mem->data + src, n);
    return 0;
}

int w2p_memory_init_from(w2p_memory *mem, uint32_t dst, const uint8_t *data, uint32_t data_len, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, mem->size) || !in_bounds(src, n, data_len))
        return -1;
    if (n)
        memcpy(mem->data + dst, data + src, n);
    return 0;
}

/* ---- Tables ---- */

int w2p_table_init(w2p_table *table, uint8_t elem_type, uint32_t size, uint32_t max)
{
    if (size > W2P_MAX_TABLE_SIZE)
        return -1;
    table->elems = calloc(size ? size : 1, sizeof(void *));
    if (!table->elems)
        return -1;
    table->size = size;
    table->max = max;
    table->elem_type = elem_type;
    return 0;
}

void w2p_table_free(w2p_table *table)
{
    free(table->elems);
    table->elems = NULL;
    table->size = 0;
}

uint32_t w2p_table_grow(w2p_table *table, uint32_t delta, void *init)
{
    uint32_t old = table->size;
    uint64_t new_size = (uint64_t)old + delta;
    if (new_size > table->max || new_size > W2P_MAX_TABLE_SIZE)
        return UINT32_MAX;
    if (delta) {
        void **elems = realloc(table->elems, (size_t)new_size * sizeof(void *));
        if (!elems)
            return UINT32_MAX;
        for (uint64_t i = old; i < new_size; i++)
            elems[i] = init;
        table->elems = elems;
        table->size = (uint32_t)new_size;
    }
    return old;
}

int w2p_table_fill(w2p_table *table, uint32_t dst, void *value, uint32_t n)
{
    if (!in_bounds(dst, n, table->size))
        return -1;
    for (uint32_t i = 0; i < n; i++)
        table->elems[dst + i] = value;
    return 0;
}

int w2p_table_copy(w2p_table *dst_table, uint32_t dst, w2p_table *src_table, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, dst_table->size) || !in_bounds(src, n, src_table->size))
        return -1;
    if (n)
        memmove(dst_table->elems + dst, src_table->elems + src, (size_t)n * sizeof(void *));
    return 0;
}

int w2p_table_init_from(w2p_table *table, uint32_t dst, const w2p_elem_segment *seg, uint32_t src, uint32_t n)
{
    if (!in_bounds(dst, n, table->size) || !in_bounds(src, n, seg->len))
        return -1;
    if (n)
        memcpy(table->elems + dst, seg->items + src, (size_t)n * sizeof(void *));
    return 0;
}

/* ---- The stack floor ---- */

/* Stack kept free below the floor: for the trap path, runtime calls and libc. */
#define W2P_STACK_RESERVE_MAX (256u * 1024u)

/* The calling thread's bounds, computed once per thread. */
static __thread uintptr_t thread_floor, thread_span;

static void thread_bounds(void)
{
    uintptr_t low = 0, size = 0;
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t len;
        if (pthread_attr_getstack(&attr, &addr, &len) == 0) {
            low = (uintptr_t)addr;
            size = len;
        }
        pthread_attr_destroy(&attr);
    }
    if (!size) {
        /* Unknown bounds: allow 512 KiB below the current frame. */
        char here;
        size = 1024 * 1024;
        low = (uintptr_t)&here - size / 2;
    }
    uintptr_t reserve = size / 8 < W2P_STACK_RESERVE_MAX ? size / 8 : W2P_STACK_RESERVE_MAX;
    thread_floor = low + reserve;
    thread_span = size - reserve;
}

void w2p_stack_bounds(w2p_ctx *ctx)
{
    if (!thread_floor)
        thread_bounds();
    ctx->stack_floor = thread_floor;
    ctx->stack_span = thread_span;
}

void w2p_stack_check(w2p_ctx *ctx, uintptr_t sp, const char *where)
{
    w2p_stack_bounds(ctx);
    if (sp < ctx->stack_floor)
        ctx->trap(W2P_TRAP_EXHAUSTION, where);
}

/* ---- Traps and the boundary ---- */

/* How traps unwind (a compile-time switch): GCC and Clang's __builtin_setjmp saves just
   the frame, stack and instruction pointers (the compiler spills live registers around
   it), far cheaper on every call than the C library's setjmp; W2P_LIBC_SETJMP selects
   the portable one. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(W2P_LIBC_SETJMP)
typedef void *w2p_jmp_buf[5];
#define W2P_SETJMP(buf) __builtin_setjmp(buf)
#define W2P_LONGJMP(buf) __builtin_longjmp(buf, 1)
#else
typedef jmp_buf w2p_jmp_buf;
#define W2P_SETJMP(buf) setjmp(buf)
#define W2P_LONGJMP(buf) longjmp(buf, 1)
#endif

/* One Python -> Wasm boundary: a jump target on the C stack, linked to the enclosing one. */
typedef struct w2p_boundary {
    w2p_jmp_buf target;
    struct w2p_boundary *outer;
    int kind;
    const char *where;
} w2p_boundary;

static __thread w2p_boundary *innermost;

void w2p_trap_unwind(int kind, const char *where)
{
    w2p_boundary *b = innermost;
    if (!b)
        abort(); /* Wasm code only runs below a boundary */
    b->kind = kind;
    b->where = where;
    W2P_LONGJMP(b->target);
}

int w2p_invoke(const w2p_func *f, const w2p_val *args, w2p_val *results, const char **where)
{
    /* b's address escapes (innermost), so it lives in memory and what w2p_trap_unwind
       wrote into it is still there after the longjmp. */
    w2p_boundary b;
    b.outer = innermost;
    b.kind = W2P_TRAP_NONE;
    b.where = NULL;
    /* No stack bounds to set: the first function entered finds ctx's bounds wrong (unset,
       or another thread's) and refreshes them (w2p_stack_check). */
    innermost = &b;
    if (W2P_SETJMP(b.target) == 0)
        f->entry(f, args, results);
    innermost = b.outer;
    *where = b.where;
    return b.kind;
}

static void instantiate_entry(const w2p_func *f, const w2p_val *args, w2p_val *results)
{
    (void)args;
    (void)results;
    ((void (*)(w2p_ctx *))f->fn)(f->ctx);
}

int w2p_instantiate(const w2p_module *module, w2p_ctx *instance, const char **where)
{
    w2p_func init = {NULL, (w2p_fnptr)module->instantiate, instance, instantiate_entry, 0};
    return w2p_invoke(&init, NULL, NULL, where);
}

const char *w2p_trap_kind_name(int kind)
{
    static const char *const names[] = {
        "none",
        "unreachable",
        "out of bounds memory access",
        "out of bounds table access",
        "undefined element",
        "uninitialized element",
        "indirect call type mismatch",
        "integer divide by zero",
        "integer overflow",
        "invalid conversion to integer",
        "call stack exhausted",
        "host exception",
    };
    if (kind < 0 || kind >= (int)(sizeof names / sizeof names[0]))
        return "unknown trap";
    return names[kind];
}
