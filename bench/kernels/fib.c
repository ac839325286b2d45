/* fib(n), doubly recursive: the cost of Wasm -> Wasm calls. fib(32) = 2178309. */
#include "common.h"

EXPORT(fib) int32_t fib(int32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
