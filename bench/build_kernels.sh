#!/bin/sh
# Rebuilds bench/kernels/*.wasm from bench/kernels/*.c with Debian's clang + lld
# (apt-get install clang lld): wasm32, -O2, no libc, only the marked exports; then
# bench/programs/*.wasm with build_programs.sh.
set -eu
cd "$(dirname "$0")/kernels"
CLANG=${CLANG:-clang}
for src in *.c; do
    name=${src%.c}
    "$CLANG" --target=wasm32 -O2 -ffreestanding -nostdlib \
        -Wl,--no-entry -Wl,--strip-all -o "$name.wasm" "$src"
    echo "kernels/$name.wasm"
done
# the larger programs (lz4, zstd), whose sources come from PyPI sdists
sh ../build_programs.sh
