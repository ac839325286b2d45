/* See bump.h. On wasm32 the arena is linear memory past the linker's __heap_base,
   grown with memory.grow on demand; natively it is a static array, which the OS
   zero-fills page by page on first touch just as memory.grow hands out zeroed pages. */
#include "bump.h"

#include <stdint.h>

#define BUMP_ALIGN 16u

#ifdef __wasm__
extern unsigned char __heap_base;
#define ARENA_START ((uintptr_t)&__heap_base)
#define WASM_PAGE 65536u

static int arena_reserve(uintptr_t end) {
    uintptr_t have = __builtin_wasm_memory_size(0) * WASM_PAGE;
    if (end <= have) return 1;
    uintptr_t pages = (end - have + WASM_PAGE - 1) / WASM_PAGE;
    return __builtin_wasm_memory_grow(0, pages) != (uintptr_t)-1;
}
#else
/* Room for the largest round trip (input, two output buffers, contexts) with margin. */
#define NATIVE_ARENA_BYTES ((size_t)256 << 20)
static _Alignas(16) unsigned char native_arena[NATIVE_ARENA_BYTES];
#define ARENA_START ((uintptr_t)native_arena)

static int arena_reserve(uintptr_t end) {
    return end <= ARENA_START + NATIVE_ARENA_BYTES;
}
#endif

static size_t used; /* bytes handed out since ARENA_START, rounded up to BUMP_ALIGN */

void *bump_alloc(size_t size) {
    size_t rounded = (size + BUMP_ALIGN - 1) & ~(size_t)(BUMP_ALIGN - 1);
    uintptr_t start = (ARENA_START + BUMP_ALIGN - 1) & ~(uintptr_t)(BUMP_ALIGN - 1);
    if (rounded < size || rounded > SIZE_MAX - used) return NULL;
    uintptr_t block = start + used;
    if (!arena_reserve(block + rounded)) return NULL;
    used += rounded;
    return (void *)block;
}

void *bump_calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    unsigned char *p = bump_alloc(count * size);
    /* released memory comes back dirty, so zero it every time */
    if (p) __builtin_memset(p, 0, count * size);
    return p;
}

size_t bump_mark(void) { return used; }

void bump_release(size_t mark) {
    if (mark < used) used = mark;
}

void *bump_alloc_cb(void *opaque, size_t size) {
    (void)opaque;
    return bump_alloc(size);
}

void *bump_calloc_cb(void *opaque, size_t size) {
    (void)opaque;
    return bump_calloc(1, size);
}

void bump_free_cb(void *opaque, void *address) {
    (void)opaque;
    (void)address;
}
