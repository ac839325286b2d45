/* A 16 MB buffer the host writes into: checksum_buffer() is its address; checksum(n)
   hashes its first n bytes (a 32-bit multiply-rotate over 32-bit words) and scrambles
   them in place, for the host to read back. Bulk copy in and out around a streaming loop. */
#include "common.h"

#define CHECKSUM_MAX (16u << 20)
static uint32_t buffer[CHECKSUM_MAX / 4];

#ifdef __wasm__
EXPORT(checksum_buffer) int32_t checksum_buffer(void) { return (int32_t)(uintptr_t)buffer; }
#else
uint8_t *checksum_buffer_native(void) { return (uint8_t *)buffer; } /* the native harness's */
#endif

EXPORT(checksum) int32_t checksum(int32_t n) {
    if (n < 0 || (uint32_t)n > CHECKSUM_MAX || (n & 3)) return -1;
    uint32_t h = 0x9747b28cu;
    for (int32_t i = 0; i < n / 4; i++) {
        uint32_t k = buffer[i] * 0xcc9e2d51u;
        k = (k << 15) | (k >> 17);
        h ^= k * 0x1b873593u;
        h = ((h << 13) | (h >> 19)) * 5u + 0xe6546b64u;
        buffer[i] ^= h;
    }
    return (int32_t)(h & 0x7fffffff);
}
