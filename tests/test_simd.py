"""Fixed-width SIMD end to end: v128 across the Python boundary (arguments, results, Values,
globals, host functions, stubs), edge cases of the lane semantics run as Wasm, and v128
memory accesses out of bounds trapping in every kind of build. (The helpers alone:
tests/c/test_simd.c; the spec's simd_* files: tests/spec.)"""
from __future__ import annotations

import pickle
from pathlib import Path
import struct

import pytest

import wasm2pyext
from wasm2pyext import Trap, Value
from wasm2pyext.build import BuildOptions, front_end
from wasm2pyext.stubs import generate_stub

from wat import wat

BUILDS = {"default": BuildOptions(), "bounds checks": BuildOptions(bounds_checks=True)}

LANES = wat(r"""
(module
  (import "env" "host" (func $host (param v128 i32) (result v128)))
  (memory (export "memory") 1)
  (global $private (mut v128) (v128.const i32x4 1 2 3 4))
  (global (export "shared") (mut v128) (v128.const i64x2 5 6))
  (func (export "add") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "split") (param v128) (result i64 v128 i64)
    (i64x2.extract_lane 0 (local.get 0)) (local.get 0) (i64x2.extract_lane 1 (local.get 0)))
  (func (export "zero") (result v128) (local v128) (local.get 0))
  (func (export "private") (result v128)
    (global.set $private (i32x4.mul (global.get $private) (global.get $private)))
    (global.get $private))
  (func (export "via_host") (param v128) (result v128)
    (call $host (local.get 0) (i32.const 3)))
  (func (export "swizzle") (param v128 v128) (result v128) (i8x16.swizzle (local.get 0) (local.get 1)))
  (func (export "shuffle") (param v128 v128) (result v128)
    (i8x16.shuffle 31 0 16 15 1 17 2 18 3 19 4 20 5 21 6 30 (local.get 0) (local.get 1)))
  (func (export "fmin") (param v128 v128) (result v128) (f32x4.min (local.get 0) (local.get 1)))
  (func (export "fnearest") (param v128) (result v128) (f32x4.nearest (local.get 0)))
  (func (export "trunc_sat") (param v128) (result v128) (i32x4.trunc_sat_f32x4_s (local.get 0)))
  (func (export "add_sat") (param v128 v128) (result v128) (i8x16.add_sat_s (local.get 0) (local.get 1)))
  (func (export "narrow") (param v128 v128) (result v128) (i8x16.narrow_i16x8_u (local.get 0) (local.get 1)))
  (func (export "shl") (param v128 i32) (result v128) (i16x8.shl (local.get 0) (local.get 1)))
  (func (export "select") (param v128 v128 i32) (result v128) (select (local.get 0) (local.get 1) (local.get 2)))
)
""")


def f32x4(*xs: float) -> bytes:
    return struct.pack("<4f", *xs)


def u32x4(v: int) -> tuple[int, ...]:
    return struct.unpack("<4I", v.to_bytes(16, "little"))


def host(v, n):
    assert isinstance(v, int)
    return (v << n) & (2**128 - 1)


@pytest.fixture(scope="module")
def ex():
    return wasm2pyext.Instance(LANES, {"env": {"host": host}}).exports


# ---- Values ----

def test_value_v128_from_int_or_16_bytes():
    v = Value.v128(2**128 - 1)
    assert (v.type, v.bits, v.value) == ("v128", 2**128 - 1, 2**128 - 1)
    assert Value.v128(bytes(range(16))) == Value.v128(int.from_bytes(bytes(range(16)), "little"))
    assert Value.v128(bytearray(16)).bits == 0
    assert hash(Value.v128(2**100)) == hash(Value.v128(2**100 + 0))
    assert Value.v128(5) != Value.i64(5)
    assert pickle.loads(pickle.dumps(Value.v128(2**127))) == Value.v128(2**127)


@pytest.mark.parametrize("bad, error", [(-1, OverflowError), (2**128, OverflowError), (b"\0" * 15, ValueError),
                                        (1.0, TypeError), ("16 characters..", TypeError)])
def test_value_v128_refuses_what_is_not_128_bits(bad, error):
    with pytest.raises(error):
        Value.v128(bad)


# ---- calls ----

def test_v128_arguments_as_int_bytes_or_value_and_results_as_unsigned_ints(ex):
    one = 1 | 2 << 32 | 3 << 64 | 4 << 96
    assert u32x4(ex.add(one, bytes(16))) == (1, 2, 3, 4)
    assert u32x4(ex.add(Value.v128(one), Value.v128(2**128 - 1))) == (0, 1, 2, 3)
    assert ex.add(2**128 - 1, 0) == 2**128 - 1  # unsigned, not -1
    assert ex.zero() == 0  # locals start at zero
    with pytest.raises(TypeError):
        ex.add(Value.i64(1), 0)
    with pytest.raises(OverflowError):
        ex.add(-1, 0)


def test_v128_among_several_results_and_in_call_values(ex):
    v = 7 | (2**64 - 1) << 64
    assert ex.split(v) == (7, v, -1)
    assert ex.split.call_values(v) == (Value.i64(7), Value.v128(v), Value.i64(-1))


def test_v128_globals_private_and_exported(ex):
    assert u32x4(ex.private()) == (1, 4, 9, 16)
    g = ex.shared
    assert g.type == "v128" and g.value == 5 | 6 << 64 and g.typed_value == Value.v128(5 | 6 << 64)
    g.value = bytes([0xFF] * 16)
    assert g.value == 2**128 - 1


def test_v128_through_a_host_function(ex):
    assert ex.via_host(1) == 8
    assert ex.via_host(2**127) == 0


def test_v128_global_imported():
    wasm = wat('(module (import "m" "g" (global $g (mut v128)))'
               ' (func (export "bump") (global.set $g (i64x2.add (global.get $g) (v128.const i64x2 1 1)))))')
    g = wasm2pyext.Global(Value.v128(2**64 - 1), mutable=True)
    wasm2pyext.Instance(wasm, {"m": {"g": g}}).exports.bump()
    assert g.value == 1 << 64  # lane 0 wrapped, lane 1 counted


def test_stubs_say_int_for_v128():
    stub = generate_stub(front_end(LANES), "lanes")
    assert "    def add(self, p0: int, p1: int, /) -> int: ..." in stub
    assert "    def split(self, p0: int, /) -> tuple[int, int, int]: ..." in stub
    assert "    def v128(x: Union[int, bytes]) -> Value: ..." in stub


# ---- lane semantics, as Wasm ----

def test_swizzle_indices_out_of_range_select_zero(ex):
    table = bytes(range(0x40, 0x50))
    idx = bytes([15, 0, 16, 0x80, 0xFF, 31, 1, 14, 17, 2, 3, 4, 5, 6, 7, 8])
    got = ex.swizzle(table, idx).to_bytes(16, "little")
    assert got == bytes([0x4F, 0x40, 0, 0, 0, 0, 0x41, 0x4E, 0, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48])


def test_shuffle_takes_lanes_from_both(ex):
    got = ex.shuffle(bytes(range(16)), bytes(range(16, 32))).to_bytes(16, "little")
    assert got == bytes([31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 30])


def test_float_lanes_nan_zero_signs_and_rounding(ex):
    nan_bits = 0x7FA00001  # signalling, with payload
    a = struct.pack("<fffI", -0.0, 0.0, 1.0, nan_bits)
    b = struct.pack("<fffI", 0.0, -0.0, float("nan"), 0x3F800000)
    lanes = u32x4(ex.fmin(a, b))
    assert lanes[0] == lanes[1] == 0x80000000  # -0 < +0 either way
    assert lanes[2] & 0x7FC00000 == 0x7FC00000 and lanes[3] & 0x7FC00000 == 0x7FC00000  # NaNs, quiet
    assert struct.unpack("<4f", ex.fnearest(f32x4(2.5, 3.5, -2.5, -0.4)).to_bytes(16, "little")) == (2, 4, -2, -0.0)
    assert u32x4(ex.trunc_sat(struct.pack("<fffI", 3e9, -3e9, -1.9, 0x7FC00000))) == (2**31 - 1, 2**31, 2**32 - 1, 0)


def test_saturating_and_narrowing_and_shift_modulo(ex):
    got = ex.add_sat(bytes([127, 0x80, 100] + [0] * 13), bytes([1, 0xFF, 100] + [0] * 13)).to_bytes(16, "little")
    assert got[:3] == bytes([127, 0x80, 127])
    wide = struct.pack("<8h", 300, -5, 255, 0, 1, 2, 3, 4)
    assert ex.narrow(wide, wide).to_bytes(16, "little")[:4] == bytes([255, 0, 255, 0])
    assert struct.unpack("<8H", ex.shl(struct.pack("<8H", *range(1, 9)), 17).to_bytes(16, "little")) == \
        tuple(2 * k for k in range(1, 9))


def test_select_of_v128(ex):
    assert ex.select(1, 2, 1) == 1 and ex.select(1, 2, 0) == 2


# ---- memory ----

MEMORY = r"""
(module
  (memory (export "memory") 1)
  (func (export "load") (param i32) (result v128) (v128.load (local.get 0)))
  (func (export "load_offset") (param i32) (result v128) (v128.load offset=65520 (local.get 0)))
  (func (export "store") (param i32 v128) (v128.store (local.get 0) (local.get 1)))
  (func (export "dropped") (param i32) (drop (v128.load (local.get 0))))
  (func (export "dropped_lane") (param i32) (drop (v128.load64_lane 1 (local.get 0) (v128.const i64x2 0 0))))
  (func (export "dropped_splat") (param i32) (drop (v128.load32_splat (local.get 0))))
  (func (export "dropped_extend") (param i32) (drop (v128.load16x4_s (local.get 0))))
  (func (export "dropped_zero") (param i32) (drop (v128.load64_zero (local.get 0))))
  (func (export "lane_store") (param i32) (v128.store16_lane 7 (local.get 0) (v128.const i16x8 1 2 3 4 5 6 7 8)))
  (func (export "lane_load") (param i32) (result v128)
    (v128.load8_lane 15 (local.get 0) (v128.const i64x2 0 0)))
)
"""


@pytest.mark.parametrize("build", BUILDS)
def test_v128_memory_accesses_in_bounds_and_out(build):
    ex = wasm2pyext.Module(wat(MEMORY), options=BUILDS[build]).instantiate().exports
    mem = ex.memory.uint8_view()
    ex.store(65536 - 16, bytes(range(1, 17)))
    assert ex.load(65536 - 16) == int.from_bytes(bytes(range(1, 17)), "little")
    assert ex.load_offset(0) == ex.load(65536 - 16)
    assert ex.lane_load(65535) == 16 << 120
    ex.lane_store(65534)
    assert mem[65534] == 8 and mem[65535] == 0
    for name, at in [("load", 65536 - 15), ("load", 65536), ("load", 2**32 - 1), ("load_offset", 1),
                     ("dropped", 65536 - 8), ("dropped", 2**31), ("dropped_lane", 65536 - 7),
                     ("dropped_splat", 65536 - 3), ("dropped_extend", 65536 - 4), ("dropped_zero", 65536 - 1),
                     ("lane_load", 65536), ("lane_store", 65535)]:
        with pytest.raises(Trap) as info:
            ex[name](at)
        assert info.value.kind == "out of bounds memory access", (name, at)
    before = bytes(mem[65520:65536])
    with pytest.raises(Trap):
        ex.store(65536 - 15, 2**128 - 1)
    assert bytes(mem[65520:65536]) == before  # nothing written


def test_readme_simd_section_runs_as_written(monkeypatch):
    """README's SIMD snippet, line by line: each commented result is what the line gives."""
    root = Path(__file__).resolve().parents[1]
    section = (root / "README.md").read_text().split("### SIMD (v128)", 1)[1].split("\n#", 1)[0]
    lines = [line[4:] for line in section.splitlines() if line.startswith("    ")]
    monkeypatch.chdir(root)
    namespace: dict = {}
    checked = 0
    for line in lines:
        code, _, comment = line.partition("  # ")
        if comment and code.strip().startswith(("add(", "add.")):
            expected = comment.split(":")[0].strip()
            result = eval(code, namespace)
            assert (repr(result) == expected if "V128" in expected else result == eval(expected)), line
            checked += 1
        else:
            exec(code, namespace)
    assert checked == 3
