#!/bin/sh
# Rebuilds bench/simd/simd.wasm (clang's wasm32 SIMD: -msimd128) and simd_scalar.wasm (the
# same C without it) from bench/simd/simd.c; committed with their source.
set -eu
SIMD=$(cd "$(dirname "$0")" && pwd)/simd
CLANG=${CLANG:-clang}
FLAGS="--target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--strip-all -Wl,--export=simd_init -Wl,--export=blend -Wl,--export=dot"
"$CLANG" $FLAGS -msimd128 -o "$SIMD/simd.wasm" "$SIMD/simd.c"
"$CLANG" $FLAGS -o "$SIMD/simd_scalar.wasm" "$SIMD/simd.c"
echo "simd/simd.wasm simd/simd_scalar.wasm"
