/* The fixed part of generated modules (runtime_c/w2p_module.h) on its own, run by
   tests/test_runtime_c.py in both builds (-DW2P_BOUNDS_CHECKS=0 or 1): each helper's
   results and traps, called as generated code calls them (the macros, with `inst`).
   Prints one line per failed check and exits non-zero if any failed. */
#include <stdio.h>

#define W2P_FUEL 1
#include "w2p_module.h"

#include "check.h"

struct Instance {
    w2p_ctx ctx;
    uint32_t news; /* what a poll changes for the code to see (a signal handler, say) */
};

static Instance instance = {.ctx = {.requests = &w2p_no_requests, .poll = w2p_poll, .trap = w2p_trap_unwind}};

/* The trap kind of running `body` (an expression of `inst`) under a boundary, or NONE. */
typedef void (*body_fn)(Instance *inst);
static body_fn running;

static void run_entry(const w2p_func *f, const w2p_val *args, w2p_val *results)
{
    (void)f;
    (void)args;
    (void)results;
    running(&instance);
}

static int trap_of(body_fn body)
{
    w2p_func f = {.ctx = &instance.ctx, .entry = run_entry};
    const char *where = NULL;
    running = body;
    return w2p_invoke(&f, NULL, NULL, &where);
}

static volatile uint32_t a32, b32;
static volatile uint64_t a64, b64;
static volatile float xf;
static volatile double xd;
static volatile uint64_t sink;

#define BODY(name, expr) static void name(Instance *inst) { sink = (expr); }
BODY(div_by_zero, I32_DIV_S(a32, b32))
BODY(rem_u_by_zero, I64_REM_U(a64, b64))
BODY(div_overflow, I32_DIV_S(a32, b32))
BODY(trunc_f32_s, I32_TRUNC_S_F32(xf))
BODY(trunc_f64_u64, I64_TRUNC_U_F64(xd))
BODY(unreachable, (TRAP(UNREACHABLE), 0))

static void arithmetic(void)
{
    Instance *inst = &instance;
    CHECK(I32_DIV_S(7u, (uint32_t)-2) == (uint32_t)-3);
    CHECK(I32_REM_S(0x80000000u, 0xFFFFFFFFu) == 0); /* INT_MIN % -1: 0, not undefined */
    CHECK(I64_DIV_U(10, 3) == 3 && I64_REM_S((uint64_t)-7, 2) == (uint64_t)-1);
    a32 = 1, b32 = 0;
    CHECK(trap_of(div_by_zero) == W2P_TRAP_DIV_ZERO);
    a64 = 1, b64 = 0;
    CHECK(trap_of(rem_u_by_zero) == W2P_TRAP_DIV_ZERO);
    a32 = 0x80000000u, b32 = 0xFFFFFFFFu;
    CHECK(trap_of(div_overflow) == W2P_TRAP_INT_OVERFLOW);
    CHECK(trap_of(unreachable) == W2P_TRAP_UNREACHABLE);
    CHECK(I32_CLZ(0u) == 32 && I32_CTZ(8u) == 3 && I64_POPCNT(0xFFull) == 8 && I64_CLZ(0ull) == 64);
    CHECK(I32_ROTL(0x80000001u, 33u) == 0x00000003u && I64_ROTR(1ull, 65ull) == 0x8000000000000000ull);
}

static void conversions(void)
{
    Instance *inst = &instance;
    CHECK(I32_TRUNC_S_F64(-2147483648.9) == 0x80000000u);
    CHECK(I64_TRUNC_U_F32(1.5f) == 1);
    xf = NAN;
    CHECK(trap_of(trunc_f32_s) == W2P_TRAP_INVALID_CONVERSION);
    xf = 2147483648.0f;
    CHECK(trap_of(trunc_f32_s) == W2P_TRAP_INT_OVERFLOW);
    xd = -1.0;
    CHECK(trap_of(trunc_f64_u64) == W2P_TRAP_INT_OVERFLOW);
    xd = -0.99;
    CHECK(trap_of(trunc_f64_u64) == W2P_TRAP_NONE && sink == 0);
    CHECK(I32_TRUNC_SAT_S_F32(NAN) == 0 && I32_TRUNC_SAT_S_F32(-1e10f) == 0x80000000u);
    CHECK(I64_TRUNC_SAT_U_F64(1e30) == 0xffffffffffffffffull && I32_TRUNC_SAT_U_F64(-5.0) == 0);
}

static void floats(void)
{
    CHECK(signbit(F32_MIN(0.0f, -0.0f)) && !signbit(F64_MAX(-0.0, 0.0)));
    CHECK(isnan(F64_MIN(1.0, NAN)) && isnan(F32_MAX(NAN, 1.0f)));
    CHECK(f64_nearest(2.5) == 2.0 && f32_nearest(-3.5f) == -4.0f && f64_trunc(-1.7) == -1.0);
    CHECK(f32_bits(f32_ceil(f32_from_bits(0x7fa00000u))) == 0x7fe00000u); /* NaN quieted */
    CHECK(f64_bits(f64_promote_f32(f32_from_bits(0x7fa00000u))) >> 51 == 0xfff); /* quiet NaN */
}

static w2p_functype type_a = {"i>i", 1, 1}, type_b = {">", 0, 0};
static w2p_func target = {.type = &type_a};
static void *elems[2] = {&target, NULL};
static w2p_table table = {.elems = elems, .size = 2};
static volatile uint32_t index_;
static const w2p_functype *volatile wanted;

static void call_indirect(Instance *inst)
{
    sink = (uintptr_t)TABLE_FUNC(&table, index_, wanted);
}

static void tables(void)
{
    index_ = 0, wanted = &type_a;
    CHECK(trap_of(call_indirect) == W2P_TRAP_NONE && sink == (uintptr_t)&target);
    wanted = &type_b;
    CHECK(trap_of(call_indirect) == W2P_TRAP_INDIRECT_CALL_MISMATCH);
    index_ = 1;
    CHECK(trap_of(call_indirect) == W2P_TRAP_UNINITIALIZED_ELEMENT);
    index_ = 2;
    CHECK(trap_of(call_indirect) == W2P_TRAP_UNDEFINED_ELEMENT);
}

static w2p_memory memory;
static volatile uint64_t address;

static void store_then_load(Instance *inst)
{
    uint8_t *mem0_base = memory.data;
    uint64_t mem0_size = memory.size;
    (void)inst; /* the guarded build's accesses take no context */
    (void)mem0_size;
    STORE(uint32_t, mem0, address, 0x11223344u);
    sink = LOAD(uint16_t, mem0, address + 2);
}

static void memory_access(void)
{
    CHECK(w2p_memory_init(&memory, 1, 1) == 0);
    address = 65532;
    CHECK(trap_of(store_then_load) == W2P_TRAP_NONE && sink == 0x1122);
    CHECK(memory.data[65532] == 0x44); /* little-endian */
#if W2P_BOUNDS_CHECKS
    /* The guarded build traps here by the fault handler, which this test does not set up. */
    address = 65533;
    CHECK(trap_of(store_then_load) == W2P_TRAP_OOB_MEMORY);
    address = 0xFFFFFFFFull + 0xFFFFFFFFull; /* the largest address + offset: no wrap in the check */
    CHECK(trap_of(store_then_load) == W2P_TRAP_OOB_MEMORY);
#endif
    w2p_memory_free(&memory);
}

static void spend(Instance *inst)
{
    FUEL(10);
}

static void fuel(void)
{
    instance.ctx.fuel = 15;
    CHECK(trap_of(spend) == W2P_TRAP_NONE && instance.ctx.fuel == 5);
    CHECK(trap_of(spend) == W2P_TRAP_OUT_OF_FUEL && instance.ctx.fuel == 5); /* left untouched */
}

/* ---- Polls ---- */

static volatile uint32_t requests;
static volatile int polls;
static w2p_ctx *volatile polled_ctx;
static const char *volatile polled_where;

/* Takes the request, and leaves every register a callee may change scrambled, as the
   Python code a poll runs would. */
static void scrambling_poll(w2p_ctx *ctx, const char *where)
{
    polls++;
    polled_ctx = ctx;
    polled_where = where;
    requests = 0;
    ((Instance *)ctx)->news += 1000;
#if defined(__x86_64__)
#ifdef __AVX__
    __asm__ volatile("vxorps %%ymm0, %%ymm0, %%ymm0\n\tvxorps %%ymm1, %%ymm1, %%ymm1\n\t"
                     "vxorps %%ymm2, %%ymm2, %%ymm2\n\tvxorps %%ymm3, %%ymm3, %%ymm3\n\t"
                     "vxorps %%ymm4, %%ymm4, %%ymm4\n\tvxorps %%ymm5, %%ymm5, %%ymm5\n\t"
                     "vxorps %%ymm6, %%ymm6, %%ymm6\n\tvxorps %%ymm7, %%ymm7, %%ymm7\n\t"
                     "vxorps %%ymm8, %%ymm8, %%ymm8\n\tvxorps %%ymm9, %%ymm9, %%ymm9\n\t"
                     "vxorps %%ymm10, %%ymm10, %%ymm10\n\tvxorps %%ymm11, %%ymm11, %%ymm11\n\t"
                     "vxorps %%ymm12, %%ymm12, %%ymm12\n\tvxorps %%ymm13, %%ymm13, %%ymm13\n\t"
                     "vxorps %%ymm14, %%ymm14, %%ymm14\n\tvxorps %%ymm15, %%ymm15, %%ymm15"
                     : : : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
                       "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#endif
    __asm__ volatile("movq $-1, %%rax\n\tmovq $-1, %%rcx\n\tmovq $-1, %%rdx\n\tmovq $-1, %%rsi\n\t"
                     "movq $-1, %%rdi\n\tmovq $-1, %%r8\n\tmovq $-1, %%r9\n\tmovq $-1, %%r10\n\t"
                     "movq $-1, %%r11\n\tpcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\t"
                     "pcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\tpcmpeqd %%xmm4, %%xmm4\n\t"
                     "pcmpeqd %%xmm5, %%xmm5\n\tpcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
                     "pcmpeqd %%xmm8, %%xmm8\n\tpcmpeqd %%xmm9, %%xmm9\n\tpcmpeqd %%xmm10, %%xmm10\n\t"
                     "pcmpeqd %%xmm11, %%xmm11\n\tpcmpeqd %%xmm12, %%xmm12\n\tpcmpeqd %%xmm13, %%xmm13\n\t"
                     "pcmpeqd %%xmm14, %%xmm14\n\tpcmpeqd %%xmm15, %%xmm15"
                     : : : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm1",
                       "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                       "xmm12", "xmm13", "xmm14", "xmm15", "cc");
#endif
}

/* A loop keeping more values live than there are registers, integer and floating point,
   asking for a poll half-way; `poll` is the statement at the loop's head. */
#define STEP_F(v, k) v = v * (1.0 + k * 1e-6) - k * 1e-3
#define POLLED_LOOP(poll)                                                                  \
    uint64_t a = 1, b = 2, c = 3, d = 5, e = 7, f = 11, g = 13, h = 17, seen = 0;          \
    double x0 = 1, x1 = 2, x2 = 3, x3 = 4, x4 = 5, x5 = 6, x6 = 7, x7 = 8, x8 = 9, x9 = 10, \
           x10 = 11, x11 = 12, x12 = 13, x13 = 14, x14 = 15, x15 = 16, x16 = 17;           \
    for (uint32_t i = 0; i < n; i++) {                                                     \
        poll;                                                                              \
        seen += inst->news;                                                                \
        a += b ^ i, b += c * 3, c ^= d + i, d += e, e = e * 5 + f, f += g ^ a, g += h,     \
            h ^= a + b;                                                                    \
        STEP_F(x0, 1), STEP_F(x1, 2), STEP_F(x2, 3), STEP_F(x3, 4), STEP_F(x4, 5);         \
        STEP_F(x5, 6), STEP_F(x6, 7), STEP_F(x7, 8), STEP_F(x8, 9), STEP_F(x9, 10);        \
        STEP_F(x10, 11), STEP_F(x11, 12), STEP_F(x12, 13), STEP_F(x13, 14);                \
        STEP_F(x14, 15), STEP_F(x15, 16), STEP_F(x16, 17);                                 \
        if (i == n / 2)                                                                    \
            requests = 1;                                                                  \
    }                                                                                      \
    return a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ seen ^                                          \
           (uint64_t)(x0 + 2 * x1 + 3 * x2 + 4 * x3 + 5 * x4 + 6 * x5 + 7 * x6 + 8 * x7 +   \
                      9 * x8 + 10 * x9 + 11 * x10 + 12 * x11 + 13 * x12 + 14 * x13 +        \
                      15 * x14 + 16 * x15 + 17 * x16)

__attribute__((noinline)) static uint64_t polled_loop(Instance *inst, uint32_t n)
{
    POLLED_LOOP(POLL());
}

__attribute__((noinline)) static uint64_t called_loop(Instance *inst, uint32_t n)
{
    POLLED_LOOP(if (requests) scrambling_poll(&inst->ctx, "called_loop"));
}

#ifdef POLL_CALL_ASM
/* The call a poll makes from assembly keeps every register a callee may change: each is
   loaded from regs (9 integer registers, then the 16 vector ones, whole), the call made,
   and each stored after them. */
#ifdef __AVX__
#define VECTOR_BYTES 32
#define OUT "584"
#define LOAD_VECTOR(n, sse, avx) "vmovdqu 72+" #avx "(%%rbx), %%ymm" #n "\n\t"
#define STORE_VECTOR(n, sse, avx) "vmovdqu %%ymm" #n ", " OUT "+72+" #avx "(%%rbx)\n\t"
#else
#define VECTOR_BYTES 16
#define OUT "328"
#define LOAD_VECTOR(n, sse, avx) "movdqu 72+" #sse "(%%rbx), %%xmm" #n "\n\t"
#define STORE_VECTOR(n, sse, avx) "movdqu %%xmm" #n ", " OUT "+72+" #sse "(%%rbx)\n\t"
#endif
static void poll_call_keeps_every_register(void)
{
    enum { WORDS = 9 + 16 * VECTOR_BYTES / 8 };
    uint64_t regs[2 * WORDS];
    for (int i = 0; i < WORDS; i++)
        regs[i] = 0x0123456789abcdefull * (uint64_t)(i + 1), regs[WORDS + i] = 0;
    register w2p_ctx *ctx __asm__("r12") = &instance.ctx;
    __asm__ volatile("movq 0(%%rbx), %%rax\n\tmovq 8(%%rbx), %%rcx\n\tmovq 16(%%rbx), %%rdx\n\t"
                     "movq 24(%%rbx), %%rsi\n\tmovq 32(%%rbx), %%rdi\n\tmovq 40(%%rbx), %%r8\n\t"
                     "movq 48(%%rbx), %%r9\n\tmovq 56(%%rbx), %%r10\n\tmovq 64(%%rbx), %%r11\n\t"
                     POLL_VECTORS(LOAD_VECTOR)
                     POLL_CALL_ASM
                     "movq %%rax, " OUT "+0(%%rbx)\n\tmovq %%rcx, " OUT "+8(%%rbx)\n\t"
                     "movq %%rdx, " OUT "+16(%%rbx)\n\tmovq %%rsi, " OUT "+24(%%rbx)\n\t"
                     "movq %%rdi, " OUT "+32(%%rbx)\n\tmovq %%r8, " OUT "+40(%%rbx)\n\t"
                     "movq %%r9, " OUT "+48(%%rbx)\n\tmovq %%r10, " OUT "+56(%%rbx)\n\t"
                     "movq %%r11, " OUT "+64(%%rbx)\n\t"
                     POLL_VECTORS(STORE_VECTOR)
                     : : "b"(regs), [ctx] "r"(ctx), [where] "m"(*__func__)
                     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm2",
                       "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
                       "xmm13", "xmm14", "xmm15", "cc", "memory");
    CHECK(polls == 1 && polled_ctx == &instance.ctx);
    CHECK(polled_where && !strcmp(polled_where, "poll_call_keeps_every_register"));
    for (int i = 0; i < WORDS; i++)
        CHECK(regs[WORDS + i] == regs[i]);
}
#endif

/* The poll (on x86-64 a call from assembly) gives the code back every register as it was,
   lets it see what the poll changed in memory, and passes the context and the name. */
static void poll(void)
{
    Instance *inst = &instance;
    instance.ctx.requests = &requests;
    instance.ctx.poll = scrambling_poll;
    instance.news = 0;
    uint64_t expected = called_loop(inst, 1000);
    CHECK(polls == 1);
    instance.news = polls = 0;
    CHECK(polled_loop(inst, 1000) == expected);
    CHECK(polls == 1 && polled_ctx == &instance.ctx);
    CHECK(polled_where && !strcmp(polled_where, "polled_loop"));
#ifdef POLL_CALL_ASM
    polls = 0;
    poll_call_keeps_every_register();
#endif
    instance.ctx.requests = &w2p_no_requests;
    instance.ctx.poll = w2p_poll;
}

int main(void)
{
    arithmetic();
    conversions();
    floats();
    tables();
    memory_access();
    fuel();
    poll();
    if (!failures)
        printf("all module header checks passed\n");
    return failures != 0;
}
