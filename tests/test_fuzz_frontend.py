"""Fuzzing the front end: mutated valid modules may only fail with DecodeError or
ValidationError (never another exception, a hang, or a blow-up).

The seeds are the spec suite's valid modules. The default run is short; set
W2P_FUZZ_EXAMPLES to fuzz longer, e.g. W2P_FUZZ_EXAMPLES=20000.
"""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasm2pyext import ir
from wasm2pyext.decode import decode
from wasm2pyext.errors import DecodeError, ValidationError
from wasm2pyext.opcodes import BY_NAME, OPS
from wasm2pyext.validator import validate_module

from spec.script import spectest_dir

SPECTEST = spectest_dir()
MAX_SEED_SIZE = 16_384  # bigger seeds slow each example down without finding more
EXAMPLES = int(os.environ.get("W2P_FUZZ_EXAMPLES", "2000"))

# Bytes that mean something in the binary format: end, else, block types, type forms,
# prefixes, LEB continuation, section ids.
INTERESTING = [0x00, 0x01, 0x05, 0x0B, 0x0C, 0x40, 0x60, 0x6F, 0x70, 0x7B, 0x7F, 0x80, 0xFC,
               0xFD, 0xFF]


def seed_modules() -> list[bytes]:
    seeds = []
    for path in sorted((SPECTEST / "json").glob("*/*.json")):
        for cmd in json.loads(path.read_text())["commands"]:
            if cmd["type"] == "module":
                data = (path.parent / cmd["filename"]).read_bytes()
                if len(data) <= MAX_SEED_SIZE:
                    seeds.append(data)
    return seeds


SEEDS = seed_modules() if SPECTEST.is_dir() else []


def mutate(data: bytes, rng: random.Random, count: int) -> bytes:
    """Applies `count` random mutations to `data`."""
    buf = bytearray(data)
    for _ in range(count):
        kind = rng.randrange(8)
        pos = rng.randrange(len(buf) + 1)
        if kind == 0 and buf:  # flip bits
            pos = min(pos, len(buf) - 1)
            buf[pos] ^= 1 << rng.randrange(8)
        elif kind == 1 and buf:  # an interesting byte
            pos = min(pos, len(buf) - 1)
            buf[pos] = rng.choice(INTERESTING)
        elif kind == 2:  # insert bytes
            buf[pos:pos] = bytes(rng.choice(INTERESTING + [rng.randrange(256)])
                                 for _ in range(rng.randrange(1, 5)))
        elif kind == 3:  # delete a run
            del buf[pos:pos + rng.randrange(1, 9)]
        elif kind == 4:  # truncate
            del buf[pos:]
        elif kind == 5 and buf:  # lengthen a LEB128: set the continuation bit, add a byte
            pos = min(pos, len(buf) - 1)
            buf[pos] |= 0x80
            buf.insert(pos + 1, rng.choice([0x00, 0x7F, 0x80, 0x0F, 0x10]))
        elif kind == 6 and buf:  # a huge LEB128 count
            pos = min(pos, len(buf) - 1)
            buf[pos:pos + 1] = rng.choice([b"\xff\xff\xff\xff\x0f", b"\x80\x80\x80\x80\x01",
                                           b"\xff\xff\x03", b"\xff\xff\xff\xff\x7f"])
        elif kind == 7 and buf:  # duplicate a run (repeats sections, nests blocks)
            n = rng.randrange(1, 17)
            buf[pos:pos] = buf[pos:pos + n] * rng.randrange(1, 4)
    return bytes(buf)


# Instruction-level mutations keep what the decoder guarantees (balanced blocks, immediates
# of the op's shape), so that they reach the validator, which byte flips mostly do not.
_STRUCTURE = {"block", "loop", "if", "else", "end"}
_BY_SHAPE: dict[str, list] = {}
for _op in OPS:
    if _op.name not in _STRUCTURE:
        _BY_SHAPE.setdefault(_op.imm, []).append(_op)


def _tweak(imm: object, rng: random.Random) -> object:
    if isinstance(imm, bool) or not isinstance(imm, int) or isinstance(imm, ir.ValType):
        return imm
    return max(0, rng.choice([0, 1, imm - 1, imm + 1, imm + 7, 2**32 - 1]))


def mutate_body(body: list[ir.Instr], rng: random.Random, count: int) -> list[ir.Instr]:
    body = [ir.Instr(i.op, i.imm, i.offset) for i in body]
    movable = [k for k, i in enumerate(body) if i.op.name not in _STRUCTURE]
    for _ in range(count):
        if not movable:
            break
        k = rng.choice(movable)
        instr = body[k]
        kind = rng.randrange(5)
        if kind == 0:  # another instruction with an immediate of the same shape
            body[k] = ir.Instr(rng.choice(_BY_SHAPE[instr.op.imm]), instr.imm, instr.offset)
        elif kind == 1:  # another index, depth or constant
            body[k] = ir.Instr(instr.op, _tweak(instr.imm, rng), instr.offset)
        elif kind == 2:  # a nop in its place (a deletion that keeps the indices valid)
            body[k] = ir.Instr(BY_NAME["nop"], None, instr.offset)
        elif kind == 3:  # a copy of another instruction
            other = body[rng.choice(movable)]
            body[k] = ir.Instr(other.op, other.imm, instr.offset)
        else:  # swap with another
            j = rng.choice(movable)
            body[k], body[j] = body[j], body[k]
    return body


def front_end(data: bytes) -> None:
    """Decodes and validates; only the two front-end errors may escape."""
    try:
        module = decode(data)
    except DecodeError:
        return
    try:
        validate_module(module)
    except ValidationError:
        return
    for func in module.funcs:
        for instr in func.body:
            assert isinstance(instr.height, int) and instr.height >= -1


@pytest.mark.skipif(not SEEDS, reason=f"spec test suite not found at {SPECTEST}")
@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 10**6), count=st.integers(1, 6))
def test_mutated_modules_fail_only_with_front_end_errors(seed: int, index: int, count: int):
    rng = random.Random(seed)
    front_end(mutate(SEEDS[index % len(SEEDS)], rng, count))


@pytest.mark.skipif(not SEEDS, reason=f"spec test suite not found at {SPECTEST}")
@settings(max_examples=EXAMPLES, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 10**6), count=st.integers(1, 4))
def test_mutated_function_bodies_fail_only_with_validation_errors(seed: int, index: int,
                                                                   count: int):
    rng = random.Random(seed)
    module = decode(SEEDS[index % len(SEEDS)])
    for func in module.funcs:
        func.body = mutate_body(func.body, rng, count)
    try:
        validate_module(module)
    except ValidationError:
        pass


@pytest.mark.skipif(not SEEDS, reason=f"spec test suite not found at {SPECTEST}")
def test_every_truncation_of_some_seeds():
    for data in SEEDS[::100]:
        for n in range(len(data)):
            front_end(data[:n])


@settings(max_examples=EXAMPLES // 4, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_after_the_header(tail: bytes):
    front_end(b"\x00asm\x01\x00\x00\x00" + tail)


def main(seconds: float, seed: int = 0) -> None:
    """A longer fuzz by hand: python tests/test_fuzz_frontend.py SECONDS [SEED]."""
    import time
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    runs = 0
    while time.monotonic() < deadline:
        seed = rng.choice(SEEDS)
        if runs % 2:
            module = decode(seed)
            state = rng.getstate()
            for func in module.funcs:
                func.body = mutate_body(func.body, rng, rng.randrange(1, 5))
            try:
                validate_module(module)
            except ValidationError:
                pass
            except Exception:
                print(f"crash: body mutation of seed {SEEDS.index(seed)}, rng state {state}")
                raise
        else:
            data = mutate(seed, rng, rng.randrange(1, 7))
            try:
                front_end(data)
            except Exception:
                Path("fuzz-crash.wasm").write_bytes(data)
                print("crash written to fuzz-crash.wasm")
                raise
        runs += 1
    print(f"{runs} mutated modules, no crash")


if __name__ == "__main__":
    import sys
    main(float(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
