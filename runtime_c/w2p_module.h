/*
 * w2p_module.h: what every generated module's functions call, by name: traps, stack
 * room, polls and fuel, linear memory, tables, arithmetic that traps, bit counting,
 * floats and conversions. Module-independent, so it is C here rather than generated
 * (templates/module.c.j2 includes it), and tests/c/test_module_h.c tests it alone.
 *
 * The including file says which build it is, before the #include:
 *     W2P_BOUNDS_CHECKS  1: every memory access checked (--bounds-checks); 0: guard pages
 *     W2P_FUEL           1: the code is metered (--fuel)
 * The macros in capitals are what generated code writes: they take the instance from the
 * variable `inst` every generated function has (struct Instance, first member w2p_ctx)
 * and the function's own name for trap messages. Each helper is W2P_CODE: in the section
 * where the runtime's fault handler may turn a fault into a trap (w2p_rt.h).
 */
#ifndef W2P_MODULE_H
#define W2P_MODULE_H

#include <math.h>
#include <string.h>

#include "w2p_rt.h"
#include "w2p_simd.h"

#if !defined(W2P_BOUNDS_CHECKS) || !defined(W2P_FUEL)
#error "define W2P_BOUNDS_CHECKS and W2P_FUEL (0 or 1) before including w2p_module.h"
#endif

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

typedef struct Instance Instance;

/* ---- Traps, stack, polls, fuel ---- */

/* Traps unwind to the Python boundary through the context; `where` names the C function. */
__attribute__((noreturn, cold)) static W2P_CODE void trap(const w2p_ctx *ctx, int kind, const char *where)
{
    ctx->trap(kind, where);
    __builtin_unreachable();
}
#define TRAP(kind) trap(&inst->ctx, W2P_TRAP_##kind, __func__)

/* Before a call into the runtime, the C library or Python (memory.grow, table.grow, bulk
   memory and table operations, host functions): the caller's frame (of about `frame`
   bytes) must lie above the thread's floor, so that the callee runs in the stack kept
   free below it. A fault in its code could not be made a trap (it might hold a lock), so
   too little stack is "call stack exhausted" here, before the call. One unsigned compare
   also catches a frame outside the range entirely (the context was last used on another
   thread): the slow path sorts the two out. */
static inline W2P_CODE void stack_room(w2p_ctx *ctx, uintptr_t low, const char *where)
{
    if (UNLIKELY(low - ctx->stack_floor > ctx->stack_span))
        w2p_stack_check(ctx, low, where);
}
#define STACK_ROOM(frame) stack_room(&inst->ctx, (uintptr_t)__builtin_frame_address(0) - (frame), __func__)

#if W2P_BOUNDS_CHECKS
/* Call depth is bounded by stack space, not a count. Where the runtime catches faults
   (W2P_GUARD_PAGES), the thread's guard page bounds it for free, as in the guard-page
   build. Elsewhere (or with W2P_EXPLICIT_STACK_CHECKS) a function whose frame (of about
   `frame` bytes, the generator's estimate) would reach below the thread's floor traps
   with "call stack exhausted" before the C stack overflows; then every function may trap,
   and none is described to the runtime as unable to. */
#if W2P_GUARD_PAGES && !defined(W2P_EXPLICIT_STACK_CHECKS)
#define STACK_CHECK(frame) ((void)0)
#define CANNOT_TRAP W2P_FUNC_CANNOT_TRAP
#else
#define STACK_CHECK(frame) STACK_ROOM(frame)
#define CANNOT_TRAP 0
#endif
#else
/* Built for guard pages: call depth is bounded by the thread's stack itself. Running
   into its guard faults, and the runtime's handler turns that into "call stack
   exhausted" (frames of a page or more are probed page by page, so none skips it). */
#define CANNOT_TRAP W2P_FUNC_CANNOT_TRAP
#endif

/* Where code may run long, at every loop's head and on entry to a function that calls:
   a request to stop (an interrupt, a deadline, Ctrl-C) or to let other threads run is
   taken here. One load and a branch not taken, until the runtime asks (w2p_poll).
   Defining it empty (--cflags '-DPOLL()=') makes code nothing can stop. */
#ifndef POLL
#if defined(__x86_64__) && !defined(__AVX512F__) && !defined(W2P_C_POLL)
/* On x86-64 the poll calls the runtime from assembly, through a stub that saves every
   register a callee may change: to the compiler the call clobbers no register, and
   `asm inline` counts the whole poll as one instruction. A call in C, even one never
   made, costs a loop its caller-saved registers and makes GCC find small recursive
   functions too big to inline into themselves (fib took 2.2 times as long; 1.2 this way).
   The memory clobber on the taken branch only still lets the code see what Python (a
   signal handler, say) changed in the instance meanwhile. Builds with AVX-512 use the C
   poll: the stub does not save its registers (zmm16-31, the upper halves, the masks). */
#ifdef __clang__
#define POLL_NOT_CLONED __attribute__((used, noinline))
#define POLL_COLD /* clang has no cold labels */
#else
#define POLL_NOT_CLONED __attribute__((used, noinline, noipa))
#define POLL_COLD __attribute__((cold))
#endif
/* Called by name from the stub: one C function, never cloned or renamed. */
POLL_NOT_CLONED static W2P_CODE void poll_from_stub(w2p_ctx *ctx, const char *where)
{
    ctx->poll(ctx, where);
}

/* The vector registers a callee may clobber, each as op(number, offset as an SSE save,
   offset as an AVX save). With AVX the stub saves them whole (the ymm registers). */
#define POLL_VECTORS(op)                                                                      \
    op(0, 0, 0) op(1, 16, 32) op(2, 32, 64) op(3, 48, 96) op(4, 64, 128) op(5, 80, 160)      \
    op(6, 96, 192) op(7, 112, 224) op(8, 128, 256) op(9, 144, 288) op(10, 160, 320)           \
    op(11, 176, 352) op(12, 192, 384) op(13, 208, 416) op(14, 224, 448) op(15, 240, 480)
#ifdef __AVX__
#define POLL_VECTOR_BYTES "512"
#define POLL_SAVE(n, sse, avx) "\tvmovdqa %ymm" #n ", " #avx "(%rsp)\n"
#define POLL_RESTORE(n, sse, avx) "\tvmovdqa " #avx "(%rsp), %ymm" #n "\n"
#define POLL_CLEAN_UPPER "\tvzeroupper\n" /* the code it calls may not be built for AVX */
#else
#define POLL_VECTOR_BYTES "256"
#define POLL_SAVE(n, sse, avx) "\tmovdqa %xmm" #n ", " #sse "(%rsp)\n"
#define POLL_RESTORE(n, sse, avx) "\tmovdqa " #sse "(%rsp), %xmm" #n "\n"
#define POLL_CLEAN_UPPER
#endif

/* poll_stub: called with the context at 16(%rsp) and the function's name at 8(%rsp); it
   keeps the integer and vector registers the SysV ABI lets a callee clobber. */
__asm__("\t.pushsection w2p_code,\"ax\",@progbits\n"
        "\t.p2align 4\n"
        "poll_stub:\n"
        "\tpushq %rbp\n"
        "\tmovq %rsp, %rbp\n"
        "\tpushq %rax\n\tpushq %rcx\n\tpushq %rdx\n\tpushq %rsi\n\tpushq %rdi\n"
        "\tpushq %r8\n\tpushq %r9\n\tpushq %r10\n\tpushq %r11\n"
        "\tandq $-32, %rsp\n"
        "\tsubq $" POLL_VECTOR_BYTES ", %rsp\n"
        POLL_VECTORS(POLL_SAVE)
        POLL_CLEAN_UPPER
        "\tmovq 24(%rbp), %rdi\n"
        "\tmovq 16(%rbp), %rsi\n"
        "\tcall poll_from_stub\n"
        POLL_VECTORS(POLL_RESTORE)
        "\tleaq -72(%rbp), %rsp\n"
        "\tpopq %r11\n\tpopq %r10\n\tpopq %r9\n\tpopq %r8\n"
        "\tpopq %rdi\n\tpopq %rsi\n\tpopq %rdx\n\tpopq %rcx\n\tpopq %rax\n"
        "\tpopq %rbp\n"
        "\tret\n"
        "\t.popsection\n");

/* The taken branch's call, with operands [ctx] (a register) and [where] (the name, in
   memory): past the red zone (the function may keep data below %rsp), it pushes the
   context and the name (through %rax, which it gives back) and calls the stub. */
#define POLL_CALL_ASM                                                                        \
    "leaq -128(%%rsp), %%rsp\n\t"                                                            \
    "pushq %[ctx]\n\t"                                                                       \
    "pushq %%rax\n\t"                                                                        \
    "leaq %[where], %%rax\n\t"                                                               \
    "xchgq %%rax, (%%rsp)\n\t"                                                               \
    "call poll_stub\n\t"                                                                     \
    "leaq 144(%%rsp), %%rsp\n\t"
#define POLL()                                                                               \
    do {                                                                                     \
        __label__ requested, done;                                                           \
        __asm__ inline goto("cmpl $0, %[requests]\n\tjne %l[requested]"                      \
                            : : [requests] "m"(*inst->ctx.requests) : "cc" : requested);     \
        goto done;                                                                           \
    requested: POLL_COLD;                                                                    \
        __asm__ inline volatile(POLL_CALL_ASM                                                \
                                : : [ctx] "r"(&inst->ctx), [where] "m"(*__func__) : "cc", "memory"); \
    done:;                                                                                   \
    } while (0)
#else
#define POLL() do { if (UNLIKELY(*inst->ctx.requests)) inst->ctx.poll(&inst->ctx, __func__); } while (0)
#endif
#endif

#if W2P_FUEL
/* Fuel (built with --fuel): every Wasm instruction costs one unit, but for block, loop,
   else and end, which only mark structure. Code pays for a run of instructions (up to the
   next branch, call, if or unreachable, or a place a branch may land) as it enters it,
   from the context it runs in; a run the fuel left cannot pay for in full traps "out of
   fuel" before its first instruction, the fuel left untouched. */
__attribute__((noreturn, cold)) static W2P_CODE void out_of_fuel(w2p_ctx *ctx, int64_t cost, const char *where)
{
    ctx->fuel += cost;
    trap(ctx, W2P_TRAP_OUT_OF_FUEL, where);
}
#define FUEL(cost) do { if (UNLIKELY((inst->ctx.fuel -= (cost)) < 0)) out_of_fuel(&inst->ctx, cost, __func__); } while (0)
#endif

/* A call through a function reference enters another context (an instance or a host
   function): it inherits the caller's stack bounds and requests. */
static inline W2P_CODE w2p_ctx *enter(const w2p_func *f, const Instance *inst)
{
    const w2p_ctx *from = (const w2p_ctx *)inst;
    f->ctx->stack_floor = from->stack_floor;
    f->ctx->stack_span = from->stack_span;
    f->ctx->requests = from->requests;
    return f->ctx;
}

/* ---- Linear memory ----
   LOAD(T, mem, ea) and STORE(T, mem, ea, v) for each C type T a Wasm access reads (narrow
   loads then widen) or writes (narrow stores truncate); `mem` names the function's locals
   mem_base (and mem_size), ea is the address computed in 64 bits, so address + offset
   never wraps. A function using memory keeps its base in a local: the data never moves,
   its address space being reserved. */

/* The 8 bytes v128.load8x8_s and its kind, load64_zero and load64_splat read: a uint64_t,
   but one a forced load takes in a vector register, where those instructions use it
   (through a general register, each such load took two more instructions). */
typedef uint64_t w2p_v64;

#if W2P_BOUNDS_CHECKS
/* Every access checked. The size is in a local too, reloaded after every call and
   memory.grow, the only points where it can change. The check compares the address with
   size - width in signed 64 bits (below zero for a memory smaller than the access): the
   compiler keeps that limit in a register across a loop, which saves an add per access
   over testing ea + width > size. */
#define W2P_CHECKED_LOAD(T)                                                                               \
    static inline W2P_CODE T load_##T(const w2p_ctx *ctx, const char *where, const uint8_t *base, uint64_t size, \
                                      uint64_t ea)                                                        \
    {                                                                                                     \
        T v;                                                                                              \
        if (UNLIKELY((int64_t)ea > (int64_t)size - (int64_t)sizeof v))                                    \
            trap(ctx, W2P_TRAP_OOB_MEMORY, where);                                                        \
        memcpy(&v, base + ea, sizeof v);                                                                  \
        return v;                                                                                         \
    }
#define W2P_CHECKED_STORE(T)                                                                              \
    static inline W2P_CODE void store_##T(const w2p_ctx *ctx, const char *where, uint8_t *base, uint64_t size,  \
                                          uint64_t ea, T v)                                               \
    {                                                                                                     \
        if (UNLIKELY((int64_t)ea > (int64_t)size - (int64_t)sizeof v))                                    \
            trap(ctx, W2P_TRAP_OOB_MEMORY, where);                                                        \
        memcpy(base + ea, &v, sizeof v);                                                                  \
    }
W2P_CHECKED_LOAD(uint8_t)
W2P_CHECKED_LOAD(int8_t)
W2P_CHECKED_LOAD(uint16_t)
W2P_CHECKED_LOAD(int16_t)
W2P_CHECKED_LOAD(uint32_t)
W2P_CHECKED_LOAD(int32_t)
W2P_CHECKED_LOAD(uint64_t)
W2P_CHECKED_LOAD(w2p_v64)
W2P_CHECKED_LOAD(float)
W2P_CHECKED_LOAD(double)
W2P_CHECKED_LOAD(w2p_v128)
W2P_CHECKED_STORE(uint8_t)
W2P_CHECKED_STORE(uint16_t)
W2P_CHECKED_STORE(uint32_t)
W2P_CHECKED_STORE(uint64_t)
W2P_CHECKED_STORE(float)
W2P_CHECKED_STORE(double)
W2P_CHECKED_STORE(w2p_v128)
#define LOAD(T, mem, ea) load_##T(&inst->ctx, __func__, mem##_base, mem##_size, ea)
#define STORE(T, mem, ea, v) store_##T(&inst->ctx, __func__, mem##_base, mem##_size, ea, (T)(v))

#else
/* Guarded: every address an access can form lies in the memory's 8 GiB reservation,
   whose pages beyond the memory's size are inaccessible, so an access out of bounds
   faults and the runtime's handler makes that a trap. Accesses go unchecked.

   A load whose value might go unused must still fault: an empty asm that takes the value
   keeps the compiler from deleting it (LOAD_FORCED; the generator uses plain LOAD where
   the value surely flows into a store). */
#define FORCE_READ_INT(v) __asm__("" : : "r"(v))
#define FORCE_READ_VECTOR(v)                                            \
    do {                                                                \
        w2p_v128 in_vector_ = {(v), 0};                                 \
        FORCE_READ_FLOAT(in_vector_);                                   \
    } while (0)
#if defined(__x86_64__)
#define FORCE_READ_FLOAT(v) __asm__("" : : "x"(v))
#else
#define FORCE_READ_FLOAT(v) __asm__("" : : "w"(v))
#endif
/* A store is made where Wasm makes it, before any access after it that might fault: the
   compiler may neither move a later load or store above it (its scheduler put a faulting
   load first) nor sink it out of a loop (store motion kept a counter in a register and
   stored it after the loop, which a trap never reached). An empty asm that may touch
   any memory orders them; values in locals stay in registers across it. It also keeps
   loops that store from being vectorised (a vector store straddling the end of memory
   faults whole): matmul ran 1.8x slower, the other kernels within 2%. Defining it empty
   (--cflags '-DSTORE_MADE()=') gives that speed back, and with it stores before a trap
   that may be missing. */
#ifndef STORE_MADE
#define STORE_MADE() __asm__ volatile("" : : : "memory")
#endif
/* KIND: INT, FLOAT or VECTOR, the register class FORCE_READ takes T's values in. */
#define W2P_GUARDED_LOAD(T, KIND)                                                                         \
    static inline W2P_CODE T load_##T(const uint8_t *base, uint64_t ea)                                  \
    {                                                                                                     \
        T v;                                                                                              \
        memcpy(&v, base + ea, sizeof v);                                                                  \
        return v;                                                                                         \
    }                                                                                                     \
    static inline W2P_CODE T load_forced_##T(const uint8_t *base, uint64_t ea)                           \
    {                                                                                                     \
        T v = load_##T(base, ea);                                                                         \
        FORCE_READ_##KIND(v);                                                                             \
        return v;                                                                                         \
    }
#define W2P_GUARDED_STORE(T)                                                                              \
    static inline W2P_CODE void store_##T(uint8_t *base, uint64_t ea, T v)                               \
    {                                                                                                     \
        memcpy(base + ea, &v, sizeof v);                                                                  \
        STORE_MADE();                                                                                     \
    }
W2P_GUARDED_LOAD(uint8_t, INT)
W2P_GUARDED_LOAD(int8_t, INT)
W2P_GUARDED_LOAD(uint16_t, INT)
W2P_GUARDED_LOAD(int16_t, INT)
W2P_GUARDED_LOAD(uint32_t, INT)
W2P_GUARDED_LOAD(int32_t, INT)
W2P_GUARDED_LOAD(uint64_t, INT)
W2P_GUARDED_LOAD(w2p_v64, VECTOR)
W2P_GUARDED_LOAD(float, FLOAT)
W2P_GUARDED_LOAD(double, FLOAT)
W2P_GUARDED_LOAD(w2p_v128, FLOAT)
W2P_GUARDED_STORE(uint8_t)
W2P_GUARDED_STORE(uint16_t)
W2P_GUARDED_STORE(uint32_t)
W2P_GUARDED_STORE(uint64_t)
W2P_GUARDED_STORE(float)
W2P_GUARDED_STORE(double)
W2P_GUARDED_STORE(w2p_v128)
#define LOAD_FORCED(T, mem, ea) load_forced_##T(mem##_base, ea)
#if defined(__clang__)
/* Clang has no switch to keep dead stores, on which an unforced load relies. */
#define LOAD(T, mem, ea) LOAD_FORCED(T, mem, ea)
#else
#define LOAD(T, mem, ea) load_##T(mem##_base, ea)
#endif
#define STORE(T, mem, ea, v) store_##T(mem##_base, ea, (T)(v))
#endif

/* ---- Tables ---- */

static inline W2P_CODE void *table_get(const w2p_ctx *ctx, const char *where, const w2p_table *t, uint32_t i)
{
    if (UNLIKELY(i >= t->size))
        trap(ctx, W2P_TRAP_OOB_TABLE, where);
    return t->elems[i];
}

static inline W2P_CODE void table_set(const w2p_ctx *ctx, const char *where, w2p_table *t, uint32_t i, void *ref)
{
    if (UNLIKELY(i >= t->size))
        trap(ctx, W2P_TRAP_OOB_TABLE, where);
    t->elems[i] = ref;
}

/* call_indirect's checks: in range, not null, of the expected (interned) type. */
static inline W2P_CODE const w2p_func *table_func(const w2p_ctx *ctx, const char *where, const w2p_table *t, uint32_t i,
                                                  const w2p_functype *type)
{
    if (UNLIKELY(i >= t->size))
        trap(ctx, W2P_TRAP_UNDEFINED_ELEMENT, where);
    const w2p_func *f = t->elems[i];
    if (UNLIKELY(!f))
        trap(ctx, W2P_TRAP_UNINITIALIZED_ELEMENT, where);
    if (UNLIKELY(f->type != type))
        trap(ctx, W2P_TRAP_INDIRECT_CALL_MISMATCH, where);
    return f;
}

#define TABLE_GET(t, i) table_get(&inst->ctx, __func__, t, i)
#define TABLE_SET(t, i, ref) table_set(&inst->ctx, __func__, t, i, ref)
#define TABLE_FUNC(t, i, type) table_func(&inst->ctx, __func__, t, i, type)

/* ---- Integer arithmetic that traps ---- */

static inline W2P_CODE uint32_t i32_div_s(const w2p_ctx *ctx, const char *where, uint32_t a, uint32_t b)
{
    if (UNLIKELY(b == 0))
        trap(ctx, W2P_TRAP_DIV_ZERO, where);
    if (UNLIKELY(a == 0x80000000u && b == 0xFFFFFFFFu))
        trap(ctx, W2P_TRAP_INT_OVERFLOW, where);
    return (uint32_t)((int32_t)a / (int32_t)b);
}

static inline W2P_CODE uint32_t i32_rem_s(const w2p_ctx *ctx, const char *where, uint32_t a, uint32_t b)
{
    if (UNLIKELY(b == 0))
        trap(ctx, W2P_TRAP_DIV_ZERO, where);
    /* INT32_MIN % -1 is 0 in Wasm but undefined in C. */
    return b == 0xFFFFFFFFu ? 0 : (uint32_t)((int32_t)a % (int32_t)b);
}

static inline W2P_CODE uint64_t i64_div_s(const w2p_ctx *ctx, const char *where, uint64_t a, uint64_t b)
{
    if (UNLIKELY(b == 0))
        trap(ctx, W2P_TRAP_DIV_ZERO, where);
    if (UNLIKELY(a == 0x8000000000000000ull && b == 0xFFFFFFFFFFFFFFFFull))
        trap(ctx, W2P_TRAP_INT_OVERFLOW, where);
    return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline W2P_CODE uint64_t i64_rem_s(const w2p_ctx *ctx, const char *where, uint64_t a, uint64_t b)
{
    if (UNLIKELY(b == 0))
        trap(ctx, W2P_TRAP_DIV_ZERO, where);
    return b == 0xFFFFFFFFFFFFFFFFull ? 0 : (uint64_t)((int64_t)a % (int64_t)b);
}

/* Unsigned division and remainder trap only on a zero divisor. */
#define W2P_UNSIGNED_DIVISION(BITS)                                                                       \
    static inline W2P_CODE uint##BITS##_t i##BITS##_div_u(const w2p_ctx *ctx, const char *where, uint##BITS##_t a, \
                                                          uint##BITS##_t b)                               \
    {                                                                                                     \
        if (UNLIKELY(b == 0))                                                                             \
            trap(ctx, W2P_TRAP_DIV_ZERO, where);                                                          \
        return a / b;                                                                                     \
    }                                                                                                     \
    static inline W2P_CODE uint##BITS##_t i##BITS##_rem_u(const w2p_ctx *ctx, const char *where, uint##BITS##_t a, \
                                                          uint##BITS##_t b)                               \
    {                                                                                                     \
        if (UNLIKELY(b == 0))                                                                             \
            trap(ctx, W2P_TRAP_DIV_ZERO, where);                                                          \
        return a % b;                                                                                     \
    }
W2P_UNSIGNED_DIVISION(32)
W2P_UNSIGNED_DIVISION(64)

#define I32_DIV_S(a, b) i32_div_s(&inst->ctx, __func__, a, b)
#define I32_DIV_U(a, b) i32_div_u(&inst->ctx, __func__, a, b)
#define I32_REM_S(a, b) i32_rem_s(&inst->ctx, __func__, a, b)
#define I32_REM_U(a, b) i32_rem_u(&inst->ctx, __func__, a, b)
#define I64_DIV_S(a, b) i64_div_s(&inst->ctx, __func__, a, b)
#define I64_DIV_U(a, b) i64_div_u(&inst->ctx, __func__, a, b)
#define I64_REM_S(a, b) i64_rem_s(&inst->ctx, __func__, a, b)
#define I64_REM_U(a, b) i64_rem_u(&inst->ctx, __func__, a, b)

/* ---- Bit counting and rotation (counts taken modulo the width) ---- */

#define I32_CLZ(x) ((x) ? (uint32_t)__builtin_clz(x) : 32u)
#define I32_CTZ(x) ((x) ? (uint32_t)__builtin_ctz(x) : 32u)
#define I32_POPCNT(x) ((uint32_t)__builtin_popcount(x))
#define I64_CLZ(x) ((x) ? (uint64_t)__builtin_clzll(x) : 64u)
#define I64_CTZ(x) ((x) ? (uint64_t)__builtin_ctzll(x) : 64u)
#define I64_POPCNT(x) ((uint64_t)__builtin_popcountll(x))

static inline W2P_CODE uint32_t i32_rotl(uint32_t x, uint32_t n) { n &= 31; return (x << n) | (x >> ((32 - n) & 31)); }
static inline W2P_CODE uint32_t i32_rotr(uint32_t x, uint32_t n) { n &= 31; return (x >> n) | (x << ((32 - n) & 31)); }
static inline W2P_CODE uint64_t i64_rotl(uint64_t x, uint64_t n) { n &= 63; return (x << n) | (x >> ((64 - n) & 63)); }
static inline W2P_CODE uint64_t i64_rotr(uint64_t x, uint64_t n) { n &= 63; return (x >> n) | (x << ((64 - n) & 63)); }
#define I32_ROTL(x, n) i32_rotl(x, n)
#define I32_ROTR(x, n) i32_rotr(x, n)
#define I64_ROTL(x, n) i64_rotl(x, n)
#define I64_ROTR(x, n) i64_rotr(x, n)

/* ---- Floats ---- */

static inline W2P_CODE uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline W2P_CODE uint64_t f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline W2P_CODE float f32_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline W2P_CODE double f64_from_bits(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* min/max: a NaN operand gives a NaN (a + b quiets it), and -0 < +0. */
#define W2P_MIN_MAX(T, SFX)                                                                               \
    static inline W2P_CODE T SFX##_min(T a, T b)                                                          \
    {                                                                                                     \
        if (a != a || b != b)                                                                             \
            return a + b;                                                                                 \
        if (a == b)                                                                                       \
            return signbit(a) ? a : b;                                                                    \
        return a < b ? a : b;                                                                             \
    }                                                                                                     \
    static inline W2P_CODE T SFX##_max(T a, T b)                                                          \
    {                                                                                                     \
        if (a != a || b != b)                                                                             \
            return a + b;                                                                                 \
        if (a == b)                                                                                       \
            return signbit(a) ? b : a;                                                                    \
        return a > b ? a : b;                                                                             \
    }
W2P_MIN_MAX(float, f32)
W2P_MIN_MAX(double, f64)
#define F32_MIN(a, b) f32_min(a, b)
#define F32_MAX(a, b) f32_max(a, b)
#define F64_MIN(a, b) f64_min(a, b)
#define F64_MAX(a, b) f64_max(a, b)

/* Rounding keeps NaN payloads in libm but must quiet them in Wasm: x + x does. */
#define W2P_ROUNDING(T, SFX, OP, LIBM_FN)                                                                 \
    static inline W2P_CODE T SFX##_##OP(T x) { return x != x ? x + x : LIBM_FN(x); }
W2P_ROUNDING(float, f32, ceil, ceilf)
W2P_ROUNDING(float, f32, floor, floorf)
W2P_ROUNDING(float, f32, trunc, truncf)
W2P_ROUNDING(float, f32, nearest, nearbyintf)
W2P_ROUNDING(double, f64, ceil, ceil)
W2P_ROUNDING(double, f64, floor, floor)
W2P_ROUNDING(double, f64, trunc, trunc)
W2P_ROUNDING(double, f64, nearest, nearbyint)

/* Conversions between widths quiet NaNs too; written so the C compiler cannot fold a
   promote-demote pair back into the identity. */
static inline W2P_CODE double f64_promote_f32(float x) { double d = x; return d != d ? d + d : d; }
static inline W2P_CODE float f32_demote_f64(double d) { return d != d ? (float)(d + d) : (float)d; }

/* Float -> int: trapping (NaN: invalid conversion; out of range: overflow) and
   saturating (NaN -> 0, out of range -> the nearest bound). IN_RANGE tests x, comparing in
   double precision, where every bound is exact; CAST is the signed or unsigned C type the
   value converts through, INT the Wasm type's. */
#define W2P_FLOAT_TO_INT(NAME, INT, FLOAT, CAST, IN_RANGE, MIN, MAX)                                      \
    static inline W2P_CODE INT NAME(const w2p_ctx *ctx, const char *where, FLOAT x)                       \
    {                                                                                                     \
        if (UNLIKELY(!(IN_RANGE)))                                                                        \
            trap(ctx, x != x ? W2P_TRAP_INVALID_CONVERSION : W2P_TRAP_INT_OVERFLOW, where);               \
        return (INT)(CAST)x;                                                                              \
    }                                                                                                     \
    static inline W2P_CODE INT NAME##_sat(FLOAT x)                                                        \
    {                                                                                                     \
        if (IN_RANGE)                                                                                     \
            return (INT)(CAST)x;                                                                          \
        if (x != x)                                                                                       \
            return 0;                                                                                     \
        return x < 0 ? MIN : MAX;                                                                         \
    }
#define W2P_I32_S_RANGE (x > -2147483649.0 && x < 2147483648.0)
#define W2P_I32_U_RANGE (x > -1.0 && x < 4294967296.0)
#define W2P_I64_S_RANGE (x >= -9223372036854775808.0 && x < 9223372036854775808.0)
#define W2P_I64_U_RANGE (x > -1.0 && x < 18446744073709551616.0)
W2P_FLOAT_TO_INT(i32_trunc_s_f32, uint32_t, float, int32_t, W2P_I32_S_RANGE, 0x80000000u, 0x7fffffffu)
W2P_FLOAT_TO_INT(i32_trunc_s_f64, uint32_t, double, int32_t, W2P_I32_S_RANGE, 0x80000000u, 0x7fffffffu)
W2P_FLOAT_TO_INT(i32_trunc_u_f32, uint32_t, float, uint32_t, W2P_I32_U_RANGE, 0u, 0xffffffffu)
W2P_FLOAT_TO_INT(i32_trunc_u_f64, uint32_t, double, uint32_t, W2P_I32_U_RANGE, 0u, 0xffffffffu)
W2P_FLOAT_TO_INT(i64_trunc_s_f32, uint64_t, float, int64_t, W2P_I64_S_RANGE, 0x8000000000000000ull,
                 0x7fffffffffffffffull)
W2P_FLOAT_TO_INT(i64_trunc_s_f64, uint64_t, double, int64_t, W2P_I64_S_RANGE, 0x8000000000000000ull,
                 0x7fffffffffffffffull)
W2P_FLOAT_TO_INT(i64_trunc_u_f32, uint64_t, float, uint64_t, W2P_I64_U_RANGE, 0ull, 0xffffffffffffffffull)
W2P_FLOAT_TO_INT(i64_trunc_u_f64, uint64_t, double, uint64_t, W2P_I64_U_RANGE, 0ull, 0xffffffffffffffffull)
#define I32_TRUNC_S_F32(x) i32_trunc_s_f32(&inst->ctx, __func__, x)
#define I32_TRUNC_S_F64(x) i32_trunc_s_f64(&inst->ctx, __func__, x)
#define I32_TRUNC_U_F32(x) i32_trunc_u_f32(&inst->ctx, __func__, x)
#define I32_TRUNC_U_F64(x) i32_trunc_u_f64(&inst->ctx, __func__, x)
#define I64_TRUNC_S_F32(x) i64_trunc_s_f32(&inst->ctx, __func__, x)
#define I64_TRUNC_S_F64(x) i64_trunc_s_f64(&inst->ctx, __func__, x)
#define I64_TRUNC_U_F32(x) i64_trunc_u_f32(&inst->ctx, __func__, x)
#define I64_TRUNC_U_F64(x) i64_trunc_u_f64(&inst->ctx, __func__, x)
#define I32_TRUNC_SAT_S_F32(x) i32_trunc_s_f32_sat(x)
#define I32_TRUNC_SAT_S_F64(x) i32_trunc_s_f64_sat(x)
#define I32_TRUNC_SAT_U_F32(x) i32_trunc_u_f32_sat(x)
#define I32_TRUNC_SAT_U_F64(x) i32_trunc_u_f64_sat(x)
#define I64_TRUNC_SAT_S_F32(x) i64_trunc_s_f32_sat(x)
#define I64_TRUNC_SAT_S_F64(x) i64_trunc_s_f64_sat(x)
#define I64_TRUNC_SAT_U_F32(x) i64_trunc_u_f32_sat(x)
#define I64_TRUNC_SAT_U_F64(x) i64_trunc_u_f64_sat(x)

#endif /* W2P_MODULE_H */
