#!/bin/sh
# Rebuilds bench/wasi/*.wasm, the WASI commands of the bench's WASI part, from their C
# (clang --target=wasm32-wasi and the wasi-libc sysroot: apt-get install clang lld
# wasi-libc libclang-rt-14-dev-wasm32). The .wasm files are committed with their source.
set -eu
WASI=$(cd "$(dirname "$0")" && pwd)/wasi
CLANG=${CLANG:-clang}
for prog in write clock; do
    "$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-all -o "$WASI/$prog.wasm" "$WASI/$prog.c"
    echo "wasi/$prog.wasm"
done
