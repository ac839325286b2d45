#!/bin/sh
# Rebuilds bench/programs/{lz4,zstd}.wasm: our harness (bench/programs/*.c) around the
# lz4 and zstd C sources of the PyPI sdists pinned in programs/sources.txt, fetched with
# pip into bench/build/sources/ (not committed). wasm32, -O2, our freestanding libc
# (programs/libc/) and bump allocator, only the marked exports.
#   build_programs.sh            fetch the sources if missing, build both .wasm
#   build_programs.sh --fetch    only fetch (the native builds in run.py need the sources)
# Prints the source folders as "lz4=DIR" and "zstd=DIR" lines, then the .wasm built.
set -eu
BENCH=$(cd "$(dirname "$0")" && pwd)
PROGRAMS=$BENCH/programs
SOURCES=$BENCH/build/sources
PYTHON=${PYTHON:-python3}
CLANG=${CLANG:-clang}
LZ4_DIR=$SOURCES/lz4-4.4.5/lz4libs
ZSTD_DIR=$SOURCES/zstandard-0.25.0/zstd

if [ ! -f "$LZ4_DIR/lz4frame.c" ] || [ ! -f "$ZSTD_DIR/zstd.c" ]; then
    mkdir -p "$SOURCES"
    # sdists only (--no-binary), exactly the pinned files (--require-hashes)
    "$PYTHON" -m pip download -q --no-deps --no-binary :all: --require-hashes \
        -r "$PROGRAMS/sources.txt" -d "$SOURCES" >&2
    for sdist in "$SOURCES"/lz4-4.4.5.tar.gz "$SOURCES"/zstandard-0.25.0.tar.gz; do
        tar -xzf "$sdist" -C "$SOURCES"
    done
fi
echo "lz4=$LZ4_DIR"
echo "zstd=$ZSTD_DIR"
[ "${1:-}" = "--fetch" ] && exit 0

OBJ=$BENCH/build/programs-wasm
mkdir -p "$OBJ"
# -isystem libc/include: our string.h/stdlib.h/assert.h stand in for a libc's.
# The stack (1 MB: lz4 keeps its 16 KB state there) goes first, so an overflow traps
# instead of overwriting data.
CFLAGS="--target=wasm32 -O2 -ffreestanding -nostdlib -DNDEBUG -isystem $PROGRAMS/libc/include"
LDFLAGS="-Wl,--no-entry -Wl,--strip-all -Wl,--stack-first -Wl,-z,stack-size=1048576"
compile() { # compile OUT.o SRC [FLAGS...]
    out=$1 src=$2
    shift 2
    "$CLANG" $CFLAGS "$@" -c -o "$OBJ/$out" "$src"
}
# our libc must not have its loops recognised as calls to itself
compile libc.o "$PROGRAMS/libc/libc.c" -fno-builtin
compile bump.o "$PROGRAMS/bump.c"

compile lz4_bench.o "$PROGRAMS/lz4_bench.c" -I "$LZ4_DIR"
for f in lz4 lz4hc lz4frame xxhash; do
    compile "lz4_$f.o" "$LZ4_DIR/$f.c"
done
"$CLANG" $CFLAGS $LDFLAGS -o "$PROGRAMS/lz4.wasm" "$OBJ"/lz4_bench.o "$OBJ"/lz4_lz4.o \
    "$OBJ"/lz4_lz4hc.o "$OBJ"/lz4_lz4frame.o "$OBJ"/lz4_xxhash.o "$OBJ"/bump.o "$OBJ"/libc.o
echo "programs/lz4.wasm"

compile zstd_bench.o "$PROGRAMS/zstd_bench.c" -I "$ZSTD_DIR"
# zstd.c turns multithreading (pthreads) on everywhere but under Emscripten; this is its
# switch for a single-threaded build (it gates nothing else in zstd.c)
compile zstd_zstd.o "$ZSTD_DIR/zstd.c" -D__EMSCRIPTEN__
"$CLANG" $CFLAGS $LDFLAGS -o "$PROGRAMS/zstd.wasm" "$OBJ"/zstd_bench.o "$OBJ"/zstd_zstd.o \
    "$OBJ"/bump.o "$OBJ"/libc.o
echo "programs/zstd.wasm"
