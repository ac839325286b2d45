"""Spec-test values: decoding their JSON form, matching results, formatting them for reports.

Pure: results are matched by duck typing (`.type`, `.bits`, `.value`), so nothing here
needs the compiler.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Iterable

WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}
LANE_WIDTH = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}
REF_TYPES = ("funcref", "externref")

# The quiet-NaN bit and the rest of the exponent, and the sign mask, per float type.
_QUIET_NAN = {"f32": 0x7FC00000, "f64": 0x7FF8000000000000}
_EXPONENT = {"f32": 0x7F800000, "f64": 0x7FF0000000000000}
_ABS = {"f32": 0x7FFFFFFF, "f64": 0x7FFFFFFFFFFFFFFF}


class Unsupported(Exception):
    """A value this driver cannot express through the API (a non-null funcref argument)."""


@dataclass(frozen=True)
class Number:
    type: str
    bits: int  # the unsigned bit pattern


@dataclass(frozen=True)
class NanPattern:
    type: str
    kind: str  # "canonical" or "arithmetic"


@dataclass(frozen=True)
class Ref:
    type: str
    host: int | None  # None: the null reference; N: the distinct host reference N


@dataclass(frozen=True)
class NonNullRef:
    type: str


@dataclass(frozen=True)
class V128:
    """A v128 by lanes: each an unsigned int, or for float lanes a NanPattern."""

    lane_type: str
    lanes: tuple[int | NanPattern, ...]
    type: str = "v128"

    @property
    def bits(self) -> int:
        """The 128 bits (only when no lane is a NaN pattern)."""
        width = LANE_WIDTH[self.lane_type]
        return sum(lane << (width * i) for i, lane in enumerate(self.lanes))  # type: ignore[operator]


SpecValue = Number | NanPattern | Ref | NonNullRef | V128


def _v128(lane_type: str, lanes: list[str]) -> V128:
    width = LANE_WIDTH[lane_type]
    if len(lanes) * width != 128:
        raise ValueError(f"a v128 of {lane_type} has {128 // width} lanes, not {len(lanes)}")
    return V128(lane_type, tuple(NanPattern(lane_type, lane.removeprefix("nan:")) if lane.startswith("nan:")
                                 else int(lane) & ((1 << width) - 1) for lane in lanes))


def parse_value(obj: dict[str, Any]) -> SpecValue:
    """Decode {"type": T, "value": V} from a script (an argument or an expected result)."""
    type_, value = obj["type"], obj.get("value")
    if type_ in WIDTH:
        if value is None:
            raise ValueError(f"{type_} value without a value: {obj}")
        if value.startswith("nan:"):
            return NanPattern(type_, value.removeprefix("nan:"))
        return Number(type_, int(value))
    if type_ == "v128":
        return _v128(obj["lane_type"], value)
    if type_ in REF_TYPES:
        if value == "null":
            return Ref(type_, None)
        # wabt writes a `(ref.func)` / `(ref.extern)` result pattern (any non-null reference)
        # without a value; its interpreter also reads any non-null funcref number that way,
        # since a script cannot name a particular function.
        if value is None or type_ == "funcref":
            return NonNullRef(type_)
        return Ref(type_, int(value))
    raise Unsupported(f"{type_} values are not supported by the driver")


def to_signed(bits: int, width: int) -> int:
    bits &= (1 << width) - 1
    return bits - (1 << width) if bits >> (width - 1) else bits


def is_nan(type_: str, bits: int) -> bool:
    return (bits & _EXPONENT[type_]) == _EXPONENT[type_] and (bits & _ABS[type_]) != _EXPONENT[type_]


def nan_matches(type_: str, kind: str, bits: int) -> bool:
    """nan:canonical is the canonical NaN of either sign; nan:arithmetic any NaN with the quiet bit."""
    quiet = _QUIET_NAN[type_]
    if kind == "canonical":
        return (bits & _ABS[type_]) == quiet
    if kind == "arithmetic":
        return (bits & quiet) == quiet
    raise ValueError(f"unknown NaN pattern nan:{kind}")


class HostRef:
    """The host reference a script writes as (ref.extern N); compared by identity."""

    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number

    def __repr__(self) -> str:
        return f"HostRef({self.number})"


class HostRefs:
    """One distinct HostRef per number, the same object every time within a script."""

    def __init__(self) -> None:
        self._refs: dict[int, HostRef] = {}

    def get(self, number: int) -> HostRef:
        if number not in self._refs:
            self._refs[number] = HostRef(number)
        return self._refs[number]


def matches(expected: SpecValue, actual: Any, refs: HostRefs) -> bool:
    """Does a result (a Value) match an expected value, bit for bit?"""
    if actual.type != expected.type:
        return False
    match expected:
        case Number(bits=bits):
            return actual.bits == bits
        case NanPattern(type=type_, kind=kind):
            return nan_matches(type_, kind, actual.bits)
        case Ref(host=None):
            return actual.value is None
        case Ref(host=number):
            return actual.value is refs.get(number)
        case NonNullRef():
            return actual.value is not None
        case V128(lane_type=lane_type, lanes=lanes):
            width = LANE_WIDTH[lane_type]
            got = [(actual.bits >> (width * i)) & ((1 << width) - 1) for i in range(len(lanes))]
            return all(nan_matches(lane_type, want.kind, bits) if isinstance(want, NanPattern) else want == bits
                       for want, bits in zip(lanes, got))
    raise TypeError(f"not a spec value: {expected!r}")


def all_match(expected: list[SpecValue], actual: tuple[Any, ...], refs: HostRefs) -> bool:
    return len(expected) == len(actual) and all(matches(e, a, refs) for e, a in zip(expected, actual))


def trap_kind_matches(text: str, kind: str) -> bool:
    """Does a trap of `kind` satisfy an assertion's `text`?

    Exact, except that a few spec texts add words after the kind ("uninitialized element 2"):
    those accept the kind they start with.
    """
    return text == kind or text.startswith(kind + " ")


def format_number(type_: str, bits: int) -> str:
    if type_ in ("i32", "i64"):
        return f"{type_}:{to_signed(bits, WIDTH[type_])}"
    if is_nan(type_, bits):
        return f"{type_}:nan(0x{bits:x})"
    packed = struct.pack("<I" if type_ == "f32" else "<Q", bits)
    (value,) = struct.unpack("<f" if type_ == "f32" else "<d", packed)
    return f"{type_}:{value!r}"


def format_expected(value: SpecValue) -> str:
    match value:
        case Number(type=type_, bits=bits):
            return format_number(type_, bits)
        case NanPattern(type=type_, kind=kind):
            return f"{type_}:nan:{kind}"
        case Ref(type=type_, host=None):
            return f"{type_}:null"
        case Ref(type=type_, host=number):
            return f"{type_}:HostRef({number})"
        case NonNullRef(type=type_):
            return f"{type_}:non-null"
        case V128(lane_type=lane_type, lanes=lanes):
            return f"v128:{lane_type}[" + " ".join(
                f"nan:{lane.kind}" if isinstance(lane, NanPattern) else _format_lane(lane_type, lane)
                for lane in lanes) + "]"
    return repr(value)


def _format_lane(lane_type: str, bits: int) -> str:
    if lane_type in WIDTH:
        return format_number(lane_type, bits).split(":", 1)[1]
    return str(to_signed(bits, LANE_WIDTH[lane_type]))


def format_actual(value: Any) -> str:
    """A result for a report: deterministic (no object addresses) and short."""
    type_ = getattr(value, "type", None)
    if type_ in WIDTH:
        return format_number(type_, value.bits)
    if type_ == "v128":
        return f"v128:0x{value.bits:032x}"
    if type_ in REF_TYPES:
        ref = value.value
        if ref is None:
            return f"{type_}:null"
        if isinstance(ref, HostRef):
            return f"{type_}:{ref!r}"
        return f"{type_}:{type(ref).__name__}"
    return f"<{type(value).__name__}>"


def format_tuple(texts: Iterable[str]) -> str:
    return "(" + ", ".join(texts) + ")"
