/* sieve(n): primes below n (n <= SIEVE_MAX) by the sieve of Eratosthenes over a byte
   array: integer work and byte loads/stores. sieve(8000000) = 539777. */
#include "common.h"

#define SIEVE_MAX (8u << 20)
static uint8_t composite[SIEVE_MAX];

EXPORT(sieve) int32_t sieve(int32_t n) {
    if (n < 2 || (uint32_t)n > SIEVE_MAX) return -1;
    for (int32_t i = 0; i < n; i++) composite[i] = 0;
    int32_t count = 0;
    for (int32_t i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        for (int64_t j = (int64_t)i * i; j < n; j += i) composite[j] = 1;
    }
    return count;
}
