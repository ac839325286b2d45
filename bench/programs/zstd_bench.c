/* The zstd program: a Zstandard round trip through the one-shot API of the single-file
   zstd.c that python-zstandard's sdist carries, set up like the zstd command line:
   the given level (3 is its default), a content checksum. Both contexts come from our
   bump allocator through the library's custom-memory hooks. */
#define ZSTD_STATIC_LINKING_ONLY
#include "zstd.h"

#include "program.h"

static const ZSTD_customMem bump_memory = {bump_alloc_cb, bump_free_cb, NULL};

EXPORT(roundtrip) int32_t roundtrip(int32_t n, int32_t level) {
    if (!program_begin(n)) return RT_TOO_BIG;
    size_t bound = ZSTD_compressBound((size_t)n);
    uint8_t *compressed = bump_alloc(bound), *copy = bump_alloc((size_t)n);
    ZSTD_CCtx *cctx = ZSTD_createCCtx_advanced(bump_memory);
    ZSTD_DCtx *dctx = ZSTD_createDCtx_advanced(bump_memory);
    if (!compressed || !copy || !cctx || !dctx) return RT_NO_MEMORY;
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level))
        || ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)))
        return RT_COMPRESS_FAILED;
    size_t compressed_size = ZSTD_compress2(cctx, compressed, bound, input_area, (size_t)n);
    if (ZSTD_isError(compressed_size)) return RT_COMPRESS_FAILED;
    size_t copy_size = ZSTD_decompressDCtx(dctx, copy, (size_t)n, compressed, compressed_size);
    if (ZSTD_isError(copy_size)) return RT_DECOMPRESS_FAILED;
    return program_verdict(compressed, compressed_size, copy, copy_size, (size_t)n);
}
