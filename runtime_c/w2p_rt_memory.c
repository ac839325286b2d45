/*
 * w2p_rt_memory.c: linear memories and tables, and their bulk operations (declared in
 * w2p_rt.h).
 *
 * Both reserve their address space up front, so their data never moves while the code,
 * views and other threads hold it; a memory of a guard-page module reserves every
 * address a Wasm access can form, and is made known to the fault handler
 * (w2p_rt_guard.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "w2p_rt_impl.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define W2P_PAGE_SIZE 65536u
#define W2P_MAX_PAGES 65536u
/* An implementation limit on table sizes, so table.grow fails instead of allocating
   gigabytes (the spec lets it fail). */
#define W2P_MAX_TABLE_SIZE 10000000u

/* ---- Memories ---- */

/* What a guarded memory reserves: every address a Wasm access can form (a u32 address
   plus a u32 offset, plus the access's width, rounded up to a page). */
#define W2P_GUARD_RESERVE ((size_t)2 * (1ull << 32) + W2P_PAGE_SIZE)

int w2p_memory_init(w2p_memory *mem, uint32_t pages, uint32_t max_pages)
{
    /* Reserve the address space up front (at least one page, so data is never NULL);
       commit only `pages`. Untouched pages cost no memory. */
    size_t reserve = (size_t)(max_pages ? max_pages : 1) * W2P_PAGE_SIZE;
    void *data = MAP_FAILED;
    if (W2P_GUARD_PAGES) {
        data = mmap(NULL, W2P_GUARD_RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (data != MAP_FAILED && rt_span_add((uintptr_t)data, (uintptr_t)data + W2P_GUARD_RESERVE) == 0) {
            reserve = W2P_GUARD_RESERVE;
        } else if (data != MAP_FAILED) {
            munmap(data, W2P_GUARD_RESERVE);
            data = MAP_FAILED;
        }
    }
    /* No room for a guarded one (a limited address space): the module must have been
       built with explicit bounds checks to use it (see w2p_memory_guarded). */
    if (data == MAP_FAILED)
        data = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED)
        return -1;
    if (pages && mprotect(data, (size_t)pages * W2P_PAGE_SIZE, PROT_READ | PROT_WRITE) != 0) {
        if (reserve == W2P_GUARD_RESERVE)
            rt_span_remove((uintptr_t)data);
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
    if (mem->data) {
        if (w2p_memory_guarded(mem))
            rt_span_remove((uintptr_t)mem->data);
        munmap(mem->data, mem->reserved);
    }
    mem->data = NULL;
    mem->size = 0;
    mem->pages = 0;
}

int w2p_memory_guarded(const w2p_memory *mem)
{
    return W2P_GUARD_PAGES && mem->reserved >= W2P_GUARD_RESERVE;
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

/* Bytes of whole pages holding n elements. */
static size_t table_bytes(uint64_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return ((size_t)n * sizeof(void *) + page - 1) / page * page;
}

int w2p_table_init(w2p_table *table, uint8_t elem_type, uint32_t size, uint32_t max)
{
    if (size > W2P_MAX_TABLE_SIZE)
        return -1;
    uint32_t cap = max < W2P_MAX_TABLE_SIZE ? max : W2P_MAX_TABLE_SIZE;
    table->reserved = 0;
    if (cap <= size) {
        /* It cannot grow: an allocation of its size (a system call less each). */
        table->elems = calloc(size ? size : 1, sizeof(void *));
        if (!table->elems)
            return -1;
    } else {
        size_t reserve = table_bytes(cap), commit = table_bytes(size);
        void *elems = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (elems == MAP_FAILED)
            return -1;
        if (commit && mprotect(elems, commit, PROT_READ | PROT_WRITE) != 0) {
            munmap(elems, reserve);
            return -1;
        }
        table->elems = elems;
        table->reserved = reserve;
    }
    table->size = size;
    table->max = max;
    table->elem_type = elem_type;
    return 0;
}

void w2p_table_free(w2p_table *table)
{
    if (table->reserved)
        munmap(table->elems, table->reserved);
    else
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
        size_t have = table_bytes(old), need = table_bytes(new_size);
        if (need > table->reserved)
            return UINT32_MAX;
        if (need > have && mprotect((char *)table->elems + have, need - have, PROT_READ | PROT_WRITE) != 0)
            return UINT32_MAX;
        for (uint64_t i = old; i < new_size; i++)
            table->elems[i] = init;
        /* The new elements are in place before the size says so. */
        __atomic_store_n(&table->size, (uint32_t)new_size, __ATOMIC_RELEASE);
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
