"""A real SIMD module: C kernels (tests/simd_c/kernels.c) built by clang with -msimd128,
run in both kinds of build and checked against Python's answers. The .wasm beside the
source is what clang 14 made of it:

    clang --target=wasm32 -nostdlib -O2 -msimd128 -Wl,--no-entry -Wl,--export-all \\
        -o kernels.wasm kernels.c

and is rebuilt here too when clang and wasm-ld are installed."""
from __future__ import annotations

import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

import wasm2pyext
from wasm2pyext.build import BuildOptions

HERE = Path(__file__).resolve().parent / "simd_c"
CLANG = ["clang", "--target=wasm32", "-nostdlib", "-O2", "-msimd128", "-Wl,--no-entry", "-Wl,--export-all"]
BUILDS = {"default": BuildOptions(), "bounds checks": BuildOptions(bounds_checks=True)}


def clang_can_build_wasm() -> bool:
    return shutil.which("clang") is not None and shutil.which("wasm-ld") is not None


def check_kernels(wasm: bytes, options: BuildOptions) -> None:
    ex = wasm2pyext.Module(wasm, options=options).instantiate().exports
    mem = ex.memory.uint8_view()
    a, b, out = ex.buffer(0), ex.buffer(1), ex.buffer(2)
    rng = random.Random(7)

    def fill(at: int, data: bytes) -> None:
        mem[at:at + len(data)] = list(data)

    # dot product of int16s, with a tail of 5 (not a multiple of 8)
    xs = [rng.randrange(-32768, 32768) for _ in range(1005)]
    ys = [rng.randrange(-32768, 32768) for _ in range(1005)]
    fill(a, struct.pack(f"<{len(xs)}h", *xs))
    fill(b, struct.pack(f"<{len(ys)}h", *ys))
    expect = sum(x * y for x, y in zip(xs, ys))
    assert ex.dot_i16(1005) == (expect + 2**31) % 2**32 - 2**31

    # byte scans
    data = bytes(rng.choice(b"abc\0") for _ in range(4099))
    fill(a, data)
    assert ex.count_byte(4099, ord("b")) == data.count(b"b")
    for start in (0, 1, 15, 16, 100, 4000):
        assert ex.find_zero(start) == data.index(b"\0", start)
    fill(a, b"x" * 65536)
    assert ex.find_zero(3) == -1

    # image blend (16 at a time, then a tail)
    xs8 = bytes(rng.randrange(256) for _ in range(1000))
    ys8 = bytes(rng.randrange(256) for _ in range(1000))
    fill(a, xs8)
    fill(b, ys8)
    ex.blend(1000, 77)
    assert bytes(mem[out:out + 1000]) == bytes((x * 77 + y * 178) >> 8 for x, y in zip(xs8, ys8))

    # floats: k * a + b rounded as f32 at each step, and a minimum
    fs = [rng.uniform(-1e3, 1e3) for _ in range(1003)]
    gs = [rng.uniform(-1e3, 1e3) for _ in range(1003)]
    fill(a, struct.pack(f"<{len(fs)}f", *fs))
    fill(b, struct.pack(f"<{len(gs)}f", *gs))
    ex.saxpy(1003, 1.5)
    f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]  # noqa: E731
    fs32, gs32 = [f32(x) for x in fs], [f32(x) for x in gs]
    assert list(struct.unpack("<1003f", bytes(mem[out:out + 4012]))) == [f32(f32(1.5 * x) + y) for x, y in zip(fs32, gs32)]
    assert ex.min_f32(1003) == min(fs32)
    assert ex.min_f32(0) == float("inf")


@pytest.mark.parametrize("build", BUILDS)
def test_clang_simd_kernels(build):
    check_kernels((HERE / "kernels.wasm").read_bytes(), BUILDS[build])


@pytest.mark.skipif(not clang_can_build_wasm(), reason="clang and wasm-ld (apt-get install clang lld) not installed")
def test_clang_simd_kernels_rebuilt_from_source(tmp_path):
    out = tmp_path / "kernels.wasm"
    subprocess.run(CLANG + ["-o", str(out), str(HERE / "kernels.c")], check=True, capture_output=True)
    wasm = out.read_bytes()
    assert b"\xfd" in wasm  # SIMD instructions there
    check_kernels(wasm, BuildOptions())
