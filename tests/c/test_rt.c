/* Edge cases of the C runtime (runtime_c/w2p_rt*.c), run by tests/test_runtime_c.py.
   Prints one line per failed check and exits non-zero if any failed. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "w2p_rt.h"

static void memory_grow_to_maximum(void)
{
    w2p_memory m;
    CHECK(w2p_memory_init(&m, 1, 3) == 0);
    CHECK(m.size == 65536);
    CHECK(w2p_memory_grow(&m, 2) == 1);
    CHECK(m.pages == 3 && m.size == 3 * 65536ull);
    m.data[3 * 65536 - 1] = 7; /* the last byte is writable */
    CHECK(w2p_memory_grow(&m, 1) == UINT32_MAX);
    CHECK(w2p_memory_grow(&m, 0) == 3);
    CHECK(w2p_memory_grow(&m, UINT32_MAX) == UINT32_MAX);
    w2p_memory_free(&m);
}

static void memory_without_maximum_reserves_4gib(void)
{
    w2p_memory m;
    CHECK(w2p_memory_init(&m, 0, 65536) == 0);
    CHECK(m.size == 0 && m.data != NULL);
    CHECK(w2p_memory_grow(&m, 65536) == 0);
    CHECK(m.size == 4294967296ull);
    m.data[4294967295ull] = 1;
    CHECK(w2p_memory_grow(&m, 1) == UINT32_MAX);
    w2p_memory_free(&m);
}

static void bulk_bounds_do_not_wrap_at_2_32(void)
{
    w2p_memory m;
    CHECK(w2p_memory_init(&m, 1, 1) == 0);
    CHECK(w2p_memory_fill(&m, 0xFFFFFFFFu, 1, 2) == -1);
    CHECK(w2p_memory_fill(&m, 65536, 1, 0) == 0);      /* empty at the end: fine */
    CHECK(w2p_memory_fill(&m, 65537, 1, 0) == -1);     /* empty past the end: traps */
    CHECK(w2p_memory_copy(&m, 0, &m, 0xFFFFFFF0u, 0x20) == -1);
    CHECK(w2p_memory_copy(&m, 1, &m, 0, 10) == 0);     /* overlapping: memmove */
    uint8_t data[4] = {1, 2, 3, 4};
    CHECK(w2p_memory_init_from(&m, 0, data, 4, 2, 3) == -1);
    CHECK(w2p_memory_init_from(&m, 65534, data, 4, 2, 2) == 0);
    CHECK(m.data[65535] == 4);
    CHECK(w2p_memory_init_from(&m, 65535, data, 4, 0, 2) == -1);
    w2p_memory_free(&m);
}

static void tables(void)
{
    w2p_table t;
    int a, b;
    CHECK(w2p_table_init(&t, W2P_FUNCREF, 2, 4) == 0);
    CHECK(t.elems[0] == NULL && t.elems[1] == NULL);
    CHECK(w2p_table_grow(&t, 2, &a) == 2);
    CHECK(t.size == 4 && t.elems[3] == &a);
    CHECK(w2p_table_grow(&t, 1, NULL) == UINT32_MAX);
    CHECK(w2p_table_fill(&t, 1, &b, 3) == 0 && t.elems[3] == &b && t.elems[0] == NULL);
    CHECK(w2p_table_fill(&t, 2, &b, 3) == -1);
    CHECK(w2p_table_copy(&t, 0, &t, 1, 3) == 0 && t.elems[0] == &b);
    CHECK(w2p_table_copy(&t, 0xFFFFFFFFu, &t, 0, 2) == -1);
    void *items[2] = {&a, &b};
    w2p_elem_segment seg = {items, 2};
    CHECK(w2p_table_init_from(&t, 3, &seg, 1, 1) == 0 && t.elems[3] == &b);
    CHECK(w2p_table_init_from(&t, 3, &seg, 0, 2) == -1);
    CHECK(w2p_table_init_from(&t, 0, &seg, 2, 0) == 0);
    CHECK(w2p_table_init_from(&t, 0, &seg, 3, 0) == -1);
    w2p_table_free(&t);
}

static void trap_names(void)
{
    CHECK(strcmp(w2p_trap_kind_name(W2P_TRAP_DIV_ZERO), "integer divide by zero") == 0);
    CHECK(strcmp(w2p_trap_kind_name(W2P_TRAP_EXHAUSTION), "call stack exhausted") == 0);
    CHECK(strcmp(w2p_trap_kind_name(W2P_TRAP_INTERRUPTED), "interrupted") == 0);
    CHECK(strcmp(w2p_trap_kind_name(999), "unknown trap") == 0);
}

static void trapping_entry(const w2p_func *f, const w2p_val *args, w2p_val *results)
{
    (void)args;
    results[0].i32 = 1;
    f->ctx->trap(W2P_TRAP_UNREACHABLE, "here");
    results[0].i32 = 2; /* not reached */
}

static void boundary_unwinds_and_nests(void)
{
    w2p_ctx ctx = {.requests = &w2p_no_requests, .poll = w2p_poll, .trap = w2p_trap_unwind};
    w2p_func f = {.ctx = &ctx, .entry = trapping_entry};
    w2p_val r;
    const char *where = NULL;
    CHECK(w2p_invoke(&f, NULL, &r, &where) == W2P_TRAP_UNREACHABLE);
    CHECK(r.i32 == 1 && where && strcmp(where, "here") == 0);
    /* After a trap the boundary is gone: a second call traps the same way. */
    CHECK(w2p_invoke(&f, NULL, &r, &where) == W2P_TRAP_UNREACHABLE);
}

static void trap_records(int kind, const char *where)
{
    (void)where;
    w2p_trap_unwind(kind, "recorded");
}

static void stack_check_entry(const w2p_func *f, const w2p_val *args, w2p_val *results)
{
    (void)args;
    char here;
    /* Bounds of another thread (a range not holding this frame): refreshed, no trap. */
    f->ctx->stack_floor = 4096;
    f->ctx->stack_span = 4096;
    w2p_stack_check(f->ctx, (uintptr_t)&here, "ok");
    results[0].i32 = (uintptr_t)&here - f->ctx->stack_floor <= f->ctx->stack_span;
    /* Below this thread's floor: exhausted. */
    w2p_stack_check(f->ctx, f->ctx->stack_floor - 16, "deep");
    results[0].i32 = 99;
}

static void stack_check_refreshes_or_traps(void)
{
    w2p_ctx ctx = {.requests = &w2p_no_requests, .poll = w2p_poll, .trap = trap_records};
    w2p_func f = {.ctx = &ctx, .entry = stack_check_entry};
    w2p_val r;
    const char *where = NULL;
    CHECK(w2p_invoke(&f, NULL, &r, &where) == W2P_TRAP_EXHAUSTION);
    CHECK(r.i32 == 1);
    CHECK(where && strcmp(where, "recorded") == 0);
}

/* Wasm code's poll (the template's POLL), in a loop that only a request ends. */
static void polling_entry(const w2p_func *f, const w2p_val *args, w2p_val *results)
{
    (void)args;
    for (results[0].i64 = 0;; results[0].i64++)
        if (*f->ctx->requests)
            f->ctx->poll(f->ctx, "loop");
}

static void polls_stop_on_interrupt_and_deadline(void)
{
    w2p_ctx ctx = {.requests = &w2p_no_requests, .poll = w2p_poll, .trap = w2p_trap_unwind};
    w2p_func f = {.ctx = &ctx, .entry = polling_entry};
    w2p_val r;
    const char *where = NULL;
    /* An interrupt asked before the call is void: it was for the call before. Here the
       deadline ends the call, found by the watchdog's next look. */
    w2p_interrupt_thread(w2p_this_thread());
    int64_t start = w2p_now();
    w2p_set_deadline(start + 20000000);
    CHECK(w2p_invoke(&f, NULL, &r, &where) == W2P_TRAP_INTERRUPTED);
    CHECK(where && strcmp(where, "loop") == 0 && r.i64 > 0);
    CHECK(w2p_now() - start >= 20000000);
    w2p_set_deadline(0);
    CHECK(w2p_deadline() == 0);
}

int main(void)
{
    stack_check_refreshes_or_traps();
    memory_grow_to_maximum();
    memory_without_maximum_reserves_4gib();
    bulk_bounds_do_not_wrap_at_2_32();
    tables();
    trap_names();
    boundary_unwinds_and_nests();
    polls_stop_on_interrupt_and_deadline();
    if (!failures)
        printf("all runtime checks passed\n");
    return failures != 0;
}
