/* The lz4 program: an LZ4 frame round trip through the library's frame API (lz4frame.c
   over lz4.c, lz4hc.c and xxhash.c, as python-lz4's sdist carries them), set up like
   the lz4 command line's defaults: 4 MB independent blocks, a content checksum.
   level <= 2 is the fast compressor (lz4 -1), 3..12 the high-compression one (lz4 -9).
   Contexts come from our bump allocator through the library's custom-memory hooks. */
#define LZ4F_STATIC_LINKING_ONLY
#include "lz4frame.h"

#include "program.h"

static const LZ4F_CustomMem bump_memory = {bump_alloc_cb, bump_calloc_cb, bump_free_cb, NULL};

EXPORT(roundtrip) int32_t roundtrip(int32_t n, int32_t level) {
    if (!program_begin(n)) return RT_TOO_BIG;
    LZ4F_preferences_t prefs = {
        .frameInfo = {.blockSizeID = LZ4F_max4MB, .blockMode = LZ4F_blockIndependent,
                      .contentChecksumFlag = LZ4F_contentChecksumEnabled},
        .compressionLevel = level,
    };
    size_t bound = LZ4F_compressBound((size_t)n, &prefs) + LZ4F_HEADER_SIZE_MAX;
    uint8_t *compressed = bump_alloc(bound), *copy = bump_alloc((size_t)n);
    LZ4F_cctx *cctx = LZ4F_createCompressionContext_advanced(bump_memory, LZ4F_VERSION);
    LZ4F_dctx *dctx = LZ4F_createDecompressionContext_advanced(bump_memory, LZ4F_VERSION);
    if (!compressed || !copy || !cctx || !dctx) return RT_NO_MEMORY;

    size_t head = LZ4F_compressBegin(cctx, compressed, bound, &prefs);
    if (LZ4F_isError(head)) return RT_COMPRESS_FAILED;
    size_t body = LZ4F_compressUpdate(cctx, compressed + head, bound - head, input_area, (size_t)n, NULL);
    if (LZ4F_isError(body)) return RT_COMPRESS_FAILED;
    size_t tail = LZ4F_compressEnd(cctx, compressed + head + body, bound - head - body, NULL);
    if (LZ4F_isError(tail)) return RT_COMPRESS_FAILED;
    size_t compressed_size = head + body + tail;

    /* one call decodes the whole frame when the output has room for all of it; loop
       anyway, as the API allows it to stop early */
    size_t read = 0, written = 0, hint = 1;
    while (hint != 0) {
        size_t src_size = compressed_size - read, dst_size = (size_t)n - written;
        hint = LZ4F_decompress(dctx, copy + written, &dst_size, compressed + read, &src_size, NULL);
        if (LZ4F_isError(hint)) return RT_DECOMPRESS_FAILED;
        read += src_size;
        written += dst_size;
        if (src_size == 0 && dst_size == 0 && hint != 0) return RT_DECOMPRESS_FAILED; /* no progress */
    }
    return program_verdict(compressed, compressed_size, copy, written, (size_t)n);
}
