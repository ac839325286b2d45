/* sum(a, b): nothing but the cost of a call across the Python/Wasm boundary. */
#include "common.h"

EXPORT(sum) int32_t sum(int32_t a, int32_t b) { return a + b; }
