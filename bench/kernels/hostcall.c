/* hostcall(n): calls the host's env.f(i) for i in 0..n-1 and sums the results; with
   f(x) = x it measures the cost of one Wasm -> host call. */
#include "common.h"

IMPORT(env, f) int32_t f(int32_t x);

EXPORT(hostcall) int32_t hostcall(int32_t n) {
    int32_t s = 0;
    for (int32_t i = 0; i < n; i++) s += f(i);
    return s;
}
